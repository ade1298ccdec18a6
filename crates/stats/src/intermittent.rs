//! Intermittent-demand models, as in statsforecast: Croston (classic, SBA, optimised),
//! TSB, ADIDA and IMAPA.
//!
//! - **Croston**: SES of the non-zero demand sizes and, separately, of the intervals
//!   between non-zero periods; the forecast is their ratio. Classic uses alpha 0.1 for
//!   both, SBA multiplies the classic forecast by 0.95 (Syntetos-Boylan), the optimised
//!   variant picks each alpha in `[0.1, 0.3]` by squared one-step error.
//! - **TSB** (Teunter-Syntetos-Babai): SES of the demand sizes (`alpha_d`) times SES of
//!   the 0/1 demand-occurrence indicator (`alpha_p`).
//! - **ADIDA**: sums the series over non-overlapping buckets as long as the mean
//!   inter-demand interval (rounded half to even, dropping the oldest incomplete
//!   bucket), forecasts the bucket sums with optimised SES (alpha in `[0.1, 0.3]`) and
//!   spreads the forecast evenly over the bucket.
//! - **IMAPA**: the average of the ADIDA-style forecasts over every bucket size from 1 to
//!   the rounded mean interval.
//!
//! Every model refuses (with a [`StatsError`]) an empty or all-zero series; the panel
//! adapter then uses its fallback.
//!
//! ```
//! use tsforge_stats::{intermittent::CrostonClassic, SeriesModel};
//! // demand sizes 2 and 4, intervals 1 and 2
//! let f = CrostonClassic.fit(&[2.0, 0.0, 4.0]).unwrap().predict(1);
//! let sizes = 0.1 * 4.0 + 0.9 * 2.0;
//! let intervals = 0.1 * 2.0 + 0.9 * 1.0;
//! assert!((f.mean[0] - sizes / intervals).abs() < 1e-12);
//! ```

use crate::error::{Result, StatsError};
use crate::model::{FittedSeries, SeriesModel};
use crate::ses::{INTERMITTENT_BOUNDS, check_alpha, check_input, optimized_ses_forecast, ses_forecast};

use crate::ses::Flat as FlatForecast;

/// The positive values (demand sizes) of `y`, in order.
pub fn demand(y: &[f64]) -> Vec<f64> {
    y.iter().copied().filter(|&v| v > 0.0).collect()
}

/// The number of periods from one non-zero value to the next (the first counted
/// from just before the start of the series).
pub fn intervals(y: &[f64]) -> Vec<f64> {
    let mut prev = 0usize;
    let mut out = Vec::new();
    for (i, &v) in y.iter().enumerate() {
        if v != 0.0 {
            out.push((i + 1 - prev) as f64);
            prev = i + 1;
        }
    }
    out
}

/// The mean interval between non-zero values, rounded half to even (as Python's
/// `round`), at least 1; `None` when `y` has no non-zero value.
pub fn aggregation_level(y: &[f64]) -> Option<usize> {
    let iv = intervals(y);
    if iv.is_empty() {
        return None;
    }
    let mean = iv.iter().sum::<f64>() / iv.len() as f64;
    Some((mean.round_ties_even() as usize).max(1))
}

/// Sums of `y` over consecutive buckets of `level` values, ending at the last value
/// (the oldest `len % level` values are dropped); the optimised-SES forecast of the
/// next bucket sum. With no complete bucket, the last value; with one, its sum.
pub fn chunk_forecast(y: &[f64], level: usize) -> Option<f64> {
    let level = level.max(1);
    let last = *y.last()?;
    let lost = y.len() % level;
    let sums: Vec<f64> = y[lost..].chunks_exact(level).map(|c| c.iter().sum()).collect();
    match sums.len() {
        0 => Some(last),
        1 => Some(sums[0]),
        _ => optimized_ses_forecast(&sums, INTERMITTENT_BOUNDS).map(|(f, _)| f),
    }
}

fn model_failed(model: &str, reason: &str) -> StatsError {
    StatsError::Failed { model: model.into(), reason: reason.into() }
}

/// The Croston forecast with SES of sizes and intervals by `smooth`.
fn croston(model: &str, y: &[f64], smooth: impl Fn(&[f64]) -> Option<f64>) -> Result<f64> {
    check_input(model, y, 1)?;
    let sizes = demand(y);
    if sizes.is_empty() {
        return Err(model_failed(model, "series has no positive demand"));
    }
    let size = smooth(&sizes).ok_or_else(|| model_failed(model, "no demand sizes"))?;
    let interval = smooth(&intervals(y)).ok_or_else(|| model_failed(model, "no demand intervals"))?;
    Ok(if interval != 0.0 { size / interval } else { size })
}

/// Croston's method, alpha 0.1 for sizes and intervals (statsforecast `CrostonClassic`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CrostonClassic;

/// Croston with the Syntetos-Boylan 0.95 correction (statsforecast `CrostonSBA`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CrostonSBA;

/// Croston with each alpha optimised in `[0.1, 0.3]` (statsforecast `CrostonOptimized`).
#[derive(Debug, Clone, Copy, Default)]
pub struct CrostonOptimized;

/// Teunter-Syntetos-Babai (statsforecast `TSB(alpha_d, alpha_p)`).
#[derive(Debug, Clone, Copy)]
pub struct Tsb {
    /// Smoothing of the demand sizes, in (0, 1].
    pub alpha_d: f64,
    /// Smoothing of the demand probability, in (0, 1].
    pub alpha_p: f64,
}

impl Default for Tsb {
    fn default() -> Tsb {
        Tsb { alpha_d: 0.1, alpha_p: 0.1 }
    }
}

/// Aggregate-disaggregate intermittent demand approach (statsforecast `ADIDA`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Adida;

/// Intermittent multiple aggregation prediction algorithm (statsforecast `IMAPA`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Imapa;

impl SeriesModel for CrostonClassic {
    fn alias(&self) -> String {
        "CrostonClassic".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        let f = croston("CrostonClassic", y, |x| ses_forecast(x, 0.1))?;
        Ok(Box::new(FlatForecast(f)))
    }
}

impl SeriesModel for CrostonSBA {
    fn alias(&self) -> String {
        "CrostonSBA".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        let f = croston("CrostonSBA", y, |x| ses_forecast(x, 0.1))?;
        Ok(Box::new(FlatForecast(f * 0.95)))
    }
}

impl SeriesModel for CrostonOptimized {
    fn alias(&self) -> String {
        "CrostonOptimized".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        let f = croston("CrostonOptimized", y, |x| optimized_ses_forecast(x, INTERMITTENT_BOUNDS).map(|r| r.0))?;
        Ok(Box::new(FlatForecast(f)))
    }
}

impl SeriesModel for Tsb {
    fn alias(&self) -> String {
        "TSB".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        check_alpha("alpha_d", self.alpha_d)?;
        check_alpha("alpha_p", self.alpha_p)?;
        check_input("TSB", y, 1)?;
        let sizes = demand(y);
        let occurs: Vec<f64> = y.iter().map(|&v| if v != 0.0 { 1.0 } else { 0.0 }).collect();
        let size = ses_forecast(&sizes, self.alpha_d).ok_or_else(|| model_failed("TSB", "series has no positive demand"))?;
        let prob = ses_forecast(&occurs, self.alpha_p).ok_or_else(|| model_failed("TSB", "empty series"))?;
        Ok(Box::new(FlatForecast(prob * size)))
    }
}

impl SeriesModel for Adida {
    fn alias(&self) -> String {
        "ADIDA".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        check_input("ADIDA", y, 1)?;
        let level = aggregation_level(y).ok_or(StatsError::AllZero { model: "ADIDA".into() })?;
        let sum = chunk_forecast(y, level).ok_or_else(|| model_failed("ADIDA", "empty series"))?;
        Ok(Box::new(FlatForecast(sum / level as f64)))
    }
}

impl SeriesModel for Imapa {
    fn alias(&self) -> String {
        "IMAPA".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        check_input("IMAPA", y, 1)?;
        let max_level = aggregation_level(y).ok_or(StatsError::AllZero { model: "IMAPA".into() })?;
        let mut total = 0.0;
        for level in 1..=max_level {
            let sum = chunk_forecast(y, level).ok_or_else(|| model_failed("IMAPA", "empty series"))?;
            total += sum / level as f64;
        }
        Ok(Box::new(FlatForecast(total / max_level as f64)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::ses::{golden_section, ses_sse};

    fn one(m: &dyn SeriesModel, y: &[f64]) -> f64 {
        m.fit(y).unwrap().predict(1).mean[0]
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + b.abs())
    }

    #[test]
    fn demand_and_intervals() {
        let y = [0.0, 3.0, 0.0, 0.0, 2.0, 1.0, 0.0];
        assert_eq!(demand(&y), vec![3.0, 2.0, 1.0]);
        assert_eq!(intervals(&y), vec![2.0, 3.0, 1.0]);
        assert_eq!(aggregation_level(&y), Some(2));
        // mean interval 2.5 rounds half to even: 2; 3.5 -> 4
        assert_eq!(aggregation_level(&[0.0, 1.0, 0.0, 0.0, 1.0]), Some(2));
        assert_eq!(aggregation_level(&[0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 1.0]), Some(4));
        assert_eq!(aggregation_level(&[0.0, 0.0]), None);
    }

    #[test]
    fn croston_family_by_hand() {
        let y = [0.0, 3.0, 0.0, 0.0, 2.0, 1.0];
        // sizes 3,2,1 at alpha .1: f=3 -> .1*3+.9*3=3 -> .1*2+.9*3=2.9 -> forecast .1*1+.9*2.9=2.71
        // intervals 2,3,1: 2 -> 2 -> .1*3+.9*2=2.1 -> .1*1+.9*2.1=1.99
        let classic = 2.71 / 1.99;
        assert!(close(one(&CrostonClassic, &y), classic));
        assert!(close(one(&CrostonSBA, &y), 0.95 * classic));
        let opt = one(&CrostonOptimized, &y);
        let (a_d, a_i) = (golden_section(|a| ses_sse(&[3.0, 2.0, 1.0], a), 0.1, 0.3), golden_section(|a| ses_sse(&[2.0, 3.0, 1.0], a), 0.1, 0.3));
        let expect = ses_forecast(&[3.0, 2.0, 1.0], a_d).unwrap() / ses_forecast(&[2.0, 3.0, 1.0], a_i).unwrap();
        assert!(close(opt, expect));
        // sizes 3,2,1 fall steadily: the largest alpha follows them best
        assert!((a_d - 0.3).abs() < 1e-9);
    }

    #[test]
    fn tsb_by_hand() {
        let y = [0.0, 4.0, 0.0, 2.0];
        // occurrence 0,1,0,1 at .5: 0 -> .5*0+.5*0=0 -> .5*1+.5*0=.5 -> .5*0+.5*.5=.25 -> forecast .5*1+.5*.25=.625
        // sizes 4,2 at .5: 4 -> forecast .5*2+.5*4 = 3
        let m = Tsb { alpha_d: 0.5, alpha_p: 0.5 };
        assert!(close(one(&m, &y), 0.625 * 3.0));
        assert!(matches!(Tsb { alpha_d: 1.5, alpha_p: 0.1 }.fit(&y), Err(StatsError::Param { .. })));
    }

    #[test]
    fn adida_and_imapa_by_hand() {
        // intervals 2,2,2 -> level 2; buckets (0+1), (0+1), (0+1) = 1,1,1 -> forecast 1 -> 0.5
        let y = [0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
        assert!(close(one(&Adida, &y), 0.5));
        // IMAPA: level 1 -> SES of 0,1,0,1,0,1 (optimised) ; level 2 -> 0.5; mean of both
        let a = golden_section(|a| ses_sse(&y, a), 0.1, 0.3);
        let l1 = ses_forecast(&y, a).unwrap();
        assert!(close(one(&Imapa, &y), (l1 + 0.5) / 2.0));
        // the oldest incomplete bucket is dropped: 7 values, level 2 -> buckets from index 1
        let y = [9.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0];
        assert!(close(chunk_forecast(&y, 2).unwrap(), 1.0));
        // one complete bucket: its sum; none: the last value
        assert_eq!(chunk_forecast(&[1.0, 2.0, 3.0], 2), Some(5.0));
        assert_eq!(chunk_forecast(&[1.0, 2.0, 3.0], 4), Some(3.0));
        assert_eq!(chunk_forecast(&[], 4), None);
        // a single sale at the start: level round(1) = 1 -> SES of the series
        let y = [5.0, 0.0, 0.0, 0.0];
        let a = golden_section(|a| ses_sse(&y, a), 0.1, 0.3);
        assert!(close(one(&Adida, &y), ses_forecast(&y, a).unwrap()));
    }

    fn all_models() -> Vec<Box<dyn SeriesModel>> {
        vec![Box::new(CrostonClassic), Box::new(CrostonSBA), Box::new(CrostonOptimized), Box::new(Tsb::default()), Box::new(Adida), Box::new(Imapa)]
    }

    #[test]
    fn refuses_empty_zero_and_negative_only() {
        let models = all_models();
        for m in &models {
            assert!(matches!(m.fit(&[]), Err(StatsError::TooShort { .. })), "{}", m.alias());
            assert!(matches!(m.fit(&[0.0, 0.0, 0.0]), Err(StatsError::AllZero { .. })), "{}", m.alias());
            assert!(m.fit(&[1.0, f64::NAN]).is_err(), "{}", m.alias());
            // one value works
            assert!(m.fit(&[3.0]).is_ok(), "{}", m.alias());
        }
        assert!(CrostonClassic.fit(&[-1.0, 0.0]).is_err());
        assert!(Tsb::default().fit(&[-1.0, 0.0]).is_err());
    }

    #[test]
    fn never_panics_on_odd_finite_input() {
        let odd: Vec<Vec<f64>> = vec![vec![1e300, 0.0, 1e300], vec![-5.0, 3.0, -1.0, 0.0], vec![1e-300; 5], vec![0.0; 1000].into_iter().chain([1.0]).collect(), vec![f64::MAX, f64::MAX]];
        let models = all_models();
        for y in &odd {
            for m in &models {
                if let Ok(f) = m.fit(y) {
                    let _ = f.predict(3);
                }
            }
        }
    }
}
