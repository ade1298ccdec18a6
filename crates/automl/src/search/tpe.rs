//! Tree-structured Parzen estimator (Bergstra, Bardenet, Bengio & Kégl 2011), independent
//! per dimension, in the unit cube of the search space.

use rand::{Rng, SeedableRng, rngs::StdRng};
use tsforge_core::special::normal_cdf;

use super::sampler::uniform_point;
use super::space::DimKind;
use super::{Config, Sampler, SearchSpace};

/// TPE: after `n_startup` random suggestions (and while no finished trial has a finite
/// score), the finished history is split at the
/// γ = 0.25 quantile of the scores into good (at least one) and bad (the rest, failed trials
/// included); each dimension gets a density l(x) from the good points and g(x) from the bad
/// ones — a Parzen mixture of Gaussians truncated to [0, 1] (bandwidths from the distances
/// to the neighbouring points, clipped, plus a wide prior component) for Float and Int, and
/// smoothed counts (+1 each) for Choice. Of 24 candidates drawn from l, the one maximising
/// l(x)/g(x) is suggested.
#[derive(Debug, Clone)]
pub struct TpeSampler {
    rng: StdRng,
    n_startup: usize,
    /// Suggestions made so far.
    made: usize,
    gamma: f64,
    n_candidates: usize,
}

impl TpeSampler {
    /// `n_startup` random suggestions first (6 by default; fewer for small budgets).
    pub fn new(seed: u64, n_startup: usize) -> TpeSampler {
        TpeSampler { rng: StdRng::seed_from_u64(seed), n_startup, made: 0, gamma: 0.25, n_candidates: 24 }
    }
}

const PRIOR_MU: f64 = 0.5;
const PRIOR_SIGMA: f64 = 1.0;
const PRIOR_WEIGHT: f64 = 1.0;

/// One dimension's density.
#[derive(Debug, Clone)]
enum Density {
    /// Equal-weight mixture of Gaussians truncated to [0, 1]: (mu, sigma, log normaliser).
    Parzen(Vec<(f64, f64, f64)>),
    /// Probabilities of each choice.
    Categorical(Vec<f64>),
}

fn standard_normal(rng: &mut StdRng) -> f64 {
    let u1 = 1.0 - rng.random::<f64>(); // (0, 1]
    let u2 = rng.random::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[allow(clippy::cast_precision_loss)]
fn parzen(points: &[f64]) -> Density {
    // hyperopt's adaptive Parzen estimator: the prior sits among the sorted points
    let mut mus: Vec<f64> = points.iter().copied().chain([PRIOR_MU]).collect();
    mus.sort_by(f64::total_cmp);
    let n = mus.len();
    let min_sigma = PRIOR_SIGMA / (1.0 + n as f64).min(100.0);
    let mut prior_placed = false;
    let components = (0..n)
        .map(|i| {
            let left = if i > 0 { mus[i] - mus[i - 1] } else { f64::NAN };
            let right = if i + 1 < n { mus[i + 1] - mus[i] } else { f64::NAN };
            let gap = match (left.is_nan(), right.is_nan()) {
                (false, false) => left.max(right),
                (true, false) => right,
                (false, true) => left,
                (true, true) => PRIOR_SIGMA,
            };
            let mut sigma = gap.clamp(min_sigma, PRIOR_SIGMA);
            if !prior_placed && mus[i] == PRIOR_MU {
                // the first point at the prior's position is the prior itself: wide
                prior_placed = true;
                sigma = PRIOR_SIGMA;
            }
            let mass = (normal_cdf((1.0 - mus[i]) / sigma) - normal_cdf(-mus[i] / sigma)).max(1e-12);
            (mus[i], sigma, mass.ln())
        })
        .collect();
    Density::Parzen(components)
}

#[allow(clippy::cast_precision_loss)]
fn categorical(indices: &[usize], k: usize) -> Density {
    let mut counts = vec![PRIOR_WEIGHT; k];
    for &i in indices {
        if let Some(c) = counts.get_mut(i) {
            *c += 1.0;
        }
    }
    let total: f64 = counts.iter().sum();
    Density::Categorical(counts.iter().map(|c| c / total).collect())
}

#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
fn cell(u: f64, k: usize) -> usize {
    ((u * k as f64).floor() as usize).min(k.saturating_sub(1))
}

impl Density {
    fn fit(kind: DimKind, values: &[f64]) -> Density {
        match kind {
            DimKind::Continuous => parzen(values),
            DimKind::Categorical(k) => categorical(&values.iter().map(|&u| cell(u, k)).collect::<Vec<_>>(), k),
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn sample(&self, rng: &mut StdRng) -> f64 {
        match self {
            Density::Parzen(components) => {
                let Some(&(mu, sigma, _)) = components.get(rng.random_range(0..components.len().max(1))) else {
                    return rng.random::<f64>();
                };
                for _ in 0..64 {
                    let x = mu + sigma * standard_normal(rng);
                    if (0.0..1.0).contains(&x) {
                        return x;
                    }
                }
                mu.clamp(0.0, 1.0 - 1e-12)
            }
            Density::Categorical(p) => {
                let r = rng.random::<f64>();
                let mut acc = 0.0;
                let k = p.len();
                for (i, pi) in p.iter().enumerate() {
                    acc += pi;
                    if r < acc {
                        return (i as f64 + 0.5) / k as f64;
                    }
                }
                (k as f64 - 0.5) / k as f64
            }
        }
    }

    #[allow(clippy::cast_precision_loss)]
    fn log_pdf(&self, x: f64) -> f64 {
        match self {
            Density::Parzen(components) => {
                let terms: Vec<f64> = components
                    .iter()
                    .map(|&(mu, sigma, log_mass)| {
                        let z = (x - mu) / sigma;
                        -0.5 * z * z - sigma.ln() - 0.5 * (std::f64::consts::TAU).ln() - log_mass
                    })
                    .collect();
                let max = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                if !max.is_finite() {
                    return max;
                }
                let sum: f64 = terms.iter().map(|t| (t - max).exp()).sum();
                max + (sum / components.len() as f64).ln()
            }
            Density::Categorical(p) => p.get(cell(x, p.len())).map_or(f64::NEG_INFINITY, |q| q.ln()),
        }
    }
}

impl Sampler for TpeSampler {
    #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    fn suggest(&mut self, space: &SearchSpace, history: &[(Config, f64)]) -> Config {
        let d = space.dims();
        let observed: Vec<(Vec<f64>, f64)> = history.iter().filter_map(|(c, s)| space.unit_of(c).map(|u| (u, *s))).collect();
        let mut finite: Vec<usize> = (0..observed.len()).filter(|&i| observed[i].1.is_finite()).collect();
        self.made += 1;
        if self.made <= self.n_startup || finite.is_empty() || d == 0 {
            return space.config_at(&uniform_point(&mut self.rng, d));
        }
        finite.sort_by(|&a, &b| observed[a].1.total_cmp(&observed[b].1).then(a.cmp(&b)));
        let n_good = ((self.gamma * finite.len() as f64).ceil() as usize).clamp(1, finite.len());
        let good = &finite[..n_good];
        let bad: Vec<usize> = (0..observed.len()).filter(|i| !good.contains(i)).collect();
        let kinds = space.kinds();
        let models: Vec<(Density, Density)> = kinds
            .iter()
            .enumerate()
            .map(|(j, &kind)| {
                let g: Vec<f64> = good.iter().map(|&i| observed[i].0[j]).collect();
                let b: Vec<f64> = bad.iter().map(|&i| observed[i].0[j]).collect();
                (Density::fit(kind, &g), Density::fit(kind, &b))
            })
            .collect();
        let mut best: Option<(f64, Vec<f64>)> = None;
        for _ in 0..self.n_candidates {
            let x: Vec<f64> = models.iter().map(|(l, _)| l.sample(&mut self.rng)).collect();
            let ratio: f64 = models.iter().zip(&x).map(|((l, g), &xi)| l.log_pdf(xi) - g.log_pdf(xi)).sum();
            let better = match &best {
                None => true,
                Some((r, _)) => ratio > *r,
            };
            if better {
                best = Some((ratio, x));
            }
        }
        match best {
            Some((_, x)) => space.config_at(&x),
            None => space.config_at(&uniform_point(&mut self.rng, d)),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::search::{SamplerKind, sampler};
    use serde_json::json;

    #[test]
    fn parzen_density_integrates_to_one_on_the_unit_interval() {
        let d = parzen(&[0.1, 0.15, 0.9]);
        let n = 10_000;
        let integral: f64 = (0..n).map(|i| d.log_pdf((f64::from(i) + 0.5) / f64::from(n)).exp()).sum::<f64>() / f64::from(n);
        assert!((integral - 1.0).abs() < 1e-3, "{integral}");
        // and puts more mass near the cluster at 0.1
        assert!(d.log_pdf(0.12) > d.log_pdf(0.6));
    }

    fn quadratic(c: &Config) -> f64 {
        let (x, y) = (c["x"].as_f64().unwrap(), c["y"].as_f64().unwrap());
        (x - 1.3).powi(2) + (y + 2.1).powi(2)
    }

    fn best_of(kind: SamplerKind, seed: u64) -> f64 {
        let space = SearchSpace::from_json("s", &json!({"x": {"low": -5.0, "high": 5.0}, "y": {"low": -5.0, "high": 5.0}})).unwrap();
        let mut s = sampler(kind, seed);
        let mut history = Vec::new();
        for _ in 0..30 {
            let c = s.suggest(&space, &history);
            let f = quadratic(&c);
            history.push((c, f));
        }
        history.iter().map(|h| h.1).fold(f64::INFINITY, f64::min)
    }

    #[test]
    fn tpe_beats_random_on_a_quadratic() {
        let mean = |kind| (0..10).map(|seed| best_of(kind, seed)).sum::<f64>() / 10.0;
        let (tpe, random) = (mean(SamplerKind::Tpe), mean(SamplerKind::Random));
        // measured: 0.07 against 1.40
        assert!(tpe < 0.5 * random, "TPE mean best {tpe}, random {random}");
    }

    #[test]
    fn the_first_n_startup_suggestions_are_random_whatever_the_history() {
        let space = crate::search::sampler::tests::mixed_space();
        let (mut tpe, mut random) = (TpeSampler::new(9, 4), crate::search::RandomSampler::new(9));
        let mut history = Vec::new();
        for i in 0..6 {
            let (t, r) = (tpe.suggest(&space, &history), random.suggest(&space, &history));
            assert_eq!(t == r, i < 4, "suggestion {i}");
            history.push((t, f64::from(i)));
            history.push((r, f64::from(i) + 0.5));
        }
    }

    #[test]
    fn tpe_prefers_the_good_choice_and_ignores_failures() {
        let space = SearchSpace::from_json("s", &json!({"c": {"choices": ["a", "b", "c", "d"]}})).unwrap();
        let mut s = TpeSampler::new(3, 2);
        let mut history: Vec<(Config, f64)> = Vec::new();
        let score = |c: &Config| match c["c"].as_str().unwrap() {
            "b" => 0.0,
            "d" => f64::NAN,
            _ => 1.0,
        };
        let mut picks_b = 0;
        for i in 0..40 {
            let c = s.suggest(&space, &history);
            if i >= 20 && c["c"] == json!("b") {
                picks_b += 1;
            }
            let f = score(&c);
            history.push((c, f));
        }
        assert!(picks_b >= 12, "b picked {picks_b} of the last 20");
    }
}
