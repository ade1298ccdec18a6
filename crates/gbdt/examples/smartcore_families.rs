//! WRMSSE and fit time of the smartcore families (`RandomForest-direct`, `Ridge-direct`)
//! beside `GBDT-Tweedie-direct` on the shipped m5-tiny data, last 28 days held out
//! (d_1914..d_1941, the validation phase of `tsforge run`), each fitted once on all the
//! training days as `tsforge run --models ...` does for its submission.
//!
//! `cargo run -p tsforge-gbdt --example smartcore_families [-- SEED]` (SEED default 0, as
//! `tsforge run`).

use std::time::Instant;

use tsforge_core::{FitContext, Forecaster};
use tsforge_gbdt::forest::{ForestParams, RandomForestDirect};
use tsforge_gbdt::linear::{RidgeDirect, RidgeParams};
use tsforge_gbdt::{Partition, PartitionedGbdt};

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let seed: u64 = std::env::args().nth(1).map_or(Ok(0), |s| s.parse())?;
    let h = 28;
    let (train, truth, eval) = tsforge_data::registry::m5_tiny_holdout(h)?;
    println!("m5-tiny: {} series × {} days, scored on the last {h}; seed {seed}", train.n_series(), train.n_time());
    let models: Vec<Box<dyn Forecaster>> = vec![
        Box::new(RandomForestDirect::m5(h, ForestParams::default())?),
        Box::new(RidgeDirect::m5(h, RidgeParams::default())?),
        Box::new(PartitionedGbdt::tweedie_direct(h)?.partitioned(Partition::None)),
    ];
    println!("| model | WRMSSE | fit s |");
    println!("|---|---:|---:|");
    for model in &models {
        let start = Instant::now();
        let fitted = model.fit(&train, &FitContext::new(h).with_seed(seed))?;
        let secs = start.elapsed().as_secs_f64();
        let f = fitted.predict(h)?;
        let score = eval.wrmsse(&truth, &f.values)?;
        println!("| {} | {:.4} | {secs:.1} |", model.alias(), score.total);
        if let Some(note) = fitted.notes().first() {
            println!("|  ({note}) | | |");
        }
    }
    Ok(())
}
