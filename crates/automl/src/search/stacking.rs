//! Stacking: a non-negative linear meta-model over the candidates' backtest forecasts,
//! fitted on the backtest metric itself (WRMSSE with its aggregate levels, MASE) rather
//! than on squared error, so the weights serve the score the run is judged by.
//!
//! The weights are `w = θ²` (non-negative without bounds, so argmin's L-BFGS applies)
//! and need not sum to one: a blend scaled below one is how stacking corrects a shared
//! bias. Only the best candidates by backtest score enter, which bounds both the cost
//! (each gradient is a few metric evaluations) and the freedom to fit one window's noise.

use argmin::core::{CostFunction, Error, Executor, Gradient, State};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;

use super::SearchError;
use super::ensemble::{blend, top_k_weights};

/// Candidates that may enter the stack (the best by backtest score).
pub const STACK_CANDIDATES: usize = 8;
/// Weight each entrant other than the top-k starts with (it needs a gradient to enter).
const ENTRANT_START: f64 = 0.02;
/// Weights below this are dropped after the fit: they are noise, and a member costs a refit.
const DROP_BELOW: f64 = 0.005;
/// L-BFGS iterations (each one line search of a few loss evaluations plus a gradient).
const MAX_ITERS: u64 = 30;

/// The backtest loss as a function of θ (`w = θ²` on the entrants).
struct StackLoss<'a> {
    candidates: &'a [&'a [f64]],
    entrants: &'a [usize],
    loss: &'a dyn Fn(&[f64]) -> f64,
}

impl StackLoss<'_> {
    fn weights(&self, theta: &[f64]) -> Vec<f64> {
        let mut w = vec![0.0; self.candidates.len()];
        for (&i, t) in self.entrants.iter().zip(theta) {
            w[i] = t * t;
        }
        w
    }

    fn value(&self, theta: &[f64]) -> Result<f64, Error> {
        let blended = blend(self.candidates, &self.weights(theta)).map_err(|e| Error::msg(e.to_string()))?;
        let l = (self.loss)(&blended);
        if l.is_finite() { Ok(l) } else { Err(Error::msg("the blend's backtest loss is not finite")) }
    }
}

impl CostFunction for StackLoss<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, theta: &Self::Param) -> Result<f64, Error> {
        self.value(theta)
    }
}

impl Gradient for StackLoss<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    /// Central differences: the metrics are smooth almost everywhere (MASE is piecewise
    /// linear) and the entrants are few.
    fn gradient(&self, theta: &Self::Param) -> Result<Vec<f64>, Error> {
        let mut g = vec![0.0; theta.len()];
        let mut probe = theta.clone();
        for (i, gi) in g.iter_mut().enumerate() {
            let step = 1e-5 * theta[i].abs().max(1.0);
            probe[i] = theta[i] + step;
            let up = self.value(&probe)?;
            probe[i] = theta[i] - step;
            let down = self.value(&probe)?;
            probe[i] = theta[i];
            *gi = (up - down) / (2.0 * step);
        }
        Ok(g)
    }
}

/// Stacking weights of `candidates` (flat backtest forecasts) under `loss`, started from
/// equal weights on the `top_k` best `scores` (every other entrant at a small weight). Never
/// worse in-sample than that start: when the fit fails or ends above it, the start's
/// top-k weights are returned. Returns the weights and their loss.
pub fn stack(candidates: &[&[f64]], scores: &[f64], top_k: usize, loss: &dyn Fn(&[f64]) -> f64) -> Result<(Vec<f64>, f64), SearchError> {
    if candidates.len() != scores.len() {
        return Err(SearchError::Length { what: "stacking: scores for candidate".into(), index: 0, expected: candidates.len(), got: scores.len() });
    }
    let fallback = top_k_weights(scores, top_k);
    let fallback_loss = loss(&blend(candidates, &fallback)?);
    let mut entrants: Vec<usize> = (0..scores.len()).filter(|&i| scores[i].is_finite()).collect();
    entrants.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(a.cmp(&b)));
    entrants.truncate(STACK_CANDIDATES);
    if entrants.len() < 2 {
        return Ok((fallback, fallback_loss));
    }
    let outsiders = entrants.iter().filter(|&&i| fallback[i] == 0.0).count() as f64;
    let inside = 1.0 - ENTRANT_START * outsiders;
    let start: Vec<f64> = entrants.iter().map(|&i| if fallback[i] > 0.0 { (fallback[i] * inside).sqrt() } else { ENTRANT_START.sqrt() }).collect();
    let problem = StackLoss { candidates, entrants: &entrants, loss };
    let fitted = LBFGS::new(MoreThuenteLineSearch::new(), 7)
        .with_tolerance_cost(1e-9)
        .ok()
        .and_then(|solver| Executor::new(problem, solver).configure(|s| s.param(start).max_iters(MAX_ITERS)).run().ok())
        .and_then(|r| r.state().get_best_param().cloned());
    let problem = StackLoss { candidates, entrants: &entrants, loss };
    let Some(theta) = fitted else { return Ok((fallback, fallback_loss)) };
    let weights: Vec<f64> = problem.weights(&theta).into_iter().map(|w| if w < DROP_BELOW { 0.0 } else { w }).collect();
    if weights.iter().all(|&w| w == 0.0) {
        return Ok((fallback, fallback_loss));
    }
    let fitted_loss = loss(&blend(candidates, &weights)?);
    if fitted_loss.is_finite() && fitted_loss < fallback_loss { Ok((weights, fitted_loss)) } else { Ok((fallback, fallback_loss)) }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn rmse_to(truth: &[f64]) -> impl Fn(&[f64]) -> f64 + '_ {
        move |f: &[f64]| (f.iter().zip(truth).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / truth.len() as f64).sqrt()
    }

    #[test]
    fn recovers_the_weights_of_a_known_mix() {
        // truth = 0.7·a + 0.2·b exactly; c is noise. Least squares on non-negative weights
        // (solved by hand: the mix is exact) is (0.7, 0.2, 0).
        let a: Vec<f64> = (0..40).map(|t| (t as f64 * 0.3).sin() * 5.0 + 10.0).collect();
        let b: Vec<f64> = (0..40).map(|t| (t as f64 * 0.7).cos() * 3.0 + 4.0).collect();
        let c: Vec<f64> = (0..40).map(|t| ((t * 7919) % 13) as f64).collect();
        let truth: Vec<f64> = a.iter().zip(&b).map(|(x, y)| 0.7 * x + 0.2 * y).collect();
        let loss = rmse_to(&truth);
        let (w, l) = stack(&[&a, &b, &c], &[1.0, 2.0, 3.0], 2, &loss).unwrap();
        assert!((w[0] - 0.7).abs() < 1e-3 && (w[1] - 0.2).abs() < 1e-3 && w[2] == 0.0, "{w:?}");
        assert!(l < 1e-3, "{l}");
    }

    #[test]
    fn never_worse_than_equal_top_k_and_deterministic() {
        let truth: Vec<f64> = (0..30).map(|t| t as f64).collect();
        let a: Vec<f64> = truth.iter().map(|x| x + 2.0).collect();
        let b: Vec<f64> = truth.iter().map(|x| x - 1.0).collect();
        let loss = rmse_to(&truth);
        let start = loss(&blend(&[&a, &b], &[0.5, 0.5]).unwrap());
        let (w, l) = stack(&[&a, &b], &[2.0, 1.0], 2, &loss).unwrap();
        assert!(l <= start, "{l} > {start}");
        // the errors are constant offsets: 1/3·(x+2) + 2/3·(x−1) = x
        assert!((w[0] - 1.0 / 3.0).abs() < 1e-3 && (w[1] - 2.0 / 3.0).abs() < 1e-3, "{w:?}");
        assert_eq!(stack(&[&a, &b], &[2.0, 1.0], 2, &loss).unwrap(), (w, l));
    }

    #[test]
    fn a_non_finite_loss_falls_back_to_top_k() {
        let a = vec![1.0; 5];
        let b = vec![2.0; 5];
        let loss = |_: &[f64]| f64::NAN;
        let (w, _) = stack(&[&a, &b], &[1.0, 2.0], 1, &loss).unwrap();
        assert_eq!(w, vec![1.0, 0.0]);
        assert!(stack(&[&a], &[1.0, 2.0], 1, &loss).is_err());
    }
}
