//! Accuracy of one forecast as the leaderboard shows it.

use serde::{Deserialize, Serialize};

/// What a leaderboard row shows about accuracy: WRMSSE and its 12 levels on M5 data,
/// the per-series metrics (averaged over series) on any data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub wrmsse: Option<f64>,
    pub levels: Vec<f64>,
    pub rmsse: Option<f64>,
    pub mase: Option<f64>,
    pub smape: Option<f64>,
    pub mae: Option<f64>,
    pub rmse: Option<f64>,
    pub bias: Option<f64>,
}

/// Quantile forecasts of a model (M5 data: the nine M5 quantiles at all 12 levels) and
/// how they scored: WSPL as the M5 Uncertainty track defines it, on the scored window
/// and on the backtest, and the observed coverage of two quantiles.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Uncertainty {
    /// WSPL on the scored window (`None` without truth).
    pub wspl: Option<f64>,
    /// WSPL of each level on the scored window.
    pub levels: Vec<f64>,
    /// WSPL on the backtest, each window's quantiles calibrated on the other windows
    /// (in-sample with a single window).
    pub valid_wspl: Option<f64>,
    /// Share of the truth at or below the 0.025 quantile (pooled per level, averaged
    /// over levels); count data piles up at whole numbers, so it exceeds 0.025 at
    /// the sparse levels even when the quantiles are right.
    pub coverage_025: Option<f64>,
    /// The same at the 0.975 quantile.
    pub coverage_975: Option<f64>,
    /// The observed share at each of the nine M5 quantiles (empty without truth).
    #[serde(default)]
    pub coverage: Vec<f64>,
    /// How the quantiles were made, in words.
    pub method: String,
}
