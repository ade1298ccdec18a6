//! The run folder: every file of the run output contract (shared/DESIGN.md), rendered
//! from the finished entries, and written to a temporary folder swapped in whole.

use std::path::{Path, PathBuf};
use std::time::Instant;

use serde_json::json;
use tsforge_core::{Forecast, Phase};
use tsforge_data::write::{cross_validation, long_forecast, m5_submission, m5_uncertainty};
use tsforge_report::{Leaderboard, Metric, RunRecord};

use crate::error::Result;
use crate::pipeline::Entry;
use crate::pipeline::importance::ImportanceTable;
use crate::pipeline::input::Input;
use crate::pipeline::plan::{BacktestWindow, Plan};
use crate::pipeline::plots::series_plots;
use crate::pipeline::search_stage::records_csv;
use crate::pipeline::settings::Settings;
use crate::pipeline::trial_log::TrialLog;
use crate::search::TrialRecord;

/// One file of the run folder: its path inside the folder and its bytes.
pub type RunFile = (PathBuf, Vec<u8>);

/// Everything the run folder is rendered from.
pub(crate) struct Finished<'a> {
    pub settings: &'a Settings,
    pub input: &'a Input,
    pub plan: &'a Plan,
    pub windows: &'a [BacktestWindow],
    pub metric: Metric,
    pub trial_records: &'a [TrialRecord],
    pub trial_log: Option<&'a TrialLog>,
    pub submission: &'a str,
    /// The submission's quantiles at every level (M5 data) and the hierarchy they follow.
    pub quantiles: Option<(&'a tsforge_core::Hierarchy, &'a [Vec<f64>])>,
    /// How the submission was chosen, in words.
    pub rule: &'a str,
    pub timings: serde_json::Map<String, serde_json::Value>,
    pub started: Instant,
}

impl Finished<'_> {
    /// The run's record and its files (paths relative to the run folder).
    pub fn files(mut self, entries: Vec<Entry>) -> Result<(RunRecord, Vec<RunFile>)> {
        let (s, plan) = (self.settings, self.plan);
        let render = |f: &Forecast| forecast_csv(&plan.train, f, self.input.is_m5, s.phase);
        let mut files: Vec<RunFile> = Vec::new();
        let mut importance = ImportanceTable::default();
        for e in &entries {
            files.push((PathBuf::from("forecasts").join(format!("{}.csv", e.forecast.alias)), render(&e.forecast).into_bytes()));
            importance.add(&e.row.alias, &e.importance);
            if let Some(b) = &e.bundle {
                files.push((PathBuf::from("models").join(format!("{}.json", e.row.alias)), b.clone().into_bytes()));
            }
        }
        if let Some(best) = entries.iter().find(|e| e.row.selected) {
            files.push(("submission.csv".into(), render(&best.forecast).into_bytes()));
        }
        if let Some((hierarchy, q)) = self.quantiles {
            let suffix = if s.phase == Phase::Evaluation { "_evaluation" } else { "_validation" };
            files.push(("uncertainty.csv".into(), m5_uncertainty(hierarchy, q, plan.horizon, suffix).into_bytes()));
        }
        if let Some(cv) = self.cv_csv(&entries) {
            files.push(("cv.csv".into(), cv.into_bytes()));
        }
        let series = series_plots(&plan.train, plan.truth.as_deref(), plan.horizon, &entries.iter().map(|e| (&e.row, &e.forecast)).collect::<Vec<_>>(), self.quantiles);
        let board = Leaderboard::new(self.metric, plan.truth.is_some(), entries.into_iter().map(|e| e.row).collect());
        let title = format!("tsforge leaderboard: {} ({}, {} phase)", s.name, s.data, s.phase.name());
        files.push(("leaderboard.csv".into(), board.to_csv().into_bytes()));
        files.push(("leaderboard.md".into(), board.to_markdown(&title, &plan.notes).into_bytes()));
        let horizon_labels = (0..plan.horizon).map(|k| plan.train.index.label(plan.train.n_time() + k)).collect();
        let record = RunRecord { title, leaderboard: board, notes: plan.notes.clone(), series, horizon_labels };
        files.push(("leaderboard.json".into(), pretty(&serde_json::to_value(&record).map_err(|e| crate::error::failed(format!("leaderboard.json: {e}")))?)));
        files.push(("leaderboard.html".into(), tsforge_report::to_html(&record).into_bytes()));
        if !importance.is_empty() {
            files.push(("feature_importance.csv".into(), importance.to_csv().into_bytes()));
        }
        if let Some(log) = self.trial_log {
            files.push(("trials.jsonl".into(), log.records_text().into_bytes()));
            files.push(("trials.csv".into(), records_csv(self.trial_records).into_bytes()));
        }
        self.timings.insert("total_seconds".into(), self.started.elapsed().as_secs_f64().into());
        files.push(("manifest.json".into(), pretty(&self.manifest())));
        Ok((record, files))
    }

    /// `cv.csv`: every model's backtest forecasts beside the truth, statsforecast's
    /// `cross_validation` layout; `None` without a backtest.
    fn cv_csv(&self, entries: &[Entry]) -> Option<String> {
        if self.windows.is_empty() {
            return None;
        }
        let windows: Vec<(&tsforge_core::Panel, &[f64])> = self.windows.iter().map(|w| (&w.train, w.actual.as_slice())).collect();
        let models: Vec<(&str, &[f64])> = entries.iter().filter_map(|e| Some((e.row.alias.as_str(), e.valid_forecast.as_deref()?))).collect();
        Some(cross_validation(&windows, self.plan.horizon, &models))
    }

    fn manifest(&self) -> serde_json::Value {
        let (s, plan, p) = (self.settings, self.plan, &self.input.panel);
        let windows: Vec<serde_json::Value> = self
            .windows
            .iter()
            .map(|w| json!({"cutoff": w.train.index.label(w.train.n_time().saturating_sub(1)), "first": w.train.index.label(w.train.n_time()), "last": w.train.index.label(w.train.n_time() + plan.horizon - 1)}))
            .collect();
        json!({
            "tsforge_version": env!("CARGO_PKG_VERSION"),
            "run_name": s.name,
            // wall-clock start (milliseconds since 1970, UTC): the runs database's "started"
            "started_unix_ms": started_unix_ms(self.started),
            "recipe": s,
            "seed": s.seed,
            "phase": s.phase,
            "threads": std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
            "data": {
                "source": s.data,
                "kind": if self.input.is_m5 { "m5" } else { "long" },
                "fingerprint": self.input.fingerprint,
                "series": p.n_series(),
                "time_points": p.n_time(),
                "frequency": p.index.freq(),
                "first": p.index.label(0),
                "last": p.index.label(p.n_time().saturating_sub(1)),
            },
            "horizon": plan.horizon,
            "train_end": plan.train.index.label(plan.train.n_time() - 1),
            "forecast_window": [plan.train.index.label(plan.train.n_time()), plan.train.index.label(plan.train.n_time() + plan.horizon - 1)],
            "backtest_windows": windows,
            "scored": plan.truth.is_some(),
            "metric": self.metric.name(),
            "submission_model": self.submission,
            "submission_rule": self.rule,
            "trials": self.trial_records.len(),
            "notes": plan.notes,
            "timings": self.timings,
        })
    }
}

/// A forecast as the run folder writes it: the M5 submission layout (`id,F1..F28`, ids
/// suffixed by the phase) for M5 data, long format (`unique_id,ds,ALIAS`) otherwise.
pub fn forecast_csv(train: &tsforge_core::Panel, f: &Forecast, is_m5: bool, phase: Phase) -> String {
    let suffix = if phase == Phase::Evaluation { "_evaluation" } else { "_validation" };
    if is_m5 { m5_submission(train, f, suffix) } else { long_forecast(train, f) }
}

/// When a run that began at `started` began, in milliseconds since 1970 (UTC).
fn started_unix_ms(started: Instant) -> u64 {
    std::time::SystemTime::now().checked_sub(started.elapsed()).and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// A hyperparameter value for the leaderboard: strings bare, floats to 4 significant digits.
pub fn param_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) if n.is_f64() => n.as_f64().map(|x| format!("{}", format_sig(x, 4))).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn format_sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

/// Pretty JSON with a final newline.
pub fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

/// Writes the run folder: a temporary sibling folder swapped in whole (see
/// [`run_folder`](crate::pipeline::run_folder)).
pub fn write_run_folder(out: &Path, files: &[RunFile]) -> Result<()> {
    crate::pipeline::run_folder::write(out, files)
}
