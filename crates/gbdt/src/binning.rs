//! Per-feature quantile binning to `u8` codes. Bin 0 holds missing values (NaN);
//! bins `1..num_bins` hold values `(upper[b-2], upper[b-1]]`, the last bin is open above.
//! A categorical feature maps each non-negative integer category to its own bin (most
//! frequent first); NaN, negative, fractional and unseen values share bin 0.

use serde::{Deserialize, Serialize};

/// Bin edges of one feature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct BinMapper {
    /// Inclusive upper bounds of value bins `1..num_bins-1`; the last value bin has none.
    pub upper: Vec<f64>,
    /// Categorical features: the category of bin `b` is `categories[b - 1]`.
    pub categories: Option<Vec<i32>>,
    /// Categorical features: (category, bin) sorted by category.
    #[serde(skip)]
    lookup: Vec<(i32, u8)>,
}

/// A raw value as compared against thresholds: infinities become the largest finite `f64`s
/// (no `f32` reaches them), so every threshold stays finite and JSON-serialisable.
#[inline]
pub(crate) fn to_f64(v: f32) -> f64 {
    f64::from(v).clamp(f64::MIN, f64::MAX)
}

/// The category of a raw value, if it is a non-negative integer.
#[inline]
pub(crate) fn category_of(v: f32) -> Option<i32> {
    if v >= 0.0 && v.fract() == 0.0 && v < 2_147_483_520.0 { Some(v as i32) } else { None }
}

impl BinMapper {
    /// Total bins including the missing bin 0.
    #[inline]
    pub fn num_bins(&self) -> usize {
        match &self.categories {
            Some(c) => c.len() + 1,
            None => self.upper.len() + 2,
        }
    }

    /// Whether this is a categorical feature.
    #[inline]
    pub fn is_categorical(&self) -> bool {
        self.categories.is_some()
    }

    /// Bins categories by frequency in the sample (most frequent first, at most `max_bin`).
    pub fn fit_categorical(values: &[f32], max_bin: usize) -> Self {
        let mut cats: Vec<i32> = values.iter().filter_map(|&v| category_of(v)).collect();
        cats.sort_unstable();
        let mut counts: Vec<(i32, usize)> = Vec::new();
        for c in cats {
            match counts.last_mut() {
                Some((d, n)) if *d == c => *n += 1,
                _ => counts.push((c, 1)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        counts.truncate(max_bin.clamp(1, 254));
        let categories: Vec<i32> = counts.iter().map(|c| c.0).collect();
        Self::from_categories(categories)
    }

    fn from_categories(categories: Vec<i32>) -> Self {
        let mut lookup: Vec<(i32, u8)> = categories.iter().enumerate().map(|(i, &c)| (c, (i + 1) as u8)).collect();
        lookup.sort_unstable();
        BinMapper { upper: Vec::new(), categories: Some(categories), lookup }
    }

    /// Bin code of a value.
    #[inline]
    pub fn bin(&self, v: f32) -> u8 {
        if self.categories.is_some() {
            return category_of(v).and_then(|c| self.lookup.binary_search_by_key(&c, |e| e.0).ok()).map_or(0, |i| self.lookup[i].1);
        }
        if v.is_nan() {
            return 0;
        }
        let v = to_f64(v);
        // Number of upper bounds strictly below v = index of the first bound >= v.
        (1 + self.upper.partition_point(|&u| u < v)) as u8
    }

    /// Threshold on raw values of the split "bins 1..=t go left".
    #[inline]
    pub fn threshold(&self, t: u8) -> f64 {
        let i = usize::from(t).saturating_sub(1);
        self.upper.get(i).copied().unwrap_or(f64::MAX)
    }

    /// Finds bin edges from the non-missing values of a sample.
    /// `max_bin` counts value bins (missing has its own extra bin).
    pub fn fit(values: &mut Vec<f64>, max_bin: usize) -> Self {
        values.retain(|v| !v.is_nan());
        for v in values.iter_mut() {
            *v = v.clamp(f64::MIN, f64::MAX);
        }
        values.sort_by(f64::total_cmp);
        // distinct values with counts
        let mut distinct: Vec<(f64, usize)> = Vec::new();
        for &v in values.iter() {
            match distinct.last_mut() {
                Some((d, c)) if *d == v => *c += 1,
                _ => distinct.push((v, 1)),
            }
        }
        let mut upper = Vec::new();
        let max_bin = max_bin.clamp(2, 254);
        if distinct.len() <= max_bin {
            for w in distinct.windows(2) {
                upper.push(midpoint(w[0].0, w[1].0));
            }
        } else {
            // Greedy equal-count bins over distinct values.
            let n = values.len();
            let mut remaining_bins = max_bin;
            let mut remaining = n;
            let mut acc = 0usize;
            for i in 0..distinct.len() - 1 {
                acc += distinct[i].1;
                let target = remaining as f64 / remaining_bins as f64;
                // close the bin when it is full enough, or if the next value alone exceeds the target
                if acc as f64 >= target || (acc as f64 + distinct[i + 1].1 as f64 / 2.0) >= target {
                    upper.push(midpoint(distinct[i].0, distinct[i + 1].0));
                    remaining -= acc;
                    acc = 0;
                    remaining_bins -= 1;
                    if remaining_bins <= 1 {
                        break;
                    }
                }
            }
        }
        BinMapper { upper, categories: None, lookup: Vec::new() }
    }
}

fn midpoint(a: f64, b: f64) -> f64 {
    let m = a / 2.0 + b / 2.0;
    // keep a < m <= b strictly separating a from b
    if m > a && m <= b { m } else { b }
}

/// A column-major `u8` bin matrix.
#[derive(Debug, Clone)]
pub(crate) struct BinnedMatrix {
    pub n_rows: usize,
    pub bins: Vec<u8>,
}

impl BinnedMatrix {
    #[inline]
    pub fn col(&self, f: usize) -> &[u8] {
        &self.bins[f * self.n_rows..(f + 1) * self.n_rows]
    }

    /// Bins a column-major f32 matrix with the given mappers (one per column).
    pub fn build(x: &[f32], n_rows: usize, mappers: &[BinMapper]) -> Self {
        use rayon::prelude::*;
        let mut bins = vec![0u8; n_rows * mappers.len()];
        if n_rows > 0 {
            bins.par_chunks_mut(n_rows).zip(x.par_chunks(n_rows)).zip(mappers.par_iter()).for_each(|((out, col), m)| {
                for (o, &v) in out.iter_mut().zip(col) {
                    *o = m.bin(v);
                }
            });
        }
        BinnedMatrix { n_rows, bins }
    }
}

/// Fits one mapper per column on a deterministic strided sample of rows.
pub(crate) fn fit_mappers(x: &[f32], n_rows: usize, n_cols: usize, max_bin: usize, sample_cnt: usize, categorical: &[bool]) -> Vec<BinMapper> {
    use rayon::prelude::*;
    let step = n_rows.div_ceil(sample_cnt.max(1)).max(1);
    (0..n_cols)
        .into_par_iter()
        .map(|f| {
            let col = &x[f * n_rows..(f + 1) * n_rows];
            if categorical.get(f).copied().unwrap_or(false) {
                let vals: Vec<f32> = col.iter().step_by(step).copied().collect();
                return BinMapper::fit_categorical(&vals, max_bin);
            }
            let mut vals: Vec<f64> = col.iter().step_by(step).map(|&v| f64::from(v)).collect();
            BinMapper::fit(&mut vals, max_bin)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn few_distinct_values_get_own_bins() {
        let mut v = vec![3.0, 1.0, 2.0, 1.0, f64::NAN];
        let m = BinMapper::fit(&mut v, 255);
        assert_eq!(m.num_bins(), 4);
        assert_eq!(m.bin(f32::NAN), 0);
        assert_eq!(m.bin(1.0), 1);
        assert_eq!(m.bin(2.0), 2);
        assert_eq!(m.bin(3.0), 3);
        assert_eq!(m.bin(100.0), 3);
        assert_eq!(m.bin(-100.0), 1);
        // threshold consistency: v <= threshold(t) iff bin(v) <= t
        for t in 1..3u8 {
            for x in [0.5f32, 1.0, 1.5, 2.0, 2.5, 3.0] {
                assert_eq!(f64::from(x) <= m.threshold(t), m.bin(x) <= t);
            }
        }
    }

    #[test]
    fn many_values_are_capped() {
        let mut v: Vec<f64> = (0..10_000).map(|i| f64::from(i) * 0.37).collect();
        let m = BinMapper::fit(&mut v, 255);
        assert!(m.num_bins() <= 256, "{}", m.num_bins());
        assert!(m.num_bins() > 200);
        let mut v: Vec<f64> = (0..10_000).map(f64::from).collect();
        let m = BinMapper::fit(&mut v, 16);
        assert!(m.num_bins() <= 17);
        // roughly equal counts
        let mut counts = vec![0usize; m.num_bins()];
        for i in 0..10_000 {
            counts[usize::from(m.bin(i as f32))] += 1;
        }
        assert!(counts[1..].iter().all(|&c| c > 300 && c < 1000), "{counts:?}");
    }

    #[test]
    fn categorical_bins_by_frequency() {
        let v = [3.0, 7.0, 7.0, 7.0, 3.0, 1.0, f32::NAN, -1.0, 2.5];
        let m = BinMapper::fit_categorical(&v, 255);
        assert_eq!(m.categories.as_deref(), Some(&[7, 3, 1][..]));
        assert_eq!(m.num_bins(), 4);
        assert_eq!((m.bin(7.0), m.bin(3.0), m.bin(1.0)), (1, 2, 3));
        for other in [f32::NAN, -1.0, 2.5, 99.0] {
            assert_eq!(m.bin(other), 0);
        }
        let m = BinMapper::fit_categorical(&v, 1);
        assert_eq!(m.categories.as_deref(), Some(&[7][..]));
    }

    #[test]
    fn infinities_get_finite_thresholds() {
        let mut v = vec![f64::NEG_INFINITY, -1.0, 2.0, f64::INFINITY];
        let m = BinMapper::fit(&mut v, 255);
        assert!(m.upper.iter().all(|u| u.is_finite()), "{:?}", m.upper);
        assert_eq!(m.num_bins(), 5);
        assert_eq!((m.bin(f32::NEG_INFINITY), m.bin(-1.0), m.bin(2.0), m.bin(f32::INFINITY)), (1, 2, 3, 4));
        for t in 1..=4u8 {
            for x in [f32::NEG_INFINITY, -1.0, 0.0, 2.0, f32::MAX, f32::INFINITY] {
                assert_eq!(to_f64(x) <= m.threshold(t), m.bin(x) <= t, "t={t} x={x}");
            }
        }
    }

    #[test]
    fn all_nan_column() {
        let mut v = vec![f64::NAN; 5];
        let m = BinMapper::fit(&mut v, 255);
        assert_eq!(m.num_bins(), 2);
        assert_eq!(m.bin(1.0), 1);
    }
}
