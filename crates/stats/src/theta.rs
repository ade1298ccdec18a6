//! The Theta family as statsforecast 2.1.1 fits it (Fiorucci et al. 2016): standard
//! (STM), optimised (OTM), dynamic standard (DSTM) and dynamic optimised (DOTM)
//! Theta models, after a multiplicative classical decomposition when the lag-m
//! autocorrelation test finds seasonality. `AutoTheta` keeps the variant with the
//! lowest in-sample loss.
//!
//! ```
//! use tsforge_stats::{theta::{Theta, ThetaVariant}, SeriesModel};
//! let y: Vec<f64> = (0..30).map(|t| 10.0 + 0.5 * t as f64).collect();
//! let f = Theta::new(1, Some(ThetaVariant::Standard)).fit(&y).unwrap().predict(3);
//! assert!(f.mean[0] > 20.0);
//! ```
//!
//! Prediction intervals (statsforecast simulates them) are not produced.

use crate::error::{Result, StatsError};
use crate::ets::{acf, normal_quantile, seasonal_decompose};
use crate::model::{FittedSeries, SeriesForecast, SeriesModel};
use crate::optim::{SfNelderMead, nelder_mead_sf};

/// One Theta variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ThetaVariant {
    /// STM: theta = 2, level and alpha optimised.
    Standard,
    /// OTM: theta optimised too.
    Optimized,
    /// DSTM: the trend line re-estimated at every step.
    DynamicStandard,
    /// DOTM.
    DynamicOptimized,
}

impl ThetaVariant {
    fn dynamic(self) -> bool {
        matches!(self, ThetaVariant::DynamicStandard | ThetaVariant::DynamicOptimized)
    }
    fn optimizes_theta(self) -> bool {
        matches!(self, ThetaVariant::Optimized | ThetaVariant::DynamicOptimized)
    }
    /// statsforecast's code for the variant.
    pub fn code(self) -> &'static str {
        match self {
            ThetaVariant::Standard => "STM",
            ThetaVariant::Optimized => "OTM",
            ThetaVariant::DynamicStandard => "DSTM",
            ThetaVariant::DynamicOptimized => "DOTM",
        }
    }
}

/// A Theta model: one variant (`Theta`, `OptimizedTheta`, `DynamicTheta`,
/// `DynamicOptimizedTheta`) or, with `variant: None`, `AutoTheta`.
#[derive(Debug, Clone)]
pub struct Theta {
    pub season_length: usize,
    pub variant: Option<ThetaVariant>,
    pub alias: String,
}

impl Theta {
    /// statsforecast's class of the same name with its default alias.
    pub fn new(season_length: usize, variant: Option<ThetaVariant>) -> Theta {
        let alias = match variant {
            None => "AutoTheta",
            Some(ThetaVariant::Standard) => "Theta",
            Some(ThetaVariant::Optimized) => "OptimizedTheta",
            Some(ThetaVariant::DynamicStandard) => "DynamicTheta",
            Some(ThetaVariant::DynamicOptimized) => "DynamicOptimizedTheta",
        };
        Theta { season_length, variant, alias: alias.into() }
    }
}

const TOL: f64 = 1e-10;

/// State rows: level, mean of y, A_n, B_n, mu (the one-step forecast).
type State = [f64; 5];

fn init_state(y: &[f64], variant: ThetaVariant, level0: f64, alpha: f64, theta: f64) -> State {
    let (an, bn, mu) = if variant.dynamic() {
        (y[0], 0.0, y[0])
    } else {
        let n = y.len() as f64;
        let mean = y.iter().sum::<f64>() / n;
        let weighted = y.iter().enumerate().map(|(i, v)| v * (i + 1) as f64).sum::<f64>() / n;
        let bn = (6.0 * (2.0 * weighted - (n + 1.0) * mean)) / (n * n - 1.0);
        let an = mean - (n + 1.0) * bn / 2.0;
        (an, bn, level0 + (1.0 - 1.0 / theta) * (an + bn))
    };
    [alpha * y[0] + (1.0 - alpha) * level0, y[0], an, bn, mu]
}

/// One transition from `prev` at time index `i`; `y: None` feeds the forecast back.
fn step(prev: &State, i: usize, variant: ThetaVariant, alpha: f64, theta: f64, y: Option<f64>) -> State {
    let [level, meany, an, bn, _] = *prev;
    let fi = i as f64;
    let mu = level + (1.0 - 1.0 / theta) * (an * (1.0 - alpha).powf(fi) + bn * (1.0 - (1.0 - alpha).powf(fi + 1.0)) / alpha);
    let y = y.unwrap_or(mu);
    let l = alpha * y + (1.0 - alpha) * level;
    let mean = (fi * meany + y) / (fi + 1.0);
    let (a, b) = if variant.dynamic() {
        let b = ((fi - 1.0) * bn + 6.0 * (y - meany) / (fi + 1.0)) / (fi + 2.0);
        (mean - b * (fi + 2.0) / 2.0, b)
    } else {
        (an, bn)
    };
    [l, mean, a, b, mu]
}

/// statsforecast's `calc`: the loss `sum(e[3..]^2) / mean|y|`, the residuals and the
/// last state.
fn calc(y: &[f64], variant: ThetaVariant, level0: f64, alpha: f64, theta: f64) -> (f64, Vec<f64>, State) {
    let mut state = init_state(y, variant, level0, alpha, theta);
    let mut e = Vec::with_capacity(y.len());
    e.push(y[0] - state[4]);
    for (i, &yi) in y.iter().enumerate().skip(1) {
        let next = step(&state, i, variant, alpha, theta, Some(yi));
        e.push(yi - next[4]);
        state = next;
    }
    let mean_abs = (y.iter().map(|v| v.abs()).sum::<f64>() / y.len() as f64).max(TOL);
    let loss = e.iter().skip(3).map(|v| v * v).sum::<f64>() / mean_abs;
    (loss, e, state)
}

/// One fitted Theta variant on the (possibly seasonally adjusted) series.
#[derive(Debug, Clone)]
pub struct ThetaCore {
    pub variant: ThetaVariant,
    pub level0: f64,
    pub alpha: f64,
    pub theta: f64,
    /// statsforecast's `mse` (the selection criterion).
    pub loss: f64,
    last: State,
    n: usize,
}

fn theta_model(y: &[f64], variant: ThetaVariant) -> ThetaCore {
    let level0 = y[0] / 2.0;
    let (alpha, theta) = (0.5, 2.0);
    let opt_theta = variant.optimizes_theta();
    let mut x0 = vec![level0, alpha];
    let mut lo = vec![-1e10, 0.1];
    let mut hi = vec![1e10, 0.99];
    if opt_theta {
        x0.push(theta);
        lo.push(1.0);
        hi.push(1e10);
    }
    let mut objective = |p: &[f64]| {
        let th = if opt_theta { p[2] } else { theta };
        let (mut loss, _, _) = calc(y, variant, p[0], p[1], th);
        if loss < -1e10 {
            loss = -1e10;
        }
        if loss.is_nan() || (loss + 99999.0).abs() < 1e-7 {
            loss = f64::NEG_INFINITY;
        }
        loss
    };
    let (p, _, _) = nelder_mead_sf(&mut objective, &x0, &lo, &hi, &SfNelderMead::default());
    let theta = if opt_theta { p[2] } else { theta };
    let (mut loss, _, last) = calc(y, variant, p[0], p[1], theta);
    if (loss + 99999.0).abs() < 1e-7 {
        loss = f64::NAN;
    }
    ThetaCore { variant, level0: p[0], alpha: p[1], theta, loss, last, n: y.len() }
}

impl ThetaCore {
    fn mean(&self, h: usize) -> Vec<f64> {
        let mut state = self.last;
        (0..h)
            .map(|j| {
                state = step(&state, self.n + j, self.variant, self.alpha, self.theta, None);
                state[4]
            })
            .collect()
    }
}

/// A fitted Theta model: the variant plus the seasonal pattern it multiplies (or adds)
/// back.
#[derive(Debug, Clone)]
pub struct ThetaFit {
    pub core: ThetaCore,
    /// The last season of the decomposition, repeated over the horizon; empty when no
    /// seasonality was found.
    pub seasonal: Vec<f64>,
    pub multiplicative: bool,
}

impl FittedSeries for ThetaFit {
    fn forecast(&self, h: usize, _levels: &[u8]) -> SeriesForecast {
        let mut mean = self.core.mean(h);
        if !self.seasonal.is_empty() {
            let m = self.seasonal.len();
            for (k, v) in mean.iter_mut().enumerate() {
                let s = self.seasonal[k % m];
                if self.multiplicative {
                    *v *= s;
                } else {
                    *v += s;
                }
            }
        }
        SeriesForecast::point(mean)
    }
}

/// statsforecast's `auto_theta` with its defaults (multiplicative decomposition).
pub fn auto_theta(y: &[f64], m: usize, variant: Option<ThetaVariant>, alias: &str) -> Result<ThetaFit> {
    let n = y.len();
    if y.iter().any(|v| !v.is_finite()) {
        return Err(StatsError::Failed { model: alias.into(), reason: "non-finite value".into() });
    }
    let mut decompose = false;
    if m >= 4 && n >= 2 * m {
        let r = acf(y, m);
        let r = &r[1..];
        let stat = ((1.0 + 2.0 * r[..m - 1].iter().map(|v| v * v).sum::<f64>()) / n as f64).sqrt();
        decompose = r[m - 1].abs() / stat > -normal_quantile(0.05);
    }
    let mut adjusted = y.to_vec();
    let mut seasonal = Vec::new();
    let mut multiplicative = true;
    if decompose {
        let positive = y.iter().all(|&v| v > 0.0);
        multiplicative = positive;
        let mut d = seasonal_decompose(y, m, multiplicative);
        if multiplicative && d.as_ref().is_some_and(|d| d.seasonal.iter().any(|&s| s < 0.01)) {
            multiplicative = false;
            d = seasonal_decompose(y, m, false);
        }
        let d = d.ok_or_else(|| StatsError::Failed { model: alias.into(), reason: "seasonal decomposition failed".into() })?;
        for (v, s) in adjusted.iter_mut().zip(&d.seasonal) {
            if multiplicative {
                *v /= s;
            } else {
                *v -= s;
            }
        }
        seasonal = d.seasonal[n - m..].to_vec();
    }
    if n <= 3 {
        return Err(StatsError::TooShort { model: alias.into(), len: n, needed: 4 });
    }
    let variants = match variant {
        Some(v) => vec![v],
        None => vec![ThetaVariant::Standard, ThetaVariant::Optimized, ThetaVariant::DynamicStandard, ThetaVariant::DynamicOptimized],
    };
    let mut best: Option<ThetaCore> = None;
    let mut best_loss = f64::INFINITY;
    for v in variants {
        let fit = theta_model(&adjusted, v);
        if !fit.loss.is_nan() && fit.loss < best_loss {
            best_loss = fit.loss;
            best = Some(fit);
        }
    }
    let core = best.ok_or_else(|| StatsError::Failed { model: alias.into(), reason: "no model able to be fitted".into() })?;
    Ok(ThetaFit { core, seasonal, multiplicative })
}

impl SeriesModel for Theta {
    fn alias(&self) -> String {
        self.alias.clone()
    }

    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        Ok(Box::new(auto_theta(y, self.season_length, self.variant, &self.alias)?))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn standard_theta_state_by_hand() {
        // y = 1, 2, 3, 4: A = 0, B = 1 (exact line); level0 = 1, alpha = 0.5, theta = 2
        let y = [1.0, 2.0, 3.0, 4.0];
        let s0 = init_state(&y, ThetaVariant::Standard, 1.0, 0.5, 2.0);
        assert_eq!(s0, [1.0, 1.0, 0.0, 1.0, 1.5]);
        // step 1: mu = 1 + 0.5 * (0 + 1 * (1 - 0.25) / 0.5) = 1.75
        let s1 = step(&s0, 1, ThetaVariant::Standard, 0.5, 2.0, Some(2.0));
        assert!((s1[4] - 1.75).abs() < 1e-12);
        assert!((s1[0] - 1.5).abs() < 1e-12);
        assert!((s1[1] - 1.5).abs() < 1e-12);
        let (loss, e, _) = calc(&y, ThetaVariant::Standard, 1.0, 0.5, 2.0);
        assert!((e[0] + 0.5).abs() < 1e-12 && (e[1] - 0.25).abs() < 1e-12);
        assert!((loss - e[3] * e[3] / 2.5).abs() < 1e-12);
    }

    #[test]
    fn seasonal_series_is_decomposed() {
        let pattern = [1.2, 0.8, 1.0, 1.0];
        let y: Vec<f64> = (0..40).map(|t| (20.0 + 0.2 * t as f64) * pattern[t % 4]).collect();
        let fit = auto_theta(&y, 4, None, "AutoTheta").unwrap();
        assert_eq!(fit.seasonal.len(), 4);
        assert!(fit.multiplicative);
        let f = fit.forecast(4, &[]).mean;
        let truth: Vec<f64> = (40..44).map(|t| (20.0 + 0.2 * t as f64) * pattern[t % 4]).collect();
        for (a, b) in f.iter().zip(&truth) {
            assert!((a - b).abs() / b < 0.05, "{f:?} vs {truth:?}");
        }
    }

    #[test]
    fn never_panics_on_awkward_input() {
        let model = Theta::new(7, None);
        for y in [vec![], vec![1.0], vec![0.0; 20], vec![1.0, 2.0, 3.0], vec![5.0; 30], (0..15).map(|t| if t % 7 == 0 { 10.0 } else { 0.0 }).collect()] {
            if let Ok(f) = model.fit(&y) {
                assert!(f.predict(5).mean.iter().all(|v| !v.is_nan()), "{y:?}");
            }
        }
        assert!(model.fit(&[1.0, 2.0, 3.0]).is_err());
    }
}
