use super::*;
use tsforge_core::hierarchy::{Hierarchy, SeriesAttrs};

/// A small deterministic generator (64-bit LCG, top 53 bits as a uniform).
struct Lcg(u64);

impl Lcg {
    fn uniform(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((self.0 >> 11) as f64 + 0.5) / (1u64 << 53) as f64
    }

    /// A Poisson draw (Knuth's product of uniforms; rates here stay small).
    fn poisson(&mut self, rate: f64) -> f64 {
        let limit = (-rate).exp();
        let (mut k, mut p) = (0.0, self.uniform());
        while p > limit {
            k += 1.0;
            p *= self.uniform();
        }
        k
    }
}

/// The smallest count whose Poisson(rate) CDF reaches `u`: the exact quantile.
fn poisson_quantile(rate: f64, u: f64) -> f64 {
    let (mut k, mut pmf) = (0.0, (-rate).exp());
    let mut cdf = pmf;
    while cdf < u {
        k += 1.0;
        pmf *= rate / k;
        cdf += pmf;
    }
    k
}

/// 20 items × 4 stores with Poisson demand at rates from 0.2 to 12 a day.
fn panel() -> (Vec<SeriesAttrs>, Vec<f64>) {
    let mut attrs = Vec::new();
    let mut rates = Vec::new();
    for store in ["CA_1", "CA_2", "TX_1", "WI_1"] {
        for i in 0..20 {
            let dept = if i < 10 { "FOODS_1" } else { "FOODS_2" };
            attrs.push(SeriesAttrs { item: format!("{dept}_{i:03}"), dept: dept.into(), cat: "FOODS".into(), store: store.into(), state: store[..2].into() });
            rates.push([0.2, 0.5, 1.0, 3.0, 12.0][i % 5] * if store == "TX_1" { 1.5 } else { 1.0 });
        }
    }
    (attrs, rates)
}

const H: usize = 28;
const T: usize = 120;

/// A window: an evaluator on fresh history, fresh truth, and the true mean as forecast.
fn window(rng: &mut Lcg, attrs: &[SeriesAttrs], rates: &[f64]) -> (M5Evaluator, Vec<f64>, Vec<f64>) {
    let history: Vec<f64> = rates.iter().flat_map(|&r| (0..T).map(|_| r).collect::<Vec<_>>()).map(|r| rng.poisson(r)).collect();
    let sales: Vec<f64> = (0..rates.len()).flat_map(|i| history[i * T + T - H..(i + 1) * T].to_vec()).collect();
    let ev = M5Evaluator::new(Hierarchy::m5(attrs), &history, T, &sales, H, H).unwrap_or_else(|e| panic!("{e}"));
    let actual: Vec<f64> = rates.iter().flat_map(|&r| vec![r; H]).map(|r| rng.poisson(r)).collect();
    let forecast: Vec<f64> = rates.iter().flat_map(|&r| vec![r; H]).collect();
    (ev, actual, forecast)
}

/// Hand-checked quantiles: Poisson(3) has CDF 0.647 at 3 and 0.9881 / 0.9962 at 7 / 8;
/// the negative binomial with mean 2 and r = 1 is geometric, CDF(k) = 1 − (2/3)^(k+1)
/// (0.868 at 4, 0.912 at 5); far out, the normal approximation (z(0.975) = 1.959964).
#[test]
fn count_quantiles_match_hand_computed_values() {
    assert_eq!(negbin_quantile(3.0, 0.0, 0.5), 3.0);
    assert_eq!(negbin_quantile(3.0, 0.0, 0.995), 8.0);
    assert_eq!(negbin_quantile(2.0, 1.0, 0.9), 5.0);
    assert_eq!(negbin_quantile(0.0, 1.0, 0.9), 0.0);
    let far = negbin_quantile(1000.0, 0.0, 0.975);
    assert!((far - (1000.0 + 1000f64.sqrt() * 1.959_963_985)).abs() < 1e-5, "{far}");
    assert!((negbin_quantile(1000.0, 0.0, 0.005) - (1000.0 - 1000f64.sqrt() * 2.575_829_304)).abs() < 1e-5);
}

#[test]
fn empirical_quantile_interpolates_like_numpy() {
    let v = [1.0, 2.0, 3.0, 4.0];
    // numpy.quantile([1,2,3,4], [0, .25, .5, .995]) = 1, 1.75, 2.5, 3.985
    for (u, want) in [(0.0, 1.0), (0.25, 1.75), (0.5, 2.5), (0.995, 3.985)] {
        assert!((empirical_quantile(&v, u) - want).abs() < 1e-12, "{u}");
    }
    assert!(empirical_quantile(&[], 0.5).is_nan());
}

/// Calibrated on three windows of Poisson demand forecast at its true mean, the
/// quantiles of a fourth window are ordered, non-negative, cover close to their
/// exact quantiles' coverage, and score within 10 % of the exact Poisson quantiles' WSPL (sums of
/// independent Poisson series are Poisson, so the oracle is exact at every level).
#[test]
fn poisson_demand_is_calibrated_close_to_the_exact_quantiles() {
    let (attrs, rates) = panel();
    let mut rng = Lcg(7);
    let backtest: Vec<_> = (0..3).map(|_| window(&mut rng, &attrs, &rates)).collect();
    let windows: Vec<Window<'_>> = backtest.iter().map(|(ev, a, f)| Window { ev, actual: a, forecast: f }).collect();
    let (cal, held_out) = Calibration::choose(&windows);
    assert_eq!(held_out.map(|v| v.len()), Some(12));
    // Poisson demand: the count distribution wins at the bottom, with about no
    // over-dispersion; the total (28 errors a window) has too few errors for bins
    let how = cal.describe();
    assert!(how[11].starts_with("negbin(1/r=0.0"), "{how:?}");
    assert!(how[0].ends_with("/1") || how[0].starts_with("negbin"), "{how:?}");

    let (ev, actual, forecast) = window(&mut rng, &attrs, &rates);
    let q = cal.quantiles(&ev, &forecast);
    for level in &q {
        for series in level.chunks_exact(NQ * H) {
            for t in 0..H {
                let col: Vec<f64> = (0..NQ).map(|j| series[j * H + t]).collect();
                assert!(col.windows(2).all(|p| p[0] <= p[1]) && col[0] >= 0.0, "{col:?}");
            }
        }
    }
    let ours = ev.wspl(&actual, &q).unwrap_or_else(|e| panic!("{e}"));
    let exact: Vec<Vec<f64>> = (0..12)
        .map(|l| {
            let mean = ev.hierarchy().aggregate(l, &forecast, H);
            mean.chunks_exact(H).flat_map(|m| M5_QUANTILES.iter().flat_map(move |&u| m.iter().map(move |&r| poisson_quantile(r, u)))).collect()
        })
        .collect();
    let oracle = ev.wspl(&actual, &exact).unwrap_or_else(|e| panic!("{e}"));
    assert!(ours.total <= oracle.total * 1.10, "WSPL {} vs exact {}", ours.total, oracle.total);
    // counts pile up at whole numbers, so "at or below the quantile" is judged against
    // what the exact quantiles achieve, not against the nominal level
    let (cov, exact_cov) = (coverage(&ev, &actual, &q), coverage(&ev, &actual, &exact));
    for j in 0..NQ {
        assert!((cov[j] - exact_cov[j]).abs() < 0.04, "coverage at {}: {} vs exact {}", M5_QUANTILES[j], cov[j], exact_cov[j]);
    }
    assert!((0.95..=0.995).contains(&cov[7]), "coverage at 0.975: {}", cov[7]);
}

#[test]
fn a_level_without_errors_repeats_the_forecast() {
    let (attrs, rates) = panel();
    let (ev, _, forecast) = window(&mut Lcg(3), &attrs, &rates);
    let q = Calibration::fit(&[], &[]).quantiles(&ev, &forecast);
    assert_eq!(&q[11][..H], &forecast[..H]);
}
