//! [`PartitionedGbdt`]: the GBDT forecaster with a choice of strategy (direct or
//! recursive, read from its feature spec) and of [`Partition`] (one booster per group
//! of series: per store, store × category, store × department, or one for all).
//!
//! Groups are trained one after another, in key order: each fit is already
//! rayon-parallel over features, and one group's feature matrix at a time keeps memory
//! at the size of the largest group. The boosters are thread-count independent, so the
//! whole model is too.

use serde::{Deserialize, Serialize};
use tsforge_core::model::ModelError;
use tsforge_core::{FeatureImportance, FitContext, FittedForecaster, Forecast, Forecaster, Panel, Precomputed};
use tsforge_features::{FeatureSpec, Strategy, ValidFeatureSpec, Vocabulary, build_with};

use crate::any_panel::LevelScale;
use crate::forecaster::{BUNDLE_FORMAT, ModelBundle, importance_note, importance_of, recent_rows, tweedie_params, usable_spec};
use crate::partition::{Partition, SeriesGroup};
use crate::recursive::{self, m5_recursive_spec};
use crate::{Booster, Dataset, GbdtForecaster, GbdtParams};

/// Version tag of the partitioned bundle layout (one [`ModelBundle`] per group).
pub const PARTITIONED_FORMAT: &str = "tsforge-gbdt-partitioned-1";

/// A GBDT forecaster trained on the last `train_days` of each series (from its first
/// sale on). With a direct spec (`Strategy::Direct { horizon ≥ self.horizon }`) it
/// predicts every horizon day at once; with a recursive spec it predicts one day at a
/// time and feeds each prediction back (see [`crate::recursive`]). With a partition
/// other than `none` every group of series gets its own booster, trained only on its
/// series' rows (categories are still coded with the whole panel's vocabulary).
#[derive(Debug, Clone)]
pub struct PartitionedGbdt {
    pub alias: String,
    pub features: FeatureSpec,
    pub params: GbdtParams,
    pub train_days: usize,
    pub partition: Partition,
    /// Divide each series by its level (the mean |y| of its last this-many periods)
    /// before features, multiply forecasts back (any-panel data, [`crate::any_panel`]).
    pub level_window: Option<usize>,
}

impl From<GbdtForecaster> for PartitionedGbdt {
    fn from(g: GbdtForecaster) -> PartitionedGbdt {
        PartitionedGbdt { alias: g.alias, features: g.features, params: g.params, train_days: g.train_days, partition: Partition::None, level_window: None }
    }
}

impl PartitionedGbdt {
    /// `GBDT-Tweedie-direct`: the same model as [`GbdtForecaster::tweedie_direct`].
    pub fn tweedie_direct(horizon: usize) -> Result<PartitionedGbdt, ModelError> {
        Ok(GbdtForecaster::tweedie_direct(horizon)?.into())
    }

    /// `GBDT-Tweedie-recursive`: a one-step Tweedie model with [`m5_recursive_spec`]
    /// features and the direct model's booster settings and training rows.
    pub fn tweedie_recursive() -> Result<PartitionedGbdt, ModelError> {
        Ok(PartitionedGbdt { alias: "GBDT-Tweedie-recursive".into(), features: m5_recursive_spec()?, params: tweedie_params(0)?, train_days: 730, partition: Partition::None, level_window: None })
    }

    /// `GBDT-Tweedie-recursive7`: the recursive model with lags of at least 7 days
    /// ([`crate::recursive::m5_recursive7_spec`]).
    pub fn tweedie_recursive7() -> Result<PartitionedGbdt, ModelError> {
        Ok(PartitionedGbdt { alias: "GBDT-Tweedie-recursive7".into(), features: crate::recursive::m5_recursive7_spec()?, ..PartitionedGbdt::tweedie_recursive()? })
    }

    /// The same model trained once per group of `partition`; the alias gets the
    /// partition's suffix (`GBDT-Tweedie-direct-by-store`).
    pub fn partitioned(mut self, partition: Partition) -> PartitionedGbdt {
        let base = self.alias.strip_suffix(self.partition.alias_suffix()).unwrap_or(&self.alias).to_string();
        self.alias = format!("{base}{}", partition.alias_suffix());
        self.partition = partition;
        self
    }

    /// Whether the feature spec makes this a day-by-day (recursive) model.
    pub fn is_recursive(&self) -> bool {
        self.features.strategy == Strategy::Recursive
    }
}

/// One group of a saved partitioned model: its key, how many series it holds, and its
/// bundle (`null` when the group had no training rows and forecasts zeros).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupBundle {
    pub key: String,
    pub n_series: usize,
    pub model: Option<ModelBundle>,
}

/// A saved [`PartitionedGbdt`]: groups in key order, each with its own bundle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PartitionedBundle {
    pub format: String,
    pub alias: String,
    pub partition: Partition,
    pub groups: Vec<GroupBundle>,
    /// Set when the model was trained on level-scaled series (see [`PartitionedGbdt::level_window`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_window: Option<usize>,
}

impl PartitionedBundle {
    pub fn to_json(&self) -> Result<String, ModelError> {
        Ok(serde_json::to_string(self)?)
    }

    pub fn from_json(s: &str) -> Result<PartitionedBundle, ModelError> {
        let b: PartitionedBundle = serde_json::from_str(s)?;
        if b.format != PARTITIONED_FORMAT {
            return Err(format!("partitioned bundle format '{}', expected '{PARTITIONED_FORMAT}'", b.format).into());
        }
        if let Some(m) = b.groups.iter().filter_map(|g| g.model.as_ref()).find(|m| m.format != BUNDLE_FORMAT) {
            return Err(format!("model bundle format '{}', expected '{BUNDLE_FORMAT}'", m.format).into());
        }
        Ok(b)
    }
}

/// A saved [`PartitionedGbdt`] read back: forecasts any panel of the training data's
/// schema with the saved feature spec, vocabulary and boosters, training nothing.
/// Series are grouped by the saved partition; a group the training data did not have
/// (a new store) is forecast 0, which the notes of `tsforge predict` report.
struct SavedGbdt {
    bundle: PartitionedBundle,
}

/// Reads a saved GBDT model back (see [`PARTITIONED_FORMAT`]).
pub fn restore(text: &str) -> Result<Box<dyn tsforge_core::Predictor>, ModelError> {
    let bundle = PartitionedBundle::from_json(text)?;
    let first = bundle.groups.iter().filter_map(|g| g.model.as_ref()).next().ok_or("saved GBDT model: no group has a booster")?;
    if bundle.groups.iter().filter_map(|g| g.model.as_ref()).any(|m| m.features != first.features || m.vocabulary != first.vocabulary) {
        return Err("saved GBDT model: its groups disagree on the feature spec or vocabulary".into());
    }
    Ok(Box::new(SavedGbdt { bundle }))
}

impl tsforge_core::Predictor for SavedGbdt {
    fn forecast(&self, history: &Panel, horizon: usize, _levels: &[u8]) -> Result<Forecast, ModelError> {
        let h = horizon.max(1);
        let first = self.bundle.groups.iter().filter_map(|g| g.model.as_ref()).next().ok_or("saved GBDT model: no group has a booster")?;
        first.features.strategy.check_reach(&self.bundle.alias, h)?;
        let spec = first.features.validate()?;
        let groups = self.bundle.partition.groups(history)?;
        let plan: Vec<(Vec<usize>, Option<&Booster>)> = groups
            .into_iter()
            .map(|g| {
                let booster = self.bundle.groups.iter().find(|s| s.key == g.key).and_then(|s| s.model.as_ref()).map(|m| &m.booster);
                (g.series, booster)
            })
            .collect();
        let scaled = LevelScale::apply(history, self.bundle.level_window);
        let input = scaled.as_ref().map_or(history, |(_, p)| p);
        let mut values =
            if first.features.strategy == Strategy::Recursive { recursive::forecast(input, &spec, &first.vocabulary, &plan, h)? } else { direct_forecast(input, &spec, &first.vocabulary, &plan, h)? };
        if let Some((scale, _)) = &scaled {
            scale.unscale(&mut values, h);
        }
        Ok(Forecast::new(self.bundle.alias.clone(), history.n_series(), h, history.n_time(), values)?)
    }
}

/// One group's booster (none without training rows) and its training row count.
struct GroupFit {
    booster: Option<Booster>,
    n_rows: usize,
}

fn fit_group(train: &Panel, spec: &ValidFeatureSpec, vocab: &Vocabulary, params: &crate::ValidGbdtParams, rows: &[(usize, usize)]) -> Result<GroupFit, ModelError> {
    if rows.is_empty() {
        return Ok(GroupFit { booster: None, n_rows: 0 });
    }
    let x = build_with(train, spec, vocab, rows)?;
    let label: Vec<f64> = rows.iter().map(|&(i, p)| f64::from(train.row(i)[p])).collect();
    let booster = params.fit(&Dataset::new(&x.columns, x.n_rows, x.n_cols(), &label)?, None)?;
    Ok(GroupFit { booster: Some(booster), n_rows: x.n_rows })
}

/// Direct strategy: every horizon day of a group's series from one feature build.
fn direct_forecast(train: &Panel, spec: &ValidFeatureSpec, vocab: &Vocabulary, groups: &[(Vec<usize>, Option<&Booster>)], horizon: usize) -> Result<Vec<f64>, ModelError> {
    let mut values = vec![0.0; train.n_series() * horizon];
    for (series, booster) in groups {
        let Some(booster) = booster else { continue };
        let rows: Vec<(usize, usize)> = series.iter().flat_map(|&i| (0..horizon).map(move |d| (i, train.spans[i].1 + d))).collect();
        if rows.is_empty() {
            continue;
        }
        let fx = build_with(train, spec, vocab, &rows)?;
        let pred = booster.predict(&fx.columns, fx.n_rows, fx.n_cols())?;
        for (&(i, p), v) in rows.iter().zip(pred) {
            values[i * horizon + p - train.spans[i].1] = v;
        }
    }
    Ok(values)
}

/// Gain and split importance summed over the groups' boosters.
fn summed_importance(fits: &[GroupFit], names: &[String]) -> Vec<FeatureImportance> {
    let mut total: Vec<FeatureImportance> = names.iter().map(|n| FeatureImportance { feature: n.clone(), gain: 0.0, splits: 0.0 }).collect();
    for b in fits.iter().filter_map(|f| f.booster.as_ref()) {
        for (t, f) in total.iter_mut().zip(importance_of(b, names)) {
            t.gain += f.gain;
            t.splits += f.splits;
        }
    }
    total
}

impl Forecaster for PartitionedGbdt {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn family(&self) -> &str {
        "gbdt"
    }

    /// Trains every group and forecasts in one step (the recursive strategy needs the
    /// boosters and the training panel together).
    fn fit(&self, train: &Panel, ctx: &FitContext) -> Result<Box<dyn FittedForecaster>, ModelError> {
        let h = ctx.horizon.max(1);
        self.features.strategy.check_reach(&self.alias, h)?;
        let mut notes = Vec::new();
        let scaled = LevelScale::apply(train, self.level_window);
        let train = scaled.as_ref().map_or(train, |(_, p)| p);
        let features = usable_spec(&self.features, train, h, &mut notes);
        let spec = features.validate()?;
        let vocabulary = Vocabulary::from_panel(train);
        let mut params = self.params.clone();
        params.categorical_features = spec.categorical();
        params.seed = ctx.seed;
        if let Some(replaced) = params.square_loss_if_negative(train.y.iter().any(|&v| v < 0.0)) {
            notes.push(format!("negative values in the data: squared-error objective instead of {}", replaced.name()));
        }
        let valid_params = params.clone().validate()?.with_deadline(ctx.deadline);
        let groups: Vec<SeriesGroup> = self.partition.groups(train)?;
        let rows = recent_rows(train, self.train_days);
        if rows.is_empty() {
            return Err("no training rows: every series is all zeros".into());
        }
        let mut group_of = vec![0usize; train.n_series()];
        for (g, grp) in groups.iter().enumerate() {
            for &i in &grp.series {
                group_of[i] = g;
            }
        }
        let mut group_rows: Vec<Vec<(usize, usize)>> = vec![Vec::new(); groups.len()];
        for r in rows {
            group_rows[group_of[r.0]].push(r);
        }
        let fits = groups.iter().zip(&group_rows).map(|(_, rows)| fit_group(train, &spec, &vocabulary, &valid_params, rows)).collect::<Result<Vec<GroupFit>, ModelError>>()?;
        let plan: Vec<(Vec<usize>, Option<&Booster>)> = groups.iter().zip(&fits).map(|(g, f)| (g.series.clone(), f.booster.as_ref())).collect();
        let mut values = if self.is_recursive() { recursive::forecast(train, &spec, &vocabulary, &plan, h)? } else { direct_forecast(train, &spec, &vocabulary, &plan, h)? };
        if let (Some((scale, _)), Some(w)) = (&scaled, self.level_window) {
            scale.unscale(&mut values, h);
            notes.push(format!("each series divided by its level (mean |y| of its last {w} periods) for training; forecasts multiplied back"));
        }
        let forecast = Forecast::new(self.alias.clone(), train.n_series(), h, train.n_time(), values)?;

        let importance = summed_importance(&fits, spec.names());
        let n_rows: usize = fits.iter().map(|f| f.n_rows).sum();
        notes.insert(0, importance_note(n_rows, &importance));
        if self.partition != Partition::None {
            notes.push(format!("{} models, one per {} group", groups.len(), self.partition));
        }
        let empty: Vec<&str> = groups.iter().zip(&fits).filter(|(_, f)| f.booster.is_none()).map(|(g, _)| g.key.as_str()).collect();
        if !empty.is_empty() {
            notes.push(format!("no training rows (all zeros) in {}: forecast 0", empty.join(", ")));
        }
        if self.is_recursive() {
            let window = recursive::lookback(&spec).map_or_else(|| "the whole history".to_string(), |l| format!("the last {l} days"));
            notes.push(format!("recursive: {h} one-day steps, target features rebuilt from {window}"));
        }
        let bundle = PartitionedBundle {
            format: PARTITIONED_FORMAT.into(),
            alias: self.alias.clone(),
            partition: self.partition,
            level_window: self.level_window,
            groups: groups
                .iter()
                .zip(fits)
                .map(|(g, f)| GroupBundle {
                    key: g.key.clone(),
                    n_series: g.series.len(),
                    model: f.booster.map(|booster| ModelBundle {
                        format: BUNDLE_FORMAT.into(),
                        alias: format!("{}/{}", self.alias, g.key),
                        features: features.clone(),
                        vocabulary: vocabulary.clone(),
                        params: params.clone(),
                        booster,
                    }),
                })
                .collect(),
        };
        if ctx.past_deadline() {
            notes.push("the run's time limit passed during this fit: boosting may have stopped early".into());
        }
        let n_params = bundle.groups.iter().filter_map(|g| g.model.as_ref()).map(|m| crate::forecaster::learned_numbers(&m.booster)).sum();
        Ok(Box::new(Precomputed { forecast, notes, importance, json: Some(bundle.to_json()?), n_params: Some(n_params) }))
    }
}

#[cfg(test)]
pub(crate) mod tests;
