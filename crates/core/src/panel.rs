//! The [`Panel`]: every series of a dataset on one regular time grid, dense and series-major.

use crate::error::{CoreError, Result};
use crate::hierarchy::SeriesAttrs;
use crate::time::TimeIndex;

/// Known-in-advance daily information of an M5 calendar (may run past the sales).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Calendar {
    /// Walmart week of each day (`wm_yr_wk`), used to map weekly prices to days.
    pub wm_yr_wk: Vec<i32>,
    pub event_name_1: Vec<Option<String>>,
    pub event_type_1: Vec<Option<String>>,
    pub event_name_2: Vec<Option<String>>,
    pub event_type_2: Vec<Option<String>>,
    /// SNAP flag per state: (state id, one 0/1 value per day).
    pub snap: Vec<(String, Vec<u8>)>,
}

impl Calendar {
    pub fn len(&self) -> usize {
        self.wm_yr_wk.len()
    }

    pub fn is_empty(&self) -> bool {
        self.wm_yr_wk.is_empty()
    }

    /// The SNAP flags of a state, if the calendar has them.
    pub fn snap_of(&self, state: &str) -> Option<&[u8]> {
        self.snap.iter().find(|(s, _)| s == state).map(|(_, v)| v.as_slice())
    }
}

/// Daily sell prices, known in advance: each series' row covers `days` positions from
/// position 0 of the panel's index, which may run past the observed sales (M5 gives
/// prices for the forecast days). Series-major; NaN before an item's first price.
#[derive(Debug, Clone, PartialEq)]
pub struct Prices {
    pub days: usize,
    pub values: Vec<f32>,
}

impl Prices {
    /// Checks that `values` holds `n_series × days` prices.
    pub fn new(n_series: usize, days: usize, values: Vec<f32>) -> Result<Prices> {
        if values.len() != n_series * days {
            return Err(CoreError::Shape { what: "prices".into(), expected: n_series * days, got: values.len() });
        }
        Ok(Prices { days, values })
    }

    /// The price row of series `i`.
    pub fn row(&self, i: usize) -> &[f32] {
        &self.values[i * self.days..(i + 1) * self.days]
    }
}

/// When a dynamic covariate's values are known, which decides how far a model may read it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum CovariateKind {
    /// Known in advance (a planned promotion, a holiday flag): its values may run past
    /// the grid, over the forecast periods, and models read it at the target period.
    Future,
    /// Known only once observed (the weather, foot traffic): cut with `y` at every
    /// cutoff, so models read it only lagged by at least the horizon.
    #[default]
    Past,
}

/// A named dynamic covariate: `days` values per series from position 0 of the panel's
/// index (series-major, NaN = unknown). A past covariate covers the grid (`days` =
/// `n_time`); a future one may cover more (the forecast periods), like [`Prices`].
#[derive(Debug, Clone, PartialEq)]
pub struct Covariate {
    pub name: String,
    pub kind: CovariateKind,
    pub days: usize,
    pub values: Vec<f32>,
}

impl Covariate {
    /// The values of series `i` (`days` long).
    pub fn row(&self, i: usize) -> &[f32] {
        self.values.get(i * self.days..(i + 1) * self.days).unwrap_or(&[])
    }

    /// The value of series `i` at position `t` (NaN past what is known).
    pub fn at(&self, i: usize, t: usize) -> f32 {
        self.row(i).get(t).copied().unwrap_or(f32::NAN)
    }
}

/// The first `keep` of every `width`-long row of series-major `values`.
fn cut_rows(values: &[f32], width: usize, keep: usize) -> Vec<f32> {
    if width == 0 {
        return Vec::new();
    }
    values.chunks_exact(width).flat_map(|r| r[..keep.min(width)].iter().copied()).collect()
}

/// A named static covariate: one label per series.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticCovariate {
    pub name: String,
    pub values: Vec<String>,
}

/// All series of a dataset on one time grid.
///
/// `y` is series-major (`y[i * n_time + t]`); positions outside a series' observed
/// span hold NaN. Sales are counts, exactly representable in f32.
#[derive(Debug, Clone, PartialEq)]
pub struct Panel {
    pub ids: Vec<String>,
    /// M5 hierarchy attributes, one per series, when the data has them.
    pub attrs: Option<Vec<SeriesAttrs>>,
    pub index: TimeIndex,
    pub y: Vec<f32>,
    /// Observed span `[start, end)` of each series.
    pub spans: Vec<(usize, usize)>,
    /// Daily calendar aligned with position 0 of `index` (M5 data).
    pub calendar: Option<Calendar>,
    /// Daily sell prices; unlike `y` they may cover days past the grid (the forecast days).
    pub prices: Option<Prices>,
    pub dynamic: Vec<Covariate>,
    pub statics: Vec<StaticCovariate>,
}

impl Panel {
    /// A panel whose every series is observed over the whole grid.
    pub fn dense(ids: Vec<String>, index: TimeIndex, y: Vec<f32>) -> Result<Panel> {
        let n_time = index.len();
        if y.len() != ids.len() * n_time {
            return Err(CoreError::Shape { what: "panel values".into(), expected: ids.len() * n_time, got: y.len() });
        }
        let spans = vec![(0, n_time); ids.len()];
        Ok(Panel { ids, attrs: None, index, y, spans, calendar: None, prices: None, dynamic: Vec::new(), statics: Vec::new() })
    }

    pub fn n_series(&self) -> usize {
        self.ids.len()
    }

    pub fn n_time(&self) -> usize {
        self.index.len()
    }

    /// The whole row of series `i` (NaN outside its span).
    pub fn row(&self, i: usize) -> &[f32] {
        let t = self.n_time();
        &self.y[i * t..(i + 1) * t]
    }

    /// The observed values of series `i`.
    pub fn observed(&self, i: usize) -> &[f32] {
        let (s, e) = self.spans[i];
        &self.row(i)[s..e]
    }

    /// The price row of series `i` (`prices.days` long), if prices are known.
    pub fn price_row(&self, i: usize) -> Option<&[f32]> {
        self.prices.as_ref().map(|p| p.row(i))
    }

    /// A copy holding only positions before `cutoff`: what a model may see when it
    /// forecasts from `cutoff` on. The calendar and prices are known in advance and kept whole.
    pub fn truncated(&self, cutoff: usize) -> Result<Panel> {
        let t = self.n_time();
        if cutoff == 0 || cutoff > t {
            return Err(CoreError::Window { reason: format!("cutoff {cutoff} outside 1..={t}") });
        }
        let cut = |v: &[f32]| -> Vec<f32> { v.chunks_exact(t).flat_map(|r| r[..cutoff].iter().copied()).collect() };
        Ok(Panel {
            ids: self.ids.clone(),
            attrs: self.attrs.clone(),
            index: self.index.with_len(cutoff),
            y: cut(&self.y),
            spans: self.spans.iter().map(|&(s, e)| (s.min(cutoff), e.min(cutoff))).collect(),
            calendar: self.calendar.clone(),
            prices: self.prices.clone(),
            // known-in-advance covariates are kept whole, as prices are; past ones end with y
            dynamic: self
                .dynamic
                .iter()
                .map(|c| match c.kind {
                    CovariateKind::Future => c.clone(),
                    CovariateKind::Past => Covariate { name: c.name.clone(), kind: c.kind, days: cutoff.min(c.days), values: cut_rows(&c.values, c.days, cutoff) },
                })
                .collect(),
            statics: self.statics.clone(),
        })
    }

    /// The series `idx` of the panel (in that order), with their attributes, prices and
    /// covariates; the calendar and time grid are kept whole. Per-series models forecast
    /// a selection exactly as they forecast the same series inside the whole panel.
    pub fn select(&self, idx: &[usize]) -> Result<Panel> {
        let n = self.n_series();
        if let Some(&bad) = idx.iter().find(|&&i| i >= n) {
            return Err(CoreError::Invalid { what: "series selection".into(), reason: format!("series {bad} is outside the panel's {n}") });
        }
        if idx.is_empty() {
            return Err(CoreError::Invalid { what: "series selection".into(), reason: "no series".into() });
        }
        let rows = |v: &[f32], width: usize| -> Vec<f32> { idx.iter().flat_map(|&i| v[i * width..(i + 1) * width].iter().copied()).collect() };
        Ok(Panel {
            ids: idx.iter().map(|&i| self.ids[i].clone()).collect(),
            attrs: self.attrs.as_ref().map(|a| idx.iter().map(|&i| a[i].clone()).collect()),
            index: self.index.clone(),
            y: rows(&self.y, self.n_time()),
            spans: idx.iter().map(|&i| self.spans[i]).collect(),
            calendar: self.calendar.clone(),
            prices: match &self.prices {
                Some(p) => Some(Prices::new(idx.len(), p.days, rows(&p.values, p.days))?),
                None => None,
            },
            dynamic: self.dynamic.iter().map(|c| Covariate { name: c.name.clone(), kind: c.kind, days: c.days, values: rows(&c.values, c.days) }).collect(),
            statics: self.statics.iter().map(|s| StaticCovariate { name: s.name.clone(), values: idx.iter().map(|&i| s.values[i].clone()).collect() }).collect(),
        })
    }

    /// Holds out the last `horizon` observed values of every series: returns the panel
    /// before them (each series ends `horizon` earlier, the grid is cut after the
    /// latest new end) and the held-out values (`n × horizon`, series-major).
    pub fn holdout(&self, horizon: usize) -> Result<(Panel, Vec<f64>)> {
        let mut truth = Vec::with_capacity(self.n_series() * horizon);
        let mut new_ends = Vec::with_capacity(self.n_series());
        for i in 0..self.n_series() {
            let (s, e) = self.spans[i];
            if e - s <= horizon {
                return Err(CoreError::Invalid { what: format!("series '{}'", self.ids[i]), reason: format!("{} observations, need more than the horizon {horizon}", e - s) });
            }
            truth.extend(self.row(i)[e - horizon..e].iter().map(|&v| f64::from(v)));
            new_ends.push(e - horizon);
        }
        let grid_end = new_ends.iter().copied().max().unwrap_or(0);
        let mut train = self.truncated(grid_end)?;
        for (i, &end) in new_ends.iter().enumerate() {
            train.y[i * grid_end + end..(i + 1) * grid_end].fill(f32::NAN);
            train.spans[i].1 = end;
            // a past covariate is unknown where y is
            for c in train.dynamic.iter_mut().filter(|c| c.kind == CovariateKind::Past) {
                let days = c.days;
                if let Some(row) = c.values.get_mut(i * days + end.min(days)..(i + 1) * days) {
                    row.fill(f32::NAN);
                }
            }
        }
        Ok((train, truth))
    }

    /// Values of every series over `[from, to)`, series-major, as f64 (NaN outside spans).
    pub fn window_values(&self, from: usize, to: usize) -> Vec<f64> {
        (0..self.n_series()).flat_map(|i| self.row(i)[from..to].iter().map(|&v| f64::from(v))).collect()
    }

    /// Share of observed values that are exactly zero.
    pub fn zero_share(&self) -> f64 {
        let (mut zeros, mut total) = (0usize, 0usize);
        for i in 0..self.n_series() {
            let obs = self.observed(i);
            zeros += obs.iter().filter(|&&v| v == 0.0).count();
            total += obs.len();
        }
        if total == 0 { 0.0 } else { zeros as f64 / total as f64 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Freq;
    use proptest::prelude::*;

    fn panel(n: usize, t: usize, vals: Vec<f32>) -> Panel {
        let ids = (0..n).map(|i| format!("s{i}")).collect();
        let index = TimeIndex::Dates { start_days: 0, freq: Freq::Daily, len: t };
        let mut p = Panel::dense(ids, index, vals).unwrap_or_else(|e| panic!("{e}"));
        // prices are known in advance: independent of y and kept whole by truncation
        p.prices = Some(Prices { days: t + 3, values: (0..n * (t + 3)).map(|k| 1.0 + (k % 5) as f32).collect() });
        p
    }

    /// A past covariate ends with `y` at a cutoff and where holdout hides `y`; a future
    /// one is kept whole (it covers the forecast periods).
    #[test]
    fn past_covariates_are_cut_future_ones_kept() {
        let mut p = panel(2, 6, (0..12).map(|k| k as f32).collect());
        p.dynamic = vec![
            Covariate { name: "promo".into(), kind: CovariateKind::Future, days: 8, values: (0..16).map(|k| k as f32).collect() },
            Covariate { name: "temp".into(), kind: CovariateKind::Past, days: 6, values: (0..12).map(|k| k as f32).collect() },
        ];
        let t = p.truncated(4).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.dynamic[0].days, t.dynamic[0].at(1, 7)), (8, 15.0));
        assert_eq!((t.dynamic[1].days, t.dynamic[1].row(1)), (4, &[6.0, 7.0, 8.0, 9.0][..]));
        p.spans[0].1 = 5;
        let (train, _) = p.holdout(2).unwrap_or_else(|e| panic!("{e}"));
        assert!(train.dynamic[1].at(0, 2).is_finite() && train.dynamic[1].at(0, 3).is_nan(), "{:?}", train.dynamic[1]);
        let s = p.select(&[1]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.dynamic[0].row(0), p.dynamic[0].row(1));
    }

    proptest! {
        /// Nothing at or after the cutoff reaches a truncated panel: changing those
        /// values leaves the truncated panel identical.
        #[test]
        fn nothing_after_cutoff_reaches_training(
            n in 1usize..5, t in 2usize..40, seed in any::<u64>(), cut_frac in 0.0f64..1.0,
        ) {
            let cutoff = 1 + ((t - 1) as f64 * cut_frac) as usize;
            let vals: Vec<f32> = (0..n * t).map(|k| ((k as u64).wrapping_mul(seed | 1) % 97) as f32).collect();
            let mut changed = vals.clone();
            for i in 0..n { for s in cutoff..t { changed[i * t + s] += 1000.0; } }
            let a = panel(n, t, vals).truncated(cutoff).unwrap_or_else(|e| panic!("{e}"));
            let b = panel(n, t, changed).truncated(cutoff).unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(&a, &b);
            prop_assert_eq!(a.n_time(), cutoff);
            prop_assert!(a.y.iter().all(|v| *v < 1000.0));
        }

        /// Holdout returns exactly the last `h` values and trains on nothing after them.
        #[test]
        fn holdout_splits_at_the_cutoff(n in 1usize..4, t in 3usize..30, h in 1usize..3) {
            let vals: Vec<f32> = (0..n * t).map(|k| k as f32).collect();
            let p = panel(n, t, vals);
            let (train, truth) = p.holdout(h).unwrap_or_else(|e| panic!("{e}"));
            prop_assert_eq!(train.n_time(), t - h);
            for i in 0..n {
                let expected: Vec<f64> = (t - h..t).map(|s| (i * t + s) as f64).collect();
                prop_assert_eq!(&truth[i * h..(i + 1) * h], expected.as_slice());
                prop_assert!(train.observed(i).iter().all(|v| (*v as usize) < i * t + t - h));
            }
        }
    }
}
