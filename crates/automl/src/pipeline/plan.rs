//! Where a run forecasts from, what it is scored against, and its backtest windows.

use tsforge_core::backtest::rolling_origin;
use tsforge_core::metrics::M5Evaluator;
use tsforge_core::{Hierarchy, Panel, Phase};

use crate::error::{Result, usage};
use crate::pipeline::input::Input;
use crate::pipeline::settings::Settings;

/// The M5 horizon: 28 days.
pub const M5_HORIZON: usize = 28;

/// Where the run forecasts from and what it is scored against.
#[derive(Debug, Clone)]
pub struct Plan {
    pub horizon: usize,
    pub season: usize,
    /// History before the forecast origin.
    pub train: Panel,
    /// Held-out truth after the origin (M5 validation phase, long format).
    pub truth: Option<Vec<f64>>,
    /// Backtest: the window right before the origin, for choosing the submission.
    pub valid: Option<(Panel, Vec<f64>)>,
    /// Plain-language facts for the report.
    pub notes: Vec<String>,
}

/// A known-in-advance covariate must be known over every forecast period: a forecast
/// after the data needs its values there (rows after each series' last `y`).
fn check_future_covariates(p: &Panel, horizon: usize, data: &str) -> Result<()> {
    for c in p.dynamic.iter().filter(|c| c.kind == tsforge_core::CovariateKind::Future) {
        for (i, &(_, end)) in p.spans.iter().enumerate() {
            if let Some(t) = (end..end + horizon).find(|&t| !c.at(i, t).is_finite()) {
                return Err(usage(format!(
                    "{data}: column '{}' (a future covariate) has no value for series '{}' at {}: forecasting {horizon} periods after the data needs rows for them, after each series' last value, with the target empty",
                    c.name,
                    p.ids[i],
                    p.index.label(t)
                )));
            }
        }
    }
    Ok(())
}

impl Plan {
    pub fn new(input: &Input, s: &Settings) -> Result<Plan> {
        let p = &input.panel;
        let season = s.season_length.unwrap_or_else(|| p.index.freq().season_length());
        let mut notes = Vec::new();
        let (horizon, train, truth) = if input.is_m5 {
            let horizon = s.horizon.unwrap_or(M5_HORIZON);
            match (s.phase, input.validation_days) {
                (Phase::Validation, Some(vd)) if vd + horizon <= p.n_time() => {
                    let (train, truth) = p.truncated(vd + horizon)?.holdout(horizon)?;
                    notes.push(format!("Trained on d_1..d_{vd}, scored on d_{}..d_{} of the evaluation file.", vd + 1, vd + horizon));
                    (horizon, train, Some(truth))
                }
                (Phase::Validation, Some(vd)) => {
                    return Err(usage(format!("the evaluation file has {} days: too few to score a {horizon}-day forecast after d_{vd}", p.n_time())));
                }
                (phase, _) => {
                    // Validation phase lands here only without both sales files: nothing to score against.
                    if phase == Phase::Validation {
                        notes.push("Only one sales file: forecasting after its last day.".into());
                    }
                    notes.push(format!("Submission only: forecasting d_{}..d_{} (no truth to score against).", p.n_time() + 1, p.n_time() + horizon));
                    (horizon, p.clone(), None)
                }
            }
        } else {
            let horizon = s.horizon.ok_or_else(|| usage("long-format data needs a horizon: pass --horizon H (or set horizon in the recipe)"))?;
            let (first, last) = (p.index.label(p.n_time()), p.index.label(p.n_time() + horizon - 1));
            match s.phase {
                Phase::Validation => {
                    let (train, truth) = p.holdout(horizon).map_err(|e| usage(format!("{}: --horizon {horizon}: {e}", s.data)))?;
                    notes.push(format!(
                        "Validation phase: the last {horizon} periods of each series are held out and scored (RMSSE, MASE, sMAPE); `--phase evaluation` fits on all of the data and forecasts {first}..{last}."
                    ));
                    (horizon, train, Some(truth))
                }
                Phase::Evaluation => {
                    check_future_covariates(p, horizon, &s.data)?;
                    notes.push(format!("Evaluation phase: fitted on all {} periods, forecasting {first}..{last} (no truth to score against).", p.n_time()));
                    (horizon, p.clone(), None)
                }
            }
        };
        if input.is_m5 && p.prices.is_none() {
            notes.push("No sell_prices file: WRMSSE weights use unit sales instead of dollar sales.".into());
        }
        let valid = train.holdout(horizon).ok();
        if valid.is_none() {
            notes.push("Some series are too short for a validation window: the submission is chosen by the scored window.".into());
        }
        Ok(Plan { horizon, season, train, truth, valid, notes })
    }

    /// The WRMSSE evaluator of a forecast from the end of `train` (M5 data only).
    pub fn evaluator(train: &Panel, horizon: usize) -> Result<Option<M5Evaluator>> {
        match &train.attrs {
            Some(attrs) => Ok(Some(M5Evaluator::from_panel(train, Hierarchy::m5(attrs), horizon)?)),
            None => Ok(None),
        }
    }

    /// The backtest windows, the last first: the validation window, then up to
    /// `count − 1` earlier ones, a horizon apart (`core::backtest::rolling_origin`),
    /// each with its own WRMSSE weights (M5 data).
    pub fn backtest_windows(&mut self, count: usize) -> Result<Vec<BacktestWindow>> {
        let Some((vtrain, vtruth)) = &self.valid else { return Ok(Vec::new()) };
        let h = self.horizon;
        let n = self.train.n_time();
        let mut out = vec![BacktestWindow { m5: Plan::evaluator(vtrain, h)?, train: vtrain.clone(), actual: vtruth.clone() }];
        let fitting = (1..=count.max(1)).rev().find_map(|k| rolling_origin(n, h, h, k, 1).ok()).unwrap_or_default();
        for w in fitting.iter().rev().skip(1) {
            match self.train.truncated(w.cutoff + h).and_then(|p| p.holdout(h)) {
                Ok((train, actual)) => out.push(BacktestWindow { m5: Plan::evaluator(&train, h)?, train, actual }),
                Err(_) => break,
            }
        }
        if out.len() < count {
            self.notes.push(format!("Only {} backtest windows fit in the training data.", out.len()));
        }
        if out.len() > 1 {
            let first = |w: &BacktestWindow| w.train.index.label(w.train.n_time());
            let starts: Vec<String> = out.iter().map(first).collect();
            self.notes.push(format!("Backtest: {} windows of {} periods starting {} (scores are their mean).", out.len(), h, starts.join(", ")));
        }
        Ok(out)
    }
}

/// One backtest window: the history before it, its truth, and its WRMSSE weights.
#[derive(Debug, Clone)]
pub struct BacktestWindow {
    pub train: Panel,
    /// `n × horizon` actual values, series-major.
    pub actual: Vec<f64>,
    pub m5: Option<M5Evaluator>,
}
