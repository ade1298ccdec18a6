//! Sharded runs as the schedulers run them: the commands are read from deploy/'s
//! Kubernetes Jobs and Slurm batch files and executed here, with `/shared` mapped to a
//! scratch folder and the variables the schedulers set (JOB_COMPLETION_INDEX,
//! SLURM_ARRAY_TASK_ID). The merged run must equal a single-process run of the same
//! plan: byte-identical forecasts of per-series and per-store models, the same WRMSSE.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::common::{read_csv, repo_root, stderr, tempdir};

/// The scheduler files' recipe (`/shared/recipes/m5.toml`), small enough for a test:
/// two per-series models, a per-store GBDT, a one-trial search of per-store boosters
/// and the ensemble, on two backtest windows.
const RECIPE: &str = r#"
extends = "quickstart"
name = "sharded"
seed = 0
models = ["SeasonalNaive", "Theta", "GBDT-Tweedie-direct-by-store"]

[search]
backtest_windows = 2

# small boosters: the test is about sharding, not accuracy
[gbdt]
train_days = 300

[gbdt.params]
num_iterations = 40

[search.families.gbdt]
model = "GBDT-Tweedie-direct-by-store"
trials = 1
halving = { min_resource = 20, max_resource = 20, eta = 2 }

[search.families.hurdle]
enabled = false

[search.families.lenet]
enabled = false
"#;

fn ok(out: &Output, what: &str) {
    assert!(out.status.success(), "{what}: exit {:?}\n{}", out.status.code(), stderr(out));
}

/// The one-line `command: [...]` of a Kubernetes manifest (a YAML flow sequence that is
/// also JSON), checked to start with the binary's name.
fn k8s_command(file: &str) -> Vec<String> {
    let path = repo_root().join("deploy/k8s").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let line = text.lines().map(str::trim).find(|l| l.starts_with("command:")).unwrap_or_else(|| panic!("{file}: no command line"));
    let args: Vec<String> = serde_json::from_str(line.trim_start_matches("command:").trim()).unwrap_or_else(|e| panic!("{file}: {e}: {line}"));
    assert_eq!(args.first().map(String::as_str), Some("tsforge"), "{file}");
    args
}

/// The `srun tsforge …` line of a Slurm batch file, split on spaces (the files quote nothing).
fn slurm_command(file: &str) -> Vec<String> {
    let path = repo_root().join("deploy/slurm").join(file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let line = text.lines().map(str::trim).find(|l| l.starts_with("srun tsforge ")).unwrap_or_else(|| panic!("{file}: no `srun tsforge` line"));
    line.trim_start_matches("srun ").split_whitespace().map(String::from).collect()
}

/// A manifest's command with `/shared` moved to `shared`, the scheduler's variable
/// substituted the way Kubernetes (`$(VAR)`) or the shell (`${VAR}`) would, run with
/// that variable set.
fn run(args: &[String], shared: &Path, var: Option<(&str, usize)>) -> Output {
    let args: Vec<String> = args[1..]
        .iter()
        .map(|a| {
            let mut a = a.replace("/shared", &shared.display().to_string());
            if let Some((name, value)) = var {
                a = a.replace(&format!("$({name})"), &value.to_string()).replace(&format!("${{{name}}}"), &value.to_string());
            }
            a
        })
        .collect();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tsforge"));
    cmd.args(&args).arg("--no-store").current_dir(shared);
    for v in ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"] {
        cmd.env_remove(v);
    }
    if let Some((name, value)) = var {
        cmd.env(name, value.to_string());
    }
    cmd.output().unwrap_or_else(|e| panic!("cannot start tsforge: {e}"))
}

fn shards_of(file: &str, text: &str, key: &str) -> usize {
    let line = text.lines().map(str::trim).find(|l| l.starts_with(key)).unwrap_or_else(|| panic!("{file}: no {key}"));
    line.trim_start_matches(key).trim().trim_start_matches('=').trim().parse().unwrap_or_else(|e| panic!("{file}: {line}: {e}"))
}

fn bytes(p: PathBuf) -> Vec<u8> {
    std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

#[test]
fn scheduler_commands_shard_and_merge_exactly() {
    let dir = tempdir();
    let shared = dir.path().join("shared");
    std::fs::create_dir_all(shared.join("recipes")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::create_dir_all(shared.join("data/m5")).unwrap_or_else(|e| panic!("{e}"));
    std::fs::write(shared.join("recipes/m5.toml"), RECIPE).unwrap_or_else(|e| panic!("{e}"));
    for e in std::fs::read_dir(repo_root().join("datasets/m5-tiny")).into_iter().flatten().flatten() {
        if e.file_name().to_string_lossy().ends_with(".csv.gz") {
            std::fs::copy(e.path(), shared.join("data/m5").join(e.file_name())).unwrap_or_else(|e| panic!("{e}"));
        }
    }
    // the shard count is said three times in the Indexed Job and once in the array
    let job = std::fs::read_to_string(repo_root().join("deploy/k8s/shard-job.yaml")).unwrap_or_default();
    assert!(job.contains("completionMode: Indexed"), "shard-job.yaml must be an Indexed Job");
    let n = shards_of("shard-job.yaml", &job, "completions:");
    assert_eq!(shards_of("shard-job.yaml", &job, "parallelism:"), n);
    let shard_cmd = k8s_command("shard-job.yaml");
    assert!(shard_cmd.contains(&format!("auto/{n}")), "--shard auto/{n} in {shard_cmd:?}");
    let array = std::fs::read_to_string(repo_root().join("deploy/slurm/shards.sbatch")).unwrap_or_default();
    assert!(array.contains(&format!("#SBATCH --array=0-{}", n - 1)), "shards.sbatch: --array=0-{}", n - 1);

    // Kubernetes: search Job, the Indexed Job's pods one after another, merge Job
    ok(&run(&k8s_command("search-job.yaml"), &shared, None), "search stage");
    let plan = shared.join("search/plan.json");
    assert!(plan.is_file(), "the search stage writes plan.json");
    for k in 0..n {
        ok(&run(&shard_cmd, &shared, Some(("JOB_COMPLETION_INDEX", k))), &format!("shard {k}"));
    }
    ok(&run(&k8s_command("merge-job.yaml"), &shared, None), "merge");
    let k8s_parts: Vec<Vec<u8>> = (0..n).map(|k| bytes(shared.join(format!("parts/shard-{k}/part.bin")))).collect();

    // Slurm: an array task writes the same part as the pod of its index (a rerun of a
    // shard gives its bytes, whoever runs it)
    let slurm = slurm_command("shards.sbatch");
    std::fs::rename(shared.join("parts/shard-1"), shared.join("pod-1")).unwrap_or_else(|e| panic!("{e}"));
    ok(&run(&slurm, &shared, Some(("SLURM_ARRAY_TASK_ID", 1))), "slurm task 1");
    assert!(bytes(shared.join("parts/shard-1/part.bin")) == k8s_parts[1], "shard 1: the Slurm task's part differs from the Kubernetes pod's");

    // the same plan in one process
    let single = dir.path().join("single");
    let out = Command::new(env!("CARGO_BIN_EXE_tsforge"))
        .args(["run", "--plan"])
        .arg(&plan)
        .args(["--data"])
        .arg(shared.join("data/m5"))
        .args(["--out"])
        .arg(&single)
        .args(["--quiet", "--no-store"])
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    ok(&out, "single-process plan run");
    let merged = shared.join("run");
    let board = read_csv(&merged.join("leaderboard.csv"));
    let single_board = read_csv(&single.join("leaderboard.csv"));
    let aliases: Vec<&str> = board.iter().map(|r| r["alias"].as_str()).collect();
    for want in ["SeasonalNaive", "Theta", "GBDT-Tweedie-direct-by-store", "gbdt-t0", "Ensemble"] {
        assert!(aliases.contains(&want), "{want} not in the merged leaderboard {aliases:?}");
    }
    for row in &board {
        let alias = &row["alias"];
        let other = single_board.iter().find(|r| &r["alias"] == alias).unwrap_or_else(|| panic!("{alias} not in the single run"));
        let (a, b): (f64, f64) = (row["wrmsse"].parse().unwrap_or(f64::NAN), other["wrmsse"].parse().unwrap_or(f64::NAN));
        assert!((a - b).abs() <= 1e-9, "{alias}: merged WRMSSE {a}, single {b}");
        assert!(bytes(merged.join(format!("forecasts/{alias}.csv"))) == bytes(single.join(format!("forecasts/{alias}.csv"))), "{alias}: merged forecasts differ from the single run's");
    }
    assert!(bytes(merged.join("submission.csv")) == bytes(single.join("submission.csv")));
    // the submission is the plan's: the search stage's choice
    let plan_json: serde_json::Value = serde_json::from_slice(&bytes(plan.clone())).unwrap_or_default();
    let chosen = board.iter().find(|r| r["selected"] == "true").map(|r| r["alias"].clone()).unwrap_or_default();
    assert_eq!(plan_json["submission"].as_str(), Some(chosen.as_str()));

    // merge refuses a missing shard and a shard given twice, naming them (exit code 2)
    let parts = shared.join("parts");
    let missing = Command::new(env!("CARGO_BIN_EXE_tsforge"))
        .args(["merge", "--quiet", "--no-store", "--data"])
        .arg(shared.join("data/m5"))
        .arg(parts.join("shard-0"))
        .arg(parts.join("shard-2"))
        .arg("--out")
        .arg(dir.path().join("bad"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(missing.status.code(), Some(2), "{}", stderr(&missing));
    assert!(stderr(&missing).contains(&format!("1/{n}")), "{}", stderr(&missing));
    let twice = Command::new(env!("CARGO_BIN_EXE_tsforge"))
        .args(["merge", "--quiet", "--no-store", "--data"])
        .arg(shared.join("data/m5"))
        .arg(&parts)
        .arg(shared.join("pod-1"))
        .arg("--out")
        .arg(dir.path().join("bad"))
        .output()
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(twice.status.code(), Some(2), "{}", stderr(&twice));
    assert!(stderr(&twice).contains("given twice"), "{}", stderr(&twice));
    assert!(!dir.path().join("bad").exists(), "no half-written output");
}

/// A long-format panel shards by a hash of `unique_id`: per-series models (with their
/// conformal intervals) merge byte-identically, and every series is in one part.
#[test]
fn long_panels_shard_by_hash_and_merge_exactly() {
    let dir = tempdir();
    let mut csv = String::from("unique_id,ds,y\n");
    for s in 0..20u32 {
        for t in 0..120u32 {
            // a weekly bump on a per-series level, integer noise from a fixed recurrence
            let y = (2 + s % 7) * 3 + if t % 7 == 5 { 4 } else { 0 } + (s * 31 + t * 17) % 5;
            csv.push_str(&format!("s{s:02},{},{y}\n", day(t)));
        }
    }
    std::fs::write(dir.path().join("panel.csv"), csv).unwrap_or_else(|e| panic!("{e}"));
    let t = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_tsforge")).args(args).args(["--quiet", "--no-store"]).current_dir(dir.path()).output().unwrap_or_else(|e| panic!("{e}"));
        ok(&out, &args.join(" "));
    };
    t(&[
        "run",
        "--data",
        "panel.csv",
        "--horizon",
        "7",
        "--stage",
        "search",
        "--out",
        "search",
        r#"models=["Naive","SeasonalNaive","Theta"]"#,
        "search.families.gbdt.enabled=false",
        "search.families.hurdle.enabled=false",
        "search.families.lenet.enabled=false",
    ]);
    let plan: serde_json::Value = serde_json::from_slice(&bytes(dir.path().join("search/plan.json"))).unwrap_or_default();
    assert_eq!(plan["shard_by"], "hash");
    for k in 0..3 {
        t(&["run", "--plan", "search", "--data", "panel.csv", "--shard", &format!("{k}/3"), "--out", &format!("parts/p{k}")]);
    }
    t(&["merge", "parts", "--data", "panel.csv", "--out", "merged"]);
    t(&["run", "--plan", "search/plan.json", "--data", "panel.csv", "--out", "single"]);
    let mut sizes = Vec::new();
    for k in 0..3 {
        let part: serde_json::Value = serde_json::from_slice(&bytes(dir.path().join(format!("parts/p{k}/part.json")))).unwrap_or_default();
        sizes.push(part["series"].as_array().map_or(0, Vec::len));
    }
    assert_eq!(sizes.iter().sum::<usize>(), 20, "every series in exactly one part: {sizes:?}");
    assert!(sizes.iter().all(|&n| n > 0), "20 ids spread over 3 shards: {sizes:?}");
    for alias in ["Naive", "SeasonalNaive", "Theta", "Ensemble"] {
        let (a, b) = (bytes(dir.path().join(format!("merged/forecasts/{alias}.csv"))), bytes(dir.path().join(format!("single/forecasts/{alias}.csv"))));
        assert!(a == b, "{alias}: merged forecasts differ from the single run's");
        assert!(String::from_utf8_lossy(&a).lines().next().is_some_and(|h| h.contains(&format!("{alias}-hi-95"))), "{alias}: intervals in the forecast file");
    }
}

/// `2021-01-01` plus `t` days, as text.
fn day(t: u32) -> String {
    let month_days = [31u32, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    let (mut month, mut d) = (0, t);
    while d >= month_days[month] {
        d -= month_days[month];
        month += 1;
    }
    format!("2021-{:02}-{:02}", month + 1, d + 1)
}
