//! Which models a run can fit, by name: the statistical catalog, then the global
//! GBDT models (direct and recursive Tweedie, optionally one per store / store×cat /
//! store×dept; the sparsity hurdle with a GBDT or logistic classifier; the per-class
//! choice between hurdle and Tweedie); and, by name, the neural families.

use tsforge_automl::{HurdleForecaster, SparsityChoice};
use tsforge_core::Forecaster;
use tsforge_features::Strategy;
use tsforge_gbdt::{Partition, PartitionedGbdt};
use tsforge_neural::NeuralForecaster;
use tsforge_stats::catalog::{self, CatalogOptions};

use crate::exit::usage;
use crate::recipe::GbdtSettings;

const DIRECT: &str = "GBDT-Tweedie-direct";
const RECURSIVE: &str = "GBDT-Tweedie-recursive";
const HURDLE: &str = "GBDT-Hurdle";
const HURDLE_LOGIT: &str = "GBDT-Hurdle-Logit";
const CHOICE: &str = "GBDT-SparsityChoice";

/// Every GBDT model by its unpartitioned name.
const GBDT: [&str; 5] = [DIRECT, RECURSIVE, HURDLE, HURDLE_LOGIT, CHOICE];

/// The GBDT models a default run fits (on M5 data), before the recipe's partition.
/// The logistic-classifier hurdle is the classifier baseline, slow to fit (linfa's
/// solver on every training row): run it by name.
const DEFAULT_GBDT: [&str; 4] = [DIRECT, RECURSIVE, HURDLE, CHOICE];

/// Neural families (crate `neural`), run by name (`recipes/neural.toml`): not in the
/// default run yet, their scores still move a lot with the seed on m5-tiny.
const NEURAL: [&str; 7] = ["CNN-LeNet", "CNN-VGG", "ResNet1D", "Inception1D", "LSTM", "GRU", "TCN"];

/// Every name `--models` accepts: the catalog, the GBDT models, the partitioned
/// variants of the direct and recursive models (`GBDT-Tweedie-direct-by-store`, …)
/// and the neural families.
pub fn names() -> Vec<String> {
    let mut out: Vec<String> = catalog::names().into_iter().map(String::from).collect();
    out.extend(GBDT.iter().map(|s| s.to_string()));
    for base in [DIRECT, RECURSIVE] {
        for p in &Partition::ALL[1..] {
            out.push(format!("{base}{}", p.alias_suffix()));
        }
    }
    for s in NEURAL {
        for variant in ["", COVARIATES] {
            out.push(format!("{s}{variant}"));
            out.push(format!("{s}{variant}{FINE_TUNED}"));
        }
    }
    out
}

/// Suffix of a neural family fed every covariate: SNAP/event and relative price
/// channels, embeddings of item, dept, cat, store and state.
const COVARIATES: &str = "-cov";

/// Suffix of a neural family fine-tuned per store: one global net, then a copy per store
/// with its first block frozen, fine-tuned on that store's series (transfer learning).
const FINE_TUNED: &str = "-FT-store";

/// The models of a default run: the catalog and the GBDT models, whose direct and
/// recursive members take the recipe's partition.
pub fn default_names(g: &GbdtSettings) -> Vec<String> {
    let suffix = g.partition.unwrap_or_default().alias_suffix();
    let mut out: Vec<String> = catalog::names().into_iter().map(String::from).collect();
    out.extend(DEFAULT_GBDT.iter().map(|&m| if m == DIRECT || m == RECURSIVE { format!("{m}{suffix}") } else { m.to_string() }));
    out
}

/// Whether a model makes random choices (its seed goes on the leaderboard).
pub fn uses_seed(name: &str) -> bool {
    needs_m5(name) || NEURAL.iter().any(|n| name.starts_with(n))
}

/// Whether a model needs M5 data (hierarchy ids, calendar): the GBDT family does.
pub fn needs_m5(name: &str) -> bool {
    name.starts_with("GBDT-")
}

/// Builds one model by name.
pub fn build(name: &str, opts: &CatalogOptions, g: &GbdtSettings, horizon: usize, seed: u64) -> anyhow::Result<Box<dyn Forecaster>> {
    let fail = |e: tsforge_core::model::ModelError| anyhow::anyhow!("{name}: {e}");
    if let Some(model) = catalog::build(name, opts) {
        return Ok(Box::new(model));
    }
    if let Some(model) = neural_model(name, horizon, seed) {
        return Ok(Box::new(model));
    }
    match name {
        HURDLE => Ok(Box::new(HurdleForecaster::gbdt(horizon, seed).map_err(fail)?)),
        HURDLE_LOGIT => Ok(Box::new(HurdleForecaster::logistic(horizon, seed).map_err(fail)?)),
        CHOICE => Ok(Box::new(SparsityChoice::new(horizon, seed).map_err(fail)?)),
        _ => {
            for (base, recursive) in [(DIRECT, false), (RECURSIVE, true)] {
                for p in Partition::ALL {
                    if name == format!("{base}{}", p.alias_suffix()) {
                        let model = if recursive { PartitionedGbdt::tweedie_recursive(horizon, seed) } else { PartitionedGbdt::tweedie_direct(horizon, seed) };
                        return Ok(Box::new(with_settings(model.map_err(fail)?.partitioned(p), g, horizon)?));
                    }
                }
            }
            Err(usage(format!("unknown model '{name}'")))
        }
    }
}

/// A neural model name split into its family and its suffixes: `(family, -cov, -FT-store)`.
fn neural_variant(name: &str) -> Option<(&'static str, bool, bool)> {
    let (rest, fine_tuned) = name.strip_suffix(FINE_TUNED).map_or((name, false), |r| (r, true));
    let (family, covariates) = rest.strip_suffix(COVARIATES).map_or((rest, false), |r| (r, true));
    NEURAL.iter().find(|&&f| f == family).map(|&f| (f, covariates, fine_tuned))
}

/// A neural model by name: a family with its `-cov` and `-FT-store` suffixes applied.
fn neural_model(name: &str, horizon: usize, seed: u64) -> Option<NeuralForecaster> {
    let (family, covariates, fine_tuned) = neural_variant(name)?;
    let mut model = neural(family, horizon, seed);
    if covariates {
        model = model.with_covariates().alias_with(format!("{family}{COVARIATES}"));
    }
    if fine_tuned {
        model = model.fine_tuned_by_store(tsforge_neural::FineTune::default());
    }
    Some(model)
}

/// A neural family with its default configuration.
fn neural(name: &str, horizon: usize, seed: u64) -> NeuralForecaster {
    match name {
        "CNN-LeNet" => NeuralForecaster::lenet(horizon, seed),
        "CNN-VGG" => NeuralForecaster::vgg(horizon, seed),
        "ResNet1D" => NeuralForecaster::resnet(horizon, seed),
        "Inception1D" => NeuralForecaster::inception(horizon, seed),
        "LSTM" => NeuralForecaster::lstm(horizon, seed),
        "TCN" => NeuralForecaster::tcn(horizon, seed),
        _ => NeuralForecaster::gru(horizon, seed),
    }
}

/// Models a search can configure: the GBDT Tweedie models (any partition), the GBDT
/// hurdle and the neural families.
pub fn check_searchable(name: &str) -> anyhow::Result<()> {
    let searchable: Vec<String> = names().into_iter().filter(|n| needs_m5(n) && n != CHOICE && n != HURDLE_LOGIT || neural_variant(n).is_some()).collect();
    if searchable.iter().any(|n| n == name) {
        Ok(())
    } else {
        Err(usage(format!("'{name}' cannot be searched; choose from {}", searchable.join(", "))))
    }
}

/// The key a trial's budget resource sets: boosting rounds or epochs.
pub fn resource_key(name: &str) -> &'static str {
    if neural_variant(name).is_some() { "max_epochs" } else { "num_iterations" }
}

/// Builds a searchable model with a trial's configuration under a new alias. GBDT
/// models take LightGBM parameter names plus `strategy` (`direct`/`recursive`) and
/// `train_days`; the hurdle applies booster keys to its classifier and its size model;
/// neural families take their own override keys.
pub fn build_config(name: &str, alias: &str, config: &tsforge_automl::search::Config, g: &GbdtSettings, horizon: usize, seed: u64) -> anyhow::Result<Box<dyn Forecaster>> {
    let fail = |e: tsforge_core::model::ModelError| anyhow::anyhow!("{name}: {e}");
    let mut rest: serde_json::Map<String, serde_json::Value> = config.clone().into_iter().collect();
    if let Some(model) = neural_model(name, horizon, seed) {
        rest.insert("alias".into(), alias.into());
        return Ok(Box::new(model.with_overrides(&rest).map_err(|e| usage(format!("{alias}: {e}")))?));
    }
    let train_days = match rest.remove("train_days") {
        Some(v) => Some(v.as_u64().filter(|&d| d > 0).ok_or_else(|| usage(format!("{alias}: train_days: expected a positive integer, got {v}")))? as usize),
        None => None,
    };
    if name == HURDLE {
        let mut h = HurdleForecaster::gbdt(horizon, seed).map_err(fail)?;
        h.alias = alias.to_string();
        if let Some(d) = train_days {
            h.train_days = d;
        }
        h.size_params = params_json(&rest, h.size_params.clone()).map_err(|e| usage(format!("{alias}: {e}")))?;
        if let tsforge_automl::Classifier::Gbdt(p) = &mut h.classifier {
            // the classifier keeps its binary objective
            let mut keys = rest.clone();
            keys.remove("objective");
            keys.remove("tweedie_variance_power");
            **p = params_json(&keys, (**p).clone()).map_err(|e| usage(format!("{alias}: {e}")))?;
        }
        return Ok(Box::new(h));
    }
    let recursive = match rest.remove("strategy") {
        None => name.starts_with(RECURSIVE),
        Some(serde_json::Value::String(s)) if s == "direct" => false,
        Some(serde_json::Value::String(s)) if s == "recursive" => true,
        Some(v) => return Err(usage(format!("{alias}: strategy: expected \"direct\" or \"recursive\", got {v}"))),
    };
    let partition = Partition::ALL.into_iter().find(|p| name.ends_with(p.alias_suffix()) && !p.alias_suffix().is_empty()).unwrap_or_default();
    let model = if recursive { PartitionedGbdt::tweedie_recursive(horizon, seed) } else { PartitionedGbdt::tweedie_direct(horizon, seed) };
    let mut model = with_settings(model.map_err(fail)?.partitioned(partition), g, horizon)?;
    model.alias = alias.to_string();
    if let Some(d) = train_days {
        model.train_days = d;
    }
    model.params = params_json(&rest, model.params.clone()).map_err(|e| usage(format!("{alias}: {e}")))?;
    Ok(Box::new(model))
}

/// `base` with the keys of a JSON object replaced, checked by `validate()`.
pub(crate) fn params_json(keys: &serde_json::Map<String, serde_json::Value>, base: tsforge_gbdt::GbdtParams) -> anyhow::Result<tsforge_gbdt::GbdtParams> {
    let mut merged = serde_json::to_value(&base)?;
    if let Some(m) = merged.as_object_mut() {
        for (k, v) in keys {
            if !m.contains_key(k) {
                anyhow::bail!("unknown hyperparameter '{k}'");
            }
            m.insert(k.clone(), v.clone());
        }
    }
    let params: tsforge_gbdt::GbdtParams = serde_json::from_value(merged).map_err(|e| anyhow::anyhow!("{e}"))?;
    params.validate()?;
    Ok(params)
}

/// Applies the recipe's `[gbdt]` section: training days, booster parameters, and the
/// feature spec to the model whose strategy it declares.
fn with_settings(mut model: PartitionedGbdt, g: &GbdtSettings, horizon: usize) -> anyhow::Result<PartitionedGbdt> {
    if let Some(days) = g.train_days {
        model.train_days = days;
    }
    if let Some(f) = &g.features {
        if let Strategy::Direct { horizon: h } = f.strategy
            && h != horizon
        {
            return Err(usage(format!("gbdt.features: strategy horizon {h} differs from the run's horizon {horizon}")));
        }
        if (f.strategy == Strategy::Recursive) == model.is_recursive() {
            model.features = f.clone();
        }
    }
    if let Some(p) = &g.params {
        model.params = crate::recipe::gbdt_params(p, model.params.clone()).map_err(|e| usage(format!("gbdt.params: {e}")))?;
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_builds_and_keeps_its_alias() {
        let opts = CatalogOptions { season: 7, trim_leading_zeros: true };
        let g = GbdtSettings::default();
        for n in names() {
            let m = build(&n, &opts, &g, 28, 0).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(m.alias(), n);
        }
        assert!(build("Prophet", &opts, &g, 28, 0).is_err());
    }

    #[test]
    fn partition_renames_the_default_direct_and_recursive_models() {
        let g = GbdtSettings { partition: Some(Partition::Store), ..Default::default() };
        let d = default_names(&g);
        assert!(d.contains(&"GBDT-Tweedie-direct-by-store".to_string()));
        assert!(d.contains(&"GBDT-Tweedie-recursive-by-store".to_string()));
        assert!(d.contains(&"GBDT-Hurdle".to_string()));
        assert!(!d.contains(&"GBDT-Tweedie-direct".to_string()));
    }

    #[test]
    fn neural_variants_are_searchable_by_epochs() {
        for name in ["CNN-LeNet-cov", "TCN", "GRU-cov-FT-store"] {
            assert!(check_searchable(name).is_ok(), "{name}");
            assert_eq!(resource_key(name), "max_epochs");
        }
        assert!(check_searchable("TCN-cov-FT").is_err());
        let config: tsforge_automl::search::Config = [("learning_rate".to_string(), serde_json::json!(0.01))].into_iter().collect();
        let m = build_config("TCN-cov", "tcn-t3", &config, &GbdtSettings::default(), 28, 0).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.alias(), "tcn-t3");
    }
}
