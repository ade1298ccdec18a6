//! The state-space form of an ARIMA model (Gardner, Harvey & Phillips 1980, as R's
//! `arima` builds it), its exact Gaussian likelihood by the Kalman filter and its
//! forecasts. Matrices are column-major, `m[i + n * j]`, as in R.

// index loops kept as in R's C code, which makes the port checkable
#![allow(clippy::needless_range_loop)]

/// The model: ARMA polynomials, the differencing polynomial, the filter's state `a`
/// with covariance `p`, and `pn`, the covariance of the predicted state.
#[derive(Debug, Clone)]
pub struct StateSpace {
    pub phi: Vec<f64>,
    /// MA coefficients padded with zeros to `r - 1`.
    pub theta: Vec<f64>,
    pub delta: Vec<f64>,
    pub r: usize,
    pub a: Vec<f64>,
    pub p: Vec<f64>,
    pub pn: Vec<f64>,
}

/// Diffuse prior variance of the differenced states (R's `kappa`).
const KAPPA: f64 = 1e6;

impl StateSpace {
    pub fn new(phi: &[f64], theta: &[f64], delta: &[f64]) -> StateSpace {
        let r = phi.len().max(theta.len() + 1);
        let d = delta.len();
        let rd = r + d;
        let mut th = theta.to_vec();
        th.resize(r - 1, 0.0);
        let mut pn = vec![0.0; rd * rd];
        let q0 = stationary_covariance(phi, &th, r);
        for i in 0..r {
            for j in 0..r {
                pn[i + rd * j] = q0[i + r * j];
            }
        }
        for i in 0..d {
            pn[(r + i) * (rd + 1)] = KAPPA;
        }
        StateSpace { phi: phi.to_vec(), theta: th, delta: delta.to_vec(), r, a: vec![0.0; rd], p: vec![0.0; rd * rd], pn }
    }

    /// New ARMA coefficients of the same orders, the filter restarted from `a = 0`.
    /// Like statsforecast's `upARIMA`, only the ARMA block of `pn` is reset: the
    /// blocks of the differenced states keep what the last filter left there, so
    /// after the first likelihood evaluation the diffuse prior is gone (statsforecast
    /// mutates its model in place; R copies it). Parity needs the same objective.
    pub fn update(&mut self, phi: &[f64], theta: &[f64]) {
        let (r, rd) = (self.r, self.rd());
        self.phi.copy_from_slice(phi);
        self.theta[..theta.len()].copy_from_slice(theta);
        let q0 = stationary_covariance(&self.phi, &self.theta, r);
        for i in 0..r {
            for j in 0..r {
                self.pn[i + rd * j] = q0[i + r * j];
            }
        }
        self.a.iter_mut().for_each(|v| *v = 0.0);
    }

    fn rd(&self) -> usize {
        self.r + self.delta.len()
    }

    /// Runs the filter over `y` from the prior, leaving the final state in `a`, `p`.
    /// Returns the sum of squared standardised innovations, the sum of the log gains
    /// and the number of innovations counted (those of gain below 1e4: the diffuse start
    /// is left out), and the standardised innovations when `want_resid`.
    pub fn filter(&mut self, y: &[f64], want_resid: bool) -> (f64, f64, usize, Vec<f64>) {
        let (r, d, rd) = (self.r, self.delta.len(), self.rd());
        let (p, q) = (self.phi.len(), self.theta.len());
        let (phi, theta, delta) = (&self.phi, &self.theta, &self.delta);
        let (a, pm, pnew) = (&mut self.a, &mut self.p, &mut self.pn);
        let mut anew = vec![0.0; rd];
        let mut mvec = vec![0.0; rd];
        let mut mm = vec![0.0; if d > 0 { rd * rd } else { 0 }];
        let (mut ssq, mut sumlog, mut nu) = (0.0, 0.0, 0usize);
        let mut resid = if want_resid { vec![0.0; y.len()] } else { Vec::new() };
        for (l, &yl) in y.iter().enumerate() {
            for i in 0..r {
                let mut tmp = if i < r - 1 { a[i + 1] } else { 0.0 };
                if i < p {
                    tmp += phi[i] * a[0];
                }
                anew[i] = tmp;
            }
            if d > 0 {
                anew[r + 1..rd].copy_from_slice(&a[r..rd - 1]);
                let mut tmp = a[0];
                for i in 0..d {
                    tmp += delta[i] * a[r + i];
                }
                anew[r] = tmp;
            }
            // the first step predicts from the prior covariance itself
            if l > 0 {
                if d == 0 {
                    for i in 0..r {
                        let vi = if i == 0 {
                            1.0
                        } else if i - 1 < q {
                            theta[i - 1]
                        } else {
                            0.0
                        };
                        for j in 0..r {
                            let mut tmp = if j == 0 {
                                vi
                            } else if j - 1 < q {
                                vi * theta[j - 1]
                            } else {
                                0.0
                            };
                            if i < p && j < p {
                                tmp += phi[i] * phi[j] * pm[0];
                            }
                            if i < r - 1 && j < r - 1 {
                                tmp += pm[i + 1 + r * (j + 1)];
                            }
                            if i < p && j < r - 1 {
                                tmp += phi[i] * pm[j + 1];
                            }
                            if j < p && i < r - 1 {
                                tmp += phi[j] * pm[i + 1];
                            }
                            pnew[i + r * j] = tmp;
                        }
                    }
                } else {
                    // mm = T P
                    for i in 0..r {
                        for j in 0..rd {
                            let mut tmp = 0.0;
                            if i < p {
                                tmp += phi[i] * pm[rd * j];
                            }
                            if i < r - 1 {
                                tmp += pm[i + 1 + rd * j];
                            }
                            mm[i + rd * j] = tmp;
                        }
                    }
                    for j in 0..rd {
                        let mut tmp = pm[rd * j];
                        for k in 0..d {
                            tmp += delta[k] * pm[r + k + rd * j];
                        }
                        mm[r + rd * j] = tmp;
                    }
                    for i in 1..d {
                        for j in 0..rd {
                            mm[r + i + rd * j] = pm[r + i - 1 + rd * j];
                        }
                    }
                    // Pnew = mm T'
                    for i in 0..r {
                        for j in 0..rd {
                            let mut tmp = 0.0;
                            if i < p {
                                tmp += phi[i] * mm[j];
                            }
                            if i < r - 1 {
                                tmp += mm[rd * (i + 1) + j];
                            }
                            pnew[j + rd * i] = tmp;
                        }
                    }
                    for j in 0..rd {
                        let mut tmp = mm[j];
                        for k in 0..d {
                            tmp += delta[k] * mm[rd * (r + k) + j];
                        }
                        pnew[j + rd * r] = tmp;
                    }
                    for i in 1..d {
                        for j in 0..rd {
                            pnew[j + rd * (r + i)] = mm[rd * (r + i - 1) + j];
                        }
                    }
                    for i in 0..=q {
                        let vi = if i == 0 { 1.0 } else { theta[i - 1] };
                        for j in 0..=q {
                            pnew[i + rd * j] += vi * if j == 0 { 1.0 } else { theta[j - 1] };
                        }
                    }
                }
            }
            let mut resid0 = yl - anew[0];
            for i in 0..d {
                resid0 -= delta[i] * anew[r + i];
            }
            for i in 0..rd {
                let mut tmp = pnew[i];
                for k in 0..d {
                    tmp += pnew[i + rd * (r + k)] * delta[k];
                }
                mvec[i] = tmp;
            }
            let mut gain = mvec[0];
            for j in 0..d {
                gain += delta[j] * mvec[r + j];
            }
            if gain < 1e4 {
                nu += 1;
                ssq += resid0 * resid0 / gain;
                sumlog += gain.ln();
            }
            if want_resid {
                resid[l] = resid0 / gain.sqrt();
            }
            for i in 0..rd {
                a[i] = anew[i] + mvec[i] * resid0 / gain;
            }
            for i in 0..rd {
                for j in 0..rd {
                    pm[i + rd * j] = pnew[i + rd * j] - mvec[i] * mvec[j] / gain;
                }
            }
        }
        (ssq, sumlog, nu, resid)
    }

    /// Forecasts `h` steps from the filtered state: the means and the variances in
    /// units of the innovation variance.
    pub fn forecast(&self, h: usize) -> (Vec<f64>, Vec<f64>) {
        let (r, d, rd) = (self.r, self.delta.len(), self.rd());
        // transition T and design Z, dense (only h steps)
        let mut t = vec![0.0; rd * rd];
        for (i, v) in self.phi.iter().enumerate() {
            t[i] = *v;
        }
        for i in 1..r {
            t[(i - 1) + rd * i] = 1.0;
        }
        let mut z = vec![0.0; rd];
        z[0] = 1.0;
        z[r..].copy_from_slice(&self.delta);
        if d > 0 {
            for j in 0..rd {
                t[r + rd * j] = z[j];
            }
            for i in 1..d {
                t[(r + i) + rd * (r + i - 1)] = 1.0;
            }
        }
        let mut rv = vec![0.0; rd];
        rv[0] = 1.0;
        rv[1..r].copy_from_slice(&self.theta);
        let mut a = self.a.clone();
        let mut p = self.p.clone();
        let (mut mean, mut var) = (Vec::with_capacity(h), Vec::with_capacity(h));
        for _ in 0..h {
            let mut an = vec![0.0; rd];
            for i in 0..rd {
                an[i] = (0..rd).map(|k| t[i + rd * k] * a[k]).sum();
            }
            a = an;
            mean.push(z.iter().zip(&a).map(|(zi, ai)| zi * ai).sum());
            let mut tp = vec![0.0; rd * rd];
            for i in 0..rd {
                for j in 0..rd {
                    tp[i + rd * j] = (0..rd).map(|k| t[i + rd * k] * p[k + rd * j]).sum();
                }
            }
            for i in 0..rd {
                for j in 0..rd {
                    p[i + rd * j] = rv[i] * rv[j] + (0..rd).map(|k| tp[i + rd * k] * t[j + rd * k]).sum::<f64>();
                }
            }
            let mut v = 0.0;
            for i in 0..rd {
                for j in 0..rd {
                    v += z[i] * z[j] * p[i + rd * j];
                }
            }
            var.push(v);
        }
        (mean, var)
    }
}

/// The stationary covariance `Q0` of the ARMA state (`r x r`, column-major):
/// `Q0 = T Q0 T' + R R'`, solved by Gardner et al.'s (1980) method as R's `getQ0`:
/// a Givens-rotation least-squares solve of the linear system for the lower triangle,
/// or back-substitution for a pure MA process.
pub fn stationary_covariance(phi: &[f64], theta: &[f64], r: usize) -> Vec<f64> {
    let (p, q) = (phi.len(), theta.len());
    let np = r * (r + 1) / 2;
    let nrbar = np * (np - 1) / 2;
    let coef = |k: usize| -> f64 {
        if k == 0 {
            1.0
        } else if k - 1 < q {
            theta[k - 1]
        } else {
            0.0
        }
    };
    let mut v = Vec::with_capacity(np);
    for j in 0..r {
        for i in j..r {
            v.push(coef(i) * coef(j));
        }
    }
    let mut res = vec![0.0; r * r];
    if r == 1 {
        res[0] = if p == 0 { 1.0 } else { 1.0 / (1.0 - phi[0] * phi[0]) };
        return res;
    }
    let pm = &mut res;
    if p > 0 {
        let mut rbar = vec![0.0; nrbar];
        let mut thetab = vec![0.0; np];
        let mut xnext = vec![0.0; np];
        let mut xrow = vec![0.0; np];
        let npr = np - r;
        let npr1 = npr + 1;
        let mut indj = npr;
        let mut ind2 = npr as isize - 1;
        let mut ind1: isize = -1;
        let mut ind = 0;
        for j in 0..r {
            let phij = if j < p { phi[j] } else { 0.0 };
            xnext[indj] = 0.0;
            indj += 1;
            let mut indi = npr1 + j;
            for i in j..r {
                let ynext = v[ind];
                ind += 1;
                let phii = if i < p { phi[i] } else { 0.0 };
                if j != r - 1 {
                    xnext[indj] = -phii;
                    if i != r - 1 {
                        xnext[indi] -= phij;
                        ind1 += 1;
                        xnext[ind1 as usize] = -1.0;
                    }
                }
                xnext[npr] = -phii * phij;
                ind2 += 1;
                if ind2 as usize >= np {
                    ind2 = 0;
                }
                xnext[ind2 as usize] += 1.0;
                include_row(np, &xnext, &mut xrow, ynext, pm, &mut rbar, &mut thetab);
                xnext[ind2 as usize] = 0.0;
                if i != r - 1 {
                    xnext[indi] = 0.0;
                    indi += 1;
                    xnext[ind1 as usize] = 0.0;
                }
            }
        }
        // back-substitution
        let mut ithisr = nrbar as isize - 1;
        let mut im = np as isize - 1;
        for i in 0..np {
            let mut bi = thetab[im as usize];
            let mut jm = np as isize - 1;
            for _ in 0..i {
                bi -= rbar[ithisr as usize] * pm[jm as usize];
                ithisr -= 1;
                jm -= 1;
            }
            pm[im as usize] = bi;
            im -= 1;
        }
        // re-order
        xnext[..r].copy_from_slice(&pm[npr..npr + r]);
        let mut ind = np as isize - 1;
        let mut ind1 = npr as isize - 1;
        for _ in 0..npr {
            pm[ind as usize] = pm[ind1 as usize];
            ind -= 1;
            ind1 -= 1;
        }
        pm[..r].copy_from_slice(&xnext[..r]);
    } else {
        let mut indn = np;
        let mut ind = np;
        for i in 0..r {
            for j in 0..=i {
                ind -= 1;
                pm[ind] = v[ind];
                if j != 0 {
                    indn -= 1;
                    pm[ind] += pm[indn];
                }
            }
        }
    }
    // unpack the packed upper triangle to the full matrix
    let mut ind = np;
    for i in (1..r).rev() {
        for j in (i..r).rev() {
            ind -= 1;
            pm[r * i + j] = pm[ind];
        }
    }
    for i in 0..r - 1 {
        for j in i + 1..r {
            pm[i + r * j] = pm[j + r * i];
        }
    }
    res
}

/// Adds one equation (`xnext`, `ynext`) to the Givens-rotation factorisation.
fn include_row(np: usize, xnext: &[f64], xrow: &mut [f64], mut ynext: f64, d: &mut [f64], rbar: &mut [f64], thetab: &mut [f64]) {
    xrow.copy_from_slice(&xnext[..np]);
    let mut ithisr = 0;
    for i in 0..np {
        if xrow[i] != 0.0 {
            let xi = xrow[i];
            let di = d[i];
            let dpi = di + xi * xi;
            d[i] = dpi;
            let cbar = di / dpi;
            let sbar = xi / dpi;
            for k in i + 1..np {
                let xk = xrow[k];
                let rbthis = rbar[ithisr];
                xrow[k] = xk - xi * rbthis;
                rbar[ithisr] = cbar * rbthis + sbar * xk;
                ithisr += 1;
            }
            let xk = ynext;
            ynext = xk - xi * thetab[i];
            thetab[i] = cbar * thetab[i] + sbar * xk;
            if di == 0.0 {
                return;
            }
        } else {
            ithisr += np - i - 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn q0_matches_statsforecast() {
        // statsforecast.arima.getQ0([0.5, -0.2], [0.4, 0.1])
        let want = [1.9390756302521008, 0.2467436974789916, 0.1, 0.2467436974789916, 0.2075630252100839, 0.04, 0.1, 0.04, 0.01];
        let got = stationary_covariance(&[0.5, -0.2], &[0.4, 0.1], 3);
        for (g, w) in got.iter().zip(want) {
            assert!((g - w).abs() < 1e-12, "{got:?}");
        }
    }

    #[test]
    fn likelihood_matches_statsforecast() {
        // statsforecast.arima.arima_like for ARIMA(2,1,2), phi (0.5, -0.2), theta (0.4, 0.1)
        let y = [1., 3., 2., 5., 4., 6., 5., 8., 7., 9., 8., 11.];
        let mut ss = StateSpace::new(&[0.5, -0.2], &[0.4, 0.1], &[1.0]);
        let (ssq, sumlog, nu, _) = ss.filter(&y, false);
        assert_eq!(nu, 11);
        assert!((ssq - 174.9284609006254).abs() < 1e-9 && (sumlog - 0.8342592072280486).abs() < 1e-12);
    }
}
