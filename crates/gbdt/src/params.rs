//! Hyperparameters (serde, defaults as in LightGBM) and their validation.

use serde::{Deserialize, Serialize};

use crate::error::{GbdtError, Result};

/// Loss function being minimised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Objective {
    /// Squared error, identity link.
    #[default]
    L2,
    /// Poisson deviance, log link.
    Poisson,
    /// Tweedie deviance with `tweedie_variance_power` in (1, 2), log link.
    Tweedie,
    /// Logistic loss for labels in {0, 1}, logit link.
    Binary,
}

impl Objective {
    /// The name used in errors and serialised models.
    pub fn name(self) -> &'static str {
        match self {
            Objective::L2 => "l2",
            Objective::Poisson => "poisson",
            Objective::Tweedie => "tweedie",
            Objective::Binary => "binary",
        }
    }
}

/// Hyperparameters of a gradient-boosted tree model. Names and defaults follow LightGBM.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct GbdtParams {
    /// Loss function.
    pub objective: Objective,
    /// Number of boosting rounds (trees).
    pub num_iterations: usize,
    /// Shrinkage applied to every leaf value, in (0, 1].
    pub learning_rate: f64,
    /// Maximum leaves per tree, at least 2.
    pub num_leaves: usize,
    /// Maximum tree depth; `None` = unlimited.
    pub max_depth: Option<usize>,
    /// Minimum number of rows in a leaf.
    pub min_data_in_leaf: usize,
    /// Minimum sum of hessians in a leaf.
    pub min_sum_hessian_in_leaf: f64,
    /// L1 regularisation on leaf values.
    pub lambda_l1: f64,
    /// L2 regularisation on leaf values.
    pub lambda_l2: f64,
    /// Minimum gain for a split to be made.
    pub min_gain_to_split: f64,
    /// Maximum number of bins per feature, in 2..=255 (one more bin is kept for missing values).
    pub max_bin: usize,
    /// Rows sampled to find bin edges.
    pub bin_construct_sample_cnt: usize,
    /// Fraction of features considered by each tree, in (0, 1].
    pub feature_fraction: f64,
    /// Fraction of rows used by each tree, in (0, 1].
    pub bagging_fraction: f64,
    /// Resample rows every `bagging_freq` iterations; 0 disables bagging.
    pub bagging_freq: usize,
    /// Stop when the validation loss has not improved for this many rounds; needs a validation set.
    pub early_stopping_rounds: Option<usize>,
    /// Tweedie variance power, in (1, 2).
    pub tweedie_variance_power: f64,
    /// Added to the score in the Poisson hessian (LightGBM's `poisson_max_delta_step`).
    pub poisson_max_delta_step: f64,
    /// Start from the objective's optimal constant (LightGBM's `boost_from_average`).
    pub boost_from_average: bool,
    /// Indices of categorical columns (values: non-negative integers; others count as missing).
    pub categorical_features: Vec<usize>,
    /// Categorical splits: most categories on the left side of a split.
    pub max_cat_threshold: usize,
    /// Categorical splits: smoothing added to the hessian when ordering categories.
    pub cat_smooth: f64,
    /// Categorical splits: extra L2 regularisation in the split gain.
    pub cat_l2: f64,
    /// Categorical splits: minimum rows of a category to take part in a many-vs-many split.
    pub min_data_per_group: usize,
    /// Categorical features with at most this many categories use one-vs-rest splits.
    pub max_cat_to_onehot: usize,
    /// Seed of every random choice (bagging, feature sampling).
    pub seed: u64,
    /// Worker threads; 0 = rayon's default (all cores).
    pub num_threads: usize,
}

impl Default for GbdtParams {
    fn default() -> Self {
        Self {
            objective: Objective::L2,
            num_iterations: 100,
            learning_rate: 0.1,
            num_leaves: 31,
            max_depth: None,
            min_data_in_leaf: 20,
            min_sum_hessian_in_leaf: 1e-3,
            lambda_l1: 0.0,
            lambda_l2: 0.0,
            min_gain_to_split: 0.0,
            max_bin: 255,
            bin_construct_sample_cnt: 200_000,
            feature_fraction: 1.0,
            bagging_fraction: 1.0,
            bagging_freq: 0,
            early_stopping_rounds: None,
            tweedie_variance_power: 1.5,
            poisson_max_delta_step: 0.7,
            boost_from_average: true,
            categorical_features: Vec::new(),
            max_cat_threshold: 32,
            cat_smooth: 10.0,
            cat_l2: 10.0,
            min_data_per_group: 100,
            max_cat_to_onehot: 4,
            seed: 0,
            num_threads: 0,
        }
    }
}

/// Parameters that passed [`GbdtParams::validate`]; the only way to train. Carries the
/// fit's deadline too: a run setting, not a hyperparameter (never saved with a model).
#[derive(Debug, Clone, PartialEq)]
pub struct ValidGbdtParams(pub(crate) GbdtParams, pub(crate) Option<std::time::Instant>);

impl ValidGbdtParams {
    /// The checked parameters.
    pub fn params(&self) -> &GbdtParams {
        &self.0
    }

    /// Stop adding trees once `deadline` has passed (keeping at least one), so a fit
    /// started just before a run's time limit ends soon after it. Without a deadline
    /// boosting runs its rounds and is fully deterministic.
    pub fn with_deadline(mut self, deadline: Option<std::time::Instant>) -> ValidGbdtParams {
        self.1 = deadline;
        self
    }
}

fn bad(name: &'static str, reason: impl Into<String>) -> GbdtError {
    GbdtError::InvalidParam { name, reason: reason.into() }
}

fn finite_nonneg(name: &'static str, v: f64) -> Result<()> {
    if v.is_finite() && v >= 0.0 { Ok(()) } else { Err(bad(name, format!("must be finite and >= 0, got {v}"))) }
}

fn unit_interval(name: &'static str, v: f64) -> Result<()> {
    if v > 0.0 && v <= 1.0 { Ok(()) } else { Err(bad(name, format!("must be in (0, 1], got {v}"))) }
}

impl GbdtParams {
    /// Log-link objectives (Tweedie, Poisson) cannot fit negative labels: when the labels
    /// have `negative` values, squared error takes their place. Returns the objective
    /// replaced, if any.
    pub fn square_loss_if_negative(&mut self, negative: bool) -> Option<Objective> {
        let replaced = self.objective;
        (negative && matches!(replaced, Objective::Tweedie | Objective::Poisson)).then(|| {
            self.objective = Objective::L2;
            replaced
        })
    }

    /// Checks every range and returns the checked type.
    pub fn validate(&self) -> Result<ValidGbdtParams> {
        let p = self;
        if p.num_iterations == 0 {
            return Err(bad("num_iterations", "must be >= 1"));
        }
        if !(p.learning_rate.is_finite() && p.learning_rate > 0.0) {
            return Err(bad("learning_rate", format!("must be finite and > 0, got {}", p.learning_rate)));
        }
        if p.num_leaves < 2 || p.num_leaves > 131_072 {
            return Err(bad("num_leaves", format!("must be in 2..=131072, got {}", p.num_leaves)));
        }
        if p.max_depth == Some(0) {
            return Err(bad("max_depth", "must be >= 1 (or absent for unlimited)"));
        }
        if p.min_data_in_leaf == 0 {
            return Err(bad("min_data_in_leaf", "must be >= 1"));
        }
        finite_nonneg("min_sum_hessian_in_leaf", p.min_sum_hessian_in_leaf)?;
        finite_nonneg("lambda_l1", p.lambda_l1)?;
        finite_nonneg("lambda_l2", p.lambda_l2)?;
        finite_nonneg("min_gain_to_split", p.min_gain_to_split)?;
        finite_nonneg("poisson_max_delta_step", p.poisson_max_delta_step)?;
        if !(2..=255).contains(&p.max_bin) {
            return Err(bad("max_bin", format!("must be in 2..=255, got {}", p.max_bin)));
        }
        if p.bin_construct_sample_cnt == 0 {
            return Err(bad("bin_construct_sample_cnt", "must be >= 1"));
        }
        unit_interval("feature_fraction", p.feature_fraction)?;
        finite_nonneg("cat_smooth", p.cat_smooth)?;
        finite_nonneg("cat_l2", p.cat_l2)?;
        if p.max_cat_threshold == 0 {
            return Err(bad("max_cat_threshold", "must be >= 1"));
        }
        if p.max_cat_to_onehot == 0 {
            return Err(bad("max_cat_to_onehot", "must be >= 1"));
        }
        let mut cats = p.categorical_features.clone();
        cats.sort_unstable();
        if cats.windows(2).any(|w| w[0] == w[1]) {
            return Err(bad("categorical_features", "duplicate column index"));
        }
        unit_interval("bagging_fraction", p.bagging_fraction)?;
        if p.early_stopping_rounds == Some(0) {
            return Err(bad("early_stopping_rounds", "must be >= 1 (or absent to disable)"));
        }
        let rho = p.tweedie_variance_power;
        if !(rho > 1.0 && rho < 2.0) {
            return Err(bad("tweedie_variance_power", format!("must be in (1, 2), got {rho}")));
        }
        Ok(ValidGbdtParams(p.clone(), None))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_validate() {
        assert!(GbdtParams::default().validate().is_ok());
    }

    #[test]
    fn rejects_bad_params() {
        let cases: Vec<GbdtParams> = vec![
            GbdtParams { num_leaves: 1, ..Default::default() },
            GbdtParams { learning_rate: 0.0, ..Default::default() },
            GbdtParams { learning_rate: -0.1, ..Default::default() },
            GbdtParams { learning_rate: f64::NAN, ..Default::default() },
            GbdtParams { tweedie_variance_power: 1.0, ..Default::default() },
            GbdtParams { tweedie_variance_power: 2.0, ..Default::default() },
            GbdtParams { tweedie_variance_power: 2.5, ..Default::default() },
            GbdtParams { max_bin: 256, ..Default::default() },
            GbdtParams { feature_fraction: 0.0, ..Default::default() },
            GbdtParams { bagging_fraction: 1.5, ..Default::default() },
            GbdtParams { lambda_l2: -1.0, ..Default::default() },
            GbdtParams { num_iterations: 0, ..Default::default() },
            GbdtParams { max_depth: Some(0), ..Default::default() },
            GbdtParams { min_data_in_leaf: 0, ..Default::default() },
        ];
        for c in cases {
            assert!(matches!(c.validate(), Err(GbdtError::InvalidParam { .. })), "{c:?}");
        }
    }

    #[test]
    fn serde_rejects_unknown_and_fills_defaults() {
        let p: GbdtParams = serde_json::from_str(r#"{"objective":"tweedie","num_leaves":7}"#).unwrap_or_default();
        assert_eq!(p.objective, Objective::Tweedie);
        assert_eq!(p.num_leaves, 7);
        let mut q = p.clone();
        assert_eq!((q.square_loss_if_negative(false), q.objective), (None, Objective::Tweedie));
        assert_eq!((q.square_loss_if_negative(true), q.objective), (Some(Objective::Tweedie), Objective::L2));
        assert_eq!(p.learning_rate, 0.1);
        assert!(serde_json::from_str::<GbdtParams>(r#"{"num_leaf":7}"#).is_err());
    }
}
