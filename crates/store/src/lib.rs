//! What outlives a run.
//!
//! - [`db`]: the runs database (embedded SQLite), an index over finished run folders.
//!   The run folders stay the artifacts; the database records who ran what, on which
//!   data, with which recipe, and how every model scored, so runs can be listed, shown
//!   and compared without opening their folders;
//! - [`bundle`]: the versioned model bundle (`bundle/` in every run folder), written from
//!   a finished run and read back with every check a file from elsewhere needs (format
//!   version, content hashes, paths that stay inside the bundle);
//! - [`forecaster`]: a bundle's models restored once, forecasting any history;
//! - [`predict`]: the bundle's models applied to new data (the run's data loading and
//!   forecast origin rules, the saved feature specs and vocabularies, no training);
//! - [`monitor`]: logged forecasts joined to the actuals: error per origin, bundle and
//!   arm, bias, an arm-against-arm test and alarms.
//!
//! ```no_run
//! use tsforge_store::db::{Db, ListFilter};
//!
//! let mut db = Db::open("reports/tsforge.db")?;
//! let recorded = db.record_run("reports/quickstart")?;
//! for run in db.list(&ListFilter::default())? {
//!     println!("{} {} {} {:?}", run.short_id(), run.name, run.started, run.submission_score);
//! }
//! let shown = db.show(&recorded.id)?;
//! println!("{} models, {} trial families", shown.models.len(), shown.trials.len());
//! # Ok::<(), tsforge_store::StoreError>(())
//! ```

pub mod bundle;
pub mod db;
pub mod error;
pub mod forecaster;
pub mod monitor;
pub mod predict;

pub use error::StoreError;
/// The model registry that reads a bundle's models back (what `serve` passes in).
pub use tsforge_automl::registry::Registry;
