use thiserror::Error;

/// Errors raised by core types when their inputs do not fit together.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CoreError {
    #[error("shape mismatch in {what}: expected {expected}, got {got}")]
    Shape { what: String, expected: usize, got: usize },
    #[error("invalid window: {reason}")]
    Window { reason: String },
    #[error("invalid value for {what}: {reason}")]
    Invalid { what: String, reason: String },
}

pub type Result<T> = std::result::Result<T, CoreError>;
