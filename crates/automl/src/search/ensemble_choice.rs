//! Choosing the ensemble method out of sample: each method's weights are fitted on every
//! backtest window but one and scored on the window left out, in turn. The in-sample
//! backtest score cannot choose: the method with the most freedom (stacking, Caruana)
//! always wins there, and it is the one most likely to have fitted one window's noise.
//! [`ensemble_weights`] applies one method.

use super::SearchError;
use super::ensemble::{EnsembleMethod, EnsembleRule, blend, caruana, top_k_weights};
use super::stacking::stack;

/// The methods `auto` chooses between, simplest first (ties go to the simpler).
pub const CHOICES: [EnsembleMethod; 4] = [EnsembleMethod::TopK, EnsembleMethod::Shrunk, EnsembleMethod::Caruana, EnsembleMethod::Stack];

/// The method chosen and every method's mean held-out score (empty with one window).
#[derive(Debug, Clone, PartialEq)]
pub struct CrossFit {
    pub method: EnsembleMethod,
    pub scores: Vec<(EnsembleMethod, f64)>,
}

/// Cross-fits every method of [`CHOICES`] with `rule`'s settings. `candidates`: flat
/// backtest forecasts over all windows; `window_scores[i]`: candidate i's score on each
/// window; `window_loss`: the score of a flat backtest forecast on each window (`None`
/// when it cannot be scored). Fewer than two windows: `top_k`, no scores.
pub fn cross_fit(rule: &EnsembleRule, candidates: &[&[f64]], window_scores: &[Vec<f64>], window_loss: &dyn Fn(&[f64]) -> Option<Vec<f64>>) -> Result<CrossFit, SearchError> {
    let windows = window_scores.first().map_or(0, Vec::len);
    if windows < 2 || window_scores.iter().any(|w| w.len() != windows) {
        return Ok(CrossFit { method: EnsembleMethod::TopK, scores: Vec::new() });
    }
    let mean_except = |values: &[f64], held: usize| -> f64 {
        let kept: Vec<f64> = values.iter().enumerate().filter(|(k, _)| *k != held).map(|(_, v)| *v).collect();
        kept.iter().sum::<f64>() / kept.len() as f64
    };
    let mut scores = Vec::with_capacity(CHOICES.len());
    for method in CHOICES {
        let mut held_out = 0.0;
        for held in 0..windows {
            let fit_scores: Vec<f64> = window_scores.iter().map(|w| mean_except(w, held)).collect();
            let fit_loss = |v: &[f64]| window_loss(v).map_or(f64::INFINITY, |w| mean_except(&w, held));
            let (weights, _) = ensemble_weights(&EnsembleRule { method, ..*rule }, candidates, &fit_scores, &fit_loss)?;
            held_out += window_loss(&blend(candidates, &weights)?).and_then(|w| w.get(held).copied()).unwrap_or(f64::INFINITY);
        }
        scores.push((method, held_out / windows as f64));
    }
    let method = scores.iter().filter(|(_, s)| s.is_finite()).min_by(|a, b| a.1.total_cmp(&b.1)).map_or(EnsembleMethod::TopK, |(m, _)| *m);
    Ok(CrossFit { method, scores })
}

/// Weights of the candidates by `rule`, from their backtest forecasts (`candidates`),
/// their backtest scores and the backtest loss; with the loss of the blend. `auto` is
/// resolved to a method by [`cross_fit`] first; given here it means `top_k`.
pub fn ensemble_weights(rule: &EnsembleRule, candidates: &[&[f64]], scores: &[f64], loss: &dyn Fn(&[f64]) -> f64) -> Result<(Vec<f64>, f64), SearchError> {
    let weights = match rule.method {
        EnsembleMethod::Caruana => {
            let e = caruana(candidates, rule.rounds, loss)?;
            return Ok((e.weights, e.loss));
        }
        EnsembleMethod::Stack => return stack(candidates, scores, rule.top_k, loss),
        EnsembleMethod::TopK | EnsembleMethod::Auto => top_k_weights(scores, rule.top_k),
        EnsembleMethod::Shrunk => {
            let c = caruana(candidates, rule.rounds, loss)?.weights;
            let t = top_k_weights(scores, rule.top_k);
            let s = rule.shrinkage.clamp(0.0, 1.0);
            c.iter().zip(&t).map(|(a, b)| (1.0 - s) * a + s * b).collect()
        }
    };
    let l = loss(&blend(candidates, &weights)?);
    Ok((weights, l))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    /// Two windows of 10 points each; mean absolute error per window.
    fn window_mae(truth: &[f64]) -> impl Fn(&[f64]) -> Option<Vec<f64>> + '_ {
        move |f: &[f64]| Some((0..2).map(|k| (k * 10..(k + 1) * 10).map(|i| (f[i] - truth[i]).abs()).sum::<f64>() / 10.0).collect())
    }

    #[test]
    fn held_out_scores_match_a_hand_count() {
        // a and b are steady (errors +1 and −1 everywhere), c is perfect on window 0 and
        // 8 too high on window 1
        let truth: Vec<f64> = (0..20).map(|t| t as f64).collect();
        let a: Vec<f64> = truth.iter().map(|x| x + 1.0).collect();
        let b: Vec<f64> = truth.iter().map(|x| x - 1.0).collect();
        let c: Vec<f64> = truth.iter().enumerate().map(|(i, x)| if i < 10 { *x } else { x + 8.0 }).collect();
        let loss = window_mae(&truth);
        let ws: Vec<Vec<f64>> = [&a, &b, &c].iter().map(|f| loss(f).unwrap()).collect();
        let rule = EnsembleRule { method: EnsembleMethod::Auto, rounds: 10, top_k: 2, shrinkage: 0.5 };
        let fit = cross_fit(&rule, &[&a, &b, &c], &ws, &loss).unwrap();
        let score = |m: EnsembleMethod| fit.scores.iter().find(|(x, _)| *x == m).unwrap().1;
        // top 2: fitted on window 1 it takes a + b (0 error on window 0); fitted on window
        // 0 it takes c and a (error on window 1: (8 + 1)/2 = 4.5); mean 2.25
        assert!((score(EnsembleMethod::TopK) - 2.25).abs() < 1e-12, "{fit:?}");
        // Caruana: on window 0 it picks c alone (8 on window 1); on window 1, a then b (0 on window 0)
        assert!((score(EnsembleMethod::Caruana) - 4.0).abs() < 1e-12, "{fit:?}");
        let best = fit.scores.iter().min_by(|x, y| x.1.total_cmp(&y.1)).unwrap().0;
        assert_eq!(fit.method, best);
        assert_eq!(cross_fit(&rule, &[&a, &b, &c], &ws, &loss).unwrap(), fit, "deterministic");
    }

    #[test]
    fn one_window_means_top_k() {
        let a = vec![1.0; 10];
        let loss = |_: &[f64]| Some(vec![1.0]);
        let rule = EnsembleRule { method: EnsembleMethod::Auto, rounds: 10, top_k: 2, shrinkage: 0.5 };
        assert_eq!(cross_fit(&rule, &[&a, &a], &[vec![1.0], vec![1.0]], &loss).unwrap(), CrossFit { method: EnsembleMethod::TopK, scores: Vec::new() });
    }

    #[test]
    fn shrunk_and_top_k_weights() {
        let mse_to = |truth: &'static [f64]| move |f: &[f64]| f.iter().zip(truth).map(|(a, b)| (a - b) * (a - b)).sum::<f64>() / truth.len() as f64;
        const TRUTH: [f64; 4] = [1.0, 2.0, 3.0, 4.0];
        let good = [1.1, 2.1, 3.1, 4.1];
        let bad = [2.0, 3.0, 4.0, 5.0];
        let loss = mse_to(&TRUTH);
        let scores = [loss(&bad), loss(&good)];
        let rule = EnsembleRule { method: EnsembleMethod::Shrunk, rounds: 5, top_k: 2, shrinkage: 0.5 };
        let (w, l) = ensemble_weights(&rule, &[&bad, &good], &scores, &loss).unwrap();
        assert_eq!(w, vec![0.25, 0.75]);
        assert!((l - loss(&blend(&[&bad, &good], &w).unwrap())).abs() < 1e-12);
        let (w, _) = ensemble_weights(&EnsembleRule { method: EnsembleMethod::TopK, ..rule }, &[&bad, &good], &scores, &loss).unwrap();
        assert_eq!(w, vec![0.5, 0.5]);
    }
}
