//! `Ridge-direct`: a global ridge regression (smartcore's [`RidgeRegression`]) on the
//! feature matrix of the direct GBDT model: one linear model for all series and every
//! horizon step, predicted at once from features at least one horizon old.
//!
//! The features are the GBDT direct model's on the same data ([`m5_direct_spec`] on M5
//! data, [`any_panel_direct_spec`] on level-scaled series elsewhere, less what the data
//! lacks, [`usable_spec`]). A linear model needs them prepared ([`Design`]):
//!
//! - missing values (NaN lags and windows at the start of a series, unknown prices) are
//!   imputed with the column's mean over the training rows, nothing else is added;
//! - categorical columns ([`Column::is_categorical`]: ids, event names and types) and the
//!   cyclic date fields (day of week, month, quarter, hour) are one-hot encoded when the
//!   training rows hold at most [`MAX_LEVELS`] distinct codes, dropped otherwise (item ids);
//!   a code unseen in training (or missing) sets no indicator;
//! - every design column is z-scored with the training rows' mean and standard deviation,
//!   constant columns are dropped.
//!
//! The target is fitted centred (the intercept is its mean and is not penalised); forecasts
//! are clipped at 0 when the training data has no negative value. Fitting is deterministic:
//! the same data and parameters give the same weights, and prediction (at fit time and
//! from the saved model, `tsforge predict`) applies them the same way.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use smartcore::linalg::basic::arrays::Array;
use smartcore::linalg::basic::matrix::DenseMatrix;
use smartcore::linear::ridge_regression::{RidgeRegression, RidgeRegressionParameters, RidgeRegressionSolverName};
use tsforge_core::model::ModelError;
use tsforge_core::{BuildSpec, FeatureImportance, FitContext, FittedForecaster, Forecast, Forecaster, ModelEntry, Panel, Precomputed, Predictor, SearchResource};
use tsforge_features::spec::{CalendarFeature, Column};
use tsforge_features::{FeatureMatrix, FeatureSpec, ValidFeatureSpec, Vocabulary, build_with};

use crate::any_panel::{LevelScale, any_panel_direct_spec, level_window};
use crate::direct_matrix::{Saved, SavedDirect, level_scaled_forecast};
use crate::forecaster::{m5_direct_spec, recent_rows, usable_spec};

/// `Ridge-direct`: the catalog name.
pub const RIDGE_DIRECT: &str = "Ridge-direct";
/// Version tag of the saved ridge model.
pub const RIDGE_FORMAT: &str = "tsforge-ridge-1";
/// A categorical or cyclic column with more distinct codes than this in the training
/// rows is dropped rather than one-hot encoded.
pub const MAX_LEVELS: usize = 16;

/// Hyperparameters of `Ridge-direct`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RidgeParams {
    /// Ridge penalty on the standardised coefficients (> 0).
    #[serde(default = "default_alpha")]
    pub alpha: f64,
    /// Periods of history per series used for training (from its first non-zero value on).
    #[serde(default = "default_train_days")]
    pub train_days: usize,
}

fn default_alpha() -> f64 {
    1.0
}

fn default_train_days() -> usize {
    730
}

impl Default for RidgeParams {
    fn default() -> Self {
        RidgeParams { alpha: default_alpha(), train_days: default_train_days() }
    }
}

impl RidgeParams {
    /// The parameters of a trial's keys (`alpha`, `train_days`; the defaults for the
    /// missing ones), checked: a wrong type, bad value or unknown key is an error naming it.
    pub fn from_keys(keys: &Map<String, Value>) -> Result<RidgeParams, ModelError> {
        let mut p = RidgeParams::default();
        for (k, v) in keys {
            match k.as_str() {
                "alpha" => p.alpha = v.as_f64().ok_or_else(|| format!("alpha: expected a positive number, got {v}"))?,
                "train_days" => {
                    let whole = v.as_u64().or_else(|| v.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0 && *f < 1e15).map(|f| f as u64));
                    p.train_days = whole.ok_or_else(|| format!("train_days: expected a positive integer, got {v}"))? as usize;
                }
                _ => return Err(format!("unknown hyperparameter '{k}'; expected `alpha` or `train_days`").into()),
            }
        }
        p.validate()?;
        Ok(p)
    }

    /// Every check, with errors naming the key.
    pub fn validate(&self) -> Result<(), ModelError> {
        if !(self.alpha.is_finite() && self.alpha > 0.0) {
            return Err(format!("alpha: expected a positive finite number, got {}", self.alpha).into());
        }
        if self.train_days == 0 {
            return Err("train_days: expected a positive integer, got 0".into());
        }
        Ok(())
    }
}

/// One column of the design matrix the ridge sees: feature `source` as is (`level`
/// `None`, missing values imputed with `mean`) or the indicator `source == level`, then
/// `(value - mean) / std`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DesignColumn {
    pub name: String,
    pub source: usize,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level: Option<f32>,
    pub mean: f64,
    pub std: f64,
}

impl DesignColumn {
    /// The standardised value of this column for a raw feature value.
    fn value(&self, raw: f32) -> f64 {
        let v = match self.level {
            Some(level) => f64::from(u8::from(raw == level)),
            None if raw.is_finite() => f64::from(raw),
            None => return 0.0, // imputed with the mean: 0 once standardised
        };
        (v - self.mean) / self.std
    }
}

/// How a feature matrix becomes the ridge's standardised design matrix, learned on the
/// training rows (see the module notes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Design {
    /// Columns of the feature matrix this design reads.
    pub n_features: usize,
    pub columns: Vec<DesignColumn>,
    /// Feature names left out: too many categories, or constant on the training rows.
    pub dropped: Vec<String>,
}

/// Whether a column enters as one-hot indicators: categories, and the cyclic date
/// fields a linear model cannot read as a number.
fn one_hot(c: &Column) -> bool {
    c.is_categorical() || matches!(c, Column::Calendar(CalendarFeature::DayOfWeek | CalendarFeature::Month | CalendarFeature::Quarter | CalendarFeature::Hour))
}

/// Mean and population standard deviation of the finite values (`None` without any).
fn moments(values: impl Iterator<Item = f64> + Clone) -> Option<(f64, f64)> {
    let (n, sum) = values.clone().filter(|v| v.is_finite()).fold((0usize, 0.0), |(n, s), v| (n + 1, s + v));
    if n == 0 {
        return None;
    }
    let mean = sum / n as f64;
    let var = values.filter(|v| v.is_finite()).map(|v| (v - mean) * (v - mean)).sum::<f64>() / n as f64;
    Some((mean, var.sqrt()))
}

/// Below this standard deviation a column counts as constant.
const CONSTANT: f64 = 1e-12;

impl Design {
    /// Learns the design from the training matrix: `one_hot[j]` says whether feature `j`
    /// is a category to encode.
    pub fn fit(x: &FeatureMatrix, one_hot: &[bool]) -> Design {
        let mut columns = Vec::new();
        let mut dropped = Vec::new();
        for (j, name) in x.names.iter().enumerate() {
            let col = x.column(j);
            if one_hot.get(j).copied().unwrap_or(false) {
                let mut levels: Vec<f32> = col.iter().copied().filter(|v| v.is_finite()).collect();
                levels.sort_by(f32::total_cmp);
                levels.dedup();
                if levels.len() > MAX_LEVELS {
                    dropped.push(format!("{name} ({} categories)", levels.len()));
                    continue;
                }
                for level in levels {
                    let ind = col.iter().map(move |&v| f64::from(u8::from(v == level)));
                    match moments(ind) {
                        Some((mean, std)) if std > CONSTANT => columns.push(DesignColumn { name: format!("{name}={level}"), source: j, level: Some(level), mean, std }),
                        _ => {}
                    }
                }
            } else {
                match moments(col.iter().map(|&v| f64::from(v))) {
                    Some((mean, std)) if std > CONSTANT => columns.push(DesignColumn { name: name.clone(), source: j, level: None, mean, std }),
                    _ => dropped.push(format!("{name} (constant)")),
                }
            }
        }
        Design { n_features: x.n_cols(), columns, dropped }
    }

    /// The standardised design matrix of `x`, column-major (`x.n_rows` × `columns.len()`).
    pub fn transform(&self, x: &FeatureMatrix) -> Result<Vec<f64>, ModelError> {
        if x.n_cols() != self.n_features {
            return Err(format!("ridge: the feature matrix has {} columns, the model expects {}", x.n_cols(), self.n_features).into());
        }
        let mut out = Vec::with_capacity(x.n_rows * self.columns.len());
        for c in &self.columns {
            out.extend(x.column(c.source).iter().map(|&v| c.value(v)));
        }
        Ok(out)
    }
}

/// The fitted weights: prediction is `intercept + Σ coef_k · design_k(x)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RidgeWeights {
    pub design: Design,
    pub coefficients: Vec<f64>,
    pub intercept: f64,
}

impl RidgeWeights {
    /// Fits ridge regression (smartcore, Cholesky) on the standardised design of `x`
    /// against `y`: the coefficients minimise `|yc - Z w|² + alpha |w|²` with `yc` the
    /// centred target and `Z` the design; the intercept is the target's mean.
    pub fn fit(x: &FeatureMatrix, one_hot: &[bool], y: &[f64], alpha: f64) -> Result<RidgeWeights, ModelError> {
        if y.len() != x.n_rows {
            return Err(format!("ridge: {} labels for {} rows", y.len(), x.n_rows).into());
        }
        if y.is_empty() {
            return Err("ridge: no training rows".into());
        }
        let design = Design::fit(x, one_hot);
        let intercept = y.iter().sum::<f64>() / y.len() as f64;
        let p = design.columns.len();
        if p == 0 {
            return Ok(RidgeWeights { design, coefficients: Vec::new(), intercept });
        }
        if x.n_rows <= p {
            return Err(format!("ridge: {} training rows for {p} design columns; it needs more rows than columns (raise train_days)", x.n_rows).into());
        }
        let z = DenseMatrix::new(x.n_rows, p, design.transform(x)?, true).map_err(|e| format!("ridge: {e}"))?;
        let centred: Vec<f64> = y.iter().map(|v| v - intercept).collect();
        let params = RidgeRegressionParameters::default().with_alpha(alpha).with_normalize(false).with_solver(RidgeRegressionSolverName::Cholesky);
        let fitted: RidgeRegression<f64, f64, DenseMatrix<f64>, Vec<f64>> = RidgeRegression::fit(&z, &centred, params).map_err(|e| format!("ridge: {e}"))?;
        let w = fitted.coefficients();
        let coefficients: Vec<f64> = (0..p).map(|k| *w.get((k, 0))).collect();
        if coefficients.iter().any(|c| !c.is_finite()) {
            return Err("ridge: the solve gave non-finite coefficients".into());
        }
        Ok(RidgeWeights { design, coefficients, intercept })
    }

    /// Predictions for the rows of `x`.
    pub fn predict(&self, x: &FeatureMatrix) -> Result<Vec<f64>, ModelError> {
        if self.coefficients.len() != self.design.columns.len() {
            return Err(format!("ridge: {} coefficients for {} design columns", self.coefficients.len(), self.design.columns.len()).into());
        }
        let z = self.design.transform(x)?;
        let mut out = vec![self.intercept; x.n_rows];
        for (k, &c) in self.coefficients.iter().enumerate() {
            for (o, v) in out.iter_mut().zip(&z[k * x.n_rows..(k + 1) * x.n_rows]) {
                *o += c * v;
            }
        }
        Ok(out)
    }

    /// |standardised coefficient| summed per feature (as the importance's `gain`).
    pub fn importance(&self, names: &[String]) -> Vec<FeatureImportance> {
        let mut out: Vec<FeatureImportance> = names.iter().map(|n| FeatureImportance { feature: n.clone(), gain: 0.0, splits: 0.0 }).collect();
        for (c, w) in self.design.columns.iter().zip(&self.coefficients) {
            if let Some(f) = out.get_mut(c.source) {
                f.gain += w.abs();
            }
        }
        out
    }
}

/// The global ridge model on the direct feature matrix.
#[derive(Debug, Clone)]
pub struct RidgeDirect {
    pub alias: String,
    pub features: FeatureSpec,
    pub params: RidgeParams,
    /// Divide each series by its level before features, multiply forecasts back (any
    /// panel, as the GBDT models do: [`LevelScale`]).
    pub level_window: Option<usize>,
}

impl RidgeDirect {
    /// On M5 data: the GBDT direct model's M5 features, raw target.
    pub fn m5(horizon: usize, params: RidgeParams) -> Result<RidgeDirect, ModelError> {
        params.validate()?;
        Ok(RidgeDirect { alias: RIDGE_DIRECT.into(), features: m5_direct_spec(horizon)?, params, level_window: None })
    }

    /// On any long-format panel: the any-panel direct features on level-scaled series.
    pub fn any_panel(horizon: usize, season: usize, params: RidgeParams) -> Result<RidgeDirect, ModelError> {
        params.validate()?;
        Ok(RidgeDirect { alias: RIDGE_DIRECT.into(), features: any_panel_direct_spec(horizon, season)?, params, level_window: Some(level_window(season, horizon)) })
    }
}

/// A saved [`RidgeDirect`]: spec as used, vocabulary, level window, weights.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RidgeBundle {
    pub format: String,
    pub alias: String,
    pub features: FeatureSpec,
    pub vocabulary: Vocabulary,
    pub params: RidgeParams,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_window: Option<usize>,
    /// Forecasts are clipped at 0 (the training data had no negative value).
    pub clip_at_zero: bool,
    pub weights: RidgeWeights,
}

impl RidgeBundle {
    pub fn to_json(&self) -> Result<String, ModelError> {
        Ok(serde_json::to_string(self)?)
    }

    pub fn from_json(s: &str) -> Result<RidgeBundle, ModelError> {
        let b: RidgeBundle = serde_json::from_str(s)?;
        if b.format != RIDGE_FORMAT {
            return Err(format!("ridge bundle format '{}', expected '{RIDGE_FORMAT}'", b.format).into());
        }
        if b.weights.coefficients.len() != b.weights.design.columns.len() {
            return Err("saved ridge model: coefficients and design columns differ in number".into());
        }
        Ok(b)
    }
}

impl SavedDirect for RidgeBundle {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn features(&self) -> &FeatureSpec {
        &self.features
    }

    /// Forecasts `horizon` steps after each series' end of `history` (unscaled).
    fn forecast(&self, history: &Panel, spec: &ValidFeatureSpec, horizon: usize) -> Result<Vec<f64>, ModelError> {
        let mut values = level_scaled_forecast(history, self.level_window, spec, &self.vocabulary, horizon, |fx| self.weights.predict(fx))?;
        if self.clip_at_zero {
            for v in &mut values {
                *v = v.max(0.0);
            }
        }
        Ok(values)
    }
}

impl Forecaster for RidgeDirect {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn family(&self) -> &str {
        "linear"
    }

    fn fit(&self, train: &Panel, ctx: &FitContext) -> Result<Box<dyn FittedForecaster>, ModelError> {
        let h = ctx.horizon.max(1);
        self.features.strategy.check_reach(&self.alias, h)?;
        self.params.validate()?;
        let mut notes = Vec::new();
        let clip_at_zero = !train.y.iter().any(|&v| v < 0.0);
        let scaled = LevelScale::apply(train, self.level_window);
        let input = scaled.as_ref().map_or(train, |(_, p)| p);
        let features = usable_spec(&self.features, input, h, &mut notes);
        let spec = features.validate()?;
        let vocabulary = Vocabulary::from_panel(input);
        let rows: Vec<(usize, usize)> = recent_rows(input, self.params.train_days).into_iter().filter(|&(i, p)| input.row(i)[p].is_finite()).collect();
        if rows.is_empty() {
            return Err("no training rows: every series is all zeros".into());
        }
        let x = build_with(input, &spec, &vocabulary, &rows)?;
        let label: Vec<f64> = rows.iter().map(|&(i, p)| f64::from(input.row(i)[p])).collect();
        let one_hot: Vec<bool> = spec.columns().iter().map(one_hot).collect();
        let weights = RidgeWeights::fit(&x, &one_hot, &label, self.params.alpha)?;
        let bundle = RidgeBundle { format: RIDGE_FORMAT.into(), alias: self.alias.clone(), features, vocabulary, params: self.params.clone(), level_window: self.level_window, clip_at_zero, weights };
        let values = bundle.forecast(train, &spec, h)?;
        let forecast = Forecast::new(self.alias.clone(), train.n_series(), h, train.n_time(), values)?;

        let w = &bundle.weights;
        let n_hot = w.design.columns.iter().filter(|c| c.level.is_some()).count();
        let mut ranked: Vec<(&DesignColumn, f64)> = w.design.columns.iter().zip(w.coefficients.iter().copied()).collect();
        ranked.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()).then(a.0.name.cmp(&b.0.name)));
        let top: Vec<String> = ranked.iter().take(5).map(|(c, v)| format!("{} {v:+.3}", c.name)).collect();
        notes.insert(0, format!("{} rows × {} standardised columns ({n_hot} one-hot), alpha {}; largest coefficients: {}", x.n_rows, w.design.columns.len(), self.params.alpha, top.join(", ")));
        if !w.design.dropped.is_empty() {
            notes.push(format!("left out: {}", w.design.dropped.join(", ")));
        }
        if let Some(win) = self.level_window {
            notes.push(format!("each series divided by its level (mean |y| of its last {win} periods) for training; forecasts multiplied back"));
        }
        if clip_at_zero {
            notes.push("no negative values in the data: forecasts clipped at 0".into());
        }
        let importance = w.importance(&x.names);
        let n_params = Some(w.coefficients.len() as u64 + 1);
        Ok(Box::new(Precomputed { forecast, notes, importance, json: Some(bundle.to_json()?), n_params }))
    }
}

/// Reads a saved `Ridge-direct` back (see [`RIDGE_FORMAT`]).
pub fn restore(text: &str) -> Result<Box<dyn Predictor>, ModelError> {
    Ok(Box::new(Saved(RidgeBundle::from_json(text)?)))
}

/// `Ridge-direct`: family `linear`, needs only the target, searchable over `alpha` and
/// `train_days` (no budget knob: a fit is one solve), saved and restorable.
pub fn catalog() -> Vec<ModelEntry> {
    vec![ModelEntry::new(RIDGE_DIRECT, "linear", build_ridge).searchable(SearchResource::None).restorable(RIDGE_FORMAT, restore)]
}

fn build_ridge(spec: &BuildSpec<'_>) -> Result<Box<dyn Forecaster>, ModelError> {
    let params = RidgeParams::from_keys(spec.params)?;
    let mut model = if spec.retail { RidgeDirect::m5(spec.horizon, params)? } else { RidgeDirect::any_panel(spec.horizon, spec.season, params)? };
    model.alias = spec.alias.to_string();
    Ok(Box::new(model))
}

#[cfg(test)]
mod tests;
