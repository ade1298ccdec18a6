//! Minimisation as statsforecast does it (scipy's BFGS, gradient by forward
//! differences, `gtol` 1e-8, at most 100 iterations), here with argmin's BFGS and its
//! More-Thuente line search.

use std::cell::RefCell;

use argmin::core::{CostFunction, Error, Executor, Gradient, State, TerminationReason, TerminationStatus};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::BFGS;

/// Where the minimiser stopped.
#[derive(Debug, Clone)]
pub struct Minimum {
    pub x: Vec<f64>,
    pub value: f64,
    /// It ran out of iterations (scipy's status 1: statsforecast then ignores the CSS
    /// estimates).
    pub max_iter: bool,
}

/// A value the line search can work with in place of an infinite or undefined one.
const BIG: f64 = 1e30;

struct Objective<'a> {
    f: &'a dyn Fn(&[f64]) -> f64,
    /// Best point seen by the solver, kept for when a line search gives up.
    best: &'a RefCell<(f64, Vec<f64>)>,
    /// Cost evaluations so far: argmin's line search has no iteration limit of its own
    /// (scipy's stops at 100), so a budget ends a search that cannot converge.
    evals: &'a std::cell::Cell<usize>,
    /// The last point whose cost was asked for, with that cost: like scipy's
    /// `ScalarFunction`, a gradient there reuses it as the base of the differences
    /// (this matters because statsforecast's likelihood depends on the evaluation
    /// before it, see `StateSpace::update`).
    last: &'a RefCell<(Vec<f64>, f64)>,
}

/// Cost evaluations allowed in one minimisation (100 iterations of a few line-search
/// steps each).
const MAX_EVALS: usize = 2000;

impl Objective<'_> {
    fn value(&self, x: &[f64]) -> f64 {
        let v = (self.f)(x);
        if v.is_finite() { v } else { BIG }
    }
}

impl CostFunction for Objective<'_> {
    type Param = Vec<f64>;
    type Output = f64;

    fn cost(&self, x: &Vec<f64>) -> Result<f64, Error> {
        self.evals.set(self.evals.get() + 1);
        if self.evals.get() > MAX_EVALS {
            return Err(Error::msg("evaluation budget spent"));
        }
        let v = self.value(x);
        *self.last.borrow_mut() = (x.clone(), v);
        let mut best = self.best.borrow_mut();
        if v < best.0 {
            *best = (v, x.clone());
        }
        Ok(v)
    }
}

impl Gradient for Objective<'_> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;

    /// Forward differences with scipy's step, sqrt(eps) max(1, |x|) signed like x.
    fn gradient(&self, x: &Vec<f64>) -> Result<Vec<f64>, Error> {
        let cached = {
            let last = self.last.borrow();
            (last.0 == *x).then_some(last.1)
        };
        let f0 = match cached {
            Some(v) => v,
            None => {
                let v = self.value(x);
                *self.last.borrow_mut() = (x.clone(), v);
                v
            }
        };
        let mut xh = x.clone();
        let mut g = vec![0.0; x.len()];
        for i in 0..x.len() {
            let sign = if x[i] >= 0.0 { 1.0 } else { -1.0 };
            let step = f64::EPSILON.sqrt() * sign * x[i].abs().max(1.0);
            xh[i] = x[i] + step;
            let h = xh[i] - x[i];
            g[i] = (self.value(&xh) - f0) / h;
            xh[i] = x[i];
        }
        Ok(g)
    }
}

/// Minimises `f` from `x0`.
pub fn minimise(f: &dyn Fn(&[f64]) -> f64, x0: &[f64]) -> Minimum {
    let best = RefCell::new((f64::INFINITY, x0.to_vec()));
    let evals = std::cell::Cell::new(0);
    let start = f(x0);
    let start = if start.is_finite() { start } else { BIG };
    let last = RefCell::new((x0.to_vec(), start));
    let problem = || Objective { f, best: &best, evals: &evals, last: &last };
    *best.borrow_mut() = (start, x0.to_vec());
    let n = x0.len();
    let eye: Vec<Vec<f64>> = (0..n).map(|i| (0..n).map(|j| if i == j { 1.0 } else { 0.0 }).collect()).collect();
    let run = || -> Result<Minimum, Error> {
        let solver = BFGS::new(MoreThuenteLineSearch::new().with_c(1e-4, 0.9)?).with_tolerance_grad(1e-8)?.with_tolerance_cost(0.0)?;
        let res = Executor::new(problem(), solver).configure(|s| s.param(x0.to_vec()).cost(start).inv_hessian(eye.clone()).max_iters(100)).run()?;
        let state = res.state();
        let max_iter = matches!(state.get_termination_status(), TerminationStatus::Terminated(TerminationReason::MaxItersReached));
        let x = state.get_best_param().cloned().unwrap_or_else(|| x0.to_vec());
        Ok(Minimum { value: state.get_best_cost(), x, max_iter })
    };
    match run() {
        Ok(m) if m.value.is_finite() => m,
        // a line search that cannot progress (scipy's "precision loss"): keep the best point
        _ => {
            let (value, x) = best.borrow().clone();
            Minimum { x, value, max_iter: false }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rosenbrock() {
        let f = |x: &[f64]| (1.0 - x[0]).powi(2) + 100.0 * (x[1] - x[0] * x[0]).powi(2);
        let m = minimise(&f, &[-1.2, 1.0]);
        assert!((m.x[0] - 1.0).abs() < 1e-3 && (m.x[1] - 1.0).abs() < 1e-3, "{m:?}");
    }
}
