//! Which series the HTML report draws: the best sellers, and a sample of sparse
//! (intermittent or lumpy) series, each with its recent history, the truth and the
//! forecasts of the submission and the best few models.

use tsforge_core::sparsity::{DemandClass, classify};
use tsforge_core::{Forecast, Hierarchy, Panel};
use tsforge_report::{Row, SeriesPlot};

use crate::pipeline::uncertainty::bottom_bands;

/// Days of history drawn before the forecast origin.
const HISTORY: usize = 56;
const TOP: usize = 3;
const SPARSE: usize = 3;
/// Models drawn per series besides the submission.
const MODELS: usize = 3;

/// `quantiles`: the submission's quantiles of every level (M5 data), drawn as intervals.
pub fn series_plots(train: &Panel, truth: Option<&[f64]>, horizon: usize, entries: &[(&Row, &Forecast)], quantiles: Option<(&Hierarchy, &[Vec<f64>])>) -> Vec<SeriesPlot> {
    let n = train.n_series();
    let recent = |i: usize| -> f64 {
        let r = train.row(i);
        r[r.len().saturating_sub(horizon)..].iter().filter(|v| v.is_finite()).map(|&v| f64::from(v)).sum()
    };
    let mut by_sales: Vec<usize> = (0..n).collect();
    by_sales.sort_by(|&a, &b| recent(b).total_cmp(&recent(a)).then(a.cmp(&b)));
    let top: Vec<usize> = by_sales.iter().copied().take(TOP).collect();
    // sparse series spread evenly over the id order, skipping the top sellers
    let sparse_pool: Vec<(usize, DemandClass)> =
        (0..n).filter(|i| !top.contains(i)).map(|i| (i, classify(train.observed(i)))).filter(|(_, c)| matches!(c, DemandClass::Intermittent | DemandClass::Lumpy)).collect();
    let step = (sparse_pool.len() / SPARSE).max(1);
    let sparse: Vec<(usize, DemandClass)> = sparse_pool.into_iter().step_by(step).take(SPARSE).collect();

    // the submission first, then the best by score (held-out where there is one)
    let key = |r: &Row| r.scores.wrmsse.or(r.scores.mase).or(r.valid).unwrap_or(f64::INFINITY);
    let mut order: Vec<usize> = (0..entries.len()).collect();
    order.sort_by(|&a, &b| (!entries[a].0.selected).cmp(&!entries[b].0.selected).then(key(entries[a].0).total_cmp(&key(entries[b].0))).then(a.cmp(&b)));
    let drawn: Vec<usize> = order.into_iter().take(MODELS + 1).collect();

    let plot = |i: usize, group: &str| {
        let row = train.row(i);
        SeriesPlot {
            id: train.ids[i].clone(),
            group: group.to_string(),
            history: row[row.len().saturating_sub(HISTORY)..].iter().map(|&v| f64::from(v)).collect(),
            actual: truth.map(|t| t[i * horizon..(i + 1) * horizon].to_vec()).unwrap_or_default(),
            forecasts: drawn.iter().map(|&m| (entries[m].1.alias.clone(), entries[m].1.row(i).to_vec())).collect(),
            bands: quantiles.map(|(h, q)| bottom_bands(h, q, i, horizon)).unwrap_or_default(),
        }
    };
    let mut out: Vec<SeriesPlot> = top.iter().map(|&i| plot(i, "top sales")).collect();
    out.extend(sparse.iter().map(|&(i, c)| plot(i, c.name())));
    out
}
