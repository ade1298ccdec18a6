//! Writes the HTML leaderboard of a realistic, made-up M5-like run record:
//! 20 models in four families, 12 levels, 4 series (56 days of history, 28 of truth,
//! 3 forecasts each). Used to try `bench/html_check.sh` without running tsforge.
//!
//! `cargo run -p tsforge-report --example sample_html -- OUT.html [--long]`
//!
//! `--long`: as a long-format run without truth would be (MASE, no levels, no actuals,
//! ranked by the backtest score).

use std::collections::BTreeMap;

use tsforge_report::{Leaderboard, Member, Metric, Row, RunRecord, Scores, SeriesPlot};

/// A small deterministic generator (no dependency on rand).
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn params(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = std::env::args().nth(1).ok_or("usage: sample_html OUT.html [--long]")?;
    let long = std::env::args().nth(2).as_deref() == Some("--long");
    let mut rng = Lcg(42);
    // (alias, family, wrmsse, fit seconds, n_params, hyperparameters)
    type Model<'a> = (&'a str, &'a str, f64, f64, Option<u64>, BTreeMap<String, String>);
    let models: Vec<Model> = vec![
        ("Naive", "statistical", 1.062, 0.02, None, params(&[])),
        ("SeasonalNaive", "statistical", 0.853, 0.02, None, params(&[("season", "7")])),
        ("MovingAverage", "statistical", 0.912, 0.03, None, params(&[("window", "28")])),
        ("SES", "statistical", 0.884, 0.41, Some(30490), params(&[])),
        ("CrostonSBA", "statistical", 0.871, 0.38, Some(30490), params(&[])),
        ("TSB", "statistical", 0.866, 0.72, Some(60980), params(&[])),
        ("ADIDA", "statistical", 0.879, 0.22, None, params(&[])),
        ("ETS", "statistical", 0.826, 3.8, Some(121960), params(&[("damped", "true")])),
        ("Theta", "statistical", 0.839, 1.9, Some(60980), params(&[])),
        ("LGBM_tweedie_t03", "gbdt", 0.652, 48.2, Some(38912), params(&[("objective", "tweedie"), ("rho", "1.3"), ("lr", "0.05"), ("leaves", "127"), ("rounds", "900")])),
        ("LGBM_poisson_t07", "gbdt", 0.671, 35.6, Some(25088), params(&[("objective", "poisson"), ("lr", "0.08"), ("leaves", "63"), ("rounds", "600")])),
        ("LGBM_l2_t11", "gbdt", 0.704, 22.9, Some(12544), params(&[("objective", "l2"), ("lr", "0.1"), ("leaves", "31"), ("rounds", "400")])),
        ("Hurdle_t02", "gbdt", 0.681, 61.0, Some(51200), params(&[("classifier", "logistic"), ("size", "gbdt")])),
        ("CNN1D_t04", "neural", 0.742, 96.5, Some(48321), params(&[("channels", "32"), ("kernel", "7"), ("lr", "0.003"), ("epochs", "20")])),
        ("ResNet1D_t09", "neural", 0.718, 154.3, Some(118405), params(&[("blocks", "3"), ("channels", "48"), ("lr", "0.002"), ("epochs", "24")])),
        ("Inception1D_t12", "neural", 0.731, 188.7, Some(96554), params(&[("modules", "2"), ("bottleneck", "16"), ("pooled_len", "4")])),
        ("LSTM_t06", "neural", 0.768, 241.0, Some(71681), params(&[("hidden", "64"), ("layers", "2"), ("lr", "0.001")])),
        ("GRU_t10", "neural", 0.756, 203.4, Some(54017), params(&[("hidden", "64"), ("layers", "1"), ("lr", "0.002")])),
        ("CNN1D_t13", "neural", 0.994, 31.2, Some(12161), params(&[("channels", "8"), ("kernel", "3"), ("lr", "0.03"), ("epochs", "4")])),
    ];
    let levels = |w: f64, rng: &mut Lcg| -> Vec<f64> {
        // M5 shape: aggregated levels are easier than the item levels
        (0..12).map(|l| w * (0.55 + 0.06 * l as f64) * (0.92 + 0.16 * rng.next())).collect()
    };
    let mut rows: Vec<Row> = models
        .into_iter()
        .enumerate()
        .map(|(k, (alias, family, w, fit, n_params, params))| {
            let random = family != "statistical";
            Row {
                alias: alias.into(),
                family: family.into(),
                scores: Scores {
                    wrmsse: Some(w),
                    levels: levels(w, &mut rng),
                    rmsse: Some(w * 0.93),
                    mase: Some(w * 1.08),
                    smape: Some(55.0 + 40.0 * w + 3.0 * rng.next()),
                    mae: Some(1.1 * w),
                    rmse: Some(2.3 * w),
                    bias: Some(0.05 - 0.1 * rng.next()),
                },
                valid: Some(w * (0.97 + 0.06 * rng.next())),
                fit_seconds: fit,
                predict_seconds: fit * 0.04 + 0.01,
                seed: random.then_some(20 + k as u64),
                n_params,
                params,
                ..Row::default()
            }
        })
        .collect();
    rows.push(Row {
        alias: "Ensemble".into(),
        family: "ensemble".into(),
        scores: Scores { wrmsse: Some(0.627), levels: levels(0.627, &mut rng), mase: Some(0.677), smape: Some(80.1), ..Default::default() },
        valid: Some(0.611),
        fit_seconds: 402.6,
        predict_seconds: 9.8,
        selected: true,
        members: vec![
            Member { alias: "LGBM_tweedie_t03".into(), weight: 0.45 },
            Member { alias: "ResNet1D_t09".into(), weight: 0.25 },
            Member { alias: "LGBM_poisson_t07".into(), weight: 0.2 },
            Member { alias: "ETS".into(), weight: 0.1 },
        ],
        ..Row::default()
    });
    let board = Leaderboard::new(Metric::Wrmsse, true, rows);

    let series = [("FOODS_3_090_CA_3", "top sales", 95.0), ("FOODS_3_586_TX_2", "top sales", 48.0), ("HOBBIES_1_234_WI_1", "intermittent", 0.6), ("HOUSEHOLD_2_101_CA_1", "lumpy", 0.9)]
        .into_iter()
        .map(|(id, group, level)| {
            let weekly = [1.0, 0.92, 0.88, 0.9, 1.02, 1.25, 1.3];
            let day = |d: usize, rng: &mut Lcg| -> f64 {
                let mean = level * weekly[d % 7];
                if level > 5.0 {
                    (mean * (0.85 + 0.3 * rng.next())).round()
                } else if rng.next() < mean / 2.5 {
                    (1.0 + 3.0 * rng.next()).floor()
                } else {
                    0.0
                }
            };
            let history: Vec<f64> = (0..56).map(|d| day(d, &mut rng)).collect();
            let actual: Vec<f64> = (56..84).map(|d| day(d, &mut rng)).collect();
            let forecasts = ["Ensemble", "LGBM_tweedie_t03", "SeasonalNaive"]
                .iter()
                .enumerate()
                .map(|(m, alias)| {
                    let f: Vec<f64> = (56..84).map(|d| level * weekly[d % 7] * (0.95 + 0.04 * m as f64) * if m == 2 { 1.0 + 0.1 * ((d % 7) as f64 - 3.0) / 3.0 } else { 1.0 }).collect();
                    (alias.to_string(), f)
                })
                .collect();
            SeriesPlot { id: id.into(), group: group.into(), history, actual, forecasts, bands: Vec::new() }
        })
        .collect();
    let mut record = RunRecord {
        title: "tsforge leaderboard: sample (M5-like made-up numbers, evaluation phase)".into(),
        leaderboard: board,
        notes: vec![
            "Made-up record written by crates/report/examples/sample_html.rs: numbers are plausible, not measured.".into(),
            "Backtest: 1 rolling window of 28 days before the forecast origin; selection by valid WRMSSE.".into(),
            "Ensemble: greedy forward selection with replacement over 19 trials' backtest forecasts (4 distinct members).".into(),
        ],
        series,
        horizon_labels: (1942..1970).map(|d| format!("d_{d}")).collect(),
    };
    if long {
        let rows = std::mem::take(&mut record.leaderboard.rows).into_iter().map(|r| Row { scores: Scores::default(), valid: r.valid.map(|v| v * 1.08), ..r }).collect();
        record.leaderboard = Leaderboard::new(Metric::Mase, false, rows);
        record.title = "tsforge leaderboard: sample (long format, no held-out truth)".into();
        record.horizon_labels = (0..28).map(|d| format!("2016-05-{:02}", d + 1)).collect();
        for s in &mut record.series {
            s.actual.clear();
        }
    }
    std::fs::write(&out, tsforge_report::to_html(&record))?;
    println!("wrote {out}");
    Ok(())
}
