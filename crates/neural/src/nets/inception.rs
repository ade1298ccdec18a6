//! Inception-1D: a stem convolution, then Inception modules whose parallel branches (1-,
//! 3- and 5-wide convolutions and a 3-wide max pool, all length-preserving) are
//! concatenated on channels, then an average pool and a linear head. The pool is global
//! by default (`pooled_len` 1); since the convolutions are shift-equivariant, a global
//! average cannot tell where in the window a pattern sits (a weekly wave averaged over
//! whole weeks is the same in every phase) beyond what the zero padding at the edges or
//! the weekday channels reveal; `pooled_len` > 1 keeps coarse timing for the head.
//!
//! With `bottleneck` on, 1×1 convolutions shrink the channels before the 3- and 5-wide
//! branches and project the pooled branch (Network-in-Network style), so every module
//! outputs `4 * branch_channels`. With it off, the pooled branch passes its `c_in`
//! channels through, so a module outputs `3 * branch_channels + c_in`.
//!
//! With `aux_weight` > 0, auxiliary heads (GoogLeNet's, here the same average pool and a
//! linear map onto the horizon) read the output of every module but the last; during
//! training their losses, times `aux_weight`, are added to the main loss (see
//! [`Network::forward_aux`]). They count in the parameters, not in the forward pass'
//! multiply-adds (prediction never runs them).

use burn::config::Config;
use burn::module::Module;
use burn::nn::conv::{Conv1d, Conv1dConfig};
use burn::nn::pool::{AdaptiveAvgPool1d, AdaptiveAvgPool1dConfig, MaxPool1d, MaxPool1dConfig};
use burn::nn::{Dropout, DropoutConfig, Linear, LinearConfig, PaddingConfig1d, Relu};
use burn::prelude::{Device, Tensor};

use super::{Cost, Network, NetworkConfig};
use crate::error::{self, NeuralError};

/// An Inception-style 1-D CNN.
#[derive(Config, Debug, PartialEq)]
pub struct Inception1dConfig {
    /// Input length L.
    pub lookback: usize,
    /// Output length H.
    pub horizon: usize,
    /// Input channels (1: the scaled target).
    #[config(default = 1)]
    pub channels_in: usize,
    /// Channels of the stem convolution.
    #[config(default = 16)]
    pub stem_channels: usize,
    /// Width of the stem convolution (odd; 7 sees a week).
    #[config(default = 7)]
    pub stem_kernel: usize,
    /// Number of Inception modules.
    #[config(default = 2)]
    pub modules: usize,
    /// Output channels of each convolution branch (and of the pooled branch's 1×1 projection).
    #[config(default = 16)]
    pub branch_channels: usize,
    /// Channels the 1×1 reductions leave before the 3- and 5-wide convolutions (bottleneck only).
    #[config(default = 8)]
    pub reduce_channels: usize,
    /// 1×1 reductions before the 3- and 5-wide branches and after the pool.
    #[config(default = true)]
    pub bottleneck: bool,
    /// Positions kept by the final average pool (1: global average pooling).
    #[config(default = 1)]
    pub pooled_len: usize,
    /// Weight of the auxiliary heads' losses (0: no auxiliary heads).
    #[config(default = 0.0)]
    pub aux_weight: f64,
    /// Dropout before the head (training only).
    #[config(default = 0.0)]
    pub dropout: f64,
}

/// Kernel widths of the wide branches and of the max pool (fixed by the design).
const KERNELS: [usize; 2] = [3, 5];
const POOL: usize = 3;

impl Inception1dConfig {
    /// Input channels of each module, then the channels of the last one's output.
    fn module_channels(&self) -> (Vec<usize>, usize) {
        let mut c = self.stem_channels;
        let mut ins = Vec::with_capacity(self.modules);
        for _ in 0..self.modules {
            ins.push(c);
            c = if self.bottleneck { 4 * self.branch_channels } else { 3 * self.branch_channels + c };
        }
        (ins, c)
    }

    fn module_cost(&self, c_in: usize) -> Cost {
        let (b, r, len) = (self.branch_channels, self.reduce_channels, self.lookback);
        let one = Cost::conv(c_in, b, 1, len, true);
        if self.bottleneck {
            let wide: Cost = KERNELS.iter().map(|&k| Cost::conv(c_in, r, 1, len, true) + Cost::conv(r, b, k, len, true)).sum();
            one + wide + Cost::conv(c_in, b, 1, len, true)
        } else {
            one + KERNELS.iter().map(|&k| Cost::conv(c_in, b, k, len, true)).sum()
        }
    }
}

impl NetworkConfig for Inception1dConfig {
    type Net = Inception1d;

    fn validate(&self) -> error::Result<()> {
        let positive = [
            ("lookback", self.lookback),
            ("horizon", self.horizon),
            ("channels_in", self.channels_in),
            ("stem_channels", self.stem_channels),
            ("modules", self.modules),
            ("branch_channels", self.branch_channels),
            ("pooled_len", self.pooled_len),
        ];
        for (what, v) in positive {
            if v == 0 {
                return Err(NeuralError::config(format!("inception.{what}"), "must be at least 1"));
            }
        }
        if self.bottleneck && self.reduce_channels == 0 {
            return Err(NeuralError::config("inception.reduce_channels", "must be at least 1 with the bottleneck on"));
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(NeuralError::config("inception.dropout", format!("{} is outside [0, 1)", self.dropout)));
        }
        if !(self.aux_weight.is_finite() && self.aux_weight >= 0.0) {
            return Err(NeuralError::config("inception.aux_weight", format!("{} must be finite and non-negative", self.aux_weight)));
        }
        if self.pooled_len > self.lookback {
            return Err(NeuralError::config("inception.pooled_len", format!("{} exceeds the lookback {}", self.pooled_len, self.lookback)));
        }
        if self.stem_kernel.is_multiple_of(2) {
            return Err(NeuralError::config("inception.stem_kernel", format!("{} is even; \"same\" padding needs an odd width", self.stem_kernel)));
        }
        Ok(())
    }

    fn cost(&self) -> Cost {
        let (ins, c_last) = self.module_channels();
        let stem = Cost::conv(self.channels_in, self.stem_channels, self.stem_kernel, self.lookback, true);
        // max pools and the average pool compare and add; no multiply-adds counted
        let aux: usize = if self.aux_weight > 0.0 { ins.iter().skip(1).map(|&c| Cost::linear(c * self.pooled_len, self.horizon).params).sum() } else { 0 };
        stem + ins.iter().map(|&c| self.module_cost(c)).sum() + Cost::linear(c_last * self.pooled_len, self.horizon) + Cost { params: aux, macs: 0 }
    }

    fn io(&self) -> (usize, usize, usize) {
        (self.channels_in, self.lookback, self.horizon)
    }

    fn build(&self, device: &Device) -> Inception1d {
        let conv = |c_in: usize, c_out: usize, k: usize| Conv1dConfig::new(c_in, c_out, k).with_padding(PaddingConfig1d::Explicit(k / 2, k / 2)).init(device);
        let (ins, c_last) = self.module_channels();
        let (b, r) = (self.branch_channels, self.reduce_channels);
        let modules = ins
            .iter()
            .map(|&c| {
                let wide = |k: usize| {
                    if self.bottleneck { WideBranch { reduce: Some(conv(c, r, 1)), conv: conv(r, b, k) } } else { WideBranch { reduce: None, conv: conv(c, b, k) } }
                };
                InceptionModule {
                    one: conv(c, b, 1),
                    three: wide(KERNELS[0]),
                    five: wide(KERNELS[1]),
                    pool: MaxPool1dConfig::new(POOL).with_stride(1).with_padding(PaddingConfig1d::Explicit(POOL / 2, POOL / 2)).init(),
                    pool_projection: self.bottleneck.then(|| conv(c, b, 1)),
                    activation: Relu::new(),
                }
            })
            .collect();
        // module k's output is module k + 1's input
        let aux = if self.aux_weight > 0.0 { ins.iter().skip(1).map(|&c| LinearConfig::new(c * self.pooled_len, self.horizon).init(device)).collect() } else { Vec::new() };
        Inception1d {
            aux,
            aux_weight: self.aux_weight,
            stem: conv(self.channels_in, self.stem_channels, self.stem_kernel),
            modules,
            pool: AdaptiveAvgPool1dConfig::new(self.pooled_len).init(),
            head: LinearConfig::new(c_last * self.pooled_len, self.horizon).init(device),
            dropout: DropoutConfig::new(self.dropout).init(),
            activation: Relu::new(),
        }
    }
}

/// A 3- or 5-wide branch, with an optional 1×1 reduction (ReLU after each conv) before it.
#[derive(Module, Debug)]
pub struct WideBranch {
    reduce: Option<Conv1d>,
    conv: Conv1d,
}

/// Parallel 1-, 3-, 5-wide convolutions and a 3-wide max pool, concatenated on channels.
#[derive(Module, Debug)]
pub struct InceptionModule {
    one: Conv1d,
    three: WideBranch,
    five: WideBranch,
    pool: MaxPool1d,
    pool_projection: Option<Conv1d>,
    activation: Relu,
}

impl InceptionModule {
    /// `[batch, c_in, len]` → `[batch, 4 * branch, len]` (bottleneck) or
    /// `[batch, 3 * branch + c_in, len]` (plain; the pooled input passes through).
    pub fn forward(&self, x: Tensor<3>) -> Tensor<3> {
        let relu = |t: Tensor<3>| self.activation.forward(t);
        let wide = |w: &WideBranch, x: Tensor<3>| {
            let x = match &w.reduce {
                Some(reduce) => relu(reduce.forward(x)),
                None => x,
            };
            relu(w.conv.forward(x))
        };
        let one = relu(self.one.forward(x.clone()));
        let three = wide(&self.three, x.clone());
        let five = wide(&self.five, x.clone());
        let pooled = self.pool.forward(x);
        let pooled = match &self.pool_projection {
            Some(p) => relu(p.forward(pooled)),
            None => pooled,
        };
        Tensor::cat(vec![one, three, five, pooled], 1)
    }
}

/// Inception-1D; see [`Inception1dConfig`].
#[derive(Module, Debug)]
pub struct Inception1d {
    stem: Conv1d,
    modules: Vec<InceptionModule>,
    pool: AdaptiveAvgPool1d,
    head: Linear,
    dropout: Dropout,
    activation: Relu,
    /// Auxiliary heads after modules 1..n-1 (empty when off).
    aux: Vec<Linear>,
    aux_weight: f64,
}

impl Inception1d {
    /// `[batch, c, lookback]` → average pool → flatten → `head` → `[batch, horizon]`.
    fn read_out(&self, head: &Linear, x: Tensor<3>) -> Tensor<2> {
        let x = self.pool.forward(x);
        let [batch, c, len] = x.dims();
        head.forward(self.dropout.forward(x.reshape([batch, c * len])))
    }
}

impl Network for Inception1d {
    fn freeze_first(mut self, k: usize) -> Inception1d {
        if k > 0 {
            self.stem = self.stem.freeze();
        }
        self.modules = self.modules.into_iter().enumerate().map(|(j, m)| if j + 1 < k { m.freeze() } else { m }).collect();
        self
    }

    /// Also the auxiliary heads' outputs, each with `aux_weight`.
    fn forward_aux(&self, x: Tensor<3>) -> (Tensor<2>, Vec<(f64, Tensor<2>)>) {
        let mut x = self.activation.forward(self.stem.forward(x));
        let mut aux = Vec::with_capacity(self.aux.len());
        for (k, m) in self.modules.iter().enumerate() {
            x = m.forward(x);
            if let Some(head) = self.aux.get(k).filter(|_| k + 1 < self.modules.len()) {
                aux.push((self.aux_weight, self.read_out(head, x.clone())));
            }
        }
        (self.read_out(&self.head, x), aux)
    }

    /// `[batch, channels_in, lookback]` → stem (ReLU) `[batch, stem_channels, lookback]` →
    /// modules `[batch, c_last, lookback]` → average pool `[batch, c_last, pooled_len]` →
    /// flatten → `[batch, horizon]`.
    fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let x = self.activation.forward(self.stem.forward(x));
        let x = self.modules.iter().fold(x, |x, m| m.forward(x));
        let x = self.pool.forward(x);
        let [batch, c, len] = x.dims();
        self.head.forward(self.dropout.forward(x.reshape([batch, c * len])))
    }
}
