//! Mutation fuzzing of everything tsforge reads from a user: the M5 files, a long-format
//! panel, a recipe and a run's `leaderboard.json`. Each case starts from a valid file in
//! `tests/corpus/` and damages it (byte flips, cut files, doubled or dropped lines and
//! tokens that readers get wrong: `nan`, `1e39`, quotes, CR LF, a byte order mark, huge
//! integers, non-UTF-8). The property: the reader returns `Ok` or an error, never a panic,
//! and an error names the file it came from. Case counts are bounded for the 2-core CI.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use tsforge_automl::{Recipe, Registry};
use tsforge_data::long::LongSpec;
use tsforge_data::m5::M5Sources;
use tsforge_data::source::Source;
use tsforge_report::RunRecord;

const CASES: u32 = 96;

fn corpus(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/corpus").join(name);
    std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Tokens that have broken CSV, number and TOML readers before.
const TOKENS: &[&str] = &[
    "nan",
    "NaN",
    "inf",
    "-inf",
    "1e39",
    "-1e39",
    "1e309",
    "9223372036854775808",
    "-0",
    "+3",
    "\"",
    "\"\"",
    ",",
    ",,",
    "\r\n",
    "\r",
    "\n",
    "\u{feff}",
    "\u{0}",
    "d_0",
    "d_99999999",
    "2016-02-30",
    "0000-00-00",
    "  ",
    "\t",
    "[",
    "]",
    "{",
    "=",
    "..",
    "../",
    "'",
    "é",
    "\u{202e}",
];

#[derive(Debug, Clone)]
enum Mutation {
    FlipByte { at: usize, bit: u8 },
    SetByte { at: usize, byte: u8 },
    Insert { at: usize, token: usize },
    Replace { at: usize, len: usize, token: usize },
    Truncate { at: usize },
    DuplicateLine { line: usize },
    DropLine { line: usize },
    SwapLines { a: usize, b: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let pos = any::<usize>();
    let tok = 0..TOKENS.len();
    prop_oneof![
        (pos, 0u8..8).prop_map(|(at, bit)| Mutation::FlipByte { at, bit }),
        (pos, any::<u8>()).prop_map(|(at, byte)| Mutation::SetByte { at, byte }),
        (pos, tok.clone()).prop_map(|(at, token)| Mutation::Insert { at, token }),
        (pos, 1usize..12, tok).prop_map(|(at, len, token)| Mutation::Replace { at, len, token }),
        pos.prop_map(|at| Mutation::Truncate { at }),
        pos.prop_map(|line| Mutation::DuplicateLine { line }),
        pos.prop_map(|line| Mutation::DropLine { line }),
        (pos, pos).prop_map(|(a, b)| Mutation::SwapLines { a, b }),
    ]
}

fn mutations() -> impl Strategy<Value = Vec<Mutation>> {
    prop::collection::vec(mutation(), 1..5)
}

fn lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    bytes.split_inclusive(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
}

fn apply(bytes: &[u8], ms: &[Mutation]) -> Vec<u8> {
    let mut b = bytes.to_vec();
    for m in ms {
        let n = b.len().max(1);
        match *m {
            Mutation::FlipByte { at, bit } => {
                if !b.is_empty() {
                    b[at % n] ^= 1 << bit;
                }
            }
            Mutation::SetByte { at, byte } => {
                if !b.is_empty() {
                    b[at % n] = byte;
                }
            }
            Mutation::Insert { at, token } => {
                let at = at % (b.len() + 1);
                b.splice(at..at, TOKENS[token].bytes());
            }
            Mutation::Replace { at, len, token } => {
                let at = at % (b.len() + 1);
                let end = (at + len).min(b.len());
                b.splice(at..end, TOKENS[token].bytes());
            }
            Mutation::Truncate { at } => b.truncate(at % (b.len() + 1)),
            Mutation::DuplicateLine { line } | Mutation::DropLine { line } => {
                let mut ls = lines(&b);
                if !ls.is_empty() {
                    let i = line % ls.len();
                    if matches!(m, Mutation::DropLine { .. }) {
                        ls.remove(i);
                    } else {
                        ls.insert(i, ls[i].clone());
                    }
                }
                b = ls.concat();
            }
            Mutation::SwapLines { a, b: other } => {
                let mut ls = lines(&b);
                if !ls.is_empty() {
                    let n = ls.len();
                    ls.swap(a % n, other % n);
                }
                b = ls.concat();
            }
        }
    }
    b
}

fn runner() -> TestRunner {
    // A fixed seed: a failure found once is found again on every machine.
    TestRunner::new_with_rng(Config { cases: CASES, failure_persistence: None, ..Config::default() }, proptest::test_runner::TestRng::deterministic_rng(proptest::test_runner::RngAlgorithm::ChaCha))
}

fn source(name: &str, bytes: Vec<u8>) -> Source {
    Source::from_bytes(name.to_string(), bytes).expect("plain bytes are always a source")
}

const M5_FILES: [&str; 4] = ["calendar.csv", "sell_prices.csv", "sales_train_validation.csv", "sales_train_evaluation.csv"];

fn m5_sources(files: &[Vec<u8>; 4]) -> M5Sources {
    M5Sources {
        calendar: source(M5_FILES[0], files[0].clone()),
        prices: Some(source(M5_FILES[1], files[1].clone())),
        validation: Some(source(M5_FILES[2], files[2].clone())),
        evaluation: Some(source(M5_FILES[3], files[3].clone())),
    }
}

#[test]
fn the_corpus_is_valid_before_it_is_damaged() {
    let m5: [Vec<u8>; 4] = M5_FILES.map(|f| corpus(&format!("m5/{f}")));
    let data = tsforge_data::m5::load(&m5_sources(&m5)).expect("the M5 seed loads");
    assert!(data.panel.n_series() >= 2);
    tsforge_data::long::load_bytes(Path::new("long.csv"), corpus("long.csv"), &LongSpec::default()).expect("the long seed loads");
    let dir = scratch("seed");
    let recipe = dir.join("recipe.toml");
    std::fs::write(&recipe, corpus("recipe.toml")).unwrap();
    Recipe::resolve(Some(&recipe), &[], &Registry::standard()).expect("the recipe seed resolves");
    let record: RunRecord = serde_json::from_slice(&corpus("leaderboard.json")).expect("the leaderboard seed parses");
    assert!(!record.leaderboard.rows.is_empty());
}

#[test]
fn damaged_m5_files_never_panic_and_errors_name_the_file() {
    let seeds: [Vec<u8>; 4] = M5_FILES.map(|f| corpus(&format!("m5/{f}")));
    let mut runner = runner();
    runner
        .run(&(0..4usize, mutations()), |(which, ms)| {
            let mut files = seeds.clone();
            files[which] = apply(&files[which], &ms);
            if let Err(e) = tsforge_data::m5::load(&m5_sources(&files)) {
                let msg = e.to_string();
                prop_assert!(M5_FILES.iter().any(|f| msg.contains(f)) || msg.contains("M5"), "an error that names no file: {msg}");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn damaged_long_files_never_panic_and_errors_name_the_file() {
    let seed = corpus("long.csv");
    let mut runner = runner();
    runner
        .run(&mutations(), |ms| {
            let bytes = apply(&seed, &ms);
            let bytes = Source::from_bytes("long.csv".into(), bytes).unwrap().bytes;
            if let Err(e) = tsforge_data::long::load_bytes(Path::new("long.csv"), bytes, &LongSpec::default()) {
                let msg = e.to_string();
                prop_assert!(msg.contains("long.csv"), "an error that names no file: {msg}");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn damaged_recipes_never_panic_and_errors_name_the_recipe() {
    let seed = corpus("recipe.toml");
    let dir = scratch("recipes");
    let registry = Registry::standard();
    let mut runner = runner();
    let case = std::sync::atomic::AtomicUsize::new(0);
    runner
        .run(&mutations(), |ms| {
            let case = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = dir.join(format!("r{case}.toml"));
            std::fs::write(&path, apply(&seed, &ms)).unwrap();
            if let Err(e) = Recipe::resolve(Some(&path), &[], &registry) {
                let msg = e.to_string();
                prop_assert!(msg.contains(&format!("r{case}.toml")), "an error that names no recipe: {msg}");
            }
            Ok(())
        })
        .unwrap();
}

#[test]
fn damaged_overrides_never_panic() {
    let registry = Registry::standard();
    let keys = ["seed", "horizon", "time_limit", "models", "search.parallel", "search.families.gbdt.trials", "search.ensemble.top_k", "search.backtest_windows", "gbdt.params.learning_rate", "name"];
    let mut runner = runner();
    runner
        .run(&(0..keys.len(), prop::collection::vec(0..TOKENS.len(), 0..4), any::<i64>()), |(k, toks, n)| {
            let value: String = toks.iter().map(|&t| TOKENS[t]).collect::<String>() + &n.to_string();
            let _ = Recipe::resolve(None, &[format!("{}={value}", keys[k])], &registry);
            Ok(())
        })
        .unwrap();
}

#[test]
fn damaged_leaderboards_never_panic_when_rendered() {
    let seed = corpus("leaderboard.json");
    let mut runner = runner();
    runner
        .run(&mutations(), |ms| {
            let bytes = apply(&seed, &ms);
            if let Ok(record) = serde_json::from_slice::<RunRecord>(&bytes) {
                let _ = record.leaderboard.to_terminal();
                let _ = record.leaderboard.to_markdown(&record.title, &record.notes);
                let _ = record.leaderboard.to_csv();
                let _ = tsforge_report::to_html(&record);
            }
            Ok(())
        })
        .unwrap();
}

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("tsforge-fuzz-{tag}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}
