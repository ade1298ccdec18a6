//! Conditional sum of squares: the residuals of the ARMA recursion on the differenced
//! series, conditioning on the first `d + D m + p + P m` values (R's `ARIMA_CSS`).

use super::params::Orders;

/// The mean squared conditional residual.
pub fn css(y: &[f64], o: &Orders, phi: &[f64], theta: &[f64]) -> f64 {
    let n = y.len();
    let mut w = y.to_vec();
    for _ in 0..o.d {
        for l in (1..n).rev() {
            w[l] -= w[l - 1];
        }
    }
    for _ in 0..o.sd {
        for l in (o.m..n).rev() {
            w[l] -= w[l - o.m];
        }
    }
    let ncond = o.d + o.sd * o.m + phi.len();
    let mut resid = vec![0.0; n];
    let (mut ssq, mut nu) = (0.0, 0usize);
    for l in ncond..n {
        let mut tmp = w[l];
        for (j, ph) in phi.iter().enumerate() {
            tmp -= ph * w[l - j - 1];
        }
        for j in 0..(l - ncond).min(theta.len()) {
            tmp -= theta[j] * resid[l - j - 1];
        }
        resid[l] = tmp;
        if !tmp.is_nan() {
            nu += 1;
            ssq += tmp * tmp;
        }
    }
    ssq / nu as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_statsforecast() {
        // statsforecast._lib.arima.arima_css on this series, ARIMA(1,1,1), phi 0.5, theta 0.3
        let y = [1., 3., 2., 5., 4., 6., 5., 8., 7., 9., 8., 11.];
        let o = Orders { p: 1, d: 1, q: 1, sp: 0, sd: 0, sq: 0, m: 1 };
        assert!((css(&y, &o, &[0.5], &[0.3]) - 13.407625801770095).abs() < 1e-12);
    }
}
