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
