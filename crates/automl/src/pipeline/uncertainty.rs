//! Quantile forecasts of every leaderboard model on M5 data: calibrated on the model's
//! own backtest forecasts ([`crate::conformal`]), scored on the scored window (WSPL and
//! coverage, the M5 Uncertainty track's terms), and the submission's written as
//! `uncertainty.csv`.

use tsforge_core::metrics::M5Evaluator;
use tsforge_report::Uncertainty;

use crate::conformal::{BIN_CHOICES, Calibration, Window, coverage};
use crate::pipeline::Entry;
use crate::pipeline::plan::BacktestWindow;

/// Quantiles of every level (`groups × 9 × horizon` each), as `M5Evaluator::wspl` takes them.
pub type LevelQuantiles = Vec<Vec<f64>>;

/// Calibrates and scores the quantiles of every entry with a backtest forecast over all
/// of `windows` (M5 data: each window has an evaluator), fills each row's
/// `uncertainty`, and returns the quantiles of the selected entry. `ev` is the
/// evaluator of the forecast origin, `truth` the scored window where there is one.
pub fn attach(entries: &mut [Entry], windows: &[BacktestWindow], ev: &M5Evaluator, truth: Option<&[f64]>) -> Option<LevelQuantiles> {
    let evs: Option<Vec<&M5Evaluator>> = windows.iter().map(|w| w.m5.as_ref()).collect();
    let evs = evs.filter(|e| !e.is_empty())?;
    let mut selected = None;
    for entry in entries.iter_mut() {
        let Some(values) = &entry.valid_forecast else { continue };
        let per_window = values.len() / windows.len();
        if per_window == 0 || values.len() != per_window * windows.len() {
            continue;
        }
        let backtest: Vec<Window<'_>> = windows.iter().zip(&evs).zip(values.chunks_exact(per_window)).map(|((w, ev), forecast)| Window { ev, actual: &w.actual, forecast }).collect();
        let (cal, held_out) = Calibration::choose(&backtest);
        let quantiles = cal.quantiles(ev, &entry.forecast.values);
        let scored = truth.and_then(|t| ev.wspl(t, &quantiles).ok().map(|s| (s, coverage(ev, t, &quantiles))));
        let valid_wspl = match &held_out {
            Some(levels) => Some(levels.iter().sum::<f64>() / levels.len().max(1) as f64),
            None => backtest.first().and_then(|w| w.ev.wspl(w.actual, &cal.quantiles(w.ev, w.forecast)).ok()).map(|s| s.total),
        };
        let bins: Vec<String> = cal.bins.iter().map(usize::to_string).collect();
        let method = format!(
            "conformal: the backtest errors ({} window(s)) of the forecast summed to each level, divided by each series' WSPL scale, their empirical quantiles pooled per level in bins of the scaled forecast (bins per level, chosen from {:?} {}: {}), added to the forecast, clipped at 0",
            windows.len(),
            BIN_CHOICES,
            if held_out.is_some() { "by the held-out window's WSPL" } else { "in-sample" },
            bins.join(" ")
        );
        entry.row.uncertainty = Some(Uncertainty {
            wspl: scored.as_ref().map(|(s, _)| s.total),
            levels: scored.as_ref().map(|(s, _)| s.levels.clone()).unwrap_or_default(),
            valid_wspl: valid_wspl.filter(|v| v.is_finite()),
            coverage_025: scored.as_ref().map(|(_, c)| c[1]),
            coverage_975: scored.as_ref().map(|(_, c)| c[7]),
            method,
        });
        if entry.row.selected {
            selected = Some(quantiles);
        }
    }
    selected
}
