//! GBDT-Tweedie-direct's booster on a dumped M5 feature matrix (used by
//! `bench/gbdt_m5_matrix.py`; not part of the library).
//!
//! ```text
//! m5_matrix spec
//!     Prints {"features": m5_direct_spec(28), "params": tweedie_params(0)} as JSON.
//! m5_matrix train DIR THREADS [ROUNDS]
//!     Reads DIR/meta.json, x_train.f32, y_train.f64, x_valid.f32 (as written by the
//!     tsforge-features example m5_features dump), trains tweedie_params(0) with bagging
//!     and feature fraction off (1.0) and the spec's categorical columns, ROUNDS trees
//!     (default 200), THREADS threads; writes DIR/pred_tsforge.f64 (validation
//!     predictions) and prints one JSON line with the timings.
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::time::Instant;

use tsforge_gbdt::Dataset;
use tsforge_gbdt::forecaster::{m5_direct_spec, tweedie_params};

type Res<T> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

fn read_f32(p: &Path) -> Res<Vec<f32>> {
    Ok(std::fs::read(p)?.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect())
}

fn read_f64(p: &Path) -> Res<Vec<f64>> {
    Ok(std::fs::read(p)?.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect())
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("spec") => {
            println!("{}", serde_json::json!({"features": m5_direct_spec(28)?, "params": tweedie_params(0)?}));
            Ok(())
        }
        Some("train") if args.len() >= 3 => train(&args[1..]),
        _ => Err("usage: m5_matrix spec | train DIR THREADS [ROUNDS]".into()),
    }
}

fn train(args: &[String]) -> Res<()> {
    let dir = Path::new(&args[0]);
    let threads: usize = args[1].parse()?;
    let meta: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(dir.join("meta.json"))?)?;
    let n_cols = meta["names"].as_array().map_or(0, Vec::len);
    let n_train = meta["n_train"].as_u64().unwrap_or(0) as usize;
    let n_valid = meta["n_valid"].as_u64().unwrap_or(0) as usize;
    let categorical: Vec<usize> = serde_json::from_value(meta["categorical"].clone())?;
    let x = read_f32(&dir.join("x_train.f32"))?;
    let y = read_f64(&dir.join("y_train.f64"))?;
    let xv = read_f32(&dir.join("x_valid.f32"))?;
    let mut params = tweedie_params(0)?;
    params.feature_fraction = 1.0;
    params.bagging_fraction = 1.0;
    params.bagging_freq = 0;
    params.categorical_features = categorical;
    params.num_threads = threads;
    if let Some(r) = args.get(2) {
        params.num_iterations = r.parse()?;
    }
    let valid = params.clone().validate()?;
    // the rayon pool the booster runs in, sized like the booster
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build()?;
    let t = Instant::now();
    let booster = pool.install(|| valid.fit(&Dataset::new(&x, n_train, n_cols, &y)?, None))?;
    let train_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let pred = pool.install(|| booster.predict(&xv, n_valid, n_cols))?;
    let predict_s = t.elapsed().as_secs_f64();
    let bytes: Vec<u8> = pred.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(dir.join("pred_tsforge.f64"), bytes)?;
    println!(
        "{}",
        serde_json::json!({"train_seconds": train_s, "predict_seconds": predict_s, "trees": booster.num_trees(), "threads": threads,
            "rows": n_train, "cols": n_cols, "params": params})
    );
    Ok(())
}
