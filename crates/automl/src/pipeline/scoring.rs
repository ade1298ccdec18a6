//! Scores of one forecast against the truth: WRMSSE with its levels on M5 data, and
//! the per-series metrics (averaged over series) on any data.

use tsforge_core::metrics::{M5Evaluator, point};
use tsforge_core::{Forecast, Panel};
pub use tsforge_report::Scores;

/// Truth of the scored window plus what scoring needs from the training history.
#[derive(Debug, Clone, Copy)]
pub struct Truth<'a> {
    pub train: &'a Panel,
    /// `n × horizon` actual values, series-major.
    pub actual: &'a [f64],
    pub horizon: usize,
    pub season: usize,
    pub m5: Option<&'a M5Evaluator>,
}

impl Truth<'_> {
    pub fn score(&self, forecast: &Forecast) -> Result<Scores, tsforge_core::CoreError> {
        let mut scores = self.series_scores(forecast);
        if let Some(ev) = self.m5 {
            let s = ev.wrmsse(self.actual, &forecast.values)?;
            scores.wrmsse = Some(s.total);
            scores.levels = s.levels;
        }
        Ok(scores)
    }

    /// Only the leaderboard's head metric: WRMSSE straight from the evaluator on M5 data
    /// (the per-series metrics would rescan every history), else the per-series mean.
    /// The ensemble's selection calls this hundreds of times. Where no series has a
    /// scale (every history constant or exactly seasonal), MASE is undefined and the
    /// mean absolute error stands in, so that models can still be ranked on the window.
    pub fn main_score(&self, metric: tsforge_report::Metric, forecast: &Forecast) -> Option<f64> {
        match (metric, self.m5) {
            (tsforge_report::Metric::Wrmsse, Some(ev)) => ev.wrmsse(self.actual, &forecast.values).ok().map(|s| s.total),
            _ => {
                let scores = self.score(forecast).ok()?;
                metric.of(&scores).or(scores.mae)
            }
        }
    }

    /// Series whose training history gives RMSSE or MASE no scale (fewer than two values
    /// from the first sale on, or a constant history): those metrics average over the
    /// other series, which the leaderboard's notes say. `(rmsse, mase)` counts.
    pub fn undefined_scales(&self) -> (usize, usize) {
        let (mut rmsse, mut mase) = (0, 0);
        for i in 0..self.train.n_series() {
            let hist: Vec<f64> = self.train.observed(i).iter().map(|&v| f64::from(v)).collect();
            let season = if hist.len() > self.season { self.season } else { 1 };
            rmsse += usize::from(!point::rmsse_scale(&hist).is_some_and(|s| s > 0.0 && s.is_finite()));
            mase += usize::from(!point::mean_abs_diff(&hist, season).is_some_and(|s| s > 0.0 && s.is_finite()));
        }
        (rmsse, mase)
    }

    /// The note for [`Self::undefined_scales`], if any series lacks a scale.
    pub fn scale_note(&self) -> Option<String> {
        let (rmsse, mase) = self.undefined_scales();
        let n = self.train.n_series();
        (rmsse + mase > 0).then(|| {
            format!("Series without a scale (their training history is constant or has fewer than two values from the first sale on): {rmsse} of {n} for RMSSE, {mase} of {n} for MASE; those columns average over the other series, and the series are not scored by them.")
        })
    }

    /// Per-series metrics averaged over the series where each is defined.
    fn series_scores(&self, forecast: &Forecast) -> Scores {
        let h = self.horizon;
        let mut acc: [Vec<f64>; 6] = Default::default();
        for i in 0..self.train.n_series() {
            let a = &self.actual[i * h..(i + 1) * h];
            let f = forecast.row(i);
            let hist: Vec<f64> = self.train.observed(i).iter().map(|&v| f64::from(v)).collect();
            let season = if hist.len() > self.season { self.season } else { 1 };
            let per = [
                point::rmsse_scale(&hist).and_then(|s| point::rmsse(a, f, s)),
                point::mase(a, f, &hist, season),
                Some(point::smape(a, f)),
                Some(point::mae(a, f)),
                Some(point::rmse(a, f)),
                Some(point::bias(a, f)),
            ];
            for (dst, v) in acc.iter_mut().zip(per) {
                dst.extend(v.filter(|x| x.is_finite()));
            }
        }
        let mean = |v: &Vec<f64>| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        Scores { wrmsse: None, levels: Vec::new(), rmsse: mean(&acc[0]), mase: mean(&acc[1]), smape: mean(&acc[2]), mae: mean(&acc[3]), rmse: mean(&acc[4]), bias: mean(&acc[5]) }
    }
}
