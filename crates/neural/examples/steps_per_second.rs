//! Training steps per second of one family's default network (as `NeuralForecaster`
//! builds it: lookback 56, 3 input channels, horizon 28) on random windows, through the
//! real training loop (batch gather, forward, MSE, backward, per-tensor clipping, AdamW,
//! cosine schedule). Prints one JSON line; `bench/neural_vs_torch.py` compares it with
//! PyTorch.
//!
//! `RAYON_NUM_THREADS=1 cargo run --release -p tsforge-neural --example steps_per_second -- FAMILY BATCH [STEPS]`
//! with FAMILY one of `lenet, vgg, resnet, inception, lstm, gru, tcn`.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use tsforge_neural::device::{cpu, init_seeded};
use tsforge_neural::nets::Network;
use tsforge_neural::train::train;
use tsforge_neural::{Architecture, NeuralForecaster, TrainConfig, WindowSet};

fn run<M: Network>(net: M, set: &WindowSet, steps: usize, batch: usize) -> Result<f64, Box<dyn std::error::Error + Send + Sync>> {
    let empty = WindowSet { inputs: vec![], targets: vec![], scales: vec![], series: vec![], origins: vec![], ..set.clone() };
    let cfg = TrainConfig { steps, batch_size: batch, eval_every: steps + 1, patience: 0, ..TrainConfig::default() };
    let (_, report) = train(net, set, &empty, &cfg)?;
    Ok(report.seconds)
}

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let family = std::env::args().nth(1).unwrap_or_else(|| "lenet".into());
    let batch: usize = std::env::args().nth(2).map_or(Ok(256), |s| s.parse())?;
    let steps: usize = std::env::args().nth(3).map_or(Ok(50), |s| s.parse())?;
    let model = NeuralForecaster::family(&family, 28)?;
    let (c, l, h) = (model.windows.channels(), model.windows.lookback, model.windows.horizon);
    // 4 batches of random windows
    let n = 4 * batch;
    let mut rng = StdRng::seed_from_u64(0);
    let set = WindowSet {
        lookback: l,
        horizon: h,
        channels: c,
        inputs: (0..n * c * l).map(|_| rng.random::<f32>()).collect(),
        targets: (0..n * h).map(|_| rng.random::<f32>()).collect(),
        scales: vec![1.0; n],
        series: (0..n).collect(),
        origins: vec![l; n],
    };
    let device = cpu().autodiff();
    let timed = |warmup: usize, steps: usize| -> Result<f64, Box<dyn std::error::Error + Send + Sync>> {
        Ok(match &model.architecture {
            Architecture::Conv(cfg) => {
                run(init_seeded(cfg, &device, 0), &set, warmup, batch)?;
                run(init_seeded(cfg, &device, 0), &set, steps, batch)?
            }
            Architecture::ResNet(cfg) => {
                run(init_seeded(cfg, &device, 0), &set, warmup, batch)?;
                run(init_seeded(cfg, &device, 0), &set, steps, batch)?
            }
            Architecture::Inception(cfg) => {
                run(init_seeded(cfg, &device, 0), &set, warmup, batch)?;
                run(init_seeded(cfg, &device, 0), &set, steps, batch)?
            }
            Architecture::Recurrent(cfg) => {
                run(init_seeded(cfg, &device, 0), &set, warmup, batch)?;
                run(init_seeded(cfg, &device, 0), &set, steps, batch)?
            }
            Architecture::Tcn(cfg) => {
                run(init_seeded(cfg, &device, 0), &set, warmup, batch)?;
                run(init_seeded(cfg, &device, 0), &set, steps, batch)?
            }
        })
    };
    let seconds = timed(3, steps)?;
    let cost = model.architecture.cost();
    println!(
        "{{\"tool\":\"tsforge\",\"family\":\"{family}\",\"batch\":{batch},\"steps\":{steps},\"seconds\":{seconds:.4},\"steps_per_second\":{:.3},\"params\":{},\"mflop_per_window\":{:.3},\"threads\":\"{}\"}}",
        steps as f64 / seconds,
        cost.params,
        cost.flops() as f64 / 1e6,
        std::env::var("RAYON_NUM_THREADS").unwrap_or_else(|_| "default".into())
    );
    Ok(())
}
