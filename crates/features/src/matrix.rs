//! The dense feature matrix and [`build`], which fills it from a panel and a checked spec.

use std::borrow::Cow;

use rayon::prelude::*;
use tsforge_core::{Panel, SeriesAttrs};

use crate::calendar::{TimeFeature, TimeTable, day_of};
use crate::covariates;
use crate::encoding::GroupMeans;
use crate::error::{FeatureError, Result};
use crate::intermittency;
use crate::price::{PriceRow, dept_store_rank};
use crate::spec::{Column, EventFeature, IdKey, PriceFeature, RollingStat, ValidFeatureSpec};
use crate::target::{self, at_shift};
use crate::vocab::{Lookup, Vocabulary};

/// A dense, column-major f32 feature matrix: value `(r, j)` is `columns[j * n_rows + r]`;
/// NaN marks an undefined value (too little history, unknown price, past the calendar).
#[derive(Debug, Clone, PartialEq)]
pub struct FeatureMatrix {
    pub names: Vec<String>,
    pub n_rows: usize,
    pub columns: Vec<f32>,
    /// The (series index, time position) of each row, as requested.
    pub rows: Vec<(usize, usize)>,
}

impl FeatureMatrix {
    pub fn n_cols(&self) -> usize {
        self.names.len()
    }

    /// Column `j` (all rows).
    pub fn column(&self, j: usize) -> &[f32] {
        &self.columns[j * self.n_rows..(j + 1) * self.n_rows]
    }

    /// Column by name.
    pub fn column_named(&self, name: &str) -> Option<&[f32]> {
        self.names.iter().position(|n| n == name).map(|j| self.column(j))
    }

    /// Value of row `r`, column `j` (NaN when out of range).
    pub fn get(&self, r: usize, j: usize) -> f32 {
        if r >= self.n_rows {
            return f32::NAN;
        }
        self.columns.get(j * self.n_rows + r).copied().unwrap_or(f32::NAN)
    }
}

/// Every observed (series, position) of the panel, series by series: the training rows.
pub fn training_rows(panel: &Panel) -> Vec<(usize, usize)> {
    panel.spans.iter().enumerate().flat_map(|(i, &(s, e))| (s..e).map(move |t| (i, t))).collect()
}

/// The `horizon` positions after the end of each series' span: the forecast rows.
pub fn forecast_rows(panel: &Panel, horizon: usize) -> Vec<(usize, usize)> {
    panel.spans.iter().enumerate().flat_map(|(i, &(_, e))| (e..e + horizon).map(move |t| (i, t))).collect()
}

/// Series whose feature blocks are computed together before being copied into the matrix.
const SERIES_PER_CHUNK: usize = 1024;

/// How one column gets its value for a row.
enum Plan {
    /// Target-derived: index into the per-series as-of vectors, and the shift.
    Target(usize, usize),
    Time(usize),
    Snap,
    Price(PriceFeature),
    Rank,
    Id(usize),
    /// Index into the group means, and the shift.
    Encoding(usize, usize),
    /// Index into the per-series static values.
    Static(usize),
    /// Index into the panel's dynamic covariates, and the shift (0: the target period).
    Covariate(usize, usize),
}

fn missing(feature: &str, needs: &str) -> FeatureError {
    FeatureError::MissingData { feature: feature.into(), needs: needs.into() }
}

fn id_codes(attrs: &[SeriesAttrs], vocab: &Vocabulary, f: IdKey) -> Vec<f32> {
    let look = Lookup::new(vocab.ids(f));
    attrs.iter().map(|a| look.code(f.of(a))).collect()
}

/// The as-of vector of a target column for one series row.
fn as_of<'a>(c: &Column, y: &'a [f32]) -> Cow<'a, [f32]> {
    match *c {
        Column::Lag(_) => Cow::Borrowed(y),
        Column::Rolling(r) => Cow::Owned(match r.stat {
            RollingStat::Mean => target::rolling_mean(y, r.window),
            RollingStat::Std => target::rolling_std(y, r.window),
            RollingStat::Min => target::rolling_min(y, r.window),
            RollingStat::Max => target::rolling_max(y, r.window),
        }),
        Column::ExpandingMean(_) => Cow::Owned(target::expanding_mean(y)),
        Column::Ewm(e) => Cow::Owned(target::ewm_mean(y, e.alpha)),
        Column::DaysSinceSale(_) => Cow::Owned(intermittency::days_since_sale(y)),
        Column::ZeroRun(_) => Cow::Owned(intermittency::zero_run(y)),
        Column::Adi { window, .. } => Cow::Owned(intermittency::adi(y, window)),
        Column::Cv2 { window, .. } => Cow::Owned(intermittency::cv2(y, window)),
        Column::TargetEncoding(_) | Column::Calendar(_) | Column::Event(_) | Column::Price(_) | Column::Id(_) | Column::Static { .. } | Column::Future(_) | Column::Past { .. } => Cow::Borrowed(&[]),
    }
}

/// Builds the features of `spec` for each requested `(series, position)` row, coding
/// categorical features with the panel's own [`Vocabulary`] (see [`build_with`] to
/// reuse a saved one at prediction time).
pub fn build(panel: &Panel, spec: &ValidFeatureSpec, rows: &[(usize, usize)]) -> Result<FeatureMatrix> {
    build_with(panel, spec, &Vocabulary::from_panel(panel), rows)
}

/// Builds the features of `spec` for each requested `(series, position)` row, coding
/// event names/types and ids with `vocab`.
///
/// Target-derived features for day `t` read `y` only at `t - shift` and before (NaN
/// when that anchor is unknown: before the series starts, or past its observed values).
/// Positions may lie past the end of the panel (forecast days): date and event
/// features come from the index and calendar as far as they reach, prices from
/// `panel.prices` as far as they reach (NaN beyond). For recursive forecasting the
/// caller appends each day's predictions to `y` (extending the grid) and rebuilds the
/// next day's row. Parallel across series; the output does not depend on the thread count.
pub fn build_with(panel: &Panel, spec: &ValidFeatureSpec, vocab: &Vocabulary, rows: &[(usize, usize)]) -> Result<FeatureMatrix> {
    let n_series = panel.n_series();
    let n_time = panel.n_time();
    let shape = |what: &str, expected: usize, got: usize| {
        if expected == got { Ok(()) } else { Err(FeatureError::Shape { what: what.into(), expected, got }) }
    };
    shape("y", n_series * n_time, panel.y.len())?;
    if let Some(p) = &panel.prices {
        shape("prices", n_series * p.days, p.values.len())?;
    }
    if let Some(a) = &panel.attrs {
        shape("attrs", n_series, a.len())?;
    }
    for c in &panel.dynamic {
        shape(&c.name, n_series * c.days, c.values.len())?;
    }
    for (r, &(i, _)) in rows.iter().enumerate() {
        if i >= n_series {
            return Err(FeatureError::RowOutOfRange { row: r, series: i, n_series });
        }
    }

    let mut plans = Vec::with_capacity(spec.columns().len());
    let mut target_cols: Vec<Column> = Vec::new();
    let mut time_feats: Vec<TimeFeature> = Vec::new();
    let mut ids: Vec<Vec<f32>> = Vec::new();
    let mut rank: Option<Vec<f32>> = None;
    let mut encodings: Vec<GroupMeans> = Vec::new();
    let mut statics: Vec<Vec<f32>> = Vec::new();
    for (c, name) in spec.columns().iter().zip(spec.names()) {
        let name = name.clone();
        let plan = match *c {
            Column::Static { index, categorical } => {
                let declared = spec.spec().statics.get(index).map(|s| s.name.as_str()).unwrap_or_default();
                let Some(values) = panel.statics.iter().find(|s| s.name == declared) else {
                    return Err(missing(&name, &format!("the static column '{declared}'")));
                };
                shape("statics", n_series, values.values.len())?;
                statics.push(covariates::static_values(&values.values, categorical.then(|| vocab.static_labels(declared))));
                Plan::Static(statics.len() - 1)
            }
            Column::Future(index) => {
                let declared = spec.spec().future.get(index).map(String::as_str).unwrap_or_default();
                Plan::Covariate(covariates::find(panel, declared).ok_or_else(|| missing(&name, &format!("the covariate column '{declared}'")))?, 0)
            }
            Column::Past { index, shift } => {
                let declared = spec.spec().past.get(index).map(|p| p.name.as_str()).unwrap_or_default();
                Plan::Covariate(covariates::find(panel, declared).ok_or_else(|| missing(&name, &format!("the covariate column '{declared}'")))?, shift)
            }
            Column::Calendar(f) => {
                if day_of(&panel.index, 0).is_none() {
                    return Err(missing(&name, "a date index"));
                }
                time_feats.push(TimeFeature::Date(f));
                Plan::Time(time_feats.len() - 1)
            }
            Column::Event(EventFeature::Snap) => {
                if panel.calendar.is_none() || panel.attrs.is_none() {
                    return Err(missing(&name, "an M5 calendar and series attributes (state)"));
                }
                Plan::Snap
            }
            Column::Event(e) => {
                if panel.calendar.is_none() {
                    return Err(missing(&name, "an M5 calendar"));
                }
                time_feats.push(TimeFeature::Event(e));
                Plan::Time(time_feats.len() - 1)
            }
            Column::Price(PriceFeature::PriceRankDeptStore) => {
                let (Some(p), Some(a)) = (panel.prices.as_ref(), panel.attrs.as_deref()) else {
                    return Err(missing(&name, "prices and series attributes (dept, store)"));
                };
                rank = Some(dept_store_rank(&p.values, a, p.days));
                Plan::Rank
            }
            Column::Price(f) => {
                if panel.prices.is_none() {
                    return Err(missing(&name, "prices"));
                }
                Plan::Price(f)
            }
            Column::TargetEncoding(e) => {
                let Some(a) = panel.attrs.as_deref() else {
                    return Err(missing(&name, "series attributes (item, dept, cat, store, state)"));
                };
                encodings.push(GroupMeans::new(panel, a, e));
                Plan::Encoding(encodings.len() - 1, e.shift)
            }
            Column::Id(f) => {
                let Some(a) = panel.attrs.as_deref() else {
                    return Err(missing(&name, "series attributes (item, dept, cat, store, state)"));
                };
                ids.push(id_codes(a, vocab, f));
                Plan::Id(ids.len() - 1)
            }
            target => {
                target_cols.push(target);
                Plan::Target(target_cols.len() - 1, target.shift().unwrap_or(1))
            }
        };
        plans.push(plan);
    }
    let positions: Vec<usize> = if time_feats.is_empty() {
        Vec::new()
    } else {
        let mut ts: Vec<usize> = rows.iter().map(|&(_, t)| t).collect();
        ts.par_sort_unstable();
        ts.dedup();
        ts
    };
    let table = TimeTable::new(&panel.index, panel.calendar.as_ref(), vocab, &time_feats, positions);
    let snap_rows: Vec<Option<&[u8]>> = match (&panel.calendar, &panel.attrs) {
        (Some(cal), Some(attrs)) if plans.iter().any(|p| matches!(p, Plan::Snap)) => attrs.iter().map(|a| cal.snap_of(&a.state)).collect(),
        _ => vec![None; n_series],
    };

    let mut by_series: Vec<Vec<usize>> = vec![Vec::new(); n_series];
    for (r, &(i, _)) in rows.iter().enumerate() {
        by_series[i].push(r);
    }
    let k = plans.len();
    let price_days = panel.prices.as_ref().map_or(0, |p| p.days);
    // Fills series `i`'s rows `rs`, feature `j` into `dst[j]` (one slice per column),
    // one feature at a time so the inner loops stay branch-free.
    let fill_series = |i: usize, rs: &[usize], dst: &mut [&mut [f32]]| {
        let y = panel.row(i);
        let ts: Vec<usize> = rs.iter().map(|&r| rows[r].1).collect();
        let slots: Vec<Option<usize>> = if time_feats.is_empty() { Vec::new() } else { ts.iter().map(|&t| table.slot(t)).collect() };
        let prices = panel.price_row(i).map(PriceRow::new);
        let g: Vec<Cow<[f32]>> = target_cols.iter().map(|c| as_of(c, y)).collect();
        for (plan, dst) in plans.iter().zip(dst.iter_mut()) {
            let dst = &mut **dst;
            dst.fill(f32::NAN);
            match *plan {
                Plan::Target(m, s) => {
                    for (d, &t) in dst.iter_mut().zip(&ts) {
                        *d = at_shift(&g[m], y, t, s);
                    }
                }
                Plan::Time(m) => {
                    for (d, slot) in dst.iter_mut().zip(&slots) {
                        *d = slot.map_or(f32::NAN, |sl| table.get(sl, m));
                    }
                }
                Plan::Snap => {
                    if let Some(snap) = snap_rows[i] {
                        for (d, &t) in dst.iter_mut().zip(&ts) {
                            *d = snap.get(t).map_or(f32::NAN, |&v| f32::from(v));
                        }
                    }
                }
                Plan::Price(f) => {
                    if let Some(p) = prices {
                        for (d, &t) in dst.iter_mut().zip(&ts) {
                            *d = p.feature(f, t);
                        }
                    }
                }
                Plan::Rank => {
                    if let Some(rk) = rank.as_ref() {
                        for (d, &t) in dst.iter_mut().zip(&ts) {
                            *d = if t < price_days { rk.get(i * price_days + t).copied().unwrap_or(f32::NAN) } else { f32::NAN };
                        }
                    }
                }
                Plan::Id(m) => dst.fill(ids[m].get(i).copied().unwrap_or(f32::NAN)),
                Plan::Encoding(m, s) => {
                    for (d, &t) in dst.iter_mut().zip(&ts) {
                        *d = encodings[m].at(i, t, s);
                    }
                }
                Plan::Static(m) => dst.fill(statics[m].get(i).copied().unwrap_or(f32::NAN)),
                Plan::Covariate(m, s) => {
                    let cov = &panel.dynamic[m];
                    for (d, &t) in dst.iter_mut().zip(&ts) {
                        *d = if t >= s { cov.at(i, t - s) } else { f32::NAN };
                    }
                }
            }
        }
    };

    let n_rows = rows.len();
    // Zeros come from calloc as untouched pages: the first write of each page happens in
    // the parallel fill below instead of a serial pass over the whole matrix. Every cell
    // is written (each row belongs to one series, which fills all k columns).
    let mut columns = vec![0.0f32; n_rows * k];
    let active: Vec<usize> = (0..n_series).filter(|&i| !by_series[i].is_empty()).collect();
    // Where the rows of each series form one run `r0 .. r0 + len` (the usual request:
    // series by series, days in order), features are written straight into the matrix.
    let run_start: Vec<Option<usize>> = by_series
        .iter()
        .map(|rs| match rs.first() {
            Some(&r0) if rs.iter().enumerate().all(|(n, &r)| r == r0 + n) => Some(r0),
            _ => None,
        })
        .collect();
    let mut order: Vec<(usize, usize)> = active.iter().filter_map(|&i| run_start[i].map(|r0| (r0, i))).collect();
    order.sort_unstable();
    if order.len() == active.len() && n_rows > 0 {
        let mut dsts: Vec<Vec<&mut [f32]>> = (0..n_series).map(|i| Vec::with_capacity(if by_series[i].is_empty() { 0 } else { k })).collect();
        for col in columns.chunks_mut(n_rows) {
            let (mut rest, mut pos) = (col, 0usize);
            for &(r0, i) in &order {
                let (_, tail) = std::mem::take(&mut rest).split_at_mut(r0 - pos);
                let (run, tail) = tail.split_at_mut(by_series[i].len());
                dsts[i].push(run);
                rest = tail;
                pos = r0 + by_series[i].len();
            }
        }
        dsts.par_iter_mut().enumerate().filter(|(i, _)| !by_series[*i].is_empty()).for_each(|(i, d)| fill_series(i, &by_series[i], d));
    } else {
        // Any other row order: per-series column-major blocks, copied in by chunks of
        // series so the blocks never hold more than a chunk's share of the matrix.
        for chunk in active.chunks(SERIES_PER_CHUNK) {
            let blocks: Vec<Vec<f32>> = chunk
                .par_iter()
                .map(|&i| {
                    let len = by_series[i].len();
                    let mut block = vec![f32::NAN; len * k];
                    let mut d: Vec<&mut [f32]> = block.chunks_mut(len.max(1)).collect();
                    fill_series(i, &by_series[i], &mut d);
                    block
                })
                .collect();
            columns.par_chunks_mut(n_rows.max(1)).enumerate().for_each(|(j, col)| {
                for (&i, block) in chunk.iter().zip(&blocks) {
                    let rs = &by_series[i];
                    for (&r, &v) in rs.iter().zip(&block[j * rs.len()..(j + 1) * rs.len()]) {
                        col[r] = v;
                    }
                }
            });
        }
    }
    Ok(FeatureMatrix { names: spec.names().to_vec(), n_rows, columns, rows: rows.to_vec() })
}

#[cfg(test)]
mod tests;
