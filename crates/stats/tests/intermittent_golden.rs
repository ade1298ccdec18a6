//! Golden numbers from statsforecast: forecasts of 20 m5-tiny series (histories from
//! the first non-zero sale, stored in the file) and one too-short series, for every
//! smoothing and intermittent-demand model, and the 80/95 % intervals of SES and
//! SESOpt (statsforecast's `fit` + `predict(level=..)`). Written by bench/stats_parity.py.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use tsforge_stats::SeriesModel;
use tsforge_stats::intermittent::{Adida, CrostonClassic, CrostonOptimized, CrostonSBA, Imapa, Tsb};
use tsforge_stats::ses::{SimpleExponentialSmoothing, SimpleExponentialSmoothingOptimized};
use tsforge_stats::window::{SeasonalWindowAverage, WindowAverage};

fn golden() -> Value {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/intermittent.json");
    serde_json::from_str(&std::fs::read_to_string(path).expect("golden file")).expect("golden json")
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} missing"))
}

fn model(alias: &str, g: &Value) -> Box<dyn SeriesModel> {
    let p = &g["params"];
    let season = g["season_length"].as_u64().unwrap() as usize;
    match alias {
        "WindowAverage" => Box::new(WindowAverage { window_size: num(p, "window_size") as usize }),
        "SeasWA" => Box::new(SeasonalWindowAverage { season_length: season, window_size: num(p, "seas_window_size") as usize }),
        "SES" => Box::new(SimpleExponentialSmoothing { alpha: num(p, "ses_alpha") }),
        "SESOpt" => Box::new(SimpleExponentialSmoothingOptimized),
        "CrostonClassic" => Box::new(CrostonClassic),
        "CrostonSBA" => Box::new(CrostonSBA),
        "CrostonOptimized" => Box::new(CrostonOptimized),
        "TSB" => Box::new(Tsb { alpha_d: num(p, "tsb_alpha_d"), alpha_p: num(p, "tsb_alpha_p") }),
        "ADIDA" => Box::new(Adida),
        "IMAPA" => Box::new(Imapa),
        other => panic!("unknown model {other} in the golden file"),
    }
}

fn aliases(g: &Value, key: &str) -> Vec<String> {
    g[key].as_array().unwrap().iter().map(|v| v.as_str().unwrap().to_string()).collect()
}

#[test]
fn matches_statsforecast() {
    let g = golden();
    let h = g["h"].as_u64().unwrap() as usize;
    let rel_tol = num(&g, "deterministic_rel_tol");
    let rtol = num(&g, "optimised_rtol");
    let deterministic = aliases(&g, "deterministic");
    let optimised = aliases(&g, "optimised");
    assert_eq!(deterministic.len() + optimised.len(), 10, "every model is in the golden file");
    let series = g["series"].as_array().unwrap();
    assert!(series.len() >= 20);
    let mut checked = 0;
    let mut worst = 0.0f64;
    for s in series {
        let id = s["id"].as_str().unwrap();
        let y: Vec<f64> = s["y"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for alias in deterministic.iter().chain(&optimised) {
            let want = s["forecasts"][alias.as_str()].as_array().unwrap();
            let m = model(alias, &g);
            assert_eq!(&m.alias(), alias);
            if want.iter().any(Value::is_null) {
                // statsforecast returns NaN (series shorter than the window): tsforge refuses
                assert!(m.fit(&y).is_err(), "{alias} {id}: statsforecast has NaN, tsforge fitted");
                continue;
            }
            let got = m.fit(&y).unwrap_or_else(|e| panic!("{alias} {id}: {e}")).predict(h).mean;
            assert_eq!(got.len(), h);
            for (k, (a, b)) in got.iter().zip(want).enumerate() {
                let b = b.as_f64().unwrap();
                let ok = if deterministic.contains(alias) { (a - b).abs() <= rel_tol * a.abs().max(b.abs()) || a == &b } else { (a - b).abs() <= rtol * b.abs() + 1e-9 };
                assert!(ok, "{alias} {id} step {}: tsforge {a}, statsforecast {b}", k + 1);
                if a != &b {
                    worst = worst.max((a - b).abs() / a.abs().max(b.abs()));
                }
            }
            checked += 1;
        }
    }
    assert!(checked >= 200, "{checked} forecasts checked");
    println!("{checked} forecasts checked; largest relative difference {worst:.2e}");
}

#[test]
fn ses_intervals_match_statsforecast() {
    let g = golden();
    let h = g["h"].as_u64().unwrap() as usize;
    let rtol = num(&g, "optimised_rtol");
    let mut checked = 0;
    for s in g["series"].as_array().unwrap() {
        let id = s["id"].as_str().unwrap();
        let y: Vec<f64> = s["y"].as_array().unwrap().iter().map(|v| v.as_f64().unwrap()).collect();
        for alias in ["SES", "SESOpt"] {
            let want = &s["intervals"][alias];
            let got = model(alias, &g).fit(&y).unwrap().forecast(h, &[80, 95]);
            for (level, lo, hi) in &got.intervals {
                let w = &want[level.to_string().as_str()];
                // SES is deterministic; SESOpt's alpha is optimised
                let tol = if alias == "SES" { 1e-6 } else { rtol };
                for (side, vals) in [(0, lo), (1, hi)] {
                    for (k, a) in vals.iter().enumerate() {
                        let b = w[side][k].as_f64().unwrap();
                        assert!((a - b).abs() <= tol * b.abs().max(1e-3), "{alias} {id} {level}% side {side} step {}: {a} vs {b}", k + 1);
                    }
                }
            }
            assert_eq!(got.intervals.len(), 2);
            checked += 1;
        }
    }
    assert!(checked >= 40);
}
