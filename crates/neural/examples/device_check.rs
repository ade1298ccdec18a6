//! Trains the same models on the CPU and on another device, on the shipped m5-tiny data
//! (last 28 days held out), and prints both scores, how far the forecasts lie apart and
//! both training speeds: the check that a GPU backend computes what the CPU computes.
//!
//! `cargo run --release -p tsforge-neural --features wgpu --example device_check -- wgpu [FAMILIES [STEPS]]`
//! (or `--features cuda … -- cuda`), FAMILIES a comma-separated list of `lenet, vgg,
//! resnet, inception, lstm, gru, tcn` (default `lenet,gru`), STEPS training steps per fit
//! (default 300, no early stopping). `NEURAL_COVARIATES=1` feeds every covariate
//! (calendar and price channels, static embeddings; the `-cov` models).

use std::time::Instant;

use tsforge_core::Panel;
use tsforge_neural::NeuralForecaster;
use tsforge_neural::device::{Accelerator, select};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// Fits on `device`: forecasts, seconds, steps per second.
fn fit_on(device: Accelerator, m: &NeuralForecaster, train: &Panel) -> Result<(Vec<f64>, f64, f64), Error> {
    select(device)?;
    let start = Instant::now();
    let fitted = m.fit_panel(train)?;
    let secs = start.elapsed().as_secs_f64();
    Ok((fitted.forecast.first_steps(28)?.values, secs, fitted.report.steps_per_second()))
}

fn main() -> Result<(), Error> {
    let device: Accelerator = std::env::args().nth(1).unwrap_or_else(|| "cpu".into()).parse()?;
    let families = std::env::args().nth(2).unwrap_or_else(|| "lenet,gru".into());
    let steps: usize = std::env::args().nth(3).map_or(Ok(300), |s| s.parse())?;
    select(device)?; // fails early where the build or the machine lacks the device
    let (train, truth, eval) = tsforge_data::registry::m5_tiny_holdout(28)?;
    println!("m5-tiny, seed 0, {steps} steps per fit: cpu vs {device}");
    println!("| model | WRMSSE cpu | WRMSSE {device} | max abs diff | mean abs forecast | cpu steps/s | {device} steps/s |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for family in families.split(',') {
        let mut m = NeuralForecaster::family(family, 28)?;
        if std::env::var_os("NEURAL_COVARIATES").is_some() {
            m = m.with_covariates();
        }
        m.train.steps = steps;
        m.train.max_epochs = None;
        m.train.patience = 0;
        let (cpu, _, cpu_rate) = fit_on(Accelerator::Cpu, &m, &train)?;
        let (dev, _, dev_rate) = fit_on(device, &m, &train)?;
        let diff = cpu.iter().zip(&dev).map(|(a, b)| (a - b).abs()).fold(0.0, f64::max);
        let mean = cpu.iter().sum::<f64>() / cpu.len() as f64;
        println!("| {} | {:.4} | {:.4} | {diff:.2e} | {mean:.3} | {cpu_rate:.1} | {dev_rate:.1} |", m.alias, eval.wrmsse(&truth, &cpu)?.total, eval.wrmsse(&truth, &dev)?.total,);
    }
    Ok(())
}
