//! The per-series model traits.

use crate::error::Result;

/// A forecast of one series: the mean path and, where the model defines them,
/// prediction intervals.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesForecast {
    pub mean: Vec<f64>,
    /// `(level in percent, lower, upper)`, e.g. `(80, lo, hi)`.
    pub intervals: Vec<(u8, Vec<f64>, Vec<f64>)>,
}

impl SeriesForecast {
    pub fn point(mean: Vec<f64>) -> SeriesForecast {
        SeriesForecast { mean, intervals: Vec::new() }
    }

    /// A constant forecast.
    pub fn flat(value: f64, h: usize) -> SeriesForecast {
        SeriesForecast::point(vec![value; h])
    }
}

/// A model with its settings, before it has seen data.
pub trait SeriesModel: Send + Sync {
    /// statsforecast's alias for the model (`CrostonSBA`, `AutoETS`, ...).
    fn alias(&self) -> String;
    /// Fits one series' history (finite values, oldest first).
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>>;
}

/// A model fitted to one series.
pub trait FittedSeries: Send + Sync {
    /// Forecasts `h` steps after the end of the history, with intervals at `levels`
    /// (percent) when the model defines them.
    fn forecast(&self, h: usize, levels: &[u8]) -> SeriesForecast;

    /// Convenience: the mean forecast only.
    fn predict(&self, h: usize) -> SeriesForecast {
        self.forecast(h, &[])
    }
}
