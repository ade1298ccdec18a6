use thiserror::Error;

/// Why a model could not fit a series; the panel adapter then uses the fallback.
#[derive(Debug, Error, Clone, PartialEq)]
#[non_exhaustive]
pub enum StatsError {
    #[error("{model}: series too short ({len} values, needs at least {needed})")]
    TooShort { model: String, len: usize, needed: usize },
    #[error("{model}: series has no non-zero demand")]
    AllZero { model: String },
    #[error("{model}: {reason}")]
    Failed { model: String, reason: String },
    #[error("invalid parameter {name}: {reason}")]
    Param { name: String, reason: String },
}

pub type Result<T> = std::result::Result<T, StatsError>;
