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
use crate::recipe::{gbdt_params, GbdtSettings};

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
const NEURAL: [&str; 4] = ["CNN-LeNet", "CNN-VGG", "ResNet1D", "Inception1D"];

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
    out.extend(NEURAL.iter().map(|s| s.to_string()));
    out
}

/// The models of a default run: the catalog and the GBDT models, whose direct and
/// recursive members take the recipe's partition.
pub fn default_names(g: &GbdtSettings) -> Vec<String> {
    let suffix = g.partition.unwrap_or_default().alias_suffix();
    let mut out: Vec<String> = catalog::names().into_iter().map(String::from).collect();
    out.extend(DEFAULT_GBDT.iter().map(|&m| if m == DIRECT || m == RECURSIVE { format!("{m}{suffix}") } else { m.to_string() }));
    out
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
    match name {
        HURDLE => Ok(Box::new(HurdleForecaster::gbdt(horizon, seed).map_err(fail)?)),
        HURDLE_LOGIT => Ok(Box::new(HurdleForecaster::logistic(horizon, seed).map_err(fail)?)),
        CHOICE => Ok(Box::new(SparsityChoice::new(horizon, seed).map_err(fail)?)),
        "CNN-LeNet" => Ok(Box::new(NeuralForecaster::lenet(horizon, seed))),
        "CNN-VGG" => Ok(Box::new(NeuralForecaster::vgg(horizon, seed))),
        "ResNet1D" => Ok(Box::new(NeuralForecaster::resnet(horizon, seed))),
        "Inception1D" => Ok(Box::new(NeuralForecaster::inception(horizon, seed))),
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
        model.params = gbdt_params(p, model.params.clone()).map_err(|e| usage(format!("gbdt.params: {e}")))?;
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
}
