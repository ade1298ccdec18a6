//! The ARMA parameter vector: its layout, the map to stationary AR coefficients
//! (Jones 1980, as R's `arima` uses when `transform.pars = TRUE`) and the expansion of
//! the seasonal factors into full AR/MA polynomials.

/// The orders of a seasonal ARIMA model, `(p, d, q)(P, D, Q)[m]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Orders {
    pub p: usize,
    pub d: usize,
    pub q: usize,
    pub sp: usize,
    pub sd: usize,
    pub sq: usize,
    pub m: usize,
}

impl Orders {
    /// Number of ARMA coefficients (AR, MA, seasonal AR, seasonal MA, in that order).
    pub fn narma(&self) -> usize {
        self.p + self.q + self.sp + self.sq
    }
}

/// Maps unconstrained values to the coefficients of a stationary AR polynomial: each
/// value goes through `tanh` to a partial autocorrelation, then the Durbin-Levinson
/// recursion builds the coefficients.
pub fn partrans(raw: &[f64]) -> Vec<f64> {
    let mut new: Vec<f64> = raw.iter().map(|v| v.tanh()).collect();
    let mut work = new.clone();
    for j in 1..new.len() {
        let a = new[j];
        for k in 0..j {
            work[k] -= a * new[j - k - 1];
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    new
}

/// The inverse of [`partrans`] (for a stationary polynomial).
pub fn invpartrans(phi: &[f64]) -> Vec<f64> {
    let mut new = phi.to_vec();
    let mut work = new.clone();
    for j in (1..new.len()).rev() {
        let a = new[j];
        for k in 0..j {
            work[k] = (new[k] + a * new[j - k - 1]) / (1.0 - a * a);
        }
        new[..j].copy_from_slice(&work[..j]);
    }
    new.iter().map(|v| v.atanh()).collect()
}

/// Applies `f` to the AR and seasonal-AR blocks of a parameter vector.
fn map_ar_blocks(par: &[f64], o: &Orders, f: fn(&[f64]) -> Vec<f64>) -> Vec<f64> {
    let mut out = par.to_vec();
    if o.p > 0 {
        out[..o.p].copy_from_slice(&f(&par[..o.p]));
    }
    let v = o.p + o.q;
    if o.sp > 0 {
        out[v..v + o.sp].copy_from_slice(&f(&par[v..v + o.sp]));
    }
    out
}

/// The transformed parameters back to coefficients (R's `arima_undopars`).
pub fn undo_pars(par: &[f64], o: &Orders) -> Vec<f64> {
    map_ar_blocks(par, o, partrans)
}

/// Coefficients to the unconstrained scale (R's `ARIMA_invtrans`).
pub fn inv_trans(par: &[f64], o: &Orders) -> Vec<f64> {
    map_ar_blocks(par, o, invpartrans)
}

/// The full AR polynomial `phi` (length `p + m P`) and MA polynomial `theta`
/// (length `q + m Q`) of the product of the non-seasonal and seasonal factors.
pub fn expand(par: &[f64], o: &Orders, trans: bool) -> (Vec<f64>, Vec<f64>) {
    let par = if trans { undo_pars(par, o) } else { par.to_vec() };
    let (mp, mq, msp, msq, ns) = (o.p, o.q, o.sp, o.sq, o.m);
    let mut phi = vec![0.0; mp + ns * msp];
    let mut theta = vec![0.0; mq + ns * msq];
    phi[..mp].copy_from_slice(&par[..mp]);
    theta[..mq].copy_from_slice(&par[mp..mp + mq]);
    for j in 0..msp {
        let s = par[mp + mq + j];
        phi[(j + 1) * ns - 1] += s;
        for i in 0..mp {
            phi[(j + 1) * ns + i] -= par[i] * s;
        }
    }
    for j in 0..msq {
        let s = par[mp + mq + msp + j];
        theta[(j + 1) * ns - 1] += s;
        for i in 0..mq {
            theta[(j + 1) * ns + i] += par[mp + i] * s;
        }
    }
    (phi, theta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partrans_round_trip_and_stationary() {
        let raw = [0.7, -1.3, 2.0];
        let phi = partrans(&raw);
        let back = invpartrans(&phi);
        for (a, b) in raw.iter().zip(&back) {
            assert!((a - b).abs() < 1e-10);
        }
        // any raw values give a stationary polynomial: roots outside the unit circle
        let mut poly = vec![1.0];
        poly.extend(phi.iter().map(|v| -v));
        assert!(crate::arima::roots::min_root_modulus(&poly) > 1.0);
    }

    #[test]
    fn seasonal_expansion() {
        let o = Orders { p: 1, d: 0, q: 1, sp: 1, sd: 0, sq: 1, m: 4 };
        let (phi, theta) = expand(&[0.5, 0.3, 0.2, 0.4], &o, false);
        assert_eq!(phi, vec![0.5, 0.0, 0.0, 0.2, -0.1]);
        assert_eq!(theta, vec![0.3, 0.0, 0.0, 0.4, 0.12]);
    }
}
