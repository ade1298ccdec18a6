//! WRMSSE, fit time and size of each neural family on the shipped m5-tiny data, the last
//! 28 days held out (reference on this window: SeasonalNaive 0.8518, GBDT 0.629).
//!
//! `cargo run --release -p tsforge-neural --example m5_tiny [-- SEED [FAMILIES [LOSS]]]` with
//! FAMILIES a comma-separated list of `lenet,vgg,resnet,inception,lstm,gru,tcn` (default: all)
//! and LOSS `mse` (default), `poisson` or `tweedie` (power 1.5). `NEURAL_VERBOSE=1` prints
//! the loss curves; `NEURAL_CALENDAR=1` adds the SNAP and event channels;
//! `NEURAL_UNIT_WEIGHTS=1` draws series by unit sales instead of dollar sales;
//! `NEURAL_FT_STORE=1` fine-tunes the global network on each store (`-FT-store`);
//! `NEURAL_COVARIATES=calendar,prices,statics` (any of them) adds the calendar pair, the
//! relative price channel and 4-wide embeddings of item, dept, cat, store and state;
//! `NEURAL_OVERRIDES='{"learning_rate": 0.001, "dropout": 0.1}'` applies
//! [`NeuralForecaster::with_overrides`] keys.
//!
//! Measured at git f016870 (`cargo run --release -p tsforge-neural --example m5_tiny -- 0`,
//! seed 0, MSE, series drawn by dollar sales; 2 shared cores, so fit times are noisy):
//!
//! | model | params | MFLOP/window | WRMSSE | fit s | steps | steps/s | best step |
//! |---|---:|---:|---:|---:|---:|---:|---:|
//! | CNN-LeNet | 33404 | 0.23 | 0.8012 | 24.0 | 600 | 25.3 | 200 |
//! | CNN-VGG | 36172 | 0.42 | 0.7292 | 35.7 | 900 | 25.3 | 500 |
//! | ResNet1D | 10892 | 0.50 | 0.7610 | 77.3 | 1100 | 14.2 | 700 |
//! | Inception1D | 13596 | 0.71 | 0.7588 | 290.1 | 1500 | 5.2 | 1100 |
//! | LSTM | 14108 | 1.42 | 0.7491 | 367.6 | 1500 | 4.1 | 1100 |
//! | GRU | 10812 | 1.07 | 0.7714 | 146.0 | 800 | 5.5 | 400 |
//! | TCN (at learning rate 2e-3; 1e-3 is now its default) | 28476 | 2.46 | 0.7765 | 93.7 | 500 | 5.3 | 100 |
//!
//! Covariates, seeds 0, 1, 2 (git 6e05738; `NEURAL_COVARIATES=… m5_tiny SEED lenet,vgg`,
//! TCN at 17a667d with learning rate 2e-3): WRMSSE per seed, then the mean. The seed moves
//! a score by ~0.03, as much as most of these differences.
//!
//! | model | none | calendar | calendar + prices | calendar + prices + statics |
//! |---|---|---|---|---|
//! | CNN-LeNet | 0.8012, 0.7363, 0.7722 → **0.7699** | 0.7314, 0.7325, 0.7156 → **0.7265** | 0.7453, 0.6961, 0.7449 → **0.7288** | 0.7266, 0.7031, 0.7589 → **0.7295** |
//! | CNN-VGG | 0.7292, 0.7313, 0.7162 → **0.7256** | 0.7483, 0.7007, 0.7648 → **0.7379** | 0.7375, 0.7182, 0.7562 → **0.7373** | 0.7373, 0.6813, 0.6845 → **0.7010** |
//! | TCN | 0.7765, 0.7796, 0.7414 → **0.7658** | | | 0.7455, 0.7620, 0.6967 → **0.7347** |

use std::time::Instant;

use tsforge_core::Forecaster;
use tsforge_neural::{Loss, NeuralForecaster};

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let seed: u64 = std::env::args().nth(1).map_or(Ok(0), |s| s.parse())?;
    let families = std::env::args().nth(2).unwrap_or_else(|| NeuralForecaster::FAMILIES.map(|f| f.0).join(","));
    let loss = match std::env::args().nth(3).as_deref() {
        None | Some("mse") => Loss::Mse,
        Some("poisson") => Loss::Poisson,
        Some("tweedie") => Loss::Tweedie { power: 1.5 },
        Some(other) => return Err(format!("unknown loss '{other}' (mse, poisson, tweedie)").into()),
    };
    let h = 28;
    let (train, truth, eval) = tsforge_data::registry::m5_tiny_holdout(h)?;
    println!("m5-tiny: {} series × {} days, scored on the last {h}; seed {seed}, loss {loss:?}", train.n_series(), train.n_time());
    println!("| model | params | MFLOP/window | WRMSSE | fit s | steps | steps/s | best step |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for family in families.split(',') {
        let mut model = NeuralForecaster::family(family, h)?.with_seed(seed);
        model.train.loss = loss;
        if std::env::var_os("NEURAL_UNIT_WEIGHTS").is_some() {
            model.windows.dollar_weights = false;
        }
        if std::env::var_os("NEURAL_FT_STORE").is_some() {
            model = model.fine_tuned_by_store(tsforge_neural::FineTune::default());
        }
        if std::env::var_os("NEURAL_CALENDAR").is_some() {
            model = model.with_calendar_channels(true);
        }
        let covariates = std::env::var("NEURAL_COVARIATES").unwrap_or_default();
        for c in covariates.split(',').filter(|c| !c.is_empty() && *c != "none") {
            model = match c {
                "calendar" => model.with_calendar_channels(true),
                "prices" => model.with_price_channel(true),
                "statics" => model.with_static_embeddings(tsforge_core::IdKey::ALL.to_vec(), 4),
                other => return Err(format!("unknown covariate '{other}' (calendar, prices, statics)").into()),
            };
        }
        if let Ok(text) = std::env::var("NEURAL_OVERRIDES") {
            let overrides: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&text)?;
            model = model.with_overrides(&overrides)?;
        }
        let start = Instant::now();
        let fitted = model.fit_panel(&train)?;
        let secs = start.elapsed().as_secs_f64();
        let f = fitted.forecast.first_steps(h)?;
        let score = eval.wrmsse(&truth, &f.values)?;
        let r = &fitted.report;
        println!(
            "| {} | {} | {:.2} | {:.4} | {secs:.1} | {} | {:.1} | {} |",
            model.alias(),
            fitted.cost.params,
            fitted.cost.flops() as f64 / 1e6,
            score.total,
            r.steps,
            r.steps_per_second(),
            r.best_step
        );
        if std::env::var_os("NEURAL_VERBOSE").is_some() {
            let fmt = |v: &[f64]| v.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(" ");
            let ratio = f.values.iter().sum::<f64>() / truth.iter().sum::<f64>();
            eprintln!("  train loss: {}\n  valid loss: {}\n  forecast/actual total: {ratio:.3}", fmt(&r.train_loss), fmt(&r.valid_loss));
        }
    }
    Ok(())
}
