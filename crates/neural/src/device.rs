//! The CPU device and seeded, reproducible initialization.
//!
//! burn's CPU backend keeps one global RNG per process and initializes parameters
//! lazily (on first use). A seeded init therefore reseeds, builds and touches every
//! parameter while holding a lock, so two fits running at once in one process (tests,
//! an AutoML search) cannot interleave their draws.

use std::sync::Mutex;

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::{Device, Tensor};

use crate::nets::NetworkConfig;

static INIT_LOCK: Mutex<()> = Mutex::new(());

/// Held for a whole training run: dropout masks come from the device's one RNG, so two
/// fits training at once in one process (a variance run's seeds, parallel trials) would
/// draw each other's masks and neither would be reproducible. Training runs one at a
/// time; burn's kernels still use every thread.
static TRAIN_LOCK: Mutex<()> = Mutex::new(());

/// Serializes training runs in this process (see `TRAIN_LOCK`).
pub(crate) fn training_guard() -> std::sync::MutexGuard<'static, ()> {
    TRAIN_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The plain CPU device (burn's `flex` backend: SIMD and rayon threads).
pub fn cpu() -> Device {
    Device::flex()
}

/// Forces the lazy initialization of every float parameter, in module order.
struct Materialize;

impl ModuleVisitor for Materialize {
    fn visit_float<const D: usize>(&mut self, param: &Param<Tensor<D>>) {
        let _ = param.val();
    }
}

/// Reseeds the device's RNG (dropout masks) without racing a seeded init.
pub fn reseed(device: &Device, seed: u64) {
    let _guard = INIT_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    device.seed(seed);
}

/// The network of `config` with weights drawn from `seed`, on `device`.
pub fn init_seeded<C: NetworkConfig>(config: &C, device: &Device, seed: u64) -> C::Net {
    let _guard = INIT_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    device.seed(seed);
    let net = config.build(device);
    net.visit(&mut Materialize);
    net
}
