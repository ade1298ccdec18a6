//! Parameters and FLOPs per forward pass (one window) of every family's default network
//! (lookback 56, 3 input channels, horizon 28), plus Inception-1D without its 1×1
//! bottlenecks, computed from the configs (`Cost`) and checked against burn's count.
//!
//! `cargo run --release -p tsforge-neural --example costs`

use burn::module::Module;
use tsforge_neural::device::{cpu, init_seeded};
use tsforge_neural::{Architecture, NeuralForecaster};

fn burn_params(arch: &Architecture) -> usize {
    let d = cpu();
    match arch {
        Architecture::Conv(c) => init_seeded(c, &d, 0).num_params(),
        Architecture::ResNet(c) => init_seeded(c, &d, 0).num_params(),
        Architecture::Inception(c) => init_seeded(c, &d, 0).num_params(),
        Architecture::Recurrent(c) => init_seeded(c, &d, 0).num_params(),
        Architecture::Tcn(c) => init_seeded(c, &d, 0).num_params(),
    }
}

fn main() {
    let h = 28;
    let mut models = vec![NeuralForecaster::lenet(h), NeuralForecaster::vgg(h), NeuralForecaster::resnet(h), NeuralForecaster::inception(h)];
    let mut plain = NeuralForecaster::inception(h).alias_with("Inception1D (no bottleneck)");
    if let Architecture::Inception(c) = &mut plain.architecture {
        c.bottleneck = false;
    }
    models.push(plain);
    models.push(NeuralForecaster::lstm(h));
    models.push(NeuralForecaster::gru(h));
    models.push(NeuralForecaster::tcn(h));
    println!("| model | params | burn's count | MFLOP/window |\n|---|---:|---:|---:|");
    for m in &models {
        let cost = m.architecture.cost();
        // burn also counts batch norms' running mean and variance
        println!("| {} | {} | {} | {:.3} |", m.alias, cost.params, burn_params(&m.architecture), cost.flops() as f64 / 1e6);
    }
}
