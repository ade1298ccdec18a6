use proptest::prelude::*;
use tsforge_core::{Calendar, Freq, Prices, TimeIndex};

use super::*;
use crate::encoding::{GroupKey, TargetEncoding};
use crate::spec::Strategy;
use crate::spec::*;
use crate::vocab::Vocabulary;

const NAN: f32 = f32::NAN;

fn same(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-5
}

fn attrs(item: &str, dept: &str, store: &str, state: &str) -> SeriesAttrs {
    SeriesAttrs { item: item.into(), dept: dept.into(), cat: "FOODS".into(), store: store.into(), state: state.into() }
}

/// Two series over 10 days starting Saturday 2011-01-29; series 1 starts on day 2.
fn small() -> Panel {
    let index = TimeIndex::Dates { start_days: 15_003, freq: Freq::Daily, len: 10 };
    let y = vec![
        1.0, 0.0, 2.0, 0.0, 0.0, 3.0, 1.0, 0.0, 4.0, 2.0, //
        NAN, NAN, 5.0, 5.0, 0.0, 1.0, 0.0, 0.0, 0.0, 2.0,
    ];
    let mut p = Panel::dense(vec!["a".into(), "b".into()], index, y).unwrap_or_else(|e| panic!("{e}"));
    p.spans[1] = (2, 10);
    p.attrs = Some(vec![attrs("I2", "D1", "S1", "CA"), attrs("I1", "D1", "S1", "TX")]);
    let s = |v: &str| Some(v.to_string());
    let mut name1 = vec![None; 12];
    let mut type1 = vec![None; 12];
    name1[3] = s("SuperBowl");
    type1[3] = s("Sporting");
    name1[11] = s("Easter");
    type1[11] = s("Cultural");
    p.calendar = Some(Calendar {
        wm_yr_wk: vec![1; 12],
        event_name_1: name1,
        event_type_1: type1,
        event_name_2: vec![None; 12],
        event_type_2: vec![None; 12],
        snap: vec![("CA".into(), vec![1, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1, 0]), ("TX".into(), vec![0; 12])],
    });
    let mut prices = vec![2.0f32; 20];
    prices[8] = 4.0;
    prices[10] = NAN;
    prices[18] = 3.0;
    p.prices = Some(Prices { days: 10, values: prices });
    p
}

fn col(m: &FeatureMatrix, name: &str) -> Vec<f32> {
    m.column_named(name).unwrap_or_else(|| panic!("no column {name}")).to_vec()
}

#[test]
fn target_features_through_build() {
    let p = small();
    let spec = FeatureSpec {
        lags: vec![1, 3],
        rolling: vec![Rolling { stat: RollingStat::Mean, shift: 1, window: 2 }],
        expanding_mean: vec![2],
        intermittency: Some(IntermittencySpec { shift: 1, window: 4 }),
        ..FeatureSpec::default()
    }
    .validate()
    .unwrap_or_else(|e| panic!("{e}"));
    let rows = vec![(0, 0), (0, 5), (1, 9), (1, 3), (0, 10), (0, 12)];
    let m = build(&p, &spec, &rows).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.n_rows, 6);
    assert_eq!(m.rows, rows);
    let expect = |name: &str, want: [f32; 6]| {
        let got = col(&m, name);
        assert!(got.iter().zip(want).all(|(a, b)| same(*a, b)), "{name}: {got:?} vs {want:?}");
    };
    expect("lag1", [NAN, 0.0, 0.0, 5.0, 2.0, NAN]);
    expect("lag3", [NAN, 2.0, 0.0, NAN, 0.0, 2.0]);
    expect("rolling_mean_lag1_window2", [NAN, 0.0, 0.0, NAN, 3.0, NAN]);
    // series 0 up to day 3: 1,0,2,0 → 0.75; series 1 up to day 7: 5,5,0,1,0,0 → 11/6; series 0 up to day 8: 11/9
    expect("expanding_mean_lag2", [NAN, 0.75, 11.0 / 6.0, NAN, 11.0 / 9.0, NAN]);
    // series 0 as of day 4: last sale day 2 → 2; as of day 9: sale → 0
    expect("days_since_sale_lag1", [NAN, 2.0, 3.0, 0.0, 0.0, NAN]);
    expect("zero_run_lag1", [NAN, 2.0, 3.0, 0.0, 0.0, NAN]);
    // series 1 as of day 8: [1,0,0,0] → ADI 4, CV² 0
    expect("adi_lag1_window4", [NAN, 4.0, 4.0, NAN, 4.0 / 3.0, NAN]);
    // series 0 as of day 9: [1,0,4,2] → sizes 1,4,2: mean 7/3, var (16/9+25/9+1/9)/3 = 14/9 → 14/49
    expect("cv2_lag1_window4", [NAN, 0.0, 0.0, NAN, 14.0 / 49.0, NAN]);
}

#[test]
fn known_in_advance_features_through_build() {
    let p = small();
    let spec = FeatureSpec {
        calendar: vec![CalendarFeature::DayOfWeek, CalendarFeature::Weekend],
        events: vec![EventFeature::EventName1, EventFeature::DaysToEvent, EventFeature::Snap],
        prices: vec![PriceFeature::SellPrice, PriceFeature::PriceNorm, PriceFeature::PriceRankDeptStore],
        ids: vec![IdKey::Item, IdKey::State, IdKey::Cat],
        ..FeatureSpec::default()
    }
    .validate()
    .unwrap_or_else(|e| panic!("{e}"));
    let rows = vec![(0, 0), (1, 8), (0, 11), (1, 12)];
    let m = build(&p, &spec, &rows).unwrap_or_else(|e| panic!("{e}"));
    let expect = |name: &str, want: [f32; 4]| {
        let got = col(&m, name);
        assert!(got.iter().zip(want).all(|(a, b)| same(*a, b)), "{name}: {got:?} vs {want:?}");
    };
    // day 0 is a Saturday
    expect("day_of_week", [5.0, 6.0, 2.0, 3.0]);
    expect("weekend", [1.0, 1.0, 0.0, 0.0]);
    // Easter 1, SuperBowl 2; the calendar ends after day 11
    expect("event_name_1", [0.0, 0.0, 1.0, NAN]);
    expect("days_to_event", [3.0, 3.0, 0.0, NAN]);
    expect("snap", [1.0, 0.0, 0.0, NAN]);
    // prices end with the grid (day 9)
    expect("sell_price", [2.0, 3.0, NAN, NAN]);
    expect("price_norm", [0.5, 1.0, NAN, NAN]);
    // day 8: series 0 at 4.0, series 1 at 3.0 → ranks 1 and 0.5
    expect("price_rank_dept_store", [1.0, 0.5, NAN, NAN]);
    expect("item_id", [1.0, 0.0, 1.0, 0.0]);
    expect("state_id", [0.0, 1.0, 0.0, 1.0]);
    expect("cat_id", [0.0; 4]);
}

#[test]
fn missing_panel_parts_are_errors() {
    let mut p = small();
    p.prices = None;
    p.calendar = None;
    let build_one = |p: &Panel, spec: FeatureSpec| {
        let v = spec.validate().unwrap_or_else(|e| panic!("{e}"));
        build(p, &v, &[(0, 1)]).err().map(|e| e.to_string()).unwrap_or_default()
    };
    assert!(build_one(&p, FeatureSpec { prices: vec![PriceFeature::SellPrice], ..Default::default() }).contains("sell_price"));
    assert!(build_one(&p, FeatureSpec { events: vec![EventFeature::Snap], ..Default::default() }).contains("snap"));
    p.attrs = None;
    assert!(build_one(&p, FeatureSpec { ids: vec![IdKey::Dept], ..Default::default() }).contains("dept_id"));
    p.index = TimeIndex::Periods { start: 0, len: 10 };
    assert!(build_one(&p, FeatureSpec { calendar: vec![CalendarFeature::Month], ..Default::default() }).contains("date index"));
    let v = FeatureSpec { lags: vec![1], ..Default::default() }.validate().unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(build(&p, &v, &[(5, 1)]), Err(FeatureError::RowOutOfRange { series: 5, .. })));
}

#[test]
fn row_helpers_and_determinism() {
    let p = small();
    let train = training_rows(&p);
    assert_eq!(train.len(), 18);
    assert_eq!(train[10], (1, 2));
    assert_eq!(forecast_rows(&p, 2), vec![(0, 10), (0, 11), (1, 10), (1, 11)]);
    let spec = FeatureSpec { lags: vec![1], ewm_mean: vec![Ewm { shift: 1, alpha: 0.3 }], ..Default::default() }.validate().unwrap_or_else(|e| panic!("{e}"));
    let mut rows = train.clone();
    rows.reverse();
    let a = build(&p, &spec, &train).unwrap_or_else(|e| panic!("{e}"));
    let b = build(&p, &spec, &rows).unwrap_or_else(|e| panic!("{e}"));
    for r in 0..train.len() {
        let rb = train.len() - 1 - r;
        for j in 0..2 {
            assert_eq!(a.get(r, j).to_bits(), b.get(rb, j).to_bits());
        }
    }
}

fn all_target_spec(strategy: Strategy, s: usize) -> FeatureSpec {
    FeatureSpec {
        strategy,
        lags: vec![s, s + 2],
        rolling: [RollingStat::Mean, RollingStat::Std, RollingStat::Min, RollingStat::Max].into_iter().map(|stat| Rolling { stat, shift: s, window: 3 }).collect(),
        expanding_mean: vec![s],
        ewm_mean: vec![Ewm { shift: s, alpha: 0.5 }],
        intermittency: Some(IntermittencySpec { shift: s, window: 4 }),
        target_encodings: vec![TargetEncoding { by: GroupKey::Store, shift: s, window: Some(3) }, TargetEncoding { by: GroupKey::Item, shift: s, window: None }],
        ..FeatureSpec::default()
    }
}

proptest! {
    /// No target-derived feature of a day at or before the last day a forecast from
    /// `cutoff` may use changes when `y` at `cutoff` or later changes: day `cutoff`
    /// itself for recursive, days `cutoff..cutoff + H` for direct with horizon `H`.
    #[test]
    fn no_look_ahead(
        vals in proptest::collection::vec(0u8..4, 2 * 30),
        cut_frac in 0.0f64..1.0,
        horizon in 1usize..6,
        direct in any::<bool>(),
        noise in 1u8..50,
    ) {
        let t = 30;
        let cutoff = ((t as f64) * cut_frac) as usize;
        let y: Vec<f32> = vals.iter().map(|&v| f32::from(v)).collect();
        let mut changed = y.clone();
        for i in 0..2 {
            for s in cutoff..t {
                changed[i * t + s] = if (s + i) % 3 == 0 { f32::NAN } else { f32::from(noise) };
            }
        }
        let index = TimeIndex::Dates { start_days: 15_003, freq: Freq::Daily, len: t };
        // one store, two items: the store's target encoding mixes both series
        let mut a = Panel::dense(vec!["a".into(), "b".into()], index.clone(), y).unwrap_or_else(|e| panic!("{e}"));
        let mut b = Panel::dense(vec!["a".into(), "b".into()], index, changed).unwrap_or_else(|e| panic!("{e}"));
        a.attrs = Some(vec![attrs("I1", "D1", "S1", "CA"), attrs("I2", "D1", "S1", "CA")]);
        b.attrs = a.attrs.clone();
        let (strategy, last) = if direct {
            (Strategy::Direct { horizon }, cutoff + horizon)
        } else {
            (Strategy::Recursive, cutoff + 1)
        };
        let spec = all_target_spec(strategy, strategy.min_shift()).validate().unwrap_or_else(|e| panic!("{e}"));
        let rows: Vec<(usize, usize)> = (0..2).flat_map(|i| (0..last).map(move |s| (i, s))).collect();
        let fa = build(&a, &spec, &rows).unwrap_or_else(|e| panic!("{e}"));
        let fb = build(&b, &spec, &rows).unwrap_or_else(|e| panic!("{e}"));
        prop_assert_eq!(fa.names.clone(), fb.names.clone());
        for (x, y) in fa.columns.iter().zip(&fb.columns) {
            prop_assert_eq!(x.to_bits(), y.to_bits());
        }
        // Direct: the forecast rows built from the history alone (rows past the end of
        // a truncated panel) equal those rows built from the full panel.
        if direct && cutoff > 0 {
            let hist = b.truncated(cutoff).unwrap_or_else(|e| panic!("{e}"));
            let fc_rows = forecast_rows(&hist, horizon);
            let fh = build(&hist, &spec, &fc_rows).unwrap_or_else(|e| panic!("{e}"));
            let ff = build(&a, &spec, &fc_rows).unwrap_or_else(|e| panic!("{e}"));
            for (x, y) in fh.columns.iter().zip(&ff.columns) {
                prop_assert_eq!(x.to_bits(), y.to_bits());
            }
        }
    }
}

#[test]
fn far_future_rows_are_nan_not_panics() {
    let p = small();
    let spec = FeatureSpec {
        lags: vec![1],
        rolling: vec![Rolling { stat: RollingStat::Max, shift: 1, window: 3 }],
        calendar: vec![CalendarFeature::Year],
        events: vec![EventFeature::EventType1, EventFeature::DaysSinceEvent, EventFeature::Snap],
        prices: vec![PriceFeature::PriceMomentum, PriceFeature::PriceChangeWeek, PriceFeature::PriceRankDeptStore],
        ids: vec![IdKey::Store],
        ..FeatureSpec::default()
    }
    .validate()
    .unwrap_or_else(|e| panic!("{e}"));
    let m = build(&p, &spec, &[(0, usize::MAX), (1, usize::MAX / 2)]).unwrap_or_else(|e| panic!("{e}"));
    for j in 0..m.n_cols() - 1 {
        assert!(m.get(0, j).is_nan() && m.get(1, j).is_nan(), "{}", m.names[j]);
    }
    assert_eq!(m.column_named("store_id"), Some(&[0.0, 0.0][..]));
    let empty = build(&p, &spec, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((empty.n_rows, empty.columns.len(), empty.n_cols()), (0, 0, 10));
}

#[test]
fn saved_vocabulary_keeps_codes_on_another_panel() {
    let train = small();
    let vocab = Vocabulary::from_panel(&train);
    let spec = FeatureSpec { ids: vec![IdKey::Item], events: vec![EventFeature::EventName1], ..Default::default() }.validate().unwrap_or_else(|e| panic!("{e}"));
    // prediction panel: only series "b" (item I1, code 0), plus an item training never saw
    let mut pred = small();
    if let Some(a) = pred.attrs.as_mut() {
        a[0].item = "I9".into();
    }
    let m = build_with(&pred, &spec, &vocab, &[(0, 11), (1, 11)]).unwrap_or_else(|e| panic!("{e}"));
    let items = col(&m, "item_id");
    assert!(items[0].is_nan() && items[1] == 0.0);
    assert_eq!(col(&m, "event_name_1"), [1.0, 1.0]);
    // the panel's own vocabulary would have shifted the codes: I1 → 0, I9 → 1
    let own = build(&pred, &spec, &[(0, 11)]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(col(&own, "item_id"), [1.0]);
}

#[test]
fn many_series_cross_chunks_in_order() {
    let (n, t) = (2 * SERIES_PER_CHUNK + 7, 4);
    let y: Vec<f32> = (0..n * t).map(|k| k as f32).collect();
    let index = TimeIndex::Periods { start: 0, len: t };
    let p = Panel::dense((0..n).map(|i| format!("s{i}")).collect(), index, y).unwrap_or_else(|e| panic!("{e}"));
    let spec = FeatureSpec { lags: vec![1], ..Default::default() }.validate().unwrap_or_else(|e| panic!("{e}"));
    // rows interleaved across series, newest day first
    let rows: Vec<(usize, usize)> = (0..t).rev().flat_map(|s| (0..n).map(move |i| (i, s))).collect();
    let m = build(&p, &spec, &rows).unwrap_or_else(|e| panic!("{e}"));
    for (r, &(i, s)) in rows.iter().enumerate() {
        let want = if s == 0 { f32::NAN } else { (i * t + s - 1) as f32 };
        assert!(same(m.get(r, 0), want), "row {r}");
    }
}

/// The recursive workflow: the grid already covers the forecast days (y NaN there,
/// prices known); the caller writes each day's prediction into `y` and rebuilds.
#[test]
fn recursive_workflow_on_an_extended_grid() {
    let index = TimeIndex::Dates { start_days: 15_003, freq: Freq::Daily, len: 6 };
    let y = vec![1.0, 2.0, 3.0, 4.0, NAN, NAN];
    let mut p = Panel::dense(vec!["a".into()], index, y).unwrap_or_else(|e| panic!("{e}"));
    p.spans[0] = (0, 4);
    p.prices = Some(Prices { days: 6, values: vec![1.0, 1.0, 1.0, 1.0, 2.0, 2.0] });
    let spec = FeatureSpec { lags: vec![1, 2], rolling: vec![Rolling { stat: RollingStat::Mean, shift: 1, window: 2 }], prices: vec![PriceFeature::SellPrice], ..Default::default() }
        .validate()
        .unwrap_or_else(|e| panic!("{e}"));
    let rows = forecast_rows(&p, 2);
    assert_eq!(rows, [(0, 4), (0, 5)]);
    let m = build(&p, &spec, &rows).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.get(0, 0), 4.0);
    assert_eq!(m.get(0, 2), 3.5);
    assert!(m.get(1, 0).is_nan()); // day 4 not predicted yet
    assert_eq!(m.get(1, 1), 4.0);
    assert_eq!(m.get(1, 3), 2.0); // the price of a forecast day inside the grid
    // predict day 4 as 10, write it in, rebuild day 5
    p.y[4] = 10.0;
    let m = build(&p, &spec, &[(0, 5)]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!((m.get(0, 0), m.get(0, 1), m.get(0, 2)), (10.0, 4.0, 7.0));
}

/// Two series over `t` days with a past covariate `temp` and a future one `promo`
/// (known 3 days past the grid), and two statics (`region` text, `size` numbers).
fn with_covariates(t: usize, temp: Vec<f32>) -> Panel {
    use tsforge_core::{Covariate, CovariateKind, StaticCovariate};
    let index = TimeIndex::Dates { start_days: 15_003, freq: Freq::Daily, len: t };
    let mut p = Panel::dense(vec!["a".into(), "b".into()], index, (0..2 * t).map(|k| (k % 5) as f32).collect()).unwrap_or_else(|e| panic!("{e}"));
    p.dynamic = vec![
        Covariate { name: "temp".into(), kind: CovariateKind::Past, days: t, values: temp },
        Covariate { name: "promo".into(), kind: CovariateKind::Future, days: t + 3, values: (0..2 * (t + 3)).map(|k| (k % 2) as f32).collect() },
    ];
    p.statics = vec![StaticCovariate { name: "region".into(), values: vec!["south".into(), "north".into()] }, StaticCovariate { name: "size".into(), values: vec!["2.5".into(), "4".into()] }];
    p
}

proptest! {
    /// A past covariate never leaks: whatever the strategy, the covariates a model adds
    /// for a horizon `h` make the feature of period `t` equal the value at `t - h`, and
    /// changing every value after `t - h` leaves it as it was.
    #[test]
    fn past_covariates_never_leak(
        vals in proptest::collection::vec(0u8..50, 2 * 20),
        horizon in 1usize..6,
        direct in any::<bool>(),
        noise in 50u8..100,
    ) {
        let t = 20;
        let temp: Vec<f32> = vals.iter().map(|&v| f32::from(v)).collect();
        let a = with_covariates(t, temp.clone());
        let strategy = if direct { Strategy::Direct { horizon } } else { Strategy::Recursive };
        let base = FeatureSpec { strategy, lags: vec![strategy.min_shift()], ..FeatureSpec::default() };
        let spec = crate::covariates::spec_for_panel(&base, &a, horizon).validate().unwrap_or_else(|e| panic!("{e}"));
        let name = format!("temp_lag{horizon}");
        prop_assert!(spec.names().contains(&name), "{:?}", spec.names());
        // every period of both series, and the horizon after the grid
        let rows: Vec<(usize, usize)> = (0..2).flat_map(|i| (0..t + horizon).map(move |s| (i, s))).collect();
        let fa = build(&a, &spec, &rows).unwrap_or_else(|e| panic!("{e}"));
        let col_a = fa.column_named(&name).unwrap_or_else(|| panic!("no {name}")).to_vec();
        for (r, &(i, s)) in rows.iter().enumerate() {
            let expected = if s >= horizon { temp[i * t + s - horizon] } else { f32::NAN };
            prop_assert!(same(col_a[r], expected), "row ({i}, {s}): {} vs {expected}", col_a[r]);
            let mut changed = temp.clone();
            for v in changed[i * t + (s + 1).saturating_sub(horizon).min(t)..(i + 1) * t].iter_mut() {
                *v = f32::from(noise);
            }
            let fb = build(&with_covariates(t, changed), &spec, &[(i, s)]).unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(fb.column_named(&name).map(|c| c[0].to_bits()), Some(col_a[r].to_bits()));
        }
        // the covariates of the forecast rows of a panel cut at `cutoff` are what the
        // whole panel gives them (the recursive lag 1 is fed forecasts, not compared)
        let cutoff = t - horizon;
        let hist = a.truncated(cutoff).unwrap_or_else(|e| panic!("{e}"));
        let fc = forecast_rows(&hist, horizon);
        let fh = build(&hist, &spec, &fc).unwrap_or_else(|e| panic!("{e}"));
        let ff = build(&a, &spec, &fc).unwrap_or_else(|e| panic!("{e}"));
        for (j, n) in fh.names.iter().enumerate().filter(|(_, n)| !n.starts_with("lag")) {
            let bits = |m: &FeatureMatrix| m.column(j).iter().map(|v| v.to_bits()).collect::<Vec<_>>();
            prop_assert_eq!(bits(&fh), bits(&ff), "{}", n);
        }
    }
}

/// Known-in-advance covariates are read at the target period, past the grid too;
/// statics are codes (text) or numbers; a declared column the panel lacks is named.
#[test]
fn future_and_static_covariates_through_build() {
    let p = with_covariates(6, vec![1.0; 12]);
    let spec =
        crate::covariates::spec_for_panel(&FeatureSpec { strategy: Strategy::Direct { horizon: 3 }, lags: vec![3], ..FeatureSpec::default() }, &p, 3).validate().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(spec.names(), ["lag3", "region", "size", "promo", "temp_lag3"]);
    assert_eq!(spec.categorical(), [1]);
    let m = build(&p, &spec, &[(0, 2), (1, 7), (1, 8), (1, 9)]).unwrap_or_else(|e| panic!("{e}"));
    // promo alternates 0, 1 over 9 values per series; series 1 starts at value index 9
    assert_eq!(col(&m, "promo")[..3], [0.0, 0.0, 1.0]);
    assert!(col(&m, "promo")[3].is_nan(), "past what is known");
    assert_eq!(col(&m, "region"), [1.0, 0.0, 0.0, 0.0]);
    assert_eq!(col(&m, "size"), [2.5, 4.0, 4.0, 4.0]);
    let mut bare = p.clone();
    bare.dynamic.clear();
    let msg = build(&bare, &spec, &[(0, 1)]).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(msg.contains("promo"), "{msg}");
}
