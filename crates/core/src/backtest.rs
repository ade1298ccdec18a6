//! Backtest windows: rolling-origin splits and the two M5 phases.

use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};

/// One split: train on positions `[0, cutoff)`, forecast `[cutoff, cutoff + horizon)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Window {
    pub cutoff: usize,
    pub horizon: usize,
}

impl Window {
    pub fn test_range(&self) -> std::ops::Range<usize> {
        self.cutoff..self.cutoff + self.horizon
    }
}

/// `n_windows` rolling-origin windows of `horizon` steps, `step` apart, the last one
/// ending at `n_time`; earliest first. Every window keeps at least `min_train` positions for training.
pub fn rolling_origin(n_time: usize, horizon: usize, step: usize, n_windows: usize, min_train: usize) -> Result<Vec<Window>> {
    if horizon == 0 || step == 0 || n_windows == 0 {
        return Err(CoreError::Window { reason: "horizon, step and number of windows must be positive".into() });
    }
    let span = horizon + step * (n_windows - 1);
    let first_cutoff = n_time.checked_sub(span).filter(|c| *c >= min_train.max(1)).ok_or_else(|| CoreError::Window {
        reason: format!("{n_windows} window(s) of horizon {horizon} with step {step} need at least {} positions, the data has {n_time}", span + min_train.max(1)),
    })?;
    Ok((0..n_windows).map(|k| Window { cutoff: first_cutoff + k * step, horizon }).collect())
}

/// Which M5 phase a run plays.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// Train on d_1..d_1913, forecast d_1914..d_1941, score against the evaluation file.
    #[default]
    Validation,
    /// Train on d_1..d_1941, forecast d_1942..d_1969; submission only.
    Evaluation,
}

impl Phase {
    pub fn name(self) -> &'static str {
        match self {
            Phase::Validation => "validation",
            Phase::Evaluation => "evaluation",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn m5_validation_window() {
        let w = rolling_origin(1941, 28, 28, 1, 1).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(w, vec![Window { cutoff: 1913, horizon: 28 }]);
        assert_eq!(w[0].test_range(), 1913..1941);
        assert!(rolling_origin(10, 28, 28, 1, 1).is_err());
    }

    proptest! {
        /// Windows stay inside the data, are ordered, `step` apart, and the last ends at n_time.
        #[test]
        fn windows_are_consistent(n in 1usize..500, h in 1usize..40, step in 1usize..40, k in 1usize..6) {
            if let Ok(ws) = rolling_origin(n, h, step, k, 1) {
                prop_assert_eq!(ws.len(), k);
                prop_assert_eq!(ws[k - 1].cutoff + h, n);
                for w in &ws { prop_assert!(w.cutoff >= 1 && w.cutoff + h <= n); }
                for p in ws.windows(2) { prop_assert_eq!(p[1].cutoff - p[0].cutoff, step); }
            } else {
                prop_assert!(n < h + step * (k - 1) + 1);
            }
        }
    }
}
