//! Reader for long-format panels: one row per series and period (`unique_id, ds, y`,
//! plus optional covariates), from CSV or Parquet.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;
use tsforge_core::Panel;
use tsforge_core::panel::{Covariate, StaticCovariate};
use tsforge_core::time::{Freq, TimeIndex, civil_from_days, grid_position, parse_date};

use crate::csv;
use crate::error::{DataError, Location, Result};
use crate::source::Source;

/// How to read a long-format file.
#[derive(Debug, Clone)]
pub struct LongSpec {
    pub id_col: String,
    pub time_col: String,
    pub target_col: String,
    /// Columns constant within a series (store, category, ...).
    pub static_cols: Vec<String>,
    /// Numeric columns that vary over time; `None` takes every other numeric column.
    pub dynamic_cols: Option<Vec<String>>,
    /// Frequency of date-valued `ds`; inferred from the data when `None`.
    pub freq: Option<Freq>,
}

impl Default for LongSpec {
    fn default() -> Self {
        LongSpec { id_col: "unique_id".into(), time_col: "ds".into(), target_col: "y".into(), static_cols: Vec::new(), dynamic_cols: None, freq: None }
    }
}

/// Reads a CSV (plain or gzip) or Parquet (by the `.parquet` extension) long-format file.
pub fn load(path: &Path, spec: &LongSpec) -> Result<Panel> {
    let label = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| DataError::Io { file: label.clone(), source })?;
    load_bytes(path, bytes, spec)
}

/// The same from the file's bytes, already read (the caller may fingerprint them).
/// `path` names the file in messages and tells Parquet (by extension) from CSV.
pub fn load_bytes(path: &Path, bytes: Vec<u8>, spec: &LongSpec) -> Result<Panel> {
    let label = path.display().to_string();
    let is_parquet = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("parquet"));
    let df = if is_parquet {
        ParquetReader::new(std::io::Cursor::new(bytes)).finish().map_err(|e| DataError::invalid(&label, Location::File, format!("cannot read as Parquet: {e}")))?
    } else {
        let src = Source::from_bytes(label.clone(), bytes)?;
        let dtypes = vec![(spec.id_col.clone(), DataType::String), (spec.target_col.clone(), DataType::Float64)];
        csv::read(&src, &dtypes)?
    };
    if df.height() == 0 {
        return Err(DataError::invalid(&label, Location::File, "no data rows"));
    }
    from_frame(&df, &label, spec)
}

/// Builds a panel from a long-format frame.
pub fn from_frame(df: &DataFrame, label: &str, spec: &LongSpec) -> Result<Panel> {
    let ids = csv::strings(df, label, &spec.id_col)?;
    let y = csv::numbers(df, label, &spec.target_col)?;
    for (r, v) in y.iter().enumerate() {
        if v.is_nan() || *v < 0.0 {
            return Err(DataError::invalid(label, Location::Cell { line: r + 2, column: spec.target_col.clone() }, format!("{v} is not a valid target: expected a number ≥ 0")));
        }
    }
    let times = read_times(df, label, spec)?;
    // Series in order of first appearance; each row placed at its grid position.
    let mut order: HashMap<&str, usize> = HashMap::new();
    let mut series_of_row = Vec::with_capacity(ids.len());
    for id in &ids {
        let next = order.len();
        series_of_row.push(*order.entry(id.as_str()).or_insert(next));
    }
    let n = order.len();
    let mut names = vec![String::new(); n];
    for (id, &i) in &order {
        names[i] = (*id).to_string();
    }
    let t_len = (times.max_pos + 1) as usize;
    let mut values = vec![f32::NAN; n * t_len];
    let mut row_at = vec![usize::MAX; n * t_len];
    for (r, (&s, &pos)) in series_of_row.iter().zip(&times.pos).enumerate() {
        let k = s * t_len + pos as usize;
        if row_at[k] != usize::MAX {
            return Err(DataError::invalid(label, Location::Line(r + 2), format!("duplicate row for series '{}' at {} (first on line {})", names[s], times.label_of(pos), row_at[k] + 2)));
        }
        row_at[k] = r;
        values[k] = y[r] as f32;
    }
    let mut spans = Vec::with_capacity(n);
    for (s, name) in names.iter().enumerate() {
        let row = &values[s * t_len..(s + 1) * t_len];
        let start = row.iter().position(|v| !v.is_nan()).unwrap_or(0);
        let end = t_len - row.iter().rev().position(|v| !v.is_nan()).unwrap_or(0);
        if let Some(gap) = row[start..end].iter().position(|v| v.is_nan()) {
            return Err(DataError::invalid(
                label,
                Location::Column(spec.time_col.clone()),
                format!("series '{name}' has no row for {}: expected one row per period between its first and last", times.label_of((start + gap) as i64)),
            ));
        }
        spans.push((start, end));
    }
    let index = times.index(t_len);
    let mut panel = Panel::dense(names, index, values).map_err(|e| DataError::invalid(label, Location::File, e.to_string()))?;
    panel.spans = spans;
    panel.statics = read_statics(df, label, spec, &series_of_row, &panel.ids)?;
    panel.dynamic = read_dynamic(df, label, spec, &row_at, n * t_len)?;
    Ok(panel)
}

struct Times {
    /// Grid position of every row (0 = earliest period in the file).
    pos: Vec<i64>,
    max_pos: i64,
    /// Date grid (start days, frequency) or integer periods (start).
    dates: Option<(i32, Freq)>,
    period_start: i64,
}

impl Times {
    fn label_of(&self, pos: i64) -> String {
        self.index(pos as usize + 1).label(pos as usize)
    }

    fn index(&self, len: usize) -> TimeIndex {
        match self.dates {
            Some((start_days, freq)) => TimeIndex::Dates { start_days, freq, len },
            None => TimeIndex::Periods { start: self.period_start, len },
        }
    }
}

fn read_times(df: &DataFrame, label: &str, spec: &LongSpec) -> Result<Times> {
    let name = spec.time_col.as_str();
    let col = csv::column(df, label, name)?;
    let cell = |r: usize| Location::Cell { line: r + 2, column: name.to_string() };
    match col.dtype() {
        dt if dt.is_integer() => {
            let p = csv::numbers(df, label, name)?;
            let periods: Vec<i64> = p.iter().map(|v| *v as i64).collect();
            let start = periods.iter().copied().min().unwrap_or(0);
            let pos: Vec<i64> = periods.iter().map(|p| p - start).collect();
            let max_pos = pos.iter().copied().max().unwrap_or(0);
            Ok(Times { pos, max_pos, dates: None, period_start: start })
        }
        _ => {
            let raw = col.cast(&DataType::String).map_err(|e| DataError::invalid(label, Location::Column(name.into()), e.to_string()))?;
            let ca = raw.str().map_err(|e| DataError::invalid(label, Location::Column(name.into()), e.to_string()))?;
            let days = ca
                .iter()
                .enumerate()
                .map(|(r, v)| {
                    let s = v.unwrap_or("");
                    parse_date(s).ok_or_else(|| DataError::invalid(label, cell(r), format!("'{s}' is not a date: expected YYYY-MM-DD or an integer period")))
                })
                .collect::<Result<Vec<i32>>>()?;
            let start = days.iter().copied().min().unwrap_or(0);
            let freq = match spec.freq {
                Some(f) => f,
                None => infer_freq(&days).ok_or_else(|| {
                    DataError::invalid(label, Location::Column(name.into()), "cannot infer the frequency from the dates: give it explicitly (daily, weekly, monthly, quarterly, yearly)")
                })?,
            };
            let pos = days
                .iter()
                .enumerate()
                .map(|(r, &d)| {
                    grid_position(start, freq, d).ok_or_else(|| {
                        let (y, m, dd) = civil_from_days(d);
                        DataError::invalid(label, cell(r), format!("{y:04}-{m:02}-{dd:02} is not on the {} grid starting at the earliest date", freq.name()))
                    })
                })
                .collect::<Result<Vec<i64>>>()?;
            let max_pos = pos.iter().copied().max().unwrap_or(0);
            Ok(Times { pos, max_pos, dates: Some((start, freq)), period_start: 0 })
        }
    }
}

/// The frequency whose step matches the smallest gap between distinct dates.
fn infer_freq(days: &[i32]) -> Option<Freq> {
    let mut d: Vec<i32> = days.to_vec();
    d.sort_unstable();
    d.dedup();
    let step = d.windows(2).map(|w| w[1] - w[0]).min()?;
    match step {
        1 => Some(Freq::Daily),
        7 => Some(Freq::Weekly),
        28..=31 => Some(Freq::Monthly),
        89..=92 => Some(Freq::Quarterly),
        365 | 366 => Some(Freq::Yearly),
        _ => None,
    }
}

fn read_statics(df: &DataFrame, label: &str, spec: &LongSpec, series_of_row: &[usize], ids: &[String]) -> Result<Vec<StaticCovariate>> {
    spec.static_cols
        .iter()
        .map(|name| {
            let vals = csv::strings(df, label, name)?;
            let mut per_series: Vec<Option<String>> = vec![None; ids.len()];
            for (r, (&s, v)) in series_of_row.iter().zip(vals).enumerate() {
                match &per_series[s] {
                    Some(prev) if *prev != v => {
                        return Err(DataError::invalid(
                            label,
                            Location::Cell { line: r + 2, column: name.clone() },
                            format!("static covariate changes within series '{}' ('{prev}' then '{v}')", ids[s]),
                        ));
                    }
                    Some(_) => {}
                    None => per_series[s] = Some(v),
                }
            }
            Ok(StaticCovariate { name: name.clone(), values: per_series.into_iter().map(Option::unwrap_or_default).collect() })
        })
        .collect()
}

fn read_dynamic(df: &DataFrame, label: &str, spec: &LongSpec, row_at: &[usize], cells: usize) -> Result<Vec<Covariate>> {
    let reserved = [&spec.id_col, &spec.time_col, &spec.target_col];
    let names: Vec<String> = match &spec.dynamic_cols {
        Some(cols) => cols.clone(),
        None => df.columns().iter().filter(|c| c.dtype().is_primitive_numeric()).map(|c| c.name().to_string()).filter(|n| !reserved.contains(&n) && !spec.static_cols.contains(n)).collect(),
    };
    names
        .into_iter()
        .map(|name| {
            let col = csv::column(df, label, &name)?;
            let cast = col.cast(&DataType::Float64).map_err(|e| DataError::invalid(label, Location::Column(name.clone()), format!("expected numbers: {e}")))?;
            let ca = cast.f64().map_err(|e| DataError::invalid(label, Location::Column(name.clone()), e.to_string()))?;
            let by_row: Vec<f64> = ca.iter().map(|v| v.unwrap_or(f64::NAN)).collect();
            let values = (0..cells).map(|k| row_at[k]).map(|r| if r == usize::MAX { f32::NAN } else { by_row[r] as f32 }).collect();
            Ok(Covariate { name, values })
        })
        .collect()
}
