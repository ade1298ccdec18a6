use serde_json::{Map, Value, json};
use tsforge_core::{Freq, TimeIndex};

use super::*;

/// Solves the square system `a x = b` by Gaussian elimination with partial pivoting.
fn solve(mut a: Vec<Vec<f64>>, mut b: Vec<f64>) -> Vec<f64> {
    let n = b.len();
    for k in 0..n {
        let piv = (k..n).max_by(|&i, &j| a[i][k].abs().total_cmp(&a[j][k].abs())).unwrap_or(k);
        a.swap(k, piv);
        b.swap(k, piv);
        for i in k + 1..n {
            let (top, rest) = a.split_at_mut(i);
            let (pivot, row) = (&top[k], &mut rest[0]);
            let f = row[k] / pivot[k];
            for (x, p) in row[k..].iter_mut().zip(&pivot[k..]) {
                *x -= f * p;
            }
            b[i] -= f * b[k];
        }
    }
    let mut x = vec![0.0; n];
    for k in (0..n).rev() {
        let s: f64 = (k + 1..n).map(|j| a[k][j] * x[j]).sum();
        x[k] = (b[k] - s) / a[k][k];
    }
    x
}

/// Column-major matrix from row-major rows.
fn matrix(names: &[&str], rows: &[Vec<f32>]) -> FeatureMatrix {
    let n = rows.len();
    let columns = (0..names.len()).flat_map(|j| rows.iter().map(move |r| r[j])).collect();
    FeatureMatrix { names: names.iter().map(|s| s.to_string()).collect(), n_rows: n, columns, rows: (0..n).map(|r| (0, r)).collect() }
}

/// The design of the test matrix, written out independently: numeric columns imputed
/// with their observed mean and z-scored; the category column one-hot over its observed
/// levels {0, 1, 2}, z-scored; the constant column dropped.
fn manual_design(train: &[Vec<f32>], row: &[f32]) -> Vec<f64> {
    let n = train.len() as f64;
    let mut out = Vec::new();
    for j in 0..2 {
        let seen: Vec<f64> = train.iter().map(|r| f64::from(r[j])).filter(|v| v.is_finite()).collect();
        let mean = seen.iter().sum::<f64>() / seen.len() as f64;
        let std = (seen.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / seen.len() as f64).sqrt();
        let v = f64::from(row[j]);
        out.push(if v.is_finite() { (v - mean) / std } else { 0.0 });
    }
    for level in [0.0f32, 1.0, 2.0] {
        let ind: Vec<f64> = train.iter().map(|r| f64::from(u8::from(r[3] == level))).collect();
        let mean = ind.iter().sum::<f64>() / n;
        let std = (ind.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
        out.push((f64::from(u8::from(row[3] == level)) - mean) / std);
    }
    out
}

fn synthetic() -> (Vec<Vec<f32>>, Vec<f64>) {
    let rows: Vec<Vec<f32>> = (0..60)
        .map(|i| {
            let a = if i % 11 == 0 { f32::NAN } else { (i as f32 * 0.37).sin() * 3.0 + 1.0 };
            let b = ((i * 7) % 13) as f32 - 4.0;
            vec![a, b, 5.0, (i % 3) as f32]
        })
        .collect();
    let y = rows.iter().enumerate().map(|(i, r)| 2.0 + 1.5 * f64::from(r[0]).max(0.0) - 0.7 * f64::from(r[1]) + f64::from(r[3]) + ((i * 31) % 7) as f64 * 0.1).collect();
    (rows, y)
}

#[test]
fn coefficients_are_the_closed_form_ridge_solution() {
    let (rows, y) = synthetic();
    let x = matrix(&["a", "b", "const", "cat"], &rows);
    let alpha = 2.5;
    let w = RidgeWeights::fit(&x, &[false, false, false, true], &y, alpha).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.design.columns.len(), 5);
    assert_eq!(w.design.dropped, vec!["const (constant)".to_string()]);

    // (ZᵀZ + αI)⁻¹ Zᵀ (y - ȳ), intercept ȳ
    let z: Vec<Vec<f64>> = rows.iter().map(|r| manual_design(&rows, r)).collect();
    let ybar = y.iter().sum::<f64>() / y.len() as f64;
    let p = 5;
    let mut a = vec![vec![0.0; p]; p];
    let mut b = vec![0.0; p];
    for (zr, yv) in z.iter().zip(&y) {
        for i in 0..p {
            for j in 0..p {
                a[i][j] += zr[i] * zr[j];
            }
            b[i] += zr[i] * (yv - ybar);
        }
    }
    for (i, row) in a.iter_mut().enumerate() {
        row[i] += alpha;
    }
    let expected = solve(a, b);
    assert!((w.intercept - ybar).abs() < 1e-12);
    for (got, want) in w.coefficients.iter().zip(&expected) {
        assert!((got - want).abs() < 1e-9, "coefficients {:?} vs closed form {expected:?}", w.coefficients);
    }

    // prediction applies the same imputation, encoding and scaling: a missing value, an
    // unseen category (3) and the training rows themselves
    let new_rows = vec![vec![f32::NAN, 2.0, 9.0, 3.0], vec![0.5, -1.0, 5.0, 1.0], rows[7].clone()];
    let pred = w.predict(&matrix(&["a", "b", "const", "cat"], &new_rows)).unwrap_or_else(|e| panic!("{e}"));
    for (r, got) in new_rows.iter().zip(&pred) {
        let want = ybar + manual_design(&rows, r).iter().zip(&expected).map(|(z, c)| z * c).sum::<f64>();
        assert!((got - want).abs() < 1e-9, "{got} vs {want}");
    }
    // a larger penalty shrinks the coefficients
    let w10 = RidgeWeights::fit(&x, &[false, false, false, true], &y, 1e4).unwrap_or_else(|e| panic!("{e}"));
    let norm = |c: &[f64]| c.iter().map(|v| v * v).sum::<f64>();
    assert!(norm(&w10.coefficients) < 0.1 * norm(&w.coefficients));
}

#[test]
fn too_many_categories_are_dropped_and_too_few_rows_are_an_error() {
    let rows: Vec<Vec<f32>> = (0..40).map(|i| vec![i as f32, (i % 20) as f32]).collect();
    let x = matrix(&["n", "item"], &rows);
    let y: Vec<f64> = (0..40).map(f64::from).collect();
    let w = RidgeWeights::fit(&x, &[false, true], &y, 1.0).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(w.design.columns.len(), 1);
    assert!(w.design.dropped[0].starts_with("item (20 categories)"));
    let few = matrix(&["n", "item"], &rows[..2]);
    let e = RidgeWeights::fit(&few, &[false, false], &y[..2], 1.0).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(e.contains("more rows than columns"), "{e}");
}

/// Quarterly series with a per-series scale, trend and season:
/// `y_t = c (50 + 0.5 t + s[t mod 4])`, so `y_t = y_{t-4} + 2 (mean_4 - mean_8)` exactly
/// with both means shifted by 4: a linear function of the direct features at horizon 4.
fn trend_panel(n: usize, t: usize) -> Panel {
    let s = [3.0, -1.0, 4.0, -6.0];
    let y = (0..n).flat_map(|i| (0..t).map(move |p| (1.0 + i as f32) * (50.0 + 0.5 * p as f32 + s[p % 4]))).collect();
    let index = TimeIndex::Dates { start_days: 0, freq: Freq::Quarterly, len: t };
    Panel::dense((0..n).map(|i| format!("s{i}")).collect(), index, y).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn ridge_direct_forecasts_a_linear_pattern() {
    let (n, t, h) = (5, 120, 4);
    let full = trend_panel(n, t + h);
    let train = full.truncated(t).unwrap_or_else(|e| panic!("{e}"));
    let params = RidgeParams { alpha: 0.01, train_days: 100 };
    let model = RidgeDirect::any_panel(h, 4, params).unwrap_or_else(|e| panic!("{e}"));
    let ctx = FitContext::new(h);
    let fitted = model.fit(&train, &ctx).unwrap_or_else(|e| panic!("{e}"));
    let f = fitted.predict(h).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..n {
        for d in 0..h {
            let truth = f64::from(full.row(i)[t + d]);
            let got = f.row(i)[d];
            assert!((got - truth).abs() < 0.01 * truth, "series {i} step {d}: {got} vs {truth}");
        }
    }

    // deterministic, and the saved model forecasts the same from the same history
    let again = model.fit(&train, &ctx).unwrap_or_else(|e| panic!("{e}"));
    let json = fitted.to_json().unwrap_or_else(|| panic!("no saved model"));
    assert_eq!(again.to_json().as_deref(), Some(json.as_str()));
    let saved = restore(&json).unwrap_or_else(|e| panic!("{e}"));
    let r = saved.forecast(&train, h, &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(r.values, f.values);
    assert!(saved.forecast(&train, h + 1, &[]).is_err());
}

#[test]
fn forecasts_are_clipped_at_zero_only_for_non_negative_data() {
    // a falling line that crosses zero right after the end of the training data
    let t = 60;
    let fall = |sign: f32| {
        let y: Vec<f32> = (0..2).flat_map(|i| (0..t).map(move |p| (1.0 + i as f32) * (t as f32 - p as f32 - 0.5).max(0.0) + sign)).collect();
        Panel::dense(vec!["a".into(), "b".into()], TimeIndex::Periods { start: 0, len: t }, y).unwrap_or_else(|e| panic!("{e}"))
    };
    let model = RidgeDirect::any_panel(3, 1, RidgeParams::default()).unwrap_or_else(|e| panic!("{e}"));
    let ctx = FitContext::new(3);
    let clipped = model.fit(&fall(0.0), &ctx).and_then(|m| m.predict(3)).unwrap_or_else(|e| panic!("{e}"));
    assert!(clipped.values.iter().all(|&v| v >= 0.0), "{:?}", clipped.values);
    let free = model.fit(&fall(-1.0), &ctx).and_then(|m| m.predict(3)).unwrap_or_else(|e| panic!("{e}"));
    assert!(free.values.iter().any(|&v| v < 0.0), "{:?}", free.values);
}

#[test]
fn catalog_entry_builds_and_checks_its_params() {
    let entry = catalog().into_iter().find(|e| e.alias == RIDGE_DIRECT).unwrap_or_else(|| panic!("no {RIDGE_DIRECT}"));
    assert_eq!(entry.family, "linear");
    assert!(!entry.seeded && !entry.default && entry.search == Some(SearchResource::None));
    assert_eq!(entry.saved.as_ref().map(|s| s.format.as_str()), Some(RIDGE_FORMAT));
    let map = |v: Value| v.as_object().cloned().unwrap_or_else(Map::new);
    for retail in [true, false] {
        let keys = map(json!({"alpha": 3.0, "train_days": 200}));
        let spec = BuildSpec { params: &keys, ..BuildSpec::plain("ridge-t1", 28, 7, retail) };
        assert_eq!(entry.build(&spec).map(|m| (m.alias().to_string(), m.family().to_string())).ok(), Some(("ridge-t1".into(), "linear".into())));
    }
    for (bad, needle) in [(json!({"alhpa": 1.0}), "alhpa"), (json!({"alpha": -1.0}), "alpha"), (json!({"alpha": "big"}), "alpha"), (json!({"train_days": 0}), "train_days")] {
        let keys = map(bad);
        let spec = BuildSpec { params: &keys, ..BuildSpec::plain(RIDGE_DIRECT, 8, 4, false) };
        let e = entry.build(&spec).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains(needle), "{e}");
    }
}

#[test]
fn m5_features_fit_with_categories_one_hot() {
    let (n, t, h) = (6, 200, 14);
    let full = crate::grouped::tests::m5_panel(n, t + h, 2, crate::grouped::tests::weekly);
    let train = full.truncated(t).unwrap_or_else(|e| panic!("{e}"));
    let model = RidgeDirect::m5(h, RidgeParams::default()).unwrap_or_else(|e| panic!("{e}"));
    let fitted = model.fit(&train, &FitContext::new(h)).unwrap_or_else(|e| panic!("{e}"));
    let f = fitted.predict(h).unwrap_or_else(|e| panic!("{e}"));
    assert!(f.values.iter().all(|v| v.is_finite() && *v >= 0.0));
    let bundle = RidgeBundle::from_json(&fitted.to_json().unwrap_or_default()).unwrap_or_else(|e| panic!("{e}"));
    let names: Vec<&str> = bundle.weights.design.columns.iter().map(|c| c.name.as_str()).collect();
    assert!(names.iter().any(|c| c.starts_with("store_id=")) && names.iter().any(|c| c.starts_with("day_of_week=")), "{names:?}");
    // every series' mean absolute error is below its mean level (a weekly cycle is learnable)
    for i in 0..n {
        let truth = &full.row(i)[t..t + h];
        let mae = f.row(i).iter().zip(truth).map(|(a, &b)| (a - f64::from(b)).abs()).sum::<f64>() / h as f64;
        let level = truth.iter().map(|&v| f64::from(v)).sum::<f64>() / h as f64;
        assert!(mae < 0.5 * level, "series {i}: mae {mae}, level {level}");
    }
}
