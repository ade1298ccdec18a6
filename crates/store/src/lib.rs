//! What outlives a run: versioned model bundles (`bundle/` in every run folder) and
//! forecasts from them without training (`tsforge predict`).
//!
//! - [`bundle`]: the bundle's layout, written from a finished run and read back with
//!   every check a file from elsewhere needs (format version, content hashes, paths that
//!   stay inside the bundle);
//! - [`predict`]: the bundle's models applied to new data (the run's data loading and
//!   forecast origin rules, the saved feature specs and vocabularies, no refit).

pub mod bundle;
pub mod error;
pub mod predict;

pub use error::StoreError;
