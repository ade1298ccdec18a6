//! Window averages: the mean of the last `window_size` values (statsforecast
//! `WindowAverage`), and per season position the mean of the last `window_size`
//! seasons (statsforecast `SeasonalWindowAverage`, alias `SeasWA`).
//!
//! ```
//! use tsforge_stats::{window::SeasonalWindowAverage, SeriesModel};
//! let m = SeasonalWindowAverage { season_length: 2, window_size: 2 };
//! let f = m.fit(&[9.0, 1.0, 2.0, 3.0, 4.0]).unwrap().predict(3);
//! assert_eq!(f.mean, vec![2.0, 3.0, 2.0]);
//! ```

use crate::error::{Result, StatsError};
use crate::model::{FittedSeries, SeriesForecast, SeriesModel};
use crate::ses::check_input;

/// The mean of the last `window_size` values, held flat.
#[derive(Debug, Clone, Copy)]
pub struct WindowAverage {
    pub window_size: usize,
}

/// For each position in the season, the mean of that position over the last
/// `window_size` seasons, repeated.
#[derive(Debug, Clone, Copy)]
pub struct SeasonalWindowAverage {
    pub season_length: usize,
    pub window_size: usize,
}

fn positive(name: &str, v: usize) -> Result<()> {
    if v == 0 {
        return Err(StatsError::Param { name: name.into(), reason: "must be at least 1".into() });
    }
    Ok(())
}

/// A repeating pattern: `pattern[k % len]` for step k.
struct Pattern(Vec<f64>);

impl FittedSeries for Pattern {
    fn forecast(&self, h: usize, _levels: &[u8]) -> SeriesForecast {
        SeriesForecast::point((0..h).map(|k| self.0[k % self.0.len()]).collect())
    }
}

impl SeriesModel for WindowAverage {
    fn alias(&self) -> String {
        "WindowAverage".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        positive("window_size", self.window_size)?;
        // statsforecast returns NaN for a series shorter than the window
        check_input("WindowAverage", y, self.window_size)?;
        let tail = &y[y.len() - self.window_size..];
        let mean = tail.iter().sum::<f64>() / tail.len() as f64;
        Ok(Box::new(Pattern(vec![mean])))
    }
}

impl SeriesModel for SeasonalWindowAverage {
    fn alias(&self) -> String {
        "SeasWA".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        positive("season_length", self.season_length)?;
        positive("window_size", self.window_size)?;
        let needed = self.season_length.checked_mul(self.window_size).ok_or_else(|| StatsError::Param { name: "window_size".into(), reason: "season_length × window_size overflows".into() })?;
        check_input("SeasWA", y, needed)?;
        let tail = &y[y.len() - needed..];
        let m = self.season_length;
        let pattern = (0..m).map(|j| tail.iter().skip(j).step_by(m).sum::<f64>() / self.window_size as f64).collect();
        Ok(Box::new(Pattern(pattern)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn window_average_by_hand() {
        let f = WindowAverage { window_size: 3 }.fit(&[100.0, 1.0, 2.0, 6.0]).unwrap();
        assert_eq!(f.predict(2).mean, vec![3.0, 3.0]);
        let f = WindowAverage { window_size: 4 }.fit(&[100.0, 1.0, 2.0, 6.0]).unwrap();
        assert_eq!(f.predict(1).mean, vec![27.25]);
    }

    #[test]
    fn seasonal_window_average_by_hand() {
        // last 2 seasons of length 3: [1,2,3] and [3,4,5] -> [2,3,4]
        let m = SeasonalWindowAverage { season_length: 3, window_size: 2 };
        let f = m.fit(&[50.0, 1.0, 2.0, 3.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(f.predict(7).mean, vec![2.0, 3.0, 4.0, 2.0, 3.0, 4.0, 2.0]);
    }

    #[test]
    fn refuses_short_zero_and_bad_parameters() {
        assert!(matches!(WindowAverage { window_size: 3 }.fit(&[1.0, 2.0]), Err(StatsError::TooShort { .. })));
        assert!(matches!(WindowAverage { window_size: 2 }.fit(&[0.0, 0.0]), Err(StatsError::AllZero { .. })));
        assert!(matches!(WindowAverage { window_size: 0 }.fit(&[1.0]), Err(StatsError::Param { .. })));
        assert!(matches!(WindowAverage { window_size: 1 }.fit(&[]), Err(StatsError::TooShort { .. })));
        let m = SeasonalWindowAverage { season_length: 7, window_size: 4 };
        assert!(matches!(m.fit(&[1.0; 27]), Err(StatsError::TooShort { .. })));
        let m = SeasonalWindowAverage { season_length: usize::MAX, window_size: 2 };
        assert!(matches!(m.fit(&[1.0; 3]), Err(StatsError::Param { .. })));
        let m = SeasonalWindowAverage { season_length: 0, window_size: 2 };
        assert!(m.fit(&[1.0; 3]).is_err());
    }
}
