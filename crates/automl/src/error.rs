//! The error type of the automl crate.

use thiserror::Error;

/// Errors raised while fitting the sparsity models.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum AutomlError {
    /// Nothing to train on.
    #[error("no training rows: {reason}")]
    NoTrainingRows { reason: String },
    /// Lengths that should agree do not.
    #[error("{what} has {got} values, expected {expected}")]
    Shape { what: String, expected: usize, got: usize },
    /// linfa's logistic regression failed (its error, as text).
    #[error("logistic regression: {reason}")]
    Logistic { reason: String },
    #[error(transparent)]
    Gbdt(#[from] tsforge_gbdt::GbdtError),
    #[error(transparent)]
    Features(#[from] tsforge_features::FeatureError),
    #[error(transparent)]
    Core(#[from] tsforge_core::CoreError),
}

pub type Result<T> = std::result::Result<T, AutomlError>;
