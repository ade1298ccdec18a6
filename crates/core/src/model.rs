//! The model traits: an unfitted [`Forecaster`] fits into a [`FittedForecaster`];
//! only the fitted one predicts.

use crate::forecast::Forecast;
use crate::panel::Panel;

/// Error type models report; each model crate maps its own errors into it.
pub type ModelError = Box<dyn std::error::Error + Send + Sync>;

/// How much a fitted model relied on one input feature (tree models: summed split
/// gain and number of splits).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureImportance {
    pub feature: String,
    pub gain: f64,
    pub splits: f64,
}

/// A model with its hyperparameters, not yet fitted.
pub trait Forecaster: Send + Sync {
    /// Unique name on the leaderboard (statsforecast style, e.g. `SeasonalNaive`).
    fn alias(&self) -> &str;
    /// Model family shown on the leaderboard (`baseline`, `stats`, `gbdt`, `neural`).
    fn family(&self) -> &str;
    /// Fits on `train`, which holds only data before the forecast origin.
    fn fit(&self, train: &Panel) -> Result<Box<dyn FittedForecaster>, ModelError>;
}

/// A fitted model: forecasts the `horizon` positions after the end of its training panel.
pub trait FittedForecaster: Send + Sync {
    fn predict(&self, horizon: usize) -> Result<Forecast, ModelError>;

    /// The forecast with prediction intervals at `levels` (percent) where the model
    /// defines them; models without intervals return the point forecast.
    fn predict_with_intervals(&self, horizon: usize, levels: &[u8]) -> Result<Forecast, ModelError> {
        let _ = levels;
        self.predict(horizon)
    }

    /// Things the leaderboard should say about this fit (fallbacks used, warnings).
    fn notes(&self) -> Vec<String> {
        Vec::new()
    }

    /// Per-feature importance, for models built on a feature matrix (empty otherwise).
    fn feature_importance(&self) -> Vec<FeatureImportance> {
        Vec::new()
    }

    /// The fitted model as a self-contained JSON document (its feature spec and
    /// vocabulary, hyperparameters and learned parameters), for models that can be
    /// saved; the run writes it to `models/ALIAS.json`.
    fn to_json(&self) -> Option<String> {
        None
    }

    /// Learned parameters (weights of a net, leaves of the trees), for the leaderboard's
    /// size column; `None` where the count means little (per-series statistical models).
    fn n_params(&self) -> Option<u64> {
        None
    }
}
