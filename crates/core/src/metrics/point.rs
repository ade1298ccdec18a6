//! Per-series point-forecast metrics. `actual` and `forecast` are the horizon values
//! of one series; scales come from its in-sample history.

/// Mean absolute error.
pub fn mae(actual: &[f64], forecast: &[f64]) -> f64 {
    mean(actual.iter().zip(forecast).map(|(a, f)| (a - f).abs()))
}

/// Root mean squared error.
pub fn rmse(actual: &[f64], forecast: &[f64]) -> f64 {
    mse(actual, forecast).sqrt()
}

/// Mean squared error.
pub fn mse(actual: &[f64], forecast: &[f64]) -> f64 {
    mean(actual.iter().zip(forecast).map(|(a, f)| (a - f) * (a - f)))
}

/// Mean of `forecast - actual`: positive when the forecast runs high.
pub fn bias(actual: &[f64], forecast: &[f64]) -> f64 {
    mean(actual.iter().zip(forecast).map(|(a, f)| f - a))
}

/// Symmetric MAPE in percent (0..200); a step where both values are zero counts as 0.
pub fn smape(actual: &[f64], forecast: &[f64]) -> f64 {
    mean(actual.iter().zip(forecast).map(|(a, f)| {
        let denom = a.abs() + f.abs();
        if denom == 0.0 { 0.0 } else { 200.0 * (a - f).abs() / denom }
    }))
}

/// MASE: MAE over the in-sample mean absolute seasonal difference (`season` ≥ 1).
/// `None` when the scale is zero or undefined.
pub fn mase(actual: &[f64], forecast: &[f64], history: &[f64], season: usize) -> Option<f64> {
    let scale = mean_abs_diff(history, season)?;
    (scale > 0.0).then(|| mae(actual, forecast) / scale)
}

/// RMSSE with a precomputed scale (see [`rmsse_scale`]).
pub fn rmsse(actual: &[f64], forecast: &[f64], scale: f64) -> Option<f64> {
    (scale > 0.0 && scale.is_finite()).then(|| (mse(actual, forecast) / scale).sqrt())
}

/// The M5 RMSSE scale: mean squared one-step difference of the history from its
/// first non-zero value on. `None` with fewer than two such values.
pub fn rmsse_scale(history: &[f64]) -> Option<f64> {
    let start = history.iter().position(|&v| v != 0.0)?;
    mean_sq_diff(&history[start..], 1)
}

/// The M5 SPL scale: mean absolute one-step difference from the first non-zero value on.
pub fn spl_scale(history: &[f64]) -> Option<f64> {
    let start = history.iter().position(|&v| v != 0.0)?;
    mean_abs_diff(&history[start..], 1)
}

/// Mean of `|y[t] - y[t - lag]|`; `None` when the history is not longer than `lag`.
pub fn mean_abs_diff(history: &[f64], lag: usize) -> Option<f64> {
    (lag >= 1 && history.len() > lag).then(|| mean(history.windows(lag + 1).map(|w| (w[lag] - w[0]).abs())))
}

/// Mean of `(y[t] - y[t - lag])²`; `None` when the history is not longer than `lag`.
pub fn mean_sq_diff(history: &[f64], lag: usize) -> Option<f64> {
    (lag >= 1 && history.len() > lag).then(|| mean(history.windows(lag + 1).map(|w| (w[lag] - w[0]).powi(2))))
}

/// Pinball (quantile) loss averaged over the horizon, for quantile level `u`.
pub fn pinball(actual: &[f64], quantile_forecast: &[f64], u: f64) -> f64 {
    mean(actual.iter().zip(quantile_forecast).map(|(&y, &q)| if y >= q { (y - q) * u } else { (q - y) * (1.0 - u) }))
}

fn mean(it: impl Iterator<Item = f64>) -> f64 {
    let (sum, n) = it.fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    if n == 0 { f64::NAN } else { sum / n as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: [f64; 4] = [3.0, 0.0, 2.0, 5.0];
    const F: [f64; 4] = [2.0, 0.0, 4.0, 5.0];

    #[test]
    fn hand_computed_values() {
        // errors f - a: -1, 0, 2, 0
        assert!((mae(&A, &F) - 0.75).abs() < 1e-15);
        assert!((rmse(&A, &F) - (5.0f64 / 4.0).sqrt()).abs() < 1e-15);
        assert!((bias(&A, &F) - 0.25).abs() < 1e-15);
        // smape terms: 200*1/5=40, 0 (both zero), 200*2/6=66.67, 0
        assert!((smape(&A, &F) - (40.0 + 200.0 / 3.0) / 4.0).abs() < 1e-12);
    }

    #[test]
    fn scales_start_at_first_nonzero() {
        let h = [0.0, 0.0, 1.0, 3.0, 0.0, 4.0];
        // diffs from index 2: 2, -3, 4 → squares 4, 9, 16 → 29/3; abs 9/3
        assert_eq!(rmsse_scale(&h), Some(29.0 / 3.0));
        assert_eq!(spl_scale(&h), Some(3.0));
        assert_eq!(rmsse_scale(&[0.0, 0.0]), None);
        assert_eq!(rmsse_scale(&[0.0, 2.0]), None);
        let r = rmsse(&A, &F, 29.0 / 3.0).unwrap_or(f64::NAN);
        assert!((r - (1.25f64 / (29.0 / 3.0)).sqrt()).abs() < 1e-15);
    }

    #[test]
    fn mase_uses_seasonal_differences() {
        let hist = [1.0, 2.0, 3.0, 5.0, 5.0, 9.0];
        // lag-2 diffs: 2, 3, 2, 4 → mean 2.75; mae(A,F) = 0.75
        assert_eq!(mase(&A, &F, &hist, 2), Some(0.75 / 2.75));
        assert_eq!(mase(&A, &F, &[1.0, 1.0], 1), None);
    }

    #[test]
    fn pinball_is_asymmetric() {
        // y=10, q=8, u=0.9 → 2*0.9; y=6, q=8 → 2*0.1
        assert!((pinball(&[10.0, 6.0], &[8.0, 8.0], 0.9) - (1.8 + 0.2) / 2.0).abs() < 1e-15);
    }
}
