use serde_json::json;
use tsforge_core::{FitContext, Forecaster};

use super::*;
use crate::grouped::tests::{m5_panel, quick, weekly};
use crate::{Partition, PartitionedGbdt};

fn valid(spec: FeatureSpec) -> ValidFeatureSpec {
    spec.validate().unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn the_m5_spec_splits_and_has_a_bounded_lookback() {
    let spec = valid(m5_recursive_spec().unwrap_or_else(|e| panic!("{e}")));
    // intermittency at shift 1 over 56 days reaches furthest
    assert_eq!(lookback(&spec), Some(57 + HISTORY_MARGIN));
    let (target, known) = split(&spec).unwrap_or_else(|e| panic!("{e}"));
    let (target, known) = (target.unwrap_or_else(|| panic!("no target part")), known.unwrap_or_else(|| panic!("no known part")));
    assert_eq!(target.names()[0], "lag1");
    assert_eq!(known.names()[0], "day_of_week");
    assert_eq!(target.names().len() + known.names().len(), spec.names().len());
    let expanding: FeatureSpec = serde_json::from_value(json!({"lags": [1], "expanding_mean": [1]})).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(lookback(&valid(expanding)), None);
}

/// The cut panel gives the first forecast day the same target features as the whole
/// training panel does (what training saw for its own rows), series with a ragged
/// start and end included.
#[test]
fn cut_history_reproduces_full_history_features() {
    let spec = valid(m5_recursive_spec().unwrap_or_else(|e| panic!("{e}")));
    let (target, _) = split(&spec).unwrap_or_else(|e| panic!("{e}"));
    let target = target.unwrap_or_else(|| panic!("no target part"));
    let t = 400;
    let mut train = m5_panel(3, t, 1, |i, p| if (p + i) % 5 == 0 { 0.0 } else { weekly(i, p) });
    // series 1 starts late (shorter than the lookback), series 2 ends 3 days early
    for p in 0..300 {
        train.y[t + p] = f32::NAN;
    }
    train.spans[1] = (300, t);
    for p in t - 3..t {
        train.y[2 * t + p] = f32::NAN;
    }
    train.spans[2] = (0, t - 3);
    let vocab = Vocabulary::from_panel(&train);
    let keep = lookback(&spec).unwrap_or(0);
    let full = build_with(&train, &target, &vocab, &forecast_rows(&train, 1)).unwrap_or_else(|e| panic!("{e}"));
    let cut = cut_panel(&train, keep, 1);
    let rows: Vec<(usize, usize)> = (0..3).map(|i| (i, keep)).collect();
    let short = build_with(&cut, &target, &vocab, &rows).unwrap_or_else(|e| panic!("{e}"));
    for j in 0..full.n_cols() {
        for r in 0..3 {
            let (a, b) = (full.get(r, j), short.get(r, j));
            assert!((a.is_nan() && b.is_nan()) || (a - b).abs() <= 1e-5 * a.abs().max(1.0), "{} row {r}: {a} vs {b}", full.names[j]);
        }
    }
}

/// Two series alternating 0, 10, 0, 10 in opposite phase, with lag 1 as the only
/// feature: only a forecast that feeds each day's prediction back into lag 1 keeps
/// alternating (with unknown lags every day after the first would get one value).
#[test]
fn predictions_feed_the_next_days_lags() {
    let (t, h) = (120, 10);
    let panel = m5_panel(2, t, 1, |i, p| if (p + i) % 2 == 0 { 0.0 } else { 10.0 });
    let mut model = quick(PartitionedGbdt::tweedie_recursive().unwrap_or_else(|e| panic!("{e}")));
    model.features = serde_json::from_value(json!({"strategy": {"kind": "recursive"}, "lags": [1]})).unwrap_or_else(|e| panic!("{e}"));
    let ctx = FitContext::new(h).with_seed(1);
    let fitted = model.fit(&panel, &ctx).unwrap_or_else(|e| panic!("{e}"));
    let f = fitted.predict(h).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..2 {
        for d in 0..h {
            let want = if (t + d + i) % 2 == 0 { 0.0 } else { 10.0 };
            assert!((f.row(i)[d] - want).abs() < 1.0, "series {i} day {d}: {} vs {want}", f.row(i)[d]);
        }
    }
    // a partitioned recursive model feeds back the same way
    let by_store = model.partitioned(Partition::Store).fit(&panel, &ctx).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(by_store.predict(h).unwrap_or_else(|e| panic!("{e}")).values, f.values);
}
