//! A global GBDT forecaster over a whole panel: features from a direct-strategy spec
//! (every target feature at least one horizon old), one booster for all series, all
//! horizon days predicted at once.

use serde_json::json;
use tsforge_core::model::ModelError;
use tsforge_core::{FittedForecaster, Forecast, Forecaster, Panel};
use tsforge_features::{build, forecast_rows, FeatureSpec};

use crate::{Dataset, GbdtParams, ImportanceType};

/// A direct multi-horizon GBDT: trained on the last `train_days` of each series (from
/// its first non-zero sale on), predicting positions `end .. end + horizon`.
#[derive(Debug, Clone)]
pub struct GbdtForecaster {
    pub alias: String,
    pub features: FeatureSpec,
    pub params: GbdtParams,
    pub horizon: usize,
    pub train_days: usize,
}

impl GbdtForecaster {
    /// Tweedie GBDT with M5-style features for daily retail data (price features
    /// when the panel has prices; they are known for the forecast days).
    pub fn tweedie_direct(horizon: usize, seed: u64) -> Result<GbdtForecaster, ModelError> {
        let h = horizon.max(1);
        let features: FeatureSpec = serde_json::from_value(json!({
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
        }))?;
        let params: GbdtParams = serde_json::from_value(json!({
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
        }))?;
        Ok(GbdtForecaster { alias: "GBDT-Tweedie-direct".into(), features, params, horizon: h, train_days: 730 })
    }
}

/// The fitted model keeps its forecast for the horizon it was trained for.
struct FittedGbdt {
    forecast: Forecast,
    notes: Vec<String>,
}

impl Forecaster for GbdtForecaster {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn family(&self) -> &str {
        "gbdt"
    }

    fn fit(&self, train: &Panel) -> Result<Box<dyn FittedForecaster>, ModelError> {
        let mut features = self.features.clone();
        let mut notes = Vec::new();
        if train.prices.is_none() && !features.prices.is_empty() {
            features.prices.clear();
            notes.push("no prices: price features left out".to_string());
        }
        let spec = features.validate()?;
        let mut params = self.params.clone();
        params.categorical_features = spec.categorical();
        let params = params.validate()?;
        let t = train.n_time();
        // Training rows: recent days of each series, from its first non-zero sale on.
        let rows: Vec<(usize, usize)> = (0..train.n_series())
            .flat_map(|i| {
                let (s, e) = train.spans[i];
                let first_sale = train.row(i)[s..e].iter().position(|&v| v > 0.0).map_or(e, |k| s + k);
                let from = first_sale.max(t.saturating_sub(self.train_days));
                (from..e).map(move |p| (i, p))
            })
            .collect();
        if rows.is_empty() {
            return Err("no training rows: every series is all zeros".into());
        }
        let x = build(train, &spec, &rows)?;
        let label: Vec<f64> = rows.iter().map(|&(i, p)| f64::from(train.row(i)[p])).collect();
        let booster = params.fit(&Dataset::new(&x.columns, x.n_rows, x.n_cols(), &label)?, None)?;
        let future = forecast_rows(train, self.horizon);
        let fx = build(train, &spec, &future)?;
        let values = booster.predict(&fx.columns, fx.n_rows, fx.n_cols())?;
        let forecast = Forecast::new(self.alias.clone(), train.n_series(), self.horizon, t, values)?;
        let gain = booster.feature_importance(ImportanceType::Gain);
        let total: f64 = gain.iter().sum();
        let mut ranked: Vec<(usize, f64)> = gain.into_iter().enumerate().collect();
        ranked.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        let top: Vec<String> = ranked.iter().take(5).map(|(j, g)| format!("{} {:.0}%", x.names[*j], 100.0 * g / total.max(f64::MIN_POSITIVE))).collect();
        notes.insert(0, format!("{} rows × {} features; gain importance: {}", x.n_rows, x.n_cols(), top.join(", ")));
        Ok(Box::new(FittedGbdt { forecast, notes }))
    }
}

impl FittedForecaster for FittedGbdt {
    fn predict(&self, horizon: usize) -> Result<Forecast, ModelError> {
        let h = self.forecast.horizon;
        if horizon > h {
            return Err(format!("trained for a {h}-day horizon, asked for {horizon}").into());
        }
        let values = (0..self.forecast.n_series).flat_map(|i| self.forecast.row(i)[..horizon].iter().copied()).collect();
        Ok(Forecast::new(self.forecast.alias.clone(), self.forecast.n_series, horizon, self.forecast.start, values)?)
    }

    fn notes(&self) -> Vec<String> {
        self.notes.clone()
    }
}
