//! CSV reading through polars, with error messages that point at the offending cell.
//! polars parses the data; the `csv` crate re-reads a file record by record (RFC-4180
//! quoting, line numbers) only to explain what polars refused.

use std::io::Cursor;
use std::sync::Arc;

use polars::prelude::*;

use crate::error::{DataError, Location, Result};
use crate::source::Source;

/// Reads `src` as CSV with a header. Columns named in `dtypes` get that type; the rest
/// are inferred. When polars rejects the file, the file is scanned again to name the
/// line and column at fault (only on this error path, so good files pay nothing).
pub(crate) fn read(src: &Source, dtypes: &[(String, DataType)]) -> Result<DataFrame> {
    if src.bytes.iter().all(|b| b.is_ascii_whitespace()) {
        return Err(DataError::invalid(&src.label, Location::File, "the file is empty: expected a header line and data rows"));
    }
    let header = check_header(src)?;
    let polars_names = polars_header(src, &header);
    let overwrite: Schema = dtypes.iter().filter_map(|(name, dt)| header.iter().position(|h| h == name).map(|j| Field::new(polars_names[j].as_str().into(), dt.clone()))).collect();
    // With every column typed, polars need not infer anything (inference over the
    // 1,947 columns of a full M5 sales file costs a second on one thread).
    let all_typed = overwrite.len() == header.len();
    let options = CsvReadOptions::default().with_has_header(true).with_infer_schema_length(Some(if all_typed { 0 } else { 10_000 })).with_schema_overwrite(Some(Arc::new(overwrite)));
    let mut df = options.into_reader_with_file_handle(Cursor::new(src.bytes.as_slice())).finish().map_err(|e| {
        locate_problem(src, dtypes).unwrap_or_else(|| {
            // polars' own message goes on with advice for its Python API: keep its first line
            let first = e.to_string().lines().next().unwrap_or_default().to_string();
            DataError::invalid(&src.label, Location::File, format!("cannot parse as CSV: {first}"))
        })
    })?;
    if polars_names != header {
        df.set_column_names(&header).map_err(|e| DataError::invalid(&src.label, Location::Line(1), format!("cannot parse the header: {e}")))?;
    }
    if df.height() == 0 {
        return Err(DataError::invalid(&src.label, Location::File, "no data rows after the header"));
    }
    // polars fills the missing fields of a short row with empty cells: a file with an
    // empty cell is scanned for short rows (files without one pay nothing).
    if df.columns().iter().any(|c| c.null_count() > 0)
        && let Some(e) = locate_problem(src, dtypes)
    {
        return Err(e);
    }
    Ok(df)
}

/// The header's names; refuses what polars would silently get wrong: a name given
/// twice (polars renames the second `NAME_duplicated_0`) and bare-CR line endings
/// (polars reads the whole file as one header line).
fn check_header(src: &Source) -> Result<Vec<String>> {
    let first_line = src.bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let first_line = first_line.strip_suffix(b"\r").unwrap_or(first_line);
    if first_line.contains(&b'\r') {
        return Err(DataError::invalid(&src.label, Location::Line(1), "lines end with a bare carriage return (CR): expected LF or CRLF line endings"));
    }
    let header = src.header();
    for (j, name) in header.iter().enumerate() {
        if let Some(k) = header[..j].iter().position(|h| h == name) {
            return Err(DataError::invalid(&src.label, Location::Column(name.clone()), format!("the header names this column twice (columns {} and {}): names must be unique", k + 1, j + 1)));
        }
    }
    Ok(header)
}

/// The names polars gives the header's columns. They are the RFC-4180 names except in
/// a quoted name with a quote in it, where polars keeps the doubled quotes (`"a ""b"""`
/// becomes `a ""b""`): only then is the header read by polars to learn its names.
fn polars_header(src: &Source, header: &[String]) -> Vec<String> {
    if !header.iter().any(|h| h.contains('"')) {
        return header.to_vec();
    }
    let options = CsvReadOptions::default().with_has_header(true).with_n_rows(Some(0)).with_infer_schema_length(Some(0));
    match options.into_reader_with_file_handle(Cursor::new(src.bytes.as_slice())).finish() {
        Ok(df) if df.width() == header.len() => df.get_column_names().iter().map(|n| n.to_string()).collect(),
        _ => header.to_vec(),
    }
}

/// Finds the first ragged row, unparsable numeric cell or invalid UTF-8 of a CSV file,
/// reading it the RFC-4180 way (quoted fields may hold commas and line breaks).
pub(crate) fn locate_problem(src: &Source, dtypes: &[(String, DataType)]) -> Option<DataError> {
    let label = &src.label;
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(src.bytes.as_slice());
    let header = reader.byte_headers().ok()?.clone();
    let mut names = Vec::with_capacity(header.len());
    for (j, name) in header.iter().enumerate() {
        let Ok(name) = std::str::from_utf8(name) else {
            return Some(DataError::invalid(label, Location::Line(1), format!("column {} of the header is not valid UTF-8 text", j + 1)));
        };
        names.push(name.to_string());
    }
    let kinds: Vec<Option<&DataType>> = names.iter().map(|h| dtypes.iter().find(|(n, _)| n == h).map(|(_, dt)| dt)).collect();
    let mut record = csv::ByteRecord::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => return None,
            Err(e) => {
                let location = e.position().map_or(Location::File, |p| Location::Line(p.line() as usize));
                return Some(DataError::invalid(label, location, format!("not valid CSV: {e}")));
            }
        }
        let line = record.position().map_or(0, |p| p.line() as usize);
        if record.len() != header.len() {
            return Some(DataError::invalid(label, Location::Line(line), format!("ragged row: {} fields, the header has {}", record.len(), header.len())));
        }
        for (j, field) in record.iter().enumerate() {
            let cell = || Location::Cell { line, column: names[j].clone() };
            let Ok(text) = std::str::from_utf8(field) else {
                return Some(DataError::invalid(label, cell(), format!("'{}' is not valid UTF-8 text", String::from_utf8_lossy(field))));
            };
            if let Some(problem) = kinds[j].and_then(|dt| not_a_number(text, dt)) {
                return Some(DataError::invalid(label, cell(), problem));
            }
        }
    }
}

/// Why `text` is no value of numeric type `dt` (an empty cell is a missing value,
/// reported by whoever needs the value).
fn not_a_number(text: &str, dt: &DataType) -> Option<String> {
    if text.is_empty() {
        return None;
    }
    if dt.is_integer() {
        let fits = match text.parse::<i64>() {
            Ok(v) => !matches!(dt, DataType::Int32) || i32::try_from(v).is_ok(),
            Err(_) => false,
        };
        (!fits).then(|| format!("'{text}' is not a whole number{}", if matches!(dt, DataType::Int32) { " in the 32-bit range" } else { "" }))
    } else if dt.is_float() {
        text.parse::<f64>().is_err().then(|| format!("'{text}' is not a number"))
    } else {
        None
    }
}

/// The text of the cell in data row `row` (0-based) and column `column`, as written in
/// the file; for messages only.
pub(crate) fn cell_text(src: &Source, row: usize, column: &str) -> Option<String> {
    let mut reader = csv::ReaderBuilder::new().flexible(true).from_reader(src.bytes.as_slice());
    let j = reader.byte_headers().ok()?.iter().position(|h| h == column.as_bytes())?;
    let record = reader.byte_records().nth(row)?.ok()?;
    record.get(j).map(|f| String::from_utf8_lossy(f).into_owned())
}

/// Whether a finite value overflows the f32 the panel stores it in.
pub(crate) fn overflows_f32(v: f64) -> bool {
    (v as f32).is_infinite() && v.is_finite()
}

/// The message for a value too large for f32.
pub(crate) fn too_large(text: &str) -> String {
    format!("'{text}' is too large: values are stored as 32-bit floats, at most {:e}", f32::MAX)
}

/// The named column, or an error naming the file and the missing column.
pub(crate) fn column<'a>(df: &'a DataFrame, src: &str, name: &str) -> Result<&'a Column> {
    df.column(name).map_err(|_| {
        let problem = match df.get_column_names().into_iter().find(|c| c.trim() == name) {
            Some(near) => format!("required column is missing (the header has '{near}': spaces are part of a name)"),
            None => "required column is missing".to_string(),
        };
        DataError::invalid(src, Location::Column(name.to_string()), problem)
    })
}

/// A string column as owned strings; nulls and empty strings are reported with their line.
pub(crate) fn strings(df: &DataFrame, src: &str, name: &str) -> Result<Vec<String>> {
    let col = column(df, src, name)?;
    let cast = col.cast(&DataType::String).map_err(|e| bad_type(src, name, "text", e))?;
    let ca = cast.str().map_err(|e| bad_type(src, name, "text", e))?;
    ca.iter()
        .enumerate()
        .map(|(i, v)| match v {
            Some(s) if !s.is_empty() => Ok(s.to_string()),
            _ => Err(DataError::invalid(src, Location::Cell { line: i + 2, column: name.to_string() }, "empty value")),
        })
        .collect()
}

/// A column as polars text (cheap for text columns: no per-row allocation).
pub(crate) fn text_column(df: &DataFrame, src: &str, name: &str) -> Result<StringChunked> {
    let col = column(df, src, name)?;
    let cast = col.cast(&DataType::String).map_err(|e| bad_type(src, name, "text", e))?;
    cast.str().cloned().map_err(|e| bad_type(src, name, "text", e))
}

/// A string column with nulls kept (optional fields such as event names).
pub(crate) fn optional_strings(df: &DataFrame, src: &str, name: &str) -> Result<Vec<Option<String>>> {
    let col = column(df, src, name)?;
    let cast = col.cast(&DataType::String).map_err(|e| bad_type(src, name, "text", e))?;
    let ca = cast.str().map_err(|e| bad_type(src, name, "text", e))?;
    Ok(ca.iter().map(|v| v.filter(|s| !s.is_empty()).map(str::to_string)).collect())
}

/// A numeric column as f64; a null (empty cell), NaN or infinity is an error naming its line.
pub(crate) fn numbers(df: &DataFrame, src: &str, name: &str) -> Result<Vec<f64>> {
    numbers_with(df, src, name, None)
}

/// A numeric column as f64 with empty cells as NaN (the target's forecast rows); NaN
/// written out or an infinity is still an error naming its line.
pub(crate) fn optional_numbers(df: &DataFrame, src: &str, name: &str) -> Result<Vec<f64>> {
    numbers_with(df, src, name, Some(f64::NAN))
}

/// A numeric column as f64, an empty cell read as `empty` (an error where `None`).
fn numbers_with(df: &DataFrame, src: &str, name: &str, empty: Option<f64>) -> Result<Vec<f64>> {
    let col = column(df, src, name)?;
    let cast = col.cast(&DataType::Float64).map_err(|e| bad_type(src, name, "numbers", e))?;
    let ca = cast.f64().map_err(|e| bad_type(src, name, "numbers", e))?;
    let cell = |i: usize| Location::Cell { line: i + 2, column: name.to_string() };
    ca.iter()
        .enumerate()
        .map(|(i, v)| match (v, empty) {
            (Some(v), _) if v.is_finite() => Ok(v),
            (Some(v), _) => Err(DataError::invalid(src, cell(i), format!("{v} is not a finite number"))),
            (None, Some(e)) => Ok(e),
            (None, None) => Err(DataError::invalid(src, cell(i), "empty or non-numeric value, expected a number")),
        })
        .collect()
}

fn bad_type(src: &str, name: &str, expected: &str, e: PolarsError) -> DataError {
    DataError::invalid(src, Location::Column(name.to_string()), format!("expected {expected}: {e}"))
}
