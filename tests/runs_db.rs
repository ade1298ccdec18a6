//! The runs database end to end: `tsforge run` records each run, `tsforge runs
//! list/show/compare/gc` read them back; numbers are checked against the runs' own
//! leaderboard.json files, differences recomputed here from those files.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::{stderr, tempdir, tsforge};

fn ok(out: &Output) -> String {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), stderr(out));
    String::from_utf8_lossy(&out.stdout).to_string()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&ok(out)).unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

fn file_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap_or_default()).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A run's leaderboard.json row of `alias`.
fn board_row(run: &Path, alias: &str) -> Value {
    let board = file_json(&run.join("leaderboard.json"));
    board["rows"].as_array().and_then(|rows| rows.iter().find(|r| r["alias"] == alias).cloned()).unwrap_or_else(|| panic!("{alias} not in {}", run.display()))
}

const STORE: &str = "db/runs.db";

/// Three cheap runs (statistical baselines, no search) into one database; B's seasonal
/// models see another season length, so its scores differ from A's.
fn three_runs(dir: &Path) {
    let quick = ["--quiet", "--store", STORE];
    ok(&tsforge(&[&["run", "--out", "a", "--models", "Naive,SeasonalNaive"][..], &quick].concat(), dir));
    ok(&tsforge(&[&["run", "--out", "b", "--models", "Naive,SeasonalNaive", "--season-length", "14", "--seed", "1"][..], &quick].concat(), dir));
    ok(&tsforge(&[&["run", "--out", "c", "--models", "Naive,SeasonalNaive,WindowAverage"][..], &quick].concat(), dir));
}

#[test]
fn three_runs_are_listed_shown_compared_and_collected() {
    let dir = tempdir();
    let d = dir.path();
    three_runs(d);
    let list = json(&tsforge(&["runs", "list", "--store", STORE, "--json"], d));
    let runs = list.as_array().cloned().unwrap_or_default();
    let folder = |k: usize| d.join(["a", "b", "c"][k]).canonicalize().map(|p| p.display().to_string()).unwrap_or_default();
    // newest first
    assert_eq!(runs.iter().map(|r| r["folder"].as_str().unwrap_or_default().to_string()).collect::<Vec<_>>(), [folder(2), folder(1), folder(0)]);
    let id = |k: usize| runs[2 - k]["id"].as_str().unwrap_or_default().to_string();
    let text = ok(&tsforge(&["runs", "list", "--store", STORE], d));
    assert_eq!(text.lines().count(), 4, "{text}");
    let submission = file_json(&d.join("c/manifest.json"))["submission_model"].as_str().unwrap_or_default().to_string();
    assert!(text.lines().nth(1).is_some_and(|l| l.starts_with(&id(2)[..8]) && l.contains("m5-tiny") && l.contains(&submission)), "{text}");

    // show: the database's numbers are the leaderboard's, every digit
    let shown = json(&tsforge(&["runs", "show", &id(1), "--store", STORE, "--json"], d));
    let manifest = file_json(&d.join("b/manifest.json"));
    assert_eq!(shown["run"]["seed"], 1);
    assert_eq!(shown["run"]["submission_model"], manifest["submission_model"]);
    assert_eq!(shown["run"]["data_fingerprint"], manifest["data"]["fingerprint"]);
    let models = shown["models"].as_array().cloned().unwrap_or_default();
    assert_eq!(models.len(), 2);
    for m in &models {
        let row = board_row(&d.join("b"), m["alias"].as_str().unwrap_or_default());
        assert_eq!((&m["score"], &m["valid"], &m["rank"]), (&row["scores"]["wrmsse"], &row["valid"], &row["rank"]), "{}", m["alias"]);
        assert_eq!(m["levels"], row["scores"]["levels"]);
        assert_eq!(m["levels"].as_array().map(Vec::len), Some(12));
    }
    // found by a prefix of its id, by its folder, and by name (the newest run of it)
    assert_eq!(json(&tsforge(&["runs", "show", &id(1)[..6], "--store", STORE, "--json"], d))["run"]["id"], id(1).as_str());
    assert_eq!(json(&tsforge(&["runs", "show", "b", "--store", STORE, "--json"], d))["run"]["id"], id(1).as_str());
    assert_eq!(json(&tsforge(&["runs", "show", "quickstart", "--store", STORE, "--json"], d))["run"]["id"], id(2).as_str());
    let text = ok(&tsforge(&["runs", "show", &id(0), "--store", STORE], d));
    assert!(text.contains("SeasonalNaive *") && text.contains("no search trials"), "{text}");

    // compare: B − A recomputed from the two leaderboard.json files
    let c = json(&tsforge(&["runs", "compare", &id(0), &id(1), "--store", STORE, "--json"], d));
    let score = |run: &str, alias: &str| board_row(&d.join(run), alias)["scores"]["wrmsse"].as_f64().unwrap_or(f64::NAN);
    let row = |alias: &str| c["models"].as_array().and_then(|m| m.iter().find(|r| r["alias"] == alias).cloned()).unwrap_or_default();
    let seasonal = score("b", "SeasonalNaive") - score("a", "SeasonalNaive");
    assert!(seasonal.abs() > 1e-6, "the season length changes SeasonalNaive's score");
    assert_eq!(row("SeasonalNaive")["diff"].as_f64(), Some(seasonal));
    assert_eq!(row("Naive")["diff"].as_f64(), Some(score("b", "Naive") - score("a", "Naive")));
    let level = |run: &str, k: usize| board_row(&d.join(run), "SeasonalNaive")["scores"]["levels"][k].as_f64().unwrap_or(f64::NAN);
    let levels: Vec<&Value> = c["levels"].as_array().map(|l| l.iter().filter(|x| x["alias"] == "SeasonalNaive").collect()).unwrap_or_default();
    assert_eq!(levels.len(), 12);
    for (k, l) in levels.iter().enumerate() {
        assert_eq!(l["diff"].as_f64(), Some(level("b", k) - level("a", k)), "level {}", k + 1);
    }
    let facts: Vec<&str> = c["facts"].as_array().map(|f| f.iter().filter_map(|x| x["fact"].as_str()).collect()).unwrap_or_default();
    assert!(facts.contains(&"seed") && facts.contains(&"recipe.season_length") && !facts.contains(&"data_fingerprint"), "{facts:?}");
    // the text shows the model only C has, and the difference to 4 decimals
    let text = ok(&tsforge(&["runs", "compare", &id(0), &id(2), "--store", STORE], d));
    assert!(text.contains("WindowAverage") && text.contains("facts that differ"), "{text}");
    let text = ok(&tsforge(&["runs", "compare", &id(0), &id(1), "--store", STORE], d));
    assert!(text.contains(&format!("{seasonal:+.4}")), "{text}");

    // recording a folder again replaces its record: still three runs
    let text = ok(&tsforge(&["runs", "record", "a", "--store", STORE], d));
    assert!(text.contains("recorded again") && text.contains(&id(0)[..8]), "{text}");
    let out = tsforge(&["runs", "record", "nowhere", "--store", STORE], d);
    assert!(out.status.code() == Some(2) && stderr(&out).contains("nowhere"), "{}", stderr(&out));

    // filters
    let count = |args: &[&str]| json(&tsforge(&[&["runs", "list", "--store", STORE, "--json"][..], args].concat(), d)).as_array().map_or(0, Vec::len);
    assert_eq!(count(&[]), 3);
    assert_eq!(count(&["--recipe", "quickstart", "--data", "m5-tiny", "--since", "2000-01-01"]), 3);
    let fingerprint = manifest["data"]["fingerprint"].as_str().unwrap_or_default().to_string();
    assert_eq!(count(&["--data", &fingerprint]), 3);
    assert_eq!(count(&["--data", "other.csv"]), 0);
    assert_eq!(count(&["--until", "2000-01-01"]), 0);

    // gc: the newest 2 of the name stay; A's row and folder go, nothing else
    let text = ok(&tsforge(&["runs", "gc", "--keep", "2", "--delete-folders", "--store", STORE], d));
    assert!(text.contains("kept 2 runs, removed 1") && text.contains(&format!("deleted {}", folder(0))), "{text}");
    assert!(!d.join("a").exists() && d.join("b/manifest.json").is_file() && d.join("c/manifest.json").is_file());
    assert_eq!(count(&[]), 2);
}

#[test]
fn recording_is_optional_and_never_fails_the_run() {
    let dir = tempdir();
    let d = dir.path();
    ok(&tsforge(&["run", "--out", "r", "--quiet", "--models", "Naive", "--no-store"], d));
    assert!(!d.join("reports/tsforge.db").exists());
    // the default database, under the current folder
    let out = ok(&tsforge(&["run", "--out", "r", "--models", "Naive"], d));
    assert!(out.contains("Recorded as run") && out.contains("reports/tsforge.db"), "{out}");
    assert_eq!(json(&tsforge(&["runs", "list", "--json"], d)).as_array().map(Vec::len), Some(1));
    // a database that cannot be written: the run succeeds, with a warning naming it
    std::fs::write(d.join("junk.db"), vec![b'x'; 4096]).unwrap_or_default();
    let out = tsforge(&["run", "--out", "r2", "--quiet", "--models", "Naive", "--store", "junk.db"], d);
    ok(&out);
    assert!(stderr(&out).contains("warning") && stderr(&out).contains("junk.db"), "{}", stderr(&out));
    assert!(d.join("r2/submission.csv").is_file());
}

#[test]
fn bad_databases_runs_and_filters_exit_2() {
    let dir = tempdir();
    let d = dir.path();
    std::fs::write(d.join("junk.db"), vec![b'x'; 4096]).unwrap_or_default();
    let cases: [(&[&str], &str); 4] = [
        (&["runs", "list", "--store", "junk.db"], "junk.db"),
        (&["runs", "show", "x", "--store", "missing.db"], "missing.db"),
        (&["runs", "compare", "x", "y", "--store", "junk.db"], "junk.db"),
        (&["runs", "gc", "--keep", "1", "--store", "missing.db"], "missing.db"),
    ];
    for (args, name) in cases {
        let out = tsforge(args, d);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(name), "{args:?}: {}", stderr(&out));
    }
    assert!(!d.join("missing.db").exists(), "reading never creates a database");
    ok(&tsforge(&["run", "--out", "r", "--quiet", "--models", "Naive"], d));
    for (args, says) in [
        (&["runs", "show", "nothing-like-it"][..], "no run \"nothing-like-it\""),
        (&["runs", "compare", "r", "nothing"][..], "no run \"nothing\""),
        (&["runs", "list", "--since", "2024-02-30"][..], "--since"),
        (&["runs", "gc", "--keep", "0"][..], "--keep 0"),
    ] {
        let out = tsforge(args, d);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    // the unknown run's message lists the runs there are
    assert!(stderr(&tsforge(&["runs", "show", "zzz"], d)).contains("quickstart"));
}
