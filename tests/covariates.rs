//! Covariates on long-format data (issue: global models on long-format panels): a
//! known-in-advance column declared in `[columns] future` reaches the GBDT models and
//! the hurdle, its forecast-period values come from rows past each series' last `y`,
//! and a declared column that is missing or not numeric is exit 2 naming it.

use std::collections::HashMap;
use std::path::Path;

use crate::common::{read_csv, stderr, tempdir, tsforge};

const SERIES: usize = 24;
const HISTORY: usize = 56;
const HORIZON: usize = 7;

/// Promotion flag of series `i` on day `t`: about one day in four, scattered by a hash
/// so that no lag or date feature predicts it.
fn promo(i: usize, t: usize) -> u32 {
    let h = (i as u64 * 2_654_435_761 + t as u64 * 40_503).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    u32::from((h >> 33).is_multiple_of(4))
}

/// Sales: a level per series (30..52) plus 20 on promotion days.
fn sales(i: usize, t: usize) -> u32 {
    30 + 2 * (i as u32 % 12) + 20 * promo(i, t)
}

fn day(t: usize) -> String {
    // 2021-03-01 + t days (March has 31, April 30, May 31)
    let (m, d) = match t {
        0..=30 => (3, t + 1),
        31..=60 => (4, t - 30),
        _ => (5, t - 60),
    };
    format!("2021-{m:02}-{d:02}")
}

/// The panel with `future` rows after the history (y empty, promo known) when asked.
fn write_panel(path: &Path, future: bool) {
    let mut text = String::from("unique_id,ds,y,promo,region\n");
    for i in 0..SERIES {
        let region = ["north", "south", "east"][i % 3];
        for t in 0..HISTORY {
            text += &format!("s{i},{},{},{},{region}\n", day(t), sales(i, t), promo(i, t));
        }
        if future {
            for t in HISTORY..HISTORY + HORIZON {
                text += &format!("s{i},{},,{},{region}\n", day(t), promo(i, t));
            }
        }
    }
    std::fs::write(path, text).unwrap_or_else(|e| panic!("{e}"));
}

/// Mean absolute error of every model's forecast of the horizon against the truth;
/// checks the forecast dates on the way.
fn errors(run: &Path) -> HashMap<String, f64> {
    let fc = read_csv(&run.join("submission.csv"));
    assert_eq!(fc.len(), SERIES * HORIZON);
    let mut out = HashMap::new();
    for alias in ["GBDT-Tweedie-direct", "GBDT-Tweedie-recursive7", "GBDT-Hurdle", "Naive"] {
        let rows = read_csv(&run.join(format!("forecasts/{alias}.csv")));
        let mut total = 0.0;
        for (k, r) in rows.iter().enumerate() {
            let (i, d) = (k / HORIZON, k % HORIZON);
            assert_eq!((r["unique_id"].as_str(), r["ds"].as_str()), (format!("s{i}").as_str(), day(HISTORY + d).as_str()), "{alias} row {k}");
            let v: f64 = r[alias].parse().unwrap_or(f64::NAN);
            total += (v - f64::from(sales(i, HISTORY + d))).abs();
        }
        out.insert(alias.to_string(), total / rows.len() as f64);
    }
    out
}

#[test]
fn a_known_future_covariate_drives_the_global_models() {
    let dir = tempdir();
    write_panel(&dir.path().join("with.csv"), true);
    write_panel(&dir.path().join("without.csv"), false);
    let models = "--models=Naive,GBDT-Tweedie-direct,GBDT-Tweedie-recursive7,GBDT-Hurdle";
    let common = ["--horizon", "7", "--phase", "evaluation", models, "--quiet"];
    let with = tsforge(&[&["run", "--data", "with.csv", "--out", "a", r#"columns.future=["promo"]"#, r#"columns.static=["region"]"#][..], &common[..]].concat(), dir.path());
    assert!(with.status.success(), "{}", stderr(&with));
    let without = tsforge(&[&["run", "--data", "without.csv", "--out", "b"][..], &common[..]].concat(), dir.path());
    assert!(without.status.success(), "{}", stderr(&without));
    let (a, b) = (errors(&dir.path().join("a")), errors(&dir.path().join("b")));
    // the promotion moves sales by 20: without it a model misses ~10 per day on average
    for alias in ["GBDT-Tweedie-direct", "GBDT-Tweedie-recursive7", "GBDT-Hurdle"] {
        assert!(a[alias] < 0.5 * b[alias], "{alias}: MAE {:.2} with promo, {:.2} without (all: {a:?} / {b:?})", a[alias], b[alias]);
    }
    // the statistical models ignore covariates
    assert!((a["Naive"] - b["Naive"]).abs() < 1e-9);
    let importance = std::fs::read_to_string(dir.path().join("a/feature_importance.csv")).unwrap_or_default();
    assert!(importance.contains("promo") && importance.contains("region"), "{importance}");
}

#[test]
fn declared_columns_must_exist_and_be_numbers() {
    let dir = tempdir();
    write_panel(&dir.path().join("p.csv"), false);
    let run = |args: &[&str]| tsforge(&[&["run", "--data", "p.csv", "--horizon", "7", "--models", "Naive", "--out", "r", "--quiet"][..], args].concat(), dir.path());
    for (set, needles) in [
        (r#"columns.future=["price"]"#, &["p.csv", "column 'price'", "missing"][..]),
        (r#"columns.past=["region"]"#, &["p.csv", "line 2, column 'region'", "'north' is not a number"][..]),
        (r#"columns.static=["promo"]"#, &["p.csv", "column 'promo'", "changes within series 's0'"][..]),
    ] {
        let out = run(&[set]);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{set}: {err}");
        assert!(needles.iter().all(|n| err.contains(n)), "{set}: {err}");
        assert!(!dir.path().join("r").exists());
    }
}

/// Forecasting after the data with a declared future column needs its values there.
#[test]
fn the_forecast_periods_need_the_future_values() {
    let dir = tempdir();
    write_panel(&dir.path().join("p.csv"), false);
    let out = tsforge(&["run", "--data", "p.csv", "--horizon", "7", "--phase", "evaluation", "--models", "Naive", "--out", "r", "--quiet", r#"columns.future=["promo"]"#], dir.path());
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains("column 'promo'") && err.contains("series 's0' at 2021-04-26"), "{err}");
}
