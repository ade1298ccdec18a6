//! Where networks train (the CPU; an NVIDIA GPU in a build with the `cuda` feature; any
//! GPU wgpu reaches — Vulkan, Metal, DirectX — with the `wgpu` feature) and seeded,
//! reproducible initialization.
//!
//! The device is chosen once per process with [`select`] (the CLI's `--device`); every
//! fit then trains on [`compute`]. The CPU is the default and the only device the tests
//! use: flex gives bit-identical parameters for a seed across processes and thread
//! counts. On a GPU the same seed gives the same initial weights (drawn on the CPU, see
//! [`init_for_training`]) and window order, but floating-point reductions run in another
//! order, so results agree to rounding, not to the bit; dropout masks come from the
//! device's own RNG.
//!
//! burn's CPU backend keeps one global RNG per process and initializes parameters
//! lazily (on first use). A seeded init therefore reseeds, builds and touches every
//! parameter while holding a lock, so two fits running at once in one process (tests,
//! an AutoML search) cannot interleave their draws.

use std::fmt;
use std::str::FromStr;
use std::sync::{Mutex, RwLock};

use burn::module::{Module, ModuleVisitor, Param};
use burn::prelude::{Device, Tensor};

use crate::error::{NeuralError, Result};
use crate::nets::NetworkConfig;

/// A device networks can train on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Accelerator {
    /// burn's `flex` backend (SIMD and rayon threads).
    #[default]
    Cpu,
    /// The NVIDIA GPU of this index (burn's CUDA backend; needs the `cuda` feature).
    Cuda(usize),
    /// The best adapter wgpu finds (a discrete GPU first; `CUBECL_WGPU_DEFAULT_DEVICE`
    /// overrides); needs the `wgpu` feature.
    Wgpu,
}

impl fmt::Display for Accelerator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Accelerator::Cpu => write!(f, "cpu"),
            Accelerator::Cuda(i) => write!(f, "cuda:{i}"),
            Accelerator::Wgpu => write!(f, "wgpu"),
        }
    }
}

impl FromStr for Accelerator {
    type Err = NeuralError;

    /// `cpu`, `cuda` (GPU 0), `cuda:N` or `wgpu`.
    fn from_str(s: &str) -> Result<Accelerator> {
        let bad = || NeuralError::config("device", format!("'{s}' is not a device (cpu, cuda, cuda:N, wgpu)"));
        match s.trim().to_ascii_lowercase().as_str() {
            "cpu" => Ok(Accelerator::Cpu),
            "wgpu" => Ok(Accelerator::Wgpu),
            "cuda" | "gpu" => Ok(Accelerator::Cuda(0)),
            other => other.strip_prefix("cuda:").and_then(|i| i.parse().ok()).map(Accelerator::Cuda).ok_or_else(bad),
        }
    }
}

/// Whether this build can train on `accelerator`.
pub fn is_available_in_build(accelerator: Accelerator) -> bool {
    match accelerator {
        Accelerator::Cpu => true,
        Accelerator::Cuda(_) => cfg!(feature = "cuda"),
        Accelerator::Wgpu => cfg!(feature = "wgpu"),
    }
}

/// The cargo feature a device needs.
fn feature_of(accelerator: Accelerator) -> &'static str {
    match accelerator {
        Accelerator::Cpu => "flex",
        Accelerator::Cuda(_) => "cuda",
        Accelerator::Wgpu => "wgpu",
    }
}

static SELECTED: RwLock<Accelerator> = RwLock::new(Accelerator::Cpu);

/// Chooses the device of every later fit in this process. A GPU is opened and a small
/// computation read back first, so a missing driver or device is an error here rather
/// than a panic in the middle of a run.
pub fn select(accelerator: Accelerator) -> Result<()> {
    if !is_available_in_build(accelerator) {
        return Err(NeuralError::config(
            "device",
            format!("{accelerator}: this tsforge was built without the `{0}` feature (rebuild with `cargo build --release --features {0}`)", feature_of(accelerator)),
        ));
    }
    let device = device_of(accelerator);
    probe(&device).map_err(|reason| NeuralError::config("device", format!("{accelerator} cannot run: {reason}")))?;
    *SELECTED.write().unwrap_or_else(|poisoned| poisoned.into_inner()) = accelerator;
    Ok(())
}

/// The device chosen with [`select`] (the CPU unless another was chosen).
pub fn selected() -> Accelerator {
    *SELECTED.read().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The device fits train and predict on: [`selected`]'s.
pub fn compute() -> Device {
    device_of(selected())
}

fn device_of(accelerator: Accelerator) -> Device {
    match accelerator {
        #[cfg(feature = "cuda")]
        Accelerator::Cuda(index) => Device::cuda(index),
        #[cfg(feature = "wgpu")]
        Accelerator::Wgpu => Device::wgpu(burn::prelude::DeviceKind::DefaultDevice),
        _ => cpu(),
    }
}

/// Adds two small tensors on `device` and reads the sum back; burn panics where a
/// backend cannot start, so the panic is caught and reported as text.
fn probe(device: &Device) -> std::result::Result<(), String> {
    let device = device.clone();
    let run = move || {
        let t = Tensor::<1>::from_floats([1.0, 2.0], &device);
        (t.clone() + t).sum().try_into_scalar::<f32>()
    };
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(run)) {
        Ok(Ok(6.0)) => Ok(()),
        Ok(Ok(sum)) => Err(format!("1 + 2 + 1 + 2 came back as {sum}")),
        Ok(Err(e)) => Err(format!("{e:?}")),
        Err(panic) => Err(panic.downcast_ref::<String>().cloned().or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string())).unwrap_or_else(|| "the backend panicked".into())),
    }
}

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

/// The plain CPU device (burn's `flex` backend: SIMD and rayon threads), whatever was
/// [`select`]ed (tests use it directly).
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

/// The network of `config` with weights drawn from `seed` on the CPU, moved to the compute
/// device ([`compute`]) for training. The CPU draws them on every device: a GPU's own RNG
/// draws other numbers for the same seed, and a GPU run should start where the CPU run does.
pub fn init_for_training<C: NetworkConfig>(config: &C, seed: u64) -> C::Net {
    let net = init_seeded(config, &cpu().autodiff(), seed);
    match selected() {
        Accelerator::Cpu => net,
        _ => net.fork(&compute().autodiff()),
    }
}

/// The network of `config` with weights drawn from `seed`, on `device`.
pub fn init_seeded<C: NetworkConfig>(config: &C, device: &Device, seed: u64) -> C::Net {
    let _guard = INIT_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    device.seed(seed);
    let net = config.build(device);
    net.visit(&mut Materialize);
    net
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn devices_parse_and_print() {
        assert_eq!("cpu".parse::<Accelerator>().ok(), Some(Accelerator::Cpu));
        assert_eq!("CUDA".parse::<Accelerator>().ok(), Some(Accelerator::Cuda(0)));
        assert_eq!("cuda:1".parse::<Accelerator>().ok(), Some(Accelerator::Cuda(1)));
        assert_eq!(Accelerator::Cuda(1).to_string(), "cuda:1");
        assert_eq!("wgpu".parse::<Accelerator>().ok(), Some(Accelerator::Wgpu));
        let err = "tpu".parse::<Accelerator>().err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("'tpu' is not a device"), "{err}");
        assert!("cuda:x".parse::<Accelerator>().is_err());
    }

    #[test]
    fn the_cpu_can_be_selected_and_a_missing_gpu_is_an_error() {
        assert!(probe(&cpu()).is_ok());
        assert!(select(Accelerator::Cpu).is_ok());
        assert_eq!(selected(), Accelerator::Cpu);
        if !cfg!(feature = "cuda") {
            let err = select(Accelerator::Cuda(0)).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("without the `cuda` feature"), "{err}");
            assert_eq!(selected(), Accelerator::Cpu);
        }
        if !cfg!(feature = "wgpu") {
            let err = select(Accelerator::Wgpu).err().map(|e| e.to_string()).unwrap_or_default();
            assert!(err.contains("--features wgpu"), "{err}");
        }
    }
}
