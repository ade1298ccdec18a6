//! AutoETS, Holt and the Theta family against statsforecast 2.1.1's forecasts
//! (tests/golden/ets_theta.json, written by bench/ets_theta_parity.py: 15 m5-tiny
//! series, histories trimmed at the first non-zero sale, and 6 synthetic series).
//!
//! The parity bar: forecasts pointwise within rtol 1e-3 on at least 95% of the
//! series for each model (and the same ETS form where they agree), and where
//! statsforecast fails to fit, tsforge returns an error too.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tsforge_stats::SeriesModel;
use tsforge_stats::ets::{AutoEts, ets_auto};
use tsforge_stats::theta::{Theta, ThetaVariant, auto_theta};

fn golden() -> Value {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/ets_theta.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn floats(v: &Value) -> Vec<f64> {
    v.as_array().unwrap().iter().map(|x| x.as_f64().unwrap()).collect()
}

fn close(a: &[f64], b: &[f64], rtol: f64, atol: f64) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() <= atol + rtol * y.abs())
}

fn model(alias: &str, m: usize) -> Box<dyn SeriesModel> {
    match alias {
        "AutoETS" => Box::new(AutoEts::new(m)),
        "Holt" => Box::new(AutoEts::holt(m)),
        "AutoTheta" => Box::new(Theta::new(m, None)),
        "Theta" => Box::new(Theta::new(m, Some(ThetaVariant::Standard))),
        "OptimizedTheta" => Box::new(Theta::new(m, Some(ThetaVariant::Optimized))),
        other => panic!("unknown model {other}"),
    }
}

/// tsforge's name for the chosen form, in statsforecast's spelling.
fn method(alias: &str, y: &[f64], m: usize) -> Option<String> {
    match alias {
        "AutoETS" => ets_auto(y, m, "ZZZ", None).ok().map(|f| f.method()),
        "Holt" => ets_auto(y, m, "AAN", None).ok().map(|f| f.method()),
        "AutoTheta" => auto_theta(y, m, None, alias).ok().map(|f| f.core.variant.code().to_string()),
        _ => None,
    }
}

#[test]
fn forecasts_match_statsforecast() {
    let g = golden();
    let rtol = g["rtol"].as_f64().unwrap();
    let atol = g["atol"].as_f64().unwrap();
    let mut report = Vec::new();
    let mut failures = Vec::new();
    let mut interval_failures = 0;
    let mut interval_checks = Vec::new();
    for alias in ["AutoETS", "Holt", "AutoTheta", "Theta", "OptimizedTheta"] {
        let (mut ok, mut total, mut same_form) = (0, 0, 0);
        for s in g["series"].as_array().unwrap() {
            let id = s["id"].as_str().unwrap();
            let m = s["season_length"].as_u64().unwrap() as usize;
            let h = s["horizon"].as_u64().unwrap() as usize;
            let y = floats(&s["y"]);
            let want = &s["models"][alias];
            total += 1;
            let got = model(alias, m).fit(&y);
            if want.get("error").is_some() {
                if got.is_err() {
                    ok += 1;
                } else {
                    failures.push(format!("{alias} {id}: statsforecast fails ({}), tsforge fits", want["error"]));
                }
                continue;
            }
            let Ok(fitted) = got else {
                failures.push(format!("{alias} {id}: tsforge fails to fit"));
                continue;
            };
            let want_mean = floats(&want["mean"]);
            let f = fitted.forecast(h, &[80, 95]);
            let form = method(alias, &y, m);
            let sf_form = want["method"].as_str().unwrap_or("");
            if form.as_deref().is_none_or(|f| f == sf_form) {
                same_form += 1;
            }
            if close(&f.mean, &want_mean, rtol, atol) {
                ok += 1;
            } else {
                let worst = f.mean.iter().zip(&want_mean).map(|(a, b)| (a - b).abs() / b.abs().max(1e-9)).fold(0.0, f64::max);
                failures.push(format!("{alias} {id}: max rel diff {worst:.2e} (tsforge {form:?}, statsforecast {sf_form}) first {:.6} vs {:.6}", f.mean[0], want_mean[0]));
            }
            // intervals of the additive-error / class 1-2 forms, where both agree on the mean
            if let Some(iv) = want.get("intervals")
                && close(&f.mean, &want_mean, rtol, atol)
                && !f.intervals.is_empty()
            {
                interval_checks.push(format!("{alias} {id}"));
                // compare the half-widths (the bounds themselves can sit near zero)
                for (lv, lo, hi) in &f.intervals {
                    let w = &iv[lv.to_string()];
                    let half = |b: &[f64]| b.iter().zip(&want_mean).map(|(x, m)| (x - m).abs()).collect::<Vec<f64>>();
                    let (lo_t, hi_t) = (half(lo), half(hi));
                    let (lo_s, hi_s) = (half(&floats(&w["lo"])), half(&floats(&w["hi"])));
                    if !(close(&lo_t, &lo_s, 1e-2, 1e-6) && close(&hi_t, &hi_s, 1e-2, 1e-6)) {
                        failures.push(format!("{alias} {id}: {lv}% interval half-width {:.6} vs {:.6}", hi_t[h - 1], hi_s[h - 1]));
                        interval_failures += 1;
                    }
                }
            }
        }
        report.push(format!("{alias}: {ok}/{total} series close, {same_form}/{total} same form"));
        assert!(ok as f64 >= 0.95 * total as f64, "{alias}: only {ok}/{total} series within rtol {rtol}\n{}\n{}", report.join("\n"), failures.join("\n"));
    }
    assert_eq!(interval_failures, 0, "{}", failures.join("\n"));
    eprintln!("{}", report.join("\n"));
    eprintln!("intervals checked: {}", interval_checks.join(", "));
    if !failures.is_empty() {
        eprintln!("not within tolerance:\n{}", failures.join("\n"));
    }
}
