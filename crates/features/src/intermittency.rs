//! Intermittency statistics of one series as of each anchor day (see [`crate::target`]).

/// Days since the last non-zero value at or before `a` (0 when `y[a] > 0`); NaN when
/// no sale is known since the series started (or since the last unknown value).
pub fn days_since_sale(y: &[f32]) -> Vec<f32> {
    let mut last: Option<usize> = None;
    y.iter()
        .enumerate()
        .map(|(a, &v)| {
            if v.is_nan() {
                last = None;
            } else if v != 0.0 {
                last = Some(a);
            }
            last.map_or(f32::NAN, |l| (a - l) as f32)
        })
        .collect()
}

/// Length of the run of zeros ending at `a` (0 when `y[a]` is a sale).
pub fn zero_run(y: &[f32]) -> Vec<f32> {
    let mut run = 0usize;
    y.iter()
        .map(|&v| {
            if v.is_nan() {
                run = 0;
                return f32::NAN;
            }
            run = if v == 0.0 { run + 1 } else { 0 };
            run as f32
        })
        .collect()
}

/// Trailing-window counts of one row: for every anchor whose `w`-day window lies in the
/// row and holds no unknown value, `emit(sales, sum, sum_sq)` of the window (O(n) in total;
/// zeros add nothing to the sums, so they are those of the non-zero sizes).
fn sliding_sales(y: &[f32], w: usize, emit: impl Fn(usize, f64, f64) -> f32) -> Vec<f32> {
    #[derive(Default)]
    struct Acc {
        nan: i64,
        sales: i64,
        sum: f64,
        sq: f64,
    }
    impl Acc {
        fn step(&mut self, v: f32, sign: i64) {
            if v.is_nan() {
                self.nan += sign;
            } else if v != 0.0 {
                let (s, v) = (sign as f64, f64::from(v));
                self.sales += sign;
                self.sum += s * v;
                self.sq += s * v * v;
            }
        }
    }
    let mut acc = Acc::default();
    let mut out = vec![f32::NAN; y.len()];
    for (a, &v) in y.iter().enumerate() {
        acc.step(v, 1);
        if a >= w {
            acc.step(y[a - w], -1);
        }
        if a + 1 >= w && w > 0 && acc.nan == 0 && acc.sales > 0 {
            out[a] = emit(acc.sales as usize, acc.sum, acc.sq);
        }
    }
    out
}

/// Average demand interval over the trailing `w` days: `w / number of sales` (NaN without a sale).
pub fn adi(y: &[f32], w: usize) -> Vec<f32> {
    sliding_sales(y, w, |sales, _, _| (w as f64 / sales as f64) as f32)
}

/// Squared coefficient of variation (population variance / mean²) of the non-zero
/// sizes in the trailing `w` days (NaN without a sale).
pub fn cv2(y: &[f32], w: usize) -> Vec<f32> {
    sliding_sales(y, w, |sales, sum, sq| {
        let n = sales as f64;
        let mean = sum / n;
        let var = (sq / n - mean * mean).max(0.0);
        (var / (mean * mean)) as f32
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NAN: f32 = f32::NAN;

    fn same(a: &[f32], b: &[f32]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x.is_nan() && y.is_nan()) || (x - y).abs() < 1e-5)
    }

    #[test]
    fn counts_by_hand() {
        let y = [NAN, 0.0, 3.0, 0.0, 0.0, 1.0];
        assert!(same(&days_since_sale(&y), &[NAN, NAN, 0.0, 1.0, 2.0, 0.0]));
        assert!(same(&zero_run(&y), &[NAN, 1.0, 0.0, 1.0, 2.0, 0.0]));
    }

    #[test]
    fn adi_cv2_by_hand() {
        let y = [1.0, 0.0, 9.0, 0.0, 0.0];
        // window 4 at a=3: [1,0,9,0] → 2 sales → ADI 2; sizes 1, 9: mean 5, var 16 → 0.64
        assert!(same(&adi(&y, 4), &[NAN, NAN, NAN, 2.0, 4.0]));
        assert!(same(&cv2(&y, 4), &[NAN, NAN, NAN, 0.64, 0.0]));
        assert!(same(&adi(&[0.0, 0.0], 2), &[NAN, NAN]));
        // an unknown value inside the window makes it incomplete
        assert!(same(&adi(&[1.0, NAN, 2.0, 2.0, 0.0], 2), &[NAN, NAN, NAN, 1.0, 2.0]));
        assert!(same(&cv2(&[1.0, NAN, 2.0, 4.0, 0.0], 2), &[NAN, NAN, NAN, 1.0 / 9.0, 0.0]));
    }
}
