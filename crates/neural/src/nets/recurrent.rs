//! Recurrent forecasters: stacked LSTM or GRU layers read the window one day at a time,
//! and a linear head maps the last layer's final hidden state onto every horizon step at
//! once (direct, not autoregressive).
//!
//! The cells are written here with fused gates rather than taken from `burn::nn::Lstm`
//! / `Gru`, which run one small matrix product per gate and per step (and slice every
//! step out of one sequence tensor): each step runs one input and one hidden product onto
//! all the gates at once, and steps stay separate tensors. The equations and the
//! parameter layout are PyTorch's (`torch.nn.LSTM` / `torch.nn.GRU`, with both the
//! input and the hidden bias), so parameter counts agree with it:
//!
//! - LSTM, gates `i, f, g, o`: `c' = σ(f)·c + σ(i)·tanh(g)`, `h' = σ(o)·tanh(c')`;
//! - GRU, gates `r, z, n`: `n = tanh(xₙ + σ(r)·hₙ)`, `h' = (1 − σ(z))·n + σ(z)·h`.

use burn::config::Config;
use burn::module::Module;
use burn::nn::{Dropout, DropoutConfig, Initializer, Linear, LinearConfig};
use burn::prelude::{Device, Tensor};
use burn::tensor::activation::sigmoid;
use serde::{Deserialize, Serialize};

use super::{Cost, Network, NetworkConfig};
use crate::error::{self, NeuralError};

/// The recurrent cell of every layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    Lstm,
    Gru,
}

impl Cell {
    /// Gate blocks per layer (LSTM 4, GRU 3).
    pub fn gates(self) -> usize {
        match self {
            Cell::Lstm => 4,
            Cell::Gru => 3,
        }
    }
}

/// A stacked recurrent network with a direct multi-horizon head.
#[derive(Config, Debug, PartialEq)]
pub struct RecurrentConfig {
    /// Input length L (time steps the cells run over).
    pub lookback: usize,
    /// Output length H.
    pub horizon: usize,
    /// Input channels (features per time step; 1: the scaled target).
    #[config(default = 1)]
    pub channels_in: usize,
    /// LSTM or GRU.
    #[config(default = "Cell::Lstm")]
    pub cell: Cell,
    /// Hidden state size of every layer.
    #[config(default = 64)]
    pub hidden: usize,
    /// Stacked layers; each reads the previous one's hidden states.
    #[config(default = 2)]
    pub layers: usize,
    /// Dropout between layers and before the head (training only).
    #[config(default = 0.0)]
    pub dropout: f64,
}

impl RecurrentConfig {
    /// A stacked LSTM.
    pub fn lstm(lookback: usize, horizon: usize) -> RecurrentConfig {
        RecurrentConfig::new(lookback, horizon)
    }

    /// A stacked GRU.
    pub fn gru(lookback: usize, horizon: usize) -> RecurrentConfig {
        RecurrentConfig::new(lookback, horizon).with_cell(Cell::Gru)
    }

    fn layer_inputs(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.layers).map(|k| if k == 0 { self.channels_in } else { self.hidden })
    }
}

impl NetworkConfig for RecurrentConfig {
    type Net = Recurrent;

    fn validate(&self) -> error::Result<()> {
        let positive = [("lookback", self.lookback), ("horizon", self.horizon), ("channels_in", self.channels_in), ("hidden", self.hidden), ("layers", self.layers)];
        for (what, v) in positive {
            if v == 0 {
                return Err(NeuralError::config(format!("recurrent.{what}"), "must be at least 1"));
            }
        }
        if !(0.0..1.0).contains(&self.dropout) {
            return Err(NeuralError::config("recurrent.dropout", format!("{} is outside [0, 1)", self.dropout)));
        }
        Ok(())
    }

    fn cost(&self) -> Cost {
        let gh = self.cell.gates() * self.hidden;
        let layers: Cost = self
            .layer_inputs()
            .map(|d_in| {
                // one input and one hidden projection (each with a bias) per layer, run every step
                let step = Cost::linear(d_in, gh) + Cost::linear(self.hidden, gh);
                Cost { params: step.params, macs: step.macs * self.lookback as u64 }
            })
            .sum();
        layers + Cost::linear(self.hidden, self.horizon)
    }

    fn io(&self) -> (usize, usize, usize) {
        (self.channels_in, self.lookback, self.horizon)
    }

    fn build(&self, device: &Device) -> Recurrent {
        // PyTorch's init: every weight and bias uniform in ±1/√hidden
        let bound = 1.0 / (self.hidden as f64).sqrt();
        let init = Initializer::Uniform { min: -bound, max: bound };
        let gh = self.cell.gates() * self.hidden;
        let layers = self
            .layer_inputs()
            .map(|d_in| RecurrentLayer {
                input: LinearConfig::new(d_in, gh).with_initializer(init.clone()).init(device),
                recurrent: LinearConfig::new(self.hidden, gh).with_initializer(init.clone()).init(device),
            })
            .collect();
        Recurrent { layers, head: LinearConfig::new(self.hidden, self.horizon).init(device), dropout: DropoutConfig::new(self.dropout).init(), hidden: self.hidden, lstm: self.cell == Cell::Lstm }
    }
}

/// One layer's input and hidden projections onto all its gates.
#[derive(Module, Debug)]
pub struct RecurrentLayer {
    input: Linear,
    recurrent: Linear,
}

/// Stacked LSTM/GRU; see [`RecurrentConfig`].
#[derive(Module, Debug)]
pub struct Recurrent {
    layers: Vec<RecurrentLayer>,
    head: Linear,
    dropout: Dropout,
    hidden: usize,
    lstm: bool,
}

impl Recurrent {
    /// Runs one layer over the steps `seq` (each `[batch, d_in]`); returns every hidden
    /// state (each `[batch, hidden]`) when `keep_all`, else only the last one.
    ///
    /// Steps stay separate tensors rather than slices of one `[batch, len, ·]` tensor: the
    /// backward pass of a slice writes a zero-padded gradient of the whole tensor, which
    /// made training about an order of magnitude slower.
    fn layer(&self, layer: &RecurrentLayer, seq: Vec<Tensor<2>>, keep_all: bool) -> Vec<Tensor<2>> {
        let hid = self.hidden;
        let Some(first) = seq.first() else { return Vec::new() };
        let [batch, _] = first.dims();
        let mut h = Tensor::<2>::zeros([batch, hid], &first.device());
        let mut c = h.clone();
        let mut outs = Vec::with_capacity(if keep_all { seq.len() } else { 1 });
        for x in seq {
            let x = layer.input.forward(x);
            let r = layer.recurrent.forward(h.clone());
            if self.lstm {
                let g = (x + r).chunk(4, 1);
                let [i, f, g, o] = [g[0].clone(), g[1].clone(), g[2].clone(), g[3].clone()];
                c = sigmoid(f) * c + sigmoid(i) * g.tanh();
                h = sigmoid(o) * c.clone().tanh();
            } else {
                let xs = x.chunk(3, 1);
                let rs = r.chunk(3, 1);
                let reset = sigmoid(xs[0].clone() + rs[0].clone());
                let update = sigmoid(xs[1].clone() + rs[1].clone());
                let n = (xs[2].clone() + reset * rs[2].clone()).tanh();
                // (1 - z)·n + z·h = n + z·(h - n)
                h = n.clone() + update * (h - n);
            }
            if keep_all {
                outs.push(h.clone());
            }
        }
        if !keep_all {
            outs.push(h);
        }
        outs
    }
}

impl Network for Recurrent {
    fn freeze_first(mut self, k: usize) -> Recurrent {
        self.layers = self.layers.into_iter().enumerate().map(|(j, l)| if j < k { l.freeze() } else { l }).collect();
        self
    }

    /// `[batch, channels_in, lookback]` → `lookback` steps of `[batch, channels_in]` →
    /// layers (hidden states, each `[batch, hidden]`, dropout between) → last hidden
    /// state `[batch, hidden]` → dropout → `[batch, horizon]`.
    fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        let [batch, channels, _] = x.dims();
        let device = x.device();
        let mut seq: Vec<Tensor<2>> = x.swap_dims(1, 2).iter_dim(1).map(|t| t.reshape([batch, channels])).collect();
        let n = self.layers.len();
        for (k, layer) in self.layers.iter().enumerate() {
            let last = k + 1 == n;
            seq = self.layer(layer, seq, !last);
            if !last {
                seq = seq.into_iter().map(|h| self.dropout.forward(h)).collect();
            }
        }
        // `layers` is at least 1 (validated); without layers the head would read zeros
        let h = seq.pop().filter(|_| n > 0).unwrap_or_else(|| Tensor::<2>::zeros([batch, self.hidden], &device));
        self.head.forward(self.dropout.forward(h))
    }
}

#[cfg(test)]
mod tests {
    use burn::prelude::TensorData;

    use super::*;
    use crate::device::{cpu, init_seeded};

    fn values<const D: usize>(t: Tensor<D>) -> Vec<f32> {
        t.into_data().try_to_vec::<f32>().unwrap_or_else(|e| panic!("{e:?}"))
    }

    /// `x·W + b` for one row `x`, with burn's `[d_in, d_out]` weight layout.
    fn affine(lin: &Linear, x: &[f32]) -> Vec<f32> {
        let w = values(lin.weight.val());
        let b = lin.bias.as_ref().map_or_else(Vec::new, |b| values(b.val()));
        let d_out = b.len();
        (0..d_out).map(|j| b[j] + x.iter().enumerate().map(|(i, xi)| xi * w[i * d_out + j]).sum::<f32>()).collect()
    }

    fn sig(v: f32) -> f32 {
        1.0 / (1.0 + (-v).exp())
    }

    /// PyTorch's LSTM and GRU equations, one scalar at a time.
    fn reference(net: &Recurrent, x: &[Vec<f32>]) -> Vec<f32> {
        let hid = net.hidden;
        let mut seq: Vec<Vec<f32>> = x.to_vec();
        let mut h = vec![0.0; hid];
        for layer in &net.layers {
            h = vec![0.0; hid];
            let mut c = vec![0.0; hid];
            let mut outs = Vec::new();
            for xt in &seq {
                let gx = affine(&layer.input, xt);
                let gh = affine(&layer.recurrent, &h);
                if net.lstm {
                    for j in 0..hid {
                        let g = |k: usize| gx[k * hid + j] + gh[k * hid + j];
                        c[j] = sig(g(1)) * c[j] + sig(g(0)) * g(2).tanh();
                    }
                    h = (0..hid).map(|j| sig(gx[3 * hid + j] + gh[3 * hid + j]) * c[j].tanh()).collect();
                } else {
                    h = (0..hid)
                        .map(|j| {
                            let r = sig(gx[j] + gh[j]);
                            let z = sig(gx[hid + j] + gh[hid + j]);
                            let n = (gx[2 * hid + j] + r * gh[2 * hid + j]).tanh();
                            (1.0 - z) * n + z * h[j]
                        })
                        .collect();
                }
                outs.push(h.clone());
            }
            seq = outs;
        }
        affine(&net.head, &h)
    }

    #[test]
    fn cells_follow_pytorch_equations() {
        for cell in [Cell::Lstm, Cell::Gru] {
            let cfg = RecurrentConfig::new(5, 3).with_channels_in(2).with_hidden(3).with_layers(2).with_cell(cell);
            let net = init_seeded(&cfg, &cpu(), 9);
            // one window: channel-major [2, 5]
            let input: Vec<f32> = (0..10).map(|k| ((k * 7) % 5) as f32 / 4.0 - 0.5).collect();
            let steps: Vec<Vec<f32>> = (0..5).map(|t| vec![input[t], input[5 + t]]).collect();
            let got = values(net.forward(Tensor::<3>::from_data(TensorData::new(input, [1, 2, 5]), &cpu())));
            let want = reference(&net, &steps);
            for (g, w) in got.iter().zip(&want) {
                assert!((g - w).abs() < 1e-5, "{cell:?}: {got:?} vs {want:?}");
            }
        }
    }
}
