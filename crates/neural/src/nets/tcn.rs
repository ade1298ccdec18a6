//! Temporal convolutional network (TCN): residual blocks of two dilated causal
//! convolutions, the dilation doubling block by block (1, 2, 4, …) so the receptive field
//! grows exponentially with depth; the features of the last few positions feed a linear
//! head onto the horizon.
//!
//! Causal: each convolution pads only on the left, so position `t` sees inputs `≤ t` and
//! never the future part of a window. The original TCN normalizes weights (weight norm);
//! burn has none, and the blocks train without it at these depths.

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d, Relu};
use burn::prelude::{Device, Tensor};

use super::{Cost, Network, NetworkConfig};
use crate::error::{self, NeuralError};

/// A stack of dilated causal residual blocks with a linear head.
#[derive(Config, Debug, PartialEq)]
pub struct TcnConfig {
    /// Input length L.
    pub lookback: usize,
    /// Output length H.
    pub horizon: usize,
    /// Input channels (1: the scaled target).
    #[config(default = 1)]
    pub channels_in: usize,
    /// Channels of every block.
    #[config(default = 32)]
    pub channels: usize,
    /// Residual blocks; block `j` dilates by `2^j`.
    #[config(default = 4)]
    pub levels: usize,
    /// Width of the causal convolutions.
    #[config(default = 3)]
    pub kernel_size: usize,
    /// Last positions whose features the head reads (1: the classic TCN's last step).
    #[config(default = 7)]
    pub head_positions: usize,
    /// Dropout after each convolution (training only).
    #[config(default = 0.0)]
    pub dropout: f64,
}

impl TcnConfig {
    /// Inputs one output position depends on: `1 + 2 (k − 1) (2^levels − 1)`.
    pub fn receptive_field(&self) -> usize {
        1 + 2 * (self.kernel_size.saturating_sub(1)) * ((1usize << self.levels.min(30)) - 1)
    }
}

impl NetworkConfig for TcnConfig {
    type Net = Tcn;

    fn validate(&self) -> error::Result<()> {
        let positive =
            [("lookback", self.lookback), ("horizon", self.horizon), ("channels_in", self.channels_in), ("channels", self.channels), ("levels", self.levels), ("kernel_size", self.kernel_size)];
        for (what, v) in positive {
            if v == 0 {
                return Err(NeuralError::config(format!("tcn.{what}"), "must be at least 1"));
            }
        }
        if self.levels > 12 {
            return Err(NeuralError::config("tcn.levels", format!("{} dilates by up to 2^{}: far past any lookback", self.levels, self.levels - 1)));
        }
        if !(1..=self.lookback).contains(&self.head_positions) {
            return Err(NeuralError::config("tcn.head_positions", format!("{} is outside 1..={}", self.head_positions, self.lookback)));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(NeuralError::config("tcn.dropout", format!("{} is outside [0, 1)", self.dropout)));
        }
        Ok(())
    }

    fn cost(&self) -> Cost {
        let (l, c, k) = (self.lookback, self.channels, self.kernel_size);
        let mut c_in = self.channels_in;
        let mut total = Cost::default();
        for _ in 0..self.levels {
            total = total + Cost::conv(c_in, c, k, l, true) + Cost::conv(c, c, k, l, true);
            if c_in != c {
                total = total + Cost::conv(c_in, c, 1, l, true);
            }
            c_in = c;
        }
        total + Cost::linear(c * self.head_positions, self.horizon)
    }

    fn io(&self) -> (usize, usize, usize) {
        (self.channels_in, self.lookback, self.horizon)
    }

    fn build(&self, device: &Device) -> Tcn {
        let (c, k) = (self.channels, self.kernel_size);
        let causal = |c_in: usize, dilation: usize| Conv1dConfig::new(c_in, c, k).with_dilation(dilation).with_padding(PaddingConfig1d::Explicit((k - 1) * dilation, 0)).init(device);
        let mut c_in = self.channels_in;
        let blocks = (0..self.levels)
            .map(|j| {
                let dilation = 1 << j;
                let block = TcnBlock {
                    first: causal(c_in, dilation),
                    second: causal(c, dilation),
                    shortcut: (c_in != c).then(|| Conv1dConfig::new(c_in, c, 1).init(device)),
                    dropout: DropoutConfig::new(self.dropout).init(),
                    activation: Relu::new(),
                };
                c_in = c;
                block
            })
            .collect();
        Tcn { blocks, head: LinearConfig::new(c * self.head_positions, self.horizon).init(device), head_positions: self.head_positions }
    }
}

/// Two dilated causal convolutions (ReLU, dropout after each) plus a shortcut (a 1×1
/// convolution where the channels change), then ReLU.
#[derive(Module, Debug)]
pub struct TcnBlock {
    first: Conv1d,
    second: Conv1d,
    shortcut: Option<Conv1d>,
    dropout: Dropout,
    activation: Relu,
}

impl TcnBlock {
    /// `[batch, c_in, L]` → `[batch, channels, L]`.
    fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let y = self.dropout.forward(self.activation.forward(self.first.forward(x.clone())));
        let y = self.dropout.forward(self.activation.forward(self.second.forward(y)));
        let skip = match &self.shortcut {
            Some(conv) => conv.forward(x),
            None => x,
        };
        self.activation.forward(y + skip)
    }
}

/// A temporal convolutional network; see [`TcnConfig`].
#[derive(Module, Debug)]
pub struct Tcn {
    blocks: Vec<TcnBlock>,
    head: Linear,
    head_positions: usize,
}

impl Network for Tcn {
    fn freeze_first(mut self, k: usize) -> Tcn {
        self.blocks = self.blocks.into_iter().enumerate().map(|(j, b)| if j < k { b.freeze() } else { b }).collect();
        self
    }

    /// `[batch, channels_in, L]` → blocks `[batch, channels, L]` → last `head_positions`
    /// positions, flattened → `[batch, horizon]`.
    fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let x = self.blocks.iter().fold(x, |x, b| b.forward(x));
        let [batch, c, len] = x.dims();
        let last = x.narrow(2, len - self.head_positions, self.head_positions);
        self.head.forward(last.reshape([batch, c * self.head_positions]))
    }
}

#[cfg(test)]
mod tests {
    use burn::prelude::TensorData;

    use super::*;
    use crate::device::{cpu, init_seeded};

    #[test]
    fn cost_matches_a_hand_count_and_burns() {
        // 2 levels, 1 → 3 channels, k 2, L 5, head 2 positions → 4
        let cfg = TcnConfig::new(5, 4).with_channels(3).with_levels(2).with_kernel_size(2).with_head_positions(2);
        let block0 = (3 * 2 + 3) + (9 * 2 + 3) + (3 + 3); // two convs and the 1×1 shortcut
        let block1 = 2 * (9 * 2 + 3);
        let head = 6 * 4 + 4;
        assert_eq!(cfg.cost().params, block0 + block1 + head);
        assert_eq!(cfg.cost().macs, ((6 + 18 + 3) * 5 + 2 * 18 * 5 + 24) as u64);
        assert_eq!(init_seeded(&cfg, &cpu(), 0).num_params(), cfg.cost().params);
        // k 3, 4 levels: 1 + 2·2·15
        assert_eq!(TcnConfig::new(56, 28).receptive_field(), 61);
    }

    #[test]
    fn outputs_never_depend_on_later_inputs() {
        // with one head position, the output reads the last step only; it sees every earlier
        // input, and changing the first input alone must change nothing before it. Check
        // causality directly: truncating the window's end changes only positions after it.
        let cfg = TcnConfig::new(12, 3).with_channels(4).with_levels(3).with_head_positions(1);
        let net = init_seeded(&cfg, &cpu(), 5);
        let window = |tail: f32| {
            let mut v: Vec<f32> = (0..12).map(|k| (k as f32 * 0.7).sin()).collect();
            v[11] = tail;
            Tensor::<3>::from_data(TensorData::new(v, [1, 1, 12]), &cpu())
        };
        // features of positions 0..11 (before the changed one) stay the same
        let features = |x: Tensor<3>| net.blocks.iter().fold(x, |x, b| b.forward(x)).narrow(2, 0, 11).to_data().try_to_vec::<f32>().unwrap_or_default();
        assert_eq!(features(window(0.0)), features(window(5.0)));
        assert_ne!(net.forward(window(0.0)).to_data().try_to_vec::<f32>().unwrap_or_default(), net.forward(window(5.0)).to_data().try_to_vec::<f32>().unwrap_or_default());
        assert_eq!(net.forward(window(0.0)).dims(), [1, 3]);
    }

    #[test]
    fn bad_configs_are_rejected() {
        assert!(TcnConfig::new(56, 28).validate().is_ok());
        assert!(TcnConfig::new(56, 28).with_levels(0).validate().is_err());
        assert!(TcnConfig::new(56, 28).with_levels(13).validate().is_err());
        assert!(TcnConfig::new(5, 28).with_head_positions(6).validate().is_err());
        assert!(TcnConfig::new(56, 28).with_dropout(1.0).validate().is_err());
    }
}
