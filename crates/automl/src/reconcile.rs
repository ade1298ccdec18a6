//! Reconciling forecasts of a hierarchy: base forecasts made at every level (the
//! bottom series by one model, the aggregates by another) turned into bottom forecasts
//! whose sums agree with all of them as well as their errors allow.
//!
//! - **MinT** (Wickramasuriya, Athanasopoulos and Hyndman, 2019) with the shrinkage
//!   covariance of Schäfer and Strimmer (2005): the bottom forecasts that minimise the
//!   trace of the reconciled errors' covariance, given the base errors' covariance `W`.
//!   Written in the constraint form `ỹ = ŷ − W U (UᵀWU)⁻¹ Uᵀŷ` with `Uᵀ = [I, −C]`
//!   (aggregates first, then the bottom; `C` sums bottom series into aggregates), which
//!   solves a system the size of the aggregates, not of every series.
//! - **Top-down by forecast proportions**: the bottom forecasts rescaled, step by step,
//!   so that they sum to the forecast of the total.
//!
//! ```
//! use tsforge_automl::reconcile::{Structure, mint, shrunk_covariance};
//!
//! // two bottom series and their total; errors of the three base forecasts over 4 steps
//! let s = Structure { n_bottom: 2, aggregates: vec![vec![0, 1]] };
//! let errors = [[1.0, 0.5, 0.4], [-1.0, -0.2, -0.9], [0.5, 0.1, 0.3], [-0.3, -0.4, 0.2]];
//! let w = shrunk_covariance(&errors.concat(), 3);
//! // base: total 12, bottoms 5 and 5 (incoherent by 2), one step
//! let bottom = mint(&s, &w.matrix, &[12.0], &[5.0, 5.0], 1).unwrap();
//! assert!((bottom.iter().sum::<f64>() - 12.0).abs() < 2.0 && bottom.iter().sum::<f64>() > 10.0);
//! ```

/// How bottom series sum into aggregates.
#[derive(Debug, Clone, PartialEq)]
pub struct Structure {
    pub n_bottom: usize,
    /// The bottom series of each aggregate.
    pub aggregates: Vec<Vec<usize>>,
}

/// A covariance estimate of base forecast errors, aggregates first, then the bottom.
#[derive(Debug, Clone, PartialEq)]
pub struct Covariance {
    /// `n × n`, row-major.
    pub matrix: Vec<f64>,
    /// The shrinkage intensity toward the diagonal (0: the sample covariance, 1: its diagonal).
    pub lambda: f64,
}

/// The Schäfer–Strimmer shrinkage estimate of the covariance of `errors` (`T × n`,
/// row-major, one row per time): the sample covariance (about zero, as MinT uses it)
/// with its off-diagonal correlations shrunk toward zero by the intensity that
/// minimises the estimated mean squared error.
pub fn shrunk_covariance(errors: &[f64], n: usize) -> Covariance {
    let t = errors.len().checked_div(n).unwrap_or(0);
    let mut cov = vec![0.0; n * n];
    if t == 0 {
        return Covariance { matrix: cov, lambda: 1.0 };
    }
    for row in errors.chunks_exact(n) {
        for i in 0..n {
            let ri = row[i];
            if ri == 0.0 {
                continue;
            }
            for j in i..n {
                cov[i * n + j] += ri * row[j];
            }
        }
    }
    for i in 0..n {
        for j in i..n {
            cov[i * n + j] /= t as f64;
            cov[j * n + i] = cov[i * n + j];
        }
    }
    let sd: Vec<f64> = (0..n).map(|i| cov[i * n + i].sqrt()).collect();
    // λ = Σ Var(r_ij) / Σ r_ij² over i ≠ j, from the standardised errors
    let (mut num, mut den) = (0.0, 0.0);
    if t > 1 {
        let scale = t as f64 / ((t - 1) as f64).powi(3);
        for i in 0..n {
            for j in i + 1..n {
                if sd[i] == 0.0 || sd[j] == 0.0 {
                    continue;
                }
                let w: Vec<f64> = errors.chunks_exact(n).map(|r| r[i] / sd[i] * r[j] / sd[j]).collect();
                let mean = w.iter().sum::<f64>() / t as f64;
                num += scale * w.iter().map(|v| (v - mean).powi(2)).sum::<f64>();
                den += mean * mean;
            }
        }
    }
    let lambda = if den > 0.0 { (num / den).clamp(0.0, 1.0) } else { 1.0 };
    for i in 0..n {
        for j in 0..n {
            if i != j {
                cov[i * n + j] *= 1.0 - lambda;
            }
        }
    }
    Covariance { matrix: cov, lambda }
}

/// MinT-reconciled bottom forecasts (`n_bottom × h`, series-major) from base forecasts
/// of the aggregates (`n_agg × h`) and of the bottom series (`n_bottom × h`), given the
/// error covariance `w` (`n × n`, aggregates first). `None` where the system is singular.
pub fn mint(s: &Structure, w: &[f64], aggregates: &[f64], bottom: &[f64], h: usize) -> Option<Vec<f64>> {
    let (na, nb) = (s.aggregates.len(), s.n_bottom);
    let n = na + nb;
    if w.len() != n * n || aggregates.len() != na * h || bottom.len() != nb * h {
        return None;
    }
    let wi = |i: usize, j: usize| w[i * n + j];
    // WU: column k is W[:, k] − Σ_{b ∈ aggregate k} W[:, na + b]
    let mut wu = vec![0.0; n * na];
    for (k, members) in s.aggregates.iter().enumerate() {
        for r in 0..n {
            wu[r * na + k] = wi(r, k) - members.iter().map(|&b| wi(r, na + b)).sum::<f64>();
        }
    }
    // UᵀWU: row k is (WU)[k, :] − Σ_{b ∈ aggregate k} (WU)[na + b, :]
    let mut m = vec![0.0; na * na];
    for (k, members) in s.aggregates.iter().enumerate() {
        for c in 0..na {
            m[k * na + c] = wu[k * na + c] - members.iter().map(|&b| wu[(na + b) * na + c]).sum::<f64>();
        }
    }
    let jitter = 1e-9 * (0..na).map(|k| m[k * na + k].abs()).sum::<f64>() / na.max(1) as f64;
    for k in 0..na {
        m[k * na + k] += jitter;
    }
    let chol = cholesky(&m, na)?;
    let mut out = bottom.to_vec();
    for t in 0..h {
        // the incoherence Uᵀŷ of step t: each aggregate's forecast minus its bottom sum
        let d: Vec<f64> = s.aggregates.iter().enumerate().map(|(k, members)| aggregates[k * h + t] - members.iter().map(|&b| bottom[b * h + t]).sum::<f64>()).collect();
        let x = cholesky_solve(&chol, na, &d);
        for b in 0..nb {
            let shift: f64 = (0..na).map(|k| wu[(na + b) * na + k] * x[k]).sum();
            out[b * h + t] -= shift;
        }
    }
    Some(out)
}

/// Bottom forecasts rescaled at each step so that they sum to `total` (`h` values);
/// a step whose bottom forecasts sum to zero is spread equally.
pub fn top_down(total: &[f64], bottom: &[f64], h: usize) -> Vec<f64> {
    let nb = bottom.len().checked_div(h).unwrap_or(0);
    let mut out = bottom.to_vec();
    for (t, &target) in total.iter().enumerate().take(h) {
        let sum: f64 = (0..nb).map(|b| bottom[b * h + t]).sum();
        for b in 0..nb {
            out[b * h + t] = if sum > 0.0 { bottom[b * h + t] * target / sum } else { target / nb as f64 };
        }
    }
    out
}

/// The lower-triangular Cholesky factor of the symmetric `n × n` matrix `a`; `None`
/// when it is not positive definite.
fn cholesky(a: &[f64], n: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; n * n];
    for i in 0..n {
        for j in 0..=i {
            let s: f64 = (0..j).map(|k| l[i * n + k] * l[j * n + k]).sum();
            if i == j {
                let d = a[i * n + i] - s;
                if d <= 0.0 || !d.is_finite() {
                    return None;
                }
                l[i * n + i] = d.sqrt();
            } else {
                l[i * n + j] = (a[i * n + j] - s) / l[j * n + j];
            }
        }
    }
    Some(l)
}

/// Solves `L Lᵀ x = b` by forward then back substitution.
fn cholesky_solve(l: &[f64], n: usize, b: &[f64]) -> Vec<f64> {
    let mut y = vec![0.0; n];
    for i in 0..n {
        y[i] = (b[i] - (0..i).map(|k| l[i * n + k] * y[k]).sum::<f64>()) / l[i * n + i];
    }
    let mut x = vec![0.0; n];
    for i in (0..n).rev() {
        x[i] = (y[i] - (i + 1..n).map(|k| l[k * n + i] * x[k]).sum::<f64>()) / l[i * n + i];
    }
    x
}

#[cfg(test)]
mod tests;
