//! Reconciled variants of the best models on M5 data (`[reconcile]`): a per-series
//! model (`aggregate_model`) forecasts every aggregated series of levels 1–11, and each
//! of the best models' bottom forecasts is reconciled with those (see
//! [`crate::reconcile`]): `ALIAS-MinT` (MinT, shrinkage covariance of the backtest
//! errors) and `ALIAS-TD` (top-down: the bottom forecasts rescaled to the total's
//! forecast). Each variant is backtested and scored like any model; they come after
//! the submission's choice, since a model bundle could not rebuild them.

use std::time::Instant;

use tsforge_core::{FitContext, Forecast, Hierarchy, Panel};
use tsforge_report::Row;

use crate::error::{Result, failed};
use crate::pipeline::backtest::Backtest;
use crate::pipeline::fit::cap_forecast;
use crate::pipeline::plan::BacktestWindow;
use crate::pipeline::{Entry, per_window};
use crate::reconcile::{Structure, mint, shrunk_covariance, top_down};
use tsforge_core::Forecaster;

/// Series (aggregates plus bottom) past which MinT's dense covariance is too large to
/// hold (42,840 series at full M5 scale would need 14 GiB): only top-down runs there.
pub const MINT_MAX_SERIES: usize = 4_000;

/// Levels 1–11 of the hierarchy as sums of the bottom series (level 12 is the bottom).
pub fn structure_of(h: &Hierarchy) -> Structure {
    let upper = &h.levels[..h.levels.len().saturating_sub(1)];
    Structure { n_bottom: h.n_bottom, aggregates: upper.iter().flat_map(|l| l.groups.iter().map(|g| g.members.clone())).collect() }
}

/// Forecasts of every aggregated series: of the scored window and of each backtest
/// window, with the aggregated truth of the backtest windows.
#[derive(Debug, Clone)]
pub struct AggregateForecasts {
    pub alias: String,
    pub forecast: Vec<f64>,
    pub windows: Vec<Vec<f64>>,
    pub actuals: Vec<Vec<f64>>,
    pub seconds: f64,
}

impl AggregateForecasts {
    /// Fits `model` on the aggregated series before the forecast origin and before each window.
    pub fn fit(model: &dyn Forecaster, s: &Structure, train: &Panel, windows: &[BacktestWindow], ctx: &FitContext) -> Result<AggregateForecasts> {
        let started = Instant::now();
        let h = ctx.horizon;
        let predict = |panel: &Panel| -> Result<Vec<f64>> {
            let agg = aggregate_panel(panel, s)?;
            let fitted = model.fit(&agg, ctx).map_err(|e| failed(format!("{} on the aggregated series: {e}", model.alias())))?;
            let mut f = fitted.predict(h).map_err(|e| failed(format!("{} on the aggregated series: {e}", model.alias())))?;
            cap_forecast(&agg, &mut f.values, h);
            Ok(f.values)
        };
        let forecast = predict(train)?;
        let mut out = Vec::with_capacity(windows.len());
        let mut actuals = Vec::with_capacity(windows.len());
        for w in windows {
            out.push(predict(&w.train)?);
            actuals.push(sum_rows(s, &w.actual, h));
        }
        Ok(AggregateForecasts { alias: model.alias().to_string(), forecast, windows: out, actuals, seconds: started.elapsed().as_secs_f64() })
    }
}

/// The aggregated series as a panel (`Total`, `state:CA`, …), each observed from the
/// earliest start of its members.
fn aggregate_panel(train: &Panel, s: &Structure) -> Result<Panel> {
    let t = train.n_time();
    let bottom: Vec<f64> = train.y.iter().map(|&v| if v.is_nan() { 0.0 } else { f64::from(v) }).collect();
    let sums = sum_rows(s, &bottom, t);
    let ids = (0..s.aggregates.len()).map(|k| format!("aggregate_{k}")).collect();
    let mut panel = Panel::dense(ids, train.index.clone(), sums.iter().map(|&v| v as f32).collect()).map_err(|e| failed(format!("aggregating the hierarchy: {e}")))?;
    panel.calendar = train.calendar.clone();
    for (k, members) in s.aggregates.iter().enumerate() {
        let start = members.iter().map(|&b| train.spans[b].0).min().unwrap_or(0);
        panel.spans[k] = (start.min(t.saturating_sub(1)), t);
    }
    Ok(panel)
}

/// Sums bottom rows (`n_bottom × width`) into the aggregates' rows.
fn sum_rows(s: &Structure, bottom: &[f64], width: usize) -> Vec<f64> {
    let mut out = vec![0.0; s.aggregates.len() * width];
    for (k, members) in s.aggregates.iter().enumerate() {
        let dst = &mut out[k * width..(k + 1) * width];
        for &b in members {
            for (d, v) in dst.iter_mut().zip(&bottom[b * width..(b + 1) * width]) {
                *d += v;
            }
        }
    }
    out
}

/// The reconciled variants of `base`: MinT (where the hierarchy is small enough) and
/// top-down, each with its backtest forecast and scores.
pub fn variants(base: &Entry, agg: &AggregateForecasts, s: &Structure, backtest: &Backtest<'_>, score: &dyn Fn(&Forecast) -> Result<tsforge_report::Scores>) -> Result<Vec<Entry>> {
    let Some(valid) = &base.valid_forecast else { return Ok(Vec::new()) };
    let h = backtest.horizon;
    let per = s.n_bottom * h;
    let k = backtest.windows.len();
    if valid.len() != per * k || agg.windows.len() != k {
        return Ok(Vec::new());
    }
    let bottoms: Vec<&[f64]> = valid.chunks_exact(per).collect();
    let mut out = Vec::new();
    let n = s.aggregates.len() + s.n_bottom;
    if n <= MINT_MAX_SERIES {
        let errors = |which: &[usize]| -> Vec<f64> {
            let mut rows = Vec::with_capacity(which.len() * h * n);
            for &j in which {
                for t in 0..h {
                    rows.extend((0..s.aggregates.len()).map(|a| agg.actuals[j][a * h + t] - agg.windows[j][a * h + t]));
                    rows.extend((0..s.n_bottom).map(|b| backtest.windows[j].actual[b * h + t] - bottoms[j][b * h + t]));
                }
            }
            rows
        };
        let reconcile = |which: &[usize], aggregates: &[f64], bottom: &[f64]| -> Result<(Vec<f64>, f64)> {
            let w = shrunk_covariance(&errors(which), n);
            let mut values = mint(s, &w.matrix, aggregates, bottom, h).ok_or_else(|| failed(format!("{}-MinT: the error covariance is singular", base.row.alias)))?;
            values.iter_mut().for_each(|v| *v = v.max(0.0));
            Ok((values, w.lambda))
        };
        let mut values = Vec::with_capacity(per * k);
        for (j, (aggregates, bottom)) in agg.windows.iter().zip(&bottoms).enumerate() {
            // each window's covariance comes from the other windows (itself when alone)
            let others: Vec<usize> = if k > 1 { (0..k).filter(|&i| i != j).collect() } else { vec![j] };
            values.extend(reconcile(&others, aggregates, bottom)?.0);
        }
        let all: Vec<usize> = (0..k).collect();
        let (final_values, lambda) = reconcile(&all, &agg.forecast, &base.forecast.values)?;
        let note = format!(
            "{} reconciled by MinT with {} forecasting the {} aggregated series of levels 1-11; shrinkage covariance of the backtest errors (intensity {lambda:.3}; each backtest window reconciled with the other windows' errors)",
            base.row.alias,
            agg.alias,
            s.aggregates.len()
        );
        out.push(variant(base, "MinT", final_values, values, note, agg.seconds, backtest, score)?);
    }
    let total = |f: &[f64]| f[..h].to_vec();
    let values: Vec<f64> = (0..k).flat_map(|j| top_down(&total(&agg.windows[j]), bottoms[j], h)).collect();
    let final_values = top_down(&total(&agg.forecast), &base.forecast.values, h);
    let note = format!("{} rescaled at each step to {}'s forecast of the total (top-down by the model's own proportions)", base.row.alias, agg.alias);
    out.push(variant(base, "TD", final_values, values, note, agg.seconds, backtest, score)?);
    Ok(out)
}

#[allow(clippy::too_many_arguments)]
fn variant(
    base: &Entry,
    suffix: &str,
    values: Vec<f64>,
    valid_values: Vec<f64>,
    note: String,
    agg_seconds: f64,
    backtest: &Backtest<'_>,
    score: &dyn Fn(&Forecast) -> Result<tsforge_report::Scores>,
) -> Result<Entry> {
    let alias = format!("{}-{suffix}", base.row.alias);
    let f = &base.forecast;
    let forecast = Forecast::new(&alias, f.n_series, f.horizon, f.start, values).map_err(|e| failed(format!("{alias}: {e}")))?;
    let row = Row {
        alias,
        family: base.row.family.clone(),
        scores: score(&forecast)?,
        valid: backtest.score(&valid_values),
        valid_windows: per_window(backtest, Some(&valid_values)),
        fit_seconds: base.row.fit_seconds + agg_seconds,
        note,
        params: base.row.params.clone(),
        seed: base.row.seed,
        ..Row::default()
    };
    Ok(Entry { row, forecast, valid_forecast: Some(valid_values), importance: Vec::new(), bundle: None, spec: None })
}
