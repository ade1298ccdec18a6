//! The sampler trait, the kinds of sampler and uniform random sampling.

use rand::{Rng, SeedableRng, rngs::StdRng};

use super::{Config, HaltonSampler, SearchSpace, TpeSampler};

/// Which sampler a search uses. Serde names: `"random"`, `"halton"`, `"tpe"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum SamplerKind {
    /// Uniform in the unit cube.
    Random,
    /// Randomly shifted Halton sequence (quasi-random, fills the space evenly).
    Halton,
    /// Tree-structured Parzen estimator (Bergstra et al. 2011).
    #[default]
    Tpe,
}

/// Seeded sampler: same seed + same history → same suggestions.
pub trait Sampler: Send {
    /// Next configuration given the finished (config, score) pairs so far (lower score is
    /// better; non-finite = failed).
    fn suggest(&mut self, space: &SearchSpace, history: &[(Config, f64)]) -> Config;
}

/// The default number of random suggestions TPE makes before it models the history.
pub const TPE_STARTUP: usize = 6;

/// A boxed sampler of this kind (TPE with [`TPE_STARTUP`] random start-up suggestions).
pub fn sampler(kind: SamplerKind, seed: u64) -> Box<dyn Sampler> {
    match kind {
        SamplerKind::Random => Box::new(RandomSampler::new(seed)),
        SamplerKind::Halton => Box::new(HaltonSampler::new(seed)),
        SamplerKind::Tpe => Box::new(TpeSampler::new(seed, TPE_STARTUP)),
    }
}

/// Uniform random sampling in the unit cube (StdRng seeded).
#[derive(Debug, Clone)]
pub struct RandomSampler {
    rng: StdRng,
}

impl RandomSampler {
    pub fn new(seed: u64) -> RandomSampler {
        RandomSampler { rng: StdRng::seed_from_u64(seed) }
    }
}

/// `d` uniform draws in [0, 1).
pub(crate) fn uniform_point(rng: &mut StdRng, d: usize) -> Vec<f64> {
    (0..d).map(|_| rng.random::<f64>()).collect()
}

impl Sampler for RandomSampler {
    fn suggest(&mut self, space: &SearchSpace, _history: &[(Config, f64)]) -> Config {
        let u = uniform_point(&mut self.rng, space.dims());
        space.config_at(&u)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
pub(crate) mod tests {
    use super::*;
    use serde_json::json;

    pub(crate) fn mixed_space() -> SearchSpace {
        SearchSpace::from_json(
            "space",
            &json!({
                "lr": { "low": 1e-3, "high": 0.3, "log": true },
                "leaves": { "low": 4, "high": 64, "int": true },
                "frac": { "low": -1.0, "high": 1.0 },
                "strategy": { "choices": ["direct", "recursive", "hybrid"] },
                "objective": "tweedie",
            }),
        )
        .unwrap()
    }

    fn in_bounds(space: &SearchSpace, c: &Config) -> bool {
        space.params.iter().all(|(name, p)| {
            let v = &c[name];
            match p {
                crate::search::Param::Float { low, high, .. } => v.as_f64().is_some_and(|x| x >= *low && x <= *high),
                crate::search::Param::Int { low, high, .. } => v.as_i64().is_some_and(|x| x >= *low && x <= *high),
                crate::search::Param::Choice(cs) => cs.contains(v),
                crate::search::Param::Fixed(f) => f == v,
            }
        })
    }

    /// 40 suggestions of a sampler against a toy objective, feeding history back.
    fn run(kind: SamplerKind, seed: u64, space: &SearchSpace) -> Vec<Config> {
        let mut s = sampler(kind, seed);
        let mut history = Vec::new();
        for i in 0..40 {
            let c = s.suggest(space, &history);
            let score = if i % 7 == 3 { f64::NAN } else { c["frac"].as_f64().unwrap().powi(2) };
            history.push((c, score));
        }
        history.into_iter().map(|(c, _)| c).collect()
    }

    #[test]
    fn samplers_are_seeded_and_stay_in_bounds() {
        let space = mixed_space();
        for kind in [SamplerKind::Random, SamplerKind::Halton, SamplerKind::Tpe] {
            let a = run(kind, 1, &space);
            assert_eq!(a, run(kind, 1, &space), "{kind:?} not deterministic");
            assert_ne!(a, run(kind, 2, &space), "{kind:?} same for two seeds");
            for c in &a {
                assert!(in_bounds(&space, c), "{kind:?} out of bounds: {c:?}");
            }
            // the whole range gets used
            let strategies: std::collections::BTreeSet<_> = a.iter().map(|c| c["strategy"].to_string()).collect();
            assert_eq!(strategies.len(), 3, "{kind:?}");
        }
    }

    #[test]
    fn sampler_kind_serde_names() {
        let names: Vec<String> = [SamplerKind::Random, SamplerKind::Halton, SamplerKind::Tpe].iter().map(|k| serde_json::to_string(k).unwrap()).collect();
        assert_eq!(names, ["\"random\"", "\"halton\"", "\"tpe\""]);
        assert_eq!(serde_json::from_str::<SamplerKind>("\"tpe\"").unwrap(), SamplerKind::default());
        assert!(serde_json::from_str::<SamplerKind>("\"sobol\"").is_err());
    }
}
