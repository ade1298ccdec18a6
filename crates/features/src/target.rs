//! Target-derived statistics "as of" each anchor day `a` of one series.
//!
//! Each function maps a series row `y` (NaN = unknown) to a vector `g` of the same
//! length where `g[a]` uses only `y[..=a]`. A feature with shift `s` takes
//! `g[t - s]` for target day `t` (see [`at_shift`]), so it never sees `y[t - s + 1..]`.

/// The value of an as-of statistic `g` for target day `t` with shift `s`: NaN when
/// `t - s` is before the series, past `y`, or `y[t - s]` is unknown.
pub fn at_shift(g: &[f32], y: &[f32], t: usize, s: usize) -> f32 {
    match t.checked_sub(s) {
        Some(a) if a < y.len() && !y[a].is_nan() => g[a],
        _ => f32::NAN,
    }
}

/// `g[a] = y[a]` (a lag is the identity as of its anchor).
pub fn identity(y: &[f32]) -> Vec<f32> {
    y.to_vec()
}

/// Running sums over the trailing window of `w` values: calls `emit(a, n_nan, sum, sum_sq)`
/// for every anchor whose window lies inside the row (O(n) in total).
fn sliding(y: &[f32], w: usize, mut emit: impl FnMut(usize, usize, f64, f64) -> f32) -> Vec<f32> {
    let (mut nan, mut sum, mut sq) = (0usize, 0.0f64, 0.0f64);
    let mut out = vec![f32::NAN; y.len()];
    for (a, &v) in y.iter().enumerate() {
        if v.is_nan() {
            nan += 1;
        } else {
            sum += f64::from(v);
            sq += f64::from(v) * f64::from(v);
        }
        if a >= w {
            let old = y[a - w];
            if old.is_nan() {
                nan -= 1;
            } else {
                sum -= f64::from(old);
                sq -= f64::from(old) * f64::from(old);
            }
        }
        if a + 1 >= w {
            out[a] = emit(a, nan, sum, sq);
        }
    }
    out
}

/// Rolling mean over complete windows of `w` known values (NaN otherwise).
pub fn rolling_mean(y: &[f32], w: usize) -> Vec<f32> {
    sliding(y, w, |_, nan, sum, _| if nan > 0 || w == 0 { f32::NAN } else { (sum / w as f64) as f32 })
}

/// Rolling sample standard deviation (ddof 1) over complete windows of `w ≥ 2` values.
pub fn rolling_std(y: &[f32], w: usize) -> Vec<f32> {
    sliding(y, w, |_, nan, sum, sq| {
        if nan > 0 || w < 2 {
            return f32::NAN;
        }
        let n = w as f64;
        ((sq - sum * sum / n).max(0.0) / (n - 1.0)).sqrt() as f32
    })
}

/// Sliding extreme over complete windows with a monotonic deque; `keep(a, b)` is true
/// when `a` should stay in front of `b`.
fn rolling_extreme(y: &[f32], w: usize, keep: fn(f32, f32) -> bool) -> Vec<f32> {
    let mut out = vec![f32::NAN; y.len()];
    let mut dq: std::collections::VecDeque<usize> = std::collections::VecDeque::new();
    let mut last_nan: Option<usize> = None;
    for (a, &v) in y.iter().enumerate() {
        if v.is_nan() {
            last_nan = Some(a);
            dq.clear();
            continue;
        }
        while dq.back().is_some_and(|&b| !keep(y[b], v)) {
            dq.pop_back();
        }
        dq.push_back(a);
        while dq.front().is_some_and(|&f| f + w <= a) {
            dq.pop_front();
        }
        let complete = a + 1 >= w && last_nan.is_none_or(|l| l + w <= a);
        if complete && w > 0 {
            out[a] = dq.front().map_or(f32::NAN, |&f| y[f]);
        }
    }
    out
}

pub fn rolling_min(y: &[f32], w: usize) -> Vec<f32> {
    rolling_extreme(y, w, |front, new| front < new)
}

pub fn rolling_max(y: &[f32], w: usize) -> Vec<f32> {
    rolling_extreme(y, w, |front, new| front > new)
}

/// Mean of every known value up to and including `a` (NaN while none is known).
pub fn expanding_mean(y: &[f32]) -> Vec<f32> {
    let (mut sum, mut n) = (0.0f64, 0usize);
    y.iter()
        .map(|&v| {
            if !v.is_nan() {
                sum += f64::from(v);
                n += 1;
            }
            if n == 0 { f32::NAN } else { (sum / n as f64) as f32 }
        })
        .collect()
}

/// Exponentially weighted mean with `adjust=False`: `m = y₀`, then `m = α·y + (1-α)·m`;
/// unknown values leave `m` unchanged.
pub fn ewm_mean(y: &[f32], alpha: f64) -> Vec<f32> {
    let mut m: Option<f64> = None;
    y.iter()
        .map(|&v| {
            if !v.is_nan() {
                let v = f64::from(v);
                m = Some(m.map_or(v, |m| alpha * v + (1.0 - alpha) * m));
            }
            m.map_or(f32::NAN, |m| m as f32)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f32 = f32::NAN;

    fn same(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-5)
    }

    #[test]
    fn rolling_by_hand() {
        let y = [NAN, 1.0, 3.0, 2.0, 6.0];
        assert!(same(&rolling_mean(&y, 2), &[NAN, NAN, 2.0, 2.5, 4.0]));
        assert!(same(&rolling_min(&y, 3), &[NAN, NAN, NAN, 1.0, 2.0]));
        assert!(same(&rolling_max(&y, 3), &[NAN, NAN, NAN, 3.0, 6.0]));
        // [1,3]: mean 2, ss 2 → var 2 → std √2
        assert!(same(&rolling_std(&y, 2), &[NAN, NAN, 2f32.sqrt(), 0.5f32.sqrt(), 8f32.sqrt()]));
        let z = [3.0, 1.0, 2.0, 2.0, NAN, 5.0, 4.0, 6.0];
        assert!(same(&rolling_min(&z, 2), &[NAN, 1.0, 1.0, 2.0, NAN, NAN, 4.0, 4.0]));
        assert!(same(&rolling_max(&z, 3), &[NAN, NAN, 3.0, 2.0, NAN, NAN, NAN, 6.0]));
    }

    /// The O(n) sliding versions agree with recomputing every window.
    #[test]
    fn sliding_matches_naive() {
        let y: Vec<f32> = (0..200u32).map(|k| if k % 37 == 5 { NAN } else { ((k * 7919) % 13) as f32 }).collect();
        for w in [1usize, 2, 3, 7, 28] {
            let naive = |f: fn(&[f32]) -> f32| -> Vec<f32> {
                (0..y.len())
                    .map(|a| match (a + 1).checked_sub(w) {
                        Some(s) if !y[s..=a].iter().any(|v| v.is_nan()) => f(&y[s..=a]),
                        _ => NAN,
                    })
                    .collect()
            };
            let mean = |v: &[f32]| v.iter().sum::<f32>() / v.len() as f32;
            let std = |v: &[f32]| {
                let m = v.iter().sum::<f32>() / v.len() as f32;
                if v.len() < 2 { NAN } else { (v.iter().map(|x| (x - m).powi(2)).sum::<f32>() / (v.len() - 1) as f32).sqrt() }
            };
            assert!(same(&rolling_mean(&y, w), &naive(mean)));
            assert!(same(&rolling_std(&y, w), &naive(std)));
            assert!(same(&rolling_min(&y, w), &naive(|v| v.iter().copied().fold(f32::INFINITY, f32::min))));
            assert!(same(&rolling_max(&y, w), &naive(|v| v.iter().copied().fold(f32::NEG_INFINITY, f32::max))));
        }
    }

    #[test]
    fn expanding_and_ewm_by_hand() {
        let y = [NAN, 2.0, 4.0, 0.0];
        assert!(same(&expanding_mean(&y), &[NAN, 2.0, 3.0, 2.0]));
        // α 0.5: 2 → 3 → 1.5
        assert!(same(&ewm_mean(&y, 0.5), &[NAN, 2.0, 3.0, 1.5]));
    }

    #[test]
    fn shift_reads_only_the_anchor() {
        let y = [1.0, 2.0, NAN];
        let g = identity(&y);
        assert_eq!(at_shift(&g, &y, 1, 1), 1.0);
        assert!(at_shift(&g, &y, 0, 1).is_nan());
        assert!(at_shift(&g, &y, 3, 1).is_nan()); // anchor y[2] unknown
        assert!(at_shift(&g, &y, 9, 2).is_nan()); // anchor past y
    }
}
