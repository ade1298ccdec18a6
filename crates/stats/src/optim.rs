//! Box-constrained Nelder-Mead, step for step as statsforecast runs it behind its ETS
//! and Theta models.
//!
//! argmin's Nelder-Mead was tried first: its initial simplex and stopping rule differ,
//! and on the flat likelihoods of ETS/Theta that moves optima enough to change
//! forecasts past the statsforecast parity tolerance, so this one is written here.

/// Settings of [`nelder_mead_sf`], statsforecast's own Nelder-Mead (the one its C++
/// ETS and Theta optimisers call), defaults as they call it.
#[derive(Debug, Clone, Copy)]
pub struct SfNelderMead {
    /// Relative step of the initial simplex along each axis (`x * (1 + init_step)`).
    pub init_step: f64,
    /// Step used instead where a start coordinate is exactly zero.
    pub zero_pert: f64,
    /// Reflection, expansion, contraction and shrink coefficients (the last three are
    /// replaced by the dimension-dependent ones when `adaptive`).
    pub alpha: f64,
    pub gamma: f64,
    pub rho: f64,
    pub sigma: f64,
    pub max_iter: usize,
    /// Stops when the population standard deviation of the simplex values falls below this.
    pub tol_std: f64,
    pub adaptive: bool,
}

impl Default for SfNelderMead {
    fn default() -> Self {
        SfNelderMead { init_step: 0.05, zero_pert: 1e-4, alpha: 1.0, gamma: 2.0, rho: 0.5, sigma: 0.5, max_iter: 1000, tol_std: 1e-4, adaptive: true }
    }
}

fn clamp_bounds(x: &mut [f64], lower: &[f64], upper: &[f64]) {
    for ((v, lo), hi) in x.iter_mut().zip(lower).zip(upper) {
        // max then min, as Eigen's cwiseMax(lower).cwiseMin(upper)
        if *v < *lo {
            *v = *lo;
        }
        if *v > *hi {
            *v = *hi;
        }
    }
}

fn population_sd(v: &[f64]) -> f64 {
    let n = v.len() as f64;
    let mean = v.iter().sum::<f64>() / n;
    (v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>() / n).sqrt()
}

/// statsforecast's box-constrained Nelder-Mead (the compiled one behind its ETS and
/// Theta), step for step: every trial point clamped into `[lower, upper]`, the
/// simplex `x0` plus `x0[i] * (1 + init_step)` along each axis, the adaptive
/// coefficients, a shrink that leaves row 0 in place, the stop when the population
/// standard deviation of the vertex values falls under `tol_std` (checked after the
/// vertices are ranked, so the best vertex is returned), and the same floating-point
/// order in the centroid. Checked against statsforecast 2.1.1's `_lib.ets.optimize`
/// iteration by iteration. Optimised ETS/Theta fits are flat enough that argmin's
/// Nelder-Mead (another initial simplex and stopping rule) lands on optima that move
/// forecasts by more than the parity tolerance.
///
/// Returns `(x, f(x), iterations)`.
pub fn nelder_mead_sf(f: &mut impl FnMut(&[f64]) -> f64, x0: &[f64], lower: &[f64], upper: &[f64], opts: &SfNelderMead) -> (Vec<f64>, f64, usize) {
    let n = x0.len();
    let mut start = x0.to_vec();
    clamp_bounds(&mut start, lower, upper);
    if n == 0 {
        let v = f(&start);
        return (start, v, 0);
    }
    let (alpha, mut gamma, mut rho, mut sigma) = (opts.alpha, opts.gamma, opts.rho, opts.sigma);
    if opts.adaptive {
        let nf = n as f64;
        gamma = 1.0 + 2.0 / nf;
        rho = 0.75 - 1.0 / (2.0 * nf);
        sigma = 1.0 - 1.0 / nf;
    }
    let mut simplex: Vec<Vec<f64>> = vec![start.clone(); n + 1];
    for (i, row) in simplex.iter_mut().enumerate().take(n) {
        let v = row[i];
        let v = if v == 0.0 { opts.zero_pert } else { v * (1.0 + opts.init_step) };
        row[i] = v.max(lower[i]).min(upper[i]);
    }
    let mut fs: Vec<f64> = simplex.iter().map(|r| f(r)).collect();
    let mut best = 0usize;
    let mut it = 0usize;
    let mut order: Vec<usize> = (0..=n).collect();
    let mut x_o = vec![0.0; n];
    let mut trial = vec![0.0; n];
    while it < opts.max_iter {
        order.iter_mut().enumerate().for_each(|(k, o)| *o = k);
        order.sort_by(|&a, &b| fs[a].partial_cmp(&fs[b]).unwrap_or(std::cmp::Ordering::Equal));
        best = order[0];
        if population_sd(&fs) < opts.tol_std {
            break;
        }
        let worst = order[n];
        let second = order[n - 1];
        for (k, c) in x_o.iter_mut().enumerate() {
            let s: f64 = simplex.iter().map(|r| r[k]).sum();
            *c = (s - simplex[worst][k]) / n as f64;
        }
        let x_r: Vec<f64> = {
            let mut v: Vec<f64> = (0..n).map(|k| x_o[k] + alpha * (x_o[k] - simplex[worst][k])).collect();
            clamp_bounds(&mut v, lower, upper);
            v
        };
        let f_r = f(&x_r);
        it += 1;
        if fs[best] <= f_r && f_r < fs[second] {
            simplex[worst].copy_from_slice(&x_r);
            fs[worst] = f_r;
            continue;
        }
        if f_r < fs[best] {
            for k in 0..n {
                trial[k] = x_o[k] + gamma * (x_r[k] - x_o[k]);
            }
            clamp_bounds(&mut trial, lower, upper);
            let f_e = f(&trial);
            if f_e < f_r {
                simplex[worst].copy_from_slice(&trial);
                fs[worst] = f_e;
            } else {
                simplex[worst].copy_from_slice(&x_r);
                fs[worst] = f_r;
            }
            continue;
        }
        if fs[second] <= f_r && f_r < fs[worst] {
            for k in 0..n {
                trial[k] = x_o[k] + rho * (x_r[k] - x_o[k]);
            }
            clamp_bounds(&mut trial, lower, upper);
            let f_oc = f(&trial);
            if f_oc <= f_r {
                simplex[worst].copy_from_slice(&trial);
                fs[worst] = f_oc;
                continue;
            }
        } else {
            for k in 0..n {
                trial[k] = x_o[k] - rho * (x_r[k] - x_o[k]);
            }
            clamp_bounds(&mut trial, lower, upper);
            let f_ic = f(&trial);
            if f_ic < fs[worst] {
                simplex[worst].copy_from_slice(&trial);
                fs[worst] = f_ic;
                continue;
            }
        }
        // Shrink towards the best vertex (statsforecast leaves row 0 where it is).
        let b = simplex[best].clone();
        for j in 1..=n {
            for k in 0..n {
                simplex[j][k] = b[k] + sigma * (simplex[j][k] - b[k]);
            }
            clamp_bounds(&mut simplex[j], lower, upper);
            fs[j] = f(&simplex[j]);
        }
    }
    (simplex[best].clone(), fs[best], it + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statsforecast_nelder_mead_finds_a_bounded_minimum() {
        let mut f = |p: &[f64]| (p[0] - 0.3).powi(2) + (p[1] + 2.0).powi(2) + 1.0;
        let opts = SfNelderMead { tol_std: 1e-12, ..SfNelderMead::default() };
        let (p, v, _) = nelder_mead_sf(&mut f, &[0.5, 0.5], &[0.0, -1.0], &[1.0, 1.0], &opts);
        assert!((p[0] - 0.3).abs() < 1e-4, "{p:?}");
        assert_eq!(p[1], -1.0);
        assert!((v - 2.0).abs() < 1e-6);
    }
}
