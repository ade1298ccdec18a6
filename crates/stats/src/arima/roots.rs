//! Polynomial roots (complex), for the invertibility/stationarity check of a fitted
//! model: statsforecast rejects a model whose AR or MA polynomial has a root of modulus
//! below 1.01.

#[derive(Debug, Clone, Copy)]
struct C(f64, f64);

impl C {
    fn add(self, o: C) -> C {
        C(self.0 + o.0, self.1 + o.1)
    }
    fn sub(self, o: C) -> C {
        C(self.0 - o.0, self.1 - o.1)
    }
    fn mul(self, o: C) -> C {
        C(self.0 * o.0 - self.1 * o.1, self.0 * o.1 + self.1 * o.0)
    }
    fn div(self, o: C) -> C {
        let d = o.0 * o.0 + o.1 * o.1;
        C((self.0 * o.0 + self.1 * o.1) / d, (self.1 * o.0 - self.0 * o.1) / d)
    }
    fn abs(self) -> f64 {
        self.0.hypot(self.1)
    }
}

/// Roots' moduli of `c[0] + c[1] z + ... + c[n] z^n` (`c[n] != 0`), by the
/// Aberth-Ehrlich iteration, polished until the corrections vanish.
pub fn root_moduli(c: &[f64]) -> Vec<f64> {
    let n = c.len().saturating_sub(1);
    if n == 0 {
        return Vec::new();
    }
    if n == 1 {
        return vec![(c[0] / c[1]).abs()];
    }
    let lead = c[n];
    let a: Vec<f64> = c.iter().map(|v| v / lead).collect();
    // start on a circle of the Cauchy bound's radius, at irregular angles
    let radius = 1.0 + a[..n].iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut z: Vec<C> = (0..n)
        .map(|k| {
            let ang = 2.0 * std::f64::consts::PI * (k as f64) / (n as f64) + 0.4;
            C(0.5 * radius * ang.cos(), 0.5 * radius * ang.sin())
        })
        .collect();
    let eval = |x: C| -> (C, C) {
        let (mut p, mut dp) = (C(a[n], 0.0), C(0.0, 0.0));
        for k in (0..n).rev() {
            dp = dp.mul(x).add(p);
            p = p.mul(x).add(C(a[k], 0.0));
        }
        (p, dp)
    };
    for _ in 0..500 {
        let mut moved = 0.0f64;
        for i in 0..n {
            let (p, dp) = eval(z[i]);
            if p.abs() == 0.0 {
                continue;
            }
            let ratio = p.div(dp);
            let mut s = C(0.0, 0.0);
            for (j, zj) in z.iter().enumerate() {
                if j != i {
                    s = s.add(C(1.0, 0.0).div(z[i].sub(*zj)));
                }
            }
            let w = ratio.div(C(1.0, 0.0).sub(ratio.mul(s)));
            if w.0.is_finite() && w.1.is_finite() {
                z[i] = z[i].sub(w);
                moved = moved.max(w.abs() / (1.0 + z[i].abs()));
            }
        }
        if moved < 1e-15 {
            break;
        }
    }
    z.iter().map(|r| r.abs()).collect()
}

/// Smallest root modulus of the polynomial with coefficients `c` (lowest power first),
/// trailing zero coefficients dropped; infinity when it has no roots.
pub fn min_root_modulus(c: &[f64]) -> f64 {
    let last = c.iter().rposition(|v| *v != 0.0).unwrap_or(0);
    root_moduli(&c[..=last]).into_iter().fold(f64::INFINITY, f64::min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_roots() {
        // (1 - z/2)(1 + z/3)(1 - z/4) has roots 2, -3, 4
        let c = [1.0, -0.5 + 1.0 / 3.0 - 0.25, -1.0 / 6.0 + 0.125 - 1.0 / 12.0, 1.0 / 24.0];
        let mut m = root_moduli(&c);
        m.sort_by(f64::total_cmp);
        assert!((m[0] - 2.0).abs() < 1e-10 && (m[1] - 3.0).abs() < 1e-10 && (m[2] - 4.0).abs() < 1e-10);
        // complex pair 1 + 0.25 z^2: modulus 2
        assert!((min_root_modulus(&[1.0, 0.0, 0.25]) - 2.0).abs() < 1e-10);
    }
}
