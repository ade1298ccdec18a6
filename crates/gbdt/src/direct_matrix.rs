//! What the non-boosted models on the direct feature matrix (`Ridge-direct`,
//! `RandomForest-direct`) share: forecasting from level-scaled history, and reading a
//! saved model back as a [`Predictor`].

use tsforge_core::model::ModelError;
use tsforge_core::{Forecast, Panel, Predictor};
use tsforge_features::{FeatureMatrix, FeatureSpec, ValidFeatureSpec, Vocabulary, build_with, forecast_rows};

use crate::any_panel::LevelScale;

/// Forecasts `horizon` steps after each series' end of `history`: the rows are built on
/// the history divided by its level (when `level_window` says so), `predict` maps them to
/// values, and those are multiplied back.
pub(crate) fn level_scaled_forecast(
    history: &Panel,
    level_window: Option<usize>,
    spec: &ValidFeatureSpec,
    vocabulary: &Vocabulary,
    horizon: usize,
    predict: impl FnOnce(&FeatureMatrix) -> Result<Vec<f64>, ModelError>,
) -> Result<Vec<f64>, ModelError> {
    let scaled = LevelScale::apply(history, level_window);
    let input = scaled.as_ref().map_or(history, |(_, p)| p);
    let fx = build_with(input, spec, vocabulary, &forecast_rows(input, horizon))?;
    let mut values = predict(&fx)?;
    if let Some((scale, _)) = &scaled {
        scale.unscale(&mut values, horizon);
    }
    Ok(values)
}

/// A saved direct-matrix model: its name, the feature spec it was fitted with, and its
/// forecast from a history.
pub(crate) trait SavedDirect: Send + Sync {
    fn alias(&self) -> &str;
    fn features(&self) -> &FeatureSpec;
    fn forecast(&self, history: &Panel, spec: &ValidFeatureSpec, horizon: usize) -> Result<Vec<f64>, ModelError>;
}

/// A saved model read back: forecasts a panel of the training data's schema.
pub(crate) struct Saved<B>(pub B);

impl<B: SavedDirect> Predictor for Saved<B> {
    fn forecast(&self, history: &Panel, horizon: usize, _levels: &[u8]) -> Result<Forecast, ModelError> {
        let h = horizon.max(1);
        let b = &self.0;
        b.features().strategy.check_reach(b.alias(), h)?;
        let spec = b.features().validate()?;
        let values = b.forecast(history, &spec, h)?;
        Ok(Forecast::new(b.alias().to_string(), history.n_series(), h, history.n_time(), values)?)
    }
}
