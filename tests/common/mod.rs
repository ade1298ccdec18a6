//! Helpers shared by the end-to-end tests.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub fn tsforge(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tsforge")).args(args).current_dir(cwd).output().unwrap_or_else(|e| panic!("cannot start tsforge: {e}"))
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).to_string()
}

pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh folder under cargo's scratch folder for tests, removed when dropped. (Not
/// the `tempfile` crate: as a dev-dependency it widened the features of crates polars
/// and burn build on, so `cargo test` rebuilt what `cargo run` had built.)
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn tempdir() -> TempDir {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("cli-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("tempdir {}: {e}", dir.display()));
    TempDir(dir)
}

/// Parses a CSV file with a header into rows of (column → value).
pub fn read_csv(path: &Path) -> Vec<std::collections::HashMap<String, String>> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut lines = text.lines();
    let header: Vec<String> = split_csv_line(lines.next().unwrap_or(""));
    lines.map(|l| header.iter().cloned().zip(split_csv_line(l)).collect()).collect()
}

/// One CSV line into fields: quoted fields may hold commas and doubled quotes.
pub fn split_csv_line(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            (c, _) => field.push(c),
        }
    }
    out.push(field);
    out
}

/// A small, valid M5 folder written as plain CSV: 4 series (2 items × 2 stores in
/// 2 states), 60 days in the evaluation file, 32 in the validation file, a 70-day
/// calendar and weekly prices. Tests break one thing at a time.
pub struct TinyM5 {
    pub calendar: String,
    pub validation: String,
    pub evaluation: String,
    pub prices: String,
}

pub const SERIES: [(&str, &str, &str, &str, &str); 4] = [
    ("FOODS_1_001", "FOODS_1", "FOODS", "CA_1", "CA"),
    ("FOODS_1_001", "FOODS_1", "FOODS", "TX_1", "TX"),
    ("HOBBIES_1_002", "HOBBIES_1", "HOBBIES", "CA_1", "CA"),
    ("HOBBIES_1_002", "HOBBIES_1", "HOBBIES", "TX_1", "TX"),
];

fn sales(days: usize, suffix: &str) -> String {
    let mut out = String::from("id,item_id,dept_id,cat_id,store_id,state_id");
    for d in 1..=days {
        out += &format!(",d_{d}");
    }
    out.push('\n');
    for (k, (item, dept, cat, store, state)) in SERIES.iter().enumerate() {
        out += &format!("{item}_{store}_{suffix},{item},{dept},{cat},{store},{state}");
        for d in 1..=days {
            out += &format!(",{}", (k * 7 + d * 3) % 5);
        }
        out.push('\n');
    }
    out
}

impl TinyM5 {
    pub fn new() -> TinyM5 {
        let mut calendar = String::from("date,wm_yr_wk,weekday,wday,month,year,d,event_name_1,event_type_1,event_name_2,event_type_2,snap_CA,snap_TX,snap_WI\n");
        for d in 0..70 {
            let (_, m, dd) = tsforge_core::time::civil_from_days(15_003 + d); // from 2011-01-29
            let week = 11101 + d / 7;
            let event = if d == 15 { "SuperBowl,Sporting" } else { "," };
            calendar += &format!("2011-{m:02}-{dd:02},{week},Day,{},{m},2011,d_{},{event},,,{},{},0\n", d % 7 + 1, d + 1, u8::from(d % 10 < 3), u8::from(d % 10 > 6));
        }
        let mut prices = String::from("store_id,item_id,wm_yr_wk,sell_price\n");
        for (item, _, _, store, _) in SERIES {
            for w in 0..10 {
                prices += &format!("{store},{item},{},{}\n", 11101 + w, 2.5 + w as f64 * 0.1);
            }
        }
        TinyM5 { calendar, validation: sales(32, "validation"), evaluation: sales(60, "evaluation"), prices }
    }

    pub fn write(&self, dir: &Path) {
        std::fs::create_dir_all(dir).unwrap_or_else(|e| panic!("{e}"));
        for (name, text) in [("calendar.csv", &self.calendar), ("sales_train_validation.csv", &self.validation), ("sales_train_evaluation.csv", &self.evaluation), ("sell_prices.csv", &self.prices)] {
            std::fs::write(dir.join(name), text).unwrap_or_else(|e| panic!("{e}"));
        }
    }
}

/// Replaces line `n` of a CSV text (counted from 1, the header is line 1).
pub fn replace_line(text: &str, n: usize, f: impl Fn(&str) -> String) -> String {
    text.lines().enumerate().map(|(k, l)| if k + 1 == n { f(l) } else { l.to_string() }).collect::<Vec<_>>().join("\n") + "\n"
}

/// Replaces field `col` (0-based) of line `n` (1-based).
pub fn replace_field(text: &str, n: usize, col: usize, value: &str) -> String {
    replace_line(text, n, |l| {
        let mut f: Vec<&str> = l.split(',').collect();
        f[col] = value;
        f.join(",")
    })
}
