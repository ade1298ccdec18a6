//! A fitted regression tree.

use serde::{Deserialize, Serialize};

/// One regression tree. Internal nodes are indexed `0..num_nodes`; a child index `c < 0`
/// points at leaf `!c`. A tree without internal nodes is a single leaf.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tree {
    pub(crate) split_feature: Vec<u32>,
    /// Rows with `value <= threshold` go left.
    pub(crate) threshold: Vec<f64>,
    pub(crate) threshold_bin: Vec<u8>,
    /// Where missing values (NaN) go.
    pub(crate) default_left: Vec<bool>,
    pub(crate) left: Vec<i32>,
    pub(crate) right: Vec<i32>,
    pub(crate) split_gain: Vec<f64>,
    /// Per node: index into `cat_sets` for a categorical split, -1 for a numerical one.
    pub(crate) cat_index: Vec<i32>,
    /// Category sets sent left by categorical splits.
    pub(crate) cat_sets: Vec<CatSet>,
    pub(crate) leaf_value: Vec<f64>,
}

/// The categories a categorical split sends left; everything else (NaN, unseen) goes right.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct CatSet {
    /// Bit `b` set: bin `b` goes left.
    pub bins: [u64; 4],
    /// Category values going left, sorted.
    pub values: Vec<i32>,
}

#[inline]
pub(crate) fn bit_is_set(bins: &[u64; 4], b: u8) -> bool {
    (bins[usize::from(b >> 6)] >> (b & 63)) & 1 == 1
}

impl Tree {
    pub(crate) fn with_leaf(v: f64) -> Self {
        Tree {
            split_feature: Vec::new(),
            threshold: Vec::new(),
            threshold_bin: Vec::new(),
            default_left: Vec::new(),
            left: Vec::new(),
            right: Vec::new(),
            split_gain: Vec::new(),
            cat_index: Vec::new(),
            cat_sets: Vec::new(),
            leaf_value: vec![v],
        }
    }

    /// Number of leaves.
    pub fn num_leaves(&self) -> usize {
        self.leaf_value.len()
    }

    /// Checks the structure after loading (so predict cannot index out of bounds).
    pub(crate) fn is_consistent(&self, n_features: usize) -> bool {
        let n = self.split_feature.len();
        let ok_len = [self.threshold.len(), self.threshold_bin.len(), self.default_left.len(), self.left.len(), self.right.len(), self.split_gain.len(), self.cat_index.len()].iter().all(|&l| l == n)
            && self.leaf_value.len() == n + 1;
        let ok_child = |c: i32| if c >= 0 { (c as usize) < n && c > 0 } else { ((!c) as usize) < n + 1 };
        ok_len
            && self.split_feature.iter().all(|&f| (f as usize) < n_features)
            && self.cat_index.iter().all(|&c| c < 0 || (c as usize) < self.cat_sets.len())
            && self.left.iter().chain(&self.right).all(|&c| ok_child(c))
            // children point forward so traversal terminates
            && (0..n).all(|i| (self.left[i] < 0 || self.left[i] as usize > i) && (self.right[i] < 0 || self.right[i] as usize > i))
    }

    /// Leaf reached by a row of raw values, given column accessor.
    #[inline]
    pub(crate) fn leaf_raw(&self, value: impl Fn(usize) -> f32) -> usize {
        if self.split_feature.is_empty() {
            return 0;
        }
        let mut node = 0i32;
        while node >= 0 {
            let i = node as usize;
            let v = value(self.split_feature[i] as usize);
            let ci = self.cat_index[i];
            let go_left = if ci >= 0 {
                let set = &self.cat_sets[ci as usize].values;
                crate::binning::category_of(v).is_some_and(|c| set.binary_search(&c).is_ok())
            } else if v.is_nan() {
                self.default_left[i]
            } else {
                crate::binning::to_f64(v) <= self.threshold[i]
            };
            node = if go_left { self.left[i] } else { self.right[i] };
        }
        (!node) as usize
    }

    /// Leaf reached by a row of bin codes.
    #[inline]
    pub(crate) fn leaf_binned(&self, bin: impl Fn(usize) -> u8) -> usize {
        if self.split_feature.is_empty() {
            return 0;
        }
        let mut node = 0i32;
        while node >= 0 {
            let i = node as usize;
            let b = bin(self.split_feature[i] as usize);
            let ci = self.cat_index[i];
            let go_left = if ci >= 0 {
                bit_is_set(&self.cat_sets[ci as usize].bins, b)
            } else if b == 0 {
                self.default_left[i]
            } else {
                b <= self.threshold_bin[i]
            };
            node = if go_left { self.left[i] } else { self.right[i] };
        }
        (!node) as usize
    }
}
