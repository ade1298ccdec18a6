//! AutoARIMA against statsforecast 2.1.1's `AutoARIMA(season_length=m)`
//! (tests/golden/arima.json, written by bench/arima_parity.py: M1 series of each
//! subset and synthetic series, histories included, with statsforecast's orders).
//!
//! The bar: the same orders and forecasts within rtol 1e-3 on most series; where
//! statsforecast fails to fit, tsforge returns an error too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::{Value, json};
use tsforge_stats::FittedSeries;
use tsforge_stats::arima::{ArimaChoice, auto_arima};

fn golden() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/arima.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

/// `(p, d, q, P, D, Q, constant)` as the golden file writes them.
fn orders(c: &ArimaChoice) -> Vec<u64> {
    match c.orders() {
        None => vec![0, 0, 0, 0, 0, 0, 1],
        Some((o, k)) => [o.p, o.d, o.q, o.sp, o.sd, o.sq, usize::from(k)].iter().map(|v| *v as u64).collect(),
    }
}

#[test]
fn forecasts_and_orders_match_statsforecast() {
    let g = golden();
    let rtol = g["rtol"].as_f64().unwrap();
    let atol = g["atol"].as_f64().unwrap();
    let (mut close, mut same, mut total) = (0, 0, 0);
    let mut report = Vec::new();
    for s in g["series"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        let m = s["season_length"].as_u64().unwrap() as usize;
        let h = s["horizon"].as_u64().unwrap() as usize;
        let y = floats(&s["y"]);
        total += 1;
        let got = auto_arima(&y, m);
        if s.get("error").is_some() {
            assert!(got.is_err(), "{id}: statsforecast fails, tsforge fits");
            close += 1;
            same += 1;
            continue;
        }
        let fit = got.unwrap_or_else(|e| panic!("{id}: {e}"));
        let want = floats(&s["mean"]);
        let mean = fit.forecast(h, &[95]).mean;
        let ok = mean.iter().zip(&want).all(|(a, b)| (a - b).abs() <= atol + rtol * b.abs());
        let want_orders: Vec<u64> = s["orders"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
        let got_orders = orders(&fit);
        close += usize::from(ok);
        same += usize::from(got_orders == want_orders);
        if !ok || got_orders != want_orders {
            report.push(format!("{id}: orders {got_orders:?} vs {want_orders:?}, first {:.4} vs {:.4}", mean[0], want[0]));
        }
    }
    eprintln!("close {close}/{total}, same orders {same}/{total}\n{}", report.join("\n"));
    // argmin's BFGS is not scipy's: a few series may land on another optimum
    assert!(close * 100 >= total * 80, "close {close}/{total}\n{}", report.join("\n"));
    assert!(same * 100 >= total * 80, "same orders {same}/{total}\n{}", report.join("\n"));
}

#[test]
fn intervals_widen_and_bracket_the_mean() {
    let g = golden();
    let s = &g["series"].as_array().unwrap()[0];
    let y = floats(&s["y"]);
    let fit = auto_arima(&y, s["season_length"].as_u64().unwrap() as usize).unwrap();
    let f = fit.forecast(6, &[80, 95]);
    let (_, lo80, hi80) = &f.intervals[0];
    let (_, lo95, hi95) = &f.intervals[1];
    for k in 0..6 {
        assert!(lo95[k] <= lo80[k] && lo80[k] <= f.mean[k] && f.mean[k] <= hi80[k] && hi80[k] <= hi95[k]);
    }
}

#[test]
fn short_and_odd_series_do_not_panic() {
    for y in [vec![], vec![1.0], vec![1.0, 2.0], vec![3.0; 5], vec![1.0, 5.0, 2.0], (0..30).map(|t| (t * t) as f64).collect()] {
        if let Ok(f) = auto_arima(&y, 4) {
            assert!(f.forecast(3, &[]).mean.iter().all(|v| v.is_finite()));
        }
    }
}

/// For bench/arima_parity.py: reads `{"season_length", "horizon", "series": [[..]]}`
/// from `ARIMA_ORDERS_IN`, writes each series' forecast and orders to `ARIMA_ORDERS_OUT`.
#[test]
#[ignore]
fn dump_orders() {
    let (Ok(inp), Ok(out)) = (std::env::var("ARIMA_ORDERS_IN"), std::env::var("ARIMA_ORDERS_OUT")) else { return };
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(inp).unwrap()).unwrap();
    let m = doc["season_length"].as_u64().unwrap() as usize;
    let h = doc["horizon"].as_u64().unwrap() as usize;
    let series: Vec<Vec<f64>> = doc["series"].as_array().unwrap().iter().map(floats).collect();
    use rayon::prelude::*;
    let res: Vec<Value> = series
        .par_iter()
        .map(|y| match auto_arima(y, m) {
            Ok(c) => {
                let (coef, ic) = match &c {
                    ArimaChoice::Model(f) => (f.coef.clone(), f.ic),
                    ArimaChoice::Constant(_) => (Vec::new(), f64::NAN),
                };
                json!({"mean": c.forecast(h, &[]).mean, "orders": orders(&c), "coef": coef, "ic": if ic.is_finite() { json!(ic) } else { Value::Null }})
            }
            Err(_) => json!({"mean": null, "orders": null}),
        })
        .collect();
    std::fs::write(out, serde_json::to_string(&res).unwrap()).unwrap();
}

/// For diagnosing parity: reads `[{"y": [..], "m": M, "orders": [p, d, q, P, D, Q,
/// constant]}]` from `ARIMA_CANDIDATES_IN` and writes tsforge's fit of exactly that
/// model (coefficients, AICc, AIC) to `ARIMA_CANDIDATES_OUT`, to compare with
/// statsforecast's fit of the same orders.
#[test]
#[ignore]
fn dump_candidates() {
    use tsforge_stats::arima::{Criterion, Orders, candidate};
    let (Ok(inp), Ok(out)) = (std::env::var("ARIMA_CANDIDATES_IN"), std::env::var("ARIMA_CANDIDATES_OUT")) else { return };
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(inp).unwrap()).unwrap();
    let res: Vec<Value> = doc
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            let y = floats(&c["y"]);
            let m = c["m"].as_u64().unwrap() as usize;
            let k: Vec<usize> = c["orders"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap() as usize).collect();
            let o = Orders { p: k[0], d: k[1], q: k[2], sp: k[3], sd: k[4], sq: k[5], m };
            let f = candidate(&y, &o, k[6] == 1, Criterion::Aicc);
            let finite = |v: f64| if v.is_finite() { json!(v) } else { Value::Null };
            json!({"coef": f.coef, "ic": finite(f.ic), "aic": finite(f.aic)})
        })
        .collect();
    std::fs::write(out, serde_json::to_string(&res).unwrap()).unwrap();
}
