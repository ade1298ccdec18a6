//! Transfer on m5-tiny: WRMSSE on one store's series (the last 28 days held out) of
//! (1) the global network trained on every series, (2) that network fine-tuned on the
//! store's series with its first blocks frozen, (3) the same network trained from scratch
//! on the store's series alone.
//!
//! `cargo run --release -p tsforge-neural --example transfer [-- SEED [FAMILY [STORE [FROZEN [FINE_STEPS]]]]]`
//! (defaults: 0, lenet, the first store, 1 frozen block, 300 fine-tuning steps at a third
//! of the learning rate). FAMILY: lenet, vgg, resnet, inception, lstm, gru, tcn.

use tsforge_core::Hierarchy;
use tsforge_core::metrics::M5Evaluator;
use tsforge_neural::{NeuralForecaster, TrainConfig, subset_panel};

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let arg = |k: usize| std::env::args().nth(k);
    let seed: u64 = arg(1).map_or(Ok(0), |s| s.parse())?;
    let family = arg(2).unwrap_or_else(|| "lenet".into());
    let frozen: usize = arg(4).map_or(Ok(1), |s| s.parse())?;
    let fine_steps: usize = arg(5).map_or(Ok(300), |s| s.parse())?;
    let src = tsforge_data::registry::shipped("m5-tiny").ok_or("m5-tiny is not shipped")??;
    let panel = tsforge_data::m5::load(&src)?.panel;
    let h = 28;
    let (train, truth) = panel.holdout(h)?;
    let attrs = train.attrs.as_deref().ok_or("m5-tiny has no attributes")?;
    let store = arg(3).unwrap_or_else(|| attrs[0].store.clone());
    let subset: Vec<usize> = (0..attrs.len()).filter(|&i| attrs[i].store == store).collect();
    if subset.is_empty() {
        return Err(format!("no series in store '{store}'").into());
    }
    let sub = subset_panel(&train, &subset)?;
    let sub_truth: Vec<f64> = subset.iter().flat_map(|&i| truth[i * h..(i + 1) * h].iter().copied()).collect();
    let sub_attrs = sub.attrs.as_deref().ok_or("no attributes")?;
    let eval = M5Evaluator::from_panel(&sub, Hierarchy::m5(sub_attrs), h)?;

    let model = NeuralForecaster::family(&family, h)?.with_seed(seed);
    let fine = TrainConfig { steps: fine_steps, learning_rate: model.train.learning_rate / 3.0, seed: seed + 1, ..model.train.clone() };
    println!("m5-tiny, store {store}: {} of {} series; {} ({}), seed {seed}, {frozen} frozen block(s), {fine_steps} fine-tuning steps", subset.len(), train.n_series(), model.alias, family);
    let fit = model.fit_transfer(&train, &subset, frozen, &fine)?;
    let scratch = model.fit_panel(&sub)?;
    let rows = [
        ("global (all series)", eval.wrmsse(&sub_truth, &fit.global.values)?.total, fit.pretrain_report.steps),
        ("fine-tuned on the store", eval.wrmsse(&sub_truth, &fit.fine_tuned.values)?.total, fit.fine_tune_report.steps),
        ("from scratch on the store", eval.wrmsse(&sub_truth, &scratch.forecast.first_steps(h)?.values)?.total, scratch.report.steps),
    ];
    println!("| model | WRMSSE (store's series) | steps |\n|---|---:|---:|");
    for (name, score, steps) in rows {
        println!("| {name} | {score:.4} | {steps} |");
    }
    Ok(())
}
