//! AutoARIMA matched to statsforecast 2.1.1's `AutoARIMA(season_length=m)` (a port of
//! R's `forecast::auto.arima`) with its defaults: `d` by the KPSS test, `D` by the
//! seasonal-strength heuristic, then the stepwise search over `(p, q)(P, Q)` and the
//! constant by AICc, each candidate fitted by CSS-ML (exact likelihood by the Kalman
//! filter, AR blocks transformed to stationarity), no approximation. Forecasts and
//! their variances come from the state-space form.
//!
//! ```
//! use tsforge_stats::{arima::AutoArima, SeriesModel};
//! let y: Vec<f64> = (0..48).map(|t| 10.0 + 0.5 * t as f64 + [3.0, -1.0, 0.5, -2.5][t % 4]).collect();
//! let f = AutoArima::new(4).fit(&y).unwrap().forecast(4, &[95]);
//! assert_eq!(f.mean.len(), 4);
//! assert!((f.mean[0] - 37.0).abs() < 2.0);
//! ```
//!
//! Differences from statsforecast: the likelihood and CSS are minimised by argmin's
//! BFGS (More-Thuente line search) where statsforecast uses scipy's BFGS, so estimates
//! can differ in the last digits and, rarely, a different model wins; a model whose
//! coefficient covariance statsforecast finds undefined (`checkarima`) is not rejected
//! here, as that covariance is not computed.

mod css;
mod diffs;
mod fit;
mod optimise;
mod params;
mod roots;
mod state_space;
mod stepwise;
mod stl;

pub use diffs::{kpss_statistic, ndiffs, nsdiffs, seasonal_strength};
pub use fit::{ArimaFit, Criterion, Regressor, arima, candidate};
pub use params::Orders;
pub use state_space::StateSpace;

use crate::error::{Result, StatsError};
use crate::ets::normal_quantile;
use crate::model::{FittedSeries, SeriesForecast, SeriesModel};
use fit::diff;
use stepwise::{Bounds, search};

/// statsforecast's `AutoARIMA` with its defaults.
#[derive(Debug, Clone)]
pub struct AutoArima {
    pub season_length: usize,
    pub alias: String,
}

impl AutoArima {
    pub fn new(season_length: usize) -> AutoArima {
        AutoArima { season_length: season_length.max(1), alias: "AutoARIMA".into() }
    }
}

/// What the search chose.
#[derive(Debug, Clone)]
pub enum ArimaChoice {
    /// A constant series: its value, with no uncertainty.
    Constant(f64),
    Model(Box<ArimaFit>),
}

impl ArimaChoice {
    /// `(p, d, q, P, D, Q, m, constant)` of the chosen model.
    pub fn orders(&self) -> Option<(Orders, bool)> {
        match self {
            ArimaChoice::Constant(_) => None,
            ArimaChoice::Model(f) => Some((f.orders, f.regressor != Regressor::None)),
        }
    }
}

fn failed(reason: impl Into<String>) -> StatsError {
    StatsError::Failed { model: "AutoARIMA".into(), reason: reason.into() }
}

fn is_constant(x: &[f64]) -> bool {
    x.iter().all(|v| *v == x[0])
}

/// statsforecast's `auto_arima_f(x, period=m)` with the defaults of `AutoARIMA`.
pub fn auto_arima(x: &[f64], m: usize) -> Result<ArimaChoice> {
    let n = x.len();
    if n == 0 {
        return Err(StatsError::TooShort { model: "AutoARIMA".into(), len: 0, needed: 1 });
    }
    if is_constant(x) {
        return Ok(ArimaChoice::Constant(x[0]));
    }
    let m = m.max(1);
    let (mut max_p, mut max_q) = (5.min(n / 3), 5.min(n / 3));
    let (mut max_sp, mut max_sq) = (2.min(n / 3 / m), 2.min(n / 3 / m));
    let criterion = if n <= 3 { Criterion::Aic } else { Criterion::Aicc };
    let mut sd = 0;
    if m == 1 {
        max_sp = 0;
        max_sq = 0;
    } else if n > 2 * m {
        sd = diffs::nsdiffs(x, m);
        if sd > 0 && diff(x, m, sd).is_empty() {
            sd -= 1;
        }
    }
    let mut dx = if sd > 0 { diff(x, m, sd) } else { x.to_vec() };
    let mut d = diffs::ndiffs(&dx, 2);
    if d > 0 && diff(&dx, 1, d).is_empty() {
        d -= 1;
    }
    if d > 0 {
        dx = diff(&dx, 1, d);
    }
    if dx.is_empty() {
        return Err(failed("not enough data to proceed"));
    }
    if is_constant(&dx) {
        // the differenced series is constant: no ARMA part, the constant is its mean
        let mean = dx.iter().sum::<f64>() / dx.len() as f64;
        let o = Orders { p: 0, d, q: 0, sp: 0, sd, sq: 0, m };
        let fit = if sd > 0 && d == 0 {
            arima(x, &o, Regressor::Drift, Some(&[mean / m as f64]))
        } else if sd > 0 || d == 2 {
            arima(x, &o, Regressor::None, Some(&[]))
        } else {
            let reg = if d == 1 { Regressor::Drift } else { Regressor::Mean };
            arima(x, &o, reg, Some(&[mean]))
        };
        return fit.map(|f| ArimaChoice::Model(Box::new(f))).map_err(failed);
    }
    if m > 1 {
        if max_p > 0 {
            max_p = max_p.min(m - 1);
        }
        if max_q > 0 {
            max_q = max_q.min(m - 1);
        }
    }
    let constant = d + sd <= 1;
    let short = n < 10;
    let bounds = Bounds {
        max_p,
        max_q,
        max_sp,
        max_sq,
        start_p: if short { 1 } else { 2 },
        start_q: if short { 1 } else { 2 },
        start_sp: if short { 0 } else { 1 },
        start_sq: if short { 0 } else { 1 },
        nmodels: 94,
    };
    let best = search(x, d, sd, m, constant, &bounds, criterion);
    if best.ic.is_infinite() {
        return Err(failed("no suitable ARIMA model found"));
    }
    Ok(ArimaChoice::Model(Box::new(best)))
}

impl SeriesModel for AutoArima {
    fn alias(&self) -> String {
        self.alias.clone()
    }

    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        Ok(Box::new(auto_arima(y, self.season_length)?))
    }
}

impl ArimaChoice {
    /// Mean forecasts and their standard errors.
    pub fn forecast_se(&self, h: usize) -> (Vec<f64>, Vec<f64>) {
        match self {
            ArimaChoice::Constant(v) => (vec![*v; h], vec![0.0; h]),
            ArimaChoice::Model(f) => {
                let (mut mean, var) = f.model.forecast(h);
                let narma = f.orders.narma();
                match f.regressor {
                    Regressor::None => {}
                    Regressor::Mean => mean.iter_mut().for_each(|v| *v += f.coef[narma]),
                    Regressor::Drift => {
                        for (k, v) in mean.iter_mut().enumerate() {
                            *v += f.coef[narma] * (f.n + k + 1) as f64;
                        }
                    }
                }
                let se = var.iter().map(|v| (v * f.sigma2).sqrt()).collect();
                (mean, se)
            }
        }
    }
}

impl FittedSeries for ArimaChoice {
    fn forecast(&self, h: usize, levels: &[u8]) -> SeriesForecast {
        let (mean, se) = self.forecast_se(h);
        let intervals = levels
            .iter()
            .map(|&lv| {
                let z = normal_quantile(0.5 + f64::from(lv) / 200.0);
                let lo = mean.iter().zip(&se).map(|(m, s)| m - z * s).collect();
                let hi = mean.iter().zip(&se).map(|(m, s)| m + z * s).collect();
                (lv, lo, hi)
            })
            .collect();
        SeriesForecast { mean, intervals }
    }
}
