//! Transfer learning: pretrain one global network on every series, then fine-tune it on a
//! subset (one store, say) with its first `k` blocks frozen (see
//! [`Network::freeze_first`]), and compare with the global network and with a network
//! trained from scratch on the subset alone (that one is just
//! [`NeuralForecaster::fit_panel`] on [`subset_panel`]).

use tsforge_core::{Forecast, Panel};

use crate::device::init_for_training;
use crate::error::Result;
use crate::fine_tune::subset_panel;
use crate::forecaster::{Architecture, NeuralForecaster};
use crate::nets::{EmbeddedConfig, Network, NetworkConfig};
use crate::train::{TrainConfig, TrainReport, predict_multi_crop, train};
use crate::windows::{WindowSet, prediction_windows, training_windows};

/// What [`NeuralForecaster::fit_transfer`] returns: forecasts of the subset's series.
#[derive(Debug, Clone)]
pub struct TransferFit {
    /// The pretrained global network's forecast.
    pub global: Forecast,
    /// The fine-tuned network's forecast.
    pub fine_tuned: Forecast,
    pub pretrain_report: TrainReport,
    pub fine_tune_report: TrainReport,
}

/// One transfer fit's inputs.
struct Transfer<'a> {
    panel: &'a Panel,
    sub: &'a Panel,
    windows: &'a crate::windows::WindowConfig,
    frozen: usize,
    fine_tune: &'a TrainConfig,
}

impl NeuralForecaster {
    /// Pretrains on every series of `panel`, then fine-tunes on the series `subset` with
    /// the first `frozen_blocks` blocks frozen, training as `fine_tune` says (its seed too);
    /// forecasts the subset's series with both networks.
    pub fn fit_transfer(&self, panel: &Panel, subset: &[usize], frozen_blocks: usize, fine_tune: &TrainConfig) -> Result<TransferFit> {
        self.validate()?;
        fine_tune.validate()?;
        let sub = subset_panel(panel, subset)?;
        // one vocabulary for the pretraining panel and the subset
        let windows = self.windows.with_vocabulary(panel);
        let run = Transfer { panel, sub: &sub, windows: &windows, frozen: frozen_blocks, fine_tune };
        match &self.architecture {
            Architecture::Conv(c) => self.transfer_family(c, &run),
            Architecture::ResNet(c) => self.transfer_family(c, &run),
            Architecture::Inception(c) => self.transfer_family(c, &run),
            Architecture::Recurrent(c) => self.transfer_family(c, &run),
            Architecture::Tcn(c) => self.transfer_family(c, &run),
        }
    }

    /// The family's network behind the windows' embedding lookups, pretrained then fine-tuned.
    fn transfer_family<C: NetworkConfig + Clone>(&self, config: &C, run: &Transfer<'_>) -> Result<TransferFit> {
        let net = EmbeddedConfig::for_windows(config.clone(), run.windows, run.panel);
        net.validate()?;
        self.transfer(init_for_training(&net, self.train.seed), run)
    }

    fn transfer<M: Network>(&self, net: M, run: &Transfer<'_>) -> Result<TransferFit> {
        let (w, sub) = (run.windows, run.sub);
        let (train_set, valid_set) = training_windows(run.panel, w, self.train.seed)?;
        let (global, pretrain_report) = train(net, &train_set, &valid_set, &self.train)?;
        let (sub_train, sub_valid) = training_windows(sub, w, run.fine_tune.seed)?;
        let final_set = prediction_windows(sub, w);
        let global_forecast = self.forecast_of(&global, &final_set, sub, "global")?;
        // train() hands back a validation snapshot; .train() puts it back on autodiff
        let (tuned, fine_tune_report) = train(global.train().freeze_first(run.frozen), &sub_train, &sub_valid, run.fine_tune)?;
        let fine_tuned = self.forecast_of(&tuned, &final_set, sub, "fine-tuned")?;
        Ok(TransferFit { global: global_forecast, fine_tuned, pretrain_report, fine_tune_report })
    }

    fn forecast_of<M: Network>(&self, net: &M, set: &WindowSet, panel: &Panel, suffix: &str) -> Result<Forecast> {
        let w = &self.windows;
        let scaled = predict_multi_crop(net, set, self.train.loss, w.crops, w.crop_step)?;
        let h = w.horizon;
        let values = scaled.chunks_exact(h).zip(&set.scales).flat_map(|(row, &s)| row.iter().map(move |&v| f64::from(v * s).max(0.0))).collect();
        Ok(Forecast::new(format!("{}-{suffix}", self.alias), panel.n_series(), h, panel.n_time(), values)?)
    }
}

#[cfg(test)]
mod tests {
    use burn::module::{Module, ModuleVisitor, Param};
    use burn::prelude::Tensor;
    use tsforge_core::TimeIndex;

    use super::*;
    use crate::device::{cpu, init_seeded};
    use crate::nets::{Conv1dNetConfig, RecurrentConfig};
    use crate::windows::WindowConfig;

    struct Collect(Vec<Vec<f32>>);
    impl ModuleVisitor for Collect {
        fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
            self.0.push(param.val().into_data().try_to_vec::<f32>().unwrap_or_else(|e| panic!("{e:?}")));
        }
    }

    fn params<M: Module>(m: &M) -> Vec<Vec<f32>> {
        let mut c = Collect(Vec::new());
        m.visit(&mut c);
        c.0
    }

    fn panel() -> Panel {
        let (n, t) = (4, 120);
        let y = (0..n * t).map(|k| ((k % t) % 7 + k / t) as f32).collect();
        Panel::dense((0..n).map(|i| format!("s{i}")).collect(), TimeIndex::Periods { start: 0, len: t }, y).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn subsets_keep_the_chosen_rows() {
        let p = panel();
        let s = subset_panel(&p, &[2, 0]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.ids, vec!["s2", "s0"]);
        assert_eq!(s.row(0), p.row(2));
        assert_eq!(s.row(1), p.row(0));
        assert!(subset_panel(&p, &[4]).is_err());
        assert!(subset_panel(&p, &[]).is_err());
    }

    #[test]
    fn frozen_blocks_keep_their_weights() {
        let cfg = Conv1dNetConfig::lenet(14, 7).with_block_channels(vec![2, 4]).with_hidden(4);
        let set = {
            let mut s = WindowSet { lookback: 14, horizon: 7, channels: 1, inputs: vec![], targets: vec![], scales: vec![1.0; 8], series: (0..8).collect(), origins: vec![14; 8] };
            s.inputs = (0..8 * 14).map(|k| (k % 7) as f32).collect();
            s.targets = (0..8 * 7).map(|k| (k % 5) as f32).collect();
            s
        };
        let empty = WindowSet { inputs: vec![], targets: vec![], scales: vec![], series: vec![], origins: vec![], ..set.clone() };
        let tc = TrainConfig { steps: 10, batch_size: 8, eval_every: 100, ..TrainConfig::default() };
        let (net, _) = train(init_seeded(&cfg, &cpu().autodiff(), 0), &set, &empty, &tc).unwrap_or_else(|e| panic!("{e}"));
        let before = params(&net);
        // block 1 (conv weight, bias) frozen; block 2 and the two linear layers train
        let (tuned, _) = train(net.train().freeze_first(1), &set, &empty, &tc).unwrap_or_else(|e| panic!("{e}"));
        let after = params(&tuned);
        assert_eq!(before.len(), 8);
        assert_eq!(&after[..2], &before[..2]);
        for k in 2..8 {
            assert_ne!(after[k], before[k], "tensor {k}");
        }
        // recurrent: layer 1 of 2 frozen
        let rcfg = RecurrentConfig::gru(14, 7).with_hidden(3).with_layers(2);
        let (net, _) = train(init_seeded(&rcfg, &cpu().autodiff(), 0), &set, &empty, &tc).unwrap_or_else(|e| panic!("{e}"));
        let before = params(&net);
        let (tuned, _) = train(net.train().freeze_first(1), &set, &empty, &tc).unwrap_or_else(|e| panic!("{e}"));
        let after = params(&tuned);
        assert_eq!(&after[..4], &before[..4]);
        assert_ne!(after[4], before[4]);
    }

    #[test]
    fn transfer_forecasts_the_subset_with_both_networks() {
        let mut m = NeuralForecaster::new("t", Architecture::Conv(Conv1dNetConfig::lenet(14, 7).with_block_channels(vec![2]).with_hidden(4)), 7);
        m.windows = WindowConfig { samples: 64, weekday_channels: false, ..WindowConfig::new(14, 7) };
        m.train.steps = 10;
        m.train.batch_size = 16;
        let fine = TrainConfig { steps: 5, batch_size: 16, ..TrainConfig::default() };
        let fit = m.fit_transfer(&panel(), &[1, 3], 1, &fine).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((fit.global.n_series, fit.global.horizon, fit.fine_tuned.n_series), (2, 7, 2));
        assert_ne!(fit.global.values, fit.fine_tuned.values);
        assert_eq!(fit.fine_tune_report.steps, 5);
        assert_eq!(fit.fine_tuned.alias, "t-fine-tuned");
    }
}
