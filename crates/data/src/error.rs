use std::fmt;

use thiserror::Error;

/// Where in a file a problem sits. Lines count from 1 and include the header line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File,
    Line(usize),
    Column(String),
    Cell { line: usize, column: String },
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Location::File => write!(f, "file"),
            Location::Line(l) => write!(f, "line {l}"),
            Location::Column(c) => write!(f, "column '{c}'"),
            Location::Cell { line, column } => write!(f, "line {line}, column '{column}'"),
        }
    }
}

/// Everything that can be wrong with input data. Each variant names the file.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DataError {
    #[error("{file}: cannot read: {source}")]
    Io { file: String, source: std::io::Error },
    #[error("{dir}: missing file: expected {expected}")]
    MissingFile { dir: String, expected: String },
    #[error("{file}: {location}: {problem}")]
    Invalid { file: String, location: Location, problem: String },
    #[error("{file}: cannot write: {source}")]
    Write { file: String, source: std::io::Error },
    #[error("invalid generator settings: {0}")]
    Synth(String),
}

impl DataError {
    pub(crate) fn invalid(file: &str, location: Location, problem: impl Into<String>) -> DataError {
        DataError::Invalid { file: file.to_string(), location, problem: problem.into() }
    }

    /// True for errors caused by the user's input (exit code 2), false for I/O failures
    /// while writing results.
    pub fn is_input_error(&self) -> bool {
        !matches!(self, DataError::Write { .. })
    }
}

pub type Result<T> = std::result::Result<T, DataError>;
