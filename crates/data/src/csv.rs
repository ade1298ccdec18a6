//! CSV reading through polars, with error messages that point at the offending cell.

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
    let header = src.header();
    let overwrite: Schema = dtypes.iter().filter(|(name, _)| header.iter().any(|h| h == name)).map(|(name, dt)| Field::new(name.as_str().into(), dt.clone())).collect();
    // With every column typed, polars need not infer anything (inference over the
    // 1,947 columns of a full M5 sales file costs a second on one thread).
    let all_typed = overwrite.len() == header.len();
    let options = CsvReadOptions::default().with_has_header(true).with_infer_schema_length(Some(if all_typed { 0 } else { 10_000 })).with_schema_overwrite(Some(Arc::new(overwrite)));
    let df = options
        .into_reader_with_file_handle(Cursor::new(src.bytes.as_slice()))
        .finish()
        .map_err(|e| locate_problem(src, dtypes).unwrap_or_else(|| DataError::invalid(&src.label, Location::File, format!("cannot parse as CSV: {e}"))))?;
    if df.height() == 0 {
        return Err(DataError::invalid(&src.label, Location::File, "no data rows after the header"));
    }
    Ok(df)
}

/// Finds the first ragged line or unparsable numeric cell of a CSV file.
pub(crate) fn locate_problem(src: &Source, dtypes: &[(String, DataType)]) -> Option<DataError> {
    let text = String::from_utf8_lossy(&src.bytes);
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next()?.split(',').collect();
    let numeric: Vec<bool> = header.iter().map(|h| dtypes.iter().any(|(n, dt)| n == h.trim_matches('"') && dt.is_primitive_numeric())).collect();
    for (k, line) in lines.enumerate() {
        let line_no = k + 2;
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() != header.len() {
            return Some(DataError::invalid(&src.label, Location::Line(line_no), format!("ragged row: {} fields, the header has {}", fields.len(), header.len())));
        }
        for (j, field) in fields.iter().enumerate() {
            if numeric[j] && !field.trim().is_empty() && field.trim().parse::<f64>().is_err() {
                return Some(DataError::invalid(&src.label, Location::Cell { line: line_no, column: header[j].to_string() }, format!("'{field}' is not a number")));
            }
        }
    }
    None
}

/// The named column, or an error naming the file and the missing column.
pub(crate) fn column<'a>(df: &'a DataFrame, src: &str, name: &str) -> Result<&'a Column> {
    df.column(name).map_err(|_| DataError::invalid(src, Location::Column(name.to_string()), "required column is missing"))
}

/// A string column as owned strings; nulls are reported with their line.
pub(crate) fn strings(df: &DataFrame, src: &str, name: &str) -> Result<Vec<String>> {
    let col = column(df, src, name)?;
    let cast = col.cast(&DataType::String).map_err(|e| bad_type(src, name, "text", e))?;
    let ca = cast.str().map_err(|e| bad_type(src, name, "text", e))?;
    ca.iter().enumerate().map(|(i, v)| v.map(str::to_string).ok_or_else(|| DataError::invalid(src, Location::Cell { line: i + 2, column: name.to_string() }, "empty value"))).collect()
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

/// A numeric column as f64; a null (empty cell) is an error naming its line.
pub(crate) fn numbers(df: &DataFrame, src: &str, name: &str) -> Result<Vec<f64>> {
    let col = column(df, src, name)?;
    let cast = col.cast(&DataType::Float64).map_err(|e| bad_type(src, name, "numbers", e))?;
    let ca = cast.f64().map_err(|e| bad_type(src, name, "numbers", e))?;
    ca.iter().enumerate().map(|(i, v)| v.ok_or_else(|| DataError::invalid(src, Location::Cell { line: i + 2, column: name.to_string() }, "empty or non-numeric value, expected a number"))).collect()
}

fn bad_type(src: &str, name: &str, expected: &str, e: PolarsError) -> DataError {
    DataError::invalid(src, Location::Column(name.to_string()), format!("expected {expected}: {e}"))
}
