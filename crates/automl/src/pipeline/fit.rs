//! One model fitted at one origin and asked for its forecast, timed, with the guard
//! every forecast of a run passes through.

use std::time::Instant;

use tsforge_core::{FeatureImportance, FitContext, Forecast, Forecaster, Panel};

use crate::error::{Result, failed};

/// A model's forecast from one origin, with its timings and what it noted on the way.
#[derive(Debug, Clone)]
pub struct Fit {
    pub forecast: Forecast,
    pub fit_seconds: f64,
    pub predict_seconds: f64,
    /// The forecast was made inside `fit` (`fit_seconds` covers both).
    pub forecast_in_fit: bool,
    pub notes: Vec<String>,
    pub importance: Vec<FeatureImportance>,
    pub bundle: Option<String>,
    pub n_params: Option<u64>,
}

/// Fits `model` on `train` and forecasts the context's horizon (with its prediction
/// levels), capping runaway values.
pub fn fit_predict(model: &dyn Forecaster, train: &Panel, ctx: &FitContext) -> Result<Fit> {
    let t = Instant::now();
    let fitted = model.fit(train, ctx).map_err(|e| failed(format!("{} failed to fit: {e}", model.alias())))?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut forecast = fitted.predict_with_intervals(ctx.horizon, &ctx.levels).map_err(|e| failed(format!("{} failed to predict: {e}", model.alias())))?;
    forecast.start = train.n_time();
    let predict_seconds = t.elapsed().as_secs_f64();
    let mut notes = fitted.notes();
    let capped = cap_forecast(train, &mut forecast.values, ctx.horizon);
    if capped > 0 {
        notes.push(format!("{capped} forecast values above {CAP}× their series' largest observed value were capped there"));
    }
    Ok(Fit { forecast, fit_seconds, predict_seconds, forecast_in_fit: fitted.forecast_in_fit(), notes, importance: fitted.feature_importance(), bundle: fitted.to_json(), n_params: fitted.n_params() })
}

/// A forecast never exceeds this multiple of its series' largest observed value (at least 1).
pub const CAP: f64 = 5.0;

/// Caps runaway values (log-link boosters can extrapolate a rare leaf into thousands of
/// times a series' level: seen on the full-scale synthetic set) at `CAP` × the series'
/// largest observed value; returns how many values were capped.
pub fn cap_forecast(train: &Panel, values: &mut [f64], horizon: usize) -> usize {
    let mut capped = 0;
    for (i, row) in values.chunks_mut(horizon.max(1)).enumerate().take(train.n_series()) {
        let top = train.observed(i).iter().filter(|v| v.is_finite()).fold(1.0f64, |m, &v| m.max(f64::from(v)));
        let cap = CAP * top;
        for v in row.iter_mut().filter(|v| **v > cap) {
            *v = cap;
            capped += 1;
        }
    }
    capped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runaway_forecasts_are_capped_at_five_times_the_series_maximum() {
        let index = tsforge_core::TimeIndex::Periods { start: 0, len: 3 };
        let panel = Panel::dense(vec!["a".into(), "b".into()], index, vec![1.0, 4.0, 2.0, 0.0, 0.0, 0.0]).unwrap_or_else(|e| panic!("{e}"));
        // a: max 4 → cap 20; b: all zeros → cap 5 (at least 1 × 5)
        let mut values = vec![3.0, 25.0, 20.0, 6.0, 0.5, 5.0];
        assert_eq!(cap_forecast(&panel, &mut values, 3), 2);
        assert_eq!(values, vec![3.0, 20.0, 20.0, 5.0, 0.5, 5.0]);
    }
}
