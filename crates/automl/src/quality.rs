//! How well predicted probabilities P(y>0) fit observed zero/non-zero outcomes: log loss,
//! Brier score and AUC, next to the log loss of the constant base rate for reference.

use serde::{Deserialize, Serialize};

/// Probabilities are clipped to `[EPS, 1 - EPS]` before the log loss.
const EPS: f64 = 1e-6;

/// Scores of a probability forecast of "y > 0" on `n` rows.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassifierQuality {
    pub n: usize,
    /// Share of rows with y > 0.
    pub positive_share: f64,
    /// Mean negative log likelihood.
    pub log_loss: f64,
    /// Log loss of predicting the positive share everywhere (what "no skill" scores).
    pub base_log_loss: f64,
    /// Mean squared error of the probabilities.
    pub brier: f64,
    /// Area under the ROC curve (ties count half); NaN when only one class occurs.
    pub auc: f64,
}

fn log_loss(p: f64, positive: bool) -> f64 {
    let p = p.clamp(EPS, 1.0 - EPS);
    if positive { -p.ln() } else { -(1.0 - p).ln() }
}

/// Scores `prob` (P(y>0) per row) against `positive` (whether y > 0 on that row).
pub fn classifier_quality(prob: &[f64], positive: &[bool]) -> ClassifierQuality {
    let n = prob.len().min(positive.len());
    if n == 0 {
        return ClassifierQuality { n, positive_share: f64::NAN, log_loss: f64::NAN, base_log_loss: f64::NAN, brier: f64::NAN, auc: f64::NAN };
    }
    let nf = n as f64;
    let n_pos = positive[..n].iter().filter(|&&b| b).count();
    let share = n_pos as f64 / nf;
    let pairs = || prob[..n].iter().zip(&positive[..n]);
    let log = pairs().map(|(&p, &b)| log_loss(p, b)).sum::<f64>() / nf;
    let base = pairs().map(|(_, &b)| log_loss(share, b)).sum::<f64>() / nf;
    let brier = pairs().map(|(&p, &b)| (p - f64::from(u8::from(b))).powi(2)).sum::<f64>() / nf;
    ClassifierQuality { n, positive_share: share, log_loss: log, base_log_loss: base, brier, auc: auc(&prob[..n], &positive[..n], n_pos) }
}

/// Mann-Whitney AUC: the mean rank of the positives among all rows, ties averaged.
fn auc(prob: &[f64], positive: &[bool], n_pos: usize) -> f64 {
    let n_neg = prob.len() - n_pos;
    if n_pos == 0 || n_neg == 0 {
        return f64::NAN;
    }
    let mut order: Vec<usize> = (0..prob.len()).collect();
    order.sort_by(|&a, &b| prob[a].total_cmp(&prob[b]));
    let mut rank_sum = 0.0;
    let mut k = 0;
    while k < order.len() {
        let mut end = k + 1;
        while end < order.len() && prob[order[end]] == prob[order[k]] {
            end += 1;
        }
        // ranks k+1 ..= end share their mean
        let mean_rank = (k + 1 + end) as f64 / 2.0;
        rank_sum += mean_rank * order[k..end].iter().filter(|&&i| positive[i]).count() as f64;
        k = end;
    }
    let (p, q) = (n_pos as f64, n_neg as f64);
    (rank_sum - p * (p + 1.0) / 2.0) / (p * q)
}

impl ClassifierQuality {
    /// One line for a leaderboard note.
    pub fn describe(&self) -> String {
        format!(
            "log loss {:.3} (constant rate {:.3}), Brier {:.3}, AUC {:.3}, {:.0}% of {} rows non-zero",
            self.log_loss,
            self.base_log_loss,
            self.brier,
            self.auc,
            100.0 * self.positive_share,
            self.n
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_scores() {
        let q = classifier_quality(&[0.9, 0.2, 0.6, 0.4], &[true, false, false, true]);
        // pairs (pos, neg): (0.9,0.2) 1, (0.9,0.6) 1, (0.4,0.2) 1, (0.4,0.6) 0 → 3/4
        assert!((q.auc - 0.75).abs() < 1e-12);
        let brier = (0.01 + 0.04 + 0.36 + 0.36) / 4.0;
        assert!((q.brier - brier).abs() < 1e-12);
        let ll = -(0.9f64.ln() + 0.8f64.ln() + 0.4f64.ln() + 0.4f64.ln()) / 4.0;
        assert!((q.log_loss - ll).abs() < 1e-12);
        assert!((q.base_log_loss - 2f64.ln()).abs() < 1e-12);
        // ties count half
        let tie = classifier_quality(&[0.5, 0.5], &[true, false]);
        assert!((tie.auc - 0.5).abs() < 1e-12);
        assert!(classifier_quality(&[0.5], &[true]).auc.is_nan());
    }
}
