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
//! Each level's scale (the history's or the series' own backtest errors) and bin
//! count are chosen on the backtest: each candidate is
//! calibrated on every window but one and scored (scaled pinball loss) on that one, in
//! turn; with a single window the choice is in-sample.
//!
//! ```
//! use tsforge_automl::conformal::{CANDIDATES, Calibration, Window};
//! use tsforge_core::hierarchy::{Hierarchy, SeriesAttrs};
//! use tsforge_core::metrics::M5Evaluator;
//!
//! let attrs = SeriesAttrs { item: "FOODS_1_001".into(), dept: "FOODS_1".into(), cat: "FOODS".into(), store: "CA_1".into(), state: "CA".into() };
//! // one series, history 1, 3, 4 (scale 1.5), a 2-day backtest that forecast 2 and saw 1 and 3
//! let ev = M5Evaluator::new(Hierarchy::m5(&[attrs]), &[1.0, 3.0, 4.0], 3, &[1.0, 1.0], 2, 2)?;
//! let window = Window { ev: &ev, actual: &[1.0, 3.0], forecast: &[2.0, 2.0] };
//! let cal = Calibration::fit(&[window], &[CANDIDATES[0]; 12]);
//! let q = cal.quantiles(&ev, &[2.0, 2.0]); // per level: groups × 9 quantiles × steps
//! assert_eq!(q.len(), 12);
//! assert!(q[11][..2].iter().all(|&v| v >= 1.0 - 1e-9)); // the 0.005 quantile near 2 − 1
//! # Ok::<(), tsforge_core::CoreError>(())
//! ```

use tsforge_core::metrics::{M5_QUANTILES, M5Evaluator};

const NQ: usize = M5_QUANTILES.len();

/// Fewest pooled errors per bin: the 0.5 % quantile needs a few hundred.
const MIN_PER_BIN: usize = 400;

/// Fewer pooled errors than this (one short series, a handful of windows) say little
/// about skew: their absolute values are mirrored, so that the quantiles are symmetric
/// about the forecast (split-conformal's usual interval), not all on one side of it
/// when the few errors happened to share a sign.
const MIN_ASYMMETRIC: usize = 20;

/// What a series' errors are divided by before they are pooled with its level's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scale {
    /// The WSPL scale: the mean absolute one-step change of the series' history.
    History,
    /// The series' own mean absolute backtest error (the history scale where that is
    /// zero): a series the model forecasts well gets narrow quantiles, one it misses
    /// (a launch, a stock-out) wide ones, whatever their histories' volatility.
    Errors,
    /// No pooled errors: a negative binomial around the forecast (the forecast its
    /// mean), its dispersion fitted to the level's backtest errors by moments (Poisson
    /// where they vary no more than Poisson counts do): a distribution for counts.
    NegBin,
}

/// One way of calibrating a level: its scale and the most bins of the scaled forecast.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Candidate {
    pub scale: Scale,
    pub bins: usize,
}

/// The candidates tried at each level.
pub const CANDIDATES: [Candidate; 5] = [
    Candidate { scale: Scale::History, bins: 1 },
    Candidate { scale: Scale::History, bins: 8 },
    Candidate { scale: Scale::Errors, bins: 1 },
    Candidate { scale: Scale::Errors, bins: 8 },
    Candidate { scale: Scale::NegBin, bins: 1 },
];

/// One backtest window: its evaluator (hierarchy and scales of the history before it),
/// the truth and a point forecast of it (bottom series, `n × horizon`, series-major).
#[derive(Debug, Clone, Copy)]
pub struct Window<'a> {
    pub ev: &'a M5Evaluator,
    pub actual: &'a [f64],
    pub forecast: &'a [f64],
}

/// The scaled errors of one level: its candidate, each series' error scale (for
/// [`Scale::Errors`]), upper edges of the bins of the scaled forecast (the last bin
/// open) and the sorted scaled errors of each bin.
#[derive(Debug, Clone, PartialEq)]
struct LevelTable {
    candidate: Candidate,
    error_scales: Vec<Option<f64>>,
    edges: Vec<f64>,
    errors: Vec<Vec<f64>>,
    /// [`Scale::NegBin`]: the inverse of the dispersion `r` (0: Poisson).
    inverse_dispersion: f64,
}

/// Calibrated error quantiles of every level.
#[derive(Debug, Clone, PartialEq)]
pub struct Calibration {
    levels: Vec<LevelTable>,
    /// Quantiles are clipped at zero (counts; on by default).
    pub nonnegative: bool,
}

impl Calibration {
    /// Calibrates on `windows` with `candidates[level]` at each level.
    pub fn fit(windows: &[Window<'_>], candidates: &[Candidate]) -> Calibration {
        let n_levels = windows.first().map_or(0, |w| w.ev.hierarchy().levels.len());
        let levels = (0..n_levels).map(|l| LevelTable::fit(windows, l, candidates.get(l).copied().unwrap_or(CANDIDATES[0]))).collect();
        Calibration { levels, nonnegative: true }
    }

    /// Each level's candidate and the bins it ended with (fewer than asked where the
    /// errors are few), in words: `history/1`, `errors/8`.
    pub fn describe(&self) -> Vec<String> {
        self.levels
            .iter()
            .map(|t| match t.candidate.scale {
                Scale::History => format!("history/{}", t.errors.len()),
                Scale::Errors => format!("errors/{}", t.errors.len()),
                Scale::NegBin => format!("negbin(1/r={:.3})", t.inverse_dispersion),
            })
            .collect()
    }

    /// Cross-fitted choice of a candidate per level among [`CANDIDATES`], then the
    /// calibration on every window. Returns it and, per level, the mean held-out scaled
    /// pinball loss of the chosen candidate (`None` with one window: nothing held out).
    pub fn choose(windows: &[Window<'_>]) -> (Calibration, Option<Vec<f64>>) {
        let n_levels = windows.first().map_or(0, |w| w.ev.hierarchy().levels.len());
        if windows.len() < 2 {
            let Some(only) = windows.first() else { return (Calibration::fit(windows, &[]), None) };
            // one window: the choice can only be in-sample
            let scores: Vec<Vec<f64>> = CANDIDATES.iter().map(|&c| level_scores(&Calibration::fit(windows, &vec![c; n_levels]), only)).collect();
            let best = best_per_level(&scores, n_levels);
            return (Calibration::fit(windows, &best.iter().map(|&c| CANDIDATES[c]).collect::<Vec<_>>()), None);
        }
        let mut held_out = vec![vec![0.0; n_levels]; CANDIDATES.len()];
        for (c, &candidate) in CANDIDATES.iter().enumerate() {
            for k in 0..windows.len() {
                let rest: Vec<Window<'_>> = windows.iter().enumerate().filter(|(j, _)| *j != k).map(|(_, w)| *w).collect();
                let scores = level_scores(&Calibration::fit(&rest, &vec![candidate; n_levels]), &windows[k]);
                for (acc, s) in held_out[c].iter_mut().zip(scores) {
                    *acc += s / windows.len() as f64;
                }
            }
        }
        let best = best_per_level(&held_out, n_levels);
        let chosen: Vec<f64> = (0..n_levels).map(|l| held_out[best[l]][l]).collect();
        (Calibration::fit(windows, &best.iter().map(|&c| CANDIDATES[c]).collect::<Vec<_>>()), Some(chosen))
    }

    /// Quantile forecasts of every level for the bottom point forecast `forecast`
    /// (`n × horizon`) from the end of `ev`'s history: per level, `groups × 9 × horizon`
    /// (series, then quantile in the order of [`M5_QUANTILES`], then step), as
    /// [`M5Evaluator::wspl`] takes them.
    pub fn quantiles(&self, ev: &M5Evaluator, forecast: &[f64]) -> Vec<Vec<f64>> {
        (0..ev.hierarchy().levels.len()).map(|l| self.level_quantiles(ev, forecast, l, &M5_QUANTILES)).collect()
    }

    /// Quantiles at `levels` (shares in 0..1, ascending) of level `level`'s series:
    /// `groups × levels.len() × horizon`.
    pub fn level_quantiles(&self, ev: &M5Evaluator, forecast: &[f64], level: usize, levels: &[f64]) -> Vec<f64> {
        let h = ev.horizon();
        let nq = levels.len();
        let agg = ev.hierarchy().aggregate(level, forecast, h);
        let history = ev.spl_scales(level);
        let table = self.levels.get(level);
        let mut out = vec![0.0; history.len() * nq * h];
        for (g, hist) in history.iter().enumerate() {
            let scale = table.and_then(|t| t.scale_of(g, *hist));
            for t in 0..h {
                let f = agg[g * h + t];
                for (j, &u) in levels.iter().enumerate() {
                    let v = match (scale, table) {
                        (Some(s), Some(table)) => table.at(f, s, u),
                        _ => f,
                    };
                    out[(g * nq + j) * h + t] = if self.nonnegative { v.max(0.0) } else { v };
                }
            }
        }
        out
    }
}

impl LevelTable {
    fn fit(windows: &[Window<'_>], level: usize, candidate: Candidate) -> LevelTable {
        let error_scales = if candidate.scale == Scale::Errors { mean_abs_errors(windows, level) } else { Vec::new() };
        let mut table = LevelTable { candidate, error_scales, edges: Vec::new(), errors: Vec::new(), inverse_dispersion: 0.0 };
        if candidate.scale == Scale::NegBin {
            table.inverse_dispersion = inverse_dispersion(windows, level);
            return table;
        }
        let mut points = table.scaled_errors(windows, level);
        if points.is_empty() {
            return table;
        }
        if points.len() < MIN_ASYMMETRIC {
            points = points.iter().flat_map(|&(x, e)| [(x, e.abs()), (x, -e.abs())]).collect();
        }
        points.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.total_cmp(&b.1)));
        let bins = candidate.bins.min(points.len() / MIN_PER_BIN).max(1);
        for b in 0..bins {
            let chunk = &points[b * points.len() / bins..(b + 1) * points.len() / bins];
            table.edges.push(if b + 1 == bins { f64::INFINITY } else { chunk[chunk.len() - 1].0 });
            let mut errors: Vec<f64> = chunk.iter().map(|p| p.1).collect();
            errors.sort_by(f64::total_cmp);
            table.errors.push(errors);
        }
        table
    }

    /// The scale of series `g` of the level, given its history scale.
    fn scale_of(&self, g: usize, history: Option<f64>) -> Option<f64> {
        let history = usable(history);
        match self.candidate.scale {
            Scale::History => history,
            Scale::Errors => usable(self.error_scales.get(g).copied().flatten()).or(history),
            // the negative binomial needs no scale, but a series without one (it never
            // sold) keeps its forecast as every quantile, as with the other candidates
            Scale::NegBin => history,
        }
    }

    /// `(forecast / scale, (actual − forecast) / scale)` of every series and step of
    /// level `level` over the windows, for series with a usable scale.
    fn scaled_errors(&self, windows: &[Window<'_>], level: usize) -> Vec<(f64, f64)> {
        let mut out = Vec::new();
        for w in windows {
            let h = w.ev.horizon();
            let agg_f = w.ev.hierarchy().aggregate(level, w.forecast, h);
            let agg_a = w.ev.hierarchy().aggregate(level, w.actual, h);
            for (g, history) in w.ev.spl_scales(level).iter().enumerate() {
                let Some(s) = self.scale_of(g, *history) else { continue };
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

    /// The `u`-quantile of a series forecast at `f` with scale `s`.
    fn at(&self, f: f64, s: f64, u: f64) -> f64 {
        if self.candidate.scale == Scale::NegBin {
            return negbin_quantile(f, self.inverse_dispersion, u);
        }
        let x = f / s;
        match self.edges.iter().position(|&e| x <= e).or(self.edges.len().checked_sub(1)) {
            Some(bin) => f + empirical_quantile(&self.errors[bin], u) * s,
            None => f,
        }
    }
}

/// The negative binomial's `1/r` that matches the backtest errors' variance at level
/// `level` by moments: `Σ((a − f)² − f) / Σ f²` (Var = μ + μ²/r), at least 0.
fn inverse_dispersion(windows: &[Window<'_>], level: usize) -> f64 {
    let (mut num, mut den) = (0.0, 0.0);
    for w in windows {
        let h = w.ev.horizon();
        let agg_f = w.ev.hierarchy().aggregate(level, w.forecast, h);
        let agg_a = w.ev.hierarchy().aggregate(level, w.actual, h);
        for (f, a) in agg_f.iter().zip(&agg_a) {
            if f.is_finite() && a.is_finite() && *f > 0.0 {
                num += (a - f).powi(2) - f;
                den += f * f;
            }
        }
    }
    if den > 0.0 { (num / den).max(0.0) } else { 0.0 }
}

/// The `u`-quantile of a negative binomial with mean `mean` and `1/r` =
/// `inverse_dispersion` (Poisson at 0): the smallest count whose CDF reaches `u`. Past a
/// mean of 500 the normal approximation with the same variance stands in (the exact
/// sum would underflow and no longer matters).
pub fn negbin_quantile(mean: f64, inverse_dispersion: f64, u: f64) -> f64 {
    if mean.is_nan() || mean <= 0.0 || !mean.is_finite() {
        return 0.0;
    }
    let var = mean + inverse_dispersion * mean * mean;
    if mean > 500.0 {
        return (mean + var.sqrt() * normal_quantile(u)).max(0.0);
    }
    // p(0) and the ratio p(k+1)/p(k), for the negative binomial or the Poisson
    let (mut pmf, ratio): (f64, Box<dyn Fn(f64) -> f64>) = if inverse_dispersion > 1e-9 {
        let r = 1.0 / inverse_dispersion;
        let p = mean / (r + mean);
        ((r * (1.0 - p).ln()).exp(), Box::new(move |k: f64| (k + r) / (k + 1.0) * p))
    } else {
        ((-mean).exp(), Box::new(move |k: f64| mean / (k + 1.0)))
    };
    let mut cdf = pmf;
    let mut k = 0.0;
    // a generous ceiling: far past any quantile asked for
    let ceiling = mean + 50.0 * var.sqrt() + 50.0;
    while cdf < u && k < ceiling {
        pmf *= ratio(k);
        k += 1.0;
        cdf += pmf;
    }
    k
}

/// The standard normal quantile (Acklam's rational approximation, relative error
/// below 1.2e-9; enough for quantiles of counts in the hundreds).
fn normal_quantile(u: f64) -> f64 {
    const A: [f64; 6] = [-39.696_830_286_653_76, 220.946_098_424_520_5, -275.928_510_446_968_7, 138.357_751_867_269, -30.664_798_066_147_16, 2.506_628_277_459_239];
    const B: [f64; 5] = [-54.476_098_798_224_06, 161.585_836_858_040_9, -155.698_979_859_886_6, 66.801_311_887_719_72, -13.280_681_552_885_72];
    const C: [f64; 6] = [-0.007_784_894_002_430_293, -0.322_396_458_041_136_5, -2.400_758_277_161_838, -2.549_732_539_343_734, 4.374_664_141_464_968, 2.938_163_982_698_783];
    const D: [f64; 4] = [0.007_784_695_709_041_462, 0.322_467_129_070_039_8, 2.445_134_137_142_996, 3.754_408_661_907_416];
    let u = u.clamp(1e-12, 1.0 - 1e-12);
    let tail = |q: f64| (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5]) / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0);
    if u < 0.02425 {
        tail((-2.0 * u.ln()).sqrt())
    } else if u > 1.0 - 0.02425 {
        -tail((-2.0 * (1.0 - u).ln()).sqrt())
    } else {
        let q = u - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Each series' mean absolute error over the windows at level `level`.
fn mean_abs_errors(windows: &[Window<'_>], level: usize) -> Vec<Option<f64>> {
    let mut sums: Vec<(f64, usize)> = Vec::new();
    for w in windows {
        let h = w.ev.horizon();
        let agg_f = w.ev.hierarchy().aggregate(level, w.forecast, h);
        let agg_a = w.ev.hierarchy().aggregate(level, w.actual, h);
        sums.resize(agg_f.len() / h.max(1), (0.0, 0));
        for (g, acc) in sums.iter_mut().enumerate() {
            for t in g * h..(g + 1) * h {
                if agg_f[t].is_finite() && agg_a[t].is_finite() {
                    acc.0 += (agg_a[t] - agg_f[t]).abs();
                    acc.1 += 1;
                }
            }
        }
    }
    sums.into_iter().map(|(s, n)| (n > 0).then(|| s / n as f64)).collect()
}

fn usable(scale: Option<f64>) -> Option<f64> {
    scale.filter(|s| s.is_finite() && *s > 0.0)
}

/// Per-level WSPL of `cal`'s quantiles of `w`'s forecast, scored on `w`'s truth.
fn level_scores(cal: &Calibration, w: &Window<'_>) -> Vec<f64> {
    let q = cal.quantiles(w.ev, w.forecast);
    w.ev.wspl(w.actual, &q).map(|s| s.levels).unwrap_or_default()
}

/// The candidate (index into [`CANDIDATES`]) with the lowest score at each level
/// (`scores[candidate][level]`), the first on ties.
fn best_per_level(scores: &[Vec<f64>], n_levels: usize) -> Vec<usize> {
    (0..n_levels).map(|l| (0..scores.len()).min_by(|&a, &b| scores[a].get(l).unwrap_or(&f64::INFINITY).total_cmp(scores[b].get(l).unwrap_or(&f64::INFINITY)).then(a.cmp(&b))).unwrap_or(0)).collect()
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
