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
    let mut seen = HashMap::with_capacity(raw_ids.len());
    for (i, id) in raw_ids.iter().enumerate() {
        if let Some(first) = seen.insert(id.as_str(), i) {
            return Err(DataError::invalid(label, Location::Cell { line: i + 2, column: "id".into() }, format!("duplicate id '{id}' (first on line {})", first + 2)));
        }
    }
    let col = |n: &str| csv::strings(&df, label, n);
    let (item, dept, cat, store, state) = (col("item_id")?, col("dept_id")?, col("cat_id")?, col("store_id")?, col("state_id")?);
    let attrs: Vec<SeriesAttrs> =
        (0..raw_ids.len()).map(|i| SeriesAttrs { item: item[i].clone(), dept: dept[i].clone(), cat: cat[i].clone(), store: store[i].clone(), state: state[i].clone() }).collect();
    let ids = raw_ids.iter().map(|id| strip_phase(id).to_string()).collect();
    let n = raw_ids.len();
    let columns: Vec<&[f32]> = (1..=days).map(|d| day_slice(&df, label, d)).collect::<Result<_>>()?;
    let mut y = vec![0f32; n * days];
    y.par_chunks_mut(days).enumerate().for_each(|(i, row)| {
        for (v, col) in row.iter_mut().zip(&columns) {
            *v = col[i];
        }
    });
    if let Some(k) = y.iter().position(|v| v.is_nan() || *v < 0.0) {
        let (i, d) = (k / days, k % days);
        let what = if y[k].is_nan() { "NaN" } else { "a negative value" };
        return Err(DataError::invalid(label, Location::Cell { line: i + 2, column: format!("d_{}", d + 1) }, format!("sales are {what} ({}): expected a count ≥ 0", y[k])));
    }
    Ok(Sales { ids, attrs, days, y })
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

/// Both sales files must list the same series in the same order.
fn check_same_ids(val: &Source, eval: &Source, eval_ids: &[String]) -> Result<()> {
    let mut count = 0;
    let lines = val.bytes.split(|&b| b == b'\n').skip(1).filter(|l| !l.iter().all(u8::is_ascii_whitespace));
    for (k, line) in lines.enumerate() {
        let end = line.iter().position(|&b| b == b',').unwrap_or(line.len());
        let id = String::from_utf8_lossy(&line[..end]);
        let id = id.trim_end_matches('\r');
        match eval_ids.get(k) {
            Some(e) if e == strip_phase(id) => count += 1,
            _ => {
                return Err(DataError::invalid(&val.label, Location::Cell { line: k + 2, column: "id".into() }, format!("id '{id}' does not match line {} of {}", k + 2, eval.label)));
            }
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
