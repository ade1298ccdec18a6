//! The training loop: AdamW with a cosine or one-cycle learning-rate schedule and
//! per-tensor gradient norm clipping, minibatches in a seeded order (optionally
//! augmented, see [`crate::augment`]), a loss on the scaled target (MSE, Poisson or
//! Tweedie deviance), and early stopping on validation windows that keeps the best weights.
//!
//! Dropout masks come from burn's process-wide RNG, reseeded from the seed when training
//! starts; training runs hold a process-wide lock, so fits started at the same time in
//! one process (parallel trials, a variance run's seeds) cannot share draws and each is
//! reproducible.

use std::time::Instant;

use burn::grad_clipping::GradientClippingConfig;
use burn::lr_scheduler::cosine::CosineAnnealingLrSchedulerConfig;
use burn::optim::{AdamWConfig, GradientsParams};
use burn::prelude::{Device, Tensor, TensorData};
use rand::SeedableRng;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use serde::{Deserialize, Serialize};

use crate::augment::AugmentConfig;
use crate::error::{NeuralError, Result};
use crate::nets::Network;
use crate::windows::WindowSet;

/// The loss on the scaled target.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Loss {
    /// Mean squared error; the network output is the scaled forecast.
    Mse,
    /// Poisson deviance up to terms without the prediction, `μ − y·log μ`; the network
    /// output is `log μ`, so forecasts are positive.
    Poisson,
    /// Tweedie deviance with power `p` in (1, 2); the network output is the log of the
    /// scaled forecast, so forecasts are positive.
    Tweedie { power: f64 },
}

/// Optimizer, schedule and stopping settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct TrainConfig {
    /// Most optimizer steps (the schedule spans them), unless `max_epochs` is set.
    pub steps: usize,
    /// Most passes over the training windows: `max_epochs × ⌈windows / batch_size⌉` steps
    /// replace `steps` when set (the budget a successive-halving scheduler scales).
    pub max_epochs: Option<usize>,
    /// Learning-rate schedule over the steps.
    pub schedule: Schedule,
    pub batch_size: usize,
    pub learning_rate: f64,
    /// Final learning rate as a share of `learning_rate`.
    pub min_lr_ratio: f64,
    pub weight_decay: f32,
    /// Clip each parameter tensor's gradient to this L2 norm (0: no clipping).
    pub grad_clip_norm: f32,
    /// Steps between validation evaluations.
    pub eval_every: usize,
    /// Evaluations without improvement before stopping (0: never stop early).
    pub patience: usize,
    pub loss: Loss,
    /// Augmentations of the training batches (all off by default).
    pub augment: AugmentConfig,
    /// Seed of the initial weights, the minibatch order and the augmentations.
    pub seed: u64,
    /// Training stops after the step during which this instant passes (the run's time
    /// limit, from the fit's context), keeping the best weights so far. A run setting,
    /// never saved.
    #[serde(skip)]
    pub deadline: Option<Instant>,
}

impl Default for TrainConfig {
    fn default() -> TrainConfig {
        TrainConfig {
            steps: 1500,
            max_epochs: None,
            schedule: Schedule::Cosine,
            batch_size: 256,
            learning_rate: 2e-3,
            min_lr_ratio: 0.05,
            weight_decay: 1e-4,
            grad_clip_norm: 1.0,
            eval_every: 100,
            patience: 4,
            loss: Loss::Mse,
            augment: AugmentConfig::default(),
            seed: 0,
            deadline: None,
        }
    }
}

impl TrainConfig {
    pub fn validate(&self) -> Result<()> {
        let epochs = self.max_epochs.unwrap_or(1);
        for (what, v) in [("steps", self.steps), ("max_epochs", epochs), ("batch_size", self.batch_size), ("eval_every", self.eval_every)] {
            if v == 0 {
                return Err(NeuralError::config(format!("train.{what}"), "must be at least 1"));
            }
        }
        if !(self.learning_rate > 0.0 && self.learning_rate <= 1.0) {
            return Err(NeuralError::config("train.learning_rate", format!("{} is outside (0, 1]", self.learning_rate)));
        }
        if !(0.0..=1.0).contains(&self.min_lr_ratio) {
            return Err(NeuralError::config("train.min_lr_ratio", format!("{} is outside [0, 1]", self.min_lr_ratio)));
        }
        if !(self.weight_decay >= 0.0 && self.grad_clip_norm >= 0.0) {
            return Err(NeuralError::config("train.weight_decay/grad_clip_norm", "must be finite and non-negative"));
        }
        self.augment.validate()?;
        if let Loss::Tweedie { power } = self.loss
            && !(power > 1.0 && power < 2.0)
        {
            return Err(NeuralError::config("train.loss.power", format!("{power} is outside (1, 2)")));
        }
        Ok(())
    }

    /// Optimizer steps over `windows` training windows.
    pub fn total_steps(&self, windows: usize) -> usize {
        match self.max_epochs {
            Some(e) => e * windows.div_ceil(self.batch_size.min(windows).max(1)),
            None => self.steps,
        }
    }
}

/// The learning-rate schedule.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Cosine annealing from `learning_rate` to `learning_rate × min_lr_ratio`.
    #[default]
    Cosine,
    /// One cycle (Smith & Topin; PyTorch's `OneCycleLR` with cosine annealing): up from
    /// `learning_rate / 25` to `learning_rate` over the first 30 % of the steps, then down
    /// to `learning_rate / 25 / 10⁴`.
    OneCycle,
}

/// One-cycle learning rate at `step` (1-based) of `total`.
pub fn one_cycle_lr(max_lr: f64, step: usize, total: usize) -> f64 {
    let initial = max_lr / 25.0;
    let last = initial / 1e4;
    let up = ((0.3 * total as f64).round() as usize).max(1);
    let anneal = |from: f64, to: f64, frac: f64| to + (from - to) * 0.5 * (1.0 + (std::f64::consts::PI * frac).cos());
    let k = step.saturating_sub(1);
    if k < up {
        anneal(initial, max_lr, k as f64 / up as f64)
    } else {
        let down = total.saturating_sub(up).max(1);
        anneal(max_lr, last, ((k - up) as f64 / down as f64).min(1.0))
    }
}

/// What a training run did.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct TrainReport {
    pub steps: usize,
    /// Step after which the kept weights were taken.
    pub best_step: usize,
    /// Validation loss of the kept weights (NaN without validation windows).
    pub best_valid_loss: f64,
    /// Mean training loss over each evaluation period.
    pub train_loss: Vec<f64>,
    pub valid_loss: Vec<f64>,
    pub stopped_early: bool,
    /// Training stopped because the deadline passed.
    pub stopped_at_deadline: bool,
    pub seconds: f64,
}

impl TrainReport {
    pub fn steps_per_second(&self) -> f64 {
        if self.seconds > 0.0 { self.steps as f64 / self.seconds } else { 0.0 }
    }
}

fn backend(e: impl std::fmt::Display) -> NeuralError {
    NeuralError::Backend { reason: e.to_string() }
}

/// Inputs `[batch, channels, lookback]` and targets `[batch, horizon]` (None without targets).
fn batch_tensors(set: &WindowSet, idx: &[usize], device: &Device) -> (Tensor<3>, Option<Tensor<2>>) {
    let (x, y) = set.gather(idx);
    let x = Tensor::<3>::from_data(TensorData::new(x, [idx.len(), set.channels, set.lookback]), device);
    let y = set.has_targets().then(|| Tensor::<2>::from_data(TensorData::new(y, [idx.len(), set.horizon]), device));
    (x, y)
}

fn no_targets() -> NeuralError {
    NeuralError::Data { reason: "windows without targets".into() }
}

/// Loss of raw network outputs against scaled targets, `[batch, horizon]` each → `[1]`.
pub fn loss(kind: Loss, out: Tensor<2>, target: Tensor<2>) -> Tensor<1> {
    match kind {
        Loss::Mse => (out - target).square().mean(),
        Loss::Poisson => {
            let out = out.clamp(-20.0, 20.0);
            (out.clone().exp() - target * out).mean()
        }
        Loss::Tweedie { power } => {
            // deviance up to terms without the prediction: -y·μ^(1-p)/(1-p) + μ^(2-p)/(2-p), μ = exp(out)
            let out = out.clamp(-20.0, 20.0);
            let a = (out.clone() * (1.0 - power)).exp() * target / (1.0 - power);
            let b = (out * (2.0 - power)).exp() / (2.0 - power);
            (b - a).mean()
        }
    }
}

/// The training objective of `net` on one batch: the loss of its output plus each
/// auxiliary output's loss times its weight.
pub fn objective<M: Network>(net: &M, kind: Loss, x: Tensor<3>, target: Tensor<2>) -> Tensor<1> {
    let (out, aux) = net.forward_aux(x);
    let mut total = loss(kind, out, target.clone());
    for (weight, a) in aux {
        total = total + loss(kind, a, target.clone()) * weight;
    }
    total
}

/// Forecasts from raw network outputs (the inverse of the loss' link).
fn link(kind: Loss, out: Tensor<2>) -> Tensor<2> {
    match kind {
        Loss::Mse => out,
        Loss::Poisson | Loss::Tweedie { .. } => out.clamp(-20.0, 20.0).exp(),
    }
}

fn scalar(t: Tensor<1>) -> Result<f64> {
    t.try_into_scalar::<f32>().map(f64::from).map_err(backend)
}

/// Mean loss of `net` (validation mode) over all windows of `set`.
fn evaluate<M: Network>(net: &M, set: &WindowSet, kind: Loss, batch: usize) -> Result<f64> {
    let device = crate::device::compute();
    let idx: Vec<usize> = (0..set.len()).collect();
    let mut total = 0.0;
    for chunk in idx.chunks(batch) {
        let (x, y) = batch_tensors(set, chunk, &device);
        total += scalar(loss(kind, net.forward(x), y.ok_or_else(no_targets)?))? * chunk.len() as f64;
    }
    Ok(total / set.len().max(1) as f64)
}

/// Trains `net` (on an autodiff device) on `train`, stopping early on `valid` (skipped
/// when empty); returns the best weights seen, in validation mode (`.train()` resumes
/// training), and what happened.
pub fn train<M: Network>(mut net: M, train: &WindowSet, valid: &WindowSet, cfg: &TrainConfig) -> Result<(M, TrainReport)> {
    cfg.validate()?;
    if !train.has_targets() {
        return Err(NeuralError::Data { reason: "no training windows".into() });
    }
    let _serial = crate::device::training_guard();
    let start = Instant::now();
    let device = crate::device::compute().autodiff();
    let mut clip = AdamWConfig::new().with_weight_decay(cfg.weight_decay);
    if cfg.grad_clip_norm > 0.0 {
        clip = clip.with_grad_clipping(Some(GradientClippingConfig::Norm(cfg.grad_clip_norm)));
    }
    let mut optim = clip.init();
    let steps = cfg.total_steps(train.len());
    crate::device::reseed(&device, cfg.seed ^ 0xD20_0047);
    let mut schedule = CosineAnnealingLrSchedulerConfig::new(cfg.learning_rate, steps)
        .with_min_lr(cfg.learning_rate * cfg.min_lr_ratio)
        .init()
        .map_err(|reason| NeuralError::config("train.learning_rate", reason))?;
    // data order from its own stream so it does not depend on how the weights were drawn
    let mut rng = StdRng::seed_from_u64(cfg.seed ^ 0x5EED_DA7A);
    let mut aug_rng = StdRng::seed_from_u64(cfg.seed ^ 0xA_0C3E_4711);
    let mut order: Vec<usize> = (0..train.len()).collect();
    let mut cursor = order.len();
    let batch = cfg.batch_size.min(train.len());

    let mut report = TrainReport { best_valid_loss: f64::NAN, ..TrainReport::default() };
    let mut best: Option<M> = None;
    let mut since_best = 0;
    let mut period_loss = 0.0;
    let mut period_steps = 0;
    for step in 1..=steps {
        if cursor + batch > order.len() {
            order.shuffle(&mut rng);
            cursor = 0;
        }
        let idx = &order[cursor..cursor + batch];
        cursor += batch;
        let (mut xb, mut yb) = train.gather(idx);
        cfg.augment.apply(&mut xb, &mut yb, train.channels, train.lookback, &mut aug_rng);
        let x = Tensor::<3>::from_data(TensorData::new(xb, [batch, train.channels, train.lookback]), &device);
        let y = Tensor::<2>::from_data(TensorData::new(yb, [batch, train.horizon]), &device);
        let l = objective(&net, cfg.loss, x, y);
        period_loss += scalar(l.clone())?;
        period_steps += 1;
        let grads = GradientsParams::from_grads(l.backward(), &net);
        let cosine = schedule.step();
        let lr = match cfg.schedule {
            Schedule::Cosine => cosine,
            Schedule::OneCycle => one_cycle_lr(cfg.learning_rate, step, steps).into(),
        };
        net = optim.step(lr, net, grads);
        report.steps = step;
        if cfg.deadline.is_some_and(|d| Instant::now() >= d) {
            report.stopped_at_deadline = true;
            break;
        }

        if step % cfg.eval_every == 0 || step == steps {
            report.train_loss.push(period_loss / period_steps as f64);
            (period_loss, period_steps) = (0.0, 0);
            if valid.has_targets() {
                // a validation snapshot, not a clone: clones share the batch-norm running
                // statistics, which further training would overwrite
                let snapshot = net.valid();
                let v = evaluate(&snapshot, valid, cfg.loss, 1024)?;
                report.valid_loss.push(v);
                if report.best_valid_loss.is_nan() || v < report.best_valid_loss {
                    report.best_valid_loss = v;
                    report.best_step = step;
                    best = Some(snapshot);
                    since_best = 0;
                } else {
                    since_best += 1;
                    if cfg.patience > 0 && since_best >= cfg.patience {
                        report.stopped_early = true;
                        break;
                    }
                }
            }
        }
    }
    if best.is_none() {
        report.best_step = report.steps;
    }
    report.seconds = start.elapsed().as_secs_f64();
    Ok((best.unwrap_or_else(|| net.valid()), report))
}

/// Test-time multi-crop: the mean of the scaled forecasts of `crops` copies of `set`,
/// copy `j` with the oldest `j × crop_step` positions of the target channel zeroed (as
/// the crop augmentation hides them). `crops` 1 is [`predict`].
pub fn predict_multi_crop<M: Network>(net: &M, set: &WindowSet, kind: Loss, crops: usize, crop_step: usize) -> Result<Vec<f32>> {
    let mut total = predict(net, set, kind)?;
    for j in 1..crops {
        let hide = (j * crop_step).min(set.lookback);
        let mut cropped = set.clone();
        cropped.inputs.chunks_exact_mut(set.channels * set.lookback).for_each(|w| w[..hide].fill(0.0));
        predict(net, &cropped, kind)?.iter().zip(total.iter_mut()).for_each(|(v, t)| *t += v);
    }
    let n = crops.max(1) as f32;
    total.iter_mut().for_each(|t| *t /= n);
    Ok(total)
}

/// Scaled forecasts `[n, horizon]` (row-major) of `net` for every window of `set`.
pub fn predict<M: Network>(net: &M, set: &WindowSet, kind: Loss) -> Result<Vec<f32>> {
    let device = crate::device::compute();
    let net = net.valid();
    let idx: Vec<usize> = (0..set.len()).collect();
    let mut out = Vec::with_capacity(set.len() * set.horizon);
    for chunk in idx.chunks(1024) {
        let (x, _) = batch_tensors(set, chunk, &device);
        let data = link(kind, net.forward(x)).try_into_data().map_err(backend)?;
        out.extend_from_slice(data.as_slice::<f32>().map_err(|e| backend(format!("{e:?}")))?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::device::{cpu, init_seeded};
    use crate::nets::{Conv1dNetConfig, Inception1dConfig, NetworkConfig, RecurrentConfig, ResNet1dConfig, TcnConfig};

    /// `n` windows of phase-shifted weekly waves: input L values, target the next H.
    fn waves(n: usize, l: usize, h: usize) -> WindowSet {
        let wave = |p: usize, k: usize| 1.0 + ((k + p) % 7) as f32 / 7.0 + (p as f32 * 0.1);
        let mut set = WindowSet { lookback: l, horizon: h, channels: 1, inputs: Vec::new(), targets: Vec::new(), scales: vec![1.0; n], series: (0..n).collect(), origins: vec![l; n] };
        for p in 0..n {
            set.inputs.extend((0..l).map(|k| wave(p, k)));
            set.targets.extend((l..l + h).map(|k| wave(p, k)));
        }
        set
    }

    fn overfit<C: NetworkConfig>(cfg: &C) -> TrainReport {
        overfit_with(cfg, 300, 1e-2)
    }

    fn overfit_with<C: NetworkConfig>(cfg: &C, steps: usize, learning_rate: f64) -> TrainReport {
        let (_, l, h) = cfg.io();
        let set = waves(8, l, h);
        let empty = WindowSet { inputs: vec![], targets: vec![], scales: vec![], series: vec![], origins: vec![], ..set.clone() };
        let tc = TrainConfig { steps, batch_size: 8, learning_rate, eval_every: 50, seed: 3, ..TrainConfig::default() };
        let net = init_seeded(cfg, &cpu().autodiff(), 3);
        let (net, report) = train(net, &set, &empty, &tc).unwrap_or_else(|e| panic!("{e}"));
        // the kept weights, in validation mode, reproduce the targets
        let pred = predict(&net, &set, Loss::Mse).unwrap_or_else(|e| panic!("{e}"));
        let mse = pred.iter().zip(&set.targets).map(|(p, t)| f64::from(p - t).powi(2)).sum::<f64>() / pred.len() as f64;
        assert!(mse < 5e-3, "validation-mode MSE {mse} after {:?}", report.train_loss);
        report
    }

    #[test]
    fn lenet_overfits_a_few_windows() {
        let r = overfit(&Conv1dNetConfig::lenet(28, 7).with_block_channels(vec![8, 16]).with_hidden(64));
        assert!(r.train_loss[r.train_loss.len() - 1] < 0.01 * r.train_loss[0], "{:?}", r.train_loss);
    }

    #[test]
    fn resnet_overfits_a_few_windows() {
        let cfg = ResNet1dConfig::new(14, 7).with_stem_channels(8).with_stage_channels(vec![8, 16]).with_pooled_len(2);
        let r = overfit(&cfg);
        assert!(r.train_loss[r.train_loss.len() - 1] < 0.01 * r.train_loss[0], "{:?}", r.train_loss);
    }

    #[test]
    fn inception_overfits_a_few_windows() {
        // a global average cannot place the phase of these waves (two whole weeks average alike
        // in every phase); the head sees every position instead
        let cfg = Inception1dConfig::new(14, 7).with_stem_channels(16).with_branch_channels(16).with_reduce_channels(8).with_pooled_len(14);
        let r = overfit(&cfg);
        assert!(r.train_loss[r.train_loss.len() - 1] < 0.01 * r.train_loss[0], "{:?}", r.train_loss);
    }

    #[test]
    fn lstm_overfits_a_few_windows() {
        // recurrent nets need more steps than the convolutional ones on these waves
        let r = overfit_with(&RecurrentConfig::lstm(14, 7).with_hidden(32).with_layers(1), 1500, 2e-2);
        assert!(r.train_loss[r.train_loss.len() - 1] < 0.01 * r.train_loss[0], "{:?}", r.train_loss);
    }

    #[test]
    fn gru_overfits_a_few_windows() {
        let r = overfit_with(&RecurrentConfig::gru(14, 7).with_hidden(32).with_layers(1), 800, 2e-2);
        assert!(r.train_loss[r.train_loss.len() - 1] < 0.01 * r.train_loss[0], "{:?}", r.train_loss);
    }

    #[test]
    fn tcn_overfits_a_few_windows() {
        let r = overfit(&TcnConfig::new(14, 7).with_channels(16).with_levels(3));
        assert!(r.train_loss[r.train_loss.len() - 1] < 0.01 * r.train_loss[0], "{:?}", r.train_loss);
    }

    fn loss_of(kind: Loss, out: &[f32], target: &[f32]) -> f64 {
        let t = |v: &[f32]| Tensor::<2>::from_data(TensorData::new(v.to_vec(), [1, v.len()]), &cpu());
        scalar(loss(kind, t(out), t(target))).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn losses_match_hand_computed_values() {
        // MSE: ((1 - 0)² + (2 - 4)²) / 2 = 2.5
        assert!((loss_of(Loss::Mse, &[1.0, 2.0], &[0.0, 4.0]) - 2.5).abs() < 1e-6);
        // Poisson, output log μ: μ - y·log μ; (1 - 2·0) and (2 - 1·ln 2), mean 1.153426
        let v = loss_of(Loss::Poisson, &[0.0, std::f32::consts::LN_2], &[2.0, 1.0]);
        assert!((v - (1.0 + 2.0 - std::f64::consts::LN_2) / 2.0).abs() < 1e-6, "{v}");
        // Tweedie p = 1.5 at μ = 1, y = 2: -y·μ^(-0.5)/(-0.5) + μ^0.5/0.5 = 4 + 2 = 6
        assert!((loss_of(Loss::Tweedie { power: 1.5 }, &[0.0], &[2.0]) - 6.0).abs() < 1e-6);
        // p = 1.2 at μ = e, y = 3: -3·e^(-0.2)/(-0.2) + e^0.8/0.8 = 15·e^-0.2 + 1.25·e^0.8
        let want = 15.0 * (-0.2f64).exp() + 1.25 * 0.8f64.exp();
        let v = loss_of(Loss::Tweedie { power: 1.2 }, &[1.0], &[3.0]);
        assert!((v - want).abs() < 1e-4, "{v} vs {want}");
        // the deviances are smallest where μ = y
        let at = |o: f32| loss_of(Loss::Poisson, &[o], &[3.0]);
        assert!(at(3f32.ln()) < at(3f32.ln() - 0.1) && at(3f32.ln()) < at(3f32.ln() + 0.1));
    }

    #[test]
    fn one_cycle_warms_up_then_anneals() {
        let lr: Vec<f64> = (1..=100).map(|s| one_cycle_lr(1e-2, s, 100)).collect();
        assert!((lr[0] - 1e-2 / 25.0).abs() < 1e-12);
        assert!((lr[30] - 1e-2).abs() < 1e-12);
        assert!(lr[..30].windows(2).all(|w| w[0] < w[1]));
        assert!(lr[30..].windows(2).all(|w| w[0] > w[1]));
        assert!(lr[99] < 1e-2 / 25.0 && lr[99] > 0.0);
    }

    #[test]
    fn max_epochs_sets_the_steps() {
        let tc = TrainConfig { max_epochs: Some(3), batch_size: 16, eval_every: 1000, ..TrainConfig::default() };
        assert_eq!(tc.total_steps(40), 9);
        let cfg = Conv1dNetConfig::lenet(14, 7).with_block_channels(vec![2]).with_hidden(4);
        let set = waves(40, 14, 7);
        let empty = WindowSet { inputs: vec![], targets: vec![], scales: vec![], series: vec![], origins: vec![], ..set.clone() };
        let (_, r) = train(init_seeded(&cfg, &cpu().autodiff(), 0), &set, &empty, &tc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.steps, 9);
        let tc = TrainConfig { schedule: Schedule::OneCycle, ..tc };
        let (_, r) = train(init_seeded(&cfg, &cpu().autodiff(), 0), &set, &empty, &tc).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.steps, 9);
        assert!(r.train_loss.iter().all(|l| l.is_finite()));
    }

    #[test]
    fn multi_crop_averages_the_cropped_forecasts() {
        let cfg = Conv1dNetConfig::lenet(14, 7).with_block_channels(vec![4]).with_hidden(8);
        let net = init_seeded(&cfg, &cpu(), 2);
        let set = waves(5, 14, 7);
        let plain = predict(&net, &set, Loss::Mse).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(predict_multi_crop(&net, &set, Loss::Mse, 1, 7).unwrap_or_else(|e| panic!("{e}")), plain);
        let mut hidden = set.clone();
        hidden.inputs.chunks_exact_mut(14).for_each(|w| w[..4].fill(0.0));
        let mut hidden8 = set.clone();
        hidden8.inputs.chunks_exact_mut(14).for_each(|w| w[..8].fill(0.0));
        let a = predict(&net, &hidden, Loss::Mse).unwrap_or_else(|e| panic!("{e}"));
        let b = predict(&net, &hidden8, Loss::Mse).unwrap_or_else(|e| panic!("{e}"));
        let got = predict_multi_crop(&net, &set, Loss::Mse, 3, 4).unwrap_or_else(|e| panic!("{e}"));
        for k in 0..got.len() {
            assert!((got[k] - (plain[k] + a[k] + b[k]) / 3.0).abs() < 1e-6);
        }
        assert_ne!(got, plain);
    }

    #[test]
    fn augmented_training_is_seeded() {
        let cfg = Conv1dNetConfig::lenet(14, 7).with_block_channels(vec![2]).with_hidden(4);
        let set = waves(16, 14, 7);
        let empty = WindowSet { inputs: vec![], targets: vec![], scales: vec![], series: vec![], origins: vec![], ..set.clone() };
        let augment = AugmentConfig { jitter: 0.05, magnitude: 0.1, crop: 0.3, time_warp: 0.2 };
        let tc = TrainConfig { steps: 20, batch_size: 8, eval_every: 10, augment, ..TrainConfig::default() };
        let run = |tc: &TrainConfig| train(init_seeded(&cfg, &cpu().autodiff(), 0), &set, &empty, tc).unwrap_or_else(|e| panic!("{e}")).1.train_loss;
        assert_eq!(run(&tc), run(&tc));
        assert_ne!(run(&tc), run(&TrainConfig { augment: AugmentConfig::default(), ..tc.clone() }));
    }

    #[test]
    fn inception_aux_losses_are_added_with_their_weight() {
        let cfg = Inception1dConfig::new(14, 7).with_stem_channels(4).with_branch_channels(4).with_reduce_channels(2).with_modules(3).with_pooled_len(2);
        let set = waves(6, 14, 7);
        let idx: Vec<usize> = (0..6).collect();
        let (x, y) = batch_tensors(&set, &idx, &cpu());
        let y = y.unwrap_or_else(|| panic!("targets"));
        let value = |t: Tensor<1>| scalar(t).unwrap_or_else(|e| panic!("{e}"));
        // off: the objective is the main loss
        let plain = init_seeded(&cfg, &cpu(), 4);
        assert_eq!(value(objective(&plain, Loss::Mse, x.clone(), y.clone())), value(loss(Loss::Mse, plain.forward(x.clone()), y.clone())));
        // on: main + 0.3 × (aux 1 + aux 2)
        let net = init_seeded(&cfg.clone().with_aux_weight(0.3), &cpu(), 4);
        let (out, aux) = net.forward_aux(x.clone());
        assert_eq!(aux.len(), 2);
        assert_eq!(out.clone().into_data(), net.forward(x.clone()).into_data());
        let main = value(loss(Loss::Mse, out, y.clone()));
        let extra: f64 = aux.into_iter().map(|(w, a)| w * value(loss(Loss::Mse, a, y.clone()))).sum();
        assert!(extra > 0.0);
        let total = value(objective(&net, Loss::Mse, x, y));
        assert!((total - (main + extra)).abs() < 1e-5 * total, "{total} vs {main} + {extra}");
    }

    #[test]
    fn early_stopping_keeps_the_best_weights() {
        let cfg = Conv1dNetConfig::lenet(14, 7).with_block_channels(vec![4]).with_hidden(8);
        let train_set = waves(8, 14, 7);
        // a validation set the model cannot fit: its loss stops improving soon
        let mut valid = waves(4, 14, 7);
        valid.targets.iter_mut().for_each(|t| *t = -*t);
        let tc = TrainConfig { steps: 400, batch_size: 8, learning_rate: 1e-2, eval_every: 10, patience: 3, ..TrainConfig::default() };
        let (_, r) = train(init_seeded(&cfg, &cpu().autodiff(), 0), &train_set, &valid, &tc).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.stopped_early, "{r:?}");
        let best = r.valid_loss.iter().copied().fold(f64::INFINITY, f64::min);
        assert_eq!(r.best_valid_loss, best);
        assert_eq!(r.steps, r.best_step + 3 * 10);
    }

    #[test]
    fn kept_weights_reproduce_the_best_validation_loss_with_batch_norm() {
        // batch-norm running statistics must be those of the best step, not the last
        let cfg = ResNet1dConfig::new(14, 7).with_stem_channels(4).with_stage_channels(vec![4]).with_pooled_len(2);
        let train_set = waves(8, 14, 7);
        let mut valid = waves(4, 14, 7);
        valid.targets.iter_mut().for_each(|t| *t = -*t);
        let tc = TrainConfig { steps: 200, batch_size: 8, learning_rate: 1e-2, eval_every: 10, patience: 3, ..TrainConfig::default() };
        let (net, r) = train(init_seeded(&cfg, &cpu().autodiff(), 0), &train_set, &valid, &tc).unwrap_or_else(|e| panic!("{e}"));
        assert!(r.best_step < r.steps, "{r:?}");
        let again = evaluate(&net, &valid, Loss::Mse, 1024).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(again, r.best_valid_loss);
    }

    #[test]
    fn bad_train_configs_are_rejected() {
        assert!(TrainConfig { steps: 0, ..TrainConfig::default() }.validate().is_err());
        assert!(TrainConfig { learning_rate: 0.0, ..TrainConfig::default() }.validate().is_err());
        assert!(TrainConfig { loss: Loss::Tweedie { power: 2.5 }, ..TrainConfig::default() }.validate().is_err());
    }
}
