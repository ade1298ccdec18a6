//! Forecast accuracy metrics.
//!
//! [`point`] holds the per-series metrics (MAE, RMSE, bias, sMAPE, MASE, RMSSE) and
//! their scales; [`m5`] the hierarchical M5 scores (WRMSSE and WSPL) exactly as the
//! M5 competitors' guide defines them.

pub mod m5;
pub mod point;

pub use m5::{LevelScores, M5_QUANTILES, M5Evaluator};
