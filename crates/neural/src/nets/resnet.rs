//! ResNet-1D: a stem convolution, stages of residual blocks (conv-BN-ReLU-conv-BN plus a
//! shortcut), an adaptive average pool to a few positions, and a linear head.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::pool::{AdaptiveAvgPool1d, AdaptiveAvgPool1dConfig};
use burn::nn::{BatchNorm, BatchNormConfig, Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d, Relu};
use burn::prelude::{Device, Tensor};

use super::{Cost, Network, NetworkConfig};
use crate::error::{self, NeuralError};

/// A residual 1-D CNN.
#[derive(Config, Debug, PartialEq)]
pub struct ResNet1dConfig {
    /// Input length L.
    pub lookback: usize,
    /// Output length H.
    pub horizon: usize,
    /// Input channels (1: the scaled target).
    #[config(default = 1)]
    pub channels_in: usize,
    /// Channels of the stem convolution.
    #[config(default = 16)]
    pub stem_channels: usize,
    /// Width of the stem convolution (odd; 7 sees a week).
    #[config(default = 7)]
    pub stem_kernel: usize,
    /// Channels of each stage; every stage after the first halves the length (stride 2).
    #[config(default = "vec![16, 32, 64]")]
    pub stage_channels: Vec<usize>,
    /// Residual blocks per stage.
    #[config(default = 1)]
    pub blocks_per_stage: usize,
    /// Width of the block convolutions (odd).
    #[config(default = 3)]
    pub kernel_size: usize,
    /// Positions kept by the final adaptive average pool (keeps coarse timing for the head).
    #[config(default = 4)]
    pub pooled_len: usize,
    /// Dropout before the head (training only).
    #[config(default = 0.0)]
    pub dropout: f64,
}

/// One planned block: input/output channels, stride, input length.
struct BlockPlan {
    c_in: usize,
    c_out: usize,
    stride: usize,
    len_out: usize,
}

impl ResNet1dConfig {
    fn plan(&self) -> (Vec<BlockPlan>, usize, usize) {
        let mut len = self.lookback;
        let mut c_in = self.stem_channels;
        let mut blocks = Vec::new();
        for (s, &c) in self.stage_channels.iter().enumerate() {
            for b in 0..self.blocks_per_stage {
                let stride = if s > 0 && b == 0 { 2 } else { 1 };
                // odd kernel, padding k/2: out = floor((len - 1) / stride) + 1
                len = len.saturating_sub(1) / stride + 1;
                blocks.push(BlockPlan { c_in, c_out: c, stride, len_out: len });
                c_in = c;
            }
        }
        (blocks, c_in, len)
    }
}

impl NetworkConfig for ResNet1dConfig {
    type Net = ResNet1d;

    fn validate(&self) -> error::Result<()> {
        let positive = [
            ("lookback", self.lookback),
            ("horizon", self.horizon),
            ("channels_in", self.channels_in),
            ("stem_channels", self.stem_channels),
            ("blocks_per_stage", self.blocks_per_stage),
            ("pooled_len", self.pooled_len),
        ];
        for (what, v) in positive {
            if v == 0 {
                return Err(NeuralError::config(format!("resnet.{what}"), "must be at least 1"));
            }
        }
        for (what, k) in [("stem_kernel", self.stem_kernel), ("kernel_size", self.kernel_size)] {
            if k.is_multiple_of(2) {
                return Err(NeuralError::config(format!("resnet.{what}"), format!("{k} is even; \"same\" padding needs an odd width")));
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(NeuralError::config("resnet.dropout", format!("{} is outside [0, 1)", self.dropout)));
        }
        if self.stage_channels.is_empty() || self.stage_channels.contains(&0) {
            return Err(NeuralError::config("resnet.stage_channels", "need at least one stage, each with at least 1 channel"));
        }
        let (_, _, len) = self.plan();
        if len < self.pooled_len {
            return Err(NeuralError::config("resnet.pooled_len", format!("{} exceeds the final length {len}", self.pooled_len)));
        }
        Ok(())
    }

    fn cost(&self) -> Cost {
        let (blocks, c_last, _) = self.plan();
        let k = self.kernel_size;
        let stem = Cost::conv(self.channels_in, self.stem_channels, self.stem_kernel, self.lookback, false) + Cost::batch_norm(self.stem_channels);
        let body: Cost = blocks
            .iter()
            .map(|b| {
                let main = Cost::conv(b.c_in, b.c_out, k, b.len_out, false) + Cost::batch_norm(b.c_out) + Cost::conv(b.c_out, b.c_out, k, b.len_out, false) + Cost::batch_norm(b.c_out);
                let projection = b.c_in != b.c_out || b.stride != 1;
                if projection { main + Cost::conv(b.c_in, b.c_out, 1, b.len_out, false) + Cost::batch_norm(b.c_out) } else { main }
            })
            .sum();
        stem + body + Cost::linear(c_last * self.pooled_len, self.horizon)
    }

    fn io(&self) -> (usize, usize, usize) {
        (self.channels_in, self.lookback, self.horizon)
    }

    fn build(&self, device: &Device) -> ResNet1d {
        let (plan, c_last, _) = self.plan();
        let k = self.kernel_size;
        let conv = |c_in: usize, c_out: usize, k: usize, stride: usize| {
            Conv1dConfig::new(c_in, c_out, k).with_stride(stride).with_padding(PaddingConfig1d::Explicit(k / 2, k / 2)).with_bias(false).init(device)
        };
        let bn = |c: usize| BatchNormConfig::new(c).init(device);
        let blocks = plan
            .iter()
            .map(|b| ResidualBlock {
                conv1: conv(b.c_in, b.c_out, k, b.stride),
                bn1: bn(b.c_out),
                conv2: conv(b.c_out, b.c_out, k, 1),
                bn2: bn(b.c_out),
                // identity when shapes agree, 1×1 projection (with the stride) when not
                projection: (b.c_in != b.c_out || b.stride != 1).then(|| Projection { conv: conv(b.c_in, b.c_out, 1, b.stride), bn: bn(b.c_out) }),
                activation: Relu::new(),
            })
            .collect();
        ResNet1d {
            stem: conv(self.channels_in, self.stem_channels, self.stem_kernel, 1),
            stem_bn: bn(self.stem_channels),
            blocks,
            pool: AdaptiveAvgPool1dConfig::new(self.pooled_len).init(),
            head: LinearConfig::new(c_last * self.pooled_len, self.horizon).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            activation: Relu::new(),
        }
    }
}

/// 1×1 convolution and batch norm on the shortcut when the block changes shape.
#[derive(Module, Debug)]
pub struct Projection {
    conv: Conv1d,
    bn: BatchNorm,
}

/// conv-BN-ReLU-conv-BN, plus the (identity or projected) input, then ReLU.
#[derive(Module, Debug)]
pub struct ResidualBlock {
    conv1: Conv1d,
    bn1: BatchNorm,
    conv2: Conv1d,
    bn2: BatchNorm,
    projection: Option<Projection>,
    activation: Relu,
}

impl ResidualBlock {
    /// `[batch, c_in, len]` → `[batch, c_out, ceil(len / stride)]`.
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let shortcut = match &self.projection {
            Some(p) => p.bn.forward(p.conv.forward(x.clone())),
            None => x.clone(),
        };
        let y = self.activation.forward(self.bn1.forward(self.conv1.forward(x)));
        let y = self.bn2.forward(self.conv2.forward(y));
        self.activation.forward(y + shortcut)
    }
}

/// ResNet-1D; see [`ResNet1dConfig`].
#[derive(Module, Debug)]
pub struct ResNet1d {
    stem: Conv1d,
    stem_bn: BatchNorm,
    blocks: Vec<ResidualBlock>,
    pool: AdaptiveAvgPool1d,
    head: Linear,
    dropout: Dropout,
    activation: Relu,
}

impl Network for ResNet1d {
    fn freeze_first(mut self, k: usize) -> ResNet1d {
        if k > 0 {
            self.stem = self.stem.freeze();
            self.stem_bn = self.stem_bn.freeze();
        }
        self.blocks = self.blocks.into_iter().enumerate().map(|(j, b)| if j + 1 < k { b.freeze() } else { b }).collect();
        self
    }

    /// `[batch, channels_in, lookback]` → stem `[batch, stem_channels, lookback]` → blocks
    /// `[batch, c_last, len]` → pool `[batch, c_last, pooled_len]` → flatten → `[batch, horizon]`.
    fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let x = self.activation.forward(self.stem_bn.forward(self.stem.forward(x)));
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        let x = self.pool.forward(x);
        let [batch, c, len] = x.dims();
        self.head.forward(self.dropout.forward(x.reshape([batch, c * len])))
    }
}
