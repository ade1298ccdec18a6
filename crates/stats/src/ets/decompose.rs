//! Classical seasonal decomposition and the sample autocorrelation, as statsmodels
//! 0.15 computes them (`seasonal_decompose(x, period=m)` with the centred moving
//! average and no trend extrapolation; `acf(x, nlags, fft=False)`), which
//! statsforecast's ETS initialisation and Theta seasonality test call.

/// The seasonal part of a decomposition.
#[derive(Debug, Clone)]
pub(crate) struct Decomposition {
    /// One value per observation (the period averages, repeated).
    pub seasonal: Vec<f64>,
}

/// Classical decomposition of `y` with period `m`; `None` with fewer than two full
/// cycles, a period under 2, or non-positive data for the multiplicative form.
pub(crate) fn seasonal_decompose(y: &[f64], m: usize, multiplicative: bool) -> Option<Decomposition> {
    let n = y.len();
    if m < 2 || n < 2 * m || y.iter().any(|v| !v.is_finite()) {
        return None;
    }
    if multiplicative && y.iter().any(|&v| v <= 0.0) {
        return None;
    }
    let filt: Vec<f64> = if m.is_multiple_of(2) {
        let mut f = vec![1.0 / m as f64; m + 1];
        f[0] = 0.5 / m as f64;
        f[m] = 0.5 / m as f64;
        f
    } else {
        vec![1.0 / m as f64; m]
    };
    let half = filt.len() / 2;
    // trend[t] for t in half..n-half; NaN elsewhere
    let mut sums = vec![0.0; m];
    let mut counts = vec![0usize; m];
    for t in half..n - half {
        let trend: f64 = filt.iter().enumerate().map(|(k, w)| w * y[t - half + k]).sum();
        let d = if multiplicative { y[t] / trend } else { y[t] - trend };
        sums[t % m] += d;
        counts[t % m] += 1;
    }
    let mut avg: Vec<f64> = sums.iter().zip(&counts).map(|(s, &c)| if c > 0 { s / c as f64 } else { f64::NAN }).collect();
    let mean = avg.iter().sum::<f64>() / m as f64;
    for v in avg.iter_mut() {
        if multiplicative {
            *v /= mean;
        } else {
            *v -= mean;
        }
    }
    Some(Decomposition { seasonal: (0..n).map(|t| avg[t % m]).collect() })
}

/// Sample autocorrelations at lags 0..=nlags (biased estimator, mean removed); NaN
/// for a constant series.
pub(crate) fn acf(y: &[f64], nlags: usize) -> Vec<f64> {
    let n = y.len();
    let mean = y.iter().sum::<f64>() / n as f64;
    let d: Vec<f64> = y.iter().map(|v| v - mean).collect();
    let c0: f64 = d.iter().map(|v| v * v).sum();
    (0..=nlags).map(|k| if k >= n { 0.0 } else { (0..n - k).map(|t| d[t] * d[t + k]).sum::<f64>() / c0 }).collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn additive_decomposition_recovers_a_pure_season() {
        let pattern = [1.0, -2.0, 0.5, 0.5];
        let y: Vec<f64> = (0..16).map(|t| 10.0 + 0.5 * t as f64 + pattern[t % 4]).collect();
        let d = seasonal_decompose(&y, 4, false).unwrap();
        for t in 0..16 {
            assert!((d.seasonal[t] - pattern[t % 4]).abs() < 1e-12, "{t}: {}", d.seasonal[t]);
        }
    }

    #[test]
    fn acf_of_an_alternating_series() {
        let r = acf(&[1.0, -1.0, 1.0, -1.0], 2);
        assert!((r[0] - 1.0).abs() < 1e-12);
        assert!((r[1] + 0.75).abs() < 1e-12);
        assert!((r[2] - 0.5).abs() < 1e-12);
    }
}
