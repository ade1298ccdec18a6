//! The sparsity hurdle: a zero-or-not classifier for P(y>0) on every training row, a
//! size model for E[y | y>0] on the non-zero rows, and the forecast P × E[y | y>0].
//!
//! Both parts use the direct-strategy features and recent training rows of
//! GBDT-Tweedie-direct, so the two forecasters differ only in how they model zeros.

use tsforge_core::model::ModelError;
use tsforge_core::{FeatureImportance, FitContext, FittedForecaster, Forecast, Forecaster, Panel, Precomputed};
use tsforge_features::{FeatureMatrix, FeatureSpec, Vocabulary, build_with, forecast_rows};
use tsforge_gbdt::any_panel::{LevelScale, any_panel_direct_spec, level_window};
use tsforge_gbdt::forecaster::{importance_note, importance_of, m5_direct_spec, recent_rows, tweedie_params, usable_spec};
use tsforge_gbdt::{Booster, Dataset, GbdtParams, Objective};

use crate::bundle::{ClassifierModel, HURDLE_FORMAT, HurdleBundle, SizeModel, SizeTarget};
use crate::logit::{LogisticParams, LogitModel};
use crate::quality::{ClassifierQuality, classifier_quality};

/// Which zero-or-not classifier the hurdle uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Classifier {
    /// Gradient-boosted trees with the binary logistic objective.
    Gbdt(Box<GbdtParams>),
    /// linfa's logistic regression (the simple baseline).
    Logistic(LogisticParams),
}

/// A hurdle forecaster, not yet fitted.
#[derive(Debug, Clone)]
pub struct HurdleForecaster {
    pub alias: String,
    pub features: FeatureSpec,
    pub classifier: Classifier,
    /// Booster settings of the size model (its objective included).
    pub size_params: GbdtParams,
    pub size_target: SizeTarget,
    /// The horizon its direct features were built for (the most a fit can forecast).
    pub horizon: usize,
    /// Training rows: the last `train_days` of each series, from its first sale on.
    pub train_days: usize,
    /// The classifier is scored on the training rows of the last `quality_days` days.
    pub quality_days: usize,
    /// Divide each series by its level before features, multiply forecasts back (any
    /// panel, see `tsforge_gbdt::any_panel`).
    pub level_window: Option<usize>,
}

/// Booster settings of the GBDT classifier: those of the default Tweedie GBDT with the
/// binary logistic objective.
pub fn binary_params() -> Result<GbdtParams, ModelError> {
    let mut p = tweedie_params(0)?;
    p.objective = Objective::Binary;
    Ok(p)
}

/// Booster settings of the size model: the default Tweedie(1.1) booster, on y. Measured on
/// m5-tiny (see the crate docs) it beat Poisson on y−1, Poisson on y and L2 on y.
pub fn size_params() -> Result<GbdtParams, ModelError> {
    tweedie_params(0)
}

impl HurdleForecaster {
    fn with_classifier(alias: &str, horizon: usize, classifier: Classifier) -> Result<HurdleForecaster, ModelError> {
        let h = horizon.max(1);
        Ok(HurdleForecaster {
            alias: alias.into(),
            features: m5_direct_spec(h)?,
            classifier,
            size_params: size_params()?,
            size_target: SizeTarget::Count,
            horizon: h,
            train_days: 730,
            quality_days: 28,
            level_window: None,
        })
    }

    /// The same hurdle for any long-format panel: features from the season and horizon,
    /// series divided by their level ([`tsforge_gbdt::any_panel`]).
    pub fn for_any_panel(mut self, season: usize) -> Result<HurdleForecaster, ModelError> {
        self.features = any_panel_direct_spec(self.horizon, season)?;
        self.level_window = Some(level_window(season, self.horizon));
        Ok(self)
    }

    /// `GBDT-Hurdle`: GBDT logistic classifier × GBDT size model.
    pub fn gbdt(horizon: usize) -> Result<HurdleForecaster, ModelError> {
        HurdleForecaster::with_classifier("GBDT-Hurdle", horizon, Classifier::Gbdt(Box::new(binary_params()?)))
    }

    /// `GBDT-Hurdle-Logit`: linfa logistic regression classifier × GBDT size model.
    pub fn logistic(horizon: usize) -> Result<HurdleForecaster, ModelError> {
        HurdleForecaster::with_classifier("GBDT-Hurdle-Logit", horizon, Classifier::Logistic(LogisticParams::default()))
    }

    /// The same hurdle with another size model (objective and target).
    pub fn with_size(mut self, objective: Objective, target: SizeTarget) -> HurdleForecaster {
        self.size_params.objective = objective;
        self.size_target = target;
        self
    }

    /// Fits both parts (the boosters with the context's seed, stopping at its deadline)
    /// and forecasts the context's horizon; the concrete fitted type exposes P and the
    /// size separately.
    pub fn fit_hurdle(&self, train: &Panel, ctx: &FitContext) -> Result<FittedHurdle, ModelError> {
        let horizon = ctx.horizon.max(1);
        if horizon > self.horizon {
            return Err(format!("{}: direct features for a {}-day horizon cannot forecast {horizon} days", self.alias, self.horizon).into());
        }
        let mut notes = Vec::new();
        let scaled = LevelScale::apply(train, self.level_window);
        let train = scaled.as_ref().map_or(train, |(_, p)| p);
        let features = usable_spec(&self.features, train, horizon, &mut notes);
        let spec = features.validate()?;
        let vocabulary = Vocabulary::from_panel(train);
        let rows = recent_rows(train, self.train_days);
        if rows.is_empty() {
            return Err("no training rows: every series is all zeros".into());
        }
        let x = build_with(train, &spec, &vocabulary, &rows)?;
        let y: Vec<f64> = rows.iter().map(|&(i, p)| f64::from(train.row(i)[p])).collect();
        let positive: Vec<bool> = y.iter().map(|&v| v > 0.0).collect();
        let fx = build_with(train, &spec, &vocabulary, &forecast_rows(train, horizon))?;
        let categorical = spec.categorical();

        let classifier = self.fit_classifier(ctx, &x, &categorical, &spec.columns().iter().map(|c| c.shift().is_some()).collect::<Vec<_>>(), &positive)?;
        let probability = classify(&classifier, &fx)?;
        let recent: Vec<usize> = (0..rows.len()).filter(|&r| rows[r].1 + self.quality_days >= train.n_time()).collect();
        let recent_p = classify(&classifier, &subset(&x, &recent))?;
        let quality = classifier_quality(&recent_p, &recent.iter().map(|&r| positive[r]).collect::<Vec<_>>());

        let nonzero: Vec<usize> = (0..rows.len()).filter(|&r| positive[r]).collect();
        let size_model = self.fit_size(ctx, &subset(&x, &nonzero), &nonzero.iter().map(|&r| y[r]).collect::<Vec<_>>(), &categorical)?;
        let mut size = predict_size(&size_model, &fx)?;
        if let Some((scale, _)) = &scaled {
            scale.unscale(&mut size, horizon);
        }

        let values: Vec<f64> = probability.iter().zip(&size).map(|(p, s)| p * s).collect();
        let forecast = Forecast::new(self.alias.clone(), train.n_series(), horizon, train.n_time(), values)?;

        let importance = self.importance(&classifier, &size_model, &x.names);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len().max(1) as f64;
        notes.insert(0, format!("P(y>0) by {} on the last {} training days (in-sample): {}", self.classifier_name(), self.quality_days, quality.describe()));
        notes.insert(
            1,
            format!(
                "size E[y|y>0]: {} on {} over {} non-zero of {} rows; forecast means P {:.3} × size {:.3}",
                self.size_params.objective.name(),
                self.size_target.label(),
                nonzero.len(),
                rows.len(),
                mean(&probability),
                mean(&size)
            ),
        );
        notes.insert(2, importance_note(x.n_rows, &importance));
        let bundle = HurdleBundle { format: HURDLE_FORMAT.into(), alias: self.alias.clone(), features, vocabulary, classifier, size: size_model, level_window: self.level_window };
        Ok(FittedHurdle { forecast, probability, size, quality, notes, importance, json: bundle.to_json()?, bundle })
    }

    fn classifier_name(&self) -> &'static str {
        match self.classifier {
            Classifier::Gbdt(_) => "GBDT logistic",
            Classifier::Logistic(_) => "logistic regression",
        }
    }

    fn fit_classifier(&self, ctx: &FitContext, x: &FeatureMatrix, categorical: &[usize], target_derived: &[bool], positive: &[bool]) -> Result<ClassifierModel, ModelError> {
        let n_pos = positive.iter().filter(|&&b| b).count();
        if n_pos == 0 || n_pos == positive.len() {
            return Ok(ClassifierModel::Constant { probability: n_pos as f64 / positive.len().max(1) as f64 });
        }
        Ok(match &self.classifier {
            Classifier::Gbdt(params) => {
                let mut params: GbdtParams = (**params).clone();
                params.objective = Objective::Binary;
                params.categorical_features = categorical.to_vec();
                params.seed = ctx.seed;
                let label: Vec<f64> = positive.iter().map(|&b| f64::from(u8::from(b))).collect();
                let booster = params.clone().validate()?.with_deadline(ctx.deadline).fit(&Dataset::new(&x.columns, x.n_rows, x.n_cols(), &label)?, None)?;
                ClassifierModel::Gbdt { params: Box::new(params), booster: Box::new(booster) }
            }
            Classifier::Logistic(params) => ClassifierModel::Logistic { params: params.clone(), model: LogitModel::fit(x, categorical, target_derived, positive, params)? },
        })
    }

    fn fit_size(&self, ctx: &FitContext, x: &FeatureMatrix, y: &[f64], categorical: &[usize]) -> Result<SizeModel, ModelError> {
        let Some(&first) = y.first() else {
            return Err("no non-zero training rows for the size model".into());
        };
        if y.iter().all(|&v| v == first) {
            return Ok(SizeModel::Constant { size: first });
        }
        let offset = self.size_target.offset();
        let label: Vec<f64> = y.iter().map(|v| v - offset).collect();
        let mut params = self.size_params.clone();
        // any-panel data with negative values: a log link cannot fit negative sizes
        params.square_loss_if_negative(label.iter().any(|&v| v < 0.0));
        params.categorical_features = categorical.to_vec();
        params.seed = ctx.seed;
        let booster = params.clone().validate()?.with_deadline(ctx.deadline).fit(&Dataset::new(&x.columns, x.n_rows, x.n_cols(), &label)?, None)?;
        Ok(SizeModel::Gbdt { target: self.size_target, params: Box::new(params), booster: Box::new(booster) })
    }

    fn importance(&self, classifier: &ClassifierModel, size: &SizeModel, names: &[String]) -> Vec<FeatureImportance> {
        let prefixed =
            |prefix: &str, imp: Vec<FeatureImportance>| -> Vec<FeatureImportance> { imp.into_iter().map(|f| FeatureImportance { feature: format!("{prefix}:{}", f.feature), ..f }).collect() };
        let mut out = match classifier {
            ClassifierModel::Gbdt { booster, .. } => prefixed("p>0", importance_of(booster, names)),
            // the regression has no gains: its |standardised weight| stands in, no splits
            ClassifierModel::Logistic { model, .. } => prefixed("p>0", model.importance(names).into_iter().map(|(feature, w)| FeatureImportance { feature, gain: w, splits: 0.0 }).collect()),
            ClassifierModel::Constant { .. } => Vec::new(),
        };
        if let SizeModel::Gbdt { booster, .. } = size {
            out.extend(prefixed("size", importance_of(booster, names)));
        }
        out
    }
}

/// A saved hurdle read back: P × E[y | y>0] on any panel of the training data's
/// schema, from the saved feature spec, vocabulary and models; nothing is trained.
struct SavedHurdle {
    bundle: HurdleBundle,
}

/// Reads a saved hurdle back (see [`HURDLE_FORMAT`]).
pub fn restore(text: &str) -> Result<Box<dyn tsforge_core::Predictor>, ModelError> {
    Ok(Box::new(SavedHurdle { bundle: HurdleBundle::from_json(text)? }))
}

impl tsforge_core::Predictor for SavedHurdle {
    fn forecast(&self, history: &Panel, horizon: usize, _levels: &[u8]) -> Result<Forecast, ModelError> {
        let b = &self.bundle;
        b.features.strategy.check_reach(&b.alias, horizon)?;
        let spec = b.features.validate()?;
        let scaled = LevelScale::apply(history, b.level_window);
        let input = scaled.as_ref().map_or(history, |(_, p)| p);
        let fx = build_with(input, &spec, &b.vocabulary, &forecast_rows(input, horizon))?;
        let mut size = predict_size(&b.size, &fx)?;
        if let Some((scale, _)) = &scaled {
            scale.unscale(&mut size, horizon);
        }
        let values = classify(&b.classifier, &fx)?.iter().zip(size).map(|(p, s)| p * s).collect();
        Ok(Forecast::new(b.alias.clone(), history.n_series(), horizon, history.n_time(), values)?)
    }
}

/// The rows `idx` of a feature matrix.
fn subset(x: &FeatureMatrix, idx: &[usize]) -> FeatureMatrix {
    let n = x.n_rows;
    let columns = (0..x.n_cols()).flat_map(|j| idx.iter().map(move |&r| x.columns[j * n + r])).collect();
    FeatureMatrix { names: x.names.clone(), n_rows: idx.len(), columns, rows: idx.iter().map(|&r| x.rows[r]).collect() }
}

fn boost(booster: &Booster, x: &FeatureMatrix) -> Result<Vec<f64>, ModelError> {
    Ok(booster.predict(&x.columns, x.n_rows, x.n_cols())?)
}

/// P(y>0) per row of `x`.
fn classify(model: &ClassifierModel, x: &FeatureMatrix) -> Result<Vec<f64>, ModelError> {
    match model {
        ClassifierModel::Gbdt { booster, .. } => boost(booster, x),
        ClassifierModel::Logistic { model, .. } => Ok(model.predict(x)?),
        ClassifierModel::Constant { probability } => Ok(vec![*probability; x.n_rows]),
    }
}

/// E[y | y>0] per row of `x`.
fn predict_size(model: &SizeModel, x: &FeatureMatrix) -> Result<Vec<f64>, ModelError> {
    match model {
        SizeModel::Gbdt { target, booster, .. } => Ok(boost(booster, x)?.into_iter().map(|v| v + target.offset()).collect()),
        SizeModel::Constant { size } => Ok(vec![*size; x.n_rows]),
    }
}

impl Forecaster for HurdleForecaster {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn family(&self) -> &str {
        "gbdt"
    }

    /// Fits and forecasts in one step (both parts' forecast rows are built while the
    /// training panel's features are at hand).
    fn fit(&self, train: &Panel, ctx: &FitContext) -> Result<Box<dyn FittedForecaster>, ModelError> {
        Ok(Box::new(self.fit_hurdle(train, ctx)?.into_precomputed()))
    }
}

/// A fitted hurdle with its forecast for the horizon it was trained for.
#[derive(Debug, Clone)]
pub struct FittedHurdle {
    forecast: Forecast,
    probability: Vec<f64>,
    size: Vec<f64>,
    quality: ClassifierQuality,
    notes: Vec<String>,
    importance: Vec<FeatureImportance>,
    bundle: HurdleBundle,
    json: String,
}

impl FittedHurdle {
    /// P(y>0) per series and horizon day (series-major, like the forecast).
    pub fn probability(&self) -> &[f64] {
        &self.probability
    }

    /// E[y | y>0] per series and horizon day.
    pub fn size(&self) -> &[f64] {
        &self.size
    }

    /// The classifier's scores on the last training days.
    pub fn quality(&self) -> ClassifierQuality {
        self.quality
    }

    /// The whole-horizon forecast.
    pub fn forecast(&self) -> &Forecast {
        &self.forecast
    }

    pub fn bundle(&self) -> &HurdleBundle {
        &self.bundle
    }
}

impl FittedHurdle {
    /// The fitted hurdle as the shared fitted type of models that forecast in `fit`.
    pub fn into_precomputed(self) -> Precomputed {
        let n_params = Some(self.n_params());
        Precomputed { forecast: self.forecast, notes: self.notes, importance: self.importance, json: Some(self.json), n_params }
    }

    /// What the fit noted: the classifier's quality, the size model, the importance.
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// Gain importance of both parts' features (`p>0:` and `size:` prefixed).
    pub fn feature_importance(&self) -> &[FeatureImportance] {
        &self.importance
    }

    /// The saved hurdle ([`HurdleBundle`]) as JSON.
    pub fn to_json(&self) -> &str {
        &self.json
    }

    /// Split thresholds and leaf values of both boosters (or the logistic weights).
    pub fn n_params(&self) -> u64 {
        let trees = |b: &tsforge_gbdt::Booster| -> u64 { b.trees().iter().map(|t| (2 * t.num_leaves()).saturating_sub(1) as u64).sum() };
        let classifier = match &self.bundle.classifier {
            crate::bundle::ClassifierModel::Gbdt { booster, .. } => trees(booster),
            crate::bundle::ClassifierModel::Logistic { model, .. } => model.inputs.len() as u64 + 1,
            crate::bundle::ClassifierModel::Constant { .. } => 1,
        };
        let size = match &self.bundle.size {
            crate::bundle::SizeModel::Gbdt { booster, .. } => trees(booster),
            crate::bundle::SizeModel::Constant { .. } => 1,
        };
        classifier + size
    }
}

#[cfg(test)]
pub(crate) mod tests;
