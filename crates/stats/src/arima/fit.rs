//! Fitting one ARIMA model by CSS-ML, as statsforecast's `arima` (a port of R's
//! `stats::arima`): conditional sum of squares for starting values, then the exact
//! likelihood with the AR blocks on the unconstrained (partial autocorrelation) scale.
//! Also statsforecast's `myarima` wrapper: information criteria and the root check.

use super::css::css;
use super::optimise::minimise;
use super::params::{Orders, expand, inv_trans, undo_pars};
use super::roots::min_root_modulus;
use super::state_space::StateSpace;

/// The regression term of the model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Regressor {
    None,
    /// A constant mean (no differencing).
    Mean,
    /// A linear trend `b t`, `t = 1..n` (one difference: a drift).
    Drift,
}

/// A fitted model.
#[derive(Debug, Clone)]
pub struct ArimaFit {
    pub orders: Orders,
    pub regressor: Regressor,
    /// AR, MA, seasonal AR, seasonal MA coefficients, then the regressor's.
    pub coef: Vec<f64>,
    /// The state-space model, filtered to the end of the series.
    pub model: StateSpace,
    pub sigma2: f64,
    pub aic: f64,
    /// The selection criterion (AICc, or AIC for very short series); infinite for a
    /// model statsforecast rejects.
    pub ic: f64,
    /// Length of the series fitted.
    pub n: usize,
}

/// Which criterion ranks the models.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Criterion {
    Aic,
    Aicc,
}

/// `(1 - B)^d (1 - B^m)^D` without its leading 1, sign flipped (R's `Delta`).
fn delta(o: &Orders) -> Vec<f64> {
    let mut poly = vec![1.0];
    let conv = |a: &[f64], b: &[f64]| {
        let mut out = vec![0.0; a.len() + b.len() - 1];
        for (i, x) in a.iter().enumerate() {
            for (j, y) in b.iter().enumerate() {
                out[i + j] += x * y;
            }
        }
        out
    };
    for _ in 0..o.d {
        poly = conv(&poly, &[1.0, -1.0]);
    }
    let mut seas = vec![0.0; o.m + 1];
    seas[0] = 1.0;
    seas[o.m] = -1.0;
    for _ in 0..o.sd {
        poly = conv(&poly, &seas);
    }
    poly[1..].iter().map(|v| -v).collect()
}

/// `differences` lag-`lag` differences, the undefined start dropped.
pub fn diff(x: &[f64], lag: usize, differences: usize) -> Vec<f64> {
    let mut y = x.to_vec();
    for _ in 0..differences {
        if y.len() <= lag {
            return Vec::new();
        }
        y = (lag..y.len()).map(|i| y[i] - y[i - lag]).collect();
    }
    y
}

/// The ML objective: half the log of the innovation variance plus the mean log gain.
/// `ss` is the model of the previous evaluation (see [`StateSpace::update`]).
fn ml_objective(x: &[f64], o: &Orders, ss: &mut StateSpace, par: &[f64], trans: bool) -> f64 {
    let (phi, theta) = expand(par, o, trans);
    ss.update(&phi, &theta);
    let (ssq, sumlog, nu, _) = ss.filter(x, false);
    if nu == 0 {
        return f64::INFINITY;
    }
    let s2 = ssq / nu as f64;
    if s2 <= 0.0 {
        return f64::NAN;
    }
    0.5 * (s2.ln() + sumlog / nu as f64)
}

fn css_objective(x: &[f64], o: &Orders, par: &[f64]) -> f64 {
    let (phi, theta) = expand(par, o, false);
    let v = css(x, o, &phi, &theta);
    if v.is_infinite() {
        f64::MAX
    } else if v <= 0.0 {
        f64::NEG_INFINITY
    } else {
        0.5 * v.ln()
    }
}

/// Fits `o` with regressor `reg` to `x` by CSS-ML; with `fixed`, every coefficient is
/// given and only the likelihood is evaluated.
pub fn arima(x: &[f64], o: &Orders, reg: Regressor, fixed: Option<&[f64]>) -> Result<ArimaFit, String> {
    let n = x.len();
    let delta = delta(o);
    let narma = o.narma();
    let n_used = n as isize - delta.len() as isize;
    if n_used <= 0 {
        return Err("too few observations".into());
    }
    let n_used = n_used as f64;
    let column: Vec<f64> = match reg {
        Regressor::None => Vec::new(),
        Regressor::Mean => vec![1.0; n],
        Regressor::Drift => (1..=n).map(|t| t as f64).collect(),
    };
    let adjusted = |par: &[f64]| -> Vec<f64> {
        if column.is_empty() {
            x.to_vec()
        } else {
            let b = par[narma];
            x.iter().zip(&column).map(|(v, c)| v - b * c).collect()
        }
    };
    // nothing to estimate: one evaluation of the likelihood, as with fixed coefficients
    let fixed = if fixed.is_none() && narma == 0 && column.is_empty() { Some(&[][..]) } else { fixed };
    let (coef, value, n_free) = match fixed {
        Some(c) => {
            let (phi, theta) = expand(&c[..narma], o, false);
            let v = ml_objective(&adjusted(c), o, &mut StateSpace::new(&phi, &theta, &delta), &c[..narma], false);
            (c.to_vec(), v, 0)
        }
        None => {
            let mut init = vec![0.0; narma];
            if !column.is_empty() {
                // the regression on the differenced series gives the coefficient's start
                let mut dx = diff(x, 1, o.d);
                let mut dc = diff(&column, 1, o.d);
                if o.m > 1 && o.sd > 0 {
                    dx = diff(&dx, o.m, o.sd);
                    dc = diff(&dc, o.m, o.sd);
                }
                let sxy: f64 = dx.iter().zip(&dc).map(|(a, b)| a * b).sum();
                let sxx: f64 = dc.iter().map(|b| b * b).sum();
                init.push(sxy / sxx);
            }
            if narma > 0 || !column.is_empty() {
                let css_fit = minimise(&|par| css_objective(&adjusted(par), o, &par[..narma]), &init);
                // statsforecast keeps the zero start when CSS ran out of iterations
                if !css_fit.max_iter {
                    init = css_fit.x;
                }
            }
            let start = inv_trans(&init, o);
            let (phi, theta) = expand(&start[..narma], o, true);
            let ss = std::cell::RefCell::new(StateSpace::new(&phi, &theta, &delta));
            let ml = minimise(&|par| ml_objective(&adjusted(par), o, &mut ss.borrow_mut(), &par[..narma], true), &start);
            (undo_pars(&ml.x, o), ml.value, init.len())
        }
    };
    let (phi, theta) = expand(&coef[..narma], o, false);
    let mut model = StateSpace::new(&phi, &theta, &delta);
    let (_, _, _, resid) = model.filter(&adjusted(&coef), true);
    let loglik2 = 2.0 * n_used * value + n_used + n_used * (2.0 * std::f64::consts::PI).ln();
    let aic = loglik2 + 2.0 * (n_free as f64 + 1.0);
    let nstar = (n - o.d - o.sd * o.m) as f64;
    let npar = n_free as f64 + 1.0;
    let sigma2 = resid.iter().map(|r| r * r).sum::<f64>() / (nstar - npar + 1.0);
    Ok(ArimaFit { orders: *o, regressor: reg, coef, model, sigma2, aic, ic: f64::INFINITY, n })
}

/// statsforecast's `myarima`: fits a candidate of the search and scores it by the
/// criterion, infinite where the fit failed or a root lies within 1.01 of the unit
/// circle.
pub fn candidate(x: &[f64], o: &Orders, constant: bool, criterion: Criterion) -> ArimaFit {
    let diffs = o.d + o.sd;
    let reg = match (constant, diffs) {
        (true, 1) => Regressor::Drift,
        (true, 0) => Regressor::Mean,
        _ => Regressor::None,
    };
    let mut fit = match arima(x, o, reg, None) {
        Ok(f) => f,
        Err(_) => {
            let (phi, theta) = expand(&vec![0.0; o.narma()], o, false);
            return ArimaFit { orders: *o, regressor: reg, coef: Vec::new(), model: StateSpace::new(&phi, &theta, &[]), sigma2: f64::NAN, aic: f64::NAN, ic: f64::INFINITY, n: x.len() };
        }
    };
    let nstar = (x.len() - o.d - o.sd * o.m) as f64;
    let npar = (fit.coef.len() + 1) as f64;
    if fit.aic.is_nan() {
        fit.ic = f64::INFINITY;
    } else {
        let aicc = if nstar - npar - 1.0 != 0.0 { fit.aic + 2.0 * npar * (npar + 1.0) / (nstar - npar - 1.0) } else { f64::INFINITY };
        fit.ic = match criterion {
            Criterion::Aic => fit.aic,
            Criterion::Aicc => aicc,
        };
    }
    // statsforecast checks a polynomial only when its last coefficient above 1e-8 is
    // not the first one (so a lone AR(1) or MA(1) term is never checked)
    let min_root = |coefs: &[f64], sign: f64| -> f64 {
        match coefs.iter().rposition(|v| v.abs() > 1e-8) {
            Some(last) if last > 0 => {
                let mut poly = vec![1.0];
                poly.extend(coefs[..=last].iter().map(|v| sign * v));
                min_root_modulus(&poly)
            }
            _ => 2.0,
        }
    };
    let mut minroot: f64 = 2.0;
    if o.p + o.sp > 0 {
        minroot = minroot.min(min_root(&fit.model.phi, -1.0));
    }
    if o.q + o.sq > 0 && fit.ic < f64::INFINITY {
        let q = o.q + o.m * o.sq;
        minroot = minroot.min(min_root(&fit.model.theta[..q.min(fit.model.theta.len())], 1.0));
    }
    if minroot < 1.01 || fit.ic.is_nan() {
        fit.ic = f64::INFINITY;
    }
    fit
}
