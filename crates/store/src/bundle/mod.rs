//! The model bundle: what `tsforge predict` needs to forecast without training, in one
//! folder a run writes beside its reports (`RUN/bundle/`).
//!
//! ```text
//! bundle/
//!   bundle.json     the index: format version, tsforge version, the run's settings, the
//!                   data's schema and fingerprint, the series ids, every model file
//!                   with its SHA-256, the ensemble's members and weights, backtest scores
//!   bundle.sha256   SHA-256 of bundle.json: the bundle's id
//!   models/A.json   each model's learned state (the model's own saved form)
//! ```
//!
//! A bundle holds the submission's models: the submitted model, or every member of the
//! submitted ensemble with its weight. Reading one back ([`read::open`]) checks the
//! format version, both hashes and that every path stays inside the bundle.

pub mod read;
pub mod write;

use serde::{Deserialize, Serialize};

/// Version of the bundle layout this tsforge writes; it reads this one and older.
pub const FORMAT_VERSION: u32 = 1;
/// The index file.
pub const INDEX: &str = "bundle.json";
/// The index's SHA-256 (the bundle id).
pub const INDEX_SUM: &str = "bundle.sha256";
/// The folder of model files.
pub const MODELS: &str = "models";

/// `bundle.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BundleIndex {
    /// Always "tsforge-bundle".
    pub kind: String,
    pub format_version: u32,
    pub tsforge_version: String,
    pub run_name: String,
    /// The run's settings (`manifest.json`'s `recipe`): how the data is read.
    pub settings: serde_json::Value,
    pub data: DataSchema,
    pub horizon: usize,
    /// Last training period of the run (its forecast origin).
    pub train_end: String,
    /// The model the run submitted: one of `models`, or the ensemble.
    pub submission: String,
    pub models: Vec<SavedModel>,
    /// Set when the submission is an ensemble of `models`.
    pub ensemble: Option<SavedEnsemble>,
    /// Models the submission needs that could not be saved, with why.
    #[serde(default)]
    pub unsaved: Vec<String>,
}

impl BundleIndex {
    /// The mean backtest score of the submission (the ensemble's or the one model's).
    pub fn submission_backtest(&self) -> Option<f64> {
        match &self.ensemble {
            Some(e) => e.valid,
            None => self.models.iter().find(|m| m.alias == self.submission).and_then(|m| m.valid),
        }
    }
}

/// What the training data looked like: predict refuses data of another shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSchema {
    /// "m5" or "long".
    pub kind: String,
    pub frequency: String,
    pub fingerprint: String,
    pub has_prices: bool,
    pub has_calendar: bool,
    pub has_hierarchy: bool,
    /// Every series id at training, in the panel's order.
    pub series: Vec<String>,
}

/// One model file of the bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedModel {
    /// Leaderboard alias.
    pub alias: String,
    pub family: String,
    /// Path inside the bundle (`models/ALIAS.json`).
    pub file: String,
    /// The saved form's `format` tag (which model code reads it back).
    pub format: String,
    /// SHA-256 of the file, hex.
    pub sha256: String,
    /// Mean backtest score at training (`valid` on the leaderboard).
    pub valid: Option<f64>,
}

/// The submitted ensemble: a weighted sum of the members' (capped) forecasts, in the
/// order the run blended them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SavedEnsemble {
    pub alias: String,
    pub members: Vec<EnsembleMember>,
    pub valid: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnsembleMember {
    pub alias: String,
    pub weight: f64,
}

/// SHA-256 of `bytes`, lowercase hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}
