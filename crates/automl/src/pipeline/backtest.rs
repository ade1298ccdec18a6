//! The backtest every fixed model and trial is scored on: one or more rolling windows of
//! the horizon's length at the end of the training data (the last first). A model's
//! backtest forecast is its windows' forecasts one after the other; its score is the
//! mean of the windows' scores.

use tsforge_core::{FitContext, Forecast, Forecaster};
use tsforge_report::Metric;

use crate::pipeline::fit::cap_forecast;
use crate::pipeline::plan::BacktestWindow;
use crate::pipeline::scoring::Truth;

/// The windows and how they are scored.
#[derive(Debug, Clone)]
pub struct Backtest<'a> {
    pub windows: &'a [BacktestWindow],
    pub metric: Metric,
    pub horizon: usize,
    pub season: usize,
    /// The seed and deadline of every backtest fit (the horizon is the backtest's).
    pub ctx: FitContext,
}

impl Backtest<'_> {
    fn truth<'w>(&self, w: &'w BacktestWindow) -> Truth<'w> {
        Truth { train: &w.train, actual: &w.actual, horizon: self.horizon, season: self.season, m5: w.m5.as_ref() }
    }

    /// Fits `model` before each window and returns its forecasts of the windows and score.
    pub fn run(&self, model: &dyn Forecaster) -> Result<(Vec<f64>, f64), String> {
        let ctx = FitContext { horizon: self.horizon, levels: Vec::new(), ..self.ctx.clone() };
        let mut values = Vec::new();
        for w in self.windows {
            let fitted = model.fit(&w.train, &ctx).map_err(|e| e.to_string())?;
            let mut forecast = fitted.predict(self.horizon).map_err(|e| e.to_string())?;
            // the same guard as the final fits, so the backtest judges what would be submitted
            cap_forecast(&w.train, &mut forecast.values, self.horizon);
            values.extend(forecast.values);
        }
        let score = self.score(&values).ok_or_else(|| format!("no {} on the backtest", self.metric.name()))?;
        Ok((values, score))
    }

    /// The mean score over the windows of a backtest forecast (windows one after another).
    pub fn score(&self, values: &[f64]) -> Option<f64> {
        let scores = self.window_scores(values)?;
        (!scores.is_empty()).then(|| scores.iter().sum::<f64>() / scores.len() as f64)
    }

    /// The score of each window of a backtest forecast, the latest first.
    pub fn window_scores(&self, values: &[f64]) -> Option<Vec<f64>> {
        let mut out = Vec::with_capacity(self.windows.len());
        for (k, w) in self.windows.iter().enumerate() {
            let n = w.train.n_series();
            let part = values.get(k * n * self.horizon..(k + 1) * n * self.horizon)?;
            let f = Forecast::new("backtest", n, self.horizon, w.train.n_time(), part.to_vec()).ok()?;
            out.push(self.truth(w).main_score(self.metric, &f)?);
        }
        Some(out)
    }
}
