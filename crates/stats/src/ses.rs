//! Simple exponential smoothing, with a fixed or an optimised smoothing parameter
//! (statsforecast's `SimpleExponentialSmoothing` / `SES` and
//! `SimpleExponentialSmoothingOptimized` / `SESOpt`), and the SES building blocks the
//! intermittent-demand models share.
//!
//! The level starts at the first observation; the one-step forecast after the last
//! observation is held flat over the horizon. The optimised variant picks `alpha` in
//! `[0.01, 0.99]` minimising the in-sample sum of squared one-step errors, found by
//! golden-section search (statsforecast's own search, so the optimum is the same).
//! Both give normal prediction intervals as statsforecast's `predict(level=..)` does.
//!
//! ```
//! use tsforge_stats::{ses::SimpleExponentialSmoothing, SeriesModel};
//! let f = SimpleExponentialSmoothing { alpha: 0.5 }.fit(&[2.0, 4.0]).unwrap().predict(2);
//! assert_eq!(f.mean, vec![3.0, 3.0]);
//! ```

use crate::error::{Result, StatsError};
use crate::ets::normal_quantile;
use crate::model::{FittedSeries, SeriesForecast, SeriesModel};

/// statsforecast's bounds for `SESOpt`'s alpha.
pub const SES_OPT_BOUNDS: (f64, f64) = (0.01, 0.99);
/// statsforecast's bounds for the optimised SES inside CrostonOptimized, ADIDA and IMAPA.
pub const INTERMITTENT_BOUNDS: (f64, f64) = (0.1, 0.3);

/// The one-step-ahead SES forecast after the last value of `x`, with the level
/// initialised at `x[0]`; `None` for an empty `x`. A single value forecasts itself.
pub fn ses_forecast(x: &[f64], alpha: f64) -> Option<f64> {
    let (&first, _) = x.split_first()?;
    if x.len() == 1 {
        return Some(first);
    }
    let complement = 1.0 - alpha;
    // The one-step forecast of x[i] is alpha * x[i-1] + (1 - alpha) * (forecast of
    // x[i-1]), starting from the forecast x[0] for x[0] (statsforecast's recursion,
    // kept literally so the rounding matches).
    let mut fitted = first;
    for w in x.windows(2) {
        fitted = alpha * w[0] + complement * fitted;
    }
    Some(alpha * x[x.len() - 1] + complement * fitted)
}

/// The in-sample sum of squared one-step errors of SES with `alpha` (0 for fewer than
/// two values).
pub fn ses_sse(x: &[f64], alpha: f64) -> f64 {
    if x.len() < 2 {
        return 0.0;
    }
    let complement = 1.0 - alpha;
    let mut forecast = x[0];
    let mut sse = 0.0;
    for w in x.windows(2) {
        forecast = alpha * w[0] + complement * forecast;
        let err = w[1] - forecast;
        sse += err * err;
    }
    sse
}

/// Golden-section search for the minimum of `f` on `[lo, hi]`: narrows the bracket
/// until it is narrower than 1e-12 (or the two inner values tie exactly, or 200 steps)
/// and returns its midpoint. For a unimodal `f` this is the bounded minimiser; it is the
/// search statsforecast uses for SES, so optimised models land on the same alpha.
pub fn golden_section(f: impl Fn(f64) -> f64, lo: f64, hi: f64) -> f64 {
    let gr = (5.0_f64.sqrt() + 1.0) / 2.0;
    let (mut a, mut b) = (lo, hi);
    let mut c = b - (b - a) / gr;
    let mut d = a + (b - a) / gr;
    let mut fc = f(c);
    let mut fd = f(d);
    let mut steps = 0;
    while (b - a).abs() >= GOLDEN_TOL && steps < GOLDEN_MAX_STEPS {
        if fc < fd {
            b = d;
            d = c;
            fd = fc;
            c = b - (b - a) / gr;
            fc = f(c);
        } else if fd < fc {
            a = c;
            c = d;
            fc = fd;
            d = a + (b - a) / gr;
            fd = f(d);
        } else {
            // exact tie (or NaN): any point of the bracket is as good
            break;
        }
        steps += 1;
    }
    (a + b) / 2.0
}

/// [`ses_sse`] at three alphas in one pass over `x` (three independent recursions
/// interleaved, so about the time of one); each result is bit-identical to `ses_sse`.
pub fn ses_sse3(x: &[f64], alpha: [f64; 3]) -> [f64; 3] {
    if x.len() < 2 {
        return [0.0; 3];
    }
    let complement = alpha.map(|a| 1.0 - a);
    let mut forecast = [x[0]; 3];
    let mut sse = [0.0; 3];
    for w in x.windows(2) {
        for k in 0..3 {
            forecast[k] = alpha[k] * w[0] + complement[k] * forecast[k];
            let err = w[1] - forecast[k];
            sse[k] += err * err;
        }
    }
    sse
}

/// The golden-section bracket: `a < c < d < b` with the loss at c and d.
#[derive(Debug, Clone, Copy)]
struct Bracket {
    a: f64,
    b: f64,
    c: f64,
    d: f64,
    fc: f64,
    fd: f64,
}

const GOLDEN_TOL: f64 = 1e-12;
const GOLDEN_MAX_STEPS: usize = 200;

impl Bracket {
    /// Which side the minimum is on: `Some(true)` left of d, `Some(false)` right of c,
    /// `None` on an exact tie (or NaN): stop.
    fn side(&self) -> Option<bool> {
        if self.fc < self.fd {
            Some(true)
        } else if self.fd < self.fc {
            Some(false)
        } else {
            None
        }
    }

    /// Shrinks towards `left`; returns the bracket (its new point's loss not yet set)
    /// and the new point to evaluate. Depends only on the points, not on new losses.
    fn shrink(mut self, left: bool, gr: f64) -> (Bracket, f64) {
        if left {
            self.b = self.d;
            self.d = self.c;
            self.fd = self.fc;
            self.c = self.b - (self.b - self.a) / gr;
            (self, self.c)
        } else {
            self.a = self.c;
            self.c = self.d;
            self.fc = self.fd;
            self.d = self.a + (self.b - self.a) / gr;
            (self, self.d)
        }
    }

    fn set(mut self, left: bool, f: f64) -> Bracket {
        if left {
            self.fc = f
        } else {
            self.fd = f
        }
        self
    }

    fn open(&self, steps: usize) -> bool {
        (self.b - self.a).abs() >= GOLDEN_TOL && steps < GOLDEN_MAX_STEPS
    }
}

/// [`golden_section`] with the loss evaluated three points at a time: each round
/// evaluates the next point together with both points the step after could need, and
/// takes two steps. Same steps, same result (bit for bit) as `golden_section` when `f3`
/// evaluates each point as `f` would; faster where three evaluations in one call cost
/// little more than one (SES: [`ses_sse3`]).
pub fn golden_section3(f3: impl Fn([f64; 3]) -> [f64; 3], lo: f64, hi: f64) -> f64 {
    let gr = (5.0_f64.sqrt() + 1.0) / 2.0;
    let (a, b) = (lo, hi);
    let c = b - (b - a) / gr;
    let d = a + (b - a) / gr;
    let [fc, fd, _] = f3([c, d, d]);
    let mut s = Bracket { a, b, c, d, fc, fd };
    let mut steps = 0;
    while s.open(steps) {
        let Some(left1) = s.side() else { break };
        let (s1, p1) = s.shrink(left1, gr);
        let (_, p2_left) = s1.shrink(true, gr);
        let (_, p2_right) = s1.shrink(false, gr);
        let [f1, f2_left, f2_right] = f3([p1, p2_left, p2_right]);
        s = s1.set(left1, f1);
        steps += 1;
        if !s.open(steps) {
            break;
        }
        let Some(left2) = s.side() else { break };
        let (s2, _) = s.shrink(left2, gr);
        s = s2.set(left2, if left2 { f2_left } else { f2_right });
        steps += 1;
    }
    (s.a + s.b) / 2.0
}

/// The alpha in `bounds` minimising the SES in-sample squared error of `x`.
pub fn optimal_alpha(x: &[f64], bounds: (f64, f64)) -> f64 {
    golden_section3(|a| ses_sse3(x, a), bounds.0, bounds.1)
}

/// SES with the alpha in `bounds` minimising the squared one-step errors: the forecast
/// and the alpha; `None` for an empty `x`.
pub fn optimized_ses_forecast(x: &[f64], bounds: (f64, f64)) -> Option<(f64, f64)> {
    let alpha = optimal_alpha(x, bounds);
    ses_forecast(x, alpha).map(|f| (f, alpha))
}

pub(crate) fn check_input(model: &str, y: &[f64], needed: usize) -> Result<()> {
    if y.len() < needed {
        return Err(StatsError::TooShort { model: model.into(), len: y.len(), needed });
    }
    if y.iter().any(|v| !v.is_finite()) {
        return Err(StatsError::Failed { model: model.into(), reason: "series has non-finite values".into() });
    }
    if y.iter().all(|&v| v == 0.0) {
        return Err(StatsError::AllZero { model: model.into() });
    }
    Ok(())
}

pub(crate) fn check_alpha(name: &str, alpha: f64) -> Result<()> {
    if alpha.is_finite() && alpha > 0.0 && alpha <= 1.0 { Ok(()) } else { Err(StatsError::Param { name: name.into(), reason: format!("must be in (0, 1], got {alpha}") }) }
}

/// A flat forecast: the same value at every step.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Flat(pub f64);

impl FittedSeries for Flat {
    fn forecast(&self, h: usize, _levels: &[u8]) -> SeriesForecast {
        SeriesForecast::flat(self.0, h)
    }
}

/// Simple exponential smoothing with a given `alpha` (statsforecast
/// `SimpleExponentialSmoothing(alpha)`, alias `SES`).
#[derive(Debug, Clone, Copy)]
pub struct SimpleExponentialSmoothing {
    /// Smoothing parameter in (0, 1].
    pub alpha: f64,
}

/// Simple exponential smoothing with alpha optimised in `[0.01, 0.99]` (statsforecast
/// `SimpleExponentialSmoothingOptimized()`, alias `SESOpt`).
#[derive(Debug, Clone, Copy, Default)]
pub struct SimpleExponentialSmoothingOptimized;

/// A fitted SES: its alpha, the flat forecast and the residual standard deviation.
#[derive(Debug, Clone, Copy)]
pub struct FittedSes {
    pub alpha: f64,
    pub level: f64,
    /// `sqrt(SSE / (n - 1))` of the one-step residuals (0 for a single value).
    pub sigma: f64,
}

impl FittedSes {
    fn new(y: &[f64], alpha: f64, level: f64) -> FittedSes {
        let sigma = if y.len() > 1 { (ses_sse(y, alpha) / (y.len() - 1) as f64).sqrt() } else { 0.0 };
        FittedSes { alpha, level, sigma }
    }
}

impl FittedSeries for FittedSes {
    /// Normal intervals as statsforecast's `predict(level=..)` for SES / SESOpt:
    /// `mean ± z · sigma · sqrt(1 + (k - 1) alpha²)` at step k.
    fn forecast(&self, h: usize, levels: &[u8]) -> SeriesForecast {
        let mut out = SeriesForecast::flat(self.level, h);
        let mut levels = levels.to_vec();
        levels.sort_unstable();
        levels.dedup();
        for level in levels {
            let z = normal_quantile(0.5 + f64::from(level) / 200.0);
            let half: Vec<f64> = (0..h).map(|k| z * self.sigma * (1.0 + k as f64 * self.alpha * self.alpha).sqrt()).collect();
            let lo = half.iter().map(|d| self.level - d).collect();
            let hi = half.iter().map(|d| self.level + d).collect();
            out.intervals.push((level, lo, hi));
        }
        out
    }
}

impl SeriesModel for SimpleExponentialSmoothing {
    fn alias(&self) -> String {
        "SES".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        check_alpha("alpha", self.alpha)?;
        check_input("SES", y, 1)?;
        let level = ses_forecast(y, self.alpha).ok_or(StatsError::TooShort { model: "SES".into(), len: 0, needed: 1 })?;
        Ok(Box::new(FittedSes::new(y, self.alpha, level)))
    }
}

impl SeriesModel for SimpleExponentialSmoothingOptimized {
    fn alias(&self) -> String {
        "SESOpt".into()
    }
    fn fit(&self, y: &[f64]) -> Result<Box<dyn FittedSeries>> {
        check_input("SESOpt", y, 1)?;
        let (level, alpha) = optimized_ses_forecast(y, SES_OPT_BOUNDS).ok_or(StatsError::TooShort { model: "SESOpt".into(), len: 0, needed: 1 })?;
        Ok(Box::new(FittedSes::new(y, alpha, level)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() <= 1e-12 * (1.0 + b.abs())
    }

    #[test]
    fn ses_by_hand() {
        // level: 1 -> 0.5*1+0.5*1 = 1 -> 0.5*3+0.5*1 = 2 -> forecast 0.5*5+0.5*2 = 3.5
        assert!(close(ses_forecast(&[1.0, 3.0, 5.0], 0.5).unwrap(), 3.5));
        assert_eq!(ses_forecast(&[7.0], 0.3), Some(7.0));
        assert_eq!(ses_forecast(&[], 0.3), None);
        // alpha = 1 is the naive forecast
        assert_eq!(ses_forecast(&[1.0, 2.0, 9.0], 1.0), Some(9.0));
    }

    #[test]
    fn sse_by_hand() {
        // forecasts of x[1], x[2] with alpha 0.5: 1, 2  -> errors 2, 3
        assert!(close(ses_sse(&[1.0, 3.0, 5.0], 0.5), 4.0 + 9.0));
        assert_eq!(ses_sse(&[4.0], 0.5), 0.0);
    }

    #[test]
    fn golden_section_finds_interior_and_bound_minima() {
        let x = golden_section(|a| (a - 0.37).powi(2), 0.01, 0.99);
        assert!((x - 0.37).abs() < 1e-9, "{x}");
        let x = golden_section(|a| a, 0.1, 0.3);
        assert!((x - 0.1).abs() < 1e-9, "{x}");
        // a constant function ties at once: the midpoint
        assert!(close(golden_section(|_| 1.0, 0.1, 0.3), 0.2));
    }

    #[test]
    fn three_at_a_time_is_bit_identical() {
        // a small deterministic generator: sparse, noisy, trending and constant series
        let mut state = 0x2545_f491_4f6c_dd1d_u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64
        };
        for case in 0..300 {
            let n = 1 + case % 97;
            let y: Vec<f64> = (0..n)
                .map(|t| match case % 4 {
                    0 => {
                        if next() < 0.3 {
                            (next() * 10.0).floor()
                        } else {
                            0.0
                        }
                    }
                    1 => next() * 100.0,
                    2 => t as f64 + next(),
                    _ => 3.0,
                })
                .collect();
            for &(lo, hi) in &[SES_OPT_BOUNDS, INTERMITTENT_BOUNDS] {
                let one = golden_section(|a| ses_sse(&y, a), lo, hi);
                let three = golden_section3(|a| ses_sse3(&y, a), lo, hi);
                assert_eq!(one.to_bits(), three.to_bits(), "case {case}: {one} vs {three}");
            }
            let s3 = ses_sse3(&y, [0.1, 0.5, 0.9]);
            assert_eq!(s3.map(f64::to_bits), [0.1, 0.5, 0.9].map(|a| ses_sse(&y, a).to_bits()));
        }
    }

    #[test]
    fn optimised_alpha_beats_a_grid() {
        let y = [3.0, 5.0, 2.0, 8.0, 6.0, 7.0, 4.0, 9.0, 10.0, 8.0, 12.0, 11.0];
        let a = optimal_alpha(&y, SES_OPT_BOUNDS);
        let best = ses_sse(&y, a);
        for k in 1..=99 {
            assert!(best <= ses_sse(&y, k as f64 / 100.0) + 1e-9);
        }
    }

    #[test]
    fn intervals_by_hand() {
        // y = 1, 3, 5 at alpha 0.5: forecast 3.5, SSE 13, sigma = sqrt(13 / 2)
        let f = SimpleExponentialSmoothing { alpha: 0.5 }.fit(&[1.0, 3.0, 5.0]).unwrap();
        let out = f.forecast(2, &[95, 80]);
        let sigma = (13.0f64 / 2.0).sqrt();
        assert_eq!(out.intervals.len(), 2);
        let (level, lo, hi) = &out.intervals[1];
        assert_eq!(*level, 95);
        let z = 1.959963984540054;
        assert!(close(hi[0], 3.5 + z * sigma) && close(lo[0], 3.5 - z * sigma));
        assert!(close(hi[1], 3.5 + z * sigma * 1.25f64.sqrt()));
        // a single value: no spread
        let out = SimpleExponentialSmoothingOptimized.fit(&[5.0]).unwrap().forecast(1, &[80]);
        assert_eq!(out.intervals[0].1, vec![5.0]);
    }

    #[test]
    fn models_fit_and_refuse() {
        let f = SimpleExponentialSmoothing { alpha: 0.5 }.fit(&[1.0, 3.0, 5.0]).unwrap();
        assert_eq!(f.predict(2).mean, vec![3.5, 3.5]);
        assert!(matches!(SimpleExponentialSmoothing { alpha: 0.5 }.fit(&[]), Err(StatsError::TooShort { .. })));
        assert!(matches!(SimpleExponentialSmoothing { alpha: 0.5 }.fit(&[0.0, 0.0]), Err(StatsError::AllZero { .. })));
        assert!(matches!(SimpleExponentialSmoothing { alpha: 0.0 }.fit(&[1.0]), Err(StatsError::Param { .. })));
        assert!(matches!(SimpleExponentialSmoothing { alpha: f64::NAN }.fit(&[1.0]), Err(StatsError::Param { .. })));
        assert!(SimpleExponentialSmoothingOptimized.fit(&[f64::INFINITY, 1.0]).is_err());
        let f = SimpleExponentialSmoothingOptimized.fit(&[5.0]).unwrap();
        assert_eq!(f.predict(1).mean, vec![5.0]);
        // a series that only steps up once: the optimum is as close to naive as allowed
        let f = SimpleExponentialSmoothingOptimized.fit(&[1.0, 1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 2.0]).unwrap();
        assert!(f.predict(1).mean[0] > 1.99);
    }
}
