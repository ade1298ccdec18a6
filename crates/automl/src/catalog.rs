//! This crate's own models as catalog entries: the sparsity hurdle (`GBDT-Hurdle`,
//! searchable by boosting rounds; `GBDT-Hurdle-Logit` with the logistic-regression
//! classifier) and the per-class choice between it and Tweedie (`GBDT-SparsityChoice`).

use tsforge_core::model::ModelError;
use tsforge_core::registry::{NoParams, typed_params};
use tsforge_core::{BuildSpec, DataNeeds, Forecaster, ModelEntry, SearchResource};
use tsforge_gbdt::catalog::take_train_days;

use crate::bundle::HURDLE_FORMAT;
use crate::hurdle::{Classifier, HurdleForecaster};
use crate::sparsity_choice::SparsityChoice;

pub const HURDLE: &str = "GBDT-Hurdle";
pub const HURDLE_LOGIT: &str = "GBDT-Hurdle-Logit";
pub const CHOICE: &str = "GBDT-SparsityChoice";

pub fn catalog() -> Vec<ModelEntry> {
    vec![
        // on any panel too (features from the season, level-scaled series)
        ModelEntry::new(HURDLE, "gbdt", build_hurdle).seeded().needs(DataNeeds::NOTHING).searchable(SearchResource::Rounds).in_default_run().restorable(HURDLE_FORMAT, crate::hurdle::restore),
        // the classifier baseline, slow to fit (linfa's solver on every training row): by name only
        ModelEntry::new(HURDLE_LOGIT, "gbdt", |spec: &BuildSpec<'_>| {
            typed_params::<NoParams>(spec.params)?;
            let mut h = HurdleForecaster::logistic(spec.horizon)?;
            h.alias = spec.alias.to_string();
            Ok(Box::new(h) as Box<dyn Forecaster>)
        })
        .seeded()
        .needs(DataNeeds::M5)
        .restorable(HURDLE_FORMAT, crate::hurdle::restore),
        ModelEntry::new(CHOICE, "gbdt", |spec: &BuildSpec<'_>| {
            typed_params::<NoParams>(spec.params)?;
            let mut c = SparsityChoice::new(spec.horizon)?;
            c.alias = spec.alias.to_string();
            Ok(Box::new(c) as Box<dyn Forecaster>)
        })
        .seeded()
        .needs(DataNeeds::M5)
        .in_default_run(),
    ]
}

/// The GBDT hurdle with a trial's keys: `train_days`, and booster keys applied to the
/// size model and to the classifier (which keeps its binary objective).
fn build_hurdle(spec: &BuildSpec<'_>) -> Result<Box<dyn Forecaster>, ModelError> {
    let mut h = HurdleForecaster::gbdt(spec.horizon)?;
    if !spec.retail {
        h = h.for_any_panel(spec.season)?;
    }
    h.alias = spec.alias.to_string();
    let mut rest = spec.params.clone();
    if let Some(d) = take_train_days(&mut rest)? {
        h.train_days = d;
    }
    h.size_params = h.size_params.with_overrides(&rest)?;
    if let Classifier::Gbdt(p) = &mut h.classifier {
        let mut keys = rest.clone();
        keys.remove("objective");
        keys.remove("tweedie_variance_power");
        **p = p.with_overrides(&keys)?;
    }
    Ok(Box::new(h))
}
