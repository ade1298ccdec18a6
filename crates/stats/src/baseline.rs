//! Baselines: Naive, SeasonalNaive, WindowAverage, SeasonalWindowAverage.

use crate::error::{Result, StatsError};
use crate::model::{FittedSeries, SeriesForecast, SeriesModel};

/// Repeats the last value.
#[derive(Debug, Clone, Copy, Default)]
pub struct Naive;

/// Repeats the last `season` values.
#[derive(Debug, Clone, Copy)]
pub struct SeasonalNaive {
    pub season: usize,
}

/// A repeating pattern forecast: `pattern[k % len]` for step k.
struct Repeat(Vec<f64>);

impl FittedSeries for Repeat {
    fn forecast(&self, h: usize, _levels: &[u8]) -> SeriesForecast {
        SeriesForecast::point((0..h).map(|k| self.0[k % self.0.len()]).collect())
    }
}

fn too_short(model: &str, len: usize, needed: usize) -> StatsError {
    StatsError::TooShort { model: model.into(), len, needed }
}

impl SeriesModel for Naive {
    fn alias(&self) -> String {
        "Naive".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        let last = *y.last().ok_or_else(|| too_short("Naive", 0, 1))?;
        Ok(Box::new(Repeat(vec![last])))
    }
}

impl SeriesModel for SeasonalNaive {
    fn alias(&self) -> String {
        "SeasonalNaive".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        let m = self.season.max(1);
        if y.len() < m {
            return Err(too_short("SeasonalNaive", y.len(), m));
        }
        Ok(Box::new(Repeat(y[y.len() - m..].to_vec())))
    }
}

/// Forecasts zero: the last-resort fallback for a series with no history at all.
#[derive(Debug, Clone, Copy, Default)]
pub struct Zero;

impl SeriesModel for Zero {
    fn alias(&self) -> String {
        "Zero".into()
    }
    fn fit(&self, _y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        Ok(Box::new(Repeat(vec![0.0])))
    }
}
