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
    uncertainty_file_matches_its_score(&dir.path().join("run"), &rows);
}

/// The submission's `uncertainty.csv` (Kaggle Uncertainty ids, every level): nine
/// ordered, non-negative quantiles per series and day, whose WSPL (by the evaluator
/// the test above checks against pandas) is the leaderboard's `wspl` of that model.
fn uncertainty_file_matches_its_score(run: &std::path::Path, rows: &[std::collections::HashMap<String, String>]) {
    let sources = tsforge_data::registry::shipped("m5-tiny").and_then(Result::ok).unwrap_or_else(|| panic!("m5-tiny is shipped"));
    let data = tsforge_data::m5::load(&sources).unwrap_or_else(|e| panic!("{e}"));
    let (train, actual) = data.panel.truncated(1941).and_then(|p| p.holdout(28)).unwrap_or_else(|e| panic!("{e}"));
    let ev = M5Evaluator::from_panel(&train, Hierarchy::m5(&train.attrs.clone().unwrap_or_default()), 28).unwrap_or_else(|e| panic!("{e}"));
    let text = std::fs::read_to_string(run.join("uncertainty.csv")).unwrap_or_else(|e| panic!("uncertainty.csv: {e}"));
    let by_id: std::collections::HashMap<&str, Vec<f64>> =
        text.lines().skip(1).map(|l| l.split_once(',').unwrap_or_else(|| panic!("{l}"))).map(|(id, v)| (id, v.split(',').map(|x| x.parse().unwrap_or(f64::NAN)).collect())).collect();
    let h = ev.hierarchy();
    assert_eq!(by_id.len(), 9 * h.n_series(), "nine rows per series of every level");
    let quantiles: Vec<Vec<f64>> = h
        .levels
        .iter()
        .map(|level| {
            let mut q = Vec::new();
            for g in &level.groups {
                let key = if level.name.contains('_') { g.key.clone() } else { format!("{}_X", g.key) };
                let series: Vec<&Vec<f64>> = M5_QUANTILES.iter().map(|u| by_id.get(format!("{key}_{u:.3}_validation").as_str()).unwrap_or_else(|| panic!("no row for {key} at {u}"))).collect();
                for day in 0..28 {
                    let col: Vec<f64> = series.iter().map(|s| s[day]).collect();
                    assert!(col[0] >= 0.0 && col.windows(2).all(|p| p[0] <= p[1]), "{key} day {day}: {col:?}");
                }
                q.extend(series.into_iter().flatten());
            }
            q
        })
        .collect();
    let wspl = ev.wspl(&actual, &quantiles).unwrap_or_else(|e| panic!("{e}")).total;
    let selected = rows.iter().find(|r| r["selected"] == "true").unwrap_or_else(|| panic!("no selected row"));
    let listed: f64 = selected["wspl"].parse().unwrap_or(f64::NAN);
    close(wspl, listed, "WSPL of uncertainty.csv");
    // better than holding the last 28 days' empirical quantiles flat (the pandas reference's baseline)
    assert!(wspl < num(&reference()["wspl"]["wspl"]), "WSPL {wspl}");
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
