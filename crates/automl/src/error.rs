//! The error type of the automl crate: the models' fitting errors, and the pipeline's,
//! which tell the user's mistakes (a bad recipe, option or input: exit code 2) from a
//! run that failed (exit code 1).

use thiserror::Error;

/// Errors raised while fitting the sparsity models or running the pipeline.
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
    /// The recipe, an option or the input is not what the pipeline can use; the message
    /// names the key, flag, file, row or column.
    #[error("{0}")]
    Usage(String),
    /// A model or a stage of the run failed on valid input.
    #[error("{0}")]
    Failed(String),
    /// Reading or writing a file of the run failed.
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Data(#[from] tsforge_data::DataError),
    #[error(transparent)]
    Gbdt(#[from] tsforge_gbdt::GbdtError),
    #[error(transparent)]
    Features(#[from] tsforge_features::FeatureError),
    #[error(transparent)]
    Core(#[from] tsforge_core::CoreError),
}

impl AutomlError {
    /// Whether the user can fix it by changing the command, the recipe or the input
    /// (exit code 2 on the command line).
    pub fn is_user_error(&self) -> bool {
        match self {
            AutomlError::Usage(_) => true,
            AutomlError::Data(d) => d.is_input_error(),
            _ => false,
        }
    }
}

/// A usage error (bad recipe, option or input).
pub(crate) fn usage(msg: impl Into<String>) -> AutomlError {
    AutomlError::Usage(msg.into())
}

/// A failure of the run on valid input.
pub(crate) fn failed(msg: impl Into<String>) -> AutomlError {
    AutomlError::Failed(msg.into())
}

/// An I/O error on `path`.
pub(crate) fn io(path: &std::path::Path) -> impl FnOnce(std::io::Error) -> AutomlError + '_ {
    move |source| AutomlError::Io { path: path.display().to_string(), source }
}

pub type Result<T> = std::result::Result<T, AutomlError>;
