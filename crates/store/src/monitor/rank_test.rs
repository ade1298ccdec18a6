//! The Mann-Whitney U test (two-sided, normal approximation with the tie correction):
//! whether one arm's per-series errors tend to be smaller than another's. Rank-based,
//! so a few huge errors of intermittent series do not decide it.

use tsforge_core::special::erfc;

/// `(z, p)`: z > 0 when `a`'s values tend to be larger than `b`'s. `None` when either
/// sample is empty or every value ties.
pub fn mann_whitney(a: &[f64], b: &[f64]) -> Option<(f64, f64)> {
    let (n1, n2) = (a.len(), b.len());
    if n1 == 0 || n2 == 0 {
        return None;
    }
    let mut all: Vec<(f64, bool)> = a.iter().map(|&v| (v, true)).chain(b.iter().map(|&v| (v, false))).collect();
    all.sort_by(|x, y| x.0.total_cmp(&y.0));
    let n = all.len();
    let (mut rank_sum_a, mut tie_term) = (0.0, 0.0);
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && all[j + 1].0 == all[i].0 {
            j += 1;
        }
        // positions i..=j share the mean of ranks i+1..=j+1
        let rank = (i + j + 2) as f64 / 2.0;
        let ties = (j - i + 1) as f64;
        tie_term += ties * ties * ties - ties;
        rank_sum_a += rank * all[i..=j].iter().filter(|x| x.1).count() as f64;
        i = j + 1;
    }
    let (n1f, n2f, nf) = (n1 as f64, n2 as f64, n as f64);
    let u = rank_sum_a - n1f * (n1f + 1.0) / 2.0;
    let mean = n1f * n2f / 2.0;
    let var = n1f * n2f / 12.0 * ((nf + 1.0) - tie_term / (nf * (nf - 1.0)).max(1.0));
    if var <= 0.0 {
        return None;
    }
    // continuity correction towards the mean
    let d = u - mean;
    let z = (d - 0.5 * d.signum()) / var.sqrt();
    Some((z, erfc(z.abs() / std::f64::consts::SQRT_2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn u_test_matches_a_hand_computed_example() {
        // a = {1,2,3}, b = {4,5,6,7}: ranks of a are 1,2,3 → U = 0; mean 6, var 3·4·8/12 = 8;
        // z = (0 − 6 + 0.5)/√8 = −1.9445; p = erfc(1.9445/√2) = 0.05183
        let (z, p) = mann_whitney(&[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0, 7.0]).unwrap_or_else(|| panic!("defined"));
        assert!((z + 1.944_544).abs() < 1e-5, "z = {z}");
        assert!((p - 0.051_830).abs() < 1e-4, "p = {p}");
        let (z2, p2) = mann_whitney(&[4.0, 5.0, 6.0, 7.0], &[1.0, 2.0, 3.0]).unwrap_or_else(|| panic!("defined"));
        assert!((z2 + z).abs() < 1e-12 && (p2 - p).abs() < 1e-12);
        assert!(mann_whitney(&[1.0, 1.0], &[1.0]).is_none(), "all ties");
        assert!(mann_whitney(&[], &[1.0]).is_none());
    }
}
