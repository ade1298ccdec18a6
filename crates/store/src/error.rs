//! The store's one error type.

/// Errors of bundles, predictions and the runs database.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// A bundle that cannot be trusted or read: the message names the file and what is wrong.
    #[error("{0}")]
    Bundle(String),
    /// The data, a flag or a path is not what the command can use.
    #[error("{0}")]
    Usage(String),
    /// A model failed on valid input.
    #[error("{0}")]
    Failed(String),
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error(transparent)]
    Automl(#[from] tsforge_automl::AutomlError),
}

impl StoreError {
    /// Whether the user can fix it (bad usage, input or bundle: exit code 2).
    pub fn is_user_error(&self) -> bool {
        match self {
            StoreError::Bundle(_) | StoreError::Usage(_) => true,
            StoreError::Automl(e) => e.is_user_error(),
            StoreError::Failed(_) | StoreError::Io { .. } => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

pub(crate) fn bundle_error(msg: impl Into<String>) -> StoreError {
    StoreError::Bundle(msg.into())
}
