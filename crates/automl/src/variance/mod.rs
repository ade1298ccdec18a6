//! Seed variance (underspecification, D'Amour et al. 2020): `tsforge variance` refits
//! the same configurations under several seeds and reports the spread.
//!
//! - [`run`]: the variance run ([`run_variance`]): the recipe's run, the configurations
//!   ([`select`]), the refits per seed with resume ([`state`]), the report ([`report`]);
//! - [`stats`]: per-seed summaries (mean, sample std, min, max, type-7 quartiles, IQR,
//!   relative spread), the seeded percentile bootstrap of a weighted mean over series,
//!   Student's t p-values;
//! - [`compare`]: ranks per seed, pairwise win shares, winners, paired comparisons;
//! - [`spread`]: per-series coefficient of variation of the forecasts across seeds,
//!   per-cell standard deviations, errors over strata of the scored cells.
//!
//! ```
//! use tsforge_automl::variance::{compare, stats};
//!
//! // two configurations, four seeds (WRMSSE, lower is better)
//! let a = [0.61, 0.62, 0.60, 0.61];
//! let b = [0.64, 0.63, 0.65, 0.64];
//! let s = stats::summarize(&a);
//! assert_eq!((s.min, s.max), (0.60, 0.62));
//! let p = compare::paired(&a, &b, 0.9);
//! assert!(p.ranges_disjoint && p.distinguishable);
//! // a deterministic model: bit-identical scores, exactly zero spread
//! assert_eq!(stats::summarize(&[0.8518; 4]).std, 0.0);
//! ```

pub mod compare;
pub mod report;
pub mod run;
pub mod select;
pub mod spread;
pub mod state;
pub mod stats;

pub use compare::{Paired, Winners, paired, pairwise_wins, ranks, winners};
pub use run::{VarianceOptions, VarianceOutcome, run_variance};
pub use spread::{cell_mean_std, series_cv, stratum_errors};
pub use stats::{Summary, bootstrap_ci, bootstrap_indices, summarize};

use rayon::prelude::*;

/// Runs `f` on every job in parallel on rayon's global pool (the models' own threads
/// share it) and returns the results in the order of `jobs`, whatever order they
/// finish in.
pub fn run_parallel<J: Sync, R: Send>(jobs: &[J], f: impl Fn(&J) -> R + Sync + Send) -> Vec<R> {
    jobs.par_iter().map(f).collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn parallel_results_keep_the_job_order() {
        let jobs: Vec<u64> = (0..64).collect();
        let out = super::run_parallel(&jobs, |j| {
            // later jobs finish first
            std::thread::sleep(std::time::Duration::from_micros(64 - j));
            j * 2
        });
        assert_eq!(out, (0..64).map(|j| j * 2).collect::<Vec<_>>());
    }
}
