//! The error type of the store: the user's mistakes (a damaged run folder, a file that
//! is not a runs database, an unknown run: exit code 2) told apart from failures.

use thiserror::Error;

pub type Result<T> = std::result::Result<T, StoreError>;

/// Errors of the runs database, bundles and predictions.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A file of a run folder is missing or damaged; names the file (and line).
    #[error("{file}: {reason}")]
    Input { file: String, reason: String },
    /// The database file cannot be used as a runs database (corrupt, another program's,
    /// missing where one was expected).
    #[error("runs database {path}: {reason}")]
    NotADatabase { path: String, reason: String },
    /// The database was written by a newer tsforge.
    #[error("runs database {path}: schema version {found} is newer than this tsforge knows ({supported}); use a newer tsforge or another --store")]
    NewerSchema { path: String, found: i64, supported: i64 },
    /// No run matches the query, or more than one does.
    #[error("{0}")]
    NoSuchRun(String),
    /// A bad query value (a date, a count).
    #[error("{0}")]
    Usage(String),
    /// SQLite failed on a database it could open (disk full, locked too long, read-only).
    #[error("runs database {path}: {context}: {source}")]
    Sql {
        path: String,
        context: String,
        #[source]
        source: rusqlite::Error,
    },
    /// Reading or removing a file failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A bundle that cannot be trusted or read: the message names the file and what is wrong.
    #[error("{0}")]
    Bundle(String),
    /// A model failed on valid input.
    #[error("{0}")]
    Failed(String),
    #[error(transparent)]
    Automl(#[from] tsforge_automl::AutomlError),
}

impl StoreError {
    /// Whether the user can fix it by changing the command or its input (exit code 2).
    pub fn is_user_error(&self) -> bool {
        match self {
            StoreError::Automl(e) => e.is_user_error(),
            other => {
                matches!(other, StoreError::Input { .. } | StoreError::NotADatabase { .. } | StoreError::NewerSchema { .. } | StoreError::NoSuchRun(_) | StoreError::Usage(_) | StoreError::Bundle(_))
            }
        }
    }
}

/// A damaged or missing file of a run folder.
pub(crate) fn input(file: &std::path::Path, reason: impl Into<String>) -> StoreError {
    StoreError::Input { file: file.display().to_string(), reason: reason.into() }
}

/// `.map_err(io(path))` for file operations.
pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io { path: path.display().to_string(), source }
}

/// A bundle that cannot be trusted or read.
pub(crate) fn bundle_error(msg: impl Into<String>) -> StoreError {
    StoreError::Bundle(msg.into())
}
