//! Point forecasts of every series of a panel.

use crate::error::{CoreError, Result};

/// A model's forecast: `horizon` steps for each of `n_series` series (series-major),
/// the first step at panel position `start`.
#[derive(Debug, Clone, PartialEq)]
pub struct Forecast {
    pub alias: String,
    pub n_series: usize,
    pub horizon: usize,
    pub start: usize,
    pub values: Vec<f64>,
    /// Prediction intervals, where the model defines them (empty otherwise).
    pub intervals: Vec<Interval>,
}

/// A central prediction interval at `level` percent; `lo`/`hi` are laid out like
/// `Forecast::values`, NaN for series where the model gives none (fallbacks).
#[derive(Debug, Clone, PartialEq)]
pub struct Interval {
    pub level: u8,
    pub lo: Vec<f64>,
    pub hi: Vec<f64>,
}

impl Forecast {
    pub fn new(alias: impl Into<String>, n_series: usize, horizon: usize, start: usize, values: Vec<f64>) -> Result<Forecast> {
        if values.len() != n_series * horizon {
            return Err(CoreError::Shape { what: "forecast values".into(), expected: n_series * horizon, got: values.len() });
        }
        Ok(Forecast { alias: alias.into(), n_series, horizon, start, values, intervals: Vec::new() })
    }

    pub fn row(&self, i: usize) -> &[f64] {
        &self.values[i * self.horizon..(i + 1) * self.horizon]
    }

    /// The first `horizon` steps of every series (a forecast made for a longer horizon
    /// asked for a shorter one); intervals are cut the same way.
    pub fn first_steps(&self, horizon: usize) -> Result<Forecast> {
        if horizon > self.horizon {
            return Err(CoreError::Invalid { what: "horizon".into(), reason: format!("{horizon} steps asked of a forecast of {}", self.horizon) });
        }
        let cut = |v: &[f64]| -> Vec<f64> { v.chunks(self.horizon.max(1)).take(self.n_series).flat_map(|row| row[..horizon].iter().copied()).collect() };
        let mut out = Forecast::new(self.alias.clone(), self.n_series, horizon, self.start, cut(&self.values))?;
        out.intervals = self.intervals.iter().map(|i| Interval { level: i.level, lo: cut(&i.lo), hi: cut(&i.hi) }).collect();
        Ok(out)
    }
}
