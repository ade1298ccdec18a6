//! `tsforge variance`: a tiny recipe (two deterministic statistical models and one
//! small bagged GBDT trial) refitted under three seeds. Deterministic models show
//! exactly zero spread and are called seed-independent, the GBDT trial moves, the same
//! inputs give the same variance.json, and an interrupted run resumes.

use std::path::Path;

use crate::common::{stderr, tempdir, tsforge};

/// Statistical baselines plus one GBDT trial with feature and row subsampling (so its
/// seed matters), 20 boosting rounds. Written out rather than extending the quickstart:
/// `extends` merges tables key by key, so the quickstart's other families would stay.
const TINY: &str = r#"
name = "tiny"
data = "m5-tiny"
phase = "validation"
seed = 0
models = ["SeasonalNaive", "SeasWA"]

[search]
sampler = "random"
refit = 1

[search.families.gbdt]
model = "GBDT-Tweedie-direct"
trials = 1

[search.families.gbdt.space]
num_iterations = 20
feature_fraction = 0.7
bagging_fraction = 0.7
bagging_freq = 1
"#;

fn ok(out: &std::process::Output) {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), stderr(out));
}

fn json(path: &Path) -> serde_json::Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn config<'a>(v: &'a serde_json::Value, alias: &str) -> &'a serde_json::Value {
    v["configs"].as_array().and_then(|c| c.iter().find(|c| c["alias"] == alias)).unwrap_or_else(|| panic!("{alias} not in variance.json"))
}

#[test]
fn seeds_move_the_gbdt_not_the_statistical_models_and_runs_repeat_and_resume() {
    let dir = tempdir();
    std::fs::write(dir.path().join("tiny.toml"), TINY).unwrap_or_default();
    let args = |out: &str| -> Vec<String> { ["variance", "tiny.toml", "--seeds", "3", "--top", "3", "--out", out, "--quiet"].map(String::from).to_vec() };
    let run = |a: &[String]| tsforge(&a.iter().map(String::as_str).collect::<Vec<_>>(), dir.path());

    // 1. the recipe runs first, into a/run
    ok(&run(&args("a")));
    let a = dir.path().join("a");
    for f in ["variance.json", "variance.md", "variance.html", "run/leaderboard.json", "run/trials.jsonl"] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
    assert!(!a.join(".variance-state").exists(), "the state folder is removed after a finished run");
    let v = json(&a.join("variance.json"));
    assert_eq!(v["seeds"], serde_json::json!([0, 1, 2]));
    for alias in ["SeasonalNaive", "SeasWA"] {
        let c = config(&v, alias);
        assert_eq!(c["identical_forecasts"], true, "{alias}");
        for s in c["summaries"].as_array().unwrap_or(&vec![]) {
            assert_eq!(s["std"].as_f64(), Some(0.0), "{alias}: {s}");
            assert_eq!(s["min"], s["max"], "{alias}");
        }
        assert_eq!(c["summaries"].as_array().map(Vec::len), Some(13), "WRMSSE and 12 levels");
    }
    let g = config(&v, "gbdt-t0");
    assert_eq!(g["seeded"], true);
    assert_eq!(g["identical_forecasts"], false);
    let std = g["summaries"][0]["std"].as_f64().unwrap_or(0.0);
    assert!(std > 0.0, "bagged GBDT has no spread: {g}");
    let verdict: Vec<String> = v["verdict"].as_array().unwrap_or(&vec![]).iter().filter_map(|s| s.as_str().map(String::from)).collect();
    for alias in ["SeasonalNaive", "SeasWA"] {
        assert!(verdict.iter().any(|s| s.starts_with(&format!("{alias}: no seed dependence"))), "{verdict:?}");
    }
    assert!(!verdict.iter().any(|s| s.starts_with("gbdt-t0: no seed dependence")), "{verdict:?}");
    // seed 0 is the run's own: its refits give the run's scores back bit for bit
    assert!(verdict.iter().any(|s| s.starts_with("Same seed, same scores")), "{verdict:?}");
    for c in v["configs"].as_array().unwrap_or(&vec![]) {
        assert_eq!(c["scores"][0][0], c["run_score"], "{}", c["alias"]);
    }
    let md = std::fs::read_to_string(a.join("variance.md")).unwrap_or_default();
    assert!(md.contains("SeasonalNaive: no seed dependence") && md.contains("## Rank stability") && md.contains("Stress strata"));
    assert!(md.contains("| gbdt-t0 |"));
    let html = std::fs::read_to_string(a.join("variance.html")).unwrap_or_default();
    assert!(html.contains("data-plot=\"seed-strip\"") && html.contains("data-plot=\"rank-heatmap\""));
    let n_configs = v["configs"].as_array().map_or(0, Vec::len);
    assert!(n_configs >= 3, "three configurations and the ensemble if the run made one");
    let strip = html.split("data-plot=\"seed-strip\"").nth(1).and_then(|t| t.split("</svg>").next()).unwrap_or("");
    assert_eq!(strip.matches("<circle class=\"seed\"").count(), 3 * n_configs, "one dot per configuration and seed");
    assert_eq!(html.matches("<rect class=\"cell\"").count(), 3 * n_configs);
    assert!(html.contains("no seed dependence"));

    // 2. same run, same seeds → identical variance.json (every forecast is refitted)
    let from = a.join("run").display().to_string();
    let mut b = args("b");
    b.extend(["--from".to_string(), from.clone()]);
    ok(&run(&b));
    let (x, y) = (std::fs::read(a.join("variance.json")).unwrap_or_default(), std::fs::read(dir.path().join("b/variance.json")).unwrap_or_default());
    assert!(x == y && !x.is_empty(), "variance.json differs between two runs with the same seed");
    assert_eq!(std::fs::read(a.join("variance.html")).ok(), std::fs::read(dir.path().join("b/variance.html")).ok());

    // 3. interrupted once some forecasts are saved, then resumed: the same report
    let mut c = args("c");
    c.extend(["--from".to_string(), from]);
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tsforge")).args(&c).current_dir(dir.path()).spawn().unwrap_or_else(|e| panic!("{e}"));
    let index = dir.path().join("c/.variance-state/index.json");
    let started = std::time::Instant::now();
    let saved = || std::fs::read_to_string(&index).map(|t| t.matches("\"spec\"").count()).unwrap_or(0);
    while saved() < 2 && started.elapsed().as_secs() < 300 {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    let finished = dir.path().join("c/variance.json").exists();
    c.push("--resume".into());
    ok(&run(&c));
    let z = std::fs::read(dir.path().join("c/variance.json")).unwrap_or_default();
    assert!(x == z, "variance.json differs after --resume");
    let md = std::fs::read_to_string(dir.path().join("c/variance.md")).unwrap_or_default();
    if !finished {
        assert!(md.contains("taken from the state folder"), "the resumed run refitted everything:\n{md}");
    }
}
