//! WRMSSE and WSPL over the M5 hierarchy, as the M5 competitors' guide defines them.
//!
//! - Every level's series are sums of bottom series; forecasts are summed the same way.
//! - Weights: dollar sales of each series over the last 28 training days, normalised to
//!   sum to 1 within a level; the 12 levels count equally.
//! - Scales: over the training history from each series' first non-zero value on, the
//!   mean squared one-step difference (RMSSE) or mean absolute one-step difference (SPL).
//! - A series without a defined scale (it never sold, or sold only on its last day)
//!   carries weight zero in practice; it contributes nothing and is counted in
//!   [`LevelScores::unscaled`].

use crate::error::{CoreError, Result};
use crate::hierarchy::Hierarchy;
use crate::metrics::point;
use crate::panel::Panel;

/// The nine quantiles of the M5 uncertainty competition.
pub const M5_QUANTILES: [f64; 9] = [0.005, 0.025, 0.165, 0.25, 0.5, 0.75, 0.835, 0.975, 0.995];

/// Days of dollar sales that set the weights.
pub const WEIGHT_DAYS: usize = 28;

/// A hierarchical score: the overall value and one value per level.
#[derive(Debug, Clone, PartialEq)]
pub struct LevelScores {
    pub total: f64,
    pub levels: Vec<f64>,
    /// Series with positive weight but no defined scale (left out of the score).
    pub unscaled: usize,
}

/// Precomputed weights and scales for scoring forecasts from one cutoff.
#[derive(Debug, Clone)]
pub struct M5Evaluator {
    hierarchy: Hierarchy,
    horizon: usize,
    weights: Vec<Vec<f64>>,
    rmsse_scales: Vec<Vec<Option<f64>>>,
    spl_scales: Vec<Vec<Option<f64>>>,
    /// Whether weights came from dollar sales (prices known) or unit sales.
    pub dollar_weights: bool,
}

impl M5Evaluator {
    /// From the training panel (everything before the cutoff). Weights use dollar sales
    /// when the panel has prices (a missing price counts as no sales), unit sales otherwise.
    pub fn from_panel(train: &Panel, hierarchy: Hierarchy, horizon: usize) -> Result<M5Evaluator> {
        let (n, t) = (train.n_series(), train.n_time());
        let k = WEIGHT_DAYS.min(t);
        let history: Vec<f64> = train.y.iter().map(|&v| if v.is_nan() { 0.0 } else { f64::from(v) }).collect();
        let mut sales = Vec::with_capacity(n * k);
        for i in 0..n {
            let units = &train.row(i)[t - k..];
            match train.price_row(i) {
                Some(p) => sales.extend(units.iter().enumerate().map(|(d, &u)| dollar(u, p.get(t - k + d).copied().unwrap_or(f32::NAN)))),
                None => sales.extend(units.iter().map(|&u| if u.is_nan() { 0.0 } else { f64::from(u) })),
            }
        }
        let mut ev = M5Evaluator::new(hierarchy, &history, t, &sales, k, horizon)?;
        ev.dollar_weights = train.prices.is_some();
        Ok(ev)
    }

    /// From raw arrays: `history` is `n × n_time` bottom values, `sales` is `n × k`
    /// amounts (dollars) whose per-level sums become the weights.
    pub fn new(hierarchy: Hierarchy, history: &[f64], n_time: usize, sales: &[f64], k: usize, horizon: usize) -> Result<M5Evaluator> {
        let n = hierarchy.n_bottom;
        check_len("training history", n * n_time, history.len())?;
        check_len("weight sales", n * k, sales.len())?;
        let mut weights = Vec::new();
        let mut rmsse_scales = Vec::new();
        let mut spl_scales = Vec::new();
        for level in 0..hierarchy.levels.len() {
            let agg_sales = hierarchy.aggregate(level, sales, k);
            let totals: Vec<f64> = agg_sales.chunks_exact(k.max(1)).map(|c| c.iter().sum()).collect();
            let grand: f64 = totals.iter().sum();
            weights.push(totals.iter().map(|s| if grand > 0.0 { s / grand } else { 0.0 }).collect());
            let agg_hist = hierarchy.aggregate(level, history, n_time);
            let rows = agg_hist.chunks_exact(n_time.max(1));
            rmsse_scales.push(rows.clone().map(point::rmsse_scale).collect());
            spl_scales.push(rows.map(point::spl_scale).collect());
        }
        Ok(M5Evaluator { hierarchy, horizon, weights, rmsse_scales, spl_scales, dollar_weights: true })
    }

    pub fn hierarchy(&self) -> &Hierarchy {
        &self.hierarchy
    }

    /// Weights of level `level`'s series (summing to 1 unless nothing sold).
    pub fn weights(&self, level: usize) -> &[f64] {
        &self.weights[level]
    }

    /// RMSSE scales of level `level`'s series.
    pub fn rmsse_scales(&self, level: usize) -> &[Option<f64>] {
        &self.rmsse_scales[level]
    }

    /// WSPL scales of level `level`'s series (mean absolute one-step change of the
    /// history from the first sale on).
    pub fn spl_scales(&self, level: usize) -> &[Option<f64>] {
        &self.spl_scales[level]
    }

    /// The forecast horizon the evaluator scores.
    pub fn horizon(&self) -> usize {
        self.horizon
    }

    /// WRMSSE of bottom-level point forecasts (`n × horizon`, series-major) against the truth.
    pub fn wrmsse(&self, actual: &[f64], forecast: &[f64]) -> Result<LevelScores> {
        let (n, h) = (self.hierarchy.n_bottom, self.horizon);
        check_len("actual values", n * h, actual.len())?;
        check_len("forecast values", n * h, forecast.len())?;
        let mut levels = Vec::with_capacity(self.hierarchy.levels.len());
        let mut unscaled = 0;
        for level in 0..self.hierarchy.levels.len() {
            let agg_a = self.hierarchy.aggregate(level, actual, h);
            let agg_f = self.hierarchy.aggregate(level, forecast, h);
            let mut score = 0.0;
            for (g, (&w, scale)) in self.weights[level].iter().zip(&self.rmsse_scales[level]).enumerate() {
                let (a, f) = (&agg_a[g * h..(g + 1) * h], &agg_f[g * h..(g + 1) * h]);
                match scale.and_then(|s| point::rmsse(a, f, s)) {
                    Some(r) => score += w * r,
                    None if w > 0.0 => unscaled += 1,
                    None => {}
                }
            }
            levels.push(score);
        }
        Ok(LevelScores { total: mean(&levels), levels, unscaled })
    }

    /// WSPL of quantile forecasts given for every series of every level:
    /// `quantiles[level]` is `groups × 9 × horizon` (series, then quantile, then step),
    /// quantiles in the order of [`M5_QUANTILES`].
    pub fn wspl(&self, actual: &[f64], quantiles: &[Vec<f64>]) -> Result<LevelScores> {
        let (n, h, nq) = (self.hierarchy.n_bottom, self.horizon, M5_QUANTILES.len());
        check_len("actual values", n * h, actual.len())?;
        check_len("quantile levels", self.hierarchy.levels.len(), quantiles.len())?;
        let mut levels = Vec::with_capacity(quantiles.len());
        let mut unscaled = 0;
        for (level, q) in quantiles.iter().enumerate() {
            let groups = self.weights[level].len();
            check_len("quantile forecasts of a level", groups * nq * h, q.len())?;
            let agg_a = self.hierarchy.aggregate(level, actual, h);
            let mut score = 0.0;
            for (g, (&w, scale)) in self.weights[level].iter().zip(&self.spl_scales[level]).enumerate() {
                let a = &agg_a[g * h..(g + 1) * h];
                match scale.filter(|s| *s > 0.0) {
                    Some(s) => {
                        let spl: f64 = M5_QUANTILES.iter().enumerate().map(|(j, &u)| point::pinball(a, &q[(g * nq + j) * h..(g * nq + j + 1) * h], u) / s).sum();
                        score += w * spl / nq as f64;
                    }
                    None if w > 0.0 => unscaled += 1,
                    None => {}
                }
            }
            levels.push(score);
        }
        Ok(LevelScores { total: mean(&levels), levels, unscaled })
    }
}

fn dollar(units: f32, price: f32) -> f64 {
    if units.is_nan() || price.is_nan() { 0.0 } else { f64::from(units) * f64::from(price) }
}

fn mean(v: &[f64]) -> f64 {
    if v.is_empty() { f64::NAN } else { v.iter().sum::<f64>() / v.len() as f64 }
}

fn check_len(what: &str, expected: usize, got: usize) -> Result<()> {
    if expected == got { Ok(()) } else { Err(CoreError::Shape { what: what.into(), expected, got }) }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hierarchy::SeriesAttrs;

    fn attrs(store: &str) -> SeriesAttrs {
        SeriesAttrs { item: "FOODS_1_001".into(), dept: "FOODS_1".into(), cat: "FOODS".into(), store: store.into(), state: store[..2].into() }
    }

    /// Two series, hand-computed: history [0,1,3] and [2,2,4], h = 2.
    #[test]
    fn hand_computed_wrmsse() {
        let h = Hierarchy::m5(&[attrs("CA_1"), attrs("TX_1")]);
        let history = [0.0, 1.0, 3.0, 2.0, 2.0, 4.0];
        // weights over the last 2 days: series 0 sold 1*1 + 3*1 = 4 dollars, series 1 2*2 + 4*2 = 12.
        let sales = [1.0, 3.0, 4.0, 8.0];
        let ev = M5Evaluator::new(h, &history, 3, &sales, 2, 2).unwrap_or_else(|e| panic!("{e}"));
        let actual = [2.0, 2.0, 4.0, 6.0];
        let forecast = [3.0, 3.0, 4.0, 4.0];
        let s = ev.wrmsse(&actual, &forecast).unwrap_or_else(|e| panic!("{e}"));
        // series 0: scale from index 1: diff 2 → 4; mse 1 → rmsse 0.5
        // series 1: diffs 0, 2 → scale 2; mse (0 + 4)/2 = 2 → rmsse 1
        let bottom = 0.25 * 0.5 + 0.75 * 1.0;
        // total: history 2,3,7 → diffs 1,4 → scale 8.5; actual 6,8 vs forecast 7,7 → mse 1
        let total = (1.0f64 / 8.5).sqrt();
        // levels: total, state(2), store(2), cat(1), dept(1), state_cat(2), state_dept(2),
        // store_cat(2), store_dept(2), item(1), item_state(2), item_store(2)
        let expected = [total, bottom, bottom, total, total, bottom, bottom, bottom, bottom, total, bottom, bottom];
        for (got, want) in s.levels.iter().zip(expected) {
            assert!((got - want).abs() < 1e-12, "{got} vs {want}");
        }
        assert!((s.total - expected.iter().sum::<f64>() / 12.0).abs() < 1e-12);
    }

    #[test]
    fn perfect_forecast_scores_zero_and_shapes_are_checked() {
        let h = Hierarchy::m5(&[attrs("CA_1")]);
        let ev = M5Evaluator::new(h, &[1.0, 2.0, 4.0], 3, &[2.0, 4.0], 2, 2).unwrap_or_else(|e| panic!("{e}"));
        let s = ev.wrmsse(&[3.0, 1.0], &[3.0, 1.0]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.total, 0.0);
        assert!(ev.wrmsse(&[3.0], &[3.0, 1.0]).is_err());
    }

    #[test]
    fn hand_computed_wspl() {
        let h = Hierarchy::m5(&[attrs("CA_1")]);
        let ev = M5Evaluator::new(h, &[1.0, 3.0, 4.0], 3, &[1.0, 1.0], 2, 1).unwrap_or_else(|e| panic!("{e}"));
        // abs scale: diffs 2, 1 → 1.5. Every quantile forecast = 4, truth 5 → loss u * 1.
        let q: Vec<Vec<f64>> = (0..12).map(|_| vec![4.0; 9]).collect();
        let s = ev.wspl(&[5.0], &q).unwrap_or_else(|e| panic!("{e}"));
        let expected = M5_QUANTILES.iter().sum::<f64>() / 9.0 / 1.5;
        assert!((s.total - expected).abs() < 1e-12);
    }
}
