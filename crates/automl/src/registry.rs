//! The model registry: every catalog of the model crates (statistical, GBDT, neural)
//! and this crate's own models, gathered; a run finds, builds and describes models only
//! through it. Extra entries (a model of your own) are added with [`Registry::with`].

use std::collections::BTreeMap;

use serde_json::{Map, Value};
use tsforge_core::{BuildSpec, Forecaster, ModelEntry, SearchResource};

use crate::error::{Result, usage};

/// Every model a run can fit, by alias, in catalog order (the leaderboard's tie-break).
#[derive(Debug, Clone)]
pub struct Registry {
    entries: Vec<ModelEntry>,
}

impl Registry {
    /// The shipped models: the statistical catalog, the GBDT Tweedie models, the hurdle
    /// and the sparsity choice, the neural families.
    pub fn standard() -> Registry {
        let mut entries = tsforge_stats::catalog::catalog();
        entries.extend(tsforge_gbdt::catalog());
        entries.extend(crate::catalog::catalog());
        entries.extend(tsforge_neural::catalog());
        Registry { entries }
    }

    /// This registry with one more model (replacing an entry of the same alias).
    pub fn with(mut self, entry: ModelEntry) -> Registry {
        self.entries.retain(|e| e.alias != entry.alias);
        self.entries.push(entry);
        self
    }

    pub fn get(&self, alias: &str) -> Option<&ModelEntry> {
        self.entries.iter().find(|e| e.alias == alias)
    }

    /// The entry of `alias`, or a usage error listing the known names.
    pub fn entry(&self, alias: &str, what: &str) -> Result<&ModelEntry> {
        self.get(alias).ok_or_else(|| usage(format!("{what}: unknown model '{alias}'; choose from {}", self.names().join(", "))))
    }

    pub fn entries(&self) -> &[ModelEntry] {
        &self.entries
    }

    pub fn names(&self) -> Vec<String> {
        self.entries.iter().map(|e| e.alias.clone()).collect()
    }

    /// The models of a run that names none. An entry that has a variant named
    /// `ALIAS{suffix}` is replaced by it (the `[gbdt] partition` suffix, `-by-store`).
    pub fn default_names(&self, suffix: &str) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| e.default)
            .map(|e| {
                let variant = format!("{}{suffix}", e.alias);
                if !suffix.is_empty() && self.get(&variant).is_some() { variant } else { e.alias.clone() }
            })
            .collect()
    }

    /// Every name must be a known model; the list must not be empty.
    pub fn check_names(&self, models: &[String], what: &str) -> Result<()> {
        if models.is_empty() {
            return Err(usage(format!("{what}: the list is empty; choose from {}", self.names().join(", "))));
        }
        for m in models {
            self.entry(m, what)?;
        }
        Ok(())
    }

    /// The budget a search of `alias` scales, or a usage error naming the searchable models.
    pub fn search_resource(&self, alias: &str) -> Result<SearchResource> {
        match self.get(alias).and_then(|e| e.search) {
            Some(r) => Ok(r),
            None => {
                let searchable: Vec<&str> = self.entries.iter().filter(|e| e.search.is_some()).map(|e| e.alias.as_str()).collect();
                Err(usage(format!("'{alias}' cannot be searched; choose from {}", searchable.join(", "))))
            }
        }
    }

    /// Builds `model` under the leaderboard name `alias` with `params` (a trial's
    /// configuration; empty for a fixed model). Bad hyperparameters are usage errors
    /// naming the alias.
    pub fn build(&self, model: &str, alias: &str, params: &Map<String, Value>, ctx: &BuildContext) -> Result<Box<dyn Forecaster>> {
        let entry = self.entry(model, "models")?;
        let spec = BuildSpec { alias, horizon: ctx.horizon, season: ctx.season, retail: ctx.retail, params, sections: &ctx.sections };
        entry.build(&spec).map_err(|e| usage(format!("{alias}: {e}")))
    }

    /// The saved model `text` (a fitted model's JSON) read back by the entry whose
    /// format its `format` field names.
    pub fn restore(&self, text: &str) -> std::result::Result<Box<dyn tsforge_core::Predictor>, tsforge_core::model::ModelError> {
        let format = saved_format(text).ok_or("not a saved model: no 'format' field")?;
        let saved = self.entries.iter().filter_map(|e| e.saved.as_ref()).find(|s| s.format == format).ok_or_else(|| format!("no model of this tsforge reads the format '{format}'"))?;
        (saved.restore)(text)
    }

    /// Whether models of this entry can be saved and read back.
    pub fn can_save(&self, model: &str) -> bool {
        self.get(model).is_some_and(|e| e.saved.is_some())
    }
}

/// The `format` field of a saved model's JSON (read without parsing the rest).
pub fn saved_format(text: &str) -> Option<String> {
    #[derive(serde::Deserialize)]
    struct Tag {
        format: String,
    }
    serde_json::from_str::<Tag>(text).ok().map(|t| t.format)
}

/// What every model of a run is built with: the data's shape and the recipe's model
/// sections.
#[derive(Debug, Clone)]
pub struct BuildContext {
    pub horizon: usize,
    pub season: usize,
    /// M5 retail data (statistical models start at each series' first sale).
    pub retail: bool,
    /// The recipe's model sections by name (`gbdt`).
    pub sections: Map<String, Value>,
}

impl BuildContext {
    pub fn new(horizon: usize, season: usize, retail: bool, sections: BTreeMap<String, Value>) -> BuildContext {
        BuildContext { horizon, season, retail, sections: sections.into_iter().collect() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_builds_and_keeps_its_alias() {
        let reg = Registry::standard();
        let ctx = BuildContext::new(28, 7, true, BTreeMap::new());
        for n in reg.names() {
            let m = reg.build(&n, &n, &Map::new(), &ctx).unwrap_or_else(|e| panic!("{n}: {e}"));
            assert_eq!(m.alias(), n);
        }
        assert!(reg.build("Prophet", "Prophet", &Map::new(), &ctx).is_err());
        assert!(reg.build("SES", "SES", &[("alpha".to_string(), Value::from(0.3))].into_iter().collect(), &ctx).is_err(), "SES takes no hyperparameters");
    }

    #[test]
    fn the_partition_suffix_renames_the_default_direct_and_recursive_models() {
        let d = Registry::standard().default_names("-by-store");
        assert!(d.contains(&"GBDT-Tweedie-direct-by-store".to_string()));
        assert!(d.contains(&"GBDT-Tweedie-recursive7-by-store".to_string()));
        assert!(d.contains(&"GBDT-Hurdle".to_string()) && d.contains(&"AutoETS".to_string()));
        assert!(!d.contains(&"GBDT-Tweedie-direct".to_string()));
        assert!(!d.iter().any(|n| n.starts_with("CNN-")), "neural families run by name");
    }

    #[test]
    fn search_resources_come_from_the_catalogs() {
        let reg = Registry::standard();
        for name in ["CNN-LeNet-cov", "TCN", "GRU-cov-FT-store"] {
            assert_eq!(reg.search_resource(name).ok(), Some(SearchResource::Epochs), "{name}");
        }
        assert_eq!(reg.search_resource("GBDT-Hurdle").ok(), Some(SearchResource::Rounds));
        assert!(reg.search_resource("TCN-cov-FT").is_err());
        assert!(reg.search_resource("GBDT-SparsityChoice").is_err());
        let config: Map<String, Value> = [("learning_rate".to_string(), serde_json::json!(0.01))].into_iter().collect();
        let m = reg.build("TCN-cov", "tcn-t3", &config, &BuildContext::new(28, 7, true, BTreeMap::new())).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(m.alias(), "tcn-t3");
    }
}
