//! Prints the training time of 100 trees × 31 leaves.
//!
//! `cargo run --release -p tsforge-gbdt --example train_bench` uses 500k × 40 random data;
//! `... -- X.f32 Y.f64 ROWS COLS [THREADS]` reads a column-major little-endian f32 matrix and
//! f64 labels (as written by `bench/gbdt_vs_lightgbm.py`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Instant;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tsforge_gbdt::{Dataset, GbdtParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (x, y, n, nf, threads) = if args.len() >= 4 {
        let xb = std::fs::read(&args[0])?;
        let yb = std::fs::read(&args[1])?;
        let n: usize = args[2].parse()?;
        let nf: usize = args[3].parse()?;
        let x: Vec<f32> = xb.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();
        let y: Vec<f64> = yb.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
        let threads = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(0);
        (x, y, n, nf, threads)
    } else {
        let (n, nf) = (500_000, 40);
        let mut rng = StdRng::seed_from_u64(0);
        let x: Vec<f32> = (0..n * nf).map(|_| rng.random::<f32>()).collect();
        let y: Vec<f64> = (0..n).map(|i| f64::from(x[i]) * 2.0 + f64::from(x[n + i]).sin() + rng.random::<f64>()).collect();
        (x, y, n, nf, 0)
    };
    let d = Dataset::new(&x, n, nf, &y)?;
    let params = GbdtParams { num_iterations: 100, num_leaves: 31, num_threads: threads, ..Default::default() };
    let v = params.validate()?;
    let t = Instant::now();
    let b = v.fit(&d, None)?;
    let secs = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let pred = b.predict(&x, n, nf)?;
    println!("predict_s={:.3}", t.elapsed().as_secs_f64());
    let mse = pred.iter().zip(&y).map(|(a, b)| (a - b).powi(2)).sum::<f64>() / n as f64;
    println!("tsforge_gbdt train_s={secs:.3} rows={n} cols={nf} trees={} threads={threads} train_mse={mse:.6}", b.num_trees());
    Ok(())
}
