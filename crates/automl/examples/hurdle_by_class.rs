//! Hurdle against direct Tweedie per Syntetos-Boylan class on the shipped m5-tiny data:
//! train on d_1..d_1913, forecast d_1914..d_1941, score each series at the bottom level.
//!
//! ```text
//! cargo run --release -p tsforge-automl --example hurdle_by_class [-- --seed 42 --sizes --choice --only ALIAS]
//! ```
//! `--sizes` adds hurdles with other size models (Poisson/Tweedie/L2 on y);
//! `--choice` adds GBDT-SparsityChoice (which backtests on d_1886..d_1913 first).

use std::time::Instant;

use tsforge_automl::{HurdleForecaster, SizeTarget, SparsityChoice};
use tsforge_core::metrics::point;
use tsforge_core::sparsity::{DemandClass, classify};
use tsforge_core::{FitContext, Forecaster};
use tsforge_gbdt::{GbdtForecaster, Objective};

type BoxError = Box<dyn std::error::Error + Send + Sync>;

const H: usize = 28;
const CLASSES: [DemandClass; 4] = [DemandClass::Smooth, DemandClass::Erratic, DemandClass::Intermittent, DemandClass::Lumpy];

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().collect();
    let seed = args.iter().position(|a| a == "--seed").and_then(|k| args.get(k + 1)).map(|s| s.parse()).transpose()?.unwrap_or(42u64);
    let (train, truth, evaluator) = tsforge_data::registry::m5_tiny_holdout(H)?;
    let n = train.n_series();
    let classes: Vec<DemandClass> = (0..n).map(|i| classify(train.observed(i))).collect();
    let scales: Vec<Option<f64>> = (0..n).map(|i| point::rmsse_scale(&train.observed(i).iter().map(|&v| f64::from(v)).collect::<Vec<_>>())).collect();
    println!("m5-tiny: {n} series, train d_1..d_{}, forecast d_{}..d_{}, seed {seed}", train.n_time(), train.n_time() + 1, train.n_time() + H);

    let mut models: Vec<Box<dyn Forecaster>> = vec![Box::new(GbdtForecaster::tweedie_direct(H)?), Box::new(HurdleForecaster::gbdt(H)?), Box::new(HurdleForecaster::logistic(H)?)];
    if args.iter().any(|a| a == "--sizes") {
        for (name, objective, target) in [("poisson-y", Objective::Poisson, SizeTarget::Count), ("tweedie-y", Objective::Tweedie, SizeTarget::Count), ("l2-y", Objective::L2, SizeTarget::Count)] {
            let mut m = HurdleForecaster::gbdt(H)?.with_size(objective, target);
            m.alias = format!("GBDT-Hurdle[size {name}]");
            models.push(Box::new(m));
        }
    }
    if args.iter().any(|a| a == "--choice") {
        models.push(Box::new(SparsityChoice::new(H)?));
    }

    // `--only ALIAS` runs just that model
    if let Some(only) = args.iter().position(|a| a == "--only").and_then(|k| args.get(k + 1)) {
        models.retain(|m| m.alias() == only);
    }
    let mut rows = Vec::new();
    for m in &models {
        let t0 = Instant::now();
        let fitted = m.fit(&train, &FitContext::new(H).with_seed(seed))?;
        let f = fitted.predict(H)?;
        let secs = t0.elapsed().as_secs_f64();
        let wrmsse = evaluator.wrmsse(&truth, &f.values)?.total;
        let mut per_class = Vec::new();
        for class in CLASSES {
            let members: Vec<usize> = (0..n).filter(|&i| classes[i] == class).collect();
            let (mut rmsse, mut mae, mut scored) = (0.0, 0.0, 0usize);
            for &i in &members {
                let (a, p) = (&truth[i * H..(i + 1) * H], f.row(i));
                mae += point::mae(a, p);
                if let Some(r) = scales[i].and_then(|s| point::rmsse(a, p, s)) {
                    rmsse += r;
                    scored += 1;
                }
            }
            per_class.push((members.len(), rmsse / scored.max(1) as f64, mae / members.len().max(1) as f64));
        }
        println!("\n{} ({secs:.1} s):", m.alias());
        for note in fitted.notes().iter().take(3) {
            println!("  {note}");
        }
        rows.push((m.alias().to_string(), wrmsse, secs, per_class));
    }

    println!("\nBottom level, mean over the series of each class (RMSSE with the M5 scale; MAE in units):\n");
    let mut header = "| class | n |".to_string();
    let mut rule = "|---|---:|".to_string();
    for (alias, ..) in &rows {
        header += &format!(" {alias} RMSSE | MAE |");
        rule += "---:|---:|";
    }
    println!("{header}\n{rule}");
    for (k, class) in CLASSES.iter().enumerate() {
        let mut line = format!("| {} | {} |", class.name(), rows[0].3[k].0);
        for (.., per_class) in &rows {
            line += &format!(" {:.4} | {:.4} |", per_class[k].1, per_class[k].2);
        }
        println!("{line}");
    }
    println!("\n| model | WRMSSE | fit+predict s |\n|---|---:|---:|");
    for (alias, wrmsse, secs, _) in &rows {
        println!("| {alias} | {wrmsse:.4} | {secs:.1} |");
    }
    Ok(())
}
