//! Features of the daily sell price (known in advance, so they may read any day's price).

use std::collections::BTreeMap;

use rayon::prelude::*;
use tsforge_core::SeriesAttrs;

use crate::spec::PriceFeature;

/// One series' price row with its summary statistics.
#[derive(Debug, Clone, Copy)]
pub struct PriceRow<'a> {
    p: &'a [f32],
    max: f32,
    mean: f32,
}

impl<'a> PriceRow<'a> {
    pub fn new(p: &'a [f32]) -> PriceRow<'a> {
        let known = p.iter().filter(|v| !v.is_nan());
        let (mut max, mut sum, mut n) = (f32::NAN, 0.0f64, 0usize);
        for &v in known {
            max = if max.is_nan() { v } else { max.max(v) };
            sum += f64::from(v);
            n += 1;
        }
        let mean = if n == 0 { f32::NAN } else { (sum / n as f64) as f32 };
        PriceRow { p, max, mean }
    }

    fn at(&self, t: usize) -> f32 {
        self.p.get(t).copied().unwrap_or(f32::NAN)
    }

    /// Value of a price feature on day `t` (NaN when a needed price is unknown).
    /// [`PriceFeature::PriceRankDeptStore`] needs the whole panel: see [`dept_store_rank`].
    pub fn feature(&self, f: PriceFeature, t: usize) -> f32 {
        let p = self.at(t);
        match f {
            PriceFeature::SellPrice => p,
            PriceFeature::PriceNorm => p / self.max,
            PriceFeature::PriceRelMean => p / self.mean,
            PriceFeature::PriceChangeWeek => t.checked_sub(7).map_or(f32::NAN, |s| p / self.at(s) - 1.0),
            PriceFeature::PriceMomentum => match t.checked_sub(28) {
                Some(s) if t <= self.p.len() => {
                    let win = &self.p[s..t];
                    if win.iter().any(|v| v.is_nan()) { f32::NAN } else { p / (win.iter().map(|&v| f64::from(v)).sum::<f64>() / 28.0) as f32 }
                }
                _ => f32::NAN,
            },
            PriceFeature::PriceRankDeptStore => f32::NAN,
        }
    }
}

/// Percentile rank (ties averaged, in (0, 1], pandas `rank(pct=True)`) of each series'
/// price among the series of its dept and store with a known price that day.
/// Series-major like the prices; NaN where the price is unknown.
pub fn dept_store_rank(prices: &[f32], attrs: &[SeriesAttrs], n_time: usize) -> Vec<f32> {
    let mut groups: BTreeMap<(&str, &str), Vec<usize>> = BTreeMap::new();
    for (i, a) in attrs.iter().enumerate() {
        groups.entry((a.dept.as_str(), a.store.as_str())).or_default().push(i);
    }
    let ranked: Vec<(usize, Vec<f32>)> = groups
        .into_values()
        .collect::<Vec<_>>()
        .into_par_iter()
        .flat_map_iter(|members| {
            let mut flat = vec![f32::NAN; members.len() * n_time];
            let mut day: Vec<(f32, usize)> = Vec::with_capacity(members.len());
            for t in 0..n_time {
                day.clear();
                day.extend(members.iter().enumerate().filter_map(|(k, &i)| {
                    let p = prices.get(i * n_time + t).copied().unwrap_or(f32::NAN);
                    (!p.is_nan()).then_some((p, k))
                }));
                day.sort_by(|a, b| a.0.total_cmp(&b.0));
                let n = day.len() as f32;
                let mut lo = 0;
                while lo < day.len() {
                    let mut hi = lo;
                    while hi + 1 < day.len() && day[hi + 1].0 == day[lo].0 {
                        hi += 1;
                    }
                    let avg_rank = (lo + hi) as f32 / 2.0 + 1.0;
                    for &(_, k) in &day[lo..=hi] {
                        flat[k * n_time + t] = avg_rank / n;
                    }
                    lo = hi + 1;
                }
            }
            let rows: Vec<Vec<f32>> = flat.chunks(n_time.max(1)).map(<[f32]>::to_vec).collect();
            members.into_iter().zip(rows)
        })
        .collect();
    let mut out = vec![f32::NAN; attrs.len() * n_time];
    for (i, row) in ranked {
        out[i * n_time..(i + 1) * n_time].copy_from_slice(&row);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f32 = f32::NAN;

    fn close(a: f32, b: f32) -> bool {
        (a.is_nan() && b.is_nan()) || (a - b).abs() < 1e-5
    }

    #[test]
    fn price_features_by_hand() {
        // 29 days: NaN, then 2.0 for 27 days, then 3.0 on the last day
        let mut p = vec![2.0f32; 29];
        p[0] = NAN;
        p[28] = 3.0;
        let row = PriceRow::new(&p);
        assert!(close(row.feature(PriceFeature::SellPrice, 28), 3.0));
        assert!(close(row.feature(PriceFeature::PriceNorm, 1), 2.0 / 3.0));
        // mean of 27×2 + 3 = 57 / 28
        assert!(close(row.feature(PriceFeature::PriceRelMean, 28), 3.0 / (57.0 / 28.0)));
        assert!(close(row.feature(PriceFeature::PriceChangeWeek, 28), 0.5));
        assert!(close(row.feature(PriceFeature::PriceChangeWeek, 7), NAN));
        // momentum at 28 needs days 0..28, day 0 unknown
        assert!(close(row.feature(PriceFeature::PriceMomentum, 28), NAN));
        let mut q = vec![2.0f32; 28];
        q.push(3.0);
        // days 0..28 are all 2.0 → 3 / 2
        assert!(close(PriceRow::new(&q).feature(PriceFeature::PriceMomentum, 28), 1.5));
        assert!(close(row.feature(PriceFeature::SellPrice, 40), NAN));
    }

    #[test]
    fn rank_by_hand() {
        let a = |dept: &str, store: &str| SeriesAttrs { item: format!("{dept}{store}"), dept: dept.into(), cat: "C".into(), store: store.into(), state: "S".into() };
        let attrs = vec![a("D", "S1"), a("D", "S1"), a("D", "S1"), a("D", "S2")];
        // one day: prices 1, 2, 2 in D/S1 and 5 alone in D/S2
        let r = dept_store_rank(&[1.0, 2.0, 2.0, 5.0], &attrs, 1);
        assert!(close(r[0], 1.0 / 3.0) && close(r[1], 2.5 / 3.0) && close(r[2], 2.5 / 3.0) && close(r[3], 1.0));
        let r = dept_store_rank(&[NAN, 2.0, 3.0, NAN], &attrs, 1);
        assert!(close(r[0], NAN) && close(r[1], 0.5) && close(r[2], 1.0) && close(r[3], NAN));
    }
}
