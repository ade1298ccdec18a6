//! Network families. Each is built only from its `#[derive(Config)]` config, maps
//! `[batch, channels, lookback]` to `[batch, horizon]` (every horizon step at once), and
//! reports its cost from the config alone.

mod conv;
mod cost;
mod embedded;
mod inception;
mod recurrent;
mod resnet;
mod tcn;

pub use conv::{Conv1dNet, Conv1dNetConfig};
pub use cost::Cost;
pub use embedded::{Embedded, EmbeddedConfig};
pub use inception::{Inception1d, Inception1dConfig, InceptionModule, WideBranch};
pub use recurrent::{Cell, Recurrent, RecurrentConfig, RecurrentLayer};
pub use resnet::{ResNet1d, ResNet1dConfig, ResidualBlock};
pub use tcn::{Tcn, TcnBlock, TcnConfig};

use burn::module::Module;
use burn::prelude::{Device, Tensor};

use crate::error::Result;

/// A forecasting network: scaled input windows in, scaled forecasts out.
pub trait Network: Module + burn::module::ModuleDisplay {
    /// `x`: `[batch, channels, lookback]` → `[batch, horizon]`.
    fn forward(&self, x: Tensor<3>) -> Tensor<2>;

    /// The forward pass of training: the output and any auxiliary outputs `[batch,
    /// horizon]` with the weight of their loss (Inception's auxiliary heads; none by default).
    fn forward_aux(&self, x: Tensor<3>) -> (Tensor<2>, Vec<(f64, Tensor<2>)>) {
        (self.forward(x), Vec::new())
    }

    /// Freezes the first `k` blocks for fine-tuning (no gradients; batch norm keeps its
    /// running statistics): Conv, conv-pool blocks; ResNet and Inception, the stem then
    /// the residual blocks / modules; LSTM/GRU, layers. The head always trains.
    fn freeze_first(self, k: usize) -> Self
    where
        Self: Sized;
}

/// A network config: checks its ranges, counts its cost, initializes the network.
pub trait NetworkConfig {
    type Net: Network;
    /// Every range check, before anything is allocated (burn's own `init` panics instead).
    fn validate(&self) -> Result<()>;
    /// Parameters and multiply-adds of one forward pass of one window, from the config.
    fn cost(&self) -> Cost;
    /// `(channels, lookback, horizon)` the network expects and returns.
    fn io(&self) -> (usize, usize, usize);
    /// A freshly initialized network (random weights from the device's RNG).
    fn build(&self, device: &Device) -> Self::Net;
}

#[cfg(test)]
mod tests {
    use burn::module::Module;
    use burn::prelude::Tensor;

    use super::*;
    use crate::device::{cpu, init_seeded};

    fn out_dims<C: NetworkConfig>(cfg: &C, batch: usize) -> [usize; 2] {
        cfg.validate().unwrap_or_else(|e| panic!("{e}"));
        let (c, l, _) = cfg.io();
        let net = init_seeded(cfg, &cpu(), 1);
        net.forward(Tensor::<3>::zeros([batch, c, l], &cpu())).dims()
    }

    #[test]
    fn every_family_maps_windows_to_the_horizon() {
        assert_eq!(out_dims(&Conv1dNetConfig::lenet(56, 28), 3), [3, 28]);
        assert_eq!(out_dims(&Conv1dNetConfig::vgg(56, 28, 8, 3), 2), [2, 28]);
        assert_eq!(out_dims(&ResNet1dConfig::new(56, 28), 3), [3, 28]);
        assert_eq!(out_dims(&Inception1dConfig::new(56, 28), 3), [3, 28]);
        assert_eq!(out_dims(&Inception1dConfig::new(29, 5).with_bottleneck(false).with_channels_in(3).with_pooled_len(4), 2), [2, 5]);
        // odd lengths: pools floor, strided blocks ceil
        assert_eq!(out_dims(&Conv1dNetConfig::lenet(29, 5), 1), [1, 5]);
        assert_eq!(out_dims(&ResNet1dConfig::new(29, 5).with_blocks_per_stage(2), 2), [2, 5]);
        assert_eq!(out_dims(&RecurrentConfig::lstm(56, 28).with_hidden(8).with_channels_in(3), 3), [3, 28]);
        assert_eq!(out_dims(&RecurrentConfig::gru(29, 5).with_hidden(4).with_layers(3), 2), [2, 5]);
        assert_eq!(out_dims(&RecurrentConfig::gru(7, 5).with_hidden(4).with_layers(1), 1), [1, 5]);
        assert_eq!(out_dims(&TcnConfig::new(56, 28).with_channels_in(3).with_channels(8), 3), [3, 28]);
        assert_eq!(out_dims(&TcnConfig::new(9, 5).with_levels(5).with_head_positions(9), 2), [2, 5]);
    }

    #[test]
    fn small_conv_net_cost_matches_a_hand_count() {
        // conv 1→2, k 3: 6 weights + 2 bias; L 8 pooled to 4; flatten 8 → 4 → 3
        let cfg = Conv1dNetConfig::new(8, 3).with_block_channels(vec![2]).with_kernel_size(3).with_hidden(4);
        let cost = cfg.cost();
        assert_eq!(cost.params, 8 + (8 * 4 + 4) + (4 * 3 + 3));
        assert_eq!(cost.macs, 6 * 8 + 8 * 4 + 4 * 3);
        assert_eq!(cost.flops(), 2 * cost.macs);
        assert_eq!(init_seeded(&cfg, &cpu(), 0).num_params(), cost.params);
    }

    #[test]
    fn small_resnet_cost_matches_a_hand_count() {
        let cfg = ResNet1dConfig::new(8, 2).with_stem_channels(2).with_stem_kernel(3).with_stage_channels(vec![2, 4]).with_pooled_len(2);
        // stem: conv 1→2 k3 (6, no bias) + BN (4)
        let stem = 6 + 4;
        // stage 0: 2→2, identity shortcut: two convs of 12 + two BNs of 4
        let stage0 = 12 + 4 + 12 + 4;
        // stage 1: 2→4 stride 2, projection: 24 + 8 + 48 + 8 + 1×1 conv 8 + BN 8
        let stage1 = 24 + 8 + 48 + 8 + 8 + 8;
        // head: 4 channels × 2 pooled positions → 2
        let head = 4 * 2 * 2 + 2;
        let cost = cfg.cost();
        assert_eq!(cost.params, stem + stage0 + stage1 + head);
        // lengths: 8 through stem and stage 0, 4 after the strided block
        assert_eq!(cost.macs, 6 * 8 + (12 + 12) * 8 + (24 + 48 + 8) * 4 + 16);
        // burn's count also holds the batch norms' running mean and variance (18 channels)
        assert_eq!(init_seeded(&cfg, &cpu(), 0).num_params(), cost.params + 2 * 18);
    }

    #[test]
    fn small_inception_cost_matches_a_hand_count() {
        let cfg = Inception1dConfig::new(6, 2).with_stem_channels(2).with_stem_kernel(3).with_modules(2).with_branch_channels(3).with_reduce_channels(1);
        // stem: conv 1→2, k 3, with bias
        let stem = 6 + 2;
        // bottleneck module on c_in channels: 1×1 c→3; 1×1 c→1 then k3 1→3; 1×1 c→1 then k5 1→3; pool, 1×1 c→3
        let module = |c: usize| (3 * c + 3) + (c + 1) + (9 + 3) + (c + 1) + (15 + 3) + (3 * c + 3);
        let module_macs = |c: usize| (3 * c + c + 9 + c + 15 + 3 * c) * 6;
        // modules see 2 then 12 channels; the head maps 12 → 2
        let cost = cfg.cost();
        assert_eq!(cost.params, stem + module(2) + module(12) + (12 * 2 + 2));
        assert_eq!(cost.macs, (6 * 6 + module_macs(2) + module_macs(12) + 24) as u64);
        // no batch norm: burn's count is the trainable count
        assert_eq!(init_seeded(&cfg, &cpu(), 0).num_params(), cost.params);

        // plain: k1, k3, k5 convs c→3 each; the pooled input passes through (2 → 11 → 20 channels)
        let plain = cfg.clone().with_bottleneck(false);
        let module = |c: usize| 9 * 3 * c + 3 * 3;
        let cost = plain.cost();
        assert_eq!(cost.params, stem + module(2) + module(11) + (20 * 2 + 2));
        assert_eq!(cost.macs, (6 * 6 + 27 * 2 * 6 + 27 * 11 * 6 + 40) as u64);
        assert_eq!(init_seeded(&plain, &cpu(), 0).num_params(), cost.params);
    }

    #[test]
    fn recurrent_costs_match_a_hand_count() {
        // LSTM, 2 input channels, hidden 3, 2 layers, L 5 → H 4
        let cfg = RecurrentConfig::lstm(5, 4).with_channels_in(2).with_hidden(3).with_layers(2);
        // layer 1: W_ih 12×2 + b_ih 12, W_hh 12×3 + b_hh 12; layer 2: W_ih 12×3 + 12, W_hh 12×3 + 12
        let layer1 = (24 + 12) + (36 + 12);
        let layer2 = (36 + 12) + (36 + 12);
        let head = 3 * 4 + 4;
        let cost = cfg.cost();
        assert_eq!(cost.params, layer1 + layer2 + head);
        assert_eq!(cost.macs, (5 * (24 + 36) + 5 * (36 + 36) + 12) as u64);
        assert_eq!(init_seeded(&cfg, &cpu(), 0).num_params(), cost.params);
        // PyTorch's count for nn.LSTM(2, 3, num_layers=2) + nn.Linear(3, 4)
        assert_eq!(cost.params, 4 * 3 * (2 + 3 + 2) + 4 * 3 * (3 + 3 + 2) + 16);

        // GRU: three gate blocks instead of four
        let cfg = RecurrentConfig::gru(5, 4).with_channels_in(2).with_hidden(3).with_layers(2);
        let cost = cfg.cost();
        assert_eq!(cost.params, 3 * 3 * (2 + 3 + 2) + 3 * 3 * (3 + 3 + 2) + 16);
        assert_eq!(cost.macs, (5 * 9 * (2 + 3) + 5 * 9 * (3 + 3) + 12) as u64);
        assert_eq!(init_seeded(&cfg, &cpu(), 0).num_params(), cost.params);
    }

    #[test]
    fn inception_aux_heads_add_their_parameters_only() {
        let base = Inception1dConfig::new(8, 2).with_stem_channels(2).with_stem_kernel(3).with_modules(3).with_branch_channels(3).with_reduce_channels(1).with_pooled_len(2);
        let aux = base.clone().with_aux_weight(0.3);
        // two heads (after modules 1 and 2), each 12 channels × 2 positions → 2
        assert_eq!(aux.cost().params, base.cost().params + 2 * (12 * 2 * 2 + 2));
        assert_eq!(aux.cost().macs, base.cost().macs);
        assert_eq!(init_seeded(&aux, &cpu(), 0).num_params(), aux.cost().params);
        assert!(base.clone().with_aux_weight(-1.0).validate().is_err());
    }

    #[test]
    fn the_bottleneck_saves_params_and_macs_at_equal_widths() {
        for (stem, branch, reduce, modules) in [(16, 16, 8, 2), (8, 8, 4, 3), (32, 16, 8, 1)] {
            let on = Inception1dConfig::new(56, 28).with_channels_in(3).with_stem_channels(stem).with_branch_channels(branch).with_reduce_channels(reduce).with_modules(modules);
            let off = on.clone().with_bottleneck(false);
            let (a, b) = (on.cost(), off.cost());
            assert!(a.params < b.params && a.macs < b.macs, "{a:?} vs {b:?}");
        }
    }

    #[test]
    fn bad_configs_are_rejected_before_init() {
        assert!(Conv1dNetConfig::lenet(3, 2).validate().is_err()); // two pools of 2 leave 0
        assert!(Conv1dNetConfig::lenet(56, 2).with_kernel_size(4).validate().is_err());
        assert!(Conv1dNetConfig::lenet(56, 0).validate().is_err());
        assert!(ResNet1dConfig::new(4, 2).validate().is_err()); // 4 → 2 → 1 < pooled 4
        assert!(ResNet1dConfig::new(56, 2).with_stage_channels(vec![]).validate().is_err());
        assert!(Inception1dConfig::new(56, 2).with_stem_kernel(6).validate().is_err());
        assert!(Inception1dConfig::new(56, 2).with_reduce_channels(0).validate().is_err());
        assert!(Inception1dConfig::new(56, 2).with_reduce_channels(0).with_bottleneck(false).validate().is_ok());
        assert!(Inception1dConfig::new(56, 2).with_modules(0).validate().is_err());
        assert!(Inception1dConfig::new(4, 2).with_pooled_len(5).validate().is_err());
        assert!(RecurrentConfig::lstm(56, 2).with_layers(0).validate().is_err());
        assert!(RecurrentConfig::gru(56, 2).with_hidden(0).validate().is_err());
        assert!(RecurrentConfig::gru(56, 2).with_dropout(1.0).validate().is_err());
    }
}
