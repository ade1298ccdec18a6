//! Fits on files and writes raw predictions, for parity checks against LightGBM
//! (`bench/gbdt_parity.py`).
//!
//! `fit_predict X.f32 Y.f64 ROWS COLS PARAMS_JSON OUT.f64`: X is column-major little-endian f32,
//! Y little-endian f64, PARAMS_JSON a `GbdtParams` object; OUT receives the f64 predictions
//! (label scale) on the training rows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use tsforge_gbdt::{Dataset, GbdtParams};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let a: Vec<String> = std::env::args().skip(1).collect();
    if a.len() != 6 {
        return Err("usage: fit_predict X.f32 Y.f64 ROWS COLS PARAMS_JSON OUT.f64".into());
    }
    let x: Vec<f32> = std::fs::read(&a[0])?.chunks_exact(4).map(|c| f32::from_le_bytes(c.try_into().unwrap())).collect();
    let y: Vec<f64> = std::fs::read(&a[1])?.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap())).collect();
    let (n, nf): (usize, usize) = (a[2].parse()?, a[3].parse()?);
    let params: GbdtParams = serde_json::from_str(&a[4])?;
    let b = params.validate()?.fit(&Dataset::new(&x, n, nf, &y)?, None)?;
    let pred = b.predict(&x, n, nf)?;
    let bytes: Vec<u8> = pred.iter().flat_map(|v| v.to_le_bytes()).collect();
    std::fs::write(&a[5], bytes)?;
    if let Ok(path) = std::env::var("TSFORGE_MODEL_OUT") {
        std::fs::write(path, b.to_json()?)?;
    }
    println!("init_score={} trees={}", b.init_score(), b.num_trees());
    Ok(())
}
