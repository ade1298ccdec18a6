//! Static embeddings in front of any family: the windows' last channels hold table rows
//! (item, store, … of the series; see [`crate::statics`]); each is looked up in its own
//! embedding table and the vectors are laid along the time axis as extra input channels,
//! so a network of any family sees `data + keys × dim` channels without knowing where
//! they came from. Without keys the wrapper passes windows through untouched, so every
//! fit goes through it.

use burn::module::Module;
use burn::nn::{Embedding, EmbeddingConfig};
use burn::prelude::{Device, Int, Tensor};

use super::{Cost, Network, NetworkConfig};
use crate::error::{self, NeuralError};

/// An inner family's config plus one embedding table per static key.
#[derive(Debug, Clone, PartialEq)]
pub struct EmbeddedConfig<C> {
    /// The network behind the lookup; its `channels_in` must be
    /// `data_channels + tables.len() × dim`.
    pub inner: C,
    /// Numeric channels of the windows (before the table rows).
    pub data_channels: usize,
    /// Rows of each key's table.
    pub tables: Vec<usize>,
    /// Width of every embedding.
    pub dim: usize,
}

impl<C> EmbeddedConfig<C> {
    /// `inner` behind the lookups of `windows`' static keys, tables sized by their
    /// vocabulary on `panel` (no keys: no tables, the identity).
    pub fn for_windows(inner: C, windows: &crate::windows::WindowConfig, panel: &tsforge_core::Panel) -> EmbeddedConfig<C> {
        EmbeddedConfig { inner, data_channels: windows.data_channels(), tables: windows.table_sizes(panel), dim: windows.embedding_dim }
    }
}

impl<C: NetworkConfig> NetworkConfig for EmbeddedConfig<C> {
    type Net = Embedded<C::Net>;

    fn validate(&self) -> error::Result<()> {
        self.inner.validate()?;
        if !self.tables.is_empty() && (self.dim == 0 || self.tables.contains(&0)) {
            return Err(NeuralError::config("windows.embedding_dim", "every table needs at least one row and one column"));
        }
        let (inner_channels, _, _) = self.inner.io();
        let expected = self.data_channels + self.tables.len() * self.dim;
        if inner_channels != expected {
            return Err(NeuralError::config(
                "architecture",
                format!("takes {inner_channels} channel(s); {} numeric + {} embeddings × {} give {expected}", self.data_channels, self.tables.len(), self.dim),
            ));
        }
        Ok(())
    }

    /// The inner network's cost plus the tables' weights (a lookup multiplies nothing).
    fn cost(&self) -> Cost {
        let inner = self.inner.cost();
        Cost { params: inner.params + self.tables.iter().map(|rows| rows * self.dim).sum::<usize>(), ..inner }
    }

    fn io(&self) -> (usize, usize, usize) {
        let (_, lookback, horizon) = self.inner.io();
        (self.data_channels + self.tables.len(), lookback, horizon)
    }

    fn build(&self, device: &Device) -> Embedded<C::Net> {
        Embedded { tables: self.tables.iter().map(|&rows| EmbeddingConfig::new(rows, self.dim).init(device)).collect(), net: self.inner.build(device), data_channels: self.data_channels }
    }
}

/// A network behind static embedding lookups; see [`EmbeddedConfig`].
#[derive(Module, Debug)]
pub struct Embedded<N> {
    tables: Vec<Embedding>,
    net: N,
    data_channels: usize,
}

impl<N: Network> Embedded<N> {
    /// `[batch, data + keys, L]` → `[batch, data + keys × dim, L]`: the numeric channels,
    /// then each key's embedding repeated along the window.
    fn expand(&self, x: Tensor<3>) -> Tensor<3> {
        let keys = self.tables.len();
        if keys == 0 {
            return x;
        }
        let [batch, _, lookback] = x.dims();
        let data = x.clone().narrow(1, 0, self.data_channels);
        // rows are constant along the window: read them at position 0
        let rows: Tensor<2, Int> = x.narrow(1, self.data_channels, keys).narrow(2, 0, 1).reshape([batch, keys]).int();
        let mut channels = vec![data];
        for (k, table) in self.tables.iter().enumerate() {
            let vectors = table.forward(rows.clone().narrow(1, k, 1)); // [batch, 1, dim]
            channels.push(vectors.swap_dims(1, 2).repeat_dim(2, lookback)); // [batch, dim, L]
        }
        Tensor::cat(channels, 1)
    }
}

impl<N: Network> Network for Embedded<N> {
    fn forward(&self, x: Tensor<3>) -> Tensor<2> {
        self.net.forward(self.expand(x))
    }

    fn forward_aux(&self, x: Tensor<3>) -> (Tensor<2>, Vec<(f64, Tensor<2>)>) {
        self.net.forward_aux(self.expand(x))
    }

    /// Freezes the inner network's first `k` blocks; the tables keep training (a store's
    /// fine-tuning moves that store's embedding).
    fn freeze_first(mut self, k: usize) -> Embedded<N> {
        self.net = self.net.freeze_first(k);
        self
    }
}

#[cfg(test)]
mod tests {
    use burn::prelude::TensorData;

    use super::*;
    use crate::device::{cpu, init_seeded};
    use crate::nets::{Conv1dNetConfig, RecurrentConfig};

    fn windows(rows: &[[f32; 2]], data: usize, lookback: usize) -> Tensor<3> {
        let mut x = Vec::new();
        for (w, r) in rows.iter().enumerate() {
            x.extend((0..data * lookback).map(|k| (k + w) as f32 / 10.0));
            for &row in r {
                x.extend(std::iter::repeat_n(row, lookback));
            }
        }
        Tensor::<3>::from_data(TensorData::new(x, [rows.len(), data + 2, lookback]), &cpu())
    }

    #[test]
    fn lookups_become_constant_channels_and_the_cost_counts_the_tables() {
        let inner = RecurrentConfig::gru(6, 3).with_channels_in(1 + 2 * 4).with_hidden(4);
        let cfg = EmbeddedConfig { inner: inner.clone(), data_channels: 1, tables: vec![5, 3], dim: 4 };
        assert!(cfg.validate().is_ok());
        assert_eq!(cfg.io(), (3, 6, 3));
        assert_eq!(cfg.cost().params, inner.cost().params + (5 + 3) * 4);
        let net = init_seeded(&cfg, &cpu(), 7);
        assert_eq!(net.num_params(), cfg.cost().params);
        let x = windows(&[[4.0, 0.0], [1.0, 2.0]], 1, 6);
        let wide = net.expand(x.clone());
        assert_eq!(wide.dims(), [2, 9, 6]);
        let v = wide.to_data().try_to_vec::<f32>().unwrap_or_else(|e| panic!("{e:?}"));
        // window 0, channel 1 (first dim of table 0, row 4) is constant along the window
        let ch = |w: usize, c: usize| v[(w * 9 + c) * 6..(w * 9 + c + 1) * 6].to_vec();
        assert!(ch(0, 1).iter().all(|&a| a == ch(0, 1)[0]));
        // the numeric channel passes through; rows differ, embeddings differ
        assert_eq!(ch(1, 0), (0..6).map(|k| (k + 1) as f32 / 10.0).collect::<Vec<_>>());
        assert_ne!(ch(0, 1), ch(1, 1));
        assert_eq!(net.forward(x).dims(), [2, 3]);
    }

    #[test]
    fn mismatched_widths_are_rejected() {
        let inner = Conv1dNetConfig::lenet(8, 2).with_channels_in(3);
        assert!(EmbeddedConfig { inner: inner.clone(), data_channels: 1, tables: vec![4], dim: 2 }.validate().is_ok());
        assert!(EmbeddedConfig { inner: inner.clone(), data_channels: 1, tables: vec![4, 4], dim: 2 }.validate().is_err());
        assert!(EmbeddedConfig { inner: inner.clone(), data_channels: 1, tables: vec![0], dim: 2 }.validate().is_err());
        // no keys: the inner network as it is
        let bare = EmbeddedConfig { inner: inner.with_channels_in(1), data_channels: 1, tables: vec![], dim: 4 };
        assert!(bare.validate().is_ok());
        assert_eq!(bare.cost(), bare.inner.cost());
    }
}
