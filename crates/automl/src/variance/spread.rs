//! How the forecasts themselves move across seeds: the coefficient of variation of each
//! series' forecast, the cross-seed standard deviation of each cell, and errors over a
//! subset (stratum) of the scored cells.

/// Forecasts of one configuration: one `n × horizon` series-major vector per seed.
pub type SeedForecasts<'a> = [&'a [f64]];

/// Per cell (series × step) mean and sample standard deviation across seeds.
pub fn cell_mean_std(forecasts: &SeedForecasts<'_>) -> (Vec<f64>, Vec<f64>) {
    let cells = forecasts.first().map_or(0, |f| f.len());
    let mut mean = Vec::with_capacity(cells);
    let mut std = Vec::with_capacity(cells);
    let mut buf = Vec::with_capacity(forecasts.len());
    for c in 0..cells {
        buf.clear();
        buf.extend(forecasts.iter().map(|f| f.get(c).copied().unwrap_or(f64::NAN)));
        let (m, s) = super::stats::mean_std(&buf);
        mean.push(m);
        std.push(s);
    }
    (mean, std)
}

/// Steps whose seed-mean is below this (in absolute value) are left out of a series'
/// coefficient of variation: a forecast of ~0 by every seed carries no relative spread.
pub const CV_MEAN_FLOOR: f64 = 1e-6;

/// Coefficient of variation across seeds of each series' forecast: the mean over the
/// horizon of `std / |mean|` (sample std across seeds at each step), skipping steps
/// whose mean is below [`CV_MEAN_FLOOR`]; 0 for a series with no step left.
pub fn series_cv(forecasts: &SeedForecasts<'_>, horizon: usize) -> Vec<f64> {
    let (mean, std) = cell_mean_std(forecasts);
    if horizon == 0 {
        return Vec::new();
    }
    mean.chunks(horizon)
        .zip(std.chunks(horizon))
        .map(|(m, s)| {
            let (mut sum, mut k) = (0.0, 0usize);
            for (m, s) in m.iter().zip(s) {
                if m.abs() >= CV_MEAN_FLOOR && s.is_finite() {
                    sum += s / m.abs();
                    k += 1;
                }
            }
            if k == 0 { 0.0 } else { sum / k as f64 }
        })
        .collect()
}

/// Root mean squared and mean absolute error over the cells where `mask` is true
/// (`actual`, `forecast` and `mask` are aligned `n × horizon`); NaN for an empty stratum.
pub fn stratum_errors(actual: &[f64], forecast: &[f64], mask: &[bool]) -> (f64, f64) {
    let (mut se, mut ae, mut k) = (0.0, 0.0, 0usize);
    for ((a, f), &m) in actual.iter().zip(forecast).zip(mask) {
        if m && a.is_finite() && f.is_finite() {
            se += (a - f) * (a - f);
            ae += (a - f).abs();
            k += 1;
        }
    }
    if k == 0 { (f64::NAN, f64::NAN) } else { ((se / k as f64).sqrt(), ae / k as f64) }
}

/// Mean of `values` over the cells where `mask` is true (NaN for none).
pub fn masked_mean(values: &[f64], mask: &[bool]) -> f64 {
    let (mut s, mut k) = (0.0, 0usize);
    for (v, &m) in values.iter().zip(mask) {
        if m && v.is_finite() {
            s += v;
            k += 1;
        }
    }
    if k == 0 { f64::NAN } else { s / k as f64 }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cv_by_hand() {
        // two series × two steps, three seeds
        // series 0 step 0: 1, 2, 3 → mean 2, sd 1 → 0.5; step 1: 4, 4, 4 → 0 ⇒ CV 0.25
        // series 1 step 0: 0, 0, 0 → skipped; step 1: 2, 4, 6 → mean 4, sd 2 → 0.5 ⇒ CV 0.5
        let a = [1.0, 4.0, 0.0, 2.0];
        let b = [2.0, 4.0, 0.0, 4.0];
        let c = [3.0, 4.0, 0.0, 6.0];
        let cv = series_cv(&[&a, &b, &c], 2);
        assert_eq!(cv, vec![0.25, 0.5]);
        let (m, s) = cell_mean_std(&[&a, &b, &c]);
        assert_eq!(m, vec![2.0, 4.0, 0.0, 4.0]);
        assert_eq!(s, vec![1.0, 0.0, 0.0, 2.0]);
        // identical seeds: exactly zero everywhere
        assert_eq!(series_cv(&[&a, &a], 2), vec![0.0, 0.0]);
    }

    #[test]
    fn errors_over_a_stratum() {
        let actual = [1.0, 2.0, 3.0, 4.0];
        let forecast = [1.0, 4.0, 3.0, 0.0];
        // cells 1 and 3: errors 2 and 4 → RMSE √10, MAE 3
        let (rmse, mae) = stratum_errors(&actual, &forecast, &[false, true, false, true]);
        assert!((rmse - 10f64.sqrt()).abs() < 1e-12);
        assert_eq!(mae, 3.0);
        assert!(stratum_errors(&actual, &forecast, &[false; 4]).0.is_nan());
        assert_eq!(masked_mean(&[1.0, 2.0, 3.0, 6.0], &[true, false, false, true]), 3.5);
    }
}
