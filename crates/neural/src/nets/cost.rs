//! Parameter and multiply-add counts of a network, computed from its config.

use serde::Serialize;

/// Size and compute of a network for one input window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Cost {
    /// Trainable parameters (batch-norm running statistics are not parameters).
    pub params: usize,
    /// Multiply-adds of the convolutions and linear layers of one forward pass.
    pub macs: u64,
}

impl Cost {
    /// Floating-point operations of one forward pass (a multiply-add is two).
    pub fn flops(&self) -> u64 {
        2 * self.macs
    }

    /// A 1-D convolution producing `out_len` positions.
    pub(crate) fn conv(c_in: usize, c_out: usize, kernel: usize, out_len: usize, bias: bool) -> Cost {
        let weights = c_out * c_in * kernel;
        Cost { params: weights + if bias { c_out } else { 0 }, macs: (weights * out_len) as u64 }
    }

    pub(crate) fn linear(d_in: usize, d_out: usize) -> Cost {
        Cost { params: d_in * d_out + d_out, macs: (d_in * d_out) as u64 }
    }

    /// Batch norm over `c` channels: scale and shift (its multiplies are not counted).
    pub(crate) fn batch_norm(c: usize) -> Cost {
        Cost { params: 2 * c, macs: 0 }
    }
}

impl std::ops::Add for Cost {
    type Output = Cost;
    fn add(self, o: Cost) -> Cost {
        Cost { params: self.params + o.params, macs: self.macs + o.macs }
    }
}

impl std::iter::Sum for Cost {
    fn sum<I: Iterator<Item = Cost>>(iter: I) -> Cost {
        iter.fold(Cost::default(), |a, b| a + b)
    }
}
