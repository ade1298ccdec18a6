//! The record of one run: everything a report is rendered from. The CLI fills it from
//! the run's results; the report never sees a model.

use serde::{Deserialize, Serialize};

use crate::leaderboard::Leaderboard;

/// Names of the 12 M5 aggregation levels, in WRMSSE order.
pub const M5_LEVELS: [&str; 12] = ["total", "state", "store", "cat", "dept", "state×cat", "state×dept", "store×cat", "store×dept", "item", "item×state", "item×store"];

/// One run, as the reports see it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    /// Heading of every report, e.g. "tsforge leaderboard: quickstart (m5-tiny, validation phase)".
    #[serde(default)]
    pub title: String,
    /// Flattened: `leaderboard.json` is this record, so its `metric`, `scored` and `rows`
    /// sit at the top level as they always have.
    #[serde(flatten)]
    pub leaderboard: Leaderboard,
    /// Plain-language facts about the run (windows, fallbacks, what was picked and why).
    #[serde(default)]
    pub notes: Vec<String>,
    /// Series drawn for the forecast-against-actuals plots.
    #[serde(default)]
    pub series: Vec<SeriesPlot>,
    /// Labels of the forecast window, one per horizon step (dates or d_ names).
    #[serde(default)]
    pub horizon_labels: Vec<String>,
}

/// History, truth and forecasts of one series for a plot.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SeriesPlot {
    pub id: String,
    /// Why it was drawn: "top sales" or a Syntetos-Boylan class ("intermittent", …).
    pub group: String,
    /// The last days of training history (ends right before the forecast origin).
    pub history: Vec<f64>,
    /// Held-out truth of the forecast window (empty when there is none).
    pub actual: Vec<f64>,
    /// Forecasts of the window by model alias (the best few models and the submission).
    pub forecasts: Vec<(String, Vec<f64>)>,
    /// The submission's central prediction intervals (from its quantiles), widest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bands: Vec<Band>,
}

/// A central prediction interval of one series over the forecast window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Band {
    /// Coverage in percent (95: the 0.025 and 0.975 quantiles).
    pub level: u8,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}
