//! A global GBDT forecaster over a whole panel: features from a direct-strategy spec
//! (every target feature at least one horizon old), one booster for all series, all
//! horizon days predicted at once.
//!
//! The pieces ([`m5_direct_spec`], [`tweedie_params`], [`recent_rows`],
//! [`importance_of`], [`ModelBundle`]) are public so that other forecasters built on
//! boosters (the hurdle, partitioned and recursive variants) reuse them.

use serde::{Deserialize, Serialize};
use serde_json::json;
use tsforge_core::model::ModelError;
use tsforge_core::{FeatureImportance, FitContext, FittedForecaster, Forecast, Forecaster, Panel, Precomputed};
use tsforge_features::{FeatureSpec, Vocabulary, build_with, forecast_rows};

use crate::{Booster, Dataset, GbdtParams, ImportanceType};

/// Version tag of the saved model bundle layout.
pub const BUNDLE_FORMAT: &str = "tsforge-gbdt-bundle-1";

/// A direct multi-horizon GBDT: trained on the last `train_days` of each series (from
/// its first non-zero sale on), predicting positions `end .. end + horizon` for the
/// fit's horizon (at most the horizon its direct features were built for).
#[derive(Debug, Clone)]
pub struct GbdtForecaster {
    pub alias: String,
    pub features: FeatureSpec,
    pub params: GbdtParams,
    pub train_days: usize,
}

/// M5-style direct-strategy features for daily retail data with horizon `h`: lags and
/// rolling/EWM/intermittency statistics at least `h` days old, calendar, events, SNAP,
/// prices (known in advance) and hierarchy ids.
pub fn m5_direct_spec(h: usize) -> Result<FeatureSpec, ModelError> {
    let h = h.max(1);
    Ok(serde_json::from_value(json!({
        "strategy": {"kind": "direct", "horizon": h},
        "lags": [h, h + 7, h + 14, h + 21, h + 28],
        "rolling": [
            {"stat": "mean", "shift": h, "window": 7},
            {"stat": "mean", "shift": h, "window": 28},
            {"stat": "mean", "shift": h, "window": 56},
            {"stat": "std", "shift": h, "window": 28}
        ],
        "ewm_mean": [{"shift": h, "alpha": 0.1}],
        "intermittency": {"shift": h, "window": 56},
        "calendar": ["day_of_week", "day_of_month", "week_of_year", "month", "weekend"],
        "events": ["event_name_1", "event_type_1", "days_to_event", "days_since_event", "snap"],
        "prices": ["sell_price", "price_norm", "price_rel_mean", "price_change_week", "price_momentum", "price_rank_dept_store"],
        "ids": ["item", "dept", "cat", "store", "state"]
    }))?)
}

/// The Tweedie(1.1) booster settings of the default GBDT (200 trees, 63 leaves, 0.05
/// learning rate, 0.8 bagging and feature fraction). A forecaster's fit replaces the
/// seed with its context's.
pub fn tweedie_params(seed: u64) -> Result<GbdtParams, ModelError> {
    Ok(serde_json::from_value(json!({
        "objective": "tweedie",
        "tweedie_variance_power": 1.1,
        "num_iterations": 200,
        "learning_rate": 0.05,
        "num_leaves": 63,
        "min_data_in_leaf": 50,
        "feature_fraction": 0.8,
        "bagging_fraction": 0.8,
        "bagging_freq": 1,
        "seed": seed
    }))?)
}

/// Training rows: the last `train_days` positions of each series' span, from its first
/// non-zero sale on (days before an item's launch say nothing about its demand).
pub fn recent_rows(panel: &Panel, train_days: usize) -> Vec<(usize, usize)> {
    let t = panel.n_time();
    (0..panel.n_series())
        .flat_map(|i| {
            let (s, e) = panel.spans[i];
            let first_sale = panel.row(i)[s..e].iter().position(|&v| v > 0.0).map_or(e, |k| s + k);
            let from = first_sale.max(t.saturating_sub(train_days));
            (from..e).map(move |p| (i, p))
        })
        .collect()
}

/// The feature spec to use on `panel` for a `horizon`: the panel's covariates added
/// (statics, known-in-advance columns, past-only ones lagged by at least the horizon:
/// [`tsforge_features::covariates::spec_for_panel`]); price features are dropped (with
/// a note) when the panel has no prices, date features when its index is integer periods.
pub fn usable_spec(spec: &FeatureSpec, panel: &Panel, horizon: usize, notes: &mut Vec<String>) -> FeatureSpec {
    let mut spec = tsforge_features::covariates::spec_for_panel(spec, panel, horizon);
    if panel.prices.is_none() && !spec.prices.is_empty() {
        spec.prices.clear();
        notes.push("no prices: price features left out".to_string());
    }
    if tsforge_features::calendar::day_of(&panel.index, 0).is_none() && !spec.calendar.is_empty() {
        spec.calendar.clear();
        notes.push("integer periods, no dates: date features left out".to_string());
    }
    spec
}

/// Gain and split importance of a booster's features, named.
pub fn importance_of(booster: &Booster, names: &[String]) -> Vec<FeatureImportance> {
    let gain = booster.feature_importance(ImportanceType::Gain);
    let splits = booster.feature_importance(ImportanceType::Split);
    names.iter().zip(gain.iter().zip(&splits)).map(|(n, (&g, &s))| FeatureImportance { feature: n.clone(), gain: g, splits: s }).collect()
}

/// "rows × features; gain importance: top five with their share" for a leaderboard note.
pub fn importance_note(n_rows: usize, importance: &[FeatureImportance]) -> String {
    let total: f64 = importance.iter().map(|f| f.gain).sum();
    let mut ranked: Vec<&FeatureImportance> = importance.iter().collect();
    ranked.sort_by(|a, b| b.gain.total_cmp(&a.gain).then(a.feature.cmp(&b.feature)));
    let top: Vec<String> = ranked.iter().take(5).map(|f| format!("{} {:.0}%", f.feature, 100.0 * f.gain / total.max(f64::MIN_POSITIVE))).collect();
    format!("{n_rows} rows × {} features; gain importance: {}", importance.len(), top.join(", "))
}

/// Everything needed to apply a fitted booster to new data: the feature spec as
/// validated for this panel, the vocabulary that coded its categories, the
/// hyperparameters and the trees. Saved as `models/ALIAS.json` by `tsforge run`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelBundle {
    pub format: String,
    pub alias: String,
    pub features: FeatureSpec,
    pub vocabulary: Vocabulary,
    pub params: GbdtParams,
    pub booster: Booster,
}

impl ModelBundle {
    pub fn to_json(&self) -> Result<String, ModelError> {
        Ok(serde_json::to_string(self)?)
    }

    pub fn from_json(s: &str) -> Result<ModelBundle, ModelError> {
        let b: ModelBundle = serde_json::from_str(s)?;
        if b.format != BUNDLE_FORMAT {
            return Err(format!("model bundle format '{}', expected '{BUNDLE_FORMAT}'", b.format).into());
        }
        Ok(b)
    }
}

impl GbdtForecaster {
    /// Tweedie GBDT with M5-style features for daily retail data (price features
    /// when the panel has prices; they are known for the forecast days).
    pub fn tweedie_direct(horizon: usize) -> Result<GbdtForecaster, ModelError> {
        Ok(GbdtForecaster { alias: "GBDT-Tweedie-direct".into(), features: m5_direct_spec(horizon)?, params: tweedie_params(0)?, train_days: 730 })
    }

    /// This model trained once per group of `partition` (the alias gets its suffix,
    /// `GBDT-Tweedie-direct-by-store`); see [`crate::grouped`].
    pub fn partitioned(self, partition: crate::Partition) -> crate::PartitionedGbdt {
        crate::PartitionedGbdt::from(self).partitioned(partition)
    }
}

/// Split thresholds plus leaf values of a booster's trees.
pub(crate) fn learned_numbers(booster: &Booster) -> u64 {
    booster.trees().iter().map(|t| (2 * t.num_leaves()).saturating_sub(1) as u64).sum()
}

impl Forecaster for GbdtForecaster {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn family(&self) -> &str {
        "gbdt"
    }

    /// Trains and forecasts in one step: the forecast rows are built while the
    /// training panel's features are at hand.
    fn fit(&self, train: &Panel, ctx: &FitContext) -> Result<Box<dyn FittedForecaster>, ModelError> {
        let horizon = ctx.horizon.max(1);
        self.features.strategy.check_reach(&self.alias, horizon)?;
        let mut notes = Vec::new();
        let features = usable_spec(&self.features, train, horizon, &mut notes);
        let spec = features.validate()?;
        let vocabulary = Vocabulary::from_panel(train);
        let mut params = self.params.clone();
        params.categorical_features = spec.categorical();
        params.seed = ctx.seed;
        let valid_params = params.clone().validate()?.with_deadline(ctx.deadline);
        let rows = recent_rows(train, self.train_days);
        if rows.is_empty() {
            return Err("no training rows: every series is all zeros".into());
        }
        let x = build_with(train, &spec, &vocabulary, &rows)?;
        let label: Vec<f64> = rows.iter().map(|&(i, p)| f64::from(train.row(i)[p])).collect();
        let booster = valid_params.fit(&Dataset::new(&x.columns, x.n_rows, x.n_cols(), &label)?, None)?;
        let future = forecast_rows(train, horizon);
        let fx = build_with(train, &spec, &vocabulary, &future)?;
        let values = booster.predict(&fx.columns, fx.n_rows, fx.n_cols())?;
        let forecast = Forecast::new(self.alias.clone(), train.n_series(), horizon, train.n_time(), values)?;
        let importance = importance_of(&booster, &x.names);
        notes.insert(0, importance_note(x.n_rows, &importance));
        if booster.num_trees() < params.num_iterations && ctx.past_deadline() {
            notes.push(format!("stopped at {} of {} trees: the run's time limit passed", booster.num_trees(), params.num_iterations));
        }
        let n_params = learned_numbers(&booster);
        let bundle = ModelBundle { format: BUNDLE_FORMAT.into(), alias: self.alias.clone(), features, vocabulary, params, booster };
        Ok(Box::new(Precomputed { forecast, notes, importance, json: Some(bundle.to_json()?), n_params: Some(n_params) }))
    }
}
