//! The schema and its migrations. `PRAGMA user_version` is the schema version; opening a
//! database applies, in order and each in its own transaction, every migration above it.
//! A migration is never edited once released: a change is a new step at the end (the
//! migration test opens a database written by the first step's SQL, frozen in the test).

use std::path::Path;

use rusqlite::{Connection, TransactionBehavior};

use super::sql;
use crate::error::{Result, StoreError};

/// `PRAGMA application_id` of a tsforge runs database ("tsfg"): another program's SQLite
/// file is refused, never migrated.
pub const APPLICATION_ID: i64 = 0x7473_6667;

/// One step of the schema.
#[derive(Debug)]
pub struct Migration {
    pub version: i64,
    pub what: &'static str,
    pub sql: &'static str,
}

/// Every step, oldest first; the last one's version is the current schema.
pub const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, what: "runs, models and their per-level scores", sql: V1 },
    Migration { version: 2, what: "the search's trials; indexes for the list filters", sql: V2 },
    Migration { version: 3, what: "runs.bundle: the model bundle a run wrote", sql: V3 },
    Migration { version: 4, what: "the forecast log: every served and predicted forecast", sql: V4 },
];

pub const LATEST: i64 = 4;

const V1: &str = "
PRAGMA application_id = 1953719911;
CREATE TABLE runs (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    recorded TEXT NOT NULL,
    tsforge_version TEXT NOT NULL,
    seed INTEGER,
    phase TEXT NOT NULL,
    horizon INTEGER,
    metric TEXT NOT NULL,
    scored INTEGER NOT NULL,
    data_source TEXT NOT NULL,
    data_kind TEXT NOT NULL,
    data_fingerprint TEXT NOT NULL,
    series INTEGER,
    train_end TEXT NOT NULL,
    recipe TEXT NOT NULL,
    folder TEXT NOT NULL,
    submission_model TEXT NOT NULL,
    submission_rule TEXT NOT NULL,
    threads INTEGER,
    device TEXT NOT NULL,
    total_seconds REAL,
    timings TEXT NOT NULL,
    notes TEXT NOT NULL,
    manifest TEXT NOT NULL
) STRICT;
CREATE TABLE models (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    alias TEXT NOT NULL,
    family TEXT NOT NULL,
    rank INTEGER NOT NULL,
    score REAL,
    valid REAL,
    valid_windows TEXT NOT NULL,
    fit_seconds REAL,
    predict_seconds REAL,
    n_params INTEGER,
    seed INTEGER,
    selected INTEGER NOT NULL,
    params TEXT NOT NULL,
    members TEXT NOT NULL,
    note TEXT NOT NULL,
    scores TEXT NOT NULL,
    PRIMARY KEY (run_id, alias)
) STRICT;
CREATE TABLE level_scores (
    run_id TEXT NOT NULL,
    alias TEXT NOT NULL,
    level INTEGER NOT NULL,
    name TEXT NOT NULL,
    score REAL,
    PRIMARY KEY (run_id, alias, level),
    FOREIGN KEY (run_id, alias) REFERENCES models(run_id, alias) ON DELETE CASCADE
) STRICT;
";

const V2: &str = "
CREATE TABLE trials (
    run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    family TEXT NOT NULL,
    trial INTEGER,
    rung INTEGER,
    resource REAL,
    config TEXT NOT NULL,
    score REAL,
    error TEXT,
    seconds REAL,
    PRIMARY KEY (run_id, line)
) STRICT;
CREATE INDEX runs_by_name ON runs(name, started);
CREATE INDEX runs_by_data ON runs(data_fingerprint);
";

const V3: &str = "ALTER TABLE runs ADD COLUMN bundle TEXT;";

// One batch per `tsforge predict` and per served request and arm; its series' values
// are JSON arrays (a forecast is read back whole, never queried by step).
const V4: &str = "
CREATE TABLE forecast_batches (
    id INTEGER PRIMARY KEY,
    logged_unix_ms INTEGER NOT NULL,
    source TEXT NOT NULL,
    bundle_id TEXT NOT NULL,
    run_name TEXT NOT NULL,
    arm TEXT NOT NULL,
    model TEXT NOT NULL,
    origin TEXT NOT NULL,
    first_period TEXT NOT NULL,
    horizon INTEGER NOT NULL,
    data_kind TEXT NOT NULL,
    backtest REAL
) STRICT;
CREATE TABLE logged_forecasts (
    batch_id INTEGER NOT NULL REFERENCES forecast_batches(id) ON DELETE CASCADE,
    series_id TEXT NOT NULL,
    forecast TEXT NOT NULL,
    PRIMARY KEY (batch_id, series_id)
) STRICT;
CREATE INDEX forecast_batches_by_arm ON forecast_batches(bundle_id, arm, origin);
CREATE TABLE logged_bundles (
    bundle_id TEXT PRIMARY KEY,
    settings TEXT NOT NULL
) STRICT;
";

fn pragma(conn: &Connection, path: &Path, name: &str) -> Result<i64> {
    conn.query_row(&format!("PRAGMA {name}"), [], |r| r.get(0)).map_err(sql(path, "reading the schema version"))
}

/// Brings the database to [`LATEST`]; returns the version it had. Refuses a newer schema
/// and any SQLite file that is not a runs database.
pub(super) fn migrate(conn: &mut Connection, path: &Path) -> Result<i64> {
    let found = pragma(conn, path, "user_version")?;
    let not_ours = |reason: &str| StoreError::NotADatabase { path: path.display().to_string(), reason: reason.to_string() };
    if found == 0 {
        let tables: i64 = conn.query_row("SELECT count(*) FROM sqlite_master", [], |r| r.get(0)).map_err(sql(path, "reading the schema"))?;
        if tables > 0 {
            return Err(not_ours("an SQLite database of another program (it has tables but no tsforge schema); choose another --store"));
        }
    } else if pragma(conn, path, "application_id")? != APPLICATION_ID {
        return Err(not_ours("an SQLite database of another program (its application id is not tsforge's); choose another --store"));
    }
    if found > LATEST {
        return Err(StoreError::NewerSchema { path: path.display().to_string(), found, supported: LATEST });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > found) {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql(path, "starting a migration"))?;
        // another process may have migrated between our read and our lock
        let now: i64 = tx.query_row("PRAGMA user_version", [], |r| r.get(0)).map_err(sql(path, "reading the schema version"))?;
        if now < m.version {
            tx.execute_batch(m.sql).map_err(sql(path, m.what))?;
            tx.execute_batch(&format!("PRAGMA user_version = {}", m.version)).map_err(sql(path, m.what))?;
        }
        tx.commit().map_err(sql(path, m.what))?;
    }
    Ok(found)
}
