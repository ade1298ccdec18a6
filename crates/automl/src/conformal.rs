//! Quantile forecasts for every level of the M5 hierarchy from any point forecast,
//! calibrated on its own backtest errors (split-conformal style, no refit).
//!
//! At each level, the backtest forecasts are summed to the level's series, and each
//! error `actual − forecast` is divided by the series' WSPL scale (the mean absolute
//! one-step change of its history), which makes errors of a store total and of one
//! item comparable. The scaled errors are pooled over the level's series and steps,
//! optionally in bins of the scaled forecast (a series forecast at 0.2 units a day
//! errs differently from one forecast at 20: mostly by −0.2, sometimes by +3), and
//! their empirical quantiles, times the series' scale, are added to the final
//! forecast. Quantiles are clipped at zero (counts), which keeps them in order since
//! the error quantiles are.
//!
//! How many bins each level gets is chosen on the backtest: each candidate is
//! calibrated on every window but one and scored (scaled pinball loss) on that one, in
//! turn; with a single window the choice is in-sample.
//!
//! ```
//! use tsforge_automl::conformal::{Calibration, Window};
//! use tsforge_core::hierarchy::{Hierarchy, SeriesAttrs};
//! use tsforge_core::metrics::M5Evaluator;
//!
//! let attrs = SeriesAttrs { item: "FOODS_1_001".into(), dept: "FOODS_1".into(), cat: "FOODS".into(), store: "CA_1".into(), state: "CA".into() };
//! // one series, history 1, 3, 4 (scale 1.5), a 2-day backtest that forecast 2 and saw 1 and 3
//! let ev = M5Evaluator::new(Hierarchy::m5(&[attrs]), &[1.0, 3.0, 4.0], 3, &[1.0, 1.0], 2, 2)?;
//! let window = Window { ev: &ev, actual: &[1.0, 3.0], forecast: &[2.0, 2.0] };
//! let cal = Calibration::fit(&[window], &[1; 12]);
//! let q = cal.quantiles(&ev, &[2.0, 2.0]); // per level: groups × 9 quantiles × steps
//! assert_eq!(q.len(), 12);
//! assert!(q[11][..2].iter().all(|&v| v >= 1.0 - 1e-9)); // the 0.005 quantile near 2 − 1
//! # Ok::<(), tsforge_core::CoreError>(())
//! ```

use tsforge_core::metrics::{M5_QUANTILES, M5Evaluator};

const NQ: usize = M5_QUANTILES.len();

/// Fewest pooled errors per bin: the 0.5 % quantile needs a few hundred.
const MIN_PER_BIN: usize = 400;

/// Bin counts tried at each level: one pool, or up to eight bins of the scaled forecast.
pub const BIN_CHOICES: [usize; 2] = [1, 8];

/// One backtest window: its evaluator (hierarchy and scales of the history before it),
/// the truth and a point forecast of it (bottom series, `n × horizon`, series-major).
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    pub ev: &'a M5Evaluator,
    pub actual: &'a [f64],
    pub forecast: &'a [f64],
}

/// The error quantiles of one level: upper edges of the bins of the scaled forecast
/// (the last bin open) and the nine quantiles of the scaled errors in each bin.
#[derive(Debug, Clone, PartialEq)]
struct LevelTable {
    edges: Vec<f64>,
    quantiles: Vec<[f64; NQ]>,
}

/// Calibrated error quantiles of every level.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    levels: Vec<LevelTable>,
    /// Bins used at each level (fewer than asked where the errors are few).
    pub bins: Vec<usize>,
}

impl Calibration {
    /// Calibrates on `windows` with at most `max_bins[level]` bins at each level.
    pub fn fit(windows: &[Window<'_>], max_bins: &[usize]) -> Calibration {
        let n_levels = windows.first().map_or(0, |w| w.ev.hierarchy().levels.len());
        let levels: Vec<LevelTable> = (0..n_levels).map(|l| LevelTable::fit(scaled_errors(windows, l), max_bins.get(l).copied().unwrap_or(1))).collect();
        let bins = levels.iter().map(|t| t.quantiles.len()).collect();
        Calibration { levels, bins }
    }

    /// Cross-fitted choice of the bin count per level among [`BIN_CHOICES`], then the
    /// calibration on every window. Returns it and, per level, the mean held-out scaled
    /// pinball loss of the chosen count (`None` with one window: nothing held out).
    pub fn choose(windows: &[Window<'_>]) -> (Calibration, Option<Vec<f64>>) {
        let n_levels = windows.first().map_or(0, |w| w.ev.hierarchy().levels.len());
        if windows.len() < 2 {
            let Some(only) = windows.first() else { return (Calibration::fit(windows, &[]), None) };
            // one window: the choice can only be in-sample
            let scores: Vec<Vec<f64>> = BIN_CHOICES.iter().map(|&b| level_scores(&Calibration::fit(windows, &vec![b; n_levels]), only)).collect();
            let best = best_per_level(&scores, n_levels);
            return (Calibration::fit(windows, &best), None);
        }
        let mut held_out = vec![vec![0.0; n_levels]; BIN_CHOICES.len()];
        for (c, &b) in BIN_CHOICES.iter().enumerate() {
            for k in 0..windows.len() {
                let rest: Vec<Window<'_>> = windows.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, w)| *w).collect();
                let scores = level_scores(&Calibration::fit(&rest, &vec![b; n_levels]), &windows[k]);
                for (acc, s) in held_out[c].iter_mut().zip(scores) {
                    *acc += s / windows.len() as f64;
                }
            }
        }
        let best = best_per_level(&held_out, n_levels);
        let chosen: Vec<f64> = (0..n_levels).map(|l| held_out[BIN_CHOICES.iter().position(|&b| b == best[l]).unwrap_or(0)][l]).collect();
        (Calibration::fit(windows, &best), Some(chosen))
    }

    /// Quantile forecasts of every level for the bottom point forecast `forecast`
    /// (`n × horizon`) from the end of `ev`'s history: per level, `groups × 9 × horizon`
    /// (series, then quantile in the order of [`M5_QUANTILES`], then step), as
    /// [`M5Evaluator::wspl`] takes them.
    pub fn quantiles(&self, ev: &M5Evaluator, forecast: &[f64]) -> Vec<Vec<f64>> {
        let h = ev.horizon();
        let hierarchy = ev.hierarchy();
        (0..hierarchy.levels.len())
            .map(|l| {
                let agg = hierarchy.aggregate(l, forecast, h);
                let scales = ev.spl_scales(l);
                let mut out = vec![0.0; scales.len() * NQ * h];
                for (g, scale) in scales.iter().enumerate() {
                    for t in 0..h {
                        let f = agg[g * h + t];
                        let q = match (usable(*scale), self.levels.get(l)) {
                            (Some(s), Some(table)) => table.at(f, s),
                            _ => [f; NQ],
                        };
                        for (j, v) in q.iter().enumerate() {
                            out[(g * NQ + j) * h + t] = v.max(0.0);
                        }
                    }
                }
                out
            })
            .collect()
    }
}

impl LevelTable {
    fn fit(mut points: Vec<(f64, f64)>, max_bins: usize) -> LevelTable {
        if points.is_empty() {
            return LevelTable { edges: Vec::new(), quantiles: Vec::new() };
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let bins = max_bins.min(points.len() / MIN_PER_BIN).max(1);
        let mut edges = Vec::with_capacity(bins);
        let mut quantiles = Vec::with_capacity(bins);
        for b in 0..bins {
            let chunk = &points[b * points.len() / bins..(b + 1) * points.len() / bins];
            edges.push(if b + 1 == bins { f64::INFINITY } else { chunk[chunk.len() - 1].0 });
            let mut errors: Vec<f64> = chunk.iter().map(|p| p.1).collect();
            errors.sort_by(f64::total_cmp);
            quantiles.push(M5_QUANTILES.map(|u| empirical_quantile(&errors, u)));
        }
        LevelTable { edges, quantiles }
    }

    /// The nine quantiles of a series forecast at `f` with scale `s`.
    fn at(&self, f: f64, s: f64) -> [f64; NQ] {
        if self.quantiles.is_empty() {
            return [f; NQ];
        }
        let x = f / s;
        let bin = self.edges.iter().position(|&e| x <= e).unwrap_or(self.edges.len() - 1);
        self.quantiles[bin].map(|e| f + e * s)
    }
}

/// `(forecast / scale, (actual − forecast) / scale)` of every series and step of level
/// `level` over the windows, for series with a usable scale.
fn scaled_errors(windows: &[Window<'_>], level: usize) -> Vec<(f64, f64)> {
    let mut out = Vec::new();
    for w in windows {
        let h = w.ev.horizon();
        let agg_f = w.ev.hierarchy().aggregate(level, w.forecast, h);
        let agg_a = w.ev.hierarchy().aggregate(level, w.actual, h);
        for (g, scale) in w.ev.spl_scales(level).iter().enumerate() {
            let Some(s) = usable(*scale) else { continue };
            for t in g * h..(g + 1) * h {
                let (f, a) = (agg_f[t], agg_a[t]);
                if f.is_finite() && a.is_finite() {
                    out.push((f / s, (a - f) / s));
                }
            }
        }
    }
    out
}

fn usable(scale: Option<f64>) -> Option<f64> {
    scale.filter(|s| s.is_finite() && *s > 0.0)
}

/// Per-level WSPL of `cal`'s quantiles of `w`'s forecast, scored on `w`'s truth.
fn level_scores(cal: &Calibration, w: &Window<'_>) -> Vec<f64> {
    let q = cal.quantiles(w.ev, w.forecast);
    w.ev.wspl(w.actual, &q).map(|s| s.levels).unwrap_or_default()
}

/// The bin count with the lowest score at each level (`scores[choice][level]`), the
/// first choice on ties.
fn best_per_level(scores: &[Vec<f64>], n_levels: usize) -> Vec<usize> {
    (0..n_levels)
        .map(|l| {
            let best = (0..BIN_CHOICES.len()).min_by(|&a, &b| scores[a].get(l).unwrap_or(&f64::INFINITY).total_cmp(scores[b].get(l).unwrap_or(&f64::INFINITY)).then(a.cmp(&b)));
            BIN_CHOICES[best.unwrap_or(0)]
        })
        .collect()
}

/// The `u`-quantile of sorted values, interpolating linearly between order statistics
/// (numpy's default, "type 7").
pub fn empirical_quantile(sorted: &[f64], u: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let pos = u.clamp(0.0, 1.0) * (n - 1) as f64;
            let lo = pos.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
        }
    }
}

/// Share of the truth at or below each quantile, pooled over the series and steps of
/// each level (series with a usable scale), then averaged over the levels: the
/// observed coverage to set beside the nominal `M5_QUANTILES`.
pub fn coverage(ev: &M5Evaluator, actual: &[f64], quantiles: &[Vec<f64>]) -> [f64; NQ] {
    let h = ev.horizon();
    let mut out = [0.0; NQ];
    let mut counted = 0;
    for (l, q) in quantiles.iter().enumerate() {
        let agg_a = ev.hierarchy().aggregate(l, actual, h);
        let mut below = [0usize; NQ];
        let mut n = 0usize;
        for (g, scale) in ev.spl_scales(l).iter().enumerate() {
            if usable(*scale).is_none() {
                continue;
            }
            for t in 0..h {
                n += 1;
                for (j, b) in below.iter_mut().enumerate() {
                    *b += usize::from(agg_a[g * h + t] <= q[(g * NQ + j) * h + t]);
                }
            }
        }
        if n > 0 {
            counted += 1;
            for (o, b) in out.iter_mut().zip(below) {
                *o += b as f64 / n as f64;
            }
        }
    }
    out.map(|v| if counted > 0 { v / counted as f64 } else { f64::NAN })
}

#[cfg(test)]
mod tests;
