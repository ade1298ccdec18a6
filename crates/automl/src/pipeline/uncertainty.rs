//! Quantile forecasts of every leaderboard model, calibrated on the model's own
//! backtest forecasts ([`crate::conformal`]) and scored on the scored window (WSPL and
//! coverage, the M5 Uncertainty track's terms). On M5 data they cover all 12 levels and
//! the submission's are written as `uncertainty.csv`; on a long-format panel the one
//! level is the series themselves (weights: each series' volume over its last 28
//! periods), and models without prediction intervals of their own get conformal ones
//! at the run's levels (`ALIAS-lo-80`, `ALIAS-hi-80`, … in the forecast files).

use tsforge_core::metrics::M5Evaluator;
use tsforge_core::{Hierarchy, Interval, Panel};
use tsforge_report::Uncertainty;

use crate::conformal::{Calibration, Window, coverage};
use crate::pipeline::Entry;
use crate::pipeline::plan::BacktestWindow;

/// Quantiles of every level (`groups × 9 × horizon` each), as `M5Evaluator::wspl` takes them.
pub type LevelQuantiles = Vec<Vec<f64>>;

/// The evaluators quantiles are calibrated and scored with: the M5 hierarchy's where
/// the windows have one, else each series on its own.
pub struct Evaluators {
    pub origin: M5Evaluator,
    pub windows: Vec<M5Evaluator>,
    /// Whether quantiles are clipped at zero (no negative value in the history).
    pub nonnegative: bool,
    pub m5: bool,
}

impl Evaluators {
    /// For a long-format panel: one level, each series on its own.
    pub fn long(train: &Panel, windows: &[BacktestWindow], horizon: usize) -> Option<Evaluators> {
        let of = |p: &Panel| M5Evaluator::from_panel(p, Hierarchy::bottom_only(&p.ids), horizon).ok();
        let origin = of(train)?;
        let windows: Option<Vec<M5Evaluator>> = windows.iter().map(|w| of(&w.train)).collect();
        let nonnegative = train.y.iter().all(|v| v.is_nan() || *v >= 0.0);
        Some(Evaluators { origin, windows: windows?, nonnegative, m5: false })
    }
}

/// Calibrates and scores the quantiles of every entry with a backtest forecast over all
/// of `windows` (M5 data: each window has an evaluator), fills each row's
/// `uncertainty`, and returns the quantiles of the selected entry. `ev` is the
/// evaluator of the forecast origin, `truth` the scored window where there is one.
pub fn attach(entries: &mut [Entry], windows: &[BacktestWindow], ev: &M5Evaluator, truth: Option<&[f64]>) -> Option<LevelQuantiles> {
    let evs: Option<Vec<M5Evaluator>> = windows.iter().map(|w| w.m5.clone()).collect();
    let evs = Evaluators { origin: ev.clone(), windows: evs.filter(|e| !e.is_empty())?, nonnegative: true, m5: true };
    attach_with(entries, windows, &evs, truth, &[])
}

/// [`attach`] with any evaluators; entries without prediction intervals of their own
/// get conformal ones at `levels` (percent).
pub fn attach_with(entries: &mut [Entry], windows: &[BacktestWindow], evs: &Evaluators, truth: Option<&[f64]>, levels: &[u8]) -> Option<LevelQuantiles> {
    if evs.windows.len() != windows.len() || windows.is_empty() {
        return None;
    }
    let ev = &evs.origin;
    let mut selected = None;
    for entry in entries.iter_mut() {
        let Some(values) = &entry.valid_forecast else { continue };
        let per_window = values.len() / windows.len();
        if per_window == 0 || values.len() != per_window * windows.len() {
            continue;
        }
        let backtest: Vec<Window<'_>> = windows.iter().zip(&evs.windows).zip(values.chunks_exact(per_window)).map(|((w, ev), forecast)| Window { ev, actual: &w.actual, forecast }).collect();
        let (mut cal, held_out) = Calibration::choose(&backtest);
        cal.nonnegative = evs.nonnegative;
        let quantiles = cal.quantiles(ev, &entry.forecast.values);
        let scored = truth.and_then(|t| ev.wspl(t, &quantiles).ok().map(|s| (s, coverage(ev, t, &quantiles))));
        let valid_wspl = match &held_out {
            Some(levels) => Some(levels.iter().sum::<f64>() / levels.len().max(1) as f64),
            None => backtest.first().and_then(|w| w.ev.wspl(w.actual, &cal.quantiles(w.ev, w.forecast)).ok()).map(|s| s.total),
        };
        let mut method = format!(
            "conformal: the backtest errors ({} window(s)) of the forecast{}, divided by each series' scale, their empirical quantiles pooled {} in bins of the scaled forecast, added to the forecast{}; scale (history: mean absolute one-step change, errors: own mean absolute backtest error) and bins {}, chosen {}: {}",
            windows.len(),
            if evs.m5 { " summed to each level" } else { "" },
            if evs.m5 { "per level" } else { "over the series" },
            if evs.nonnegative { ", clipped at 0" } else { "" },
            if evs.m5 { "per level" } else { "" },
            if held_out.is_some() { "by the held-out window's pinball loss" } else { "in-sample" },
            cal.describe().join(" ")
        );
        if !evs.m5 {
            method += "; WSPL weights: each series' volume over its last 28 periods";
        }
        if !levels.is_empty() && entry.forecast.intervals.is_empty() {
            entry.forecast.intervals = intervals(&cal, ev, &entry.forecast.values, levels);
            method += "; the forecast files' prediction intervals are these quantiles";
        }
        entry.row.uncertainty = Some(Uncertainty {
            wspl: scored.as_ref().map(|(s, _)| s.total),
            levels: scored.as_ref().map(|(s, _)| s.levels.clone()).unwrap_or_default(),
            valid_wspl: valid_wspl.filter(|v| v.is_finite()),
            coverage_025: scored.as_ref().map(|(_, c)| c[1]),
            coverage_975: scored.as_ref().map(|(_, c)| c[7]),
            coverage: scored.as_ref().map(|(_, c)| c.to_vec()).unwrap_or_default(),
            method,
        });
        if entry.row.selected {
            selected = Some(quantiles);
        }
    }
    selected
}

/// Central intervals at `levels` (percent) of the bottom series (each series on its
/// own: the evaluator's only level), laid out like the forecast.
fn intervals(cal: &Calibration, ev: &M5Evaluator, values: &[f64], levels: &[u8]) -> Vec<Interval> {
    let h = ev.horizon();
    levels
        .iter()
        .map(|&level| {
            let lo_u = (1.0 - f64::from(level) / 100.0) / 2.0;
            let q = cal.level_quantiles(ev, values, 0, &[lo_u, 1.0 - lo_u]);
            let (mut lo, mut hi) = (Vec::with_capacity(values.len()), Vec::with_capacity(values.len()));
            for series in q.chunks_exact(2 * h) {
                lo.extend_from_slice(&series[..h]);
                hi.extend_from_slice(&series[h..]);
            }
            Interval { level, lo, hi }
        })
        .collect()
}

/// The central intervals (95 % and 50 %) of bottom series `i` from the quantiles of
/// every level (the last level holds the bottom series, ordered by key).
pub fn bottom_bands(hierarchy: &Hierarchy, quantiles: &[Vec<f64>], i: usize, horizon: usize) -> Vec<tsforge_report::Band> {
    let (Some(level), Some(q)) = (hierarchy.levels.last(), quantiles.last()) else { return Vec::new() };
    let Some(g) = level.groups.iter().position(|g| g.members == [i]) else { return Vec::new() };
    let nq = tsforge_core::metrics::M5_QUANTILES.len();
    let row = |j: usize| q.get((g * nq + j) * horizon..(g * nq + j + 1) * horizon).map(<[f64]>::to_vec).unwrap_or_default();
    // quantile positions: 0.025 / 0.975 and 0.25 / 0.75
    vec![tsforge_report::Band { level: 95, lo: row(1), hi: row(7) }, tsforge_report::Band { level: 50, lo: row(3), hi: row(5) }]
}
