//! Crash consistency of the run folder: a run killed (SIGKILL) at a random instant of
//! its final swap leaves the old or the new folder whole, once the next start has
//! recovered what the swap had moved aside.

use std::process::{Command, Stdio};
use std::time::Duration;

use tsforge_automl::pipeline::run_folder::{is_run_folder, recover};

use crate::common::tempdir;

const KILLS: usize = 500;
const FILES: usize = 20;

#[test]
fn random_kills_during_the_swap_leave_a_whole_folder() {
    let dir = tempdir();
    let out = dir.path().join("run");
    let spawn = || {
        Command::new(env!("CARGO_BIN_EXE_tsforge"))
            .args(["swap-loop", out.to_str().unwrap_or_default(), "--files", &FILES.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start tsforge: {e}"))
    };
    // one whole folder first (on a loaded machine a process may not get that far before
    // an early kill): from then on every kill must leave a whole folder
    let mut child = spawn();
    for _ in 0..6000 {
        if is_run_folder(&out) {
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let _ = child.kill();
    let _ = child.wait();
    recover(&out).unwrap_or_else(|e| panic!("first folder: recovery failed: {e}"));
    assert!(is_run_folder(&out), "swap-loop wrote no run folder in 60 s");
    // a cheap deterministic stream of kill delays (0..=12 ms)
    let mut x: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut whole = 0;
    for k in 0..KILLS {
        let mut child = spawn();
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        std::thread::sleep(Duration::from_micros(x % 12_000));
        let _ = child.kill();
        let _ = child.wait();
        recover(&out).unwrap_or_else(|e| panic!("kill {k}: recovery failed: {e}"));
        assert!(out.exists(), "kill {k}: no run folder after recovery, though one was whole before");
        assert!(is_run_folder(&out), "kill {k}: {} has no marker", out.display());
        let gens: Vec<String> = (0..FILES).map(|f| std::fs::read_to_string(out.join(format!("f{f}.txt"))).unwrap_or_else(|e| panic!("kill {k}: f{f}.txt: {e}"))).collect();
        assert!(gens.iter().all(|g| g == &gens[0]), "kill {k}: files from different generations: {gens:?}");
        whole += 1;
    }
    assert_eq!(whole, KILLS);
    // nothing stranded beside it
    let strays: Vec<String> = std::fs::read_dir(dir.path()).into_iter().flatten().flatten().map(|e| e.file_name().to_string_lossy().to_string()).filter(|n| n != "run").collect();
    assert!(strays.iter().all(|n| n.ends_with(".lock")), "{strays:?}");
}
