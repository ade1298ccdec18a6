//! `tsforge evaluate` on the shipped m5-tiny data: each origin's scores checked against
//! the WRMSSE computed independently with pandas at that origin
//! (bench/evaluate_vs_mlforecast.py's `OriginScorer`, bench/reference_metrics.py moved to
//! the origin), and the report's policies against its own per-origin numbers.

use serde_json::Value;

use crate::common::{stderr, tempdir, tsforge};

/// Naive and SeasonalNaive WRMSSE at origins d_1885 and d_1913 (trained to the origin,
/// scored on the 28 days after it), from pandas. d_1913's equal
/// bench/reference/m5_tiny_metrics.json's.
const PANDAS: [(&str, [f64; 2]); 2] = [("Naive", [1.3450872121314499, 1.0590731752234028]), ("SeasonalNaive", [1.0354647181527603, 0.8518024738894091])];

fn array<'a>(v: &'a Value, key: &str) -> &'a Vec<Value> {
    v[key].as_array().unwrap_or_else(|| panic!("no array {key}: {v}"))
}

fn policy<'a>(record: &'a Value, name: &str) -> &'a Value {
    array(record, "policies").iter().find(|p| p["name"] == name).unwrap_or_else(|| panic!("no policy {name}: {record}"))
}

fn scores(p: &Value) -> Vec<f64> {
    array(p, "scores").iter().map(|v| v.as_f64().unwrap_or_else(|| panic!("no score: {p}"))).collect()
}

#[test]
fn evaluate_scores_every_origin_like_pandas() {
    let dir = tempdir();
    let out = dir.path().join("eval");
    let o = tsforge(&["evaluate", "--origins", "2", "--models", "Naive,SeasonalNaive", "-q", "--out", &out.to_string_lossy()], dir.path());
    assert!(o.status.success(), "{}", stderr(&o));
    for f in ["evaluate.json", "evaluate.md", "evaluate.html", "origins/d_1885/leaderboard.json", "origins/d_1913/manifest.json"] {
        assert!(out.join(f).is_file(), "{f} missing");
    }
    let path = out.join("evaluate.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let record: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(record["origins"], serde_json::json!(["d_1885", "d_1913"]));
    assert_eq!(record["metric"], "wrmsse");

    for (model, want) in PANDAS {
        let got = scores(policy(&record, model));
        for (k, (g, w)) in got.iter().zip(want).enumerate() {
            assert!((g - w).abs() <= 1e-6, "{model} at origin {k}: tsforge {g}, pandas {w}");
        }
    }
    // the oracle is the better of the two models at each origin; SeasonalNaive wins both
    let oracle = scores(policy(&record, "best single model in hindsight"));
    for (k, v) in oracle.iter().enumerate() {
        assert!((v - PANDAS[1].1[k]).abs() <= 1e-6, "oracle at origin {k}: {v}");
    }
    assert_eq!(record["hindsight"], serde_json::json!(["SeasonalNaive", "SeasonalNaive"]));
    // the submission is scored like the model (or blend) it submitted, and its mean is the
    // mean of its scores; no policy scores below the oracle
    let submission = policy(&record, "submission");
    let s = scores(submission);
    let mean = submission["mean"].as_f64().unwrap_or_else(|| panic!("no mean: {submission}"));
    assert!((mean - (s[0] + s[1]) / 2.0).abs() <= 1e-9, "{submission}");
    for p in array(&record, "policies") {
        for (k, v) in array(p, "scores").iter().enumerate() {
            if let Some(v) = v.as_f64() {
                assert!(v >= oracle[k] - 1e-9 || p["kind"] != "model", "{} at origin {k}: {v} below the oracle", p["name"]);
            }
        }
    }
}
