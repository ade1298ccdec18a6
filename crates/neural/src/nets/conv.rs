//! Plain convolutional stacks: LeNet style (one wide conv per block) and VGG style
//! (several 3-wide convs per block, channels doubling), each block ending in a max pool,
//! then two linear layers onto the horizon.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::pool::{MaxPool1d, MaxPool1dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d, Relu};
use burn::prelude::{Device, Tensor};

use super::{Cost, Network, NetworkConfig};
use crate::error::{self, NeuralError};

/// A conv-pool stack with a two-layer head.
#[derive(Config, Debug, PartialEq)]
pub struct Conv1dNetConfig {
    /// Input length L.
    pub lookback: usize,
    /// Output length H.
    pub horizon: usize,
    /// Input channels (1: the scaled target).
    #[config(default = 1)]
    pub channels_in: usize,
    /// Output channels of each block's convolutions.
    #[config(default = "vec![16, 32]")]
    pub block_channels: Vec<usize>,
    /// Convolutions per block (1: LeNet, 2 or 3: VGG).
    #[config(default = 1)]
    pub convs_per_block: usize,
    /// Kernel width (odd, "same" padding).
    #[config(default = 5)]
    pub kernel_size: usize,
    /// Max-pool width and stride at the end of each block.
    #[config(default = 2)]
    pub pool: usize,
    /// Width of the hidden linear layer.
    #[config(default = 64)]
    pub hidden: usize,
    /// Dropout before the head (training only).
    #[config(default = 0.0)]
    pub dropout: f64,
}

impl Conv1dNetConfig {
    /// LeNet style: two blocks of one 5-wide conv (16, 32 channels), hidden 64.
    pub fn lenet(lookback: usize, horizon: usize) -> Conv1dNetConfig {
        Conv1dNetConfig::new(lookback, horizon)
    }

    /// VGG style: `blocks` blocks of two 3-wide convs, channels doubling from `width`.
    pub fn vgg(lookback: usize, horizon: usize, width: usize, blocks: usize) -> Conv1dNetConfig {
        let channels = (0..blocks).map(|b| width << b).collect();
        Conv1dNetConfig::new(lookback, horizon).with_block_channels(channels).with_convs_per_block(2).with_kernel_size(3)
    }

    /// Length of the feature map after the last pool.
    fn final_len(&self) -> usize {
        self.block_channels.iter().fold(self.lookback, |len, _| len / self.pool.max(1))
    }
}

impl NetworkConfig for Conv1dNetConfig {
    type Net = Conv1dNet;

    fn validate(&self) -> error::Result<()> {
        let positive =
            [("lookback", self.lookback), ("horizon", self.horizon), ("channels_in", self.channels_in), ("convs_per_block", self.convs_per_block), ("pool", self.pool), ("hidden", self.hidden)];
        for (what, v) in positive {
            if v == 0 {
                return Err(NeuralError::config(format!("conv.{what}"), "must be at least 1"));
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(NeuralError::config("conv.dropout", format!("{} is outside [0, 1)", self.dropout)));
        }
        if self.kernel_size.is_multiple_of(2) {
            return Err(NeuralError::config("conv.kernel_size", format!("{} is even; \"same\" padding needs an odd width", self.kernel_size)));
        }
        if self.block_channels.is_empty() || self.block_channels.contains(&0) {
            return Err(NeuralError::config("conv.block_channels", "need at least one block, each with at least 1 channel"));
        }
        if self.final_len() == 0 {
            return Err(NeuralError::config("conv.lookback", format!("{} is too short for {} pools of {}", self.lookback, self.block_channels.len(), self.pool)));
        }
        Ok(())
    }

    fn cost(&self) -> Cost {
        let mut len = self.lookback;
        let mut c_in = self.channels_in;
        let mut total = Cost::default();
        for &c in &self.block_channels {
            for _ in 0..self.convs_per_block {
                total = total + Cost::conv(c_in, c, self.kernel_size, len, true);
                c_in = c;
            }
            len /= self.pool;
        }
        total + Cost::linear(c_in * len, self.hidden) + Cost::linear(self.hidden, self.horizon)
    }

    fn io(&self) -> (usize, usize, usize) {
        (self.channels_in, self.lookback, self.horizon)
    }

    fn build(&self, device: &Device) -> Conv1dNet {
        let mut c_in = self.channels_in;
        let blocks = self
            .block_channels
            .iter()
            .map(|&c| {
                let convs = (0..self.convs_per_block)
                    .map(|_| {
                        let conv = Conv1dConfig::new(c_in, c, self.kernel_size).with_padding(PaddingConfig1d::Explicit(self.kernel_size / 2, self.kernel_size / 2)).init(device);
                        c_in = c;
                        conv
                    })
                    .collect();
                ConvBlock { convs, pool: MaxPool1dConfig::new(self.pool).init(), activation: Relu::new() }
            })
            .collect();
        Conv1dNet {
            blocks,
            hidden: LinearConfig::new(c_in * self.final_len(), self.hidden).init(device),
            output: LinearConfig::new(self.hidden, self.horizon).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            activation: Relu::new(),
        }
    }
}

/// Convolutions (ReLU after each) then a max pool.
#[derive(Module, Debug)]
pub struct ConvBlock {
    convs: Vec<Conv1d>,
    pool: MaxPool1d,
    activation: Relu,
}

impl ConvBlock {
    /// `[batch, c_in, len]` → `[batch, c_out, len / pool]`.
    fn forward(&self, mut x: Tensor<3>) -> Tensor<3> {
        for conv in &self.convs {
            x = self.activation.forward(conv.forward(x));
        }
        self.pool.forward(x)
    }
}

/// LeNet/VGG-style 1-D CNN; see [`Conv1dNetConfig`].
#[derive(Module, Debug)]
pub struct Conv1dNet {
    blocks: Vec<ConvBlock>,
    hidden: Linear,
    output: Linear,
    dropout: Dropout,
    activation: Relu,
}

impl Network for Conv1dNet {
    fn freeze_first(mut self, k: usize) -> Conv1dNet {
        self.blocks = self.blocks.into_iter().enumerate().map(|(j, b)| if j < k { b.freeze() } else { b }).collect();
        self
    }

    /// `[batch, channels_in, lookback]` → blocks → `[batch, c_last, lookback / pool^blocks]`
    /// → flatten → hidden (ReLU, dropout) → `[batch, horizon]`.
    fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        let [batch, c, len] = x.dims();
        let x = x.reshape([batch, c * len]);
        self.output.forward(self.dropout.forward(self.activation.forward(self.hidden.forward(x))))
    }
}
