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
    /// Days of history per series used for training (default 730).
    pub train_days: Option<usize>,
    /// The feature spec of the direct models, replacing the default M5 spec
    /// (`[gbdt.features]`, the keys of `tsforge_features::FeatureSpec`).
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
    let known = crate::run::model_names();
    if models.is_empty() {
        return Err(usage(format!("{what}: the list is empty; choose from {}", known.join(", "))));
    }
    if let Some(m) = models.iter().find(|m| !known.contains(&m.as_str())) {
        return Err(usage(format!("{what}: unknown model '{m}'; choose from {}", known.join(", "))));
    }
    Ok(())
}
