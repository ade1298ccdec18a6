//! Histogram gradient-boosted trees (LightGBM-style), written for tsforge.
//!
//! Features are binned to at most 255 `u8` codes per column (quantile edges, missing values in
//! their own bin with a learned default direction; columns listed in
//! [`GbdtParams::categorical_features`] get one bin per category and LightGBM-style
//! many-vs-many categorical splits); trees grow leaf-wise (best first) on gradient histograms
//! with the subtraction trick; objectives are L2, Poisson, Tweedie and binary logistic, started
//! from the objective's optimal constant. Training is rayon-parallel over features, and the
//! fitted model is the same for any thread count given the same data, parameters and seed.
//!
//! Differences from LightGBM worth knowing: leaf row counts are exact (LightGBM 4 estimates
//! them from hessian sums, so `min_data_in_leaf` can decide differently when hessians vary);
//! early stopping keeps only the trees up to the best iteration; categorical leaf values use
//! `lambda_l2` only (`cat_l2` enters the split gain).
//!
//! ```
//! use tsforge_gbdt::{Dataset, GbdtParams, Objective};
//!
//! // Column-major matrix: 200 rows × 2 columns (NaN = missing).
//! let n = 200;
//! let mut x = vec![0f32; n * 2];
//! let mut y = vec![0f64; n];
//! for i in 0..n {
//!     x[i] = i as f32;                                       // column 0
//!     x[n + i] = if i % 7 == 0 { f32::NAN } else { (i % 3) as f32 }; // column 1
//!     y[i] = if i < 100 { 1.0 } else { 5.0 };
//! }
//! let train = Dataset::new(&x, n, 2, &y)?;
//! let params = GbdtParams { objective: Objective::L2, num_iterations: 50, ..Default::default() };
//! let booster = params.validate()?.fit(&train, None)?;
//! let pred = booster.predict(&x, n, 2)?;
//! assert!((pred[10] - 1.0).abs() < 0.1 && (pred[150] - 5.0).abs() < 0.1);
//!
//! // Save and load: identical predictions.
//! let json = booster.to_json()?;
//! let loaded = tsforge_gbdt::Booster::from_json(&json)?;
//! assert_eq!(loaded.predict(&x, n, 2)?, pred);
//! # Ok::<(), tsforge_gbdt::GbdtError>(())
//! ```

pub mod any_panel;
mod binning;
pub mod catalog;
mod direct_matrix;
pub mod error;
pub mod forecaster;
pub mod forest;
pub mod grouped;
pub mod linear;
mod objective;
mod params;
pub mod partition;
pub mod recursive;
mod train;
mod tree;

use rayon::prelude::*;
use serde::{Deserialize, Serialize};

pub use catalog::{GbdtSection, catalog};
pub use error::{GbdtError, Result};
pub use forecaster::GbdtForecaster;
pub use forest::RandomForestDirect;
pub use grouped::PartitionedGbdt;
pub use linear::RidgeDirect;
pub use params::{GbdtParams, Objective, ValidGbdtParams};
pub use partition::Partition;
pub use tree::Tree;

use objective::Loss;

/// Training (or validation) data: a dense column-major `f32` matrix, labels and optional weights.
#[derive(Debug, Clone, Copy)]
pub struct Dataset<'a> {
    x: &'a [f32],
    n_rows: usize,
    n_cols: usize,
    label: &'a [f64],
    weight: Option<&'a [f64]>,
}

fn check_matrix(x: &[f32], n_rows: usize, n_cols: usize) -> Result<()> {
    if n_rows == 0 {
        return Err(GbdtError::Empty { what: "matrix has no rows" });
    }
    if n_cols == 0 {
        return Err(GbdtError::Empty { what: "matrix has no columns" });
    }
    let expected = n_rows.checked_mul(n_cols).ok_or(GbdtError::Shape { what: "matrix (n_rows × n_cols overflows)", expected: usize::MAX, got: x.len() })?;
    if x.len() != expected {
        return Err(GbdtError::Shape { what: "matrix values (n_rows × n_cols)", expected, got: x.len() });
    }
    Ok(())
}

impl<'a> Dataset<'a> {
    /// `x` holds column `j` at `x[j * n_rows..(j + 1) * n_rows]`; `label.len() == n_rows`.
    pub fn new(x: &'a [f32], n_rows: usize, n_cols: usize, label: &'a [f64]) -> Result<Self> {
        check_matrix(x, n_rows, n_cols)?;
        if label.len() != n_rows {
            return Err(GbdtError::Shape { what: "labels", expected: n_rows, got: label.len() });
        }
        Ok(Dataset { x, n_rows, n_cols, label, weight: None })
    }

    /// Adds per-row weights (finite, >= 0, not all zero).
    pub fn with_weights(mut self, weight: &'a [f64]) -> Result<Self> {
        if weight.len() != self.n_rows {
            return Err(GbdtError::Shape { what: "weights", expected: self.n_rows, got: weight.len() });
        }
        self.weight = Some(weight);
        Ok(self)
    }

    /// Number of rows.
    pub fn n_rows(&self) -> usize {
        self.n_rows
    }

    /// Number of feature columns.
    pub fn n_cols(&self) -> usize {
        self.n_cols
    }
}

impl ValidGbdtParams {
    /// Trains a booster. With `valid` given, the objective's loss on it is recorded every round
    /// and drives early stopping (`early_stopping_rounds`), keeping the best iteration.
    pub fn fit(&self, train: &Dataset<'_>, valid: Option<&Dataset<'_>>) -> Result<Booster> {
        train::train(self, train, valid)
    }
}

/// Kind of feature importance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImportanceType {
    /// Total split gain of the feature.
    Gain,
    /// Number of splits on the feature.
    Split,
}

const FORMAT: &str = "tsforge-gbdt/1";

/// A fitted gradient-boosted tree ensemble.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Booster {
    format: String,
    loss: Loss,
    init_score: f64,
    n_features: usize,
    trees: Vec<Tree>,
    best_iteration: Option<usize>,
    valid_loss: Vec<f64>,
    /// Optional column names (for importance reports).
    #[serde(default)]
    feature_names: Vec<String>,
}

impl Booster {
    pub(crate) fn new(loss: Loss, init_score: f64, n_features: usize, trees: Vec<Tree>, best_iteration: Option<usize>, valid_loss: Vec<f64>) -> Self {
        Booster { format: FORMAT.into(), loss, init_score, n_features, trees, best_iteration, valid_loss, feature_names: Vec::new() }
    }

    /// Attaches column names (one per feature), kept in the saved model.
    pub fn with_feature_names(mut self, names: Vec<String>) -> Result<Self> {
        if names.len() != self.n_features {
            return Err(GbdtError::Shape { what: "feature names", expected: self.n_features, got: names.len() });
        }
        self.feature_names = names;
        Ok(self)
    }

    /// Column names, empty unless set with [`Booster::with_feature_names`].
    pub fn feature_names(&self) -> &[String] {
        &self.feature_names
    }

    /// The objective the model was trained with.
    pub fn objective(&self) -> Objective {
        self.loss.objective
    }

    /// The constant raw score every prediction starts from.
    pub fn init_score(&self) -> f64 {
        self.init_score
    }

    /// Number of trees kept (with early stopping: up to the best iteration).
    pub fn num_trees(&self) -> usize {
        self.trees.len()
    }

    /// The trees.
    pub fn trees(&self) -> &[Tree] {
        &self.trees
    }

    /// Number of feature columns the model expects.
    pub fn num_features(&self) -> usize {
        self.n_features
    }

    /// With early stopping: the number of rounds (1-based) that gave the lowest validation loss.
    pub fn best_iteration(&self) -> Option<usize> {
        self.best_iteration
    }

    /// Validation loss after each round (empty without a validation set).
    pub fn valid_loss(&self) -> &[f64] {
        &self.valid_loss
    }

    /// Raw scores (link scale) for a column-major matrix.
    pub fn predict_raw(&self, x: &[f32], n_rows: usize, n_cols: usize) -> Result<Vec<f64>> {
        if n_cols != self.n_features {
            return Err(GbdtError::FeatureCount { expected: self.n_features, got: n_cols });
        }
        if n_rows == 0 {
            return Ok(Vec::new());
        }
        check_matrix(x, n_rows, n_cols)?;
        let mut out = vec![self.init_score; n_rows];
        out.par_iter_mut().enumerate().for_each(|(i, o)| {
            for t in &self.trees {
                *o += t.leaf_value[t.leaf_raw(|f| x[f * n_rows + i])];
            }
        });
        Ok(out)
    }

    /// Predictions on the label scale (exp for Poisson/Tweedie, sigmoid for binary).
    pub fn predict(&self, x: &[f32], n_rows: usize, n_cols: usize) -> Result<Vec<f64>> {
        let mut raw = self.predict_raw(x, n_rows, n_cols)?;
        for v in &mut raw {
            *v = self.loss.transform(*v);
        }
        Ok(raw)
    }

    /// Per-feature importance, summed over trees.
    pub fn feature_importance(&self, kind: ImportanceType) -> Vec<f64> {
        let mut imp = vec![0.0; self.n_features];
        for t in &self.trees {
            for (&f, &g) in t.split_feature.iter().zip(&t.split_gain) {
                if let Some(v) = imp.get_mut(f as usize) {
                    *v += match kind {
                        ImportanceType::Gain => g,
                        ImportanceType::Split => 1.0,
                    };
                }
            }
        }
        imp
    }

    /// The model as JSON; [`Booster::from_json`] gives back identical predictions.
    pub fn to_json(&self) -> Result<String> {
        Ok(serde_json::to_string(self)?)
    }

    /// Loads a model saved with [`Booster::to_json`], checking its structure.
    pub fn from_json(s: &str) -> Result<Self> {
        let b: Booster = serde_json::from_str(s)?;
        if b.format != FORMAT {
            return Err(GbdtError::InvalidParam { name: "format", reason: format!("expected {FORMAT}, got {}", b.format) });
        }
        if !b.feature_names.is_empty() && b.feature_names.len() != b.n_features {
            return Err(GbdtError::Shape { what: "feature names", expected: b.n_features, got: b.feature_names.len() });
        }
        if !b.trees.iter().all(|t| t.is_consistent(b.n_features)) {
            return Err(GbdtError::InvalidParam { name: "trees", reason: "inconsistent tree structure".into() });
        }
        Ok(b)
    }
}

#[cfg(test)]
mod tests;
