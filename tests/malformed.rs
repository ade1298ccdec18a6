//! Malformed input: each case exits with code 2, names the file and the problem,
//! never panics, and leaves no output folder behind.

use std::path::Path;

use crate::common::{TinyM5, replace_field, replace_line, stderr, tempdir, tsforge};

/// Writes the (broken) M5 folder, runs on it, and checks exit code 2, the message
/// and that no report was written.
fn expect_rejected(m5: &TinyM5, extra: impl Fn(&Path), needles: &[&str]) {
    let dir = tempdir();
    m5.write(&dir.path().join("m5"));
    extra(&dir.path().join("m5"));
    let out = tsforge(&["run", "--data", "m5", "--out", "r", "--quiet"], dir.path());
    check(&out, needles);
    assert!(!dir.path().join("r").exists(), "a failed run left an output folder");
}

fn check(out: &std::process::Output, needles: &[&str]) {
    let err = stderr(out);
    assert_eq!(out.status.code(), Some(2), "expected exit 2, got {:?}: {err}", out.status.code());
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "message lacks '{n}': {err}");
    }
}

fn none(_: &Path) {}

#[test]
fn the_valid_fixture_runs() {
    let dir = tempdir();
    TinyM5::new().write(&dir.path().join("m5"));
    let out = tsforge(&["run", "--data", "m5", "--out", "r", "--quiet"], dir.path());
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn missing_calendar_file() {
    expect_rejected(&TinyM5::new(), |d| std::fs::remove_file(d.join("calendar.csv")).unwrap_or(()), &["m5", "missing file", "calendar.csv"]);
}

#[test]
fn missing_sales_files() {
    let rm = |d: &Path| {
        let _ = std::fs::remove_file(d.join("sales_train_validation.csv"));
        let _ = std::fs::remove_file(d.join("sales_train_evaluation.csv"));
    };
    expect_rejected(&TinyM5::new(), rm, &["missing file", "sales_train_validation"]);
}

#[test]
fn missing_sales_column() {
    let mut m = TinyM5::new();
    m.evaluation = m.evaluation.replacen("store_id", "shop_id", 1);
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "column 'store_id'", "missing"]);
}

#[test]
fn non_numeric_sales() {
    let mut m = TinyM5::new();
    m.evaluation = replace_field(&m.evaluation, 3, 10, "abc");
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "line 3, column 'd_5'", "'abc' is not a number"]);
}

#[test]
fn negative_sales() {
    let mut m = TinyM5::new();
    m.evaluation = replace_field(&m.evaluation, 2, 8, "-3");
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "line 2, column 'd_3'", "negative"]);
}

#[test]
fn nan_sales() {
    let mut m = TinyM5::new();
    m.evaluation = replace_field(&m.evaluation, 4, 20, "NaN");
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "line 4, column 'd_15'", "NaN"]);
}

#[test]
fn empty_sales_cell() {
    let mut m = TinyM5::new();
    m.evaluation = replace_field(&m.evaluation, 2, 30, "");
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "line 2, column 'd_25'", "missing value"]);
}

#[test]
fn duplicate_ids() {
    let mut m = TinyM5::new();
    let second = m.evaluation.lines().nth(1).unwrap_or("").to_string();
    m.evaluation = replace_line(&m.evaluation, 3, |_| second.clone());
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "line 3", "duplicate id 'FOODS_1_001_CA_1_evaluation'", "first on line 2"]);
}

#[test]
fn ragged_row_with_extra_field() {
    let mut m = TinyM5::new();
    m.evaluation = replace_line(&m.evaluation, 2, |l| format!("{l},7"));
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "line 2", "ragged", "67 fields, the header has 66"]);
}

#[test]
fn ragged_row_with_missing_fields() {
    let mut m = TinyM5::new();
    m.evaluation = replace_line(&m.evaluation, 4, |l| l.rsplitn(3, ',').last().unwrap_or("").to_string());
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "line 4"]);
}

#[test]
fn gap_in_day_columns() {
    let mut m = TinyM5::new();
    m.evaluation = m.evaluation.replacen(",d_3,", ",d_4,", 1);
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "column 'd_4'", "expected d_3"]);
}

#[test]
fn unknown_day_column() {
    let mut m = TinyM5::new();
    m.evaluation = m.evaluation.replacen(",d_60\n", ",total\n", 1);
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "column 'total'", "expected d_60"]);
}

#[test]
fn calendar_shorter_than_sales() {
    let mut m = TinyM5::new();
    m.calendar = m.calendar.lines().take(51).collect::<Vec<_>>().join("\n") + "\n";
    expect_rejected(&m, none, &["calendar.csv", "covers 50 days", "60"]);
}

#[test]
fn calendar_missing_column() {
    let mut m = TinyM5::new();
    m.calendar = m.calendar.replacen("wm_yr_wk", "week", 1);
    expect_rejected(&m, none, &["calendar.csv", "column 'wm_yr_wk'", "missing"]);
}

#[test]
fn calendar_with_broken_dates() {
    let mut m = TinyM5::new();
    m.calendar = replace_field(&m.calendar, 5, 0, "2011-13-40");
    expect_rejected(&m, none, &["calendar.csv", "line 5, column 'date'"]);
}

#[test]
fn prices_for_unknown_items() {
    let mut m = TinyM5::new();
    m.prices += "CA_1,FOODS_9_999,11101,1.5\n";
    expect_rejected(&m, none, &["sell_prices.csv", "line 42", "unknown item 'FOODS_9_999'"]);
}

#[test]
fn non_positive_price() {
    let mut m = TinyM5::new();
    m.prices = replace_field(&m.prices, 3, 3, "-1");
    expect_rejected(&m, none, &["sell_prices.csv", "line 3, column 'sell_price'", "positive"]);
}

#[test]
fn empty_sales_file() {
    let mut m = TinyM5::new();
    m.evaluation = String::new();
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "empty"]);
}

#[test]
fn sales_header_without_rows() {
    let mut m = TinyM5::new();
    m.evaluation = m.evaluation.lines().next().unwrap_or("").to_string() + "\n";
    expect_rejected(&m, none, &["sales_train_evaluation.csv", "no data rows"]);
}

#[test]
fn validation_and_evaluation_disagree_on_ids() {
    let mut m = TinyM5::new();
    m.validation = m.validation.replacen("HOBBIES_1_002_CA_1_validation", "HOBBIES_1_003_CA_1_validation", 1);
    expect_rejected(&m, none, &["sales_train_validation.csv", "line 4", "does not match"]);
}

#[test]
fn corrupt_gzip_file() {
    let corrupt = |d: &Path| {
        let _ = std::fs::remove_file(d.join("sell_prices.csv"));
        std::fs::write(d.join("sell_prices.csv.gz"), [0x1f, 0x8b, 8, 0, 1, 2, 3]).unwrap_or(());
    };
    expect_rejected(&TinyM5::new(), corrupt, &["sell_prices.csv.gz", "cannot read"]);
}

fn long_case(text: &str, needles: &[&str]) {
    let dir = tempdir();
    std::fs::write(dir.path().join("long.csv"), text).unwrap_or(());
    let out = tsforge(&["run", "--data", "long.csv", "--horizon", "1", "--out", "r", "--quiet"], dir.path());
    check(&out, needles);
    assert!(!dir.path().join("r").exists());
}

#[test]
fn long_format_missing_target_column() {
    long_case("unique_id,ds,sales\na,2020-01-01,1\na,2020-01-02,2\n", &["long.csv", "column 'y'", "missing"]);
}

#[test]
fn long_format_duplicate_row() {
    long_case("unique_id,ds,y\na,2020-01-01,1\na,2020-01-02,2\na,2020-01-02,3\n", &["long.csv", "line 4", "duplicate row for series 'a' at 2020-01-02"]);
}

#[test]
fn long_format_gap_inside_a_series() {
    long_case(
        "unique_id,ds,y\na,2020-01-01,1\na,2020-01-02,2\na,2020-01-04,3\nb,2020-01-01,1\nb,2020-01-02,1\nb,2020-01-03,1\nb,2020-01-04,1\n",
        &["long.csv", "series 'a' has no row for 2020-01-03"],
    );
}

#[test]
fn long_format_bad_date() {
    long_case("unique_id,ds,y\na,2020-01-01,1\na,yesterday,2\n", &["long.csv", "line 3, column 'ds'", "'yesterday' is not a date"]);
}

#[test]
fn long_format_negative_target() {
    long_case("unique_id,ds,y\na,1,1\na,2,-2\na,3,1\n", &["long.csv", "line 3, column 'y'", "≥ 0"]);
}

#[test]
fn long_format_series_shorter_than_horizon() {
    long_case("unique_id,ds,y\na,1,1\na,2,2\na,3,1\nb,3,4\n", &["long.csv", "series 'b'", "more than the horizon"]);
}

#[test]
fn long_format_needs_a_horizon() {
    let dir = tempdir();
    std::fs::write(dir.path().join("long.csv"), "unique_id,ds,y\na,1,1\na,2,2\n").unwrap_or(());
    check(&tsforge(&["run", "--data", "long.csv", "--quiet"], dir.path()), &["--horizon"]);
}

#[test]
fn unknown_recipe_key() {
    let dir = tempdir();
    std::fs::write(dir.path().join("r.toml"), "name = \"x\"\nhorizen = 28\n").unwrap_or(());
    check(&tsforge(&["run", "r.toml", "--quiet"], dir.path()), &["r.toml", "unknown field `horizen`"]);
}

#[test]
fn unknown_model_in_recipe() {
    let dir = tempdir();
    std::fs::write(dir.path().join("r.toml"), "models = [\"Prophet\"]\n").unwrap_or(());
    check(&tsforge(&["run", "r.toml", "--quiet"], dir.path()), &["r.toml", "unknown model 'Prophet'"]);
}

/// `[gbdt]` settings are checked when the recipe loads, naming the key.
#[test]
fn bad_gbdt_section_in_recipe() {
    let dir = tempdir();
    let cases = [
        ("[gbdt.params]\nnum_leafs = 31\n", "gbdt.params: unknown hyperparameter 'num_leafs'"),
        ("[gbdt.params]\nlearning_rate = -1.0\n", "gbdt.params"),
        ("[gbdt.features]\nstrategy = { kind = \"direct\", horizon = 28 }\nlags = [7]\n", "gbdt.features"),
        ("[gbdt.features]\nlagz = [28]\n", "unknown field `lagz`"),
        ("[gbdt]\ntrain_days = 0\n", "gbdt.train_days"),
    ];
    for (k, (body, needle)) in cases.iter().enumerate() {
        let name = format!("g{k}.toml");
        std::fs::write(dir.path().join(&name), body).unwrap_or(());
        check(&tsforge(&["run", &name, "--quiet", "--out", "r"], dir.path()), &[&name, needle]);
        assert!(!dir.path().join("r").exists());
    }
}

#[test]
fn unknown_dataset_name() {
    let dir = tempdir();
    check(&tsforge(&["run", "--data", "m6-huge", "--quiet"], dir.path()), &["m6-huge", "not a shipped dataset"]);
}

#[test]
fn unusable_devices_are_usage_errors() {
    let dir = tempdir();
    check(&tsforge(&["run", "--device", "tpu", "--quiet", "--out", "r"], dir.path()), &["--device", "'tpu' is not a device"]);
    // the tests build without the `cuda` feature
    check(&tsforge(&["run", "--device", "cuda", "--quiet", "--out", "r"], dir.path()), &["--device", "cuda:0", "without the `cuda` feature", "--features cuda"]);
    std::fs::write(dir.path().join("gpu.toml"), "extends = \"quickstart\"\ndevice = \"cuda:x\"\n").unwrap_or(());
    check(&tsforge(&["run", "gpu.toml", "--quiet", "--out", "r"], dir.path()), &["device: 'cuda:x' is not a device"]);
    assert!(!dir.path().join("r").exists());
}

#[test]
fn bad_command_line_usage() {
    let dir = tempdir();
    check(&tsforge(&["run", "--phase", "testing"], dir.path()), &["testing"]);
}
