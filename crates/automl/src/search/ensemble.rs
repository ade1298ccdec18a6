//! Caruana's greedy ensemble selection (Caruana, Niculescu-Mizil, Crew & Ksikes 2004).

use super::SearchError;

/// The selected ensemble.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Ensemble {
    /// Weight of each candidate (counts / total; sums to 1).
    pub weights: Vec<f64>,
    /// How many times each candidate was picked up to the best round.
    pub counts: Vec<usize>,
    /// The loss of the weighted average at the best round.
    pub loss: f64,
    /// The loss after each round that ran (round 1 first).
    pub path: Vec<f64>,
}

fn check_lengths(what: &str, forecasts: &[&[f64]]) -> Result<usize, SearchError> {
    let Some(first) = forecasts.first() else {
        return Err(SearchError::NoCandidates { what: what.to_string() });
    };
    let n = first.len();
    for (index, f) in forecasts.iter().enumerate() {
        if f.len() != n {
            return Err(SearchError::Length { what: format!("{what}: forecast"), index, expected: n, got: f.len() });
        }
    }
    Ok(n)
}

/// Greedy forward selection with replacement. `candidates`: each a flat forecast (same
/// length); `loss`: lower is better. Starts empty; each round adds (with replacement) the
/// candidate whose inclusion gives the lowest loss of the average (ties: lower index); runs
/// `rounds` rounds (at least one) and returns the weights of the best round seen (ties: the
/// earlier round), so it never ends worse than the best single candidate. Candidates whose
/// inclusion gives a non-finite loss are skipped; selection stops early if none is finite.
///
/// Errors: no candidates, lengths differ, or no candidate has a finite loss.
#[allow(clippy::cast_precision_loss)]
pub fn caruana(candidates: &[&[f64]], rounds: usize, loss: &dyn Fn(&[f64]) -> f64) -> Result<Ensemble, SearchError> {
    let n = check_lengths("ensemble", candidates)?;
    let mut sum = vec![0.0; n];
    let mut counts = vec![0usize; candidates.len()];
    let mut trial = vec![0.0; n];
    let mut path = Vec::with_capacity(rounds.max(1));
    let mut best: Option<(f64, Vec<usize>)> = None;
    for round in 1..=rounds.max(1) {
        let size = round as f64;
        let mut pick: Option<(usize, f64)> = None;
        for (i, c) in candidates.iter().enumerate() {
            for ((t, s), x) in trial.iter_mut().zip(&sum).zip(c.iter()) {
                *t = (s + x) / size;
            }
            let l = loss(&trial);
            if l.is_finite() && pick.is_none_or(|(_, pl)| l < pl) {
                pick = Some((i, l));
            }
        }
        let Some((i, l)) = pick else { break };
        for (s, x) in sum.iter_mut().zip(candidates[i].iter()) {
            *s += x;
        }
        counts[i] += 1;
        path.push(l);
        if best.as_ref().is_none_or(|(bl, _)| l < *bl) {
            best = Some((l, counts.clone()));
        }
    }
    let Some((loss, counts)) = best else { return Err(SearchError::NoFiniteLoss) };
    let total: usize = counts.iter().sum();
    let weights = counts.iter().map(|&c| c as f64 / total as f64).collect();
    Ok(Ensemble { weights, counts, loss, path })
}

/// How the final blend is chosen from the candidates' backtest forecasts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EnsembleMethod {
    /// Caruana's greedy selection with replacement, weights as picked.
    #[default]
    Caruana,
    /// Equal weights on the `top_k` candidates with the best backtest scores.
    TopK,
    /// Caruana's weights shrunk toward `top_k`'s equal weights by `shrinkage`.
    Shrunk,
    /// Non-negative linear stacking on the backtest metric (see [`super::stacking`]).
    Stack,
    /// The method of the others with the best held-out score when each is fitted on all
    /// backtest windows but one and scored on that one ([`super::cross_fit`]); `top_k`
    /// with a single window.
    Auto,
}

impl EnsembleMethod {
    pub const ALL: [EnsembleMethod; 5] = [EnsembleMethod::Caruana, EnsembleMethod::TopK, EnsembleMethod::Shrunk, EnsembleMethod::Stack, EnsembleMethod::Auto];

    pub fn name(self) -> &'static str {
        match self {
            EnsembleMethod::Caruana => "caruana",
            EnsembleMethod::TopK => "top_k",
            EnsembleMethod::Shrunk => "shrunk",
            EnsembleMethod::Stack => "stack",
            EnsembleMethod::Auto => "auto",
        }
    }
}

/// The settings of `ensemble_weights` (in `ensemble_choice`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EnsembleRule {
    pub method: EnsembleMethod,
    /// Caruana's selection rounds.
    pub rounds: usize,
    /// Candidates averaged by `top_k` (and by the target of `shrunk`).
    pub top_k: usize,
    /// Share of the equal top-k weights in `shrunk` (0: Caruana's, 1: top-k's).
    pub shrinkage: f64,
}

/// Equal weights on the `k` candidates with the lowest finite scores (ties: lower index).
pub fn top_k_weights(scores: &[f64], k: usize) -> Vec<f64> {
    let mut order: Vec<usize> = (0..scores.len()).filter(|&i| scores[i].is_finite()).collect();
    order.sort_by(|&a, &b| scores[a].total_cmp(&scores[b]).then(a.cmp(&b)));
    order.truncate(k.max(1));
    let mut w = vec![0.0; scores.len()];
    for &i in &order {
        w[i] = 1.0 / order.len() as f64;
    }
    w
}

/// Blends forecasts with the weights: Σ wᵢ·fᵢ per position. Errors when there are no
/// forecasts, lengths differ, the number of weights differs, or a weight is negative or not finite.
pub fn blend(forecasts: &[&[f64]], weights: &[f64]) -> Result<Vec<f64>, SearchError> {
    let n = check_lengths("blend", forecasts)?;
    if weights.len() != forecasts.len() {
        return Err(SearchError::Length { what: "blend: weights for forecast".to_string(), index: 0, expected: forecasts.len(), got: weights.len() });
    }
    if let Some((index, &value)) = weights.iter().enumerate().find(|(_, w)| !(w.is_finite() && **w >= 0.0)) {
        return Err(SearchError::Weight { index, value });
    }
    let mut out = vec![0.0; n];
    for (f, &w) in forecasts.iter().zip(weights) {
        if w == 0.0 {
            continue;
        }
        for (o, x) in out.iter_mut().zip(f.iter()) {
            *o += w * x;
        }
    }
    Ok(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    fn mse_to(truth: &[f64]) -> impl Fn(&[f64]) -> f64 + '_ {
        move |f: &[f64]| f.iter().zip(truth).map(|(x, y)| (x - y).powi(2)).sum::<f64>() / truth.len() as f64
    }

    #[test]
    fn picks_the_better_of_two() {
        let truth = [1.0, 2.0, 3.0, 4.0];
        let good = [1.1, 2.1, 3.1, 4.1];
        let bad = [2.0, 3.0, 4.0, 5.0];
        let e = caruana(&[&bad, &good], 5, &mse_to(&truth)).unwrap();
        assert_eq!(e.weights, vec![0.0, 1.0]);
        assert_eq!(e.counts, vec![0, 1]);
        assert!((e.loss - 0.01).abs() < 1e-12);
        assert_eq!(e.path.len(), 5);
    }

    #[test]
    fn complementary_errors_cancel_with_equal_weights() {
        let truth: Vec<f64> = (0..28).map(|t| f64::from(t % 7) + 1.0).collect();
        let err: Vec<f64> = (0..28).map(|t| 0.3 + 0.1 * f64::from(t % 3)).collect();
        let up: Vec<f64> = truth.iter().zip(&err).map(|(y, e)| y + e).collect();
        let down: Vec<f64> = truth.iter().zip(&err).map(|(y, e)| y - e).collect();
        let e = caruana(&[&up, &down], 10, &mse_to(&truth)).unwrap();
        assert_eq!(e.weights, vec![0.5, 0.5]);
        assert!(e.loss < 1e-20, "{}", e.loss);
        let blended = blend(&[&up, &down], &e.weights).unwrap();
        for (b, y) in blended.iter().zip(&truth) {
            assert!((b - y).abs() < 1e-12);
        }
    }

    #[test]
    fn never_worse_than_the_best_single_and_deterministic() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let mut rng = StdRng::seed_from_u64(11);
        let truth: Vec<f64> = (0..50).map(|_| rng.random::<f64>() * 10.0).collect();
        let cands: Vec<Vec<f64>> = (0..6).map(|k| truth.iter().map(|y| y + f64::from(k) * 0.2 - 0.4 + rng.random::<f64>() * 2.0 - 1.0).collect()).collect();
        let refs: Vec<&[f64]> = cands.iter().map(Vec::as_slice).collect();
        let loss = mse_to(&truth);
        let best_single = refs.iter().map(|c| loss(c)).fold(f64::INFINITY, f64::min);
        let e = caruana(&refs, 20, &loss).unwrap();
        assert!(e.loss <= best_single, "{} > {best_single}", e.loss);
        assert!(e.loss < best_single * 0.8, "averaging noisy candidates should help: {} vs {best_single}", e.loss);
        assert!((e.weights.iter().sum::<f64>() - 1.0).abs() < 1e-12);
        assert!((loss(&blend(&refs, &e.weights).unwrap()) - e.loss).abs() < 1e-9);
        assert_eq!(e, caruana(&refs, 20, &loss).unwrap());
        assert_eq!(e.path[0], best_single);
    }

    #[test]
    fn top_k_weights_take_the_lowest_finite_scores() {
        assert_eq!(top_k_weights(&[0.9, 0.5, f64::NAN, 0.7, 0.5], 3), vec![0.0, 1.0 / 3.0, 0.0, 1.0 / 3.0, 1.0 / 3.0]);
    }

    #[test]
    fn skips_non_finite_losses_and_rejects_bad_input() {
        let truth = [1.0, 2.0];
        let nan = [f64::NAN, 2.0];
        let ok = [1.5, 2.0];
        let e = caruana(&[&nan, &ok], 3, &mse_to(&truth)).unwrap();
        assert_eq!(e.weights, vec![0.0, 1.0]);
        assert_eq!(caruana(&[&nan], 3, &mse_to(&truth)), Err(SearchError::NoFiniteLoss));
        assert!(matches!(caruana(&[], 3, &mse_to(&truth)), Err(SearchError::NoCandidates { .. })));
        let short = [1.0];
        let err = caruana(&[&ok, &short], 3, &mse_to(&truth)).unwrap_err();
        assert_eq!(err, SearchError::Length { what: "ensemble: forecast".into(), index: 1, expected: 2, got: 1 });
        assert_eq!(err.to_string(), "ensemble: forecast 1 has 1 values, expected 2");
        assert!(blend(&[&ok, &short], &[0.5, 0.5]).is_err());
        assert!(blend(&[&ok], &[0.5, 0.5]).is_err());
        assert!(matches!(blend(&[&ok], &[f64::NAN]), Err(SearchError::Weight { index: 0, .. })));
        assert_eq!(blend(&[&ok, &truth], &[0.25, 0.75]).unwrap(), vec![1.125, 2.0]);
    }
}
