//! Hyperparameter search: search spaces declared in recipes, seeded samplers (random,
//! Halton, TPE), a successive-halving scheduler with deadline, parallelism and resume,
//! and Caruana's greedy ensemble selection.
//!
//! ```
//! use tsforge_automl::search::{
//!     Halving, SamplerKind, SearchPlan, SearchSpace, best, caruana, run_search,
//! };
//!
//! let space = SearchSpace::from_json(
//!     "models.gbdt.space",
//!     &serde_json::json!({
//!         "learning_rate": { "low": 0.02, "high": 0.3, "log": true },
//!         "num_leaves": { "low": 15, "high": 127, "log": true, "int": true },
//!         "objective": "tweedie",
//!     }),
//! )?;
//! let plan = SearchPlan {
//!     family: "GBDT",
//!     space: &space,
//!     sampler: SamplerKind::Tpe,
//!     seed: 42,
//!     n_trials: 9,
//!     halving: Halving { min_resource: 10, max_resource: 90, eta: 3 },
//!     deadline: None,
//!     parallel: 1,
//! };
//! // a toy objective: the best learning rate is 0.1, more resource helps
//! let evaluate = |c: &tsforge_automl::search::Config, resource: usize, _trial: usize| {
//!     let lr = c["learning_rate"].as_f64().ok_or("no learning_rate")?;
//!     Ok((lr.ln() - 0.1f64.ln()).powi(2) + 1.0 / resource as f64)
//! };
//! let records = run_search(&plan, &[], evaluate, &mut |_record| {});
//! // 9 trials at 10 rounds, 3 at 30, 1 at 90
//! assert_eq!(records.len(), 9 + 3 + 1);
//! let winner = best(&records).ok_or("no finished trial")?;
//! assert_eq!(winner.resource, 90);
//!
//! // ensemble two forecasts whose errors cancel
//! let truth = [1.0, 2.0, 3.0];
//! let (a, b) = ([1.5, 2.5, 3.5], [0.5, 1.5, 2.5]);
//! let mse = |f: &[f64]| f.iter().zip(&truth).map(|(x, y)| (x - y).powi(2)).sum::<f64>();
//! let ens = caruana(&[&a, &b], 10, &mse)?;
//! assert_eq!(ens.weights, vec![0.5, 0.5]);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod ensemble;
mod ensemble_choice;
mod halton;
mod halving;
mod sampler;
mod space;
pub mod stacking;
mod tpe;

pub use ensemble::{Ensemble, EnsembleMethod, EnsembleRule, blend, caruana, top_k_weights};
pub use ensemble_choice::{CrossFit, cross_fit, ensemble_weights};
pub use halton::HaltonSampler;
pub use halving::{Halving, SearchPlan, TrialRecord, best, run_search};
pub use sampler::{RandomSampler, Sampler, SamplerKind, sampler};
pub use space::{Config, Param, SearchSpace};
pub use tpe::TpeSampler;

use thiserror::Error;

/// Errors of the search module: bad search spaces, bad schedules, bad ensemble inputs.
#[derive(Debug, Clone, PartialEq, Error)]
#[non_exhaustive]
pub enum SearchError {
    /// A search-space entry (or one of its keys) is not what was expected.
    #[error("{path}: expected {expected}, found {found}")]
    Space { path: String, expected: String, found: String },
    /// A successive-halving setting is out of range.
    #[error("halving.{field}: expected {expected}, found {found}")]
    Halving { field: String, expected: String, found: String },
    /// Nothing to ensemble or blend.
    #[error("{what}: no candidates")]
    NoCandidates { what: String },
    /// Lengths that should agree do not.
    #[error("{what} {index} has {got} values, expected {expected}")]
    Length { what: String, index: usize, expected: usize, got: usize },
    /// Every candidate's loss was NaN or infinite.
    #[error("ensemble: no candidate has a finite loss")]
    NoFiniteLoss,
    /// A weight is negative or not finite.
    #[error("blend: weight {index} is {value}, expected a finite number >= 0")]
    Weight { index: usize, value: f64 },
}
