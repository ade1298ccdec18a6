//! `RandomForest-direct`: a global random forest (smartcore's `RandomForestRegressor`,
//! bootstrap samples, MSE splits) on the feature matrix of the direct GBDT model: one
//! forest for all series and every horizon step, predicted at once from features at least
//! one horizon old. It is `Ridge-direct`'s sibling ([`crate::linear`]): the same features
//! ([`m5_direct_spec`] on M5 data, [`any_panel_direct_spec`] on level-scaled series
//! elsewhere, less what the data lacks), the same training rows, the same bundle path.
//!
//! A tree needs no scaling or one-hot encoding: features enter as they are (category codes
//! as numbers), missing values below every observed one ([`trees::MissingFill`]).
//!
//! smartcore grows trees on one core and re-sorts every column per call, so a fit is kept
//! small on purpose (each cap is a hyperparameter; the defaults fit m5-tiny's 280 series in
//! about 10 s of one core):
//!
//! - at most [`ForestParams::max_rows`] training rows (default 50,000): a seeded uniform
//!   subsample of the rows (m5-tiny has ~200,000 in 730 days). A forest's error levels off
//!   long before that many rows per tree, and the fit's time grows with rows × depth;
//! - [`ForestParams::n_trees`] trees (default 50): the averaged forecast changes little
//!   past a few dozen trees, and the saved model grows with every tree;
//! - depth at most [`ForestParams::max_depth`] (default 10) and leaves of at least
//!   [`ForestParams::min_samples_leaf`] rows (default 20): at most 1,024 leaves per tree,
//!   so a saved forest stays a few megabytes, and a leaf mean of 20 days of sales is not
//!   one day's noise;
//! - [`ForestParams::max_features`] of the features tried per split (default 1/3, the
//!   usual choice for regression forests).
//!
//! The fit is seeded ([`FitContext::seed`]: the row subsample, the bootstraps and the
//! features tried per split), so the same data, parameters and seed give the same trees
//! and forecasts, byte for byte; the fit stops adding trees at the deadline (in chunks of
//! [`trees::CHUNK`]) and says so.

pub mod trees;

use rand::SeedableRng;
use rand::rngs::StdRng;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use tsforge_core::model::ModelError;
use tsforge_core::{BuildSpec, FeatureImportance, FitContext, FittedForecaster, Forecast, Forecaster, ModelEntry, Panel, Precomputed, Predictor, SearchResource};
use tsforge_features::{FeatureSpec, ValidFeatureSpec, Vocabulary, build_with};

use crate::GbdtError;
use crate::any_panel::{LevelScale, any_panel_direct_spec, level_window};
use crate::direct_matrix::{Saved, SavedDirect, level_scaled_forecast};
use crate::forecaster::{m5_direct_spec, recent_rows, usable_spec};
use trees::{Growth, MissingFill, Tree};

/// `RandomForest-direct`: the catalog name.
pub const FOREST_DIRECT: &str = "RandomForest-direct";
/// Version tag of the saved forest.
pub const FOREST_FORMAT: &str = "tsforge-forest-1";

/// Hyperparameters of `RandomForest-direct` (see the module notes for why the defaults
/// are small).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForestParams {
    /// Trees in the forest (1..=1000).
    #[serde(default = "default_n_trees")]
    pub n_trees: usize,
    /// Deepest split level of a tree (1..=30).
    #[serde(default = "default_max_depth")]
    pub max_depth: usize,
    /// Fewest training rows in a leaf (>= 1).
    #[serde(default = "default_min_samples_leaf")]
    pub min_samples_leaf: usize,
    /// Share of the features tried at each split, in (0, 1].
    #[serde(default = "default_max_features")]
    pub max_features: f64,
    /// Training rows kept (a seeded subsample when there are more; >= 1).
    #[serde(default = "default_max_rows")]
    pub max_rows: usize,
    /// Periods of history per series used for training (from its first non-zero value on).
    #[serde(default = "default_train_days")]
    pub train_days: usize,
}

fn default_n_trees() -> usize {
    50
}

fn default_max_depth() -> usize {
    10
}

fn default_min_samples_leaf() -> usize {
    20
}

fn default_max_features() -> f64 {
    1.0 / 3.0
}

fn default_max_rows() -> usize {
    50_000
}

fn default_train_days() -> usize {
    730
}

impl Default for ForestParams {
    fn default() -> Self {
        ForestParams {
            n_trees: default_n_trees(),
            max_depth: default_max_depth(),
            min_samples_leaf: default_min_samples_leaf(),
            max_features: default_max_features(),
            max_rows: default_max_rows(),
            train_days: default_train_days(),
        }
    }
}

/// A whole non-negative number from a trial's value (`3` or `3.0`).
fn whole(v: &Value) -> Option<usize> {
    v.as_u64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1e15).map(|f| f as u64)).and_then(|u| usize::try_from(u).ok())
}

fn invalid(name: &'static str, reason: String) -> GbdtError {
    GbdtError::InvalidParam { name, reason }
}

impl ForestParams {
    /// The parameters of a trial's keys (the defaults for the missing ones), checked: a
    /// wrong type, bad value or unknown key is an error naming it.
    pub fn from_keys(keys: &Map<String, Value>) -> Result<ForestParams, GbdtError> {
        let mut p = ForestParams::default();
        for (k, v) in keys {
            let int = |name: &'static str| whole(v).ok_or_else(|| invalid(name, format!("expected a positive integer, got {v}")));
            match k.as_str() {
                "n_trees" => p.n_trees = int("n_trees")?,
                "max_depth" => p.max_depth = int("max_depth")?,
                "min_samples_leaf" => p.min_samples_leaf = int("min_samples_leaf")?,
                "max_rows" => p.max_rows = int("max_rows")?,
                "train_days" => p.train_days = int("train_days")?,
                "max_features" => p.max_features = v.as_f64().ok_or_else(|| invalid("max_features", format!("expected a number in (0, 1], got {v}")))?,
                _ => {
                    return Err(invalid("hyperparameter", format!("unknown hyperparameter '{k}'; expected `n_trees`, `max_depth`, `min_samples_leaf`, `max_features`, `max_rows` or `train_days`")));
                }
            }
        }
        p.validate()?;
        Ok(p)
    }

    /// Every check, with errors naming the key.
    pub fn validate(&self) -> Result<(), GbdtError> {
        if !(1..=1000).contains(&self.n_trees) {
            return Err(invalid("n_trees", format!("expected 1..=1000, got {}", self.n_trees)));
        }
        if !(1..=30).contains(&self.max_depth) {
            return Err(invalid("max_depth", format!("expected 1..=30, got {}", self.max_depth)));
        }
        if self.min_samples_leaf == 0 {
            return Err(invalid("min_samples_leaf", "expected a positive integer, got 0".into()));
        }
        if !(self.max_features > 0.0 && self.max_features <= 1.0) {
            return Err(invalid("max_features", format!("expected a number in (0, 1], got {}", self.max_features)));
        }
        if self.max_rows == 0 {
            return Err(invalid("max_rows", "expected a positive integer, got 0".into()));
        }
        if self.train_days == 0 {
            return Err(invalid("train_days", "expected a positive integer, got 0".into()));
        }
        Ok(())
    }

    /// Features tried per split for `n_features` features: `max_features` of them,
    /// rounded, at least one.
    pub fn mtry(&self, n_features: usize) -> usize {
        ((self.max_features * n_features as f64).round() as usize).clamp(1, n_features.max(1))
    }
}

/// `rows` as they are when there are at most `max` of them, else a uniform sample of
/// `max` drawn with `seed`, in their original order.
pub fn subsample<T: Copy>(rows: &[T], max: usize, seed: u64) -> Vec<T> {
    if rows.len() <= max {
        return rows.to_vec();
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut picked = rand::seq::index::sample(&mut rng, rows.len(), max).into_vec();
    picked.sort_unstable();
    picked.into_iter().map(|k| rows[k]).collect()
}

/// The global random forest on the direct feature matrix.
#[derive(Debug, Clone)]
pub struct RandomForestDirect {
    pub alias: String,
    pub features: FeatureSpec,
    pub params: ForestParams,
    /// Divide each series by its level before features, multiply forecasts back (any
    /// panel, as the GBDT models do: [`LevelScale`]).
    pub level_window: Option<usize>,
}

impl RandomForestDirect {
    /// On M5 data: the GBDT direct model's M5 features, raw target.
    pub fn m5(horizon: usize, params: ForestParams) -> Result<RandomForestDirect, ModelError> {
        params.validate()?;
        Ok(RandomForestDirect { alias: FOREST_DIRECT.into(), features: m5_direct_spec(horizon)?, params, level_window: None })
    }

    /// On any long-format panel: the any-panel direct features on level-scaled series.
    pub fn any_panel(horizon: usize, season: usize, params: ForestParams) -> Result<RandomForestDirect, ModelError> {
        params.validate()?;
        Ok(RandomForestDirect { alias: FOREST_DIRECT.into(), features: any_panel_direct_spec(horizon, season)?, params, level_window: Some(level_window(season, horizon)) })
    }
}

/// A saved [`RandomForestDirect`]: spec as used, vocabulary, level window, missing-value
/// fills and trees.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForestBundle {
    pub format: String,
    pub alias: String,
    pub features: FeatureSpec,
    pub vocabulary: Vocabulary,
    pub params: ForestParams,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_window: Option<usize>,
    pub fill: MissingFill,
    pub trees: Vec<Tree>,
}

impl ForestBundle {
    pub fn to_json(&self) -> Result<String, GbdtError> {
        Ok(serde_json::to_string(self)?)
    }

    /// Reads a saved forest, checking its format tag and every tree's structure.
    pub fn from_json(s: &str) -> Result<ForestBundle, GbdtError> {
        let b: ForestBundle = serde_json::from_str(s)?;
        if b.format != FOREST_FORMAT {
            return Err(GbdtError::Forest { reason: format!("saved model format '{}', expected '{FOREST_FORMAT}'", b.format) });
        }
        if b.trees.is_empty() {
            return Err(GbdtError::Forest { reason: "the saved forest has no trees".into() });
        }
        for t in &b.trees {
            t.check(b.fill.fill.len())?;
        }
        Ok(b)
    }
}

impl SavedDirect for ForestBundle {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn features(&self) -> &FeatureSpec {
        &self.features
    }

    /// Forecasts `horizon` steps after each series' end of `history` (unscaled).
    fn forecast(&self, history: &Panel, spec: &ValidFeatureSpec, horizon: usize) -> Result<Vec<f64>, ModelError> {
        level_scaled_forecast(history, self.level_window, spec, &self.vocabulary, horizon, |fx| {
            let x = self.fill.dense(fx)?;
            Ok(trees::predict(&self.trees, &x, fx.n_rows, fx.n_cols())?)
        })
    }
}

impl Forecaster for RandomForestDirect {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn family(&self) -> &str {
        "forest"
    }

    fn fit(&self, train: &Panel, ctx: &FitContext) -> Result<Box<dyn FittedForecaster>, ModelError> {
        let h = ctx.horizon.max(1);
        self.features.strategy.check_reach(&self.alias, h)?;
        self.params.validate()?;
        let p = &self.params;
        let mut notes = Vec::new();
        let scaled = LevelScale::apply(train, self.level_window);
        let input = scaled.as_ref().map_or(train, |(_, p)| p);
        let features = usable_spec(&self.features, input, h, &mut notes);
        let spec = features.validate()?;
        let vocabulary = Vocabulary::from_panel(input);
        let all: Vec<(usize, usize)> = recent_rows(input, p.train_days).into_iter().filter(|&(i, t)| input.row(i)[t].is_finite()).collect();
        if all.is_empty() {
            return Err("no training rows: every series is all zeros".into());
        }
        let rows = subsample(&all, p.max_rows, ctx.seed);
        let x = build_with(input, &spec, &vocabulary, &rows)?;
        let label: Vec<f64> = rows.iter().map(|&(i, t)| f64::from(input.row(i)[t])).collect();
        let fill = MissingFill::fit(&x);
        let n_cols = x.n_cols();
        let growth = Growth { n_trees: p.n_trees, max_depth: u16::try_from(p.max_depth).unwrap_or(30), min_samples_leaf: p.min_samples_leaf, mtry: p.mtry(n_cols), seed: ctx.seed };
        let grown = trees::grow(fill.dense(&x)?, x.n_rows, n_cols, &label, growth, || ctx.past_deadline())?;
        let n_trees = grown.trees.len();
        let bundle = ForestBundle { format: FOREST_FORMAT.into(), alias: self.alias.clone(), features, vocabulary, params: p.clone(), level_window: self.level_window, fill, trees: grown.trees };
        let values = bundle.forecast(train, &spec, h)?;
        let forecast = Forecast::new(self.alias.clone(), train.n_series(), h, train.n_time(), values)?;

        let importance: Vec<FeatureImportance> = x.names.iter().zip(&grown.gain).map(|(n, &(g, s))| FeatureImportance { feature: n.clone(), gain: g / n_trees as f64, splits: s }).collect();
        let mut ranked: Vec<&FeatureImportance> = importance.iter().collect();
        ranked.sort_by(|a, b| b.gain.total_cmp(&a.gain).then(a.feature.cmp(&b.feature)));
        let top: Vec<&str> = ranked.iter().take(5).map(|f| f.feature.as_str()).collect();
        let sampled = if rows.len() < all.len() { format!("{} of {} rows (seeded subsample)", rows.len(), all.len()) } else { format!("{} rows", rows.len()) };
        notes.insert(
            0,
            format!(
                "{sampled} × {n_cols} features; {n_trees} trees, depth ≤ {}, leaves ≥ {} rows, {} features tried per split; most split gain: {}",
                p.max_depth,
                p.min_samples_leaf,
                growth.mtry,
                top.join(", ")
            ),
        );
        if grown.stopped {
            notes.push(format!("the deadline stopped the fit at {n_trees} of {} trees", p.n_trees));
        }
        if let Some(win) = self.level_window {
            notes.push(format!("each series divided by its level (mean |y| of its last {win} periods) for training; forecasts multiplied back"));
        }
        let n_params = Some(bundle.trees.iter().map(|t| t.len() as u64).sum());
        Ok(Box::new(Precomputed { forecast, notes, importance, json: Some(bundle.to_json()?), n_params }))
    }
}

/// Reads a saved `RandomForest-direct` back (see [`FOREST_FORMAT`]).
pub fn restore(text: &str) -> Result<Box<dyn Predictor>, ModelError> {
    Ok(Box::new(Saved(ForestBundle::from_json(text)?)))
}

/// `RandomForest-direct`: family `forest`, seeded, needs only the target, searchable over
/// its parameters (no budget knob), saved and restorable. Not in the default run.
pub fn catalog() -> Vec<ModelEntry> {
    vec![ModelEntry::new(FOREST_DIRECT, "forest", build_forest).seeded().searchable(SearchResource::None).restorable(FOREST_FORMAT, restore)]
}

fn build_forest(spec: &BuildSpec<'_>) -> Result<Box<dyn Forecaster>, ModelError> {
    let params = ForestParams::from_keys(spec.params)?;
    let mut model = if spec.retail { RandomForestDirect::m5(spec.horizon, params)? } else { RandomForestDirect::any_panel(spec.horizon, spec.season, params)? };
    model.alias = spec.alias.to_string();
    Ok(Box::new(model))
}

#[cfg(test)]
mod tests;
