//! The GBDT models as catalog entries, and the `[gbdt]` section of a recipe that sets
//! what they train on.
//!
//! Entries: `GBDT-Tweedie-direct` and `GBDT-Tweedie-recursive` (in the default run),
//! and the same per store, store × category and store × department
//! (`GBDT-Tweedie-direct-by-store`, …). Hyperparameters are LightGBM names
//! ([`GbdtParams`]) plus `strategy` (`"direct"`, `"recursive"` or `"recursive7"`: lags of
//! at least 7 days) and `train_days`. On M5 data the models read M5 features (events,
//! SNAP, prices, hierarchy ids); on any other panel the unpartitioned ones read
//! features chosen from the season and horizon, on level-scaled series
//! ([`crate::any_panel`]).

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tsforge_core::model::ModelError;
use tsforge_core::{BuildSpec, DataNeeds, Forecaster, ModelEntry, SearchResource};
use tsforge_features::{FeatureSpec, Strategy};

use crate::any_panel::{any_panel_direct_spec, any_panel_recursive_spec};
use crate::{GbdtParams, Partition, PartitionedGbdt};

/// `GBDT-Tweedie-direct`: one booster predicting every horizon day at once.
pub const DIRECT: &str = "GBDT-Tweedie-direct";
/// `GBDT-Tweedie-recursive`: a one-day booster applied day by day on its own predictions.
pub const RECURSIVE: &str = "GBDT-Tweedie-recursive";
/// `GBDT-Tweedie-recursive7`: the recursive model with lags of at least 7 days.
pub const RECURSIVE7: &str = "GBDT-Tweedie-recursive7";

/// How a Tweedie model uses the target's history.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Direct,
    Recursive,
    /// Recursive with a minimum lag of 7.
    Recursive7,
}

impl Kind {
    fn parse(v: &Value) -> Option<Kind> {
        match v.as_str()? {
            "direct" => Some(Kind::Direct),
            "recursive" => Some(Kind::Recursive),
            "recursive7" => Some(Kind::Recursive7),
            _ => None,
        }
    }

    fn model(self, horizon: usize) -> Result<PartitionedGbdt, ModelError> {
        match self {
            Kind::Direct => PartitionedGbdt::tweedie_direct(horizon),
            Kind::Recursive => PartitionedGbdt::tweedie_recursive(),
            Kind::Recursive7 => PartitionedGbdt::tweedie_recursive7(),
        }
    }

    /// The model on any long-format panel: features from the season and horizon
    /// ([`crate::any_panel`]), every series divided by its level over the last
    /// `max(season, horizon)` periods. `recursive7` keeps its meaning, lags of at least
    /// a week: 7 on daily data (season 7), 1 on weekly and coarser data.
    fn any_panel_model(self, horizon: usize, season: usize) -> Result<PartitionedGbdt, ModelError> {
        let mut model = self.model(horizon)?;
        model.features = match self {
            Kind::Direct => any_panel_direct_spec(horizon, season)?,
            Kind::Recursive => any_panel_recursive_spec(season, 1)?,
            Kind::Recursive7 => any_panel_recursive_spec(season, if season == 7 { 7 } else { 1 })?,
        };
        model.level_window = Some(crate::any_panel::level_window(season, horizon));
        Ok(model)
    }
}

/// `[gbdt]`: what the GBDT models train on and with.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct GbdtSection {
    /// One model per group of series (`none`, `store`, `store_cat`, `store_dept`) for
    /// the direct and recursive Tweedie models of a default run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub partition: Option<Partition>,
    /// Days of history per series used for training (default 730).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub train_days: Option<usize>,
    /// A feature spec replacing the default M5 spec of the Tweedie model with the same
    /// strategy, direct or recursive (`[gbdt.features]`, the keys of `tsforge_features::FeatureSpec`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub features: Option<FeatureSpec>,
    /// Booster hyperparameters overriding the defaults key by key (`[gbdt.params]`,
    /// LightGBM names: `num_iterations`, `learning_rate`, `num_leaves`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub params: Option<Map<String, Value>>,
}

impl GbdtSection {
    /// Every check of the section (errors name the key below `gbdt.`).
    pub fn validate(&self) -> Result<(), String> {
        if self.train_days == Some(0) {
            return Err("gbdt.train_days: must be at least 1".into());
        }
        if let Some(f) = &self.features {
            f.validate().map_err(|e| format!("gbdt.features: {e}"))?;
        }
        if let Some(p) = &self.params {
            GbdtParams::default().with_overrides(p).map_err(|e| format!("gbdt.params: {e}"))?;
        }
        Ok(())
    }

    /// Applies the section to a model: training days, booster parameters, and the
    /// feature spec to the model whose strategy it declares.
    pub fn apply(&self, mut model: PartitionedGbdt, horizon: usize) -> Result<PartitionedGbdt, ModelError> {
        if let Some(days) = self.train_days {
            model.train_days = days;
        }
        if let Some(f) = &self.features {
            if let Strategy::Direct { horizon: h } = f.strategy
                && h != horizon
            {
                return Err(format!("gbdt.features: strategy horizon {h} differs from the run's horizon {horizon}").into());
            }
            if (f.strategy == Strategy::Recursive) == model.is_recursive() {
                model.features = f.clone();
            }
        }
        if let Some(p) = &self.params {
            model.params = model.params.with_overrides(p).map_err(|e| format!("gbdt.params: {e}"))?;
        }
        Ok(model)
    }
}

impl GbdtParams {
    /// These parameters with the keys of a JSON object replaced (LightGBM names), then
    /// checked by [`validate`](GbdtParams::validate). An unknown key is an error naming it.
    pub fn with_overrides(&self, keys: &Map<String, Value>) -> Result<GbdtParams, ModelError> {
        let mut merged = serde_json::to_value(self)?;
        if let Some(m) = merged.as_object_mut() {
            for (k, v) in keys {
                if !m.contains_key(k) {
                    return Err(format!("unknown hyperparameter '{k}'").into());
                }
                m.insert(k.clone(), v.clone());
            }
        }
        let params: GbdtParams = serde_json::from_value(merged)?;
        params.validate()?;
        Ok(params)
    }
}

/// The Tweedie models in every partition, then `Ridge-direct` ([`crate::linear`]) and
/// `RandomForest-direct` ([`crate::forest`]).
pub fn catalog() -> Vec<ModelEntry> {
    let mut out = Vec::new();
    for (base, kind) in [(DIRECT, Kind::Direct), (RECURSIVE, Kind::Recursive), (RECURSIVE7, Kind::Recursive7)] {
        for partition in Partition::ALL {
            // one model for all series runs on any panel; the partitions need M5's stores
            let needs = if partition == Partition::None { DataNeeds::NOTHING } else { DataNeeds::M5 };
            let entry = ModelEntry::new(format!("{base}{}", partition.alias_suffix()), "gbdt", move |spec: &BuildSpec<'_>| build_tweedie(kind, partition, spec))
                .seeded()
                .needs(needs)
                .searchable(SearchResource::Rounds)
                .restorable(crate::grouped::PARTITIONED_FORMAT, crate::grouped::restore);
            // the recursive model with 1-day lags swings from best to worst between adjacent
            // windows (tsforge evaluate, m5-tiny, 8 origins: mean WRMSSE 0.694 against 0.663
            // with lags >= 7): the default run fits the steadier one
            out.push(if partition == Partition::None && kind != Kind::Recursive { entry.in_default_run() } else { entry });
        }
    }
    // the global linear model and random forest on the same feature matrix (not in the
    // default run)
    out.extend(crate::linear::catalog());
    out.extend(crate::forest::catalog());
    out
}

/// A Tweedie model: the recipe's `[gbdt]` section first, then the trial's
/// `strategy`, `train_days` and booster keys.
fn build_tweedie(kind: Kind, partition: Partition, spec: &BuildSpec<'_>) -> Result<Box<dyn Forecaster>, ModelError> {
    let section: GbdtSection = match spec.section("gbdt") {
        Some(v) => serde_json::from_value(v.clone()).map_err(|e| format!("gbdt: {e}"))?,
        None => GbdtSection::default(),
    };
    let mut rest = spec.params.clone();
    let train_days = take_train_days(&mut rest)?;
    let kind = match rest.remove("strategy") {
        None => kind,
        Some(v) => Kind::parse(&v).ok_or_else(|| format!("strategy: expected \"direct\", \"recursive\" or \"recursive7\", got {v}"))?,
    };
    let model = if spec.retail { kind.model(spec.horizon)? } else { kind.any_panel_model(spec.horizon, spec.season)? };
    let mut model = section.apply(model.partitioned(partition), spec.horizon)?;
    model.alias = spec.alias.to_string();
    if let Some(d) = train_days {
        model.train_days = d;
    }
    model.params = model.params.with_overrides(&rest)?;
    Ok(Box::new(model))
}

/// Removes `train_days` from a trial's keys: a positive integer, if present.
pub fn take_train_days(keys: &mut Map<String, Value>) -> Result<Option<usize>, ModelError> {
    match keys.remove("train_days") {
        Some(v) => Ok(Some(v.as_u64().filter(|&d| d > 0).ok_or_else(|| format!("train_days: expected a positive integer, got {v}"))? as usize)),
        None => Ok(None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn every_entry_builds_under_its_alias_and_trials_take_keys() {
        let none = Map::new();
        for e in catalog().into_iter().filter(|e| e.family == "gbdt") {
            let m = e.build(&BuildSpec::plain(&e.alias, 28, 7, true)).unwrap_or_else(|err| panic!("{}: {err}", e.alias));
            assert_eq!(m.alias(), e.alias);
            assert!(e.seeded && e.search == Some(SearchResource::Rounds));
        }
        let keys = map(serde_json::json!({"strategy": "recursive", "num_leaves": 15, "train_days": 100}));
        let spec = BuildSpec { params: &keys, ..BuildSpec::plain("gbdt-t1", 28, 7, true) };
        let entry = catalog().into_iter().find(|e| e.alias == DIRECT).unwrap_or_else(|| panic!("no {DIRECT}"));
        assert_eq!(entry.build(&spec).map(|m| m.alias().to_string()).ok().as_deref(), Some("gbdt-t1"));
        let bad = map(serde_json::json!({"bogus_knob": 3}));
        let e = entry.build(&BuildSpec { params: &bad, sections: &none, ..spec }).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("bogus_knob"), "{e}");
    }

    #[test]
    fn the_section_sets_params_and_rejects_bad_keys() {
        let s: GbdtSection = serde_json::from_value(serde_json::json!({"train_days": 30, "params": {"num_leaves": 7}})).unwrap_or_default();
        assert!(s.validate().is_ok());
        let m = s.apply(PartitionedGbdt::tweedie_direct(28).unwrap_or_else(|e| panic!("{e}")), 28).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((m.train_days, m.params.num_leaves), (30, 7));
        let bad: GbdtSection = serde_json::from_value(serde_json::json!({"params": {"num_leafs": 7}})).unwrap_or_default();
        assert!(bad.validate().err().is_some_and(|e| e.contains("num_leafs")));
    }
}
