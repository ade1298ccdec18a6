//! The model traits: an unfitted [`Forecaster`] fits into a [`FittedForecaster`];
//! only the fitted one predicts. What a fit needs besides the data travels in a
//! [`FitContext`] (horizon, seed, deadline, prediction levels): no process-wide state.

use std::time::Instant;

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

/// Everything one fit is told besides its training data.
#[derive(Debug, Clone, PartialEq)]
pub struct FitContext {
    /// Steps the fitted model will be asked to forecast.
    pub horizon: usize,
    /// Seed of every random choice of this fit (initial weights, bagging, data order).
    pub seed: u64,
    /// Wall-clock instant after which iterative fits stop adding work (boosting rounds,
    /// training steps) and finish with what they have; `None`: no limit.
    pub deadline: Option<Instant>,
    /// Prediction-interval levels (percent) wanted with the forecast, where the model
    /// defines intervals.
    pub levels: Vec<u8>,
}

impl FitContext {
    /// A context for `horizon` steps: seed 0, no deadline, no intervals.
    pub fn new(horizon: usize) -> FitContext {
        FitContext { horizon, seed: 0, deadline: None, levels: Vec::new() }
    }

    pub fn with_seed(mut self, seed: u64) -> FitContext {
        self.seed = seed;
        self
    }

    pub fn with_deadline(mut self, deadline: Option<Instant>) -> FitContext {
        self.deadline = deadline;
        self
    }

    pub fn with_levels(mut self, levels: &[u8]) -> FitContext {
        self.levels = levels.to_vec();
        self
    }

    /// Whether the deadline has passed.
    pub fn past_deadline(&self) -> bool {
        self.deadline.is_some_and(|d| Instant::now() >= d)
    }
}

/// A model with its hyperparameters, not yet fitted.
pub trait Forecaster: Send + Sync {
    /// Unique name on the leaderboard (statsforecast style, e.g. `SeasonalNaive`).
    fn alias(&self) -> &str;
    /// Model family shown on the leaderboard (`baseline`, `stats`, `gbdt`, `neural`).
    fn family(&self) -> &str;
    /// Fits on `train`, which holds only data before the forecast origin.
    fn fit(&self, train: &Panel, ctx: &FitContext) -> Result<Box<dyn FittedForecaster>, ModelError>;
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

    /// Whether the forecast was computed during `fit` (global models forecast every
    /// series while their training state is at hand): then `predict` only hands it out,
    /// and the fit's time covers both. The leaderboard says so.
    fn forecast_in_fit(&self) -> bool {
        false
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

/// The fitted type of every model that forecasts inside `fit`: the forecast of the
/// fitted horizon with what the fit learned about itself. `predict(h)` hands out its
/// first `h` steps.
#[derive(Debug, Clone, PartialEq)]
pub struct Precomputed {
    pub forecast: Forecast,
    pub notes: Vec<String>,
    pub importance: Vec<FeatureImportance>,
    /// The saved model (`models/ALIAS.json`), where the model can be saved.
    pub json: Option<String>,
    pub n_params: Option<u64>,
}

impl Precomputed {
    /// A forecast with nothing else to say.
    pub fn new(forecast: Forecast) -> Precomputed {
        Precomputed { forecast, notes: Vec::new(), importance: Vec::new(), json: None, n_params: None }
    }
}

impl FittedForecaster for Precomputed {
    fn predict(&self, horizon: usize) -> Result<Forecast, ModelError> {
        Ok(self.forecast.first_steps(horizon)?)
    }

    fn forecast_in_fit(&self) -> bool {
        true
    }

    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }

    fn feature_importance(&self) -> Vec<FeatureImportance> {
        self.importance.clone()
    }

    fn to_json(&self) -> Option<String> {
        self.json.clone()
    }

    fn n_params(&self) -> Option<u64> {
        self.n_params
    }
}
