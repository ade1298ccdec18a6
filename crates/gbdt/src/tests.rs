//! End-to-end tests of training and prediction.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::*;

/// Random column-major data: y depends on columns 0 and 1; 5% NaN everywhere.
fn synth(n: usize, nf: usize, seed: u64) -> (Vec<f32>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let x: Vec<f32> = (0..n * nf).map(|_| if rng.random::<f64>() < 0.05 { f32::NAN } else { rng.random::<f32>() }).collect();
    let y = (0..n)
        .map(|i| {
            let a = if x[i].is_nan() { 0.5 } else { f64::from(x[i]) };
            let b = if x[n + i].is_nan() { 0.5 } else { f64::from(x[n + i]) };
            3.0 * a + (6.0 * b).sin() + 0.1 * rng.random::<f64>()
        })
        .collect();
    (x, y)
}

fn p() -> GbdtParams {
    GbdtParams::default()
}

#[test]
fn single_split_recovers_the_two_means() {
    let n = 100;
    let x: Vec<f32> = (0..n).map(|i| i as f32).collect();
    let y: Vec<f64> = (0..n).map(|i| if i < 50 { 1.0 } else { 3.0 }).collect();
    let d = Dataset::new(&x, n, 1, &y).unwrap();
    let params = GbdtParams { num_leaves: 2, num_iterations: 1, learning_rate: 1.0, min_data_in_leaf: 1, ..p() };
    let b = params.validate().unwrap().fit(&d, None).unwrap();
    assert_eq!(b.num_trees(), 1);
    assert!((b.init_score() - 2.0).abs() < 1e-12);
    let t = &b.trees()[0];
    assert_eq!(t.num_leaves(), 2);
    assert!(t.threshold[0] > 49.0 && t.threshold[0] < 50.0, "{}", t.threshold[0]);
    let pred = b.predict(&x, n, 1).unwrap();
    for (i, v) in pred.iter().enumerate() {
        assert!((v - y[i]).abs() < 1e-9, "row {i}: {v}");
    }
}

#[test]
fn log_link_fits_keep_the_label_mean_on_constant_features() {
    let n = 50;
    let x = vec![1.0f32; n];
    let y: Vec<f64> = (0..n).map(|i| (i % 4) as f64).collect();
    let mean = y.iter().sum::<f64>() / n as f64;
    for obj in [Objective::Poisson, Objective::Tweedie] {
        let d = Dataset::new(&x, n, 1, &y).unwrap();
        let b = GbdtParams { objective: obj, ..p() }.validate().unwrap().fit(&d, None).unwrap();
        let pred = b.predict(&x, n, 1).unwrap();
        let pm = pred.iter().sum::<f64>() / n as f64;
        assert!((pm - mean).abs() < 1e-9, "{obj:?}: {pm} vs {mean}");
        assert!((b.init_score() - mean.ln()).abs() < 1e-12);
    }
}

#[test]
fn poisson_fit_tracks_mean_on_informative_features() {
    let (n, nf) = (2000, 3);
    let (x, yc) = synth(n, nf, 3);
    let y: Vec<f64> = yc.iter().map(|v| v.max(0.0).round()).collect();
    let d = Dataset::new(&x, n, nf, &y).unwrap();
    for obj in [Objective::Poisson, Objective::Tweedie] {
        let b = GbdtParams { objective: obj, num_iterations: 50, ..p() }.validate().unwrap().fit(&d, None).unwrap();
        let pred = b.predict(&x, n, nf).unwrap();
        let pm = pred.iter().sum::<f64>() / n as f64;
        let ym = y.iter().sum::<f64>() / n as f64;
        assert!((pm - ym).abs() < 0.05 * ym, "{obj:?}: {pm} vs {ym}");
        assert!(pred.iter().all(|v| *v > 0.0));
    }
}

#[test]
fn l2_fit_reduces_error() {
    let (n, nf) = (3000, 5);
    let (x, y) = synth(n, nf, 7);
    let d = Dataset::new(&x, n, nf, &y).unwrap();
    let b = p().validate().unwrap().fit(&d, None).unwrap();
    let pred = b.predict(&x, n, nf).unwrap();
    let mean = y.iter().sum::<f64>() / n as f64;
    let var: f64 = y.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
    let mse: f64 = pred.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / n as f64;
    assert!(mse < 0.1 * var, "mse {mse} var {var}");
    let gain = b.feature_importance(ImportanceType::Gain);
    assert!(gain[0] > gain[2] && gain[1] > gain[2], "{gain:?}");
    let split = b.feature_importance(ImportanceType::Split);
    assert_eq!(split.iter().sum::<f64>() as usize, b.trees().iter().map(|t| t.num_leaves() - 1).sum::<usize>());
}

#[test]
fn binary_classifies() {
    let (n, nf) = (2000, 3);
    let (x, yc) = synth(n, nf, 11);
    let med = {
        let mut s = yc.clone();
        s.sort_by(f64::total_cmp);
        s[n / 2]
    };
    let y: Vec<f64> = yc.iter().map(|&v| if v > med { 1.0 } else { 0.0 }).collect();
    let d = Dataset::new(&x, n, nf, &y).unwrap();
    let b = GbdtParams { objective: Objective::Binary, num_iterations: 50, ..p() }.validate().unwrap().fit(&d, None).unwrap();
    let pred = b.predict(&x, n, nf).unwrap();
    assert!(pred.iter().all(|&v| (0.0..=1.0).contains(&v)));
    let acc = pred.iter().zip(&y).filter(|(p, y)| (**p > 0.5) == (**y > 0.5)).count() as f64 / n as f64;
    assert!(acc > 0.85, "{acc}");
}

#[test]
fn missing_values_learn_a_direction() {
    // NaN rows have the high label: the split must send them right.
    let n = 300;
    let x: Vec<f32> = (0..n).map(|i| if i % 3 == 0 { f32::NAN } else { (i % 100) as f32 }).collect();
    let y: Vec<f64> = x
        .iter()
        .map(|v| {
            if v.is_nan() {
                10.0
            } else if *v < 50.0 {
                0.0
            } else {
                1.0
            }
        })
        .collect();
    let d = Dataset::new(&x, n, 1, &y).unwrap();
    let params = GbdtParams { num_iterations: 30, learning_rate: 0.5, min_data_in_leaf: 5, ..p() };
    let b = params.validate().unwrap().fit(&d, None).unwrap();
    let pred = b.predict(&[f32::NAN, 10.0, 80.0], 3, 1).unwrap();
    assert!((pred[0] - 10.0).abs() < 0.1 && pred[1].abs() < 0.1 && (pred[2] - 1.0).abs() < 0.1, "{pred:?}");
}

#[test]
fn deterministic_for_seed_and_threads() {
    let (n, nf) = (20_000, 6);
    let (x, y) = synth(n, nf, 5);
    let d = Dataset::new(&x, n, nf, &y).unwrap();
    let fit = |seed, threads| {
        let params = GbdtParams { num_iterations: 20, bagging_fraction: 0.7, bagging_freq: 1, feature_fraction: 0.7, seed, num_threads: threads, ..p() };
        params.validate().unwrap().fit(&d, None).unwrap().to_json().unwrap()
    };
    let a = fit(42, 1);
    assert_eq!(a, fit(42, 1));
    assert_eq!(a, fit(42, 2));
    assert_ne!(a, fit(43, 1));
}

#[test]
fn early_stopping_stops_and_keeps_best() {
    let (n, nf) = (1000, 4);
    let (x, y) = synth(n, nf, 1);
    let (vx, vy) = synth(500, nf, 2);
    let d = Dataset::new(&x, n, nf, &y).unwrap();
    let v = Dataset::new(&vx, 500, nf, &vy).unwrap();
    let params = GbdtParams { num_iterations: 2000, learning_rate: 0.3, min_data_in_leaf: 2, early_stopping_rounds: Some(10), ..p() };
    let b = params.validate().unwrap().fit(&d, Some(&v)).unwrap();
    let best = b.best_iteration().unwrap();
    assert_eq!(b.num_trees(), best);
    assert!(b.valid_loss().len() < 2000 && b.valid_loss().len() == best + 10, "{} {best}", b.valid_loss().len());
    let min = b.valid_loss().iter().copied().fold(f64::INFINITY, f64::min);
    assert_eq!(b.valid_loss()[best - 1], min);
    // the kept model reproduces the best validation loss
    let pred = b.predict_raw(&vx, 500, nf).unwrap();
    let mse = pred.iter().zip(&vy).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / 500.0;
    assert!((mse - min).abs() < 1e-9 * (1.0 + min));
    // early stopping without a validation set is an error
    assert!(matches!(params.validate().unwrap().fit(&d, None), Err(GbdtError::InvalidParam { .. })));
}

#[test]
fn save_load_round_trip_is_exact() {
    let (n, nf) = (2000, 4);
    let (x, y) = synth(n, nf, 9);
    let d = Dataset::new(&x, n, nf, &y).unwrap();
    for obj in [Objective::L2, Objective::Tweedie] {
        let y2: Vec<f64> = y.iter().map(|v| v.abs()).collect();
        let d2 = Dataset::new(&x, n, nf, &y2).unwrap();
        let data = if obj == Objective::L2 { &d } else { &d2 };
        let b = GbdtParams { objective: obj, num_iterations: 30, lambda_l1: 0.1, lambda_l2: 1.0, ..p() }.validate().unwrap().fit(data, None).unwrap();
        let b = b.with_feature_names((0..nf).map(|i| format!("lag{i}")).collect()).unwrap();
        let json = b.to_json().unwrap();
        let l = Booster::from_json(&json).unwrap();
        assert_eq!(l.feature_names()[3], "lag3");
        assert_eq!(l, b);
        let (pa, pb) = (b.predict(&x, n, nf).unwrap(), l.predict(&x, n, nf).unwrap());
        assert!(pa.iter().zip(&pb).all(|(a, b)| a.to_bits() == b.to_bits()));
        assert_eq!(l.to_json().unwrap(), json);
    }
    assert!(Booster::from_json("{}").is_err());
    assert!(Booster::from_json("not json").is_err());
}

#[test]
fn max_depth_is_respected() {
    let (n, nf) = (2000, 4);
    let (x, y) = synth(n, nf, 4);
    let d = Dataset::new(&x, n, nf, &y).unwrap();
    let b = GbdtParams { max_depth: Some(2), num_iterations: 5, ..p() }.validate().unwrap().fit(&d, None).unwrap();
    assert!(b.trees().iter().all(|t| t.num_leaves() <= 4));
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let v = GbdtParams::default().validate().unwrap();
    assert!(matches!(Dataset::new(&[], 0, 3, &[]), Err(GbdtError::Empty { .. })));
    assert!(matches!(Dataset::new(&[1.0], 1, 0, &[1.0]), Err(GbdtError::Empty { .. })));
    assert!(matches!(Dataset::new(&[1.0, 2.0], 1, 1, &[1.0]), Err(GbdtError::Shape { .. })));
    assert!(matches!(Dataset::new(&[1.0, 2.0], 2, 1, &[1.0]), Err(GbdtError::Shape { .. })));
    let d = Dataset::new(&[1.0, 2.0], 2, 1, &[1.0, 2.0]).unwrap();
    assert!(matches!(d.with_weights(&[1.0]), Err(GbdtError::Shape { .. })));
    assert!(matches!(v.fit(&d.with_weights(&[1.0, f64::NAN]).unwrap(), None), Err(GbdtError::InvalidWeight { .. })));
    let nan_y = Dataset::new(&[1.0, 2.0], 2, 1, &[1.0, f64::NAN]).unwrap();
    assert!(matches!(v.fit(&nan_y, None), Err(GbdtError::InvalidLabel { .. })));
    // all-NaN features train (constant model) without panicking
    let x = vec![f32::NAN; 100];
    let y: Vec<f64> = (0..100).map(f64::from).collect();
    let b = v.fit(&Dataset::new(&x, 100, 1, &y).unwrap(), None).unwrap();
    assert!((b.predict(&[f32::NAN, 1.0], 2, 1).unwrap()[0] - 49.5).abs() < 1e-9);
    // prediction checks shape
    assert!(matches!(b.predict(&[1.0, 2.0], 1, 2), Err(GbdtError::FeatureCount { .. })));
    assert!(matches!(b.predict(&[1.0, 2.0], 1, 1), Err(GbdtError::Shape { .. })));
    assert!(b.predict(&[], 0, 1).unwrap().is_empty());
    // infinities are ordinary values
    let xi = [f32::INFINITY, f32::NEG_INFINITY, 0.0, 1.0];
    let bi = GbdtParams { min_data_in_leaf: 1, ..p() }.validate().unwrap().fit(&Dataset::new(&xi, 4, 1, &[1.0, 2.0, 3.0, 4.0]).unwrap(), None).unwrap();
    assert!(bi.predict(&xi, 4, 1).unwrap().iter().all(|v| v.is_finite()));
}

#[test]
fn weights_change_the_init_score() {
    let x = [1.0f32; 4];
    let y = [0.0, 0.0, 1.0, 1.0];
    let w = [1.0, 1.0, 3.0, 3.0];
    let d = Dataset::new(&x, 4, 1, &y).unwrap().with_weights(&w).unwrap();
    let b = GbdtParams::default().validate().unwrap().fit(&d, None).unwrap();
    assert!((b.init_score() - 0.75).abs() < 1e-12);
}

fn categorical_data(n: usize, n_cat: usize, seed: u64) -> (Vec<f32>, Vec<f64>, Vec<f64>) {
    let mut rng = StdRng::seed_from_u64(seed);
    let effect: Vec<f64> = (0..n_cat).map(|_| rng.random::<f64>() * 10.0).collect();
    // column 0: category id (non-contiguous ids), column 1: noise
    let mut x = vec![0f32; n * 2];
    let mut y = vec![0f64; n];
    for i in 0..n {
        let c = i % n_cat;
        x[i] = (c * 3 + 1) as f32;
        x[n + i] = rng.random::<f32>();
        y[i] = effect[c] + 0.01 * rng.random::<f64>();
    }
    (x, y, effect)
}

#[test]
fn categorical_splits_fit_category_means() {
    for n_cat in [3usize, 20] {
        let n = 200 * n_cat;
        let (x, y, effect) = categorical_data(n, n_cat, 21);
        let d = Dataset::new(&x, n, 2, &y).unwrap();
        let params = GbdtParams { categorical_features: vec![0], num_iterations: 100, num_leaves: 8, ..p() };
        let b = params.validate().unwrap().fit(&d, None).unwrap();
        assert!(b.trees().iter().any(|t| t.cat_index.iter().any(|&c| c >= 0)));
        let pred = b.predict(&x, n, 2).unwrap();
        for i in 0..n_cat {
            assert!((pred[i] - effect[i]).abs() < 0.1, "n_cat {n_cat} cat {i}: {} vs {}", pred[i], effect[i]);
        }
        // NaN, negative, fractional and unseen categories are fine
        let odd = [f32::NAN, -1.0, 2.5, 1000.0, 0.5, 0.5, 0.5, 0.5];
        assert!(b.predict(&odd, 4, 2).unwrap().iter().all(|v| v.is_finite()));
        let l = Booster::from_json(&b.to_json().unwrap()).unwrap();
        assert_eq!(l.predict(&x, n, 2).unwrap(), pred);
    }
    // the same data as numerical needs more splits to get there; categorical handling is tested above
    let bad = GbdtParams { categorical_features: vec![5], ..p() };
    let (x, y, _) = categorical_data(100, 3, 1);
    let d = Dataset::new(&x, 100, 2, &y).unwrap();
    assert!(matches!(bad.validate().unwrap().fit(&d, None), Err(GbdtError::InvalidParam { .. })));
    assert!(GbdtParams { categorical_features: vec![0, 0], ..p() }.validate().is_err());
}

mod props {
    use super::*;
    use crate::binning::{BinnedMatrix, fit_mappers};
    use proptest::prelude::*;

    fn value() -> impl Strategy<Value = f32> {
        prop_oneof![Just(f32::NAN), Just(f32::INFINITY), Just(f32::NEG_INFINITY), Just(-1.0f32), Just(0.5f32), (0u8..12).prop_map(f32::from), -100.0f32..100.0,]
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]
        /// Training routes rows by bin codes, prediction by raw values: both must reach the same
        /// leaf for every training row, and the JSON round trip must be exact.
        #[test]
        fn binned_and_raw_routing_agree(
            n in 20usize..120,
            nf in 1usize..4,
            cat0 in any::<bool>(),
            seed in any::<u64>(),
            vals in proptest::collection::vec(value(), 480),
        ) {
            let x: Vec<f32> = (0..n * nf).map(|i| vals[(i * 7 + seed as usize % 13) % vals.len()]).collect();
            let y: Vec<f64> = (0..n).map(|i| ((i * 31 + seed as usize) % 17) as f64).collect();
            let cats = if cat0 { vec![0] } else { vec![] };
            let params = GbdtParams {
                num_iterations: 5, min_data_in_leaf: 1, num_leaves: 6, max_cat_to_onehot: 2,
                min_data_per_group: 1, cat_smooth: 1.0, categorical_features: cats.clone(),
                bagging_fraction: 0.8, bagging_freq: 1, feature_fraction: 0.7, seed, ..GbdtParams::default()
            };
            let b = params.validate().unwrap().fit(&Dataset::new(&x, n, nf, &y).unwrap(), None).unwrap();
            let is_cat: Vec<bool> = (0..nf).map(|f| cats.contains(&f)).collect();
            let mappers = fit_mappers(&x, n, nf, 255, 200_000, &is_cat);
            let bins = BinnedMatrix::build(&x, n, &mappers);
            for t in b.trees() {
                for i in 0..n {
                    prop_assert_eq!(t.leaf_raw(|f| x[f * n + i]), t.leaf_binned(|f| bins.bins[f * n + i]));
                }
            }
            let l = Booster::from_json(&b.to_json().unwrap()).unwrap();
            let (pa, pb) = (b.predict_raw(&x, n, nf).unwrap(), l.predict_raw(&x, n, nf).unwrap());
            prop_assert!(pa.iter().zip(&pb).all(|(a, c)| a.to_bits() == c.to_bits()));
        }
    }
}

#[test]
fn feature_fraction_limits_each_tree_to_sampled_features() {
    let (n, nf) = (2000, 4);
    let (x, y) = synth(n, nf, 8);
    let d = Dataset::new(&x, n, nf, &y).unwrap();
    let b = GbdtParams { feature_fraction: 0.25, num_iterations: 20, ..p() }.validate().unwrap().fit(&d, None).unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for t in b.trees() {
        let fs: std::collections::BTreeSet<u32> = t.split_feature.iter().copied().collect();
        assert_eq!(fs.len(), 1, "one feature per tree");
        seen.extend(fs);
    }
    assert!(seen.len() > 1, "different trees sample different features");
}

#[test]
fn bagging_changes_the_model_but_still_fits() {
    let (n, nf) = (3000, 4);
    let (x, y) = synth(n, nf, 12);
    let d = Dataset::new(&x, n, nf, &y).unwrap();
    let plain = p().validate().unwrap().fit(&d, None).unwrap();
    let bagged = GbdtParams { bagging_fraction: 0.5, bagging_freq: 2, ..p() }.validate().unwrap().fit(&d, None).unwrap();
    assert_ne!(plain.to_json().unwrap(), bagged.to_json().unwrap());
    let mse = |b: &Booster| {
        let pr = b.predict(&x, n, nf).unwrap();
        pr.iter().zip(&y).map(|(a, c)| (a - c).powi(2)).sum::<f64>() / n as f64
    };
    assert!(mse(&bagged) < 1.5 * mse(&plain) + 0.01, "{} vs {}", mse(&bagged), mse(&plain));
}
