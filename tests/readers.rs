//! The readers and writers on hostile and unusual input (issue 16): values that are
//! not finite or overflow f32, valid CSV that must be accepted (RFC-4180 quoting, BOM,
//! CRLF, time zones), ids that contradict their hierarchy columns, time grids too large
//! to hold, and ids that need quoting on the way out. A refusal exits 2 naming the file
//! and, where there is one, the line and column; nothing panics.

use std::path::Path;
use std::process::Output;

use tsforge_data::long::LongSpec;
use tsforge_data::polars::prelude::*;

use crate::common::{TempDir, TinyM5, read_csv, replace_field, replace_line, split_csv_line, stderr, tempdir, tsforge};

fn rejected(out: &Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "expected exit 2, got {:?}: {err}", out.status.code());
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "message lacks '{n}': {err}");
    }
}

fn accepted(out: &Output) -> serde_json::Value {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(0), "expected exit 0, got {:?}: {err}", out.status.code());
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("inspect --json printed no JSON ({e}): {}", String::from_utf8_lossy(&out.stdout)))
}

/// Runs on the M5 folder (`edit` may change its files first); a refused run leaves
/// no output folder.
fn run_m5(m5: &TinyM5, edit: impl Fn(&Path)) -> (TempDir, Output) {
    let dir = tempdir();
    m5.write(&dir.path().join("m5"));
    edit(&dir.path().join("m5"));
    let out = tsforge(&["run", "--data", "m5", "--out", "r", "--quiet"], dir.path());
    if out.status.code() != Some(0) {
        assert!(!dir.path().join("r").exists(), "a failed run left an output folder");
    }
    (dir, out)
}

fn m5_rejected(m5: &TinyM5, needles: &[&str]) {
    rejected(&run_m5(m5, |_| {}).1, needles);
}

/// Loads the M5 folder with `data inspect` (reading only, no fitting).
fn inspect_m5(m5: &TinyM5, edit: impl Fn(&Path)) -> Output {
    let dir = tempdir();
    m5.write(&dir.path().join("m5"));
    edit(&dir.path().join("m5"));
    tsforge(&["data", "inspect", "m5", "--json", "--quiet"], dir.path())
}

fn write_bytes(dir: &Path, name: &str, bytes: &[u8]) {
    std::fs::write(dir.join(name), bytes).unwrap_or_else(|e| panic!("{e}"));
}

/// `run --horizon 1` and `data inspect` on a long file: both must refuse it the same way.
fn long_rejected(bytes: &[u8], needles: &[&str]) {
    let dir = tempdir();
    write_bytes(dir.path(), "long.csv", bytes);
    let run = tsforge(&["run", "--data", "long.csv", "--horizon", "1", "--out", "r", "--quiet"], dir.path());
    let needles = [&["long.csv"][..], needles].concat();
    rejected(&run, &needles);
    assert!(!dir.path().join("r").exists());
    rejected(&tsforge(&["data", "inspect", "long.csv", "--quiet"], dir.path()), &needles);
}

fn long_inspect(name: &str, bytes: &[u8]) -> serde_json::Value {
    let dir = tempdir();
    write_bytes(dir.path(), name, bytes);
    accepted(&tsforge(&["data", "inspect", name, "--json", "--quiet"], dir.path()))
}

/// Every field of every line in quotes (the fixture's fields hold no quotes or commas).
fn quote_all(text: &str) -> String {
    text.lines().map(|l| l.split(',').map(|f| format!("\"{f}\"")).collect::<Vec<_>>().join(",")).collect::<Vec<_>>().join("\n") + "\n"
}

fn crlf(text: &str) -> String {
    text.replace('\n', "\r\n")
}

fn bom(text: &str) -> String {
    format!("\u{feff}{text}")
}

// ---- numbers: non-finite and past f32 ----

#[test]
fn sales_value_overflowing_f32_is_refused() {
    for v in ["1e39", "1e308"] {
        let mut m = TinyM5::new();
        m.evaluation = replace_field(&m.evaluation, 3, 10, v);
        m5_rejected(&m, &["sales_train_evaluation.csv", "line 3, column 'd_5'", &format!("'{v}' is too large")]);
    }
}

#[test]
fn infinite_sales_are_refused() {
    let mut m = TinyM5::new();
    m.evaluation = replace_field(&m.evaluation, 5, 12, "inf");
    m5_rejected(&m, &["sales_train_evaluation.csv", "line 5, column 'd_7'", "infinite"]);
}

#[test]
fn long_target_inf_nan_and_overflow_are_refused() {
    for (v, needle) in [("inf", "inf is not a finite number"), ("-inf", "-inf is not a finite number"), ("nan", "NaN is not a finite number"), ("1e39", "'1e39' is too large")] {
        long_rejected(format!("unique_id,ds,y\na,1,1\na,2,{v}\na,3,1\n").as_bytes(), &["line 3, column 'y'", needle]);
    }
}

#[test]
fn price_nan_and_overflow_are_refused() {
    for (v, needle) in [("NaN", "NaN is not a finite number"), ("inf", "inf is not a finite number"), ("1e39", "too large")] {
        let mut m = TinyM5::new();
        m.prices = replace_field(&m.prices, 7, 3, v);
        m5_rejected(&m, &["sell_prices.csv", "line 7, column 'sell_price'", needle]);
    }
}

#[test]
fn infinite_dynamic_covariate_is_refused() {
    long_rejected(b"unique_id,ds,y,promo\na,1,1,0\na,2,1,-inf\na,3,1,0\n", &["line 3, column 'promo'", "-inf is not a finite number"]);
    long_rejected(b"unique_id,ds,y,promo\na,1,1,0\na,2,1,0\na,3,1,3e40\n", &["line 4, column 'promo'", "too large"]);
}

#[test]
fn numbers_polars_cannot_read_are_located() {
    for (v, needle) in [("\"1,5\"", "'1,5' is not a number"), ("  3 ", "'  3 ' is not a number"), ("0x10", "'0x10' is not a number")] {
        let mut m = TinyM5::new();
        m.evaluation = replace_field(&m.evaluation, 4, 8, v);
        m5_rejected(&m, &["sales_train_evaluation.csv", "line 4, column 'd_3'", needle]);
    }
}

#[test]
fn week_numbers_past_i32_are_located() {
    let mut m = TinyM5::new();
    m.calendar = replace_field(&m.calendar, 6, 1, "1e39");
    m5_rejected(&m, &["calendar.csv", "line 6, column 'wm_yr_wk'", "'1e39' is not a whole number"]);
}

#[test]
fn plus_sign_and_negative_zero_are_valid() {
    let mut m = TinyM5::new();
    m.evaluation = replace_field(&m.evaluation, 2, 7, "+4");
    m.evaluation = replace_field(&m.evaluation, 3, 7, "-0");
    assert_eq!(accepted(&inspect_m5(&m, |_| {}))["series"], 4);
    let v = long_inspect("long.csv", b"unique_id,ds,y\na,1,-0\na,2,+4\na,3,0.0\n");
    assert_eq!(v["time_points"], 3);
}

// ---- valid input that must not be refused ----

#[test]
fn quoted_m5_files_are_valid() {
    let mut m = TinyM5::new();
    m.validation = quote_all(&m.validation);
    m.evaluation = quote_all(&m.evaluation);
    m.prices = quote_all(&m.prices);
    let v = accepted(&inspect_m5(&m, |_| {}));
    assert_eq!((v["series"].as_u64(), v["time_points"].as_u64()), (Some(4), Some(60)));
}

#[test]
fn bom_and_crlf_m5_files_are_valid() {
    let mut m = TinyM5::new();
    m.calendar = bom(&crlf(&m.calendar));
    m.validation = bom(&m.validation);
    m.evaluation = bom(&crlf(&quote_all(&m.evaluation)));
    m.prices = crlf(&m.prices) + "\r\n\r\n";
    assert_eq!(accepted(&inspect_m5(&m, |_| {}))["series"], 4);
}

/// The same data written plainly and with quotes, BOM and CRLF gives byte-identical forecasts.
#[test]
fn csv_dialects_give_identical_forecasts() {
    let (plain, out) = run_m5(&TinyM5::new(), |_| {});
    assert!(out.status.success(), "{}", stderr(&out));
    let mut m = TinyM5::new();
    m.calendar = bom(&crlf(&m.calendar));
    m.validation = quote_all(&m.validation);
    m.evaluation = bom(&crlf(&quote_all(&m.evaluation)));
    m.prices = quote_all(&m.prices) + "\n\n";
    let (dialect, out) = run_m5(&m, |_| {});
    assert!(out.status.success(), "{}", stderr(&out));
    let read = |d: &TempDir| std::fs::read(d.path().join("r/submission.csv")).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(read(&plain), read(&dialect));
}

#[test]
fn long_file_with_bom_crlf_and_quotes_is_valid() {
    let v = long_inspect("long.csv", "\u{feff}\"unique_id\",\"ds\",\"y\"\r\n\"a,1\",2020-01-01,1\r\n\"a,1\",\"2020-01-02\",2\r\n\r\n".as_bytes());
    assert_eq!((v["series"].as_u64(), v["time_points"].as_u64(), v["first"].as_str()), (Some(1), Some(2), Some("2020-01-01")));
}

/// Parquet timestamps with a time zone are instants: read on their UTC date.
#[test]
fn parquet_timestamps_with_time_zone_are_valid() {
    let n = 30;
    let micros: Vec<i64> = (0..2 * n).map(|k| 1_577_833_200_000_000 + (k % n) * 86_400_000_000).collect();
    let zone = TimeZone::opt_try_new(Some("Europe/Paris")).unwrap_or_else(|e| panic!("{e}"));
    let ds = Int64Chunked::from_vec("ds".into(), micros).into_datetime(TimeUnit::Microseconds, zone).into_column();
    let ids: Vec<&str> = (0..2 * n).map(|k| if k < n { "a" } else { "b" }).collect();
    let y: Vec<f64> = (0..2 * n).map(|k| (k % 3) as f64).collect();
    let mut df = DataFrame::new_infer_height(vec![Column::new("unique_id".into(), ids), ds, Column::new("y".into(), y)]).unwrap_or_else(|e| panic!("{e}"));
    let mut buf = Vec::new();
    ParquetWriter::new(&mut buf).finish(&mut df).unwrap_or_else(|e| panic!("{e}"));
    let v = long_inspect("tz.parquet", &buf);
    assert_eq!((v["first"].as_str(), v["time_points"].as_u64(), v["frequency"].as_str()), (Some("2019-12-31"), Some(30), Some("daily")));
}

#[test]
fn dates_before_1970_are_valid() {
    let v = long_inspect("long.csv", b"unique_id,ds,y\na,1969-12-30,1\na,1969-12-31,2\na,1970-01-01,3\n");
    assert_eq!((v["first"].as_str(), v["time_points"].as_u64()), (Some("1969-12-30"), Some(3)));
}

#[test]
fn very_long_ids_and_lines_are_valid() {
    let id = "x".repeat(200_000);
    let v = long_inspect("long.csv", format!("unique_id,ds,y\n{id},1,1\n{id},2,2\nb,1,3\n").as_bytes());
    assert_eq!(v["series"], 2);
}

/// Periods past 2^53 used to pass through f64 and merge into one.
#[test]
fn integer_periods_past_2_pow_53_stay_distinct() {
    let v = long_inspect("long.csv", b"unique_id,ds,y\na,9007199254740992,1\na,9007199254740993,2\n");
    assert_eq!((v["time_points"].as_u64(), v["last"].as_str()), (Some(2), Some("9007199254740993")));
}

// ---- ids against the hierarchy ----

#[test]
fn store_id_contradicting_the_id_is_refused() {
    let mut m = TinyM5::new();
    m.evaluation = replace_field(&m.evaluation, 3, 4, "CA_1");
    m5_rejected(&m, &["sales_train_evaluation.csv", "line 3, column 'store_id'", "contradicts id 'FOODS_1_001_TX_1_evaluation'"]);
}

#[test]
fn item_id_contradicting_the_id_is_refused() {
    let mut m = TinyM5::new();
    m.evaluation = replace_field(&m.evaluation, 4, 1, "HOBBIES_1_009");
    m5_rejected(&m, &["sales_train_evaluation.csv", "line 4, column 'item_id'", "contradicts id"]);
}

#[test]
fn dept_cat_or_state_contradicting_the_hierarchy_is_refused() {
    let cases = [(3, 2, "FOODS_2", "line 3, column 'dept_id'"), (5, 3, "FOODS", "line 5, column 'cat_id'"), (4, 5, "TX", "line 4, column 'state_id'")];
    for (line, col, value, needle) in cases {
        let mut m = TinyM5::new();
        m.evaluation = replace_field(&m.evaluation, line, col, value);
        m5_rejected(&m, &["sales_train_evaluation.csv", needle, "the hierarchy must be a tree"]);
    }
}

#[test]
fn empty_ids_are_refused() {
    let mut m = TinyM5::new();
    m.evaluation = replace_field(&m.evaluation, 2, 0, "\"\"");
    m5_rejected(&m, &["sales_train_evaluation.csv", "line 2, column 'id'", "empty value"]);
    long_rejected(b"unique_id,ds,y\na,1,1\n\"\",1,1\n", &["line 3, column 'unique_id'", "empty value"]);
}

#[test]
fn quoted_validation_ids_match_the_evaluation_file() {
    let mut m = TinyM5::new();
    m.validation = replace_field(&m.validation, 3, 0, "\"FOODS_1_001_TX_1_validation\"");
    assert_eq!(accepted(&inspect_m5(&m, |_| {}))["series"], 4);
}

// ---- time grids ----

#[test]
fn integer_periods_far_apart_are_refused_in_run_and_inspect() {
    long_rejected(b"unique_id,ds,y\na,1,1\na,2,1\na,3,1\na,4,1\na,5,1\nb,4611686018427387904,2\n", &["column 'ds'", "from 1 (line 2) to 4611686018427387904 (line 7)", "more than the 10000000"]);
}

#[test]
fn extreme_integer_periods_are_refused() {
    long_rejected(b"unique_id,ds,y\na,-9223372036854775808,1\nb,9223372036854775807,1\n", &["column 'ds'", "more than the 10000000"]);
}

#[test]
fn dates_past_year_9999_are_located() {
    long_rejected(b"unique_id,ds,y\na,2020-01-01,1\na,99999-01-02,1\n", &["line 3, column 'ds'", "'99999-01-02' is not a date"]);
}

// ---- CSV structure ----

#[test]
fn duplicate_columns_are_refused() {
    long_rejected(b"unique_id,ds,y,y\na,1,1,2\na,2,1,2\n", &["column 'y'", "twice (columns 3 and 4)"]);
    let mut m = TinyM5::new();
    m.calendar = m.calendar.replacen("snap_WI", "snap_CA", 1);
    m5_rejected(&m, &["calendar.csv", "column 'snap_CA'", "twice"]);
}

#[test]
fn calendar_with_duplicate_day_names_is_refused() {
    let mut m = TinyM5::new();
    m.calendar = replace_field(&m.calendar, 4, 6, "d_2");
    m5_rejected(&m, &["calendar.csv", "line 4, column 'd'", "expected d_3, found 'd_2'"]);
}

#[test]
fn duplicate_day_columns_in_sales_are_refused() {
    let mut m = TinyM5::new();
    m.evaluation = m.evaluation.replacen(",d_3,", ",d_2,", 1);
    m5_rejected(&m, &["sales_train_evaluation.csv", "column 'd_2'"]);
}

#[test]
fn header_only_long_file_is_refused() {
    long_rejected(b"unique_id,ds,y\n", &["no data rows"]);
    long_rejected(b"unique_id,ds,y\r\n\r\n\r\n", &["no data rows"]);
}

#[test]
fn non_utf8_bytes_are_located() {
    let mut m = TinyM5::new();
    let eval = m.evaluation.clone();
    m.evaluation = String::new();
    let (_dir, out) = run_m5(&m, |d| {
        let mut bytes = eval.clone().into_bytes();
        let at = eval.lines().take(2).map(|l| l.len() + 1).sum::<usize>() + 3;
        bytes[at] = 0xff;
        write_bytes(d, "sales_train_evaluation.csv", &bytes);
    });
    rejected(&out, &["sales_train_evaluation.csv", "line 3, column 'id'", "UTF-8"]);
}

#[test]
fn bare_cr_line_endings_are_refused() {
    long_rejected(b"unique_id,ds,y\ra,1,1\ra,2,1\r", &["line 1", "carriage return"]);
}

#[test]
fn blank_line_inside_sales_is_located() {
    let mut m = TinyM5::new();
    m.evaluation = replace_line(&m.evaluation, 3, |l| format!("\n{l}"));
    m5_rejected(&m, &["sales_train_evaluation.csv", "line 3"]);
}

#[test]
fn short_row_in_long_file_is_ragged_not_missing() {
    long_rejected(b"unique_id,ds,y,promo\na,1,1,0\na,2,1\na,3,1,0\n", &["line 3", "ragged row: 3 fields, the header has 4"]);
}

#[test]
fn spaces_around_a_column_name_are_pointed_out() {
    long_rejected(b"unique_id,ds ,y\na,1,1\na,2,1\n", &["column 'ds'", "the header has 'ds '"]);
}

// ---- writers: ids that need quoting ----

/// An item id with a comma is valid M5 data; the submission quotes it and reads back.
#[test]
fn m5_submission_quotes_ids_with_commas() {
    let mut m = TinyM5::new();
    let odd = |t: &str, phase: &str| t.replace(&format!("FOODS_1_001_CA_1_{phase},FOODS_1_001,"), &format!("\"FOODS,1_001_CA_1_{phase}\",\"FOODS,1_001\","));
    m.validation = odd(&m.validation, "validation");
    m.evaluation = odd(&m.evaluation, "evaluation");
    m.prices = m.prices.replace("CA_1,FOODS_1_001,", "CA_1,\"FOODS,1_001\",");
    let (dir, out) = run_m5(&m, |_| {});
    assert!(out.status.success(), "{}", stderr(&out));
    let rows = read_csv(&dir.path().join("r/submission.csv"));
    let first = rows.first().and_then(|r| r.get("id")).cloned().unwrap_or_default();
    assert!(first.starts_with("FOODS,1_001_CA_1_"), "{first}");
    let last = rows.first().and_then(|r| r.get("F28")).cloned().unwrap_or_default();
    assert!(last.parse::<f64>().is_ok(), "the row's fields shifted: F28 = '{last}'");
}

/// Ids with commas, quotes and line breaks: every CSV of the run reads back through
/// tsforge's own long reader with the same ids.
#[test]
fn long_outputs_quote_ids_and_read_back() {
    let ids = ["plain", "a,b", "say \"hi\"", "two\nlines"];
    let mut text = String::from("unique_id,ds,y\n");
    for (k, id) in ids.iter().enumerate() {
        let quoted = format!("\"{}\"", id.replace('"', "\"\""));
        for t in 1..=12 {
            text += &format!("{quoted},{t},{}\n", (k + t) % 4);
        }
    }
    let dir = tempdir();
    write_bytes(dir.path(), "long.csv", text.as_bytes());
    let out = tsforge(&["run", "--data", "long.csv", "--horizon", "2", "--out", "r", "--quiet"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let mut files = vec![dir.path().join("r/submission.csv")];
    if let Ok(entries) = std::fs::read_dir(dir.path().join("r/forecasts")) {
        files.extend(entries.flatten().map(|e| e.path()));
    }
    for file in files {
        let head = std::fs::read_to_string(&file).unwrap_or_default();
        let alias = split_csv_line(head.lines().next().unwrap_or_default()).get(2).cloned().unwrap_or_default();
        let spec = LongSpec { target_col: alias, ..LongSpec::default() };
        let back = tsforge_data::long::load(&file, &spec).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(back.ids, ids, "{}", file.display());
    }
}
