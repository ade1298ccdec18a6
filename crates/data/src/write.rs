//! Forecast writers (M5 submission and long format) and atomic file output.

use std::fmt::Write as _;
use std::path::Path;

use tsforge_core::{Forecast, Panel};

use crate::error::{DataError, Result};

/// M5 submission layout: `id,F1..Fh`, one row per series; `suffix` is appended to
/// each id (`_validation` or `_evaluation`, as on Kaggle).
pub fn m5_submission(panel: &Panel, forecast: &Forecast, suffix: &str) -> String {
    let mut out = String::with_capacity(forecast.values.len() * 6);
    out.push_str("id");
    for k in 1..=forecast.horizon {
        let _ = write!(out, ",F{k}");
    }
    out.push('\n');
    for (i, id) in panel.ids.iter().enumerate() {
        out.push_str(id);
        out.push_str(suffix);
        for v in forecast.row(i) {
            let _ = write!(out, ",{}", fmt_value(*v));
        }
        out.push('\n');
    }
    out
}

/// Long layout (statsforecast style): `unique_id,ds,ALIAS` plus `ALIAS-lo-80,ALIAS-hi-80`
/// style columns for each prediction interval; each series' forecast starts right after
/// the end of its own history. A missing interval bound is an empty cell.
pub fn long_forecast(panel: &Panel, forecast: &Forecast) -> String {
    let alias = &forecast.alias;
    let mut out = format!("unique_id,ds,{alias}");
    for iv in &forecast.intervals {
        let _ = write!(out, ",{alias}-lo-{0},{alias}-hi-{0}", iv.level);
    }
    out.push('\n');
    let cell = |v: f64| if v.is_nan() { String::new() } else { fmt_value(v) };
    for (i, id) in panel.ids.iter().enumerate() {
        let end = panel.spans[i].1;
        for (k, v) in forecast.row(i).iter().enumerate() {
            let _ = write!(out, "{id},{},{}", panel.index.label(end + k), fmt_value(*v));
            let at = i * forecast.horizon + k;
            for iv in &forecast.intervals {
                let _ = write!(out, ",{},{}", cell(iv.lo[at]), cell(iv.hi[at]));
            }
            out.push('\n');
        }
    }
    out
}

/// Backtest forecasts in the layout of statsforecast's `cross_validation`:
/// `unique_id,ds,cutoff,y` and one column per model, a row per series, window and step.
/// Each window is its training panel (`cutoff` is each series' last training period)
/// and its `n × horizon` truth; each model gives its windows' forecasts one after
/// another, in the windows' order.
pub fn cross_validation(windows: &[(&Panel, &[f64])], horizon: usize, models: &[(&str, &[f64])]) -> String {
    let mut out = String::from("unique_id,ds,cutoff,y");
    for (alias, _) in models {
        let _ = write!(out, ",{alias}");
    }
    out.push('\n');
    let mut offset = 0;
    for (panel, actual) in windows {
        for (i, id) in panel.ids.iter().enumerate() {
            let end = panel.spans[i].1;
            let cutoff = panel.index.label(end.saturating_sub(1));
            for k in 0..horizon {
                let at = i * horizon + k;
                let _ = write!(out, "{id},{},{cutoff},{}", panel.index.label(end + k), actual.get(at).map_or(String::new(), |&v| fmt_value(v)));
                for (_, values) in models {
                    let _ = write!(out, ",{}", values.get(offset + at).map_or(String::new(), |&v| fmt_value(v)));
                }
                out.push('\n');
            }
        }
        offset += panel.n_series() * horizon;
    }
    out
}

/// Shortest round-trip text of a value; integers without a decimal point.
pub fn fmt_value(v: f64) -> String {
    if v.is_finite() && v == v.trunc() && v.abs() < 1e15 { format!("{}", v as i64) } else { format!("{v}") }
}

/// Writes `contents` to a temporary sibling and renames it into place, so readers
/// never see a half-written file.
pub fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let label = path.display().to_string();
    let file_name = path.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    std::fs::write(&tmp, contents).map_err(|source| DataError::Write { file: label.clone(), source })?;
    std::fs::rename(&tmp, path).map_err(|source| {
        let _ = std::fs::remove_file(&tmp);
        DataError::Write { file: label, source }
    })
}
