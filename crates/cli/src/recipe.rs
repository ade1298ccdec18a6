//! Run recipes (TOML). The AutoML issue grows these into full search recipes; today a
//! recipe names the data, phase, seed, horizon and which baselines to run.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tsforge_core::Phase;
use tsforge_features::FeatureSpec;

use crate::exit::usage;

#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// Run name: the default output folder is reports/NAME.
    pub name: Option<String>,
    /// M5 folder, long-format file, or shipped dataset name.
    pub data: Option<String>,
    pub phase: Option<Phase>,
    pub seed: Option<u64>,
    pub horizon: Option<usize>,
    /// Frequency of long-format dates.
    pub freq: Option<String>,
    /// Season length for SeasonalNaive (default: from the frequency, 7 for daily).
    pub season_length: Option<usize>,
    /// Models to run, by statsforecast alias (default: every model in the catalog).
    pub models: Option<Vec<String>>,
    /// Prediction-interval levels in percent for long-format output (default 80 and 95).
    pub levels: Option<Vec<u8>>,
    /// Column names of long-format data.
    #[serde(default)]
    pub columns: Columns,
    /// Settings of the GBDT models.
    #[serde(default)]
    pub gbdt: GbdtSettings,
}

/// `[gbdt]`: what the GBDT models train on and with.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GbdtSettings {
    /// One model per group of series (`none`, `store`, `store_cat`, `store_dept`) for
    /// the direct and recursive Tweedie models of a default run.
    pub partition: Option<tsforge_gbdt::Partition>,
    /// Days of history per series used for training (default 730).
    pub train_days: Option<usize>,
    /// A feature spec replacing the default M5 spec of the Tweedie model with the same
    /// strategy, direct or recursive (`[gbdt.features]`, the keys of `tsforge_features::FeatureSpec`).
    pub features: Option<FeatureSpec>,
    /// Booster hyperparameters overriding the defaults key by key (`[gbdt.params]`,
    /// LightGBM names: `num_iterations`, `learning_rate`, `num_leaves`, …).
    pub params: Option<toml::Table>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Columns {
    pub id: String,
    pub time: String,
    pub target: String,
    #[serde(rename = "static")]
    pub statics: Vec<String>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns { id: "unique_id".into(), time: "ds".into(), target: "y".into(), statics: Vec::new() }
    }
}

impl Recipe {
    pub fn load(path: &Path) -> anyhow::Result<Recipe> {
        let text = std::fs::read_to_string(path).map_err(|e| usage(format!("{}: cannot read recipe: {e}", path.display())))?;
        let recipe: Recipe = toml::from_str(&text).map_err(|e| usage(format!("{}: invalid recipe: {e}", path.display())))?;
        recipe.validate(&path.display().to_string())?;
        Ok(recipe)
    }

    fn validate(&self, label: &str) -> anyhow::Result<()> {
        if let Some(models) = &self.models {
            check_models(models, &format!("{label}: models"))?;
        }
        if self.horizon == Some(0) {
            return Err(usage(format!("{label}: horizon: must be at least 1")));
        }
        if let Some(bad) = self.levels.iter().flatten().find(|l| !(1..=99).contains(*l)) {
            return Err(usage(format!("{label}: levels: {bad} is not a percentage between 1 and 99")));
        }
        if self.season_length == Some(0) {
            return Err(usage(format!("{label}: season_length: must be at least 1")));
        }
        if self.gbdt.train_days == Some(0) {
            return Err(usage(format!("{label}: gbdt.train_days: must be at least 1")));
        }
        if let Some(f) = &self.gbdt.features {
            f.validate().map_err(|e| usage(format!("{label}: gbdt.features: {e}")))?;
        }
        if let Some(p) = &self.gbdt.params {
            gbdt_params(p, tsforge_gbdt::GbdtParams::default()).map_err(|e| usage(format!("{label}: gbdt.params: {e}")))?;
        }
        Ok(())
    }
}

/// `base` with the keys of a `[gbdt.params]` table replaced, checked by `validate()`.
pub fn gbdt_params(table: &toml::Table, base: tsforge_gbdt::GbdtParams) -> anyhow::Result<tsforge_gbdt::GbdtParams> {
    let mut merged = serde_json::to_value(&base)?;
    let overrides = serde_json::to_value(table)?;
    if let (Some(m), Some(o)) = (merged.as_object_mut(), overrides.as_object()) {
        for (k, v) in o {
            if !m.contains_key(k) {
                anyhow::bail!("unknown key '{k}'");
            }
            m.insert(k.clone(), v.clone());
        }
    }
    let params: tsforge_gbdt::GbdtParams = serde_json::from_value(merged)?;
    params.validate()?;
    Ok(params)
}

/// Every name must be a model of the catalog; the list must not be empty.
pub fn check_models(models: &[String], what: &str) -> anyhow::Result<()> {
    let known = crate::models::names();
    if models.is_empty() {
        return Err(usage(format!("{what}: the list is empty; choose from {}", known.join(", "))));
    }
    if let Some(m) = models.iter().find(|m| !known.contains(*m)) {
        return Err(usage(format!("{what}: unknown model '{m}'; choose from {}", known.join(", "))));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shipped recipe loads and validates (unknown keys, bad feature specs and
    /// booster parameters would be rejected here).
    #[test]
    fn shipped_recipes_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../recipes");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                Recipe::load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                n += 1;
            }
        }
        assert!(n >= 2, "expected the quickstart and gbdt recipes, found {n}");
        let g = Recipe::load(&dir.join("gbdt.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(g.gbdt.partition, Some(tsforge_gbdt::Partition::Store));
        assert_eq!(g.gbdt.features.map(|f| f.target_encodings.len()), Some(1));
    }
}
