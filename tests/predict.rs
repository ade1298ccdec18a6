//! `tsforge predict` from a run's bundle: the run's forecasts byte for byte, later
//! origins without training, and bad bundles refused with exit code 2.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use crate::common::{TempDir, read_csv, repo_root, stderr, tempdir, tsforge};

/// One run shared by the tests: statistical, GBDT (direct and recursive) and hurdle
/// models, all of them in the submitted ensemble (top 6 of 6), one backtest window.
fn trained() -> &'static Path {
    static RUN: OnceLock<(TempDir, PathBuf)> = OnceLock::new();
    let (_, out) = RUN.get_or_init(|| {
        let dir = tempdir();
        let out = dir.path().join("run");
        let o = tsforge(
            &[
                "run",
                r#"models=["SeasonalNaive","SES","Theta","GBDT-Tweedie-direct","GBDT-Tweedie-recursive7","GBDT-Hurdle"]"#,
                "search.families.gbdt.enabled=false",
                "search.families.hurdle.enabled=false",
                "search.families.lenet.enabled=false",
                "search.backtest_windows=1",
                "search.ensemble.top_k=6",
                "--out",
                out.to_str().unwrap_or_default(),
                "--quiet",
            ],
            &repo_root(),
        );
        assert!(o.status.success(), "run failed: {}", stderr(&o));
        (dir, out)
    });
    out
}

fn predict(args: &[&str]) -> std::process::Output {
    tsforge(&[&["predict"], args].concat(), &repo_root())
}

fn json(path: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn predict_reproduces_the_runs_forecasts_byte_for_byte() {
    let run = trained();
    let dir = tempdir();
    let out = dir.path().join("pred");
    let o = predict(&[run.join("bundle").to_str().unwrap_or_default(), "--out", out.to_str().unwrap_or_default()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let index = json(&run.join("bundle/bundle.json"));
    let members: Vec<&str> = index["ensemble"]["members"].as_array().into_iter().flatten().filter_map(|m| m["alias"].as_str()).collect();
    assert_eq!(members.len(), 6, "every model is in the ensemble: {members:?}");
    assert_eq!(std::fs::read(out.join("submission.csv")).ok(), std::fs::read(run.join("submission.csv")).ok(), "submission.csv differs from the run's");
    for alias in members.iter().chain(&["Ensemble"]) {
        let name = format!("forecasts/{alias}.csv");
        assert_eq!(std::fs::read(out.join(&name)).ok(), std::fs::read(run.join(&name)).ok(), "{name} differs from the run's");
    }
    let record = json(&out.join("predict.json"));
    assert_eq!(record["models_trained"], 0);
    assert_eq!(record["data"]["same_as_training"], true);
    assert_eq!(record["as_of"], "2016-04-24");
    let theta = record["models"].as_array().into_iter().flatten().find(|m| m["alias"] == "Theta").cloned().unwrap_or_default();
    assert!(theta["estimates"].as_str().is_some_and(|e| e.contains("estimated again")), "Theta says it estimates per series: {theta}");
}

#[test]
fn predict_forecasts_past_the_evaluation_file_without_training() {
    let run = trained();
    let dir = tempdir();
    let out = dir.path().join("pred");
    let o = predict(&[run.to_str().unwrap_or_default(), "--phase", "evaluation", "--out", out.to_str().unwrap_or_default()]);
    assert!(o.status.success(), "{}", stderr(&o));
    let record = json(&out.join("predict.json"));
    assert_eq!(record["forecast_window"], serde_json::json!(["2016-05-23", "2016-06-19"]), "d_1942..d_1969");
    assert_eq!(record["models_trained"], 0);
    // independent check: SeasonalNaive from d_1941 repeats the evaluation file's last week
    let sales = tsforge_data::source::Source::read(&repo_root().join("datasets/m5-tiny/sales_train_evaluation.csv.gz")).unwrap_or_else(|e| panic!("{e}"));
    let text = String::from_utf8_lossy(&sales.bytes).to_string();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap_or_default().split(',').collect();
    let last = header.iter().position(|h| *h == "d_1941").unwrap_or_else(|| panic!("no d_1941"));
    let rows = read_csv(&out.join("forecasts/SeasonalNaive.csv"));
    assert_eq!(rows.len(), 280);
    for line in lines.take(20) {
        let cells: Vec<&str> = line.split(',').collect();
        let id = cells[0].to_string();
        let row = rows.iter().find(|r| r["id"] == id).unwrap_or_else(|| panic!("{id} missing"));
        for k in 0..7 {
            let want: f64 = cells[last - 6 + k].parse().unwrap_or(f64::NAN);
            let got: f64 = row[&format!("F{}", k + 1)].parse().unwrap_or(f64::NAN);
            assert_eq!(got, want, "{id} F{}", k + 1);
        }
    }
    let sub = read_csv(&out.join("submission.csv"));
    assert!(sub.iter().all(|r| r["id"].ends_with("_evaluation")));
    assert!(sub.iter().all(|r| (1..=28).all(|k| r[&format!("F{k}")].parse::<f64>().is_ok_and(|v| v.is_finite() && v >= 0.0))));
}

/// A copy of the trained bundle, damaged by `damage`.
fn damaged(name: &str, damage: impl Fn(&Path)) -> (TempDir, PathBuf) {
    let dir = tempdir();
    let bundle = dir.path().join(name);
    std::fs::create_dir_all(bundle.join("models")).unwrap_or_else(|e| panic!("{e}"));
    let src = trained().join("bundle");
    for f in ["bundle.json", "bundle.sha256"] {
        std::fs::copy(src.join(f), bundle.join(f)).unwrap_or_else(|e| panic!("{e}"));
    }
    for e in std::fs::read_dir(src.join("models")).into_iter().flatten().flatten() {
        std::fs::copy(e.path(), bundle.join("models").join(e.file_name())).unwrap_or_else(|e| panic!("{e}"));
    }
    damage(&bundle);
    (dir, bundle)
}

/// Rewrites bundle.json through `edit` and hashes it again, so that only the edit is wrong.
fn edit_index(bundle: &Path, edit: impl Fn(&mut serde_json::Value)) {
    let mut v = json(&bundle.join("bundle.json"));
    edit(&mut v);
    let text = serde_json::to_string_pretty(&v).unwrap_or_default();
    std::fs::write(bundle.join("bundle.json"), &text).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(bundle.join("bundle.sha256"), tsforge_store::bundle::sha256_hex(text.as_bytes())).unwrap_or_else(|e| panic!("{e}"));
}

/// The model file listed first in the bundle's index.
fn first_model(bundle: &Path) -> PathBuf {
    let index = json(&bundle.join("bundle.json"));
    bundle.join(index["models"][0]["file"].as_str().unwrap_or("models/missing.json"))
}

#[test]
fn bad_bundles_are_refused_with_exit_code_2() {
    type Damage = Box<dyn Fn(&Path)>;
    let cases: Vec<(&str, Damage, &str)> = vec![
        ("truncated-index", Box::new(|b: &Path| std::fs::write(b.join("bundle.json"), b"{\"kind\": \"tsforge-bun").unwrap_or_default()), "SHA-256"),
        (
            "tampered-index",
            Box::new(|b: &Path| {
                let t = std::fs::read_to_string(b.join("bundle.json")).unwrap_or_default().replacen("\"weight\": 0.1", "\"weight\": 0.2", 1);
                std::fs::write(b.join("bundle.json"), t).unwrap_or_default();
            }),
            "changed after it was written",
        ),
        ("missing-sum", Box::new(|b: &Path| std::fs::remove_file(b.join("bundle.sha256")).unwrap_or_default()), "missing from the bundle"),
        (
            "tampered-model",
            Box::new(|b: &Path| {
                let mut t = std::fs::read(first_model(b)).unwrap_or_default();
                let last = t.len().saturating_sub(2);
                t[last] ^= 1;
                std::fs::write(first_model(b), t).unwrap_or_default();
            }),
            "was changed or damaged",
        ),
        ("truncated-model", Box::new(|b: &Path| std::fs::write(first_model(b), b"{\"format\":").unwrap_or_default()), "was changed or damaged"),
        ("missing-model", Box::new(|b: &Path| std::fs::remove_file(first_model(b)).unwrap_or_default()), "missing from the bundle"),
        ("traversal", Box::new(|b: &Path| edit_index(b, |v| v["models"][0]["file"] = "models/../../escape.json".into())), "is not models/NAME.json"),
        ("absolute-path", Box::new(|b: &Path| edit_index(b, |v| v["models"][0]["file"] = "/etc/passwd".into())), "is not models/NAME.json"),
        ("newer-format", Box::new(|b: &Path| edit_index(b, |v| v["format_version"] = 99.into())), "written by a newer tsforge"),
        ("not-a-bundle", Box::new(|b: &Path| edit_index(b, |v| v["kind"] = "something-else".into())), "not a tsforge bundle"),
        ("negative-weight", Box::new(|b: &Path| edit_index(b, |v| v["ensemble"]["members"][0]["weight"] = (-1.0).into())), "weights are positive"),
        (
            "unknown-model-format",
            Box::new(|b: &Path| {
                let text = "{\"format\":\"tsforge-teleporter-9\"}";
                std::fs::write(first_model(b), text).unwrap_or_default();
                edit_index(b, |v| {
                    v["models"][0]["format"] = "tsforge-teleporter-9".into();
                    v["models"][0]["sha256"] = tsforge_store::bundle::sha256_hex(text.as_bytes()).into();
                });
            }),
            "no model of this tsforge reads the format",
        ),
        (
            "link-out-of-bundle",
            Box::new(|b: &Path| {
                let outside = b.parent().map(|p| p.join("outside.json")).unwrap_or_default();
                let _ = std::fs::rename(first_model(b), &outside);
                #[cfg(unix)]
                let _ = std::os::unix::fs::symlink(&outside, first_model(b));
            }),
            "not a plain file",
        ),
        ("empty-folder", Box::new(|b: &Path| std::fs::remove_file(b.join("bundle.json")).unwrap_or_default()), "missing from the bundle"),
    ];
    assert!(cases.len() >= 10);
    for (name, damage, expected) in cases {
        let (dir, bundle) = damaged(name, damage);
        let out = dir.path().join("pred");
        let o = predict(&[bundle.to_str().unwrap_or_default(), "--out", out.to_str().unwrap_or_default()]);
        let err = stderr(&o);
        assert_eq!(o.status.code(), Some(2), "{name}: expected exit 2, got {:?}: {err}", o.status.code());
        assert!(err.contains(expected), "{name}: expected '{expected}' in: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
        assert!(!out.exists(), "{name}: an output folder was written");
    }
}

#[test]
fn data_of_another_shape_is_refused() {
    let run = trained();
    let dir = tempdir();
    let long = dir.path().join("panel.csv");
    let mut text = String::from("unique_id,ds,y\n");
    for d in 1..=60 {
        text += &format!("a,2020-01-{:02},{}\n", (d - 1) % 28 + 1, d % 3);
    }
    std::fs::write(&long, text).unwrap_or_else(|e| panic!("{e}"));
    let o = predict(&[run.to_str().unwrap_or_default(), "--data", long.to_str().unwrap_or_default(), "--out", dir.path().join("pred").to_str().unwrap_or_default()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let o = predict(&[run.to_str().unwrap_or_default(), "--as-of", "d_99999", "--out", dir.path().join("pred").to_str().unwrap_or_default()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("--as-of d_99999"), "{}", stderr(&o));
}
