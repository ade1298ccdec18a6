//! Reader for long-format panels: one row per series and period (`unique_id, ds, y`,
//! plus optional covariates), from CSV or Parquet.

use std::collections::HashMap;
use std::path::Path;

use polars::prelude::*;
use tsforge_core::Panel;
use tsforge_core::panel::{Covariate, CovariateKind, StaticCovariate};
use tsforge_core::time::{Freq, TimeIndex, civil_from_days, days_from_civil, grid_position, parse_timestamp, stamp_label};

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
    /// Numeric columns known in advance (a planned promotion): rows past a series' last
    /// `y`, with `y` empty, give their values for the forecast periods.
    pub future_cols: Vec<String>,
    /// Numeric columns known only once observed: read up to each series' last `y`.
    /// (Every other numeric column is checked as these are, then left out.)
    pub past_cols: Vec<String>,
    /// Frequency of date-valued `ds`; inferred from the data when `None`.
    pub freq: Option<Freq>,
}

impl Default for LongSpec {
    fn default() -> Self {
        LongSpec { id_col: "unique_id".into(), time_col: "ds".into(), target_col: "y".into(), static_cols: Vec::new(), future_cols: Vec::new(), past_cols: Vec::new(), freq: None }
    }
}

/// The longest time grid a long file may span, in periods: integer periods far apart
/// (`1` and `4611686018427387904`) would otherwise ask for a grid that cannot be allocated.
pub const MAX_PERIODS: usize = 10_000_000;

/// The most values (series × periods) a long file may ask the panel to hold: 4 GB of f32.
pub const MAX_CELLS: usize = 1_000_000_000;

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
    check_declared(df, label, spec)?;
    // with known-in-advance covariates, rows past a series' last value leave y empty (NaN)
    let y = if spec.future_cols.is_empty() { csv::numbers(df, label, &spec.target_col)? } else { csv::optional_numbers(df, label, &spec.target_col)? };
    for (r, v) in y.iter().enumerate() {
        let cell = || Location::Cell { line: r + 2, column: spec.target_col.clone() };
        if *v < 0.0 {
            return Err(DataError::invalid(label, cell(), format!("{v} is not a valid target: expected a number ≥ 0")));
        }
        if csv::overflows_f32(*v) {
            return Err(DataError::invalid(label, cell(), csv::too_large(&format!("{v:e}"))));
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
    if n.checked_mul(t_len).is_none_or(|cells| cells > MAX_CELLS) {
        return Err(DataError::invalid(
            label,
            Location::Column(spec.time_col.clone()),
            format!("{n} series over {t_len} periods ({} .. {}) make more than {MAX_CELLS} values: is a period or a date wrong?", times.label_of(0), times.label_of(times.max_pos)),
        ));
    }
    let mut values = vec![f32::NAN; n * t_len];
    let mut row_at = vec![usize::MAX; n * t_len];
    for (r, (&s, &pos)) in series_of_row.iter().zip(&times.pos).enumerate() {
        let k = s * t_len + pos as usize;
        if row_at[k] != usize::MAX {
            return Err(DataError::invalid(label, Location::Line(r + 2), format!("duplicate row for series '{}' at {} (first on line {})", names[s], times.label_of(pos), row_at[k] + 2)));
        }
        row_at[k] = r;
        // + 0.0 turns a "-0" into 0 and leaves every other value as it is
        values[k] = y[r] as f32 + 0.0;
    }
    let mut spans = Vec::with_capacity(n);
    for (s, name) in names.iter().enumerate() {
        let row = &values[s * t_len..(s + 1) * t_len];
        let Some(start) = row.iter().position(|v| !v.is_nan()) else {
            let line = row_at[s * t_len..(s + 1) * t_len].iter().copied().filter(|&r| r != usize::MAX).min().unwrap_or(0) + 2;
            return Err(DataError::invalid(
                label,
                Location::Cell { line, column: spec.target_col.clone() },
                format!("series '{name}' has no value of '{}': expected at least one number", spec.target_col),
            ));
        };
        let end = t_len - row.iter().rev().position(|v| !v.is_nan()).unwrap_or(0);
        if let Some(r) = row_at[s * t_len..s * t_len + end].iter().zip(row).find(|(r, v)| **r != usize::MAX && v.is_nan()).map(|(r, _)| *r) {
            return Err(DataError::invalid(
                label,
                Location::Cell { line: r + 2, column: spec.target_col.clone() },
                format!("empty value in series '{name}' before its last value: only the periods after a series' last value may leave it empty (for their known-in-advance covariates)"),
            ));
        }
        if let Some(gap) = row[start..end].iter().position(|v| v.is_nan()) {
            return Err(DataError::invalid(
                label,
                Location::Column(spec.time_col.clone()),
                format!("series '{name}' has no row for {}: expected one row per period between its first and last", times.label_of((start + gap) as i64)),
            ));
        }
        spans.push((start, end));
    }
    // the grid ends with the last value of y; rows after it only carry future covariates
    let n_hist = spans.iter().map(|&(_, e)| e).max().unwrap_or(t_len);
    let index = times.index(n_hist);
    let values = if n_hist < t_len { values.chunks_exact(t_len).flat_map(|r| r[..n_hist].iter().copied()).collect() } else { values };
    let mut panel = Panel::dense(names, index, values).map_err(|e| DataError::invalid(label, Location::File, e.to_string()))?;
    panel.spans = spans;
    panel.statics = read_statics(df, label, spec, &series_of_row, &panel.ids, &y)?;
    panel.dynamic = read_dynamic(df, label, spec, &row_at, t_len, &panel.spans)?;
    Ok(panel)
}

/// Every declared column must be in the file: a missing one is named (with the
/// header's near miss, if any) before anything else is read.
fn check_declared(df: &DataFrame, label: &str, spec: &LongSpec) -> Result<()> {
    for name in spec.static_cols.iter().chain(&spec.future_cols).chain(&spec.past_cols) {
        csv::column(df, label, name).map_err(|e| match e {
            DataError::Invalid { file, location, problem } => DataError::Invalid { file, location, problem: format!("{problem} (declared in [columns])") },
            other => other,
        })?;
    }
    let reserved = [&spec.id_col, &spec.time_col, &spec.target_col];
    let mut seen = std::collections::HashSet::new();
    for name in spec.static_cols.iter().chain(&spec.future_cols).chain(&spec.past_cols) {
        if reserved.contains(&name) {
            return Err(DataError::invalid(label, Location::Column(name.clone()), "declared as a covariate, but it is the id, time or target column"));
        }
        if !seen.insert(name) {
            return Err(DataError::invalid(label, Location::Column(name.clone()), "declared twice in [columns] (static, future, past)"));
        }
    }
    Ok(())
}

struct Times {
    /// Grid position of every row (0 = earliest period in the file).
    pos: Vec<i64>,
    max_pos: i64,
    grid: Grid,
}

/// Where position 0 is and how positions step.
#[derive(Clone, Copy)]
enum Grid {
    /// Dates from `start` (days since the epoch) at a calendar frequency.
    Dates(i32, Freq),
    /// Instants from `start` (seconds since the epoch) a sub-daily step (seconds) apart.
    Stamps(i64, u32),
    /// Integer periods from `start`.
    Periods(i64),
}

impl Times {
    fn label_of(&self, pos: i64) -> String {
        self.index(pos as usize + 1).label(pos as usize)
    }

    fn index(&self, len: usize) -> TimeIndex {
        match self.grid {
            Grid::Dates(start_days, freq) => TimeIndex::Dates { start_days, freq, len },
            Grid::Stamps(start_secs, step_secs) => TimeIndex::Stamps { start_secs, step_secs, len },
            Grid::Periods(start) => TimeIndex::Periods { start, len },
        }
    }
}

fn read_times(df: &DataFrame, label: &str, spec: &LongSpec) -> Result<Times> {
    let name = spec.time_col.as_str();
    let col = csv::column(df, label, name)?;
    let cell = |r: usize| Location::Cell { line: r + 2, column: name.to_string() };
    let column_error = |e: PolarsError| DataError::invalid(label, Location::Column(name.into()), e.to_string());
    let instants = match col.dtype() {
        dt if dt.is_integer() => {
            // i64 throughout: through f64, periods past 2^53 would merge
            let cast = col.cast(&DataType::Int64).map_err(column_error)?;
            let periods = cast
                .i64()
                .map_err(column_error)?
                .iter()
                .enumerate()
                .map(|(r, v)| v.ok_or_else(|| DataError::invalid(label, cell(r), "empty value: expected an integer period")))
                .collect::<Result<Vec<i64>>>()?;
            let start = periods.iter().copied().min().unwrap_or(0);
            check_span(label, name, &periods, |p| p.to_string())?;
            let pos: Vec<i64> = periods.iter().map(|p| p - start).collect();
            let max_pos = pos.iter().copied().max().unwrap_or(0);
            return Ok(Times { pos, max_pos, grid: Grid::Periods(start) });
        }
        // Date and timestamps (Parquet) by value: a timestamp is an instant, in UTC
        // (polars holds instants in UTC, whatever the time zone it displays)
        DataType::Date => {
            let phys = col.to_physical_repr();
            let days = phys.i32().map_err(column_error)?;
            days.iter().enumerate().map(|(r, v)| v.map(|d| i64::from(d) * 86_400).ok_or_else(|| DataError::invalid(label, cell(r), "empty value: expected a date"))).collect::<Result<Vec<i64>>>()?
        }
        DataType::Datetime(unit, _) => {
            let per_second: i64 = match unit {
                TimeUnit::Nanoseconds => 1_000_000_000,
                TimeUnit::Microseconds => 1_000_000,
                TimeUnit::Milliseconds => 1_000,
            };
            let phys = col.to_physical_repr();
            let instants = phys.i64().map_err(column_error)?;
            instants
                .iter()
                .enumerate()
                .map(|(r, v)| v.map(|v| v.div_euclid(per_second)).ok_or_else(|| DataError::invalid(label, cell(r), "empty value: expected a date")))
                .collect::<Result<Vec<i64>>>()?
        }
        _ => {
            let raw = col.cast(&DataType::String).map_err(column_error)?;
            let ca = raw.str().map_err(column_error)?;
            ca.iter()
                .enumerate()
                .map(|(r, v)| {
                    let s = v.unwrap_or("");
                    parse_timestamp(s)
                        .map(|(secs, _)| secs)
                        .ok_or_else(|| DataError::invalid(label, cell(r), format!("'{s}' is not a date: expected YYYY-MM-DD, YYYY-MM-DD HH:MM[:SS] or an integer period")))
                })
                .collect::<Result<Vec<i64>>>()?
        }
    };
    // the years YYYY-MM-DD text can hold; Parquet dates may lie anywhere in ±5.8 million years
    let (first_day, last_day) = (i64::from(days_from_civil(0, 1, 1)), i64::from(days_from_civil(9999, 12, 31)));
    if let Some(r) = instants.iter().position(|s| !(first_day..=last_day).contains(&s.div_euclid(86_400))) {
        return Err(DataError::invalid(label, cell(r), "date out of range: expected a date in the years 0000-9999"));
    }
    // sub-daily data: asked for, or rows at different times of day (daily data stamped at
    // one hour, such as UTC midnight elsewhere, stays daily)
    let time_of_day = instants.first().map_or(0, |s| s.rem_euclid(86_400));
    if matches!(spec.freq, Some(Freq::Intraday(_))) || instants.iter().any(|s| s.rem_euclid(86_400) != time_of_day) {
        return stamp_times(label, name, &instants, spec.freq);
    }
    let days: Vec<i32> = instants.iter().map(|s| s.div_euclid(86_400) as i32).collect();
    let start = days.iter().copied().min().unwrap_or(0);
    let freq = match spec.freq {
        Some(f) => f,
        None => infer_freq(&days)
            .ok_or_else(|| DataError::invalid(label, Location::Column(name.into()), "cannot infer the frequency from the dates: give it explicitly (daily, weekly, monthly, quarterly, yearly)"))?,
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
    check_span(label, name, &pos, |p| Times { pos: Vec::new(), max_pos: 0, grid: Grid::Dates(start, freq) }.label_of(p))?;
    let max_pos = pos.iter().copied().max().unwrap_or(0);
    Ok(Times { pos, max_pos, grid: Grid::Dates(start, freq) })
}

/// The grid of sub-daily instants: from the earliest, at the given step or the smallest
/// gap between distinct instants; an instant off that grid is an error naming its line.
fn stamp_times(label: &str, name: &str, instants: &[i64], freq: Option<Freq>) -> Result<Times> {
    let cell = |r: usize| Location::Cell { line: r + 2, column: name.to_string() };
    let start = instants.iter().copied().min().unwrap_or(0);
    let step = match freq {
        Some(Freq::Intraday(step)) => step,
        _ => {
            let mut sorted = instants.to_vec();
            sorted.sort_unstable();
            sorted.dedup();
            let gap = sorted.windows(2).map(|w| w[1] - w[0]).min().unwrap_or(3600);
            u32::try_from(gap)
                .ok()
                .filter(|&g| g < 86_400)
                .ok_or_else(|| DataError::invalid(label, Location::Column(name.into()), "cannot infer the frequency from the timestamps: give it explicitly (hourly, 30min, 15min, ...)"))?
        }
    };
    let step_name = Freq::Intraday(step).name();
    let pos = instants
        .iter()
        .enumerate()
        .map(|(r, &s)| {
            let off = s - start;
            if off % i64::from(step) == 0 {
                Ok(off / i64::from(step))
            } else {
                Err(DataError::invalid(label, cell(r), format!("{} is not on the {step_name} grid ({step} s) starting at the earliest timestamp", stamp_label(s))))
            }
        })
        .collect::<Result<Vec<i64>>>()?;
    let grid = Grid::Stamps(start, step);
    check_span(label, name, &pos, |p| Times { pos: Vec::new(), max_pos: 0, grid }.label_of(p))?;
    let max_pos = pos.iter().copied().max().unwrap_or(0);
    Ok(Times { pos, max_pos, grid })
}

/// Refuses a time column whose earliest and latest values lie more than
/// [`MAX_PERIODS`] periods apart, naming both and their lines.
fn check_span(label: &str, name: &str, values: &[i64], show: impl Fn(i64) -> String) -> Result<()> {
    let (Some(lo), Some(hi)) = (values.iter().enumerate().min_by_key(|(_, v)| **v), values.iter().enumerate().max_by_key(|(_, v)| **v)) else {
        return Ok(());
    };
    let periods = i128::from(*hi.1) - i128::from(*lo.1) + 1;
    if periods > MAX_PERIODS as i128 {
        return Err(DataError::invalid(
            label,
            Location::Column(name.into()),
            format!(
                "the periods run from {} (line {}) to {} (line {}): a grid of {periods} periods, more than the {MAX_PERIODS} tsforge holds; is one of them wrong?",
                show(*lo.1),
                lo.0 + 2,
                show(*hi.1),
                hi.0 + 2
            ),
        ));
    }
    Ok(())
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

/// Each static column's one value per series; a value that changes within a series is
/// an error naming the line. Forecast rows (`y` empty) may leave it empty.
fn read_statics(df: &DataFrame, label: &str, spec: &LongSpec, series_of_row: &[usize], ids: &[String], y: &[f64]) -> Result<Vec<StaticCovariate>> {
    spec.static_cols
        .iter()
        .map(|name| {
            let vals = csv::optional_strings(df, label, name)?;
            let mut per_series: Vec<Option<String>> = vec![None; ids.len()];
            for (r, (&s, v)) in series_of_row.iter().zip(vals).enumerate() {
                let v = match v {
                    Some(v) => v,
                    None if y.get(r).is_some_and(|v| v.is_nan()) => continue,
                    None => return Err(DataError::invalid(label, Location::Cell { line: r + 2, column: name.clone() }, "empty value")),
                };
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

/// The declared future and past covariates, `t_len` values per series (the whole grid,
/// forecast rows included); every other numeric column is checked the same way and left
/// out (no model reads an undeclared column). A past covariate keeps only the periods
/// up to its series' last `y` and the grid of `y` (its values after are not known yet).
fn read_dynamic(df: &DataFrame, label: &str, spec: &LongSpec, row_at: &[usize], t_len: usize, spans: &[(usize, usize)]) -> Result<Vec<Covariate>> {
    let reserved = [&spec.id_col, &spec.time_col, &spec.target_col];
    let others = df
        .columns()
        .iter()
        .filter(|c| c.dtype().is_primitive_numeric())
        .map(|c| c.name().to_string())
        .filter(|n| !reserved.contains(&n) && !spec.static_cols.contains(n) && !spec.future_cols.contains(n) && !spec.past_cols.contains(n));
    let kinds = spec.future_cols.iter().map(|n| (n.clone(), Some(CovariateKind::Future))).chain(spec.past_cols.iter().map(|n| (n.clone(), Some(CovariateKind::Past)))).chain(others.map(|n| (n, None)));
    let n_hist = spans.iter().map(|&(_, e)| e).max().unwrap_or(t_len);
    let mut out = Vec::new();
    for (name, kind) in kinds {
        let by_row = covariate_values(df, label, &name)?;
        let Some(kind) = kind else { continue };
        let mut values: Vec<f32> = row_at.iter().map(|&r| if r == usize::MAX { f32::NAN } else { by_row[r] as f32 }).collect();
        let days = match kind {
            CovariateKind::Future => t_len,
            CovariateKind::Past => {
                for (i, &(_, end)) in spans.iter().enumerate() {
                    values[i * t_len + end..(i + 1) * t_len].fill(f32::NAN);
                }
                values = values.chunks_exact(t_len.max(1)).flat_map(|r| r[..n_hist].iter().copied()).collect();
                n_hist
            }
        };
        out.push(Covariate { name, kind, days, values });
    }
    Ok(out)
}

/// A covariate column by row, as numbers: an empty cell or NaN is an unknown value;
/// text, infinities and f32 overflow are errors naming the line.
fn covariate_values(df: &DataFrame, label: &str, name: &str) -> Result<Vec<f64>> {
    let col = csv::column(df, label, name)?;
    let cell = |r: usize| Location::Cell { line: r + 2, column: name.to_string() };
    let cast = col.cast(&DataType::Float64).map_err(|e| DataError::invalid(label, Location::Column(name.to_string()), format!("expected numbers: {e}")))?;
    let ca = cast.f64().map_err(|e| DataError::invalid(label, Location::Column(name.to_string()), e.to_string()))?;
    // a text column casts to nulls: the first text that is not a number is the error
    if !col.dtype().is_primitive_numeric() && ca.null_count() > col.null_count() {
        let text = col.cast(&DataType::String).ok();
        let raw = text.as_ref().and_then(|t| t.str().ok());
        if let Some(raw) = raw
            && let Some((r, v)) = raw.iter().zip(ca.iter()).enumerate().find_map(|(r, (t, v))| match (t, v) {
                (Some(t), None) if !t.trim().is_empty() => Some((r, t.to_string())),
                _ => None,
            })
        {
            return Err(DataError::invalid(label, cell(r), format!("'{v}' is not a number: expected a numeric covariate")));
        }
    }
    ca.iter()
        .enumerate()
        .map(|(r, v)| match v {
            None => Ok(f64::NAN),
            Some(v) if v.is_infinite() => Err(DataError::invalid(label, cell(r), format!("{v} is not a finite number"))),
            Some(v) if csv::overflows_f32(v) => Err(DataError::invalid(label, cell(r), csv::too_large(&format!("{v:e}")))),
            Some(v) => Ok(v),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_panel(text: impl AsRef<[u8]>) -> Result<Panel> {
        load_bytes(Path::new("long.csv"), text.as_ref().to_vec(), &LongSpec::default())
    }

    fn error(text: impl AsRef<[u8]>) -> String {
        match csv_panel(&text) {
            Ok(_) => panic!("accepted: {}", String::from_utf8_lossy(text.as_ref())),
            Err(e) => e.to_string(),
        }
    }

    fn parquet(ds: Column) -> Vec<u8> {
        let n = ds.len();
        let mut df = DataFrame::new_infer_height(vec![Column::new("unique_id".into(), vec!["a"; n]), ds, Column::new("y".into(), (0..n).map(|k| k as f64).collect::<Vec<_>>())])
            .unwrap_or_else(|e| panic!("{e}"));
        let mut buf = Vec::new();
        ParquetWriter::new(&mut buf).finish(&mut df).unwrap_or_else(|e| panic!("{e}"));
        buf
    }

    /// A timestamp with a time zone is an instant: it is read on its UTC date.
    #[test]
    fn parquet_timestamps_with_a_time_zone_are_read_as_utc_dates() {
        // 2019-12-31T23:00:00Z (midnight in Paris) and the next two days
        let micros = vec![1_577_833_200_000_000i64, 1_577_919_600_000_000, 1_578_006_000_000_000];
        for tz in [None, Some("UTC"), Some("Europe/Paris"), Some("+01:00")] {
            let zone = TimeZone::opt_try_new(tz).unwrap_or_else(|e| panic!("{e}"));
            let ds = Int64Chunked::from_vec("ds".into(), micros.clone()).into_datetime(TimeUnit::Microseconds, zone).into_column();
            let p = load_bytes(Path::new("x.parquet"), parquet(ds), &LongSpec::default()).unwrap_or_else(|e| panic!("{tz:?}: {e}"));
            assert_eq!((p.index.label(0), p.n_time(), p.index.freq()), ("2019-12-31".to_string(), 3, Freq::Daily), "{tz:?}");
        }
        let days = Int32Chunked::from_vec("ds".into(), vec![-3, -2, -1]).into_date().into_column();
        let p = load_bytes(Path::new("x.parquet"), parquet(days), &LongSpec::default()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.index.label(0), "1969-12-29");
        let far = Int32Chunked::from_vec("ds".into(), vec![0, 5_000_000]).into_date().into_column();
        let msg = match load_bytes(Path::new("x.parquet"), parquet(far), &LongSpec::default()) {
            Ok(_) => panic!("accepted"),
            Err(e) => e.to_string(),
        };
        assert!(msg.contains("x.parquet: line 3, column 'ds'") && msg.contains("out of range"), "{msg}");
    }

    /// Timestamps with a time of day make an hourly (or other sub-daily) grid.
    #[test]
    fn hourly_timestamps_make_a_sub_daily_grid() {
        let p = csv_panel("unique_id,ds,y\na,2020-01-01 00:00:00,1\na,2020-01-01 01:00:00,2\na,2020-01-01T02:00:00Z,3\nb,2020-01-01 01:00,5\nb,2020-01-01 02:00,6\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.n_time(), p.index.freq(), p.index.label(3)), (3, Freq::Intraday(3600), "2020-01-01 03:00:00".to_string()));
        assert_eq!(p.spans, vec![(0, 3), (1, 3)]);
        // half-hourly steps are inferred from the smallest gap
        let p = csv_panel("unique_id,ds,y\na,2020-01-01 23:30,1\na,2020-01-02 00:00,2\nb,2020-01-02 00:30,2\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.n_time(), p.index.freq().season_length()), (3, 48));
        // off the declared grid: the line and the grid are named
        let spec = LongSpec { freq: Some(Freq::Intraday(3600)), ..LongSpec::default() };
        let e = load_bytes(Path::new("long.csv"), b"unique_id,ds,y\na,2020-01-01 00:00,1\na,2020-01-01 00:30,2\n".to_vec(), &spec).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("line 3, column 'ds'") && e.contains("2020-01-01 00:30:00 is not on the hourly grid"), "{e}");
        // daily data stamped at one hour of the day stays daily
        let p = csv_panel("unique_id,ds,y\na,2020-01-01 06:00,1\na,2020-01-02 06:00,2\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.index.freq(), p.index.label(0)), (Freq::Daily, "2020-01-01".to_string()));
    }

    #[test]
    fn periods_far_apart_are_an_error_not_an_allocation() {
        let msg = error("unique_id,ds,y\na,1,1\na,2,1\na,3,1\na,4,1\na,5,1\nb,4611686018427387904,1\n");
        assert!(msg.contains("long.csv: column 'ds'") && msg.contains("from 1 (line 2) to 4611686018427387904 (line 7)"), "{msg}");
        let msg = error("unique_id,ds,y\na,-9223372036854775808,1\na,9223372036854775807,1\n");
        assert!(msg.contains("column 'ds'"), "{msg}");
        // within the period bound, but with many series: too many values
        let many: String = (0..101).map(|k| format!("s{k},{},1\n", if k == 0 { 9_999_999 } else { 0 })).collect();
        let msg = error(format!("unique_id,ds,y\n{many}"));
        assert!(msg.contains("column 'ds'") && msg.contains("more than 1000000000 values"), "{msg}");
    }

    /// Periods past 2^53 stay distinct (they used to pass through f64).
    #[test]
    fn large_periods_keep_full_precision() {
        let p = csv_panel("unique_id,ds,y\na,9007199254740992,1\na,9007199254740993,2\n").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(p.y, vec![1.0, 2.0]);
        assert_eq!(p.index.label(2), "9007199254740994");
    }

    #[test]
    fn non_finite_and_f32_overflowing_values_are_refused() {
        for (y, needle) in
            [("inf", "inf is not a finite number"), ("-inf", "-inf is not a finite number"), ("nan", "NaN is not a finite number"), ("1e39", "'1e39' is too large"), ("1e308", "'1e308' is too large")]
        {
            let msg = error(format!("unique_id,ds,y\na,1,1\na,2,{y}\n"));
            assert!(msg.contains("long.csv: line 3, column 'y'") && msg.contains(needle), "{y}: {msg}");
        }
        for (v, needle) in [("inf", "inf is not a finite number"), ("1e39", "too large")] {
            let msg = error(format!("unique_id,ds,y,price\na,1,1,2.5\na,2,1,{v}\n"));
            assert!(msg.contains("line 3, column 'price'") && msg.contains(needle), "{v}: {msg}");
        }
        // an empty cell or NaN in a declared covariate is an unknown value
        let spec = LongSpec { past_cols: vec!["price".into()], ..LongSpec::default() };
        let p = load_bytes(Path::new("long.csv"), b"unique_id,ds,y,price\na,1,1,\na,2,1,NaN\na,3,-0,1\n".to_vec(), &spec).unwrap_or_else(|e| panic!("{e}"));
        assert!(p.dynamic[0].values[..2].iter().all(|v| v.is_nan()));
        assert!(p.y[2].is_sign_positive(), "-0 is read as 0");
    }

    #[test]
    fn header_and_id_problems_are_named() {
        let msg = error("unique_id,ds,y,y\na,1,1,2\n");
        assert!(msg.contains("long.csv: column 'y'") && msg.contains("twice"), "{msg}");
        let msg = error("unique_id,ds,y\n\"\",1,1\n");
        assert!(msg.contains("line 2, column 'unique_id'") && msg.contains("empty"), "{msg}");
        let msg = error("unique_id,ds,y,price\na,1,1,2\na,2,1\n");
        assert!(msg.contains("line 3") && msg.contains("ragged row: 3 fields, the header has 4"), "{msg}");
        let msg = error("unique_id,ds,y\na,1,1\na,2,\"1,5\"\n");
        assert!(msg.contains("line 3, column 'y'") && msg.contains("'1,5' is not a number"), "{msg}");
        let msg = error(b"unique_id,ds,y\na,1,1\na\xff,2,1\n");
        assert!(msg.contains("line 3, column 'unique_id'") && msg.contains("UTF-8"), "{msg}");
        let msg = error("unique_id,ds,y\ra,1,1\ra,2,1\r");
        assert!(msg.contains("line 1") && msg.contains("carriage return"), "{msg}");
        let msg = error("unique_id ,ds,y\na,1,1\n");
        assert!(msg.contains("column 'unique_id'") && msg.contains("'unique_id '"), "{msg}");
    }

    fn covariate_spec() -> LongSpec {
        LongSpec { static_cols: vec!["region".into()], future_cols: vec!["promo".into()], past_cols: vec!["temp".into()], ..LongSpec::default() }
    }

    fn with_covariates(text: &str) -> Result<Panel> {
        load_bytes(Path::new("long.csv"), text.as_bytes().to_vec(), &covariate_spec())
    }

    /// Rows after a series' last `y` (left empty) carry the future covariates of the
    /// forecast periods: the grid ends with the last `y`, the future covariate runs on,
    /// the past one stops where each series' `y` does.
    #[test]
    fn forecast_rows_carry_future_covariates() {
        let text = "unique_id,ds,y,region,promo,temp\n\
            a,1,3,n,0,10\na,2,5,n,1,11\na,3,,n,1,12\na,4,,,0,13\n\
            b,1,2,s,1,20\nb,2,,s,0,21\n";
        let p = with_covariates(text).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((p.n_time(), p.spans.clone()), (2, vec![(0, 2), (0, 1)]));
        assert_eq!(p.y[..2], [3.0, 5.0]);
        let promo = &p.dynamic[0];
        assert_eq!((promo.kind, promo.days, promo.row(0)), (CovariateKind::Future, 4, &[0.0, 1.0, 1.0, 0.0][..]));
        assert_eq!(&promo.row(1)[..2], &[1.0, 0.0]);
        let temp = &p.dynamic[1];
        assert_eq!((temp.kind, temp.days, temp.row(0)), (CovariateKind::Past, 2, &[10.0, 11.0][..]));
        assert!(temp.at(1, 0) == 20.0 && temp.at(1, 1).is_nan(), "b's temp after its last y is not known: {:?}", temp.row(1));
        assert_eq!(p.statics[0].values, ["n", "s"]);
        // without declared future columns an empty y is an error, as before
        let msg = error("unique_id,ds,y\na,1,1\na,2,\n");
        assert!(msg.contains("line 3, column 'y'") && msg.contains("empty"), "{msg}");
    }

    #[test]
    fn declared_covariate_problems_are_named() {
        let e = |text: &str| with_covariates(text).err().map(|e| e.to_string()).unwrap_or_else(|| panic!("accepted: {text}"));
        let msg = e("unique_id,ds,y,region,promo\na,1,1,n,0\n");
        assert!(msg.contains("long.csv: column 'temp'") && msg.contains("missing") && msg.contains("[columns]"), "{msg}");
        let msg = e("unique_id,ds,y,region,promo,temp\na,1,1,n,0,1\na,2,1,n,yes,1\n");
        assert!(msg.contains("line 3, column 'promo'") && msg.contains("'yes' is not a number"), "{msg}");
        let msg = e("unique_id,ds,y,region,promo,temp\na,1,1,n,0,1\na,2,1,s,0,1\n");
        assert!(msg.contains("line 3, column 'region'") && msg.contains("changes within series 'a'"), "{msg}");
        let msg = e("unique_id,ds,y,region,promo,temp\na,1,1,n,0,1\na,2,,n,0,1\na,3,1,n,0,1\n");
        assert!(msg.contains("line 3, column 'y'") && msg.contains("before its last value"), "{msg}");
        let msg = e("unique_id,ds,y,region,promo,temp\na,1,,n,0,1\n");
        assert!(msg.contains("line 2, column 'y'") && msg.contains("no value"), "{msg}");
    }

    #[test]
    fn valid_csv_variants_load_alike() {
        let plain = csv_panel("unique_id,ds,y\n\"a,1\",2020-01-01,1\n\"a,1\",2020-01-02,2\n").unwrap_or_else(|e| panic!("{e}"));
        for text in ["\u{feff}unique_id,ds,y\r\n\"a,1\",2020-01-01,1\r\n\"a,1\",2020-01-02,2\r\n", "\"unique_id\",\"ds\",\"y\"\n\"a,1\",\"2020-01-01\",\"1\"\n\"a,1\",2020-01-02,+2\n\n\n"] {
            assert_eq!(csv_panel(text).unwrap_or_else(|e| panic!("{e}: {text}")), plain, "{text}");
        }
    }
}
