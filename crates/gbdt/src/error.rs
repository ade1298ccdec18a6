//! The one error type of this crate.

/// Everything that can go wrong in `tsforge-gbdt`.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum GbdtError {
    /// A hyperparameter is out of its allowed range.
    #[error("invalid parameter `{name}`: {reason}")]
    InvalidParam {
        /// Parameter name as spelled in [`crate::GbdtParams`].
        name: &'static str,
        /// What was expected.
        reason: String,
    },
    /// An input has no rows or no columns.
    #[error("empty input: {what}")]
    Empty {
        /// Which input was empty.
        what: &'static str,
    },
    /// Lengths of inputs disagree.
    #[error("shape mismatch for {what}: expected {expected}, got {got}")]
    Shape {
        /// Which input.
        what: &'static str,
        /// Expected length.
        expected: usize,
        /// Actual length.
        got: usize,
    },
    /// A label is not valid for the objective.
    #[error("invalid label at row {row}: {reason}")]
    InvalidLabel {
        /// Row index (0-based).
        row: usize,
        /// What was expected.
        reason: String,
    },
    /// A sample weight is invalid.
    #[error("invalid weight at row {row}: {reason}")]
    InvalidWeight {
        /// Row index (0-based).
        row: usize,
        /// What was expected.
        reason: String,
    },
    /// The labels as a whole do not suit the objective (e.g. all zero for Poisson).
    #[error("labels unsuitable for objective {objective}: {reason}")]
    Labels {
        /// Objective name.
        objective: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// Prediction input has a different number of features than the model.
    #[error("model was trained on {expected} features, input has {got}")]
    FeatureCount {
        /// Feature count of the model.
        expected: usize,
        /// Feature count of the input.
        got: usize,
    },
    /// Leaf values stopped being finite (e.g. an exploding log-link score).
    #[error("training diverged at iteration {iteration}: non-finite leaf value")]
    Diverged {
        /// 0-based boosting round.
        iteration: usize,
    },
    /// The rayon thread pool could not be built.
    #[error("could not build thread pool: {0}")]
    ThreadPool(String),
    /// The random forest (`RandomForest-direct`, fitted by smartcore) failed to fit, or a
    /// saved forest is inconsistent.
    #[error("random forest: {reason}")]
    Forest {
        /// What went wrong.
        reason: String,
    },
    /// Saving or loading a model failed.
    #[error("model JSON: {0}")]
    Json(#[from] serde_json::Error),
}

/// Result alias for this crate.
pub type Result<T> = std::result::Result<T, GbdtError>;
