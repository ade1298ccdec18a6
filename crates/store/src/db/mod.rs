//! The runs database: one SQLite file (default `reports/tsforge.db`) indexing finished
//! run folders. Each recording is one transaction; the schema is versioned and migrated
//! when a database is opened ([`schema`]).
//!
//! Modules: [`schema`] (tables, migrations), `folder` (reading a run folder), `ingest`
//! ([`Db::record_run`]), `queries` ([`Db::list`], [`Db::resolve`], [`Db::show`]),
//! [`compare`] ([`Db::compare`]), [`gc`] ([`Db::gc`]), [`log`] (the forecast log:
//! [`Db::log_forecasts`], [`Db::logged_forecasts`]).

pub mod compare;
mod folder;
pub mod gc;
mod ingest;
pub mod log;
mod queries;
pub mod schema;
mod time;
pub mod types;

use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{Connection, ErrorCode, OpenFlags};

pub use compare::{Comparison, FactDiff, LevelDiff, ModelDiff};
pub use gc::GcReport;
pub use log::{BundleSettings, ForecastBatch, LogFilter, LoggedBatch, now_unix_ms};
pub use types::{FamilyTrials, ListFilter, ModelScores, Recorded, RunDetail, RunSummary};

use crate::error::{Result, StoreError};

/// An open runs database.
#[derive(Debug)]
pub struct Db {
    conn: Connection,
    path: PathBuf,
}

/// `.map_err(sql(path, "doing what"))`: SQLite's error, with the file and the step. A
/// file that is not a database (or is damaged) is the user's to fix: it gets its own
/// variant (exit code 2).
fn sql<'a>(path: &'a Path, context: &'a str) -> impl FnOnce(rusqlite::Error) -> StoreError + 'a {
    move |source| {
        let code = source.sqlite_error_code();
        let reason = match code {
            Some(ErrorCode::NotADatabase) => Some("not a runs database (not an SQLite file)".to_string()),
            Some(ErrorCode::DatabaseCorrupt) => Some(format!("damaged ({source})")),
            Some(ErrorCode::CannotOpen) => Some(format!("cannot open it ({source})")),
            _ => None,
        };
        match reason {
            Some(reason) => StoreError::NotADatabase { path: path.display().to_string(), reason },
            None => StoreError::Sql { path: path.display().to_string(), context: context.to_string(), source },
        }
    }
}

impl Db {
    /// Opens the database at `path`, creating it (and its folder) if missing, and brings
    /// its schema up to date.
    pub fn open(path: impl AsRef<Path>) -> Result<Db> {
        let path = path.as_ref();
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(|e| StoreError::NotADatabase { path: path.display().to_string(), reason: format!("cannot create its folder ({e})") })?;
        }
        Db::connect(path)
    }

    /// Opens an existing database (the `runs` commands): a missing file is an error, not
    /// a new empty database.
    pub fn open_existing(path: impl AsRef<Path>) -> Result<Db> {
        let path = path.as_ref();
        if !path.is_file() {
            let why = if path.exists() { "not a file" } else { "no such file (tsforge run records every run there; --store chooses another)" };
            return Err(StoreError::NotADatabase { path: path.display().to_string(), reason: why.into() });
        }
        Db::connect(path)
    }

    fn connect(path: &Path) -> Result<Db> {
        // no URI flag: a --store path is a file name, never `file:…?mode=…`
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_CREATE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let mut conn = Connection::open_with_flags(path, flags).map_err(sql(path, "opening"))?;
        // two runs finishing at once wait for each other's transaction instead of failing
        conn.busy_timeout(Duration::from_secs(10)).map_err(sql(path, "configuring"))?;
        conn.execute_batch("PRAGMA foreign_keys = ON").map_err(sql(path, "configuring"))?;
        schema::migrate(&mut conn, path)?;
        Ok(Db { conn, path: path.to_path_buf() })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The schema version (`PRAGMA user_version`), [`schema::LATEST`] once open.
    pub fn schema_version(&self) -> Result<i64> {
        self.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql(&self.path, "reading the schema version"))
    }
}

#[cfg(test)]
mod tests;
