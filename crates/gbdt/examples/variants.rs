//! WRMSSE and fit time of the GBDT variants (direct / recursive, global / per store /
//! per store × dept) on the shipped m5-tiny data, last 28 days held out (d_1914..d_1941).
//!
//! `cargo run --release -p tsforge-gbdt --example variants [-- PARTITIONS [SEED]]` with
//! PARTITIONS a comma-separated list of `none,store,store_cat,store_dept` (default
//! `none,store,store_dept`) and SEED the booster seed (default 0, as `tsforge run`).

use std::time::Instant;

use tsforge_core::{FitContext, Forecaster};
use tsforge_gbdt::{Partition, PartitionedGbdt};

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let parts: Vec<Partition> = std::env::args().nth(1).unwrap_or_else(|| "none,store,store_dept".into()).split(',').map(str::parse).collect::<Result<_, _>>()?;
    let seed: u64 = std::env::args().nth(2).map_or(Ok(0), |s| s.parse())?;
    let h = 28;
    let (train, truth, eval) = tsforge_data::registry::m5_tiny_holdout(h)?;
    println!("m5-tiny: {} series × {} days, scored on the last {h}; seed {seed}", train.n_series(), train.n_time());
    println!("| model | groups | WRMSSE | fit s |");
    println!("|---|---:|---:|---:|");
    for &p in &parts {
        for base in [PartitionedGbdt::tweedie_direct(h)?, PartitionedGbdt::tweedie_recursive()?] {
            let model = base.partitioned(p);
            let groups = p.groups(&train)?.len();
            let start = Instant::now();
            let fitted = model.fit(&train, &FitContext::new(h).with_seed(seed))?;
            let secs = start.elapsed().as_secs_f64();
            let f = fitted.predict(h)?;
            let score = eval.wrmsse(&truth, &f.values)?;
            println!("| {} | {groups} | {:.4} | {secs:.1} |", model.alias, score.total);
        }
    }
    Ok(())
}
