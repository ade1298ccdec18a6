#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use serde_json::json;

use super::compare::compare;
use super::schema::{LATEST, MIGRATIONS};
use super::*;

/// A fresh folder under the system's temporary folder, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new(tag: &str) -> Scratch {
        static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("tsforge-store-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Scratch(dir)
    }
    fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A run folder as `tsforge run` writes it (the files the store reads).
struct Fake {
    name: &'static str,
    seed: u64,
    /// manifest.json's modification time (= the run's finish), seconds since 1970.
    finished: i64,
    total_seconds: f64,
    /// (alias, head score, valid score); the first is the submission.
    models: Vec<(&'static str, f64, f64)>,
    trials: Option<&'static str>,
    fingerprint: &'static str,
}

impl Fake {
    fn new(name: &'static str, finished: i64) -> Fake {
        Fake { name, seed: 0, finished, total_seconds: 10.5, models: vec![("SeasonalNaive", 0.8518, 0.9), ("Naive", 1.0591, 1.2)], trials: None, fingerprint: "fnv1a64:f974bbf06e9c1d92:4438424bytes" }
    }

    fn write(&self, dir: &Path) -> PathBuf {
        std::fs::create_dir_all(dir).unwrap();
        let rows: Vec<serde_json::Value> = self
            .models
            .iter()
            .enumerate()
            .map(|(k, (alias, score, valid))| {
                // level k is the score times (1 + k/100): distinct, known numbers
                let levels: Vec<f64> = (0..12).map(|l| score * (1.0 + l as f64 / 100.0)).collect();
                json!({"alias": alias, "family": "stats", "rank": k + 1, "scores": {"wrmsse": score, "levels": levels, "mase": score * 2.0},
                       "valid": valid, "valid_windows": [valid], "fit_seconds": 0.25, "predict_seconds": 0.001, "selected": k == 0, "note": "",
                       "params": {"season": "7"}, "n_params": 3, "seed": null, "members": []})
            })
            .collect();
        let board = json!({"metric": "wrmsse", "scored": true, "rows": rows, "notes": [], "title": "t"});
        std::fs::write(dir.join("leaderboard.json"), serde_json::to_vec_pretty(&board).unwrap()).unwrap();
        let manifest = json!({
            "tsforge_version": "0.1.0", "run_name": self.name, "seed": self.seed, "phase": "validation", "threads": 2, "horizon": 28,
            "recipe": {"name": self.name, "seed": self.seed, "device": "cpu", "search": {"families": {"gbdt": {"trials": 6}}}, "models": ["Naive", "SeasonalNaive"]},
            "data": {"source": "m5-tiny", "kind": "m5", "fingerprint": self.fingerprint, "series": 280},
            "train_end": "2016-04-24", "scored": true, "metric": "wrmsse", "submission_model": self.models[0].0, "submission_rule": "best valid",
            "notes": ["a note"], "timings": {"total_seconds": self.total_seconds},
        });
        let path = dir.join("manifest.json");
        std::fs::write(&path, serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
        let file = std::fs::File::options().write(true).open(&path).unwrap();
        file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(self.finished as u64)).unwrap();
        if let Some(t) = self.trials {
            std::fs::write(dir.join("trials.jsonl"), t).unwrap();
        }
        std::fs::write(dir.join(tsforge_automl::pipeline::run_folder::MARKER), "").unwrap();
        dir.to_path_buf()
    }
}

const TRIALS: &str = concat!(
    r#"{"family":"gbdt","trial":0,"rung":0,"resource":50,"config":{"num_leaves":52},"score":0.71,"error":null,"seconds":1.5,"sum":"x"}"#,
    "\n",
    r#"{"family":"gbdt","trial":1,"rung":0,"resource":50,"config":{"num_leaves":20},"score":0.67,"error":null,"seconds":1.25}"#,
    "\n\n",
    r#"{"family":"lenet","trial":0,"rung":0,"resource":4,"config":{},"score":null,"error":"diverged","seconds":0.5}"#,
    "\n",
);

const DAY: i64 = 86_400;
/// 2023-11-14T22:13:20Z
const T0: i64 = 1_700_000_000;

#[test]
fn a_new_database_has_the_latest_schema() {
    let dir = Scratch::new("new");
    let db = Db::open(dir.path().join("sub/tsforge.db")).unwrap();
    assert_eq!(db.schema_version().unwrap(), LATEST);
    assert_eq!(MIGRATIONS.last().map(|m| m.version), Some(LATEST));
    assert!(MIGRATIONS.windows(2).all(|w| w[1].version == w[0].version + 1));
    assert!(db.list(&ListFilter::default()).unwrap().is_empty());
    // opening again applies nothing and keeps the version
    drop(db);
    assert_eq!(Db::open(dir.path().join("sub/tsforge.db")).unwrap().schema_version().unwrap(), LATEST);
}

/// The first schema exactly as version 1 of tsforge's store created it (frozen here: a
/// released migration must never change, and this test would notice).
const FROZEN_V1: &str = "
PRAGMA application_id = 1953719911;
CREATE TABLE runs (id TEXT PRIMARY KEY, name TEXT NOT NULL, started TEXT NOT NULL, finished TEXT NOT NULL, recorded TEXT NOT NULL,
    tsforge_version TEXT NOT NULL, seed INTEGER, phase TEXT NOT NULL, horizon INTEGER, metric TEXT NOT NULL, scored INTEGER NOT NULL,
    data_source TEXT NOT NULL, data_kind TEXT NOT NULL, data_fingerprint TEXT NOT NULL, series INTEGER, train_end TEXT NOT NULL,
    recipe TEXT NOT NULL, folder TEXT NOT NULL, submission_model TEXT NOT NULL, submission_rule TEXT NOT NULL, threads INTEGER,
    device TEXT NOT NULL, total_seconds REAL, timings TEXT NOT NULL, notes TEXT NOT NULL, manifest TEXT NOT NULL) STRICT;
CREATE TABLE models (run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE, alias TEXT NOT NULL, family TEXT NOT NULL,
    rank INTEGER NOT NULL, score REAL, valid REAL, valid_windows TEXT NOT NULL, fit_seconds REAL, predict_seconds REAL, n_params INTEGER,
    seed INTEGER, selected INTEGER NOT NULL, params TEXT NOT NULL, members TEXT NOT NULL, note TEXT NOT NULL, scores TEXT NOT NULL,
    PRIMARY KEY (run_id, alias)) STRICT;
CREATE TABLE level_scores (run_id TEXT NOT NULL, alias TEXT NOT NULL, level INTEGER NOT NULL, name TEXT NOT NULL, score REAL,
    PRIMARY KEY (run_id, alias, level), FOREIGN KEY (run_id, alias) REFERENCES models(run_id, alias) ON DELETE CASCADE) STRICT;
INSERT INTO runs VALUES ('00000000000000aa', 'old', '2020-01-01T00:00:00.000Z', '2020-01-01T00:01:00.000Z', '2020-01-01T00:02:00.000Z', '0.0.9', 7,
    'validation', 28, 'wrmsse', 1, 'm5-tiny', 'm5', 'fnv1a64:0123456789abcdef:10bytes', 280, '2016-04-24', '{}', '/nowhere/old',
    'Naive', 'best valid', 2, 'cpu', 60.0, '{}', '[]', '{}');
INSERT INTO models VALUES ('00000000000000aa', 'Naive', 'stats', 1, 1.25, 1.5, '[1.5]', 0.1, 0.01, NULL, NULL, 1, '{}', '[]', '', '{}');
INSERT INTO level_scores VALUES ('00000000000000aa', 'Naive', 1, 'level_1', 0.5);
PRAGMA user_version = 1;
";

#[test]
fn a_version_1_database_is_migrated_with_its_rows() {
    let dir = Scratch::new("v1");
    let path = dir.path().join("old.db");
    rusqlite::Connection::open(&path).unwrap().execute_batch(FROZEN_V1).unwrap();
    let mut db = Db::open(&path).unwrap();
    assert_eq!(db.schema_version().unwrap(), LATEST);
    // the old run is whole, with the new column (bundle: none) and the new table (no trials)
    let old = db.show("old").unwrap();
    assert_eq!((old.run.id.as_str(), old.run.seed, old.run.bundle.clone(), old.run.trials), ("00000000000000aa", Some(7), None, 0));
    assert_eq!((old.run.submission_score, old.run.submission_valid), (Some(1.25), Some(1.5)));
    assert_eq!(old.models[0].levels, vec![Some(0.5)]);
    assert!(old.trials.is_empty() && !old.folder_current);
    // and new runs go in beside it, trials included
    let run = Fake { trials: Some(TRIALS), ..Fake::new("new", T0) }.write(&dir.path().join("new"));
    db.record_run(&run).unwrap();
    assert_eq!(db.list(&ListFilter::default()).unwrap().iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["new", "old"]);
}

#[test]
fn newer_foreign_and_damaged_files_are_refused_by_name() {
    let dir = Scratch::new("refuse");
    let newer = dir.path().join("newer.db");
    rusqlite::Connection::open(&newer).unwrap().execute_batch(&format!("PRAGMA application_id = {}; PRAGMA user_version = {};", schema::APPLICATION_ID, LATEST + 1)).unwrap();
    let e = Db::open(&newer).unwrap_err();
    assert!(matches!(e, StoreError::NewerSchema { found, .. } if found == LATEST + 1), "{e}");
    let foreign = dir.path().join("foreign.db");
    rusqlite::Connection::open(&foreign).unwrap().execute_batch("CREATE TABLE t (x)").unwrap();
    let e = Db::open(&foreign).unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("foreign.db") && e.to_string().contains("another program"), "{e}");
    let junk = dir.path().join("junk.db");
    std::fs::write(&junk, vec![b'x'; 4096]).unwrap();
    let e = Db::open(&junk).unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("junk.db"), "{e}");
    let e = Db::open_existing(dir.path().join("missing.db")).unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("missing.db") && e.to_string().contains("no such file"), "{e}");
    assert!(!dir.path().join("missing.db").exists());
}

#[test]
fn a_recorded_run_reads_back_as_its_files_say() {
    let dir = Scratch::new("record");
    let mut db = Db::open(dir.path().join("t.db")).unwrap();
    let run = Fake { trials: Some(TRIALS), seed: u64::MAX, ..Fake::new("quick", T0) }.write(&dir.path().join("quick"));
    let rec = db.record_run(&run).unwrap();
    assert_eq!((rec.replaced, rec.models, rec.trials), (false, 2, 3));
    assert_eq!(rec.id, super::folder::manifest_id(&std::fs::read(run.join("manifest.json")).unwrap()));
    let shown = db.show(&rec.id).unwrap();
    let r = &shown.run;
    assert_eq!((r.name.as_str(), r.seed, r.horizon, r.series, r.threads), ("quick", Some(u64::MAX), Some(28), Some(280), Some(2)));
    assert_eq!((r.finished.as_str(), r.started.as_str()), ("2023-11-14T22:13:20.000Z", "2023-11-14T22:13:09.500Z"));
    assert_eq!((r.submission_model.as_str(), r.submission_score, r.submission_valid), ("SeasonalNaive", Some(0.8518), Some(0.9)));
    assert_eq!((r.device.as_str(), r.data_source.as_str(), r.short_fingerprint()), ("cpu", "m5-tiny", "f974bbf0"));
    assert_eq!(r.folder, std::fs::canonicalize(&run).unwrap().display().to_string());
    assert_eq!(shown.models.iter().map(|m| (m.alias.as_str(), m.rank, m.score)).collect::<Vec<_>>(), [("SeasonalNaive", 1, Some(0.8518)), ("Naive", 2, Some(1.0591))]);
    assert_eq!(shown.models[1].levels.len(), 12);
    assert_eq!(shown.models[1].levels[11], Some(1.0591 * 1.11));
    assert_eq!(shown.models[0].params, json!({"season": "7"}));
    assert_eq!(shown.notes, ["a note"]);
    assert!(shown.folder_current);
    assert_eq!(shown.recipe["search"]["families"]["gbdt"]["trials"], 6);
    let fams: Vec<(&str, u64, u64, Option<f64>)> = shown.trials.iter().map(|t| (t.family.as_str(), t.trials, t.failed, t.best)).collect();
    assert_eq!(fams, [("gbdt", 2, 0, Some(0.67)), ("lenet", 1, 1, None)]);
    // recording the same folder again replaces it: still one run, one set of rows
    let again = db.record_run(&run).unwrap();
    assert!(again.replaced && again.id == rec.id);
    assert_eq!(db.list(&ListFilter::default()).unwrap().len(), 1);
    // `recorded` is the time of the new recording; nothing else changed
    let mut shown_again = db.show(&rec.id).unwrap();
    shown_again.run.recorded = shown.run.recorded.clone();
    assert_eq!(shown_again, shown);
}

#[test]
fn the_manifests_start_time_wins_over_the_files_time() {
    let dir = Scratch::new("started");
    let mut db = Db::open(dir.path().join("t.db")).unwrap();
    let run = Fake::new("copied", T0 + 30 * DAY).write(&dir.path().join("copied"));
    // what the pipeline writes: the wall-clock start; the file's time is a later copy's
    let path = run.join("manifest.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    m["started_unix_ms"] = json!(T0 * 1000);
    std::fs::write(&path, serde_json::to_vec_pretty(&m).unwrap()).unwrap();
    let rec = db.record_run(&run).unwrap();
    let r = db.show(&rec.id).unwrap().run;
    assert_eq!((r.started.as_str(), r.finished.as_str()), ("2023-11-14T22:13:20.000Z", "2023-11-14T22:13:30.500Z"));
}

#[test]
fn a_failing_recording_leaves_no_trace() {
    let dir = Scratch::new("rollback");
    let mut db = Db::open(dir.path().join("t.db")).unwrap();
    db.record_run(Fake::new("kept", T0).write(&dir.path().join("kept"))).unwrap();
    // the run and model rows are written before the trials are streamed: line 2 fails
    // inside the transaction, which must take the run's rows with it
    let broken = concat!(r#"{"family":"gbdt","trial":0,"config":{},"score":0.7}"#, "\n", r#"{"family":"gbdt","tri"#, "\n", r#"{"family":"gbdt","trial":2,"config":{},"score":0.6}"#, "\n");
    let run = Fake { trials: Some(broken), ..Fake::new("broken", T0 + 1) }.write(&dir.path().join("broken"));
    let e = db.record_run(&run).unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("trials.jsonl line 2"), "{e}");
    let names: Vec<String> = db.list(&ListFilter::default()).unwrap().into_iter().map(|r| r.name).collect();
    assert_eq!(names, ["kept"]);
    let count = |table: &str| db.conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0)).unwrap();
    assert_eq!((count("runs"), count("models"), count("level_scores"), count("trials")), (1, 2, 24, 0));
}

#[test]
fn damaged_run_folders_are_errors_naming_the_file() {
    let dir = Scratch::new("damaged");
    let mut db = Db::open(dir.path().join("t.db")).unwrap();
    let run = Fake::new("x", T0).write(&dir.path().join("x"));
    std::fs::write(run.join("leaderboard.json"), "{\"rows\": [").unwrap();
    let e = db.record_run(&run).unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("leaderboard.json") && e.to_string().contains("not valid JSON"), "{e}");
    std::fs::write(run.join("leaderboard.json"), r#"{"metric":"wrmsse","rows":[{"alias":"A"},{"alias":"A"}]}"#).unwrap();
    let e = db.record_run(&run).unwrap_err();
    assert!(e.to_string().contains("row 2: alias A appears twice"), "{e}");
    std::fs::remove_file(run.join("manifest.json")).unwrap();
    let e = db.record_run(&run).unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("manifest.json"), "{e}");
    let e = db.record_run(dir.path().join("nowhere")).unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("nowhere"), "{e}");
    assert!(db.list(&ListFilter::default()).unwrap().is_empty());
}

#[test]
fn runs_are_found_by_id_prefix_name_and_folder() {
    let dir = Scratch::new("resolve");
    let mut db = Db::open(dir.path().join("t.db")).unwrap();
    let older = db.record_run(Fake { seed: 1, ..Fake::new("daily", T0 - DAY) }.write(&dir.path().join("d1"))).unwrap();
    let newer = db.record_run(Fake { seed: 2, ..Fake::new("daily", T0) }.write(&dir.path().join("d2"))).unwrap();
    assert_eq!(db.resolve(&older.id).unwrap().id, older.id);
    assert_eq!(db.resolve(&older.id[..6]).unwrap().id, older.id);
    assert_eq!(db.resolve(&older.id[..6].to_uppercase()).unwrap().id, older.id);
    assert_eq!(db.resolve("daily").unwrap().id, newer.id, "a name finds its newest run");
    assert_eq!(db.resolve(&dir.path().join("d1").display().to_string()).unwrap().id, older.id);
    let e = db.resolve("weekly").unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("no run \"weekly\"") && e.to_string().contains(&newer.id[..8]), "{e}");
    // an empty prefix matches every id: ambiguous, with the candidates
    let e = db.resolve("").unwrap_err();
    assert!(e.to_string().contains("no run"), "{e}");
}

#[test]
fn an_ambiguous_prefix_lists_the_candidates() {
    let dir = Scratch::new("ambiguous");
    let mut db = Db::open(dir.path().join("t.db")).unwrap();
    // 17 runs: two of them share a first hex digit
    let ids: Vec<String> = (0..17).map(|k| db.record_run(Fake { seed: k, ..Fake::new("r", T0 + k as i64) }.write(&dir.path().join(format!("r{k}")))).unwrap().id).collect();
    let digit = (0..16).map(|d| format!("{d:x}")).find(|d| ids.iter().filter(|id| id.starts_with(d.as_str())).count() >= 2).unwrap();
    let e = db.resolve(&digit).unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("is the start of"), "{e}");
    assert!(ids.iter().filter(|id| id.starts_with(digit.as_str())).all(|id| e.to_string().contains(&id[..8])), "{e}");
}

#[test]
fn list_filters_by_data_recipe_and_day() {
    let dir = Scratch::new("filters");
    let mut db = Db::open(dir.path().join("t.db")).unwrap();
    db.record_run(Fake::new("a", T0 - 3 * DAY).write(&dir.path().join("a"))).unwrap();
    db.record_run(Fake { fingerprint: "fnv1a64:0000111122223333:9bytes", ..Fake::new("b", T0 - DAY) }.write(&dir.path().join("b"))).unwrap();
    db.record_run(Fake { seed: 1, ..Fake::new("a", T0) }.write(&dir.path().join("a2"))).unwrap();
    let names = |f: ListFilter| db.list(&f).unwrap().into_iter().map(|r| r.name).collect::<Vec<_>>();
    assert_eq!(names(ListFilter::default()), ["a", "b", "a"], "newest first");
    assert_eq!(names(ListFilter { data: Some("00001111".into()), ..Default::default() }), ["b"]);
    assert_eq!(names(ListFilter { data: Some("fnv1a64:0000111122223333:9bytes".into()), ..Default::default() }), ["b"]);
    assert_eq!(names(ListFilter { data: Some("m5-tiny".into()), ..Default::default() }).len(), 3);
    assert_eq!(names(ListFilter { data: Some("9bytes".into()), ..Default::default() }), Vec::<String>::new());
    assert_eq!(names(ListFilter { recipe: Some("a".into()), ..Default::default() }), ["a", "a"]);
    // T0 is 2023-11-14 (22:13 UTC): b started 2023-11-13, the first a 2023-11-11
    assert_eq!(names(ListFilter { since: Some("2023-11-13".into()), ..Default::default() }), ["a", "b"]);
    assert_eq!(names(ListFilter { until: Some("2023-11-13".into()), ..Default::default() }), ["b", "a"]);
    assert_eq!(names(ListFilter { since: Some("2023-11-12".into()), until: Some("2023-11-13".into()), ..Default::default() }), ["b"]);
    let e = db.list(&ListFilter { since: Some("2023-11-31".into()), ..Default::default() }).unwrap_err();
    assert!(e.is_user_error() && e.to_string().contains("2023-11-31"), "{e}");
}

/// A model row of a hand-made run: alias, head score, backtest score, level scores.
type Model<'a> = (&'a str, Option<f64>, Option<f64>, Vec<Option<f64>>);

fn detail(name: &str, seed: u64, trials: u64, models: &[Model]) -> RunDetail {
    let run = RunSummary {
        id: format!("{name:0>16}"),
        name: name.into(),
        started: String::new(),
        finished: String::new(),
        recorded: String::new(),
        tsforge_version: "0.1.0".into(),
        seed: Some(seed),
        phase: "validation".into(),
        horizon: Some(28),
        metric: "wrmsse".into(),
        scored: true,
        data_source: "m5-tiny".into(),
        data_kind: "m5".into(),
        data_fingerprint: "f".into(),
        series: None,
        train_end: String::new(),
        folder: String::new(),
        bundle: None,
        submission_model: String::new(),
        submission_score: None,
        submission_valid: None,
        threads: None,
        device: "cpu".into(),
        total_seconds: None,
        trials: 0,
    };
    let models = models
        .iter()
        .enumerate()
        .map(|(k, (alias, score, valid, levels))| ModelScores {
            alias: alias.to_string(),
            family: "stats".into(),
            rank: k as u64 + 1,
            score: *score,
            valid: *valid,
            valid_windows: vec![],
            fit_seconds: None,
            predict_seconds: None,
            n_params: None,
            seed: None,
            selected: false,
            params: json!({}),
            members: json!([]),
            note: String::new(),
            scores: json!({}),
            levels: levels.clone(),
        })
        .collect();
    RunDetail {
        run,
        recipe: json!({"seed": seed, "search": {"families": {"gbdt": {"trials": trials}}}, "models": ["Naive"]}),
        submission_rule: String::new(),
        timings: json!({}),
        notes: vec![],
        folder_current: false,
        models,
        trials: vec![],
    }
}

#[test]
fn compare_subtracts_b_minus_a_per_model_and_level() {
    let a = detail("a", 0, 6, &[("SeasonalNaive", Some(0.75), Some(0.5), vec![Some(0.25), Some(1.0)]), ("Naive", Some(1.5), None, vec![]), ("OnlyA", Some(2.0), Some(2.0), vec![])]);
    let b = detail("b", 3, 4, &[("Naive", Some(1.25), Some(1.0), vec![]), ("SeasonalNaive", Some(1.0), Some(0.25), vec![Some(0.5), None]), ("OnlyB", Some(0.5), None, vec![])]);
    let c = compare(&a, &b);
    // hand-computed: 1.0 − 0.75 = 0.25, 0.25 − 0.5 = −0.25, 1.25 − 1.5 = −0.25 (all exact in binary)
    let rows: Vec<(&str, Option<f64>, Option<f64>)> = c.models.iter().map(|m| (m.alias.as_str(), m.diff, m.valid_diff)).collect();
    assert_eq!(rows, [("SeasonalNaive", Some(0.25), Some(-0.25)), ("Naive", Some(-0.25), None), ("OnlyA", None, None), ("OnlyB", None, None)]);
    assert_eq!((c.models[0].rank_a, c.models[0].rank_b), (Some(1), Some(2)));
    assert_eq!((c.models[3].rank_a, c.models[3].score_b), (None, Some(0.5)));
    let levels: Vec<(&str, usize, Option<f64>)> = c.levels.iter().map(|l| (l.alias.as_str(), l.level, l.diff)).collect();
    assert_eq!(levels, [("SeasonalNaive", 1, Some(0.25)), ("SeasonalNaive", 2, None)]);
    let facts: Vec<(&str, &str, &str)> = c.facts.iter().map(|f| (f.fact.as_str(), f.a.as_str(), f.b.as_str())).collect();
    assert_eq!(facts, [("name", "a", "b"), ("seed", "0", "3"), ("recipe.search.families.gbdt.trials", "6", "4"), ("recipe.seed", "0", "3")]);
    // another metric: nothing is subtracted
    let mut m = b.clone();
    m.run.metric = "mase".into();
    let c = compare(&a, &m);
    assert!(!c.same_metric && c.models.iter().all(|d| d.diff.is_none()) && c.facts.iter().any(|f| f.fact == "metric"));
}

#[test]
fn gc_keeps_the_newest_runs_of_each_name_and_only_safe_folders_go() {
    let dir = Scratch::new("gc");
    let mut db = Db::open(dir.path().join("t.db")).unwrap();
    let runs: Vec<(Recorded, PathBuf)> = [("daily", 0, "d0"), ("daily", 1, "d1"), ("daily", 2, "d2"), ("daily", 3, "d3"), ("weekly", 0, "w0")]
        .iter()
        .map(|(name, k, folder)| {
            let path = Fake { seed: *k, ..Fake::new(name, T0 + *k as i64 * DAY) }.write(&dir.path().join(folder));
            (db.record_run(&path).unwrap(), path)
        })
        .collect();
    // d0's folder lost its marker, d1's now holds another run: neither may be deleted
    std::fs::remove_file(runs[0].1.join(tsforge_automl::pipeline::run_folder::MARKER)).unwrap();
    Fake { seed: 99, ..Fake::new("daily", T0) }.write(&runs[1].1);
    let report = db.gc(1, true).unwrap();
    assert_eq!(report.kept, 2);
    let removed: Vec<&str> = report.removed.iter().map(|r| r.id.as_str()).collect();
    assert_eq!(removed, [runs[2].0.id.as_str(), runs[1].0.id.as_str(), runs[0].0.id.as_str()]);
    let left: Vec<String> = db.list(&ListFilter::default()).unwrap().into_iter().map(|r| r.id).collect();
    assert_eq!(left, [runs[3].0.id.clone(), runs[4].0.id.clone()]);
    assert_eq!(report.folders_deleted, [std::fs::canonicalize(dir.path()).unwrap().join("d2").display().to_string()]);
    assert!(!runs[2].1.exists() && runs[1].1.exists() && runs[0].1.exists() && runs[3].1.exists());
    assert!(report.folders_left.iter().any(|(f, why)| f.ends_with("d0") && why.contains("marker")), "{:?}", report.folders_left);
    assert!(report.folders_left.iter().any(|(f, why)| f.ends_with("d1") && why.contains("another run")), "{:?}", report.folders_left);
    // their rows went with them
    let orphans: i64 = db.conn.query_row("SELECT count(*) FROM models WHERE run_id NOT IN (SELECT id FROM runs)", [], |r| r.get(0)).unwrap();
    assert_eq!(orphans, 0);
    assert!(db.gc(0, false).unwrap_err().is_user_error());
    // without --delete-folders no folder is touched
    let report = db.gc(1, false).unwrap();
    assert!(report.removed.is_empty() && report.folders_deleted.is_empty());
}
