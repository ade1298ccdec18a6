//! Reader for an M5 Kaggle folder: calendar, sell prices and the wide sales files.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use polars::prelude::*;
use rayon::prelude::*;
use tsforge_core::time::{Freq, TimeIndex, parse_date};
use tsforge_core::{Calendar, Panel, Prices, SeriesAttrs};

use crate::csv;
use crate::error::{DataError, Location, Result};
use crate::source::Source;

pub const ID_COLUMNS: [&str; 6] = ["id", "item_id", "dept_id", "cat_id", "store_id", "state_id"];

/// The files of one M5 folder (plain `.csv` or `.csv.gz`), already read into memory.
#[derive(Debug)]
pub struct M5Sources {
    pub calendar: Source,
    pub prices: Option<Source>,
    pub validation: Option<Source>,
    pub evaluation: Option<Source>,
}

impl M5Sources {
    /// Finds and reads the M5 files of `dir`.
    pub fn from_dir(dir: &Path) -> Result<M5Sources> {
        let find = |stem: &str| -> Option<PathBuf> { [format!("{stem}.csv"), format!("{stem}.csv.gz")].into_iter().map(|n| dir.join(n)).find(|p| p.is_file()) };
        let calendar = find("calendar").ok_or_else(|| DataError::MissingFile { dir: dir.display().to_string(), expected: "calendar.csv or calendar.csv.gz".into() })?;
        let (validation, evaluation) = (find("sales_train_validation"), find("sales_train_evaluation"));
        if validation.is_none() && evaluation.is_none() {
            return Err(DataError::MissingFile { dir: dir.display().to_string(), expected: "sales_train_validation.csv(.gz) and/or sales_train_evaluation.csv(.gz)".into() });
        }
        let read = |p: Option<PathBuf>| p.map(|p| Source::read(&p)).transpose();
        Ok(M5Sources { calendar: Source::read(&calendar)?, prices: read(find("sell_prices"))?, validation: read(validation)?, evaluation: read(evaluation)? })
    }
}

/// A loaded M5 dataset: the longest sales history available as one panel.
#[derive(Debug)]
pub struct M5Dataset {
    /// Every series over all days of the longest sales file (ids without the
    /// `_validation`/`_evaluation` suffix).
    pub panel: Panel,
    /// Days in the validation file (1913 on Kaggle data), if present.
    pub validation_days: Option<usize>,
    /// Days in the evaluation file (1941 on Kaggle data), if present.
    pub evaluation_days: Option<usize>,
}

/// Loads an M5 folder. When both sales files are present, only the evaluation file's
/// values are parsed; the validation file must agree with it on ids and days.
pub fn load(src: &M5Sources) -> Result<M5Dataset> {
    let calendar_src = &src.calendar;
    let cal = read_calendar(calendar_src)?;
    let main = src.evaluation.as_ref().or(src.validation.as_ref()).ok_or_else(|| DataError::MissingFile { dir: "M5 folder".into(), expected: "a sales_train_*.csv file".into() })?;
    let sales = read_sales(main)?;
    let n_days = sales.days;
    if cal.calendar.len() < n_days {
        return Err(DataError::invalid(&calendar_src.label, Location::File, format!("the calendar covers {} days but {} has {} (d_1..d_{n_days})", cal.calendar.len(), main.label, n_days)));
    }
    let mut validation_days = None;
    if let (Some(val), Some(_)) = (&src.validation, &src.evaluation) {
        let days = check_validation_header(val, n_days)?;
        check_same_ids(val, main, &sales.ids)?;
        validation_days = Some(days);
    } else if src.validation.is_some() {
        validation_days = Some(n_days);
    }
    let evaluation_days = src.evaluation.as_ref().map(|_| n_days);
    let prices = match &src.prices {
        // prices are known in advance: keep every calendar day (the forecast days too)
        Some(p) => Some(read_prices(p, &sales.attrs, &cal, cal.calendar.len())?),
        None => None,
    };
    let index = TimeIndex::Dates { start_days: cal.start_days, freq: Freq::Daily, len: n_days };
    let mut panel = Panel::dense(sales.ids, index, sales.y).map_err(|e| DataError::invalid(&main.label, Location::File, e.to_string()))?;
    panel.attrs = Some(sales.attrs);
    let calendar_days = cal.calendar.len();
    panel.calendar = Some(cal.calendar);
    panel.prices = match prices {
        Some(values) => Some(Prices::new(panel.n_series(), calendar_days, values).map_err(|e| DataError::invalid(&main.label, Location::File, e.to_string()))?),
        None => None,
    };
    Ok(M5Dataset { panel, validation_days, evaluation_days })
}

pub(crate) struct CalendarData {
    pub(crate) calendar: Calendar,
    pub(crate) start_days: i32,
}

pub(crate) fn read_calendar(src: &Source) -> Result<CalendarData> {
    let label = &src.label;
    let dtypes = vec![("wm_yr_wk".to_string(), DataType::Int32), ("date".to_string(), DataType::String)];
    let df = csv::read(src, &dtypes)?;
    let d = csv::strings(&df, label, "d")?;
    for (i, name) in d.iter().enumerate() {
        if name != &format!("d_{}", i + 1) {
            return Err(DataError::invalid(label, Location::Cell { line: i + 2, column: "d".into() }, format!("expected d_{}, found '{name}': days must run d_1, d_2, ... without gaps", i + 1)));
        }
    }
    let dates = csv::strings(&df, label, "date")?;
    let start_days = parse_date(&dates[0]).ok_or_else(|| DataError::invalid(label, Location::Cell { line: 2, column: "date".into() }, format!("'{}' is not a YYYY-MM-DD date", dates[0])))?;
    for (i, s) in dates.iter().enumerate() {
        let Some(day) = parse_date(s) else {
            return Err(DataError::invalid(label, Location::Cell { line: i + 2, column: "date".into() }, format!("'{s}' is not a YYYY-MM-DD date")));
        };
        if day != start_days + i as i32 {
            return Err(DataError::invalid(label, Location::Cell { line: i + 2, column: "date".into() }, format!("'{s}' breaks the daily sequence: expected the day after the previous row")));
        }
    }
    let wm_yr_wk = csv::numbers(&df, label, "wm_yr_wk")?.into_iter().map(|v| v as i32).collect();
    let snap = df
        .get_column_names()
        .iter()
        .filter_map(|c| c.strip_prefix("snap_").map(|state| (c.to_string(), state.to_string())))
        .map(|(col, state)| -> Result<(String, Vec<u8>)> {
            let flags = csv::numbers(&df, label, &col)?;
            Ok((state, flags.into_iter().map(|v| u8::from(v != 0.0)).collect()))
        })
        .collect::<Result<Vec<_>>>()?;
    let opt = |name: &str| csv::optional_strings(&df, label, name);
    let calendar = Calendar { wm_yr_wk, event_name_1: opt("event_name_1")?, event_type_1: opt("event_type_1")?, event_name_2: opt("event_name_2")?, event_type_2: opt("event_type_2")?, snap };
    Ok(CalendarData { calendar, start_days })
}

struct Sales {
    ids: Vec<String>,
    attrs: Vec<SeriesAttrs>,
    days: usize,
    y: Vec<f32>,
}

/// Number of `d_` columns after the id columns, checking they run d_1..d_N.
fn day_columns(src: &Source) -> Result<usize> {
    if src.bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(DataError::invalid(&src.label, Location::File, "the file is empty: expected a header line and one row per series"));
    }
    let header = src.header();
    for (k, name) in ID_COLUMNS.iter().enumerate() {
        if header.get(k).map(String::as_str) != Some(name) {
            let problem = if header.iter().any(|h| h == name) { format!("must be column {} of the header", k + 1) } else { "required column is missing".to_string() };
            return Err(DataError::invalid(&src.label, Location::Column((*name).into()), problem));
        }
    }
    let days = &header[ID_COLUMNS.len()..];
    if days.is_empty() {
        return Err(DataError::invalid(&src.label, Location::File, "no day columns: expected d_1, d_2, ... after the id columns"));
    }
    for (k, name) in days.iter().enumerate() {
        if name != &format!("d_{}", k + 1) {
            return Err(DataError::invalid(&src.label, Location::Column(name.clone()), format!("unexpected day column: expected d_{} (day columns must run d_1, d_2, ... without gaps)", k + 1)));
        }
    }
    Ok(days.len())
}

fn read_sales(src: &Source) -> Result<Sales> {
    let label = &src.label;
    let days = day_columns(src)?;
    let mut dtypes: Vec<(String, DataType)> = ID_COLUMNS.iter().map(|c| (c.to_string(), DataType::String)).collect();
    dtypes.extend((1..=days).map(|d| (format!("d_{d}"), DataType::Float32)));
    let mut df = csv::read(src, &dtypes)?;
    df.rechunk_mut_par();
    let raw_ids = csv::strings(&df, label, "id")?;
    let col = |n: &str| csv::strings(&df, label, n);
    let (item, dept, cat, store, state) = (col("item_id")?, col("dept_id")?, col("cat_id")?, col("store_id")?, col("state_id")?);
    let attrs: Vec<SeriesAttrs> =
        (0..raw_ids.len()).map(|i| SeriesAttrs { item: item[i].clone(), dept: dept[i].clone(), cat: cat[i].clone(), store: store[i].clone(), state: state[i].clone() }).collect();
    check_ids(label, &raw_ids, &attrs)?;
    let ids = raw_ids.iter().map(|id| strip_phase(id).to_string()).collect();
    let n = raw_ids.len();
    let columns: Vec<&[f32]> = (1..=days).map(|d| day_slice(&df, label, d)).collect::<Result<_>>()?;
    let mut y = vec![0f32; n * days];
    y.par_chunks_mut(days).enumerate().for_each(|(i, row)| {
        for (v, col) in row.iter_mut().zip(&columns) {
            // + 0.0 turns a "-0" into 0 and leaves every other value as it is
            *v = col[i] + 0.0;
        }
    });
    // f32 parsing turns a value past f32::MAX ("1e39") into infinity
    if let Some(k) = y.iter().position(|v| !v.is_finite() || *v < 0.0) {
        let (i, d) = (k / days, k % days);
        let column = format!("d_{}", d + 1);
        let text = csv::cell_text(src, i, &column).unwrap_or_else(|| y[k].to_string());
        let problem = if y[k].is_nan() {
            format!("sales are NaN ('{text}'): expected a count ≥ 0")
        } else if y[k] < 0.0 {
            format!("sales are a negative value ({text}): expected a count ≥ 0")
        } else if text.trim_start_matches('+').to_ascii_lowercase().starts_with("inf") {
            format!("sales are infinite ('{text}'): expected a count ≥ 0")
        } else {
            csv::too_large(&text)
        };
        return Err(DataError::invalid(label, Location::Cell { line: i + 2, column }, problem));
    }
    Ok(Sales { ids, attrs, days, y })
}

/// Ids are unique (after the `_validation`/`_evaluation` suffix is dropped) and agree
/// with the hierarchy columns: an M5 id is `ITEM_STORE` plus the suffix, and each item
/// has one department and category, each store one state.
fn check_ids(label: &str, raw_ids: &[String], attrs: &[SeriesAttrs]) -> Result<()> {
    let cell = |i: usize, column: &str| Location::Cell { line: i + 2, column: column.into() };
    let mut seen = HashMap::with_capacity(raw_ids.len());
    for (i, (id, a)) in raw_ids.iter().zip(attrs).enumerate() {
        let key = strip_phase(id);
        if let Some(first) = seen.insert(key, i) {
            return Err(DataError::invalid(label, cell(i, "id"), format!("duplicate id '{id}' (first on line {})", first + 2)));
        }
        if key != format!("{}_{}", a.item, a.store) {
            let (column, value) = if key.ends_with(&format!("_{}", a.store)) { ("item_id", &a.item) } else { ("store_id", &a.store) };
            return Err(DataError::invalid(label, cell(i, column), format!("{column} '{value}' contradicts id '{id}': M5 ids are ITEM_STORE (item_id '{}', store_id '{}')", a.item, a.store)));
        }
    }
    type Pick = fn(&SeriesAttrs) -> (&str, &str);
    let parents: [(&str, &str, Pick); 3] = [
        ("item_id", "dept_id", |a| (a.item.as_str(), a.dept.as_str())),
        ("dept_id", "cat_id", |a| (a.dept.as_str(), a.cat.as_str())),
        ("store_id", "state_id", |a| (a.store.as_str(), a.state.as_str())),
    ];
    for (child_col, parent_col, pick) in parents {
        let mut first: HashMap<&str, (&str, usize)> = HashMap::new();
        for (i, a) in attrs.iter().enumerate() {
            let (child, parent) = pick(a);
            let (before, line) = *first.entry(child).or_insert((parent, i));
            if before != parent {
                return Err(DataError::invalid(
                    label,
                    cell(i, parent_col),
                    format!("{child_col} '{child}' has {parent_col} '{parent}' here but '{before}' on line {}: the hierarchy must be a tree", line + 2),
                ));
            }
        }
    }
    Ok(())
}

/// The contiguous values of day column `d`; an empty cell is reported with its line.
fn day_slice<'a>(df: &'a DataFrame, label: &str, d: usize) -> Result<&'a [f32]> {
    let name = format!("d_{d}");
    let ca = csv::column(df, label, &name)?.f32().map_err(|e| DataError::invalid(label, Location::Column(name.clone()), format!("expected numbers: {e}")))?;
    if ca.null_count() > 0 {
        let line = ca.iter().position(|v| v.is_none()).unwrap_or(0) + 2;
        return Err(DataError::invalid(label, Location::Cell { line, column: name }, "missing value: expected a sales count (is the row ragged?)"));
    }
    ca.cont_slice().map_err(|e| DataError::invalid(label, Location::Column(name), e.to_string()))
}

fn strip_phase(id: &str) -> &str {
    id.strip_suffix("_validation").or_else(|| id.strip_suffix("_evaluation")).unwrap_or(id)
}

/// The validation file must be a prefix of the evaluation file in days.
fn check_validation_header(val: &Source, eval_days: usize) -> Result<usize> {
    let days = day_columns(val)?;
    if days > eval_days {
        return Err(DataError::invalid(&val.label, Location::File, format!("{days} days, more than the evaluation file's {eval_days}")));
    }
    Ok(days)
}

/// Both sales files must list the same series in the same order. Ids are compared as
/// parsed (quotes removed), never as raw bytes.
fn check_same_ids(val: &Source, eval: &Source, eval_ids: &[String]) -> Result<()> {
    let mut reader = ::csv::ReaderBuilder::new().flexible(true).from_reader(val.bytes.as_slice());
    let mut record = ::csv::ByteRecord::new();
    let mut count = 0;
    loop {
        let line = match reader.read_byte_record(&mut record) {
            Ok(true) => record.position().map_or(0, |p| p.line() as usize),
            Ok(false) => break,
            Err(e) => return Err(DataError::invalid(&val.label, e.position().map_or(Location::File, |p| Location::Line(p.line() as usize)), format!("not valid CSV: {e}"))),
        };
        let id = String::from_utf8_lossy(record.get(0).unwrap_or_default());
        match eval_ids.get(count) {
            Some(e) if e == strip_phase(&id) => count += 1,
            Some(_) => {
                return Err(DataError::invalid(&val.label, Location::Cell { line, column: "id".into() }, format!("id '{id}' does not match line {} of {}", count + 2, eval.label)));
            }
            None => return Err(DataError::invalid(&val.label, Location::Line(line), format!("more series than the {} of {}", eval_ids.len(), eval.label))),
        }
    }
    if count != eval_ids.len() {
        return Err(DataError::invalid(&val.label, Location::File, format!("{count} series, but {} has {}", eval.label, eval_ids.len())));
    }
    Ok(())
}

/// Weekly prices mapped onto days: a day takes its week's price, or the last known
/// price before it; days before an item's first price stay NaN.
fn read_prices(src: &Source, attrs: &[SeriesAttrs], cal: &CalendarData, n_days: usize) -> Result<Vec<f32>> {
    let label = &src.label;
    let dtypes = vec![("store_id".to_string(), DataType::String), ("item_id".to_string(), DataType::String), ("wm_yr_wk".to_string(), DataType::Int32), ("sell_price".to_string(), DataType::Float64)];
    let df = csv::read(src, &dtypes)?;
    let (stores, items) = (csv::text_column(&df, label, "store_id")?, csv::text_column(&df, label, "item_id")?);
    let (weeks, price) = (csv::numbers(&df, label, "wm_yr_wk")?, csv::numbers(&df, label, "sell_price")?);
    let series: HashMap<(&str, &str), usize> = attrs.iter().enumerate().map(|(i, a)| ((a.store.as_str(), a.item.as_str()), i)).collect();
    let mut week_pos: HashMap<i32, usize> = HashMap::new();
    for &w in &cal.calendar.wm_yr_wk {
        let next = week_pos.len();
        week_pos.entry(w).or_insert(next);
    }
    let n_weeks = week_pos.len();
    let mut weekly = vec![f32::NAN; attrs.len() * n_weeks];
    // Price files list one series' weeks together: remember the last key and week
    // to skip most hash lookups (7.6M rows at full scale).
    let mut last_key: Option<((&str, &str), usize)> = None;
    let mut last_week: Option<(i32, usize)> = None;
    for (r, (store, item)) in stores.iter().zip(items.iter()).enumerate() {
        let line = r + 2;
        let (Some(store), Some(item)) = (store, item) else {
            let column = if store.is_none() { "store_id" } else { "item_id" };
            return Err(DataError::invalid(label, Location::Cell { line, column: column.into() }, "empty value"));
        };
        let s = match last_key {
            Some((k, s)) if k == (store, item) => s,
            _ => {
                let s = *series
                    .get(&(store, item))
                    .ok_or_else(|| DataError::invalid(label, Location::Line(line), format!("price for unknown item '{item}' in store '{store}': no such series in the sales file")))?;
                last_key = Some(((store, item), s));
                s
            }
        };
        let week = weeks[r] as i32;
        let w = match last_week {
            Some((wk, w)) if wk == week => w,
            _ => {
                let w = *week_pos.get(&week).ok_or_else(|| DataError::invalid(label, Location::Cell { line, column: "wm_yr_wk".into() }, format!("week {week} is not in the calendar")))?;
                last_week = Some((week, w));
                w
            }
        };
        if !(price[r].is_finite() && price[r] > 0.0) {
            return Err(DataError::invalid(label, Location::Cell { line, column: "sell_price".into() }, format!("price {} is not a positive number", price[r])));
        }
        if csv::overflows_f32(price[r]) {
            return Err(DataError::invalid(label, Location::Cell { line, column: "sell_price".into() }, csv::too_large(&format!("{:e}", price[r]))));
        }
        let slot = &mut weekly[s * n_weeks + w];
        if !slot.is_nan() {
            return Err(DataError::invalid(label, Location::Line(line), format!("second price for item '{item}' in store '{store}' in week {week}")));
        }
        *slot = price[r] as f32;
    }
    let day_week: Vec<usize> = cal.calendar.wm_yr_wk[..n_days].iter().map(|w| week_pos[w]).collect();
    let mut daily = vec![f32::NAN; attrs.len() * n_days];
    daily.par_chunks_mut(n_days).enumerate().for_each(|(s, row)| {
        let mut last = f32::NAN;
        for (v, &w) in row.iter_mut().zip(&day_week) {
            let p = weekly[s * n_weeks + w];
            if !p.is_nan() {
                last = p;
            }
            *v = last;
        }
    });
    Ok(daily)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SERIES: [(&str, &str, &str, &str, &str); 3] =
        [("FOODS_1_001", "FOODS_1", "FOODS", "CA_1", "CA"), ("FOODS_1_001", "FOODS_1", "FOODS", "TX_1", "TX"), ("HOBBIES_1_002", "HOBBIES_1", "HOBBIES", "CA_1", "CA")];

    fn calendar() -> String {
        let mut out = String::from("date,wm_yr_wk,d,event_name_1,event_type_1,event_name_2,event_type_2,snap_CA,snap_TX\n");
        for d in 0..14 {
            let (y, m, dd) = tsforge_core::time::civil_from_days(15_003 + d);
            out += &format!("{y}-{m:02}-{dd:02},{},d_{},,,,,0,1\n", 11101 + d / 7, d + 1);
        }
        out
    }

    /// A sales file of `days` days; `quote` writes every field in quotes.
    fn sales(days: usize, suffix: &str, quote: bool) -> String {
        let q = |s: &str| if quote { format!("\"{s}\"") } else { s.to_string() };
        let mut head = vec!["id".to_string(), "item_id".into(), "dept_id".into(), "cat_id".into(), "store_id".into(), "state_id".into()];
        head.extend((1..=days).map(|d| format!("d_{d}")));
        let mut out = head.iter().map(|h| q(h)).collect::<Vec<_>>().join(",") + "\n";
        for (k, (item, dept, cat, store, state)) in SERIES.iter().enumerate() {
            let mut row = vec![format!("{item}_{store}_{suffix}"), item.to_string(), dept.to_string(), cat.to_string(), store.to_string(), state.to_string()];
            row.extend((1..=days).map(|d| ((k + d) % 4).to_string()));
            out += &(row.iter().map(|f| q(f)).collect::<Vec<_>>().join(",") + "\n");
        }
        out
    }

    fn prices() -> String {
        let mut out = String::from("store_id,item_id,wm_yr_wk,sell_price\n");
        for (item, _, _, store, _) in SERIES {
            out += &format!("{store},{item},11101,1.5\n{store},{item},11102,2\n");
        }
        out
    }

    fn sources(cal: &str, val: &str, eval: &str, prices: &str) -> M5Sources {
        let src = |name: &str, text: &str| Source::from_bytes(name.to_string(), text.as_bytes().to_vec()).unwrap_or_else(|e| panic!("{e}"));
        M5Sources {
            calendar: src("calendar.csv", cal),
            prices: Some(src("sell_prices.csv", prices)),
            validation: Some(src("sales_train_validation.csv", val)),
            evaluation: Some(src("sales_train_evaluation.csv", eval)),
        }
    }

    fn plain() -> M5Sources {
        sources(&calendar(), &sales(8, "validation", false), &sales(10, "evaluation", false), &prices())
    }

    fn error(src: &M5Sources) -> String {
        match load(src) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        }
    }

    /// Quoted fields, CRLF line endings and a byte order mark are valid CSV: the same
    /// folder written with them loads to the same panel.
    #[test]
    fn quoting_crlf_and_bom_load_like_plain_files() {
        let reference = load(&plain()).unwrap_or_else(|e| panic!("{e}")).panel;
        let crlf = |s: String| s.replace('\n', "\r\n");
        let bom = |s: String| format!("\u{feff}{s}");
        let variants = [
            sources(&calendar(), &sales(8, "validation", true), &sales(10, "evaluation", true), &prices()),
            sources(&crlf(calendar()), &crlf(sales(8, "validation", true)), &crlf(sales(10, "evaluation", false)), &crlf(prices())),
            sources(&bom(calendar()), &bom(sales(8, "validation", false)), &bom(sales(10, "evaluation", true)), &bom(prices())),
            sources(&(calendar() + "\n\n"), &(sales(8, "validation", false) + "\r\n"), &sales(10, "evaluation", false), &(prices() + "\n")),
        ];
        for (k, v) in variants.iter().enumerate() {
            let p = load(v).unwrap_or_else(|e| panic!("variant {k}: {e}")).panel;
            assert_eq!(p, reference, "variant {k}");
        }
    }

    #[test]
    fn values_past_f32_are_refused_at_their_cell() {
        for (text, needle) in [("1e39", "'1e39' is too large"), ("1e308", "'1e308' is too large"), ("inf", "infinite"), ("-inf", "negative"), ("nan", "NaN")] {
            let eval = sales(10, "evaluation", false);
            let eval =
                eval.lines().enumerate().map(|(k, l)| if k == 2 { l.rsplit_once(',').map_or("", |(head, _)| head).to_string() + "," + text } else { l.to_string() }).collect::<Vec<_>>().join("\n");
            let src = sources(&calendar(), &sales(8, "validation", false), &eval, &prices());
            let msg = error(&src);
            assert!(msg.contains("sales_train_evaluation.csv: line 3, column 'd_10'") && msg.contains(needle), "{text}: {msg}");
        }
    }

    #[test]
    fn hierarchy_columns_must_agree_with_the_id() {
        let eval = sales(10, "evaluation", false);
        let cases = [
            (eval.replacen("FOODS_1_001_TX_1_evaluation,FOODS_1_001,FOODS_1,FOODS,TX_1", "FOODS_1_001_TX_1_evaluation,FOODS_1_001,FOODS_1,FOODS,CA_1", 1), "line 3, column 'store_id'"),
            (eval.replacen("FOODS_1_001_TX_1_evaluation,FOODS_1_001,", "FOODS_1_001_TX_1_evaluation,FOODS_1_009,", 1), "line 3, column 'item_id'"),
            (eval.replacen("FOODS_1_001_TX_1_evaluation,FOODS_1_001,FOODS_1,", "FOODS_1_001_TX_1_evaluation,FOODS_1_001,FOODS_2,", 1), "line 3, column 'dept_id'"),
            (eval.replacen("HOBBIES_1,HOBBIES,CA_1,CA", "HOBBIES_1,HOBBIES,CA_1,TX", 1), "line 4, column 'state_id'"),
            (eval.replacen("TX_1_evaluation,FOODS_1_001,FOODS_1,FOODS,", "TX_1_evaluation,FOODS_1_001,FOODS_1,HOBBIES,", 1), "line 3, column 'cat_id'"),
        ];
        for (k, (eval, needle)) in cases.iter().enumerate() {
            let msg = error(&sources(&calendar(), &sales(8, "validation", false), eval, &prices()));
            assert!(msg.contains(needle), "case {k}: {msg}");
        }
    }

    #[test]
    fn validation_ids_are_compared_parsed() {
        let val = sales(8, "validation", false).replacen("HOBBIES_1_002_CA_1_validation", "\"HOBBIES_1_002_CA_1_validation\"", 1);
        assert!(load(&sources(&calendar(), &val, &sales(10, "evaluation", false), &prices())).is_ok());
        let val = sales(8, "validation", false).replacen("HOBBIES_1_002_CA_1_validation", "HOBBIES_1_003_CA_1_validation", 1);
        let msg = error(&sources(&calendar(), &val, &sales(10, "evaluation", false), &prices()));
        assert!(msg.contains("sales_train_validation.csv: line 4, column 'id'"), "{msg}");
    }

    #[test]
    fn prices_past_f32_and_duplicate_columns_are_refused() {
        let p = prices().replacen("11102,2\n", "11102,1e39\n", 1);
        let msg = error(&sources(&calendar(), &sales(8, "validation", false), &sales(10, "evaluation", false), &p));
        assert!(msg.contains("sell_prices.csv: line 3, column 'sell_price'") && msg.contains("too large"), "{msg}");
        let cal = calendar().replacen("snap_TX\n", "snap_CA\n", 1);
        let msg = error(&sources(&cal, &sales(8, "validation", false), &sales(10, "evaluation", false), &prices()));
        assert!(msg.contains("calendar.csv: column 'snap_CA'") && msg.contains("twice"), "{msg}");
    }
}
