//! Runs a per-series model over every series of a panel, in parallel, with a named
//! fallback for series the model cannot fit.

use std::sync::Arc;

use rayon::prelude::*;
use tsforge_core::model::ModelError;
use tsforge_core::{FitContext, FittedForecaster, Forecast, Forecaster, Interval, Panel};

use crate::model::{FittedSeries, SeriesForecast, SeriesModel};

/// Which part of each series' history the model sees.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum History {
    /// Everything observed.
    Full,
    /// From the first non-zero value on (the M5 benchmarks' rule for products not yet
    /// on sale); an all-zero series keeps its full history.
    FromFirstNonZero,
}

/// A [`SeriesModel`] applied to every series of a panel.
#[derive(Clone)]
pub struct PerSeries {
    pub model: Arc<dyn SeriesModel>,
    pub family: String,
    pub history: History,
    /// Used where `model` fails on a series (too short, all zeros, no convergence).
    pub fallback: Arc<dyn SeriesModel>,
    alias: String,
    /// The saved form of a fit (catalog models: which model, with which options).
    saved: Option<serde_json::Value>,
}

impl PerSeries {
    pub fn new(model: Arc<dyn SeriesModel>, family: &str, history: History, fallback: Arc<dyn SeriesModel>) -> PerSeries {
        let alias = model.alias();
        PerSeries { model, family: family.into(), history, fallback, alias, saved: None }
    }

    /// Fits of this model save as `saved` (with the leaderboard alias filled in).
    pub fn with_saved(mut self, saved: serde_json::Value) -> PerSeries {
        self.saved = Some(saved);
        self
    }

    /// The same model under another leaderboard name.
    pub fn renamed(mut self, alias: &str) -> PerSeries {
        self.alias = alias.to_string();
        self
    }
}

/// The history a model sees for series `i`.
pub fn series_history(panel: &Panel, i: usize, history: History) -> Vec<f64> {
    let obs = panel.observed(i);
    let start = match history {
        History::Full => 0,
        History::FromFirstNonZero => obs.iter().position(|&v| v != 0.0).unwrap_or(0),
    };
    obs[start..].iter().map(|&v| f64::from(v)).collect()
}

struct FittedPanel {
    alias: String,
    fallback_alias: String,
    fitted: Vec<Option<Box<dyn FittedSeries>>>,
    fallbacks: usize,
    first_failure: Option<String>,
    saved: Option<String>,
}

impl Forecaster for PerSeries {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn family(&self) -> &str {
        &self.family
    }

    /// Fits every series now; `predict` runs each fitted model forward (the horizon,
    /// seed and deadline of `_ctx` do not change a per-series fit).
    fn fit(&self, train: &Panel, _ctx: &FitContext) -> Result<Box<dyn FittedForecaster>, ModelError> {
        // Per series: the fitted model (the fallback's where the model failed) and why it failed.
        type SeriesFit = (Option<Box<dyn FittedSeries>>, Option<String>);
        let results: Vec<SeriesFit> = (0..train.n_series())
            .into_par_iter()
            .map(|i| {
                let y = series_history(train, i, self.history);
                match self.model.fit(&y) {
                    Ok(f) => (Some(f), None),
                    Err(e) => {
                        let why = format!("{}: {e}", train.ids[i]);
                        // The fallback sees the full history: it must work where the model could not.
                        let full = series_history(train, i, History::Full);
                        (self.fallback.fit(&full).ok(), Some(why))
                    }
                }
            })
            .collect();
        let fallbacks = results.iter().filter(|r| r.1.is_some()).count();
        let first_failure = results.iter().find_map(|r| r.1.clone());
        let saved = self.saved.clone().map(|mut v| {
            v["alias"] = self.alias.clone().into();
            v.to_string()
        });
        Ok(Box::new(FittedPanel { alias: self.alias.clone(), fallback_alias: self.fallback.alias(), fitted: results.into_iter().map(|r| r.0).collect(), fallbacks, first_failure, saved }))
    }
}

impl FittedForecaster for FittedPanel {
    fn predict(&self, horizon: usize) -> Result<Forecast, ModelError> {
        self.predict_with_intervals(horizon, &[])
    }

    fn predict_with_intervals(&self, horizon: usize, levels: &[u8]) -> Result<Forecast, ModelError> {
        let per_series: Vec<SeriesForecast> = self
            .fitted
            .iter()
            .map(|f| match f {
                Some(f) => f.forecast(horizon, levels),
                None => SeriesForecast::flat(0.0, horizon),
            })
            .collect();
        let values = per_series.iter().flat_map(|f| f.mean.iter().copied()).collect();
        let mut forecast = Forecast::new(self.alias.clone(), self.fitted.len(), horizon, 0, values)?;
        // Keep a level only if the model gave it for at least one series.
        for &level in levels {
            if !per_series.iter().any(|f| f.intervals.iter().any(|iv| iv.0 == level)) {
                continue;
            }
            let (mut lo, mut hi) = (Vec::with_capacity(forecast.values.len()), Vec::with_capacity(forecast.values.len()));
            for f in &per_series {
                match f.intervals.iter().find(|iv| iv.0 == level) {
                    Some((_, l, h)) => {
                        lo.extend_from_slice(l);
                        hi.extend_from_slice(h);
                    }
                    None => {
                        lo.extend(std::iter::repeat_n(f64::NAN, horizon));
                        hi.extend(std::iter::repeat_n(f64::NAN, horizon));
                    }
                }
            }
            forecast.intervals.push(Interval { level, lo, hi });
        }
        Ok(forecast)
    }

    fn to_json(&self) -> Option<String> {
        self.saved.clone()
    }

    fn notes(&self) -> Vec<String> {
        if self.fallbacks == 0 {
            return Vec::new();
        }
        let mut note = format!("{} series fell back to {}", self.fallbacks, self.fallback_alias);
        if let Some(first) = &self.first_failure {
            note += &format!(" (first: {first})");
        }
        vec![note]
    }
}
