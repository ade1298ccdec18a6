//! The GBDT models on any long-format panel (`unique_id, ds, y`, no M5 calendar, ids or
//! prices): features chosen from the data's season and the horizon instead of M5's
//! days and weeks, and every series divided by its level, so that one booster serves
//! series of any scale (M1's yearly series range over four orders of magnitude; a
//! tree's split on a raw lag would separate big series from small ones, not rising
//! demand from falling).

use serde_json::json;
use tsforge_core::Panel;
use tsforge_core::model::ModelError;
use tsforge_features::FeatureSpec;
use tsforge_features::spec::CalendarFeature;

/// Lags and windows are capped at this many periods (weekly data has a 52-period season).
const MAX_SHORT_LAGS: usize = 14;

/// The date features a season length makes meaningful: hour and weekday for hourly
/// and half- or quarter-hourly data, weekday and day of month for daily data, week and month for weekly, month for monthly, quarter for quarterly,
/// none for yearly data or integer periods. (Dropped at fit time when the index has
/// no dates.)
pub fn calendar_for(season: usize) -> Vec<CalendarFeature> {
    use CalendarFeature::*;
    match season {
        24 => vec![Hour, DayOfWeek],
        48 | 96 => vec![Hour, DayOfWeek],
        7 => vec![DayOfWeek, DayOfMonth, WeekOfYear, Month],
        52 => vec![WeekOfYear, Month],
        12 => vec![Month],
        4 => vec![Quarter],
        _ => Vec::new(),
    }
}

/// Lags from `min_lag`: the first `min(season, 14)` (at least 2) periods, plus one
/// season back when the season is longer than that.
fn lags_from(min_lag: usize, season: usize) -> Vec<usize> {
    let short = season.clamp(2, MAX_SHORT_LAGS);
    let mut lags: Vec<usize> = (min_lag..min_lag + short).collect();
    // the same period a season ago, if the short lags do not reach it
    let back = season * min_lag.div_ceil(season.max(1)).max(1);
    if season > 1 && !lags.contains(&back) {
        lags.push(back);
    }
    lags
}

/// Target-derived features that all read at least `shift` periods back, for a season.
fn target_features(shift: usize, season: usize) -> serde_json::Value {
    let w = season.clamp(2, MAX_SHORT_LAGS);
    json!({
        "lags": lags_from(shift, season),
        "rolling": [
            {"stat": "mean", "shift": shift, "window": w},
            {"stat": "mean", "shift": shift, "window": 2 * w},
            {"stat": "std", "shift": shift, "window": w.max(3)}
        ],
        "expanding_mean": [shift],
        "ewm_mean": [{"shift": shift, "alpha": 0.3}],
        "intermittency": {"shift": shift, "window": (2 * w).max(8)}
    })
}

/// Direct-strategy features for any panel: every target feature at least `horizon`
/// periods old, date features of the target period.
pub fn any_panel_direct_spec(horizon: usize, season: usize) -> Result<FeatureSpec, ModelError> {
    let h = horizon.max(1);
    let mut v = target_features(h, season);
    v["strategy"] = json!({"kind": "direct", "horizon": h});
    v["calendar"] = serde_json::to_value(calendar_for(season))?;
    Ok(serde_json::from_value(v)?)
}

/// Recursive-strategy features for any panel: lags from `min_lag` on, fed with the
/// model's own predictions. No expanding mean: it would make every forecast step
/// rebuild features from the whole history (`recursive::lookback`), not its last months.
pub fn any_panel_recursive_spec(season: usize, min_lag: usize) -> Result<FeatureSpec, ModelError> {
    let mut v = target_features(min_lag.max(1), season);
    v["expanding_mean"] = json!([]);
    v["strategy"] = json!({"kind": "recursive"});
    v["calendar"] = serde_json::to_value(calendar_for(season))?;
    Ok(serde_json::from_value(v)?)
}

/// Periods a series' level is measured over: `max(season, horizon)`, at least 4.
pub fn level_window(season: usize, horizon: usize) -> usize {
    season.max(horizon).max(4)
}

/// Each series' level: the mean absolute value of its last `window` observations (1
/// where that is 0 or the series has none). Training divides by it and forecasts are
/// multiplied back, so features and the booster see every series on one scale.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelScale {
    pub levels: Vec<f64>,
}

impl LevelScale {
    pub fn of(panel: &Panel, window: usize) -> LevelScale {
        let levels = (0..panel.n_series())
            .map(|i| {
                let (s, e) = panel.spans[i];
                let from = s.max(e.saturating_sub(window.max(1)));
                let seen: Vec<f64> = panel.row(i)[from..e].iter().filter(|v| v.is_finite()).map(|&v| f64::from(v).abs()).collect();
                let mean = seen.iter().sum::<f64>() / seen.len().max(1) as f64;
                if mean > 0.0 && mean.is_finite() { mean } else { 1.0 }
            })
            .collect();
        LevelScale { levels }
    }

    /// `panel` divided by its levels over `window` periods, with the levels to multiply
    /// forecasts back; `None` without a window (the model reads raw values).
    pub fn apply(panel: &Panel, window: Option<usize>) -> Option<(LevelScale, Panel)> {
        window.map(|w| {
            let scale = LevelScale::of(panel, w);
            let scaled = scale.scaled(panel);
            (scale, scaled)
        })
    }

    /// `panel` with every series divided by its level.
    pub fn scaled(&self, panel: &Panel) -> Panel {
        let mut out = panel.clone();
        let t = panel.n_time();
        for (i, &level) in self.levels.iter().enumerate() {
            for v in &mut out.y[i * t..(i + 1) * t] {
                *v = (f64::from(*v) / level) as f32;
            }
        }
        out
    }

    /// Multiplies series-major forecasts (`horizon` values per series) back by the levels.
    pub fn unscale(&self, values: &mut [f64], horizon: usize) {
        for (row, &level) in values.chunks_mut(horizon.max(1)).zip(&self.levels) {
            for v in row {
                *v *= level;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsforge_core::{Freq, TimeIndex};

    #[test]
    fn specs_read_no_closer_than_their_strategy_allows() {
        for season in [1, 4, 7, 12, 52] {
            for h in [1, 6, 8, 18, 28] {
                let spec = any_panel_direct_spec(h, season).unwrap_or_else(|e| panic!("{e}"));
                let valid = spec.validate().unwrap_or_else(|e| panic!("season {season}, h {h}: {e}"));
                assert!(valid.columns().iter().filter_map(|c| c.shift()).all(|s| s >= h));
            }
            let spec = any_panel_recursive_spec(season, 1).unwrap_or_else(|e| panic!("{e}"));
            assert!(spec.validate().is_ok(), "season {season}");
        }
        // monthly, horizon 18: lags 18..29 and a season-multiple back (24 is inside, 36 is not needed)
        let spec = any_panel_direct_spec(18, 12).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.lags, (18..30).collect::<Vec<_>>());
        assert_eq!(spec.calendar, vec![CalendarFeature::Month]);
        // weekly, recursive: lags 1..14 and 52
        let spec = any_panel_recursive_spec(52, 1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(spec.lags, (1..15).chain([52]).collect::<Vec<_>>());
        // bounded look-back: the recursion rebuilds features from the last months only
        let valid = spec.validate().unwrap_or_else(|e| panic!("{e}"));
        assert!(crate::recursive::lookback(&valid).is_some());
    }

    #[test]
    fn levels_scale_and_unscale_each_series() {
        let idx = TimeIndex::Dates { start_days: 0, freq: Freq::Monthly, len: 4 };
        let p = Panel::dense(vec!["a".into(), "b".into(), "z".into()], idx, vec![1.0, 2.0, 3.0, 5.0, 100.0, -200.0, 300.0, 500.0, 0.0, 0.0, 0.0, 0.0]).unwrap_or_else(|e| panic!("{e}"));
        let s = LevelScale::of(&p, 2);
        assert_eq!(s.levels, vec![4.0, 400.0, 1.0]);
        let scaled = s.scaled(&p);
        assert_eq!(&scaled.y[4..8], &[0.25, -0.5, 0.75, 1.25]);
        let mut f = vec![1.0, 2.0, 1.0, 2.0, 1.0, 2.0];
        s.unscale(&mut f, 2);
        assert_eq!(f, vec![4.0, 8.0, 400.0, 800.0, 1.0, 2.0]);
    }
}
