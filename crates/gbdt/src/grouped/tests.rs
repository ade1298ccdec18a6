use serde_json::json;
use tsforge_core::{Calendar, Freq, Prices, SeriesAttrs, TimeIndex};

use super::*;

/// `n` series over `t` days from Saturday 2011-01-29 with an M5 calendar, prices and
/// attributes (series `i` in store `S{i % stores}`, alternating FOODS/HOBBIES depts),
/// `y[i][p] = value(i, p)`; calendar and prices run 60 days past the grid.
pub(crate) fn m5_panel(n: usize, t: usize, stores: usize, value: impl Fn(usize, usize) -> f32) -> Panel {
    let index = TimeIndex::Dates { start_days: 15_003, freq: Freq::Daily, len: t };
    let ids: Vec<String> = (0..n).map(|i| format!("s{i}")).collect();
    let y: Vec<f32> = (0..n).flat_map(|i| (0..t).map(move |p| (i, p))).map(|(i, p)| value(i, p)).collect();
    let mut panel = Panel::dense(ids, index, y).unwrap_or_else(|e| panic!("{e}"));
    panel.attrs = Some(
        (0..n)
            .map(|i| {
                let cat = if i % 2 == 0 { "FOODS" } else { "HOBBIES" };
                SeriesAttrs { item: format!("{cat}_1_{i:03}"), dept: format!("{cat}_1"), cat: cat.into(), store: format!("S{}", i % stores), state: "CA".into() }
            })
            .collect(),
    );
    let days = t + 60;
    let event = |p: usize| (p % 50 == 10).then(|| "SuperBowl".to_string());
    let etype = |p: usize| (p % 50 == 10).then(|| "Sporting".to_string());
    panel.calendar = Some(Calendar {
        wm_yr_wk: (0..days).map(|p| 11_101 + (p / 7) as i32).collect(),
        event_name_1: (0..days).map(event).collect(),
        event_type_1: (0..days).map(etype).collect(),
        event_name_2: vec![None; days],
        event_type_2: vec![None; days],
        snap: vec![("CA".into(), (0..days).map(|p| u8::from(p % 30 < 10)).collect())],
    });
    let prices = (0..n).flat_map(|i| (0..days).map(move |p| 2.0 + 0.25 * i as f32 + if p % 70 < 7 { -0.5 } else { 0.0 })).collect();
    panel.prices = Some(Prices::new(n, days, prices).unwrap_or_else(|e| panic!("{e}")));
    panel
}

/// A weekly cycle scaled per series, with a little deterministic noise.
pub(crate) fn weekly(i: usize, p: usize) -> f32 {
    let cycle = [1.0, 1.0, 2.0, 2.0, 3.0, 6.0, 5.0][p % 7];
    let noise = ((i * 7919 + p * 104_729) % 3) as f32 - 1.0;
    ((1 + i % 3) as f32 * cycle + 0.3 * noise).round().max(0.0)
}

/// Small, fast booster settings for tests.
pub(crate) fn quick(model: PartitionedGbdt) -> PartitionedGbdt {
    let mut m = model;
    m.params.num_iterations = 60;
    m.params.learning_rate = 0.15;
    m.params.num_leaves = 15;
    m.params.min_data_in_leaf = 10;
    m
}

fn fit(model: &PartitionedGbdt, panel: &Panel, ctx: &FitContext) -> Box<dyn FittedForecaster> {
    model.fit(panel, ctx).unwrap_or_else(|e| panic!("{}: {e}", model.alias))
}

fn forecast(model: &PartitionedGbdt, panel: &Panel, ctx: &FitContext) -> Forecast {
    fit(model, panel, ctx).predict(ctx.horizon).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn recursive_learns_a_weekly_cycle() {
    let (n, t, h) = (6, 300, 14);
    let full = m5_panel(n, t + h, 2, weekly);
    let train = full.truncated(t).unwrap_or_else(|e| panic!("{e}"));
    let model = quick(PartitionedGbdt::tweedie_recursive().unwrap_or_else(|e| panic!("{e}")));
    let ctx = FitContext::new(h).with_seed(3);
    assert!(model.is_recursive());
    assert_eq!(model.alias, "GBDT-Tweedie-recursive");
    let f = forecast(&model, &train, &ctx);
    let mut abs = 0.0;
    let mut level = 0.0;
    for i in 0..n {
        for d in 0..h {
            abs += (f.row(i)[d] - f64::from(full.row(i)[t + d])).abs();
            level += f64::from(full.row(i)[t + d]);
        }
    }
    // the cycle's level is ~6 a day; an average error under 10% of it means it was learned
    assert!(abs / level < 0.1, "relative MAE {}", abs / level);
    let names: Vec<String> = fit(&model, &train, &ctx).feature_importance().into_iter().map(|f| f.feature).collect();
    assert!(names.contains(&"lag7".to_string()) && names.contains(&"sell_price".to_string()));
}

#[test]
fn unpartitioned_direct_equals_the_plain_direct_model() {
    let (t, h) = (200, 7);
    let train = m5_panel(4, t, 2, weekly);
    let mut plain = GbdtForecaster::tweedie_direct(h).unwrap_or_else(|e| panic!("{e}"));
    plain.params = quick(plain.clone().into()).params;
    let ours: PartitionedGbdt = plain.clone().into();
    let ctx = FitContext::new(h).with_seed(5);
    let a = plain.fit(&train, &ctx).unwrap_or_else(|e| panic!("{e}")).predict(h).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.values, forecast(&ours, &train, &ctx).values);
}

#[test]
fn per_store_models_see_only_their_store() {
    let (t, h) = (200, 7);
    let panel = m5_panel(6, t, 2, weekly);
    // store S1 (odd series) sells ten times more in the changed panel
    let changed = m5_panel(6, t, 2, |i, p| if i % 2 == 1 { 10.0 * weekly(i, p) } else { weekly(i, p) });
    let ctx = FitContext::new(h).with_seed(1);
    for base in [PartitionedGbdt::tweedie_direct(h), PartitionedGbdt::tweedie_recursive()] {
        let model = quick(base.unwrap_or_else(|e| panic!("{e}"))).partitioned(Partition::Store);
        assert!(model.alias.ends_with("-by-store"), "{}", model.alias);
        let fitted = fit(&model, &panel, &ctx);
        let bundle = PartitionedBundle::from_json(&fitted.to_json().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
        let keys: Vec<&str> = bundle.groups.iter().map(|g| g.key.as_str()).collect();
        assert_eq!(keys, ["S0", "S1"]);
        assert!(bundle.groups.iter().all(|g| g.n_series == 3 && g.model.is_some()));
        assert!(fitted.notes().iter().any(|n| n.contains("2 models, one per store group")), "{:?}", fitted.notes());
        let a = fitted.predict(h).unwrap_or_else(|e| panic!("{e}"));
        let b = forecast(&model, &changed, &ctx);
        for i in 0..6 {
            if i % 2 == 0 {
                assert_eq!(a.row(i), b.row(i), "{}: store S0 series {i} moved", model.alias);
            } else {
                assert!(b.row(i).iter().sum::<f64>() > 5.0 * a.row(i).iter().sum::<f64>(), "{}: store S1 did not follow its data", model.alias);
            }
        }
    }
}

#[test]
fn importance_is_summed_over_groups() {
    let (t, h) = (150, 7);
    let panel = m5_panel(4, t, 2, weekly);
    let model = quick(PartitionedGbdt::tweedie_direct(h).unwrap_or_else(|e| panic!("{e}"))).partitioned(Partition::Store);
    let fitted = fit(&model, &panel, &FitContext::new(h).with_seed(2));
    let bundle = PartitionedBundle::from_json(&fitted.to_json().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    let mut gain = 0.0;
    for g in &bundle.groups {
        let b = g.model.as_ref().map(|m| &m.booster).unwrap_or_else(|| panic!("group {} has no model", g.key));
        gain += b.feature_importance(crate::ImportanceType::Gain).iter().sum::<f64>();
    }
    let total: f64 = fitted.feature_importance().iter().map(|f| f.gain).sum();
    assert!((total - gain).abs() <= 1e-9 * gain.max(1.0), "{total} vs {gain}");
}

#[test]
fn same_seed_same_bytes_for_any_thread_count() {
    let (t, h) = (160, 7);
    let panel = m5_panel(6, t, 3, weekly);
    let model = quick(PartitionedGbdt::tweedie_recursive().unwrap_or_else(|e| panic!("{e}"))).partitioned(Partition::StoreCat);
    let ctx = FitContext::new(h).with_seed(9);
    let run = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap_or_else(|e| panic!("{e}"));
        pool.install(|| {
            let fitted = fit(&model, &panel, &ctx);
            (fitted.predict(h).unwrap_or_else(|e| panic!("{e}")).values, fitted.to_json().unwrap_or_default())
        })
    };
    let (f1, j1) = run(1);
    let (f2, j2) = run(2);
    let (f3, j3) = run(2);
    assert_eq!(f1, f2);
    assert_eq!(j1, j2);
    assert_eq!((f2, j2), (f3, j3));
    assert!(j1.contains("\"partition\":\"store_cat\""));
}

#[test]
fn partitions_need_attrs_and_direct_specs_need_the_horizon() {
    let mut panel = m5_panel(2, 100, 1, weekly);
    let model = quick(PartitionedGbdt::tweedie_direct(7).unwrap_or_else(|e| panic!("{e}")));
    let err = model.fit(&panel, &FitContext::new(28)).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("7-day horizon"), "{err}");
    panel.attrs = None;
    let model = model.partitioned(Partition::StoreDept);
    assert_eq!(model.alias, "GBDT-Tweedie-direct-by-store-dept");
    assert_eq!(model.clone().partitioned(Partition::None).alias, "GBDT-Tweedie-direct");
    let err = model.fit(&panel, &FitContext::new(7)).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("series attributes"), "{err}");
}

#[test]
fn a_group_without_sales_forecasts_zeros() {
    let (t, h) = (120, 7);
    let panel = m5_panel(4, t, 2, |i, p| if i % 2 == 1 { 0.0 } else { weekly(i, p) });
    let spec: FeatureSpec = serde_json::from_value(json!({"lags": [1, 7], "calendar": ["day_of_week"]})).unwrap_or_else(|e| panic!("{e}"));
    let mut model = quick(PartitionedGbdt::tweedie_recursive().unwrap_or_else(|e| panic!("{e}"))).partitioned(Partition::Store);
    model.features = spec;
    let fitted = fit(&model, &panel, &FitContext::new(h).with_seed(1));
    let f = fitted.predict(h).unwrap_or_else(|e| panic!("{e}"));
    assert!(f.row(1).iter().all(|&v| v == 0.0) && f.row(0).iter().all(|&v| v > 0.0));
    assert!(fitted.notes().iter().any(|n| n.contains("no training rows") && n.contains("S1")), "{:?}", fitted.notes());
}
