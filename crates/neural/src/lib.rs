//! Neural forecasters on [burn](https://burn.dev): global 1-D networks trained on
//! windows of every series of a [`Panel`](tsforge_core::Panel). This crate is the only
//! one that imports burn; every burn type stays inside it.
//!
//! - [`windows`]: scaled lookback/horizon windows, series drawn by recent dollar sales
//!   (units where the panel has no prices) from a seed; optional weekday, SNAP/event and
//!   relative-price channels (the last two `horizon` days ahead: known in advance) and
//!   static keys; test-time multi-crop settings;
//! - [`statics`]: the item, dept, cat, store and state of each series as embedding-table
//!   rows, from the fit's vocabulary (`tsforge_features::Vocabulary`);
//! - [`augment`]: jitter, magnitude scaling, cropping and time warping of training
//!   batches, each switchable and seeded;
//! - [`nets`]: the families, each built from its `#[derive(Config)]` config:
//!   [`Conv1dNetConfig`] (LeNet/VGG style), [`ResNet1dConfig`], [`Inception1dConfig`] and
//!   [`RecurrentConfig`] (stacked LSTM or GRU, PyTorch's equations, a direct head) and
//!   [`TcnConfig`] (dilated causal residual blocks); [`nets::EmbeddedConfig`] puts static
//!   embedding lookups in front of any of them; each reports its parameters and FLOPs per
//!   window ([`Cost`]);
//! - [`train`]: AdamW, cosine or one-cycle schedule, gradient clipping, dropout, early
//!   stopping; losses MSE, Poisson and Tweedie deviance ([`Loss`]);
//! - [`NeuralForecaster`]: the [`Forecaster`](tsforge_core::Forecaster) on top, with
//!   leaderboard aliases `CNN-LeNet`, `CNN-VGG`, `ResNet1D`, `Inception1D`, `LSTM`, `GRU`
//!   and `TCN`, [`NeuralForecaster::with_covariates`], and [`NeuralForecaster::with_overrides`] for an AutoML trial's hyperparameters
//!   (`learning_rate`, `weight_decay`, `max_epochs`, `batch_size`, `lookback`, `dropout`,
//!   `loss`, `width`, `depth`, `alias`, ...);
//! - [`transfer`]: pretrain on every series, fine-tune on a subset (one store) with the
//!   first blocks frozen ([`NeuralForecaster::fit_transfer`]), or as a forecaster of its
//!   own: [`NeuralForecaster::fine_tuned_by_store`] (alias suffix `-FT-store`).
//!
//! Runs on the CPU (`Device::flex()`), where the same seed gives the same forecasts; with
//! the `cuda` or `wgpu` feature, [`device::select`] moves training to a GPU.
//!
//! ```
//! use tsforge_core::{FitContext, Forecaster, Panel, TimeIndex};
//! use tsforge_neural::{NeuralForecaster, Conv1dNetConfig, Architecture};
//!
//! // two weekly-patterned series over 120 days
//! let y: Vec<f32> = (0..240).map(|k| ((k % 7) + (k / 120) * 3) as f32).collect();
//! let panel = Panel::dense(vec!["a".into(), "b".into()], TimeIndex::Periods { start: 0, len: 120 }, y)?;
//!
//! let net = Conv1dNetConfig::lenet(14, 7).with_block_channels(vec![4]).with_hidden(8);
//! let mut model = NeuralForecaster::new("CNN-tiny", Architecture::Conv(net), 7);
//! model.windows.samples = 64;
//! model.train.steps = 20;
//! model.train.batch_size = 16;
//!
//! let ctx = FitContext::new(7).with_seed(42);
//! let forecast = model.fit(&panel, &ctx)?.predict(7)?;
//! assert_eq!(forecast.values.len(), 2 * 7);
//! assert!(forecast.values.iter().all(|v| v.is_finite() && *v >= 0.0));
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```

pub mod augment;
pub mod catalog;
pub mod device;
pub mod error;
pub mod fine_tune;
pub mod forecaster;
pub mod nets;
pub mod statics;
pub mod train;
pub mod transfer;
pub mod windows;

pub use augment::AugmentConfig;
pub use catalog::catalog;
pub use error::NeuralError;
pub use fine_tune::{FineTune, subset_panel};
pub use forecaster::{Architecture, FittedNeural, NeuralForecaster};
pub use nets::{Cell, Conv1dNet, Conv1dNetConfig, Cost, Inception1d, Inception1dConfig, Network, NetworkConfig, Recurrent, RecurrentConfig, ResNet1d, ResNet1dConfig, Tcn, TcnConfig};
pub use train::{Loss, Schedule, TrainConfig, TrainReport};
pub use transfer::TransferFit;
pub use windows::{WindowConfig, WindowSet};
