//! The Mann-Whitney U test (two-sided, normal approximation with the tie correction):
//! whether one arm's per-series errors tend to be smaller than another's. Rank-based,
//! so a few huge errors of intermittent series do not decide it.

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

/// The complementary error function: a Chebyshev fit with fractional error below
/// 1.2e-7 everywhere (ample for a p-value; no special-functions crate needed for one call).
fn erfc(x: f64) -> f64 {
    let z = x.abs();
    let t = 1.0 / (1.0 + 0.5 * z);
    let poly = -z * z - 1.265_512_23
        + t * (1.000_023_68 + t * (0.374_091_96 + t * (0.096_784_18 + t * (-0.186_288_06 + t * (0.278_868_07 + t * (-1.135_203_98 + t * (1.488_515_87 + t * (-0.822_152_23 + t * 0.170_872_77))))))));
    let r = t * poly.exp();
    if x >= 0.0 { r } else { 2.0 - r }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn erfc_matches_known_values() {
        // erfc(0) = 1, erfc(1) = 0.157299207, erfc(2) = 0.004677735
        for (x, want) in [(0.0, 1.0), (1.0, 0.157_299_207), (2.0, 0.004_677_735), (-1.0, 1.842_700_793)] {
            assert!((erfc(x) - want).abs() < 2e-7, "erfc({x}) = {}", erfc(x));
        }
    }

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
