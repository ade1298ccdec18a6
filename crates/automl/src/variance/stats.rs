//! Summaries of a handful of numbers (one per seed): mean, sample standard deviation,
//! min, max, linear-interpolation quartiles, relative spread; and the percentile
//! bootstrap of a (weighted) mean over series.

use rand::{Rng, SeedableRng, rngs::StdRng};
use serde::{Deserialize, Serialize};

/// Spread of one score across seeds.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Values summarised (finite ones only).
    pub n: usize,
    pub mean: f64,
    /// Sample standard deviation (divisor n − 1); 0 for a single value.
    pub std: f64,
    pub min: f64,
    pub max: f64,
    /// First quartile, median and third quartile, linear interpolation between order
    /// statistics (numpy's default, Hyndman & Fan type 7).
    pub q1: f64,
    pub median: f64,
    pub q3: f64,
    /// `q3 − q1`.
    pub iqr: f64,
    /// `(max − min) / mean`; 0 when `max == min`, NaN when the mean is 0 and the values differ.
    pub rel_spread: f64,
}

/// The `p`-quantile (0 ≤ p ≤ 1) of sorted values by linear interpolation (type 7):
/// position `p·(n − 1)`. NaN for no values.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let pos = p.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            let frac = pos - lo as f64;
            sorted[lo] + (sorted[hi] - sorted[lo]) * frac
        }
    }
}

/// Sorted copy of the finite values.
pub fn sorted_finite(values: &[f64]) -> Vec<f64> {
    let mut v: Vec<f64> = values.iter().copied().filter(|x| x.is_finite()).collect();
    v.sort_by(f64::total_cmp);
    v
}

/// Sample mean and standard deviation (n − 1); the deviation is 0 for one value.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len();
    if n == 0 {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return (mean, 0.0);
    }
    // exactly 0 when every value is the same (no rounding residue from the mean)
    if values.iter().all(|&v| v == values[0]) {
        return (values[0], 0.0);
    }
    let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    (mean, var.sqrt())
}

/// Summary of the finite values (non-finite ones are left out; all NaN for none).
pub fn summarize(values: &[f64]) -> Summary {
    let s = sorted_finite(values);
    if s.is_empty() {
        let nan = f64::NAN;
        return Summary { n: 0, mean: nan, std: nan, min: nan, max: nan, q1: nan, median: nan, q3: nan, iqr: nan, rel_spread: nan };
    }
    let (mean, std) = mean_std(&s);
    let (min, max) = (s[0], s[s.len() - 1]);
    let (q1, median, q3) = (quantile_sorted(&s, 0.25), quantile_sorted(&s, 0.5), quantile_sorted(&s, 0.75));
    let rel_spread = if max == min { 0.0 } else { (max - min) / mean };
    Summary { n: s.len(), mean, std, min, max, q1, median, q3, iqr: q3 - q1, rel_spread }
}

/// Resamples of `0..n` with replacement (`resamples` rows of `n` indices), from `seed`:
/// the same sets serve every configuration, so their intervals are paired.
pub fn bootstrap_indices(n: usize, resamples: usize, seed: u64) -> Vec<Vec<usize>> {
    let mut rng = StdRng::seed_from_u64(seed);
    (0..resamples).map(|_| (0..n).map(|_| if n == 0 { 0 } else { rng.random_range(0..n) }).collect()).collect()
}

/// Weighted mean `Σ wᵢ xᵢ / Σ wᵢ` over the finite `values` (unit weights for `None`);
/// NaN when the weights of those sum to 0.
pub fn weighted_mean(values: &[f64], weights: Option<&[f64]>, idx: impl Iterator<Item = usize>) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for i in idx {
        let (Some(&x), w) = (values.get(i), weights.map_or(Some(&1.0), |w| w.get(i))) else { continue };
        let w = w.copied().unwrap_or(0.0);
        if x.is_finite() && w > 0.0 {
            num += w * x;
            den += w;
        }
    }
    if den > 0.0 { num / den } else { f64::NAN }
}

/// Percentile bootstrap interval at `level` (e.g. 0.95) of the weighted mean of
/// per-series `values` over the resampled series `sets`: the (1−level)/2 and
/// (1+level)/2 quantiles of the resampled means. NaN bounds without resamples.
pub fn bootstrap_ci(values: &[f64], weights: Option<&[f64]>, sets: &[Vec<usize>], level: f64) -> (f64, f64) {
    let means: Vec<f64> = sets.iter().map(|set| weighted_mean(values, weights, set.iter().copied())).collect();
    let s = sorted_finite(&means);
    let a = (1.0 - level) / 2.0;
    (quantile_sorted(&s, a), quantile_sorted(&s, 1.0 - a))
}

/// Regularised incomplete beta function I_x(a, b) (continued fraction, Numerical Recipes §6.4).
fn incomplete_beta(x: f64, a: f64, b: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    let front = ln_front.exp();
    if x < (a + 1.0) / (a + b + 2.0) { front * beta_cf(x, a, b) / a } else { 1.0 - front * beta_cf(1.0 - x, b, a) / b }
}

fn beta_cf(x: f64, a: f64, b: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..300 {
        let m = f64::from(m);
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let del = d * c;
        h *= del;
        if (del - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9).
fn ln_gamma(x: f64) -> f64 {
    const G: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        return (std::f64::consts::PI / (std::f64::consts::PI * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let t = x + 7.5;
    let s = G.iter().enumerate().skip(1).fold(G[0], |acc, (i, g)| acc + g / (x + i as f64));
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + s.ln()
}

/// Two-sided p-value of Student's t statistic `t` with `df` degrees of freedom.
pub fn t_two_sided_p(t: f64, df: f64) -> f64 {
    if t.is_nan() || df <= 0.0 {
        return f64::NAN;
    }
    if t.is_infinite() {
        return 0.0;
    }
    incomplete_beta(df / (df + t * t), df / 2.0, 0.5)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64, tol: f64) -> bool {
        (a - b).abs() <= tol
    }

    #[test]
    fn hand_computed_summary() {
        // 1, 2, 4, 7: mean 3.5; squared deviations 6.25 2.25 0.25 12.25 = 21 → var 7
        // q1 at position 0.75 → 1.75; median at 1.5 → 3; q3 at 2.25 → 4.75
        let s = summarize(&[4.0, 1.0, 7.0, 2.0]);
        assert_eq!(s.n, 4);
        assert_eq!(s.mean, 3.5);
        assert!(close(s.std, 7f64.sqrt(), 1e-12));
        assert_eq!((s.min, s.max), (1.0, 7.0));
        assert_eq!((s.q1, s.median, s.q3), (1.75, 3.0, 4.75));
        assert_eq!(s.iqr, 3.0);
        assert!(close(s.rel_spread, 6.0 / 3.5, 1e-12));
    }

    #[test]
    fn identical_values_have_exactly_zero_spread() {
        let v = [0.1 + 0.2; 10];
        let s = summarize(&v);
        assert_eq!(s.std, 0.0);
        assert_eq!(s.iqr, 0.0);
        assert_eq!(s.rel_spread, 0.0);
        assert_eq!(s.mean, 0.1 + 0.2);
        let one = summarize(&[2.5]);
        assert_eq!((one.std, one.q1, one.q3), (0.0, 2.5, 2.5));
        assert!(summarize(&[f64::NAN]).mean.is_nan());
    }

    #[test]
    fn quantiles_interpolate_like_numpy() {
        let s = [10.0, 20.0, 30.0];
        assert_eq!(quantile_sorted(&s, 0.0), 10.0);
        assert_eq!(quantile_sorted(&s, 0.25), 15.0);
        assert_eq!(quantile_sorted(&s, 0.9), 28.0);
        assert_eq!(quantile_sorted(&s, 1.0), 30.0);
    }

    #[test]
    fn weighted_mean_and_bootstrap() {
        // weights 1, 3 → (1·2 + 3·6) / 4 = 5
        assert_eq!(weighted_mean(&[2.0, 6.0], Some(&[1.0, 3.0]), 0..2), 5.0);
        assert_eq!(weighted_mean(&[2.0, 6.0], None, [1, 1, 0].into_iter()), 14.0 / 3.0);
        // resamples {0,0}, {1,1}, {0,1}: plain means 2, 6, 4 → 95% percentile interval
        // between the 2.5% and 97.5% quantiles of (2, 4, 6): 2.1 and 5.9
        let sets = vec![vec![0, 0], vec![1, 1], vec![0, 1]];
        let (lo, hi) = bootstrap_ci(&[2.0, 6.0], None, &sets, 0.95);
        assert!(close(lo, 2.1, 1e-12) && close(hi, 5.9, 1e-12), "{lo} {hi}");
        let a = bootstrap_indices(5, 3, 7);
        assert_eq!(a, bootstrap_indices(5, 3, 7), "seeded");
        assert!(a.iter().all(|s| s.len() == 5 && s.iter().all(|&i| i < 5)));
        assert_ne!(a, bootstrap_indices(5, 3, 8));
    }

    #[test]
    fn student_t_p_values() {
        // t tables: t = 2.262 with 9 df → two-sided 0.05; t = 12.706 with 1 df → 0.05
        assert!(close(t_two_sided_p(2.262_157, 9.0), 0.05, 1e-5));
        assert!(close(t_two_sided_p(12.706_2, 1.0), 0.05, 1e-5));
        assert!(close(t_two_sided_p(0.0, 4.0), 1.0, 1e-12));
        assert_eq!(t_two_sided_p(f64::INFINITY, 4.0), 0.0);
        // 1 df is Cauchy: P(|T| > 1) = 0.5
        assert!(close(t_two_sided_p(1.0, 1.0), 0.5, 1e-10));
    }
}
