//! Training-batch augmentations, each switchable and drawn from the training seed:
//!
//! - **jitter**: Gaussian noise (standard deviation `jitter`) added to the scaled target
//!   channel of the input;
//! - **magnitude** scaling: input target channel and target of a window multiplied by one
//!   factor `exp(N(0, magnitude))`, a series at another volume with the same shape;
//! - **crop** (window slicing): the oldest `k` input positions of the target channel
//!   zeroed, `k` uniform in `0..=crop × lookback`, as if the series started later (the
//!   windows already pad a series' start with zeros; test-time multi-crop, see
//!   [`crate::windows::WindowConfig::crops`], hides the same positions);
//! - **time warp**: the input's time axis bent piecewise linearly through one knot, the
//!   middle position read from `± time_warp × lookback / 2` away, both ends fixed (the most
//!   recent value stays next to the target), values linearly interpolated.
//!
//! Only channel 0 (the scaled target) changes; calendar channels stay as they are. With
//! every strength 0 (the default), batches pass through untouched.

use rand::Rng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};

use crate::error::{NeuralError, Result};

/// Strength of each augmentation (0: off).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AugmentConfig {
    pub jitter: f32,
    pub magnitude: f32,
    pub crop: f32,
    pub time_warp: f32,
}

/// One standard normal draw (Box-Muller).
fn normal(rng: &mut StdRng) -> f32 {
    let u1: f64 = rng.random::<f64>().max(1e-12);
    let u2: f64 = rng.random();
    ((-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()) as f32
}

impl AugmentConfig {
    pub fn validate(&self) -> Result<()> {
        for (what, v, max) in [("jitter", self.jitter, f32::MAX), ("magnitude", self.magnitude, 2.0), ("crop", self.crop, 1.0), ("time_warp", self.time_warp, 1.0)] {
            if !(v.is_finite() && (0.0..=max).contains(&v)) {
                return Err(NeuralError::config(format!("augment.{what}"), format!("{v} is outside [0, {max}]")));
            }
        }
        Ok(())
    }

    /// Whether any augmentation is on.
    pub fn is_on(&self) -> bool {
        self.jitter > 0.0 || self.magnitude > 0.0 || self.crop > 0.0 || self.time_warp > 0.0
    }

    /// Augments a batch in place: `x` `[n, channels, lookback]`, `y` `[n, horizon]`.
    pub fn apply(&self, x: &mut [f32], y: &mut [f32], channels: usize, lookback: usize, rng: &mut StdRng) {
        if !self.is_on() || lookback == 0 || channels == 0 {
            return;
        }
        let n = x.len() / (channels * lookback);
        let horizon = y.len().checked_div(n).unwrap_or(0);
        let mut warped = vec![0.0f32; lookback];
        for w in 0..n {
            let series = &mut x[w * channels * lookback..][..lookback];
            let target = &mut y[w * horizon..(w + 1) * horizon];
            if self.time_warp > 0.0 && lookback > 2 {
                let last = (lookback - 1) as f32;
                let mid = last / 2.0;
                let shift = (rng.random::<f32>() * 2.0 - 1.0) * self.time_warp * mid;
                // output position k reads source position s(k): 0 → 0, mid → mid + shift, last → last
                for (k, out) in warped.iter_mut().enumerate() {
                    let k = k as f32;
                    let s = if k <= mid { k * (mid + shift) / mid } else { mid + shift + (k - mid) * (last - mid - shift) / (last - mid) };
                    let s = s.clamp(0.0, last);
                    let (lo, frac) = (s.floor() as usize, s - s.floor());
                    let hi = (lo + 1).min(lookback - 1);
                    *out = series[lo] * (1.0 - frac) + series[hi] * frac;
                }
                series.copy_from_slice(&warped);
            }
            if self.magnitude > 0.0 {
                let factor = (normal(rng) * self.magnitude).exp();
                series.iter_mut().chain(target.iter_mut()).for_each(|v| *v *= factor);
            }
            if self.jitter > 0.0 {
                series.iter_mut().for_each(|v| *v += normal(rng) * self.jitter);
            }
            if self.crop > 0.0 {
                let most = (self.crop * lookback as f32).floor() as usize;
                let k = rng.random_range(0..=most.min(lookback - 1));
                series[..k].fill(0.0);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    /// 4 windows × 3 channels × 20 positions, horizon 5.
    fn batch() -> (Vec<f32>, Vec<f32>) {
        let x = (0..4 * 3 * 20).map(|k| 1.0 + (k % 20) as f32 / 10.0 + (k / 60) as f32).collect();
        let y = (0..4 * 5).map(|k| 2.0 + k as f32 / 7.0).collect();
        (x, y)
    }

    fn run(cfg: AugmentConfig) -> (Vec<f32>, Vec<f32>) {
        let (mut x, mut y) = batch();
        cfg.apply(&mut x, &mut y, 3, 20, &mut StdRng::seed_from_u64(5));
        (x, y)
    }

    /// Channels 1 and 2 of every window are untouched.
    fn calendar_kept(x: &[f32]) {
        let (x0, _) = batch();
        for w in 0..4 {
            assert_eq!(&x[w * 60 + 20..w * 60 + 60], &x0[w * 60 + 20..w * 60 + 60]);
        }
    }

    #[test]
    fn everything_off_is_the_identity() {
        assert_eq!(run(AugmentConfig::default()), batch());
        assert!(!AugmentConfig::default().is_on());
    }

    #[test]
    fn jitter_adds_noise_to_the_target_channel_only() {
        let (x, y) = run(AugmentConfig { jitter: 0.1, ..AugmentConfig::default() });
        let (x0, y0) = batch();
        assert_eq!(y, y0);
        calendar_kept(&x);
        let d: Vec<f32> = (0..4).flat_map(|w| (0..20).map(move |k| w * 60 + k)).map(|i| x[i] - x0[i]).collect();
        assert!(d.iter().all(|v| *v != 0.0 && v.abs() < 0.6));
        let sd = (d.iter().map(|v| v * v).sum::<f32>() / d.len() as f32).sqrt();
        assert!((0.05..0.2).contains(&sd), "{sd}");
    }

    #[test]
    fn magnitude_scales_input_and_target_alike() {
        let (x, y) = run(AugmentConfig { magnitude: 0.3, ..AugmentConfig::default() });
        let (x0, y0) = batch();
        calendar_kept(&x);
        for w in 0..4 {
            let f = y[w * 5] / y0[w * 5];
            assert!((f - 1.0).abs() > 1e-4);
            for k in 0..20 {
                assert!((x[w * 60 + k] - f * x0[w * 60 + k]).abs() < 1e-5);
            }
            for k in 0..5 {
                assert!((y[w * 5 + k] - f * y0[w * 5 + k]).abs() < 1e-5);
            }
        }
    }

    #[test]
    fn crop_zeroes_the_oldest_positions() {
        let (x, y) = run(AugmentConfig { crop: 0.5, ..AugmentConfig::default() });
        let (x0, y0) = batch();
        assert_eq!(y, y0);
        calendar_kept(&x);
        let mut cropped = 0;
        for w in 0..4 {
            let row = &x[w * 60..w * 60 + 20];
            let k = row.iter().take_while(|v| **v == 0.0).count();
            assert!(k <= 10);
            assert_eq!(&row[k..], &x0[w * 60 + k..w * 60 + 20]);
            cropped += k;
        }
        assert!(cropped > 0);
    }

    #[test]
    fn time_warp_bends_the_middle_and_keeps_the_ends() {
        let (x, y) = run(AugmentConfig { time_warp: 0.5, ..AugmentConfig::default() });
        let (x0, y0) = batch();
        assert_eq!(y, y0);
        calendar_kept(&x);
        for w in 0..4 {
            let (row, orig) = (&x[w * 60..w * 60 + 20], &x0[w * 60..w * 60 + 20]);
            assert!((row[0] - orig[0]).abs() < 1e-6 && (row[19] - orig[19]).abs() < 1e-5);
            // the input rises monotonically, so does its warp, within the same range
            assert!(row.windows(2).all(|p| p[1] >= p[0] - 1e-6));
            assert!(row != orig);
        }
    }

    #[test]
    fn out_of_range_strengths_are_rejected() {
        assert!(AugmentConfig { crop: 1.5, ..AugmentConfig::default() }.validate().is_err());
        assert!(AugmentConfig { jitter: -0.1, ..AugmentConfig::default() }.validate().is_err());
        assert!(AugmentConfig { time_warp: f32::NAN, ..AugmentConfig::default() }.validate().is_err());
        assert!(AugmentConfig { jitter: 0.1, magnitude: 0.2, crop: 0.5, time_warp: 0.3 }.validate().is_ok());
    }
}
