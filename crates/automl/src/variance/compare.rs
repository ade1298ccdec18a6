//! Comparisons between configurations across seeds: ranks per seed, the share of seeds
//! in which one beats another, the winner of each seed, and a paired comparison of two
//! configurations (lower scores are better everywhere).

use serde::{Deserialize, Serialize};

use super::stats::{mean_std, t_two_sided_p};

/// Ranks of the configurations in each seed: `scores[c][s]` → `ranks[c][s]` (1 = best;
/// ties and non-finite scores go to the configuration listed first / last).
pub fn ranks(scores: &[Vec<f64>]) -> Vec<Vec<usize>> {
    let n_seeds = scores.iter().map(Vec::len).min().unwrap_or(0);
    let mut out = vec![vec![0; n_seeds]; scores.len()];
    for s in 0..n_seeds {
        let key = |c: usize| if scores[c][s].is_finite() { scores[c][s] } else { f64::INFINITY };
        let mut order: Vec<usize> = (0..scores.len()).collect();
        order.sort_by(|&a, &b| key(a).total_cmp(&key(b)).then(a.cmp(&b)));
        for (r, &c) in order.iter().enumerate() {
            out[c][s] = r + 1;
        }
    }
    out
}

/// `wins[a][b]`: share of seeds in which `a` scores strictly lower than `b`, a tie
/// counting one half (so `wins[a][b] + wins[b][a] = 1`); the diagonal is 0.5.
pub fn pairwise_wins(scores: &[Vec<f64>]) -> Vec<Vec<f64>> {
    let k = scores.len();
    let mut out = vec![vec![0.5; k]; k];
    for a in 0..k {
        for b in 0..k {
            if a != b {
                out[a][b] = win_share(&scores[a], &scores[b]);
            }
        }
    }
    out
}

/// Share of paired seeds in which `a < b` (ties one half; pairs with a non-finite
/// score are left out); NaN without pairs.
pub fn win_share(a: &[f64], b: &[f64]) -> f64 {
    let pairs: Vec<(f64, f64)> = a.iter().zip(b).map(|(x, y)| (*x, *y)).filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
    if pairs.is_empty() {
        return f64::NAN;
    }
    let w: f64 = pairs
        .iter()
        .map(|(x, y)| {
            if x < y {
                1.0
            } else if x == y {
                0.5
            } else {
                0.0
            }
        })
        .sum();
    w / pairs.len() as f64
}

/// Who won each seed and how stable that is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Winners {
    /// Index of the best configuration in each seed (ties: the one listed first).
    pub per_seed: Vec<usize>,
    /// Seeds won by each configuration.
    pub wins: Vec<usize>,
    /// The configuration that won most seeds (ties: the one listed first).
    pub modal: usize,
    /// Seeds whose winner is not the modal winner.
    pub changes: usize,
    /// Seeds whose winner differs from the previous seed's winner.
    pub switches: usize,
}

pub fn winners(scores: &[Vec<f64>]) -> Winners {
    let r = ranks(scores);
    let n_seeds = r.first().map_or(0, Vec::len);
    let per_seed: Vec<usize> = (0..n_seeds).map(|s| (0..r.len()).find(|&c| r[c][s] == 1).unwrap_or(0)).collect();
    let mut wins = vec![0; scores.len()];
    for &w in &per_seed {
        wins[w] += 1;
    }
    let modal = (0..wins.len()).max_by(|&a, &b| wins[a].cmp(&wins[b]).then(b.cmp(&a))).unwrap_or(0);
    let changes = per_seed.iter().filter(|&&w| w != modal).count();
    let switches = per_seed.windows(2).filter(|w| w[0] != w[1]).count();
    Winners { per_seed, wins, modal, changes, switches }
}

/// A paired comparison of configuration `a` (the better-ranked) against `b` over the
/// same seeds: differences `b − a` (positive: `a` better).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Paired {
    pub n: usize,
    pub mean_diff: f64,
    pub sd_diff: f64,
    /// Paired t statistic `mean / (sd / √n)`; ±∞ when every difference is the same non-zero value.
    pub t: f64,
    /// Two-sided p-value of `t` with n − 1 degrees of freedom (0 for constant
    /// non-zero differences, 1 when every difference is 0).
    pub p: f64,
    /// Share of seeds in which `a` scores lower (ties one half).
    pub a_wins: f64,
    /// Whether the min–max ranges of the two are disjoint.
    pub ranges_disjoint: bool,
    /// The verdict: ranges disjoint, or `a` wins at least `win_share` of the seeds
    /// with p < 0.05.
    pub distinguishable: bool,
}

/// Paired comparison over seeds with finite scores in both; `win_share` is the share
/// of seeds `a` must win (e.g. 0.9) for the gap to count as more than seed noise.
pub fn paired(a: &[f64], b: &[f64], win_share_needed: f64) -> Paired {
    let pairs: Vec<(f64, f64)> = a.iter().zip(b).map(|(x, y)| (*x, *y)).filter(|(x, y)| x.is_finite() && y.is_finite()).collect();
    let d: Vec<f64> = pairs.iter().map(|(x, y)| y - x).collect();
    let n = d.len();
    let (mean_diff, sd_diff) = mean_std(&d);
    let t = if n < 2 {
        f64::NAN
    } else if sd_diff == 0.0 {
        if mean_diff == 0.0 { 0.0 } else { mean_diff.signum() * f64::INFINITY }
    } else {
        mean_diff / (sd_diff / (n as f64).sqrt())
    };
    let p = if n < 2 { f64::NAN } else { t_two_sided_p(t, (n - 1) as f64) };
    let a_wins = win_share(a, b);
    let fold = |v: &mut dyn Iterator<Item = f64>| v.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), x| (lo.min(x), hi.max(x)));
    let (a_lo, a_hi) = fold(&mut pairs.iter().map(|p| p.0));
    let (b_lo, b_hi) = fold(&mut pairs.iter().map(|p| p.1));
    let ranges_disjoint = n > 0 && (a_hi < b_lo || b_hi < a_lo);
    let distinguishable = ranges_disjoint || (n >= 2 && (a_wins >= win_share_needed || a_wins <= 1.0 - win_share_needed) && p < 0.05);
    Paired { n, mean_diff, sd_diff, t, p, a_wins, ranges_disjoint, distinguishable }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three configurations over four seeds.
    fn scores() -> Vec<Vec<f64>> {
        vec![vec![0.50, 0.52, 0.49, 0.60], vec![0.55, 0.51, 0.50, 0.55], vec![0.70, 0.70, 0.70, 0.70]]
    }

    #[test]
    fn ranks_per_seed() {
        let r = ranks(&scores());
        assert_eq!(r, vec![vec![1, 2, 1, 2], vec![2, 1, 2, 1], vec![3, 3, 3, 3]]);
        // a tie goes to the configuration listed first
        assert_eq!(ranks(&[vec![1.0], vec![1.0]]), vec![vec![1], vec![2]]);
        assert_eq!(ranks(&[vec![f64::NAN], vec![1.0]]), vec![vec![2], vec![1]]);
    }

    #[test]
    fn win_shares_count_ties_half() {
        let w = pairwise_wins(&scores());
        assert_eq!(w[0][1], 0.5);
        assert_eq!(w[0][2], 1.0);
        assert_eq!(w[2][0], 0.0);
        assert_eq!(w[1][1], 0.5);
        assert_eq!(win_share(&[1.0, 2.0, 3.0], &[1.0, 3.0, 2.0]), 0.5);
    }

    #[test]
    fn winners_and_changes() {
        let w = winners(&scores());
        assert_eq!(w.per_seed, vec![0, 1, 0, 1]);
        assert_eq!(w.wins, vec![2, 2, 0]);
        assert_eq!(w.modal, 0, "a tie in wins goes to the one listed first");
        assert_eq!(w.changes, 2);
        assert_eq!(w.switches, 3);
    }

    #[test]
    fn paired_comparisons() {
        // a: 1, 2, 3; b: 2, 4, 3 → d = 1, 2, 0: mean 1, sd 1, t = √3 with 2 df
        let p = paired(&[1.0, 2.0, 3.0], &[2.0, 4.0, 3.0], 0.9);
        assert_eq!((p.n, p.mean_diff, p.sd_diff), (3, 1.0, 1.0));
        assert!((p.t - 3f64.sqrt()).abs() < 1e-12);
        // two-sided p for t = √3, 2 df: 1 − √(3/5)·… = 0.2254 (t tables / scipy: 0.22540)
        assert!((p.p - 0.225_403).abs() < 1e-5, "{}", p.p);
        assert_eq!(p.a_wins, 5.0 / 6.0);
        assert!(!p.ranges_disjoint && !p.distinguishable);
        // deterministic models: constant differences are distinguishable, equal ones are not
        let d = paired(&[0.5; 3], &[0.6; 3], 0.9);
        assert!(d.distinguishable && d.ranges_disjoint && d.t == f64::INFINITY && d.p == 0.0);
        let e = paired(&[0.5; 3], &[0.5; 3], 0.9);
        assert!(!e.distinguishable && e.t == 0.0 && e.p == 1.0);
        // overlapping ranges, but a wins every seed clearly
        let a = [0.50, 0.60, 0.55, 0.58];
        let b = [0.52, 0.63, 0.57, 0.61];
        let q = paired(&a, &b, 0.9);
        assert!(!q.ranges_disjoint && q.a_wins == 1.0 && q.p < 0.05 && q.distinguishable);
    }
}
