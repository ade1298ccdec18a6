//! The recursive strategy: a one-step model applied day by day, each day's prediction
//! written into the history that the next day's lags and rolling statistics read.
//!
//! Known-in-advance features (calendar, events, SNAP, prices, ids, and a long-format
//! panel's covariates: statics, future columns at the step, past columns lagged by at
//! least the horizon) are built once for every forecast day on the training panel.
//! Target features are rebuilt each day on a *cut* panel that holds only the last
//! [`lookback`] days of each series (aligned so that every series ends at the same
//! position) plus the horizon: a day's rebuild then costs `series × (lookback + horizon)`, not `series × whole history`. The cut keeps
//! every window-based feature exact; the few unbounded ones agree with the training
//! features up to [`HISTORY_MARGIN`] days back (an EWM with α ≥ 0.1 has forgotten
//! 0.9¹⁸² ≈ 5e-9 by then; days-since-sale and zero-run differ only for series without a
//! sale in that long). Specs with expanding means use the whole history.

use serde_json::json;
use tsforge_core::Panel;
use tsforge_core::model::ModelError;
use tsforge_features::spec::Column;
use tsforge_features::{FeatureMatrix, FeatureSpec, ValidFeatureSpec, Vocabulary, build_with, forecast_rows};

use crate::Booster;

/// Days of history kept beyond the longest window (see the module doc).
pub const HISTORY_MARGIN: usize = 182;

/// M5-style recursive features: short lags (1..7, 14, 21, 28), rolling means and
/// standard deviations at shift 1 and 7, an EWM and intermittency at shift 1, plus the
/// same calendar, event, SNAP, price and id features as [`crate::forecaster::m5_direct_spec`].
pub fn m5_recursive_spec() -> Result<FeatureSpec, ModelError> {
    Ok(serde_json::from_value(json!({
        "strategy": {"kind": "recursive"},
        "lags": [1, 2, 3, 4, 5, 6, 7, 14, 21, 28],
        "rolling": [
            {"stat": "mean", "shift": 1, "window": 7},
            {"stat": "mean", "shift": 1, "window": 28},
            {"stat": "std", "shift": 1, "window": 7},
            {"stat": "std", "shift": 1, "window": 28},
            {"stat": "mean", "shift": 7, "window": 7},
            {"stat": "mean", "shift": 7, "window": 28}
        ],
        "ewm_mean": [{"shift": 1, "alpha": 0.1}],
        "intermittency": {"shift": 1, "window": 56},
        "calendar": ["day_of_week", "day_of_month", "week_of_year", "month", "weekend"],
        "events": ["event_name_1", "event_type_1", "days_to_event", "days_since_event", "snap"],
        "prices": ["sell_price", "price_norm", "price_rel_mean", "price_change_week", "price_momentum", "price_rank_dept_store"],
        "ids": ["item", "dept", "cat", "store", "state"]
    }))?)
}

/// Recursive features with a minimum lag of 7 (mlforecast's M5 setup): lags 7..=28,
/// rolling means and standard deviations, an EWM and intermittency all at shift 7, and
/// the calendar, event, SNAP, price and id features. Each forecast day feeds the days a
/// week later only, so errors compound over 4 steps of a 28-day horizon instead of 28.
pub fn m5_recursive7_spec() -> Result<FeatureSpec, ModelError> {
    let mut spec = m5_recursive_spec()?;
    spec.lags = (7..=28).collect();
    spec.rolling = serde_json::from_value(json!([
        {"stat": "mean", "shift": 7, "window": 7},
        {"stat": "mean", "shift": 7, "window": 28},
        {"stat": "std", "shift": 7, "window": 7},
        {"stat": "std", "shift": 7, "window": 28}
    ]))?;
    spec.ewm_mean = serde_json::from_value(json!([{"shift": 7, "alpha": 0.1}]))?;
    spec.intermittency = serde_json::from_value(json!({"shift": 7, "window": 56}))?;
    Ok(spec)
}

/// Days of history the cut panel keeps: the longest reach of a target feature plus
/// [`HISTORY_MARGIN`]; `None` (the whole history) when an expanding mean needs it all.
pub fn lookback(spec: &ValidFeatureSpec) -> Option<usize> {
    let mut reach = 1;
    for c in spec.columns() {
        let r = match *c {
            Column::ExpandingMean(_) => return None,
            Column::Rolling(r) => r.shift + r.window,
            Column::Adi { shift, window } | Column::Cv2 { shift, window } => shift + window,
            _ => c.shift().unwrap_or(0),
        };
        reach = reach.max(r);
    }
    Some(reach + HISTORY_MARGIN)
}

/// The spec split into target-derived columns (rebuilt every day) and known-in-advance
/// ones (built once); `None` for a part without columns. Checks that the two parts
/// together give the full spec's columns in its order.
fn split(spec: &ValidFeatureSpec) -> Result<(Option<ValidFeatureSpec>, Option<ValidFeatureSpec>), ModelError> {
    let full = spec.spec();
    let target = FeatureSpec { calendar: Vec::new(), events: Vec::new(), prices: Vec::new(), ids: Vec::new(), statics: Vec::new(), future: Vec::new(), past: Vec::new(), ..full.clone() };
    let known = FeatureSpec {
        calendar: full.calendar.clone(),
        events: full.events.clone(),
        prices: full.prices.clone(),
        ids: full.ids.clone(),
        statics: full.statics.clone(),
        future: full.future.clone(),
        past: full.past.clone(),
        ..FeatureSpec::default()
    };
    let n_known = spec.columns().iter().filter(|c| c.is_known_in_advance()).count();
    let n_target = spec.names().len() - n_known.min(spec.names().len());
    let target = if n_target > 0 { Some(target.validate()?) } else { None };
    let known = if n_known > 0 { Some(known.validate()?) } else { None };
    let names: Vec<&String> = target.iter().chain(known.iter()).flat_map(|s| s.names()).collect();
    if names.len() != spec.names().len() || names.iter().zip(spec.names()).any(|(a, b)| *a != b) {
        return Err("recursive GBDT: the spec's target and known-in-advance columns do not split cleanly".into());
    }
    Ok((target, known))
}

/// The last `keep` days of every series, right-aligned so that each series' last
/// observation sits at position `keep - 1`, followed by `horizon` unknown days. Only
/// what target features read is kept (values, spans, attributes for group encodings).
fn cut_panel(train: &Panel, keep: usize, horizon: usize) -> Panel {
    let n_time = keep + horizon;
    let mut y = vec![f32::NAN; train.n_series() * n_time];
    let mut spans = Vec::with_capacity(train.n_series());
    for i in 0..train.n_series() {
        let (s, e) = train.spans[i];
        let from = s.max(e.saturating_sub(keep));
        let len = e - from.min(e);
        y[i * n_time + keep - len..i * n_time + keep].copy_from_slice(&train.row(i)[from..from + len]);
        spans.push((keep - len, keep));
    }
    Panel { ids: train.ids.clone(), attrs: train.attrs.clone(), index: train.index.with_len(n_time), y, spans, calendar: None, prices: None, dynamic: Vec::new(), statics: Vec::new() }
}

/// Rows `rows` of `m` (column-major) as their own column-major block.
fn take_rows(m: &FeatureMatrix, rows: &[usize], out: &mut Vec<f32>) {
    for j in 0..m.n_cols() {
        let col = m.column(j);
        out.extend(rows.iter().map(|&r| col[r]));
    }
}

/// Forecasts `horizon` days after each series' span, day by day: `model_of[i]` is the
/// booster of series `i` (`None`: forecast zeros, e.g. a group without training rows).
/// Returns `n_series × horizon` values, series-major.
pub fn forecast(train: &Panel, spec: &ValidFeatureSpec, vocab: &Vocabulary, groups: &[(Vec<usize>, Option<&Booster>)], horizon: usize) -> Result<Vec<f64>, ModelError> {
    let n = train.n_series();
    let (target, known) = split(spec)?;
    // every series' known-in-advance features for all forecast days, row i * horizon + d
    let known_m = match &known {
        Some(k) => Some(build_with(train, k, vocab, &forecast_rows(train, horizon))?),
        None => None,
    };
    let keep = train.spans.iter().map(|&(s, e)| e - s.min(e)).max().unwrap_or(0);
    let keep = lookback(spec).map_or(keep, |l| l.min(keep)).max(1);
    let mut cut = cut_panel(train, keep, horizon);
    let t_cut = cut.n_time();
    let mut values = vec![0.0; n * horizon];
    let mut block = Vec::new();
    for d in 0..horizon {
        let target_m = match &target {
            Some(t) => Some(build_with(&cut, t, vocab, &(0..n).map(|i| (i, keep + d)).collect::<Vec<_>>())?),
            None => None,
        };
        for (series, booster) in groups {
            let Some(booster) = booster else { continue };
            if series.is_empty() {
                continue;
            }
            block.clear();
            if let Some(m) = &target_m {
                take_rows(m, series, &mut block);
            }
            if let Some(m) = &known_m {
                let rows: Vec<usize> = series.iter().map(|&i| i * horizon + d).collect();
                take_rows(m, &rows, &mut block);
            }
            let k = block.len() / series.len();
            let pred = booster.predict(&block, series.len(), k)?;
            for (&i, &v) in series.iter().zip(&pred) {
                values[i * horizon + d] = v;
            }
        }
        // write the day's predictions into the history the next day reads
        for i in 0..n {
            cut.y[i * t_cut + keep + d] = values[i * horizon + d] as f32;
            cut.spans[i].1 = keep + d + 1;
        }
    }
    Ok(values)
}

#[cfg(test)]
mod tests;
