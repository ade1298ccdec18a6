//! Run recipes (TOML): the data, phase, seed and horizon, the fixed models to run, the
//! `[gbdt]` defaults, and the `[search]` (families with hyperparameter spaces, sampler,
//! successive halving, ensemble). Recipes extend each other and take `key=value`
//! overrides (see [`layers`]); every error names the key's dotted path.

pub mod layers;

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use tsforge_core::Phase;
use tsforge_gbdt::GbdtSection;

use crate::error::{Result, usage};
use crate::registry::{BuildContext, Registry};
use crate::search::{EnsembleMethod, EnsembleRule, Halving, SamplerKind, SearchSpace};

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
    /// The fixed models on a long-format panel (`unique_id, ds, y`) in place of `models`,
    /// which then names those for M5 data: general-purpose models for data that is not
    /// retail demand. A recipe layer or override that names `models` without this key
    /// drops an inherited one (see `layers`), so `models` alone means every kind of data.
    pub panel_models: Option<Vec<String>>,
    /// Prediction-interval levels in percent for long-format output (default 80 and 95).
    pub levels: Option<Vec<u8>>,
    /// Column names of long-format data.
    #[serde(default)]
    pub columns: Columns,
    /// Settings of the GBDT models.
    #[serde(default)]
    pub gbdt: GbdtSection,
    /// Wall-clock budget of the whole run (`90s`, `30m`, `1h`); `--time-limit` wins.
    pub time_limit: Option<String>,
    /// Where neural models train: `cpu` (default), `cuda` or `cuda:N` (a build with the
    /// `cuda` feature), `wgpu` (the `wgpu` feature); `--device` wins.
    pub device: Option<String>,
    /// Hyperparameter search and ensembling (absent: only the fixed models run).
    pub search: Option<SearchSettings>,
    /// Reconciled variants of the best models over the M5 hierarchy (absent: none).
    pub reconcile: Option<ReconcileSettings>,
}

/// `[reconcile]`: on M5 data, the best models by backtest score get reconciled
/// variants (`ALIAS-MinT`, `ALIAS-TD`) that combine their bottom-level forecasts with
/// forecasts of the aggregated series of levels 1–11 by `aggregate_model`.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct ReconcileSettings {
    /// The per-series model fitted on every aggregated series (a catalog alias).
    #[serde(default = "default_aggregate_model")]
    pub aggregate_model: String,
    /// How many of the best models (by backtest score) get reconciled variants.
    #[serde(default = "two")]
    pub top: usize,
}

fn default_aggregate_model() -> String {
    "Theta".into()
}

/// `[search]`: which families are searched, how, and how the results are ensembled.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct SearchSettings {
    /// `random`, `halton` (quasi-random) or `tpe`.
    #[serde(default)]
    pub sampler: SamplerKind,
    /// Trials evaluated at once (a rayon pool of this size; the models' own threads share it).
    #[serde(default = "one")]
    pub parallel: usize,
    /// Best trials of each family refitted on all training data and put on the leaderboard.
    #[serde(default = "two")]
    pub refit: usize,
    /// Share of the time limit the search may use; the rest is kept for refits and the ensemble.
    #[serde(default = "search_share")]
    pub search_share: f64,
    /// Rolling backtest windows of the horizon's length every fixed model and trial is
    /// scored on (the last one first); scores are their mean, the ensemble is chosen on all.
    #[serde(default = "one")]
    pub backtest_windows: usize,
    /// The (latest) backtest windows a search trial is scored on: fewer than
    /// `backtest_windows` makes trials cheaper; the refitted best trials are then
    /// backtested on every window like the fixed models (absent: all windows).
    #[serde(default)]
    pub trial_windows: Option<usize>,
    #[serde(default)]
    pub ensemble: EnsembleSettings,
    /// Searched families by name (the name prefixes each trial's alias: `NAME-t3`).
    #[serde(default)]
    pub families: BTreeMap<String, FamilySearch>,
}

fn one() -> usize {
    1
}
fn yes() -> bool {
    true
}
fn two() -> usize {
    2
}
fn search_share() -> f64 {
    0.75
}

/// `[search.ensemble]`: how the ensemble is chosen on the backtest.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct EnsembleSettings {
    pub enabled: bool,
    /// `caruana` (greedy selection with replacement), `top_k` (equal weights on the
    /// `top_k` best by backtest), `shrunk` (Caruana's weights shrunk toward top_k's),
    /// `stack` (non-negative stacking weights fitted to the backtest metric) or `auto`
    /// (of those, the one with the best score on backtest windows its weights were not
    /// fitted on).
    pub method: EnsembleMethod,
    /// Selection rounds (each adds one member, with replacement).
    pub rounds: usize,
    pub top_k: usize,
    /// Share of the equal top-k weights in `shrunk`, in [0, 1].
    pub shrinkage: f64,
}

impl Default for EnsembleSettings {
    fn default() -> Self {
        EnsembleSettings { enabled: true, method: EnsembleMethod::Caruana, rounds: 25, top_k: 3, shrinkage: 0.5 }
    }
}

impl EnsembleSettings {
    /// The rule these settings give.
    pub fn rule(&self) -> EnsembleRule {
        EnsembleRule { method: self.method, rounds: self.rounds, top_k: self.top_k, shrinkage: self.shrinkage }
    }
}

/// `[search.families.NAME]`: one searched model family.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FamilySearch {
    /// `false` leaves the family out (a recipe that extends another cannot delete its keys).
    #[serde(default = "yes")]
    pub enabled: bool,
    /// The model the trials configure (`GBDT-Tweedie-direct`, `GBDT-Hurdle`, `CNN-VGG`, …).
    pub model: String,
    /// Configurations sampled (rung 0 of successive halving).
    pub trials: usize,
    /// Successive halving over the family's budget resource (boosting rounds for GBDT
    /// models, epochs for neural ones); absent: every trial runs once at the model's default.
    pub halving: Option<Halving>,
    /// Hyperparameters: `{ low, high, log?, int? }` ranges, `{ choices = [...] }`, or fixed values.
    #[serde(default)]
    pub space: toml::Table,
}

/// Column names of long-format data, and the covariates the global models read.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Columns {
    pub id: String,
    pub time: String,
    pub target: String,
    /// Constant within a series (store, category, size): numbers as they are, text as
    /// category codes.
    #[serde(rename = "static")]
    pub statics: Vec<String>,
    /// Numeric columns known in advance (a planned promotion): read at the period
    /// forecast; rows after a series' last `y` (with `y` empty) give the forecast periods'.
    pub future: Vec<String>,
    /// Numeric columns known only once observed: read lagged by at least the horizon.
    pub past: Vec<String>,
}

impl Default for Columns {
    fn default() -> Self {
        Columns { id: "unique_id".into(), time: "ds".into(), target: "y".into(), statics: Vec::new(), future: Vec::new(), past: Vec::new() }
    }
}

impl Recipe {
    /// A recipe file (or the built-in quickstart for `None`) with its `extends` chain and
    /// the command line's `key=value` overrides, checked against `registry` (the models
    /// it names, the keys of its search spaces). Returns the merged table too.
    pub fn resolve(path: Option<&Path>, overrides: &[String], registry: &Registry) -> Result<(Recipe, toml::Table)> {
        let label = path.map(|p| p.display().to_string()).unwrap_or_else(|| "quickstart (built in)".into());
        let table = layers::resolve(path, overrides)?;
        let recipe = Recipe::from_table(&table, &label)?;
        recipe.validate(&label, registry)?;
        Ok((recipe, table))
    }

    fn from_table(table: &toml::Table, label: &str) -> Result<Recipe> {
        let value = toml::Value::Table(table.clone());
        serde_path_to_error::deserialize(value).map_err(|e| {
            let path = e.path().to_string();
            let at = if path == "." { String::new() } else { format!(" at {path}") };
            usage(format!("{label}: invalid recipe{at}: {}", e.inner()))
        })
    }

    fn validate(&self, label: &str, registry: &Registry) -> Result<()> {
        if let Some(name) = &self.name {
            crate::names::check_name(&format!("{label}: name"), name)?;
        }
        if let Some(models) = &self.models {
            registry.check_names(models, &format!("{label}: models"))?;
        }
        if let Some(models) = &self.panel_models {
            registry.check_names(models, &format!("{label}: panel_models"))?;
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
        self.gbdt.validate().map_err(|e| usage(format!("{label}: {e}")))?;
        if let Some(t) = &self.time_limit
            && layers::parse_duration(t).is_none()
        {
            return Err(usage(format!("{label}: time_limit: '{t}' is not a duration (e.g. 90s, 30m, 1h; at most 30 days)")));
        }
        if let Some(s) = &self.search {
            s.validate(label, registry, &model_sections(&self.gbdt))?;
        }
        if let Some(r) = &self.reconcile {
            registry.check_names(std::slice::from_ref(&r.aggregate_model), &format!("{label}: reconcile.aggregate_model"))?;
            if r.top == 0 {
                return Err(usage(format!("{label}: reconcile.top: must be at least 1")));
            }
        }
        Ok(())
    }
}

/// A recipe's model sections by name, as the model constructors read them (only the
/// sections that differ from their defaults).
pub fn model_sections(gbdt: &GbdtSection) -> BTreeMap<String, serde_json::Value> {
    let mut out = BTreeMap::new();
    if *gbdt != GbdtSection::default() {
        out.insert("gbdt".to_string(), serde_json::to_value(gbdt).unwrap_or_default());
    }
    out
}

impl SearchSettings {
    fn validate(&self, label: &str, registry: &Registry, sections: &BTreeMap<String, serde_json::Value>) -> Result<()> {
        if self.parallel == 0 {
            return Err(usage(format!("{label}: search.parallel: must be at least 1")));
        }
        if !(self.search_share > 0.0 && self.search_share <= 1.0) {
            return Err(usage(format!("{label}: search.search_share: {} is not in (0, 1]", self.search_share)));
        }
        if self.backtest_windows == 0 {
            return Err(usage(format!("{label}: search.backtest_windows: must be at least 1")));
        }
        if let Some(t) = self.trial_windows
            && !(1..=self.backtest_windows).contains(&t)
        {
            return Err(usage(format!("{label}: search.trial_windows: {t} is not between 1 and search.backtest_windows ({})", self.backtest_windows)));
        }
        if self.ensemble.rounds == 0 {
            return Err(usage(format!("{label}: search.ensemble.rounds: must be at least 1")));
        }
        if self.ensemble.top_k == 0 {
            return Err(usage(format!("{label}: search.ensemble.top_k: must be at least 1")));
        }
        if !(0.0..=1.0).contains(&self.ensemble.shrinkage) {
            return Err(usage(format!("{label}: search.ensemble.shrinkage: {} is not in [0, 1]", self.ensemble.shrinkage)));
        }
        for (name, f) in &self.families {
            crate::names::check_name(&format!("{label}: search.families"), name)?;
            let space = f.space(name).map_err(|e| usage(format!("{label}: {e}")))?;
            let at = format!("{label}: search.families.{name}");
            if f.trials == 0 {
                return Err(usage(format!("{at}.trials: must be at least 1")));
            }
            if let Some(h) = &f.halving {
                h.validate().map_err(|e| usage(format!("{at}.halving: {e}")))?;
            }
            registry.search_resource(&f.model).map_err(|e| usage(format!("{at}.model: {e}")))?;
            // every key must be one the model knows: build it at the middle of the space
            let mid = space.config_at(&vec![0.5; space.dims()]);
            let ctx = BuildContext::new(28, 7, true, sections.clone());
            registry.build(&f.model, &format!("{name}-t0"), &mid.into_iter().collect(), &ctx).map_err(|e| usage(format!("{at}.space: {e}")))?;
        }
        Ok(())
    }
}

impl FamilySearch {
    /// The checked space; errors name `search.families.NAME.space.KEY`.
    pub fn space(&self, name: &str) -> std::result::Result<SearchSpace, crate::search::SearchError> {
        let json = serde_json::to_value(&self.space).unwrap_or(serde_json::Value::Null);
        SearchSpace::from_json(&format!("search.families.{name}.space"), &json)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shipped recipe loads and validates (unknown keys, bad feature specs and
    /// booster parameters would be rejected here).
    #[test]
    fn shipped_recipes_load() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../recipes");
        let load = |p: &Path| Recipe::resolve(Some(p), &[], &Registry::standard()).map(|r| r.0);
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())).flatten() {
            let path = entry.path();
            if path.extension().is_some_and(|e| e == "toml") {
                load(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
                n += 1;
            }
        }
        assert!(n >= 2, "expected the quickstart and gbdt recipes, found {n}");
        let g = load(&dir.join("gbdt.toml")).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(g.gbdt.partition, Some(tsforge_gbdt::Partition::Store));
        assert_eq!(g.gbdt.features.map(|f| f.target_encodings.len()), Some(1));
    }

    #[test]
    fn errors_name_the_dotted_path() {
        let bad = |o: &str| match Recipe::resolve(None, &[o.to_string()], &Registry::standard()) {
            Ok(_) => panic!("{o} accepted"),
            Err(e) => e.to_string(),
        };
        let e = bad("search.families.gbdt.triels=3");
        assert!(e.contains("search.families.gbdt") && e.contains("triels"), "{e}");
        let e = bad("search.families.gbdt.space.learning_rate={ low = 0.5, high = 0.1 }");
        assert!(e.contains("search.families.gbdt.space.learning_rate"), "{e}");
        let e = bad("search.families.gbdt.trials=0");
        assert!(e.contains("search.families.gbdt.trials"), "{e}");
        let e = bad("seed=-1");
        assert!(e.contains("seed"), "{e}");
        let e = bad("time_limit=soon");
        assert!(e.contains("time_limit"), "{e}");
        let e = bad("search.families.gbdt.model=Prophet");
        assert!(e.contains("search.families.gbdt.model"), "{e}");
        let e = bad("search.families.gbdt.space.bogus_knob=3");
        assert!(e.contains("bogus_knob"), "{e}");
    }
}
