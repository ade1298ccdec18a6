//! A bundle's models restored once and kept in memory: what `tsforge predict` applies to
//! one history and what `tsforge serve` applies to every request.
//!
//! Each model forecasts from the history with its saved state, the forecast is capped
//! like the run's, and an ensemble blends its members with the saved weights in the run's
//! order, so on the training data the forecasts are the run's, byte for byte.

use std::time::Instant;

use tsforge_automl::pipeline::{Settings, cap_forecast};
use tsforge_automl::registry::Registry;
use tsforge_core::{Forecast, Panel, Predictor};

use crate::bundle::SavedModel;
use crate::bundle::read::Bundle;
use crate::error::{Result, StoreError, bundle_error};

/// One model's forecast from the bundle.
#[derive(Debug, Clone)]
pub struct ModelForecast {
    pub forecast: Forecast,
    pub seconds: f64,
    /// What was estimated on the new history (statistical models), if anything.
    pub estimates: Option<String>,
}

/// Every model's forecast and the submission's.
#[derive(Debug, Clone)]
pub struct BundleForecast {
    /// The submitted model's forecast (the ensemble's where the run submitted one).
    pub submission: Forecast,
    pub models: Vec<ModelForecast>,
    /// Caps applied, per model.
    pub notes: Vec<String>,
}

/// A checked bundle with its models read back.
pub struct BundleForecaster {
    pub bundle: Bundle,
    /// The run's settings (how data is read, interval levels).
    pub settings: Settings,
    models: Vec<(SavedModel, Box<dyn Predictor>)>,
}

impl std::fmt::Debug for BundleForecaster {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BundleForecaster").field("bundle", &self.bundle.dir).field("id", &self.bundle.id).field("models", &self.models.len()).finish()
    }
}

impl BundleForecaster {
    /// Restores every model of `bundle` through the registry's catalog entries.
    pub fn restore(bundle: Bundle, registry: &Registry) -> Result<BundleForecaster> {
        let index = &bundle.index;
        if !index.unsaved.is_empty() {
            return Err(bundle_error(format!("{}: the run's submission needs models this bundle does not hold: {}", bundle.dir.display(), index.unsaved.join(", "))));
        }
        let settings: Settings = serde_json::from_value(index.settings.clone()).map_err(|e| bundle_error(format!("{}/bundle.json: settings: {e}", bundle.dir.display())))?;
        let mut models = Vec::with_capacity(bundle.models.len());
        for (saved, text) in &bundle.models {
            let predictor = registry.restore(text).map_err(|e| bundle_error(format!("{}/{}: {e}", bundle.dir.display(), saved.file)))?;
            models.push((saved.clone(), predictor));
        }
        Ok(BundleForecaster { bundle, settings, models })
    }

    pub fn horizon(&self) -> usize {
        self.bundle.index.horizon
    }

    /// The alias of the submitted model (or ensemble).
    pub fn submission_alias(&self) -> &str {
        &self.bundle.index.submission
    }

    /// Forecasts the bundle's horizon after the end of `history`.
    pub fn forecast(&self, history: &Panel) -> Result<BundleForecast> {
        let horizon = self.horizon();
        let mut notes = Vec::new();
        let mut models = Vec::with_capacity(self.models.len());
        for (saved, predictor) in &self.models {
            let t = Instant::now();
            let mut forecast = predictor.forecast(history, horizon, &self.settings.levels).map_err(|e| StoreError::Failed(format!("{} failed to forecast: {e}", saved.alias)))?;
            forecast.alias = saved.alias.clone();
            forecast.start = history.n_time();
            let capped = cap_forecast(history, &mut forecast.values, horizon);
            if capped > 0 {
                notes.push(format!("{}: {capped} forecast values above {}× their series' largest observed value were capped there", saved.alias, tsforge_automl::pipeline::fit::CAP));
            }
            models.push(ModelForecast { forecast, seconds: t.elapsed().as_secs_f64(), estimates: predictor.estimates() });
        }
        let submission = self.submission(&models, history)?;
        Ok(BundleForecast { submission, models, notes })
    }

    /// The submitted forecast: the one model, or the ensemble's weighted sum of its
    /// members in the run's order.
    fn submission(&self, models: &[ModelForecast], history: &Panel) -> Result<Forecast> {
        let (bundle, index) = (&self.bundle, &self.bundle.index);
        let find = |alias: &str| models.iter().find(|m| m.forecast.alias == alias).map(|m| &m.forecast);
        let Some(ensemble) = &index.ensemble else {
            return find(&index.submission).cloned().ok_or_else(|| bundle_error(format!("{}: the submission {} is not in the bundle", bundle.dir.display(), index.submission)));
        };
        let mut members = Vec::new();
        for m in &ensemble.members {
            members.push(find(&m.alias).ok_or_else(|| bundle_error(format!("{}: ensemble member {} is not in the bundle", bundle.dir.display(), m.alias)))?.values.as_slice());
        }
        let weights: Vec<f64> = ensemble.members.iter().map(|m| m.weight).collect();
        let values = tsforge_automl::search::blend(&members, &weights).map_err(|e| StoreError::Failed(format!("ensemble: {e}")))?;
        Forecast::new(ensemble.alias.clone(), history.n_series(), index.horizon, history.n_time(), values).map_err(|e| StoreError::Failed(format!("ensemble: {e}")))
    }
}
