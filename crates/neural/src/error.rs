//! The one error type of the crate.

use thiserror::Error;

/// What can go wrong when building, training or applying a neural forecaster.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NeuralError {
    /// A hyperparameter outside its range (caught by `validate()` before anything runs).
    #[error("invalid {what}: {reason}")]
    Config { what: String, reason: String },
    /// The panel cannot give the windows the model needs.
    #[error("not enough data: {reason}")]
    Data { reason: String },
    /// burn reported an error (reading a tensor back, a scheduler setting).
    #[error("burn: {reason}")]
    Backend { reason: String },
    #[error(transparent)]
    Core(#[from] tsforge_core::CoreError),
}

impl NeuralError {
    pub(crate) fn config(what: impl Into<String>, reason: impl Into<String>) -> NeuralError {
        NeuralError::Config { what: what.into(), reason: reason.into() }
    }
}

pub type Result<T> = std::result::Result<T, NeuralError>;
