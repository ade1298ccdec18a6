use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use tsforge_core::{Freq, TimeIndex};
use tsforge_features::FeatureMatrix;

use super::*;

fn small(n_trees: usize) -> ForestParams {
    ForestParams { n_trees, max_depth: 8, min_samples_leaf: 5, max_features: 1.0, max_rows: 5_000, train_days: 200 }
}

/// A step in one feature: every leaf that holds only one side of the step has that side's
/// value exactly, so the forest's mean far from the step is the step's level exactly.
#[test]
fn a_forest_fits_a_step_function_exactly_away_from_the_step() {
    let n = 1000;
    let x: Vec<f64> = (0..n).map(|i| i as f64).chain((0..n).map(|i| ((i * 37) % 11) as f64)).collect();
    let y: Vec<f64> = (0..n).map(|i| if i < 500 { 1.0 } else { 5.0 }).collect();
    let growth = Growth { n_trees: 25, max_depth: 6, min_samples_leaf: 5, mtry: 2, seed: 3 };
    let grown = trees::grow(x.clone(), n, 2, &y, growth, || false).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(grown.trees.len(), 25);
    assert!(!grown.stopped);
    let probe = [100.0, 400.0, 600.0, 950.0, 3.0, 7.0, 2.0, 9.0];
    let pred = trees::predict(&grown.trees, &probe, 4, 2).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(pred, vec![1.0, 1.0, 5.0, 5.0]);
    // the step feature carries (nearly) all of the split gain
    assert!(grown.gain[0].0 > 100.0 * grown.gain[1].0, "{:?}", grown.gain);
}

#[test]
fn missing_values_sit_below_every_observed_value() {
    let x = FeatureMatrix { names: vec!["a".into(), "b".into()], n_rows: 3, columns: vec![2.0, f32::NAN, -1.5, f32::NAN, f32::NAN, f32::NAN], rows: vec![(0, 0), (0, 1), (0, 2)] };
    let fill = MissingFill::fit(&x);
    assert_eq!(fill.fill, vec![-2.5, -1.0]);
    assert_eq!(fill.dense(&x).unwrap_or_default(), vec![2.0, -2.5, -1.5, -1.0, -1.0, -1.0]);
    let narrow = FeatureMatrix { names: vec!["a".into()], n_rows: 1, columns: vec![0.0], rows: vec![(0, 0)] };
    assert!(fill.dense(&narrow).is_err());
}

#[test]
fn the_subsample_is_seeded_sorted_and_capped() {
    let rows: Vec<usize> = (0..1000).collect();
    let a = subsample(&rows, 100, 7);
    assert_eq!(a.len(), 100);
    assert!(a.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(a, subsample(&rows, 100, 7));
    assert_ne!(a, subsample(&rows, 100, 8));
    assert_eq!(subsample(&rows[..50], 100, 7), rows[..50].to_vec());
}

/// Quarterly series with a per-series scale and a season: `y_t = c s[t mod 4]`; after
/// level scaling every series is the same cycle, which lag 4 (the direct model at h = 4)
/// reads off.
fn seasonal_panel(n: usize, t: usize) -> Panel {
    let s = [10.0, 14.0, 7.0, 12.0];
    let y = (0..n).flat_map(|i| (0..t).map(move |p| (1.0 + i as f32) * s[p % 4])).collect();
    let index = TimeIndex::Dates { start_days: 0, freq: Freq::Quarterly, len: t };
    Panel::dense((0..n).map(|i| format!("s{i}")).collect(), index, y).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn forest_direct_forecasts_a_seasonal_pattern_and_round_trips() {
    let (n, t, h) = (5, 80, 4);
    let full = seasonal_panel(n, t + h);
    let train = full.truncated(t).unwrap_or_else(|e| panic!("{e}"));
    let model = RandomForestDirect::any_panel(h, 4, small(20)).unwrap_or_else(|e| panic!("{e}"));
    let ctx = FitContext::new(h).with_seed(11);
    let fitted = model.fit(&train, &ctx).unwrap_or_else(|e| panic!("{e}"));
    let f = fitted.predict(h).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..n {
        for d in 0..h {
            let truth = f64::from(full.row(i)[t + d]);
            let got = f.row(i)[d];
            assert!((got - truth).abs() < 0.05 * truth, "series {i} step {d}: {got} vs {truth}");
        }
    }
    assert!(fitted.notes()[0].contains("20 trees"), "{:?}", fitted.notes());

    // same seed: the same bytes; another seed: another forest
    let json = fitted.to_json().unwrap_or_else(|| panic!("no saved model"));
    let again = model.fit(&train, &ctx).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(again.to_json().as_deref(), Some(json.as_str()));
    assert_eq!(again.predict(h).map(|g| g.values).ok(), Some(f.values.clone()));
    let other = model.fit(&train, &FitContext::new(h).with_seed(12)).unwrap_or_else(|e| panic!("{e}"));
    assert_ne!(other.to_json().as_deref(), Some(json.as_str()));

    // the saved forest forecasts the same from the same history, and refuses a longer horizon
    let saved = restore(&json).unwrap_or_else(|e| panic!("{e}"));
    let r = saved.forecast(&train, h, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.values, f.values);
    assert!(saved.forecast(&train, h + 1, &[]).is_err());
}

#[test]
fn a_damaged_or_foreign_bundle_is_refused() {
    let train = seasonal_panel(3, 40);
    let fitted = RandomForestDirect::any_panel(2, 4, small(3)).and_then(|m| m.fit(&train, &FitContext::new(2))).unwrap_or_else(|e| panic!("{e}"));
    let json = fitted.to_json().unwrap_or_default();
    let mut v: Value = serde_json::from_str(&json).unwrap_or_default();
    assert!(ForestBundle::from_json(&json).is_ok());
    let mut foreign = v.clone();
    foreign["format"] = json!("tsforge-ridge-1");
    assert!(ForestBundle::from_json(&foreign.to_string()).err().is_some_and(|e| e.to_string().contains("tsforge-forest-1")));
    // a child pointing outside its tree (a walk would not end)
    v["trees"][0]["left"][0] = json!(100_000);
    assert!(ForestBundle::from_json(&v.to_string()).err().is_some_and(|e| e.to_string().contains("outside the tree")));
}

#[test]
fn the_deadline_stops_the_fit_after_one_chunk() {
    let train = seasonal_panel(3, 60);
    let model = RandomForestDirect::any_panel(2, 4, small(3 * trees::CHUNK)).unwrap_or_else(|e| panic!("{e}"));
    let past = Instant::now().checked_sub(Duration::from_secs(1));
    let fitted = model.fit(&train, &FitContext::new(2).with_deadline(past)).unwrap_or_else(|e| panic!("{e}"));
    let bundle = ForestBundle::from_json(&fitted.to_json().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(bundle.trees.len(), trees::CHUNK);
    assert!(fitted.notes().iter().any(|n| n.contains("deadline stopped the fit at 10 of 30 trees")), "{:?}", fitted.notes());
}

#[test]
fn catalog_entry_builds_and_checks_its_params() {
    let entry = catalog().into_iter().find(|e| e.alias == FOREST_DIRECT).unwrap_or_else(|| panic!("no {FOREST_DIRECT}"));
    assert_eq!(entry.family, "forest");
    assert!(entry.seeded && !entry.default && entry.search == Some(SearchResource::None));
    assert_eq!(entry.saved.as_ref().map(|s| s.format.as_str()), Some(FOREST_FORMAT));
    let map = |v: Value| v.as_object().cloned().unwrap_or_else(Map::new);
    for retail in [true, false] {
        let keys = map(json!({"n_trees": 20, "max_depth": 6.0, "max_features": 0.5, "max_rows": 1000, "min_samples_leaf": 3, "train_days": 200}));
        let spec = BuildSpec { params: &keys, ..BuildSpec::plain("forest-t1", 28, 7, retail) };
        assert_eq!(entry.build(&spec).map(|m| (m.alias().to_string(), m.family().to_string())).ok(), Some(("forest-t1".into(), "forest".into())));
    }
    let bad = [
        (json!({"n_tree": 10}), "n_tree"),
        (json!({"n_trees": 0}), "n_trees"),
        (json!({"max_depth": 2.5}), "max_depth"),
        (json!({"max_features": 1.5}), "max_features"),
        (json!({"max_rows": "many"}), "max_rows"),
        (json!({"min_samples_leaf": 0}), "min_samples_leaf"),
    ];
    for (keys, needle) in bad {
        let keys = map(keys);
        let spec = BuildSpec { params: &keys, ..BuildSpec::plain(FOREST_DIRECT, 8, 4, false) };
        let e = entry.build(&spec).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains(needle), "{e}");
    }
}

#[test]
fn m5_features_fit_with_a_row_cap() {
    let (n, t, h) = (6, 200, 14);
    let full = crate::grouped::tests::m5_panel(n, t + h, 2, crate::grouped::tests::weekly);
    let train = full.truncated(t).unwrap_or_else(|e| panic!("{e}"));
    let params = ForestParams { max_rows: 600, ..small(20) };
    let model = RandomForestDirect::m5(h, params).unwrap_or_else(|e| panic!("{e}"));
    let fitted = model.fit(&train, &FitContext::new(h)).unwrap_or_else(|e| panic!("{e}"));
    assert!(fitted.notes()[0].starts_with("600 of "), "{:?}", fitted.notes());
    let f = fitted.predict(h).unwrap_or_else(|e| panic!("{e}"));
    assert!(f.values.iter().all(|v| v.is_finite() && *v >= 0.0));
    // every series' mean absolute error is below its mean level (a weekly cycle is learnable)
    for i in 0..n {
        let truth = &full.row(i)[t..t + h];
        let mae = f.row(i).iter().zip(truth).map(|(a, &b)| (a - f64::from(b)).abs()).sum::<f64>() / h as f64;
        let level = truth.iter().map(|&v| f64::from(v)).sum::<f64>() / h as f64;
        assert!(mae < 0.5 * level, "series {i}: mae {mae}, level {level}");
    }
}
