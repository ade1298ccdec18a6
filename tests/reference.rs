//! Scores on the shipped m5-tiny data against numbers computed independently with
//! pandas (bench/reference_metrics.py → bench/reference/m5_tiny_metrics.json).

use serde_json::Value;
use tsforge_core::Hierarchy;
use tsforge_core::metrics::{M5_QUANTILES, M5Evaluator};

use crate::common::{read_csv, repo_root, tempdir, tsforge};

fn reference() -> Value {
    let path = repo_root().join("bench/reference/m5_tiny_metrics.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"))
}

fn close(got: f64, want: f64, what: &str) {
    assert!((got - want).abs() <= 1e-6 * want.abs().max(1.0), "{what}: tsforge {got} vs reference {want}");
}

fn num(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

/// `tsforge run` with no arguments scores Naive and SeasonalNaive on d_1914..d_1941
/// exactly as the pandas reference does: WRMSSE, its 12 levels and the bottom metrics.
#[test]
fn quickstart_leaderboard_matches_pandas_reference() {
    let dir = tempdir();
    let out = tsforge(&["run", "--quiet", "--out", "run", "--models", "Naive,SeasonalNaive"], dir.path());
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows = read_csv(&dir.path().join("run/leaderboard.csv"));
    let reference = reference();
    for alias in ["Naive", "SeasonalNaive"] {
        let row = rows.iter().find(|r| r["alias"] == alias).unwrap_or_else(|| panic!("{alias} missing from the leaderboard"));
        let want = &reference["models"][alias];
        let parse = |c: &str| row[c].parse::<f64>().unwrap_or_else(|e| panic!("{alias} {c}: {e}"));
        close(parse("wrmsse"), num(&want["wrmsse"]), &format!("{alias} WRMSSE"));
        for l in 1..=12 {
            close(parse(&format!("level_{l}")), num(&want["levels"][l - 1]), &format!("{alias} level {l}"));
        }
        for m in ["mae", "rmse", "bias", "smape", "mase"] {
            close(parse(m), num(&want["bottom"][m]), &format!("{alias} {m}"));
        }
        close(parse("rmsse"), num(&want["bottom"]["rmsse_mean"]), &format!("{alias} mean RMSSE"));
    }
    assert_eq!(rows[0]["alias"], "SeasonalNaive");
    assert_eq!(rows[0]["rank"], "1");
}

/// numpy's default (linear) quantile.
fn quantile(sorted: &[f64], u: f64) -> f64 {
    let pos = u * (sorted.len() - 1) as f64;
    let lo = pos.floor() as usize;
    let hi = (lo + 1).min(sorted.len() - 1);
    sorted[lo] + (pos - lo as f64) * (sorted[hi] - sorted[lo])
}

/// WSPL of the "empirical quantiles of the last 28 days" forecast, every level.
#[test]
fn wspl_matches_pandas_reference() {
    let sources = tsforge_data::registry::shipped("m5-tiny").and_then(Result::ok).unwrap_or_else(|| panic!("m5-tiny is shipped"));
    let data = tsforge_data::m5::load(&sources).unwrap_or_else(|e| panic!("{e}"));
    let (train, actual) = data.panel.truncated(1941).and_then(|p| p.holdout(28)).unwrap_or_else(|e| panic!("{e}"));
    let attrs = train.attrs.clone().unwrap_or_default();
    let ev = M5Evaluator::from_panel(&train, Hierarchy::m5(&attrs), 28).unwrap_or_else(|e| panic!("{e}"));
    let t = train.n_time();
    let last28 = train.window_values(t - 28, t);
    let quantiles: Vec<Vec<f64>> = (0..12)
        .map(|level| {
            let agg = ev.hierarchy().aggregate(level, &last28, 28);
            agg.chunks(28)
                .flat_map(|series| {
                    let mut s = series.to_vec();
                    s.sort_by(f64::total_cmp);
                    M5_QUANTILES.iter().flat_map(move |&u| std::iter::repeat_n(quantile(&s, u), 28)).collect::<Vec<_>>()
                })
                .collect()
        })
        .collect();
    let got = ev.wspl(&actual, &quantiles).unwrap_or_else(|e| panic!("{e}"));
    let want = &reference()["wspl"];
    close(got.total, num(&want["wspl"]), "WSPL");
    for l in 0..12 {
        close(got.levels[l], num(&want["levels"][l]), &format!("WSPL level {}", l + 1));
    }
    // Weights of the first bottom series and the total's scale, against the reference sample.
    let sample = &reference()["level12_sample"][0];
    close(ev.weights(11)[0], num(&sample["weight"]), "weight of FOODS_1_033_CA_1");
    close(ev.rmsse_scales(11)[0].unwrap_or(f64::NAN), num(&sample["scale"]), "scale of FOODS_1_033_CA_1");
    close(ev.rmsse_scales(0)[0].unwrap_or(f64::NAN), num(&reference()["level1_sample"][0]["scale"]), "scale of the total");
}
