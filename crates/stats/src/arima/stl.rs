//! STL decomposition (Cleveland et al. 1990) with statsmodels' defaults as
//! statsforecast's `mstl` calls it for one season: seasonal window 11 of degree 0,
//! trend and low-pass windows from the period, degree 1, no jumps, not robust, five
//! inner passes. Positions in the loess helpers are 1-based, as in the original.

// index loops kept as in the Fortran original, which makes the port checkable
#![allow(clippy::needless_range_loop)]

/// Loess estimate at `xs` from `y[nleft-1..nright]`; `None` when no weight is positive.
fn est(y: &[f64], len: usize, ideg: usize, xs: f64, nleft: usize, nright: usize, w: &mut [f64]) -> Option<f64> {
    let n = y.len();
    let range = n as f64 - 1.0;
    let mut h = (xs - nleft as f64).max(nright as f64 - xs);
    if len > n {
        h += ((len - n) / 2) as f64;
    }
    let (h9, h1) = (0.999 * h, 0.001 * h);
    let mut a = 0.0;
    for j in nleft - 1..nright {
        w[j] = 0.0;
        let r = (j as f64 + 1.0 - xs).abs();
        if r <= h9 {
            w[j] = if r <= h1 { 1.0 } else { (1.0 - (r / h).powi(3)).powi(3) };
            a += w[j];
        }
    }
    if a <= 0.0 {
        return None;
    }
    for wj in &mut w[nleft - 1..nright] {
        *wj /= a;
    }
    if h > 0.0 && ideg > 0 {
        let a: f64 = (nleft - 1..nright).map(|j| w[j] * (j as f64 + 1.0)).sum();
        let b = xs - a;
        let c: f64 = (nleft - 1..nright).map(|j| w[j] * (j as f64 + 1.0 - a).powi(2)).sum();
        if c.sqrt() > 0.001 * range {
            let b = b / c;
            for j in nleft - 1..nright {
                w[j] *= b * (j as f64 + 1.0 - a) + 1.0;
            }
        }
    }
    Some((nleft - 1..nright).map(|j| w[j] * y[j]).sum())
}

/// Loess smooth of `y` with window `len` and degree `ideg` at every point.
fn ess(y: &[f64], len: usize, ideg: usize) -> Vec<f64> {
    let n = y.len();
    if n < 2 {
        return y.to_vec();
    }
    let mut w = vec![0.0; n];
    let mut ys = vec![0.0; n];
    if len >= n {
        for i in 0..n {
            ys[i] = est(y, len, ideg, i as f64 + 1.0, 1, n, &mut w).unwrap_or(y[i]);
        }
    } else {
        let nsh = (len + 2) / 2;
        let (mut nleft, mut nright) = (1, len);
        for i in 0..n {
            if i + 1 > nsh && nright != n {
                nleft += 1;
                nright += 1;
            }
            ys[i] = est(y, len, ideg, i as f64 + 1.0, nleft, nright, &mut w).unwrap_or(y[i]);
        }
    }
    ys
}

/// Moving average of window `len`.
fn ma(x: &[f64], len: usize) -> Vec<f64> {
    let mut v: f64 = x[..len].iter().sum();
    let mut out = vec![v / len as f64];
    for j in 1..=x.len() - len {
        v += x[len + j - 1] - x[j - 1];
        out.push(v / len as f64);
    }
    out
}

/// Seasonal and trend components of `y` for season `np`, or `None` when statsmodels
/// would refuse the series.
pub fn stl(y: &[f64], np: usize) -> Option<(Vec<f64>, Vec<f64>)> {
    let n = y.len();
    if np < 2 || n < 2 * np + 1 {
        return None;
    }
    let ns = 11;
    let mut nt = (1.5 * np as f64 / (1.0 - 1.5 / ns as f64)).ceil() as usize;
    nt += usize::from(nt.is_multiple_of(2));
    let mut nl = np + 1;
    nl += usize::from(nl.is_multiple_of(2));
    let mut trend = vec![0.0; n];
    let mut season = vec![0.0; n];
    let mut w = vec![0.0; n];
    for _ in 0..5 {
        let detrended: Vec<f64> = y.iter().zip(&trend).map(|(a, b)| a - b).collect();
        // cycle-subseries smoothing, each extended by one period at both ends
        let mut cycle = vec![0.0; n + 2 * np];
        for j in 0..np {
            let k = (n - (j + 1)) / np + 1;
            let sub: Vec<f64> = (0..k).map(|i| detrended[i * np + j]).collect();
            let smooth = ess(&sub, ns, 0);
            let mut ext = vec![0.0; k + 2];
            ext[1..=k].copy_from_slice(&smooth);
            ext[0] = est(&sub, ns, 0, 0.0, 1, ns.min(k), &mut w).unwrap_or(ext[1]);
            ext[k + 1] = est(&sub, ns, 0, k as f64 + 1.0, k.saturating_sub(ns) + 1, k, &mut w).unwrap_or(ext[k]);
            for (m, v) in ext.iter().enumerate() {
                cycle[m * np + j] = *v;
            }
        }
        // low-pass filter of the cycle-subseries: three moving averages and a loess
        let low = ess(&ma(&ma(&ma(&cycle, np), np), 3), nl, 1);
        for i in 0..n {
            season[i] = cycle[np + i] - low[i];
        }
        let deseason: Vec<f64> = y.iter().zip(&season).map(|(a, b)| a - b).collect();
        trend = ess(&deseason, nt, 1);
    }
    Some((season, trend))
}
