//! The AutoML stage of `tsforge run`: recipes (extends, overrides, `recipe show`),
//! the budgeted search on the backtest window, the trial log and `--resume`, the
//! ensemble, and the report files it adds.

use crate::common::{read_csv, stderr, tempdir, tsforge};

fn ok(out: &std::process::Output) {
    assert!(out.status.success(), "exit {:?}: {}", out.status.code(), stderr(out));
}

/// A small search on m5-tiny: two GBDT trials with halving 10 → 20 rounds and the
/// statistical baselines, ensembled.
const SMALL: &str = r#"
extends = "quickstart"
name = "small"
models = ["SeasonalNaive", "SeasWA", "Theta"]
time_limit = "10m"

[search]
refit = 2

[search.ensemble]
method = "caruana"

[search.families.gbdt]
trials = 2
halving = { min_resource = 10, max_resource = 20, eta = 2 }

[search.families.hurdle]
trials = 1
halving = { min_resource = 20, max_resource = 20, eta = 2 }

[search.families.lenet]
trials = 1
halving = { min_resource = 1, max_resource = 1, eta = 2 }
"#;

/// Families of the recipe it extends can be switched off; more backtest windows.
#[test]
fn a_family_can_be_switched_off() {
    let dir = tempdir();
    let out = tsforge(
        &[
            "run",
            "--out",
            "r",
            "--quiet",
            "models=[\"SeasonalNaive\"]",
            "search.backtest_windows=2",
            "search.families.hurdle.enabled=false",
            "search.families.lenet.enabled=false",
            "search.families.gbdt.trials=1",
            "search.families.gbdt.halving={ min_resource = 5, max_resource = 5, eta = 2 }",
        ],
        dir.path(),
    );
    ok(&out);
    let trials = read_csv(&dir.path().join("r/trials.csv"));
    assert_eq!(trials.len(), 1);
    assert_eq!(trials[0]["family"], "gbdt");
    // two backtest windows: d_1886..d_1913 and d_1858..d_1885, scores averaged
    let manifest = std::fs::read_to_string(dir.path().join("r/manifest.json")).unwrap_or_default();
    assert!(manifest.contains("Backtest: 2 windows of 28 periods starting 2016-03-28, 2016-02-29"), "{manifest}");
}

#[test]
fn recipe_show_resolves_extends_and_overrides() {
    let dir = tempdir();
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap_or_default();
    let out = tsforge(&["recipe", "show", "small.toml", "seed=9", "search.sampler=halton"], dir.path());
    ok(&out);
    let text = String::from_utf8_lossy(&out.stdout);
    let t: toml::Table = text.parse().unwrap_or_else(|e| panic!("{e}\n{text}"));
    assert_eq!(t["name"].as_str(), Some("small"));
    assert_eq!(t["seed"].as_integer(), Some(9));
    assert_eq!(t["data"].as_str(), Some("m5-tiny"), "inherited from the quickstart");
    assert_eq!(t["search"]["sampler"].as_str(), Some("halton"));
    assert_eq!(t["search"]["families"]["gbdt"]["trials"].as_integer(), Some(2));
    assert_eq!(t["search"]["families"]["gbdt"]["model"].as_str(), Some("GBDT-Tweedie-direct"), "merged key by key");
    // the built-in quickstart with no argument
    let out = tsforge(&["recipe", "show"], dir.path());
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("[search.families.gbdt]"));
}

#[test]
fn bad_overrides_name_the_path_and_exit_2() {
    let dir = tempdir();
    for (o, needle) in [
        ("search.families.gbdt.space.num_leaves={ low = 0, high = 10, log = true }", "search.families.gbdt.space.num_leaves"),
        ("search.sampler=annealing", "search.sampler"),
        ("search.families.gbdt.trials=0", "search.families.gbdt.trials"),
        ("search.families.gbdt.unknown=1", "unknown"),
    ] {
        let out = tsforge(&["recipe", "show", o], dir.path());
        assert_eq!(out.status.code(), Some(2), "{o}: {}", stderr(&out));
        assert!(stderr(&out).contains(needle), "{o}: {}", stderr(&out));
        let out = tsforge(&["run", o, "--out", "r", "--quiet"], dir.path());
        assert_eq!(out.status.code(), Some(2), "{o}");
        assert!(!dir.path().join("r").exists());
    }
}

#[test]
fn search_ensembles_and_resumes() {
    let dir = tempdir();
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap_or_default();
    ok(&tsforge(&["run", "small.toml", "--out", "a", "--quiet"], dir.path()));
    let a = dir.path().join("a");
    for f in ["leaderboard.html", "trials.jsonl", "trials.csv", "forecasts/Ensemble.csv", "forecasts/gbdt-t0.csv"] {
        assert!(a.join(f).is_file(), "{f} missing");
    }
    assert!(!dir.path().join(".a.trials").exists(), "the trial log is removed after a finished run");
    let trials = read_csv(&a.join("trials.csv"));
    // gbdt: 2 trials at 10 rounds, the best at 20; hurdle and lenet one each
    assert_eq!(trials.iter().filter(|t| t["family"] == "gbdt").count(), 3);
    assert_eq!(trials.iter().filter(|t| t["family"] == "gbdt" && t["rung"] == "1").count(), 1);
    assert_eq!(trials.len(), 5);
    let board = read_csv(&a.join("leaderboard.csv"));
    let row = |alias: &str| board.iter().find(|r| r["alias"] == alias).unwrap_or_else(|| panic!("{alias} not on the board"));
    let ens = row("Ensemble");
    // the ensemble is never worse on the backtest than its best member (Caruana keeps the best round)
    let best_member_valid = board.iter().filter(|r| r["alias"] != "Ensemble").filter_map(|r| r["valid_wrmsse"].parse::<f64>().ok()).fold(f64::INFINITY, f64::min);
    let ens_valid: f64 = ens["valid_wrmsse"].parse().unwrap_or(f64::NAN);
    assert!(ens_valid <= best_member_valid + 1e-12, "{ens_valid} vs {best_member_valid}");
    assert!(!ens["members"].is_empty());
    assert!(row("gbdt-t0")["params"].contains("learning_rate="), "searched hyperparameters on the board");
    assert_eq!(row("gbdt-t0")["seed"], "0");
    assert!(row("lenet-t0")["n_params"].parse::<u64>().unwrap_or(0) > 1000);
    // the ensemble forecast is the weighted blend of its members' forecasts
    let html = std::fs::read_to_string(a.join("leaderboard.html")).unwrap_or_default();
    assert!(html.contains("data-plot=\"forecast\""));

    // the analyst's command renders the same reports again from leaderboard.json alone
    let before: Vec<Vec<u8>> = ["leaderboard.md", "leaderboard.csv", "leaderboard.html"].iter().map(|f| std::fs::read(a.join(f)).unwrap_or_default()).collect();
    let out = tsforge(&["leaderboard", "a"], dir.path());
    ok(&out);
    assert!(String::from_utf8_lossy(&out.stdout).contains("Ensemble *"));
    let after: Vec<Vec<u8>> = ["leaderboard.md", "leaderboard.csv", "leaderboard.html"].iter().map(|f| std::fs::read(a.join(f)).unwrap_or_default()).collect();
    assert!(before == after, "tsforge leaderboard rendered different reports");
    assert_eq!(tsforge(&["leaderboard", "nowhere"], dir.path()).status.code(), Some(2));

    // an interrupted run: kill it once two evaluations are in its trial log, then resume
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tsforge")).args(["run", "small.toml", "--out", "b", "--quiet"]).current_dir(dir.path()).spawn().unwrap_or_else(|e| panic!("{e}"));
    let log = dir.path().join(".b.trials/trials.jsonl");
    let started = std::time::Instant::now();
    while std::fs::read_to_string(&log).map(|t| t.lines().count()).unwrap_or(0) < 2 && started.elapsed().as_secs() < 600 {
        if child.try_wait().ok().flatten().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(!dir.path().join("b").exists(), "killed before it wrote its report");
    ok(&tsforge(&["run", "small.toml", "--out", "b", "--quiet", "--resume"], dir.path()));
    let b = dir.path().join("b");
    let manifest = std::fs::read_to_string(b.join("manifest.json")).unwrap_or_default();
    assert!(manifest.contains("Resumed: "), "{manifest}");
    for f in ["forecasts/Ensemble.csv", "forecasts/gbdt-t0.csv", "submission.csv", "trials.csv"] {
        let (x, y) = (std::fs::read(a.join(f)).unwrap_or_default(), std::fs::read(b.join(f)).unwrap_or_default());
        if f == "trials.csv" {
            // same evaluations and scores; only the seconds differ
            let strip =
                |t: &[u8]| -> Vec<String> { String::from_utf8_lossy(t).lines().map(|l| l.split(',').enumerate().filter(|(k, _)| *k != 5).map(|(_, c)| c).collect::<Vec<_>>().join(",")).collect() };
            assert_eq!(strip(&x), strip(&y));
        } else {
            assert!(x == y && !x.is_empty(), "{f} differs after --resume");
        }
    }
}

#[test]
fn the_time_limit_stops_boosting_and_later_models() {
    let dir = tempdir();
    ok(&tsforge(&["run", "--models", "GBDT-Tweedie-direct,SeasonalNaive", "--time-limit", "1s", "--out", "r", "--quiet"], dir.path()));
    let board = read_csv(&dir.path().join("r/leaderboard.csv"));
    assert_eq!(board.len(), 1, "SeasonalNaive starts after the limit: skipped");
    assert!(board[0]["note"].contains("time limit"), "{}", board[0]["note"]);
    let manifest = std::fs::read_to_string(dir.path().join("r/manifest.json")).unwrap_or_default();
    assert!(manifest.contains("The time limit was reached before SeasonalNaive"), "{manifest}");
    assert_eq!(tsforge(&["run", "--time-limit", "soon", "--out", "x"], dir.path()).status.code(), Some(2));
}

/// `method = "auto"` on a long-format panel: the ensemble method is the one with the best
/// held-out score when fitted on one backtest window and scored on the other; the
/// submitted forecast is the blend of its members with the weights on the board.
#[test]
fn auto_ensemble_chooses_its_method_on_held_out_windows() {
    let dir = tempdir();
    let mut text = String::from("unique_id,ds,y\n");
    for (s, id) in ["a", "b", "c", "d"].iter().enumerate() {
        for t in 0..48 {
            let season = [0.0, 2.0, 5.0, 3.0, 1.0, -2.0, -4.0, -3.0, 0.0, 1.0, 2.0, -1.0][t % 12];
            let y = 20.0 + s as f64 * 5.0 + 0.2 * t as f64 + season + ((t * 37 + s * 11) % 7) as f64 * 0.5;
            text += &format!("{id},{t},{y}\n");
        }
    }
    std::fs::write(dir.path().join("p.csv"), text).unwrap_or_default();
    let args = [
        "run",
        "--data",
        "p.csv",
        "--horizon",
        "6",
        "--season-length",
        "12",
        "--out",
        "r",
        "--quiet",
        "models=[\"Naive\", \"SeasonalNaive\", \"SESOpt\", \"Holt\", \"Theta\", \"WindowAverage\"]",
        "search.ensemble.method=auto",
        "search.families.gbdt.enabled=false",
        "search.families.hurdle.enabled=false",
        "search.families.lenet.enabled=false",
    ];
    ok(&tsforge(&args, dir.path()));
    let board = read_csv(&dir.path().join("r/leaderboard.csv"));
    let ens = board.iter().find(|r| r["alias"] == "Ensemble").unwrap_or_else(|| panic!("no ensemble"));
    let note = &ens["note"];
    let held: Vec<(&str, f64)> = ["top_k", "shrunk", "caruana", "stack"]
        .iter()
        .map(|m| {
            let at = note.find(&format!("{m} ")).unwrap_or_else(|| panic!("{m} not in {note}"));
            let value: String = note[at + m.len() + 1..].chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
            (*m, value.parse::<f64>().unwrap_or(f64::NAN))
        })
        .collect();
    assert!(note.contains("chosen by cross-fitting"), "{note}");
    let best = held.iter().min_by(|a, b| a.1.total_cmp(&b.1)).map(|b| b.0).unwrap_or_default();
    let described = match best {
        "top_k" => "equal weights on the",
        "shrunk" => "shrunk",
        "caruana" => "Caruana greedy selection",
        _ => "non-negative stacking",
    };
    assert!(note.starts_with(described), "best held out: {best}; {note}");
    // the submitted forecast is Σ weight × member forecast (weights printed to 3 decimals)
    let forecasts = read_csv(&dir.path().join("r/forecasts/Ensemble.csv"));
    let members: Vec<(String, f64)> = ens["members"].split(' ').filter_map(|m| m.split_once(':')).map(|(a, w)| (a.to_string(), w.parse().unwrap_or(f64::NAN))).collect();
    assert!(!members.is_empty());
    let member_rows: Vec<Vec<std::collections::HashMap<String, String>>> = members.iter().map(|(a, _)| read_csv(&dir.path().join(format!("r/forecasts/{a}.csv")))).collect();
    for (k, row) in forecasts.iter().enumerate() {
        let blended: f64 = members.iter().zip(&member_rows).map(|((a, w), rows)| w * rows[k][a].parse::<f64>().unwrap_or(f64::NAN)).sum();
        let got: f64 = row["Ensemble"].parse().unwrap_or(f64::NAN);
        assert!((got - blended).abs() <= 2e-3 * got.abs().max(1.0), "row {k}: {got} vs {blended}");
    }
}
