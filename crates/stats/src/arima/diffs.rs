//! How many differences: the KPSS test for `d` (statsmodels' `kpss(x, "c")`, as
//! statsforecast's `ndiffs`) and the seasonal-strength heuristic for `D` (an STL
//! decomposition, as statsforecast's `nsdiffs(test="seas")`).

use super::fit::diff;
use super::stl::stl;

fn is_constant(x: &[f64]) -> bool {
    x.iter().all(|v| *v == x[0])
}

/// The KPSS level-stationarity statistic with `nlags` Newey-West lags.
pub fn kpss_statistic(x: &[f64], nlags: usize) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    let resid: Vec<f64> = x.iter().map(|v| v - mean).collect();
    let mut cum = 0.0;
    let eta = resid
        .iter()
        .map(|r| {
            cum += r;
            cum * cum
        })
        .sum::<f64>()
        / (n * n);
    let mut s = resid.iter().map(|r| r * r).sum::<f64>();
    for i in 1..=nlags {
        let cov: f64 = resid[i..].iter().zip(&resid).map(|(a, b)| a * b).sum();
        s += 2.0 * (1.0 - i as f64 / (nlags as f64 + 1.0)) * cov;
    }
    eta / (s / n)
}

/// Whether KPSS rejects level stationarity at 5 %: its p-value, interpolated in the
/// table (0.347, 0.463, 0.574, 0.739) -> (10, 5, 2.5, 1 %), is below 0.05.
fn kpss_rejects(x: &[f64]) -> bool {
    let nlags = (3.0 * (x.len() as f64).sqrt() / 13.0).floor() as usize;
    if nlags >= x.len() {
        return false; // statsmodels refuses; statsforecast then does not difference
    }
    kpss_statistic(x, nlags) > 0.463
}

/// statsforecast's `ndiffs`: difference while KPSS rejects, at most `max_d` times.
/// As there, each round also drops the first differenced value.
pub fn ndiffs(x: &[f64], max_d: usize) -> usize {
    let mut d = 0;
    if is_constant(x) {
        return d;
    }
    let mut x = x.to_vec();
    let mut dodiff = kpss_rejects(&x);
    while dodiff && d < max_d {
        d += 1;
        let dx = diff(&x, 1, 1);
        x = if dx.is_empty() { dx } else { dx[1..].to_vec() };
        if x.is_empty() || is_constant(&x) {
            return d;
        }
        dodiff = kpss_rejects(&x);
    }
    d
}

/// Seasonal strength `max(0, min(1, 1 - var(remainder) / var(remainder + season)))`.
pub fn seasonal_strength(x: &[f64], period: usize) -> Option<f64> {
    let (season, trend) = stl(x, period)?;
    let var = |v: &[f64]| {
        let n = v.len() as f64;
        let m = v.iter().sum::<f64>() / n;
        v.iter().map(|a| (a - m) * (a - m)).sum::<f64>() / (n - 1.0)
    };
    let rem: Vec<f64> = x.iter().zip(&season).zip(&trend).map(|((y, s), t)| y - s - t).collect();
    let detrended: Vec<f64> = rem.iter().zip(&season).map(|(r, s)| r + s).collect();
    Some((1.0 - var(&rem) / var(&detrended)).clamp(0.0, 1.0))
}

/// statsforecast's `nsdiffs(test="seas", max_D=1)`: one seasonal difference when the
/// seasonal strength exceeds 0.64.
pub fn nsdiffs(x: &[f64], period: usize) -> usize {
    if is_constant(x) || period <= 1 || period >= x.len() {
        return 0;
    }
    match seasonal_strength(x, period) {
        Some(s) if s > 0.64 => 1,
        _ => 0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kpss_known_values() {
        // statsmodels.tsa.stattools.kpss(x, "c", nlags=1)[0] for x = 1..12 and a zig-zag
        let trend: Vec<f64> = (1..=12).map(f64::from).collect();
        assert!((kpss_statistic(&trend, 1) - 0.6904761904761905).abs() < 1e-12);
        assert_eq!(ndiffs(&trend, 2), 1);
        let zig: Vec<f64> = (0..12).map(|i| if i % 2 == 0 { 1.0 } else { -1.0 }).collect();
        assert_eq!(ndiffs(&zig, 2), 0);
    }

    #[test]
    fn seasonal_strength_matches_statsforecast() {
        // statsforecast.arima.seas_heuristic(x, 4) = 0.9512161924828401 (STL of statsmodels)
        let pattern = [3.0, -1.0, 0.5, -2.5];
        let x: Vec<f64> = (0..40).map(|t| 10.0 + 0.3 * t as f64 + pattern[t % 4] + (t as f64 * 1.7).sin()).collect();
        let s = seasonal_strength(&x, 4).unwrap_or(f64::NAN);
        assert!((s - 0.9512161924828401).abs() < 1e-9, "{s}");
        assert_eq!(nsdiffs(&x, 4), 1);
    }
}
