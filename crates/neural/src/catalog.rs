//! The neural models as catalog entries: every family of
//! [`NeuralForecaster::FAMILIES`] under its leaderboard alias (`CNN-LeNet`, …), with
//! every covariate (`-cov`: SNAP/event and relative-price channels, embeddings of the
//! five hierarchy ids) and fine-tuned per store (`-FT-store`, which needs the store ids).
//! Searched by epochs; hyperparameters are the keys of
//! [`NeuralForecaster::with_overrides`].

use tsforge_core::model::ModelError;
use tsforge_core::{BuildSpec, DataNeeds, Forecaster, ModelEntry, SearchResource};

use crate::fine_tune::FineTune;
use crate::forecaster::NeuralForecaster;

/// Alias suffix of a family fed every covariate.
pub const COVARIATES: &str = "-cov";
/// Alias suffix of a family fine-tuned per store (transfer learning).
pub const FINE_TUNED: &str = "-FT-store";

/// Every family in its four variants.
pub fn catalog() -> Vec<ModelEntry> {
    let mut out = Vec::new();
    for (short, make) in NeuralForecaster::FAMILIES {
        let base = make(1).alias;
        for covariates in [false, true] {
            for fine_tuned in [false, true] {
                let alias = format!("{base}{}{}", if covariates { COVARIATES } else { "" }, if fine_tuned { FINE_TUNED } else { "" });
                let needs = DataNeeds { hierarchy: fine_tuned, ..DataNeeds::NOTHING };
                let entry = ModelEntry::new(alias, "neural", move |spec: &BuildSpec<'_>| build(short, covariates, fine_tuned, spec))
                    .seeded()
                    .needs(needs)
                    .searchable(SearchResource::Epochs)
                    .restorable(crate::forecaster::NEURAL_FORMAT, crate::forecaster::restore);
                out.push(entry);
            }
        }
    }
    out
}

/// A family's default model with its variant applied, then the trial's overrides.
fn build(short: &str, covariates: bool, fine_tuned: bool, spec: &BuildSpec<'_>) -> Result<Box<dyn Forecaster>, ModelError> {
    let mut model = NeuralForecaster::family(short, spec.horizon)?;
    if covariates {
        let alias = format!("{}{COVARIATES}", model.alias);
        model = model.with_covariates().alias_with(alias);
    }
    if fine_tuned {
        model = model.fine_tuned_by_store(FineTune::default());
    }
    let mut keys = spec.params.clone();
    keys.insert("alias".into(), spec.alias.into());
    Ok(Box::new(model.with_overrides(&keys)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_variant_builds_under_its_alias() {
        let entries = catalog();
        assert_eq!(entries.len(), 28);
        for e in &entries {
            let m = e.build(&BuildSpec::plain(&e.alias, 28, 7, true)).unwrap_or_else(|err| panic!("{}: {err}", e.alias));
            assert_eq!(m.alias(), e.alias);
            assert_eq!(e.search, Some(SearchResource::Epochs));
        }
        assert!(entries.iter().any(|e| e.alias == "GRU-cov-FT-store" && e.needs.hierarchy));
        let bad: serde_json::Map<String, serde_json::Value> = [("statics".to_string(), serde_json::json!("store,region"))].into_iter().collect();
        let tcn = entries.iter().find(|e| e.alias == "TCN-cov").unwrap_or_else(|| panic!("no TCN-cov"));
        let err = tcn.build(&BuildSpec { params: &bad, ..BuildSpec::plain("tcn-t3", 28, 7, true) }).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("statics") && err.contains("region"), "{err}");
    }
}
