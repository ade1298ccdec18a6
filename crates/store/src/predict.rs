//! `tsforge predict`: a bundle's models applied to (new) data without training.
//!
//! The data is read the way the run read it (the bundle's settings: file layout,
//! columns, frequency) and cut at the run's forecast origin rule: the phase (M5:
//! validation = after the validation file's last day, evaluation = after the evaluation
//! file's; long format: validation holds out the last horizon, evaluation forecasts
//! after the data), or an explicit `--as-of` period. Each model forecasts from the cut
//! history with its saved state; each forecast is capped like the run's, and an
//! ensemble blends its members with the saved weights in the run's order, so on the
//! training data the forecasts are the run's, byte for byte.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;
use tsforge_automl::pipeline::output::{RunFile, forecast_csv};
use tsforge_automl::pipeline::{Input, Plan, Settings};
use tsforge_automl::registry::Registry;
use tsforge_core::{Forecast, Panel, Phase};

use crate::bundle::read::{Bundle, open};
use crate::db::ForecastBatch;
use crate::error::{Result, StoreError};
pub use crate::forecaster::ModelForecast;
use crate::forecaster::{BundleForecast, BundleForecaster};

/// What a caller sets (the command line's flags); `None` keeps the bundle's choice.
#[derive(Debug, Clone, Default)]
pub struct PredictOptions {
    pub bundle: PathBuf,
    /// Data folder, file or shipped dataset; default: the data the run trained on.
    pub data: Option<String>,
    pub phase: Option<Phase>,
    /// Last period of history to use (a date or an M5 day `d_N`); default: the phase's.
    pub as_of: Option<String>,
    pub out: Option<PathBuf>,
}

/// A finished prediction, not yet written.
#[derive(Debug)]
pub struct Prediction {
    pub bundle: Bundle,
    pub out: PathBuf,
    /// The submitted model's forecast (the ensemble's where the run submitted one).
    pub submission: Forecast,
    pub models: Vec<ModelForecast>,
    /// `predict.json`: what was done, on which data, from which bundle.
    pub record: serde_json::Value,
    pub files: Vec<RunFile>,
    pub notes: Vec<String>,
    /// Series ids of the history, in the forecasts' order.
    pub series: Vec<String>,
    /// Label of the last history period (the forecast origin) and of the first forecast period.
    pub origin: String,
    pub first_period: String,
}

/// Opens the bundle, reads the data and forecasts with every model of the bundle.
pub fn predict(options: &PredictOptions, registry: &Registry) -> Result<Prediction> {
    let started = Instant::now();
    let forecaster = BundleForecaster::restore(open(&options.bundle)?, registry)?;
    let mut settings = forecaster.settings.clone();
    if let Some(d) = &options.data {
        settings.data = d.clone();
    }
    if let Some(p) = options.phase {
        settings.phase = p;
    }
    let index = &forecaster.bundle.index;
    let out = options.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(format!("{}-predict", index.run_name)));
    tsforge_automl::pipeline::run_folder::check_out(&out, Path::new(&settings.data))?;
    let lock = tsforge_automl::pipeline::run_folder::Lock::take(&out)?;

    let loaded = load_history(&settings)?;
    check_schema(&forecaster.bundle, &loaded, &settings.data)?;
    let mut history = loaded.panel;
    if let Some(day) = &options.as_of {
        history = cut_at(&history, day, &settings.data)?;
    }
    let horizon = index.horizon;
    let mut notes = series_notes(&forecaster.bundle, &history);
    let BundleForecast { submission, models, notes: cap_notes } = forecaster.forecast(&history)?;
    notes.extend(cap_notes);

    let render = |f: &Forecast| forecast_csv(&history, f, loaded.is_m5, settings.phase).into_bytes();
    let mut files: Vec<RunFile> = models.iter().map(|m| (PathBuf::from("forecasts").join(format!("{}.csv", m.forecast.alias)), render(&m.forecast))).collect();
    if index.ensemble.is_some() {
        files.push((PathBuf::from("forecasts").join(format!("{}.csv", submission.alias)), render(&submission)));
    }
    files.push(("submission.csv".into(), render(&submission)));
    let last = history.n_time().saturating_sub(1);
    let (origin, first_period) = (history.index.label(last), history.index.label(history.n_time()));
    let record = json!({
        "tsforge_version": env!("CARGO_PKG_VERSION"),
        "bundle": forecaster.bundle.dir.display().to_string(),
        "bundle_id": forecaster.bundle.id,
        "run_name": index.run_name,
        "trained_until": index.train_end,
        "data": {"source": settings.data, "fingerprint": loaded.fingerprint, "same_as_training": loaded.fingerprint == index.data.fingerprint, "series": history.n_series()},
        "phase": settings.phase,
        "as_of": origin,
        "forecast_window": [first_period, history.index.label(history.n_time() + horizon - 1)],
        "horizon": horizon,
        "submission": submission.alias,
        // nothing is trained: every model applies its saved state; statistical models that
        // estimate per series say so here
        "models_trained": 0,
        "models": models.iter().map(|m| json!({"alias": m.forecast.alias, "seconds": m.seconds, "estimates": m.estimates})).collect::<Vec<_>>(),
        "seconds": started.elapsed().as_secs_f64(),
        "notes": notes,
    });
    let text = serde_json::to_string_pretty(&record).map_err(|e| StoreError::Failed(format!("predict.json: {e}")))? + "\n";
    files.push(("predict.json".into(), text.into_bytes()));
    drop(lock);
    let series = history.ids.clone();
    Ok(Prediction { bundle: forecaster.bundle, out, submission, models, record, files, notes, series, origin, first_period })
}

/// The data a bundle forecasts from, cut at the phase's origin.
#[derive(Debug, Clone)]
pub struct History {
    pub panel: Panel,
    pub is_m5: bool,
    pub fingerprint: String,
}

/// Reads `settings.data` the way the run read it and cuts it by the phase's rule: M5 data
/// and long-format validation hold out what the run held out; long-format evaluation
/// forecasts after all of the data.
pub fn load_history(settings: &Settings) -> Result<History> {
    let input = Input::load(settings)?;
    let panel = if input.is_m5 || settings.phase == Phase::Validation { Plan::new(&input, settings)?.train } else { input.panel.clone() };
    Ok(History { panel, is_m5: input.is_m5, fingerprint: input.fingerprint })
}

impl Prediction {
    /// Writes the prediction's folder (swapped in whole, like a run folder).
    pub fn write(&self) -> Result<()> {
        let _lock = tsforge_automl::pipeline::run_folder::Lock::take(&self.out)?;
        tsforge_automl::pipeline::output::write_run_folder(&self.out, &self.files)?;
        Ok(())
    }

    /// The submission as a batch of the forecast log, under `arm`.
    pub fn log_batch(&self, arm: &str) -> ForecastBatch {
        let index = &self.bundle.index;
        let h = self.submission.horizon;
        ForecastBatch {
            source: "predict".into(),
            bundle_id: self.bundle.id.clone(),
            run_name: index.run_name.clone(),
            arm: arm.to_string(),
            model: self.submission.alias.clone(),
            origin: self.origin.clone(),
            first_period: self.first_period.clone(),
            horizon: h,
            data_kind: index.data.kind.clone(),
            backtest: index.submission_backtest(),
            series: self.series.iter().enumerate().map(|(i, id)| (id.clone(), self.submission.values[i * h..(i + 1) * h].to_vec())).collect(),
        }
    }
}

/// The data must have the training data's layout, frequency and covariates.
pub fn check_schema(bundle: &Bundle, history: &History, data: &str) -> Result<()> {
    let want = &bundle.index.data;
    let kind = if history.is_m5 { "m5" } else { "long" };
    let mismatch = |what: String| Err(StoreError::Usage(format!("--data {data}: {what}; the bundle {} was trained on other data", bundle.dir.display())));
    if kind != want.kind {
        return mismatch(format!("is {kind} data, the bundle's models were trained on {} data", want.kind));
    }
    let freq = serde_json::to_value(history.panel.index.freq()).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default();
    if freq != want.frequency {
        return mismatch(format!("has frequency {freq}, the bundle's is {}", want.frequency));
    }
    let p = &history.panel;
    for (had, has, what) in [(want.has_prices, p.prices.is_some(), "sell prices"), (want.has_calendar, p.calendar.is_some(), "a calendar"), (want.has_hierarchy, p.attrs.is_some(), "hierarchy ids")] {
        if had && !has {
            return mismatch(format!("has no {what}, which the bundle's models use"));
        }
    }
    Ok(())
}

/// History up to and including `day` (a period label, or `d_N` for day N of M5 data).
pub fn cut_at(history: &Panel, day: &str, data: &str) -> Result<Panel> {
    let cutoff = cutoff_of(history, day, data)?;
    history.truncated(cutoff).map_err(|e| StoreError::Usage(format!("--as-of {day}: {e}")))
}

/// How many periods of `history` remain when it is cut after `day`.
pub fn cutoff_of(history: &Panel, day: &str, data: &str) -> Result<usize> {
    let n = history.n_time();
    let t = match day.strip_prefix("d_").and_then(|d| d.parse::<usize>().ok()) {
        Some(d) if d >= 1 => Some(d - 1),
        _ => (0..n).rev().find(|&t| history.index.label(t) == day),
    };
    match t {
        Some(t) if t < n => Ok(t + 1),
        _ => Err(StoreError::Usage(format!("--as-of {day}: not a period of {data}'s history, which runs {}..{}", history.index.label(0), history.index.label(n.saturating_sub(1))))),
    }
}

/// Series the bundle has not seen, and series it saw that the data no longer has.
pub fn series_notes(bundle: &Bundle, history: &Panel) -> Vec<String> {
    let known: BTreeSet<&str> = bundle.index.data.series.iter().map(String::as_str).collect();
    let now: BTreeSet<&str> = history.ids.iter().map(String::as_str).collect();
    let new: Vec<&str> = now.difference(&known).copied().collect();
    let gone: Vec<&str> = known.difference(&now).copied().collect();
    let sample = |v: &[&str]| v.iter().take(5).copied().collect::<Vec<_>>().join(", ") + if v.len() > 5 { ", …" } else { "" };
    let mut notes = Vec::new();
    if !new.is_empty() {
        notes.push(format!(
            "{} series not seen at training ({}): global models code their ids as unknown (the vocabulary's row 0) and forecast them from their own history; statistical models fit them as any series",
            new.len(),
            sample(&new)
        ));
    }
    if !gone.is_empty() {
        notes.push(format!("{} series of the training data are not in this data ({}): no forecast for them", gone.len(), sample(&gone)));
    }
    notes
}
