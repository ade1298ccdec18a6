//! Errors of the feature engine.

use thiserror::Error;

/// Errors raised while validating a [`crate::FeatureSpec`] or building features.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum FeatureError {
    /// A spec entry is out of range or contradicts the strategy.
    #[error("invalid feature '{feature}': {reason}")]
    InvalidSpec { feature: String, reason: String },
    /// A feature needs data the panel does not have.
    #[error("feature '{feature}' needs {needs}, which the panel does not have")]
    MissingData { feature: String, needs: String },
    /// Panel parts whose lengths do not fit together.
    #[error("panel {what} has {got} values, expected {expected}")]
    Shape { what: String, expected: usize, got: usize },
    /// A requested row names a series the panel does not have.
    #[error("row {row} asks for series {series}, but the panel has {n_series} series")]
    RowOutOfRange { row: usize, series: usize, n_series: usize },
}

pub type Result<T> = std::result::Result<T, FeatureError>;
