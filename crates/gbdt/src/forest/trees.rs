//! The fitted forest in tsforge's own form: smartcore grows the trees
//! ([`RandomForestRegressor`], bootstrap samples, `mtry` features tried per split, MSE
//! criterion), tsforge keeps their nodes ([`Tree`]) and predicts with them.
//!
//! Why not keep smartcore's model: its tree nodes are private, so the only way to save a
//! fitted forest is smartcore's own serde layout, which is an implementation detail of one
//! smartcore version. The nodes are read out once, right after the fit, into [`Tree`]
//! (checked on load), and every forecast — at fit time and from a saved bundle — walks
//! those, so the two agree byte for byte.
//!
//! Missing feature values (lags before a series starts, unknown prices) are replaced by a
//! value below everything seen in training ([`MissingFill`]): smartcore's splitter sorts
//! values and cannot take NaN, and "lower than any observed value" lets a split send the
//! missing rows to one side, as LightGBM's default direction does.

use serde::{Deserialize, Serialize};
use smartcore::ensemble::random_forest_regressor::{RandomForestRegressor, RandomForestRegressorParameters};
use smartcore::linalg::basic::matrix::DenseMatrix;
use tsforge_features::FeatureMatrix;

use crate::GbdtError;

/// Trees grown per smartcore call. smartcore grows a whole forest in one call; fitting it
/// in chunks lets the fit stop between chunks at the deadline (each chunk re-sorts the
/// columns, which costs about as much as one tree on 50,000 rows: 10 keeps that small).
pub const CHUNK: usize = 10;

fn forest_err(reason: impl Into<String>) -> GbdtError {
    GbdtError::Forest { reason: reason.into() }
}

/// How raw feature values become the forest's inputs: finite values as they are, missing
/// (non-finite) ones as `fill[j]`, one below the column's smallest training value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MissingFill {
    pub fill: Vec<f64>,
}

impl MissingFill {
    /// The fill values of the training matrix (`-1` for a column without a finite value).
    pub fn fit(x: &FeatureMatrix) -> MissingFill {
        let fill = (0..x.n_cols())
            .map(|j| {
                let min = x.column(j).iter().filter(|v| v.is_finite()).fold(f64::INFINITY, |m, &v| m.min(f64::from(v)));
                if min.is_finite() { min - 1.0 } else { -1.0 }
            })
            .collect();
        MissingFill { fill }
    }

    /// The forest's input for `x`, column-major (`x.n_rows × fill.len()`).
    pub fn dense(&self, x: &FeatureMatrix) -> Result<Vec<f64>, GbdtError> {
        if x.n_cols() != self.fill.len() {
            return Err(GbdtError::FeatureCount { expected: self.fill.len(), got: x.n_cols() });
        }
        let mut out = Vec::with_capacity(x.n_rows * self.fill.len());
        for (j, &fill) in self.fill.iter().enumerate() {
            out.extend(x.column(j).iter().map(|&v| if v.is_finite() { f64::from(v) } else { fill }));
        }
        Ok(out)
    }
}

/// One regression tree, nodes in smartcore's order (the root first, children after their
/// parent). Node `k` is a leaf when `left[k] == 0`; otherwise a row goes to `left[k]` when
/// its `feature[k]` value is `<= threshold[k]` (smartcore's rule), else to `right[k]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tree {
    pub feature: Vec<u32>,
    pub threshold: Vec<f64>,
    pub left: Vec<u32>,
    pub right: Vec<u32>,
    /// The node's mean label (the prediction at a leaf).
    pub value: Vec<f64>,
}

impl Tree {
    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.value.len()
    }

    /// Whether the tree has no node (never true of a fitted or checked tree).
    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }

    /// The leaf value for the row whose feature `j` is `x(j)`.
    fn leaf(&self, x: impl Fn(usize) -> f64) -> f64 {
        let mut k = 0;
        loop {
            let l = self.left[k] as usize;
            if l == 0 {
                return self.value[k];
            }
            k = if x(self.feature[k] as usize) <= self.threshold[k] { l } else { self.right[k] as usize };
        }
    }

    /// Checks the structure a prediction walks: equal lengths, at least one node, children
    /// after their parent and inside the tree (so a walk ends), features in range, finite
    /// numbers.
    pub fn check(&self, n_features: usize) -> Result<(), GbdtError> {
        let n = self.value.len();
        if n == 0 || [self.feature.len(), self.threshold.len(), self.left.len(), self.right.len()].iter().any(|&m| m != n) {
            return Err(forest_err("a saved tree has no nodes or columns of different lengths"));
        }
        for k in 0..n {
            let (l, r) = (self.left[k] as usize, self.right[k] as usize);
            if !self.value[k].is_finite() {
                return Err(forest_err(format!("node {k} has a non-finite value")));
            }
            if l != 0 && (l <= k || r <= k || l >= n || r >= n || self.feature[k] as usize >= n_features || !self.threshold[k].is_finite()) {
                return Err(forest_err(format!("node {k} has children or a split outside the tree")));
            }
        }
        Ok(())
    }
}

/// What smartcore's serde layout holds for a forest (the fields tsforge reads).
#[derive(Deserialize)]
struct ScForest {
    forest_regressor: Option<ScBase>,
}

#[derive(Deserialize)]
struct ScBase {
    trees: Option<Vec<ScTree>>,
}

#[derive(Deserialize)]
struct ScTree {
    nodes: Vec<ScNode>,
}

#[derive(Deserialize)]
struct ScNode {
    output: f64,
    split_feature: usize,
    split_value: Option<f64>,
    split_score: Option<f64>,
    true_child: Option<usize>,
    false_child: Option<usize>,
}

/// How the trees grow (checked by the model's parameters).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Growth {
    pub n_trees: usize,
    pub max_depth: u16,
    pub min_samples_leaf: usize,
    /// Features tried at each split.
    pub mtry: usize,
    pub seed: u64,
}

/// A fitted forest and what its fit says.
#[derive(Debug, Clone, PartialEq)]
pub struct Grown {
    pub trees: Vec<Tree>,
    /// Per feature: summed impurity decrease (smartcore's split score) and split count.
    pub gain: Vec<(f64, f64)>,
    /// The deadline stopped the fit before `n_trees` trees.
    pub stopped: bool,
}

/// Grows `growth.n_trees` trees on the column-major `x` (`n_rows × n_cols`, no NaN) and
/// labels `y`, [`CHUNK`] trees per smartcore call; chunk `c` is seeded `seed + c·CHUNK`, so
/// tree `t` gets smartcore's per-tree seed `seed + t` as one big forest would. Between
/// chunks, `past_deadline()` ends the fit with the trees grown so far (at least one chunk).
pub fn grow(x: Vec<f64>, n_rows: usize, n_cols: usize, y: &[f64], growth: Growth, past_deadline: impl Fn() -> bool) -> Result<Grown, GbdtError> {
    if n_rows == 0 || n_cols == 0 {
        return Err(GbdtError::Empty { what: "random forest training matrix" });
    }
    if y.len() != n_rows {
        return Err(GbdtError::Shape { what: "random forest labels", expected: n_rows, got: y.len() });
    }
    let matrix = DenseMatrix::new(n_rows, n_cols, x, true).map_err(|e| forest_err(e.to_string()))?;
    let labels = y.to_vec();
    let mut trees = Vec::with_capacity(growth.n_trees);
    let mut gain = vec![(0.0, 0.0); n_cols];
    let mut stopped = false;
    while trees.len() < growth.n_trees {
        if !trees.is_empty() && past_deadline() {
            stopped = true;
            break;
        }
        let k = CHUNK.min(growth.n_trees - trees.len());
        let params = RandomForestRegressorParameters::default()
            .with_n_trees(k)
            .with_max_depth(growth.max_depth)
            .with_min_samples_leaf(growth.min_samples_leaf)
            .with_min_samples_split(2 * growth.min_samples_leaf)
            .with_m(growth.mtry.clamp(1, n_cols))
            .with_seed(growth.seed.wrapping_add(trees.len() as u64));
        let forest: RandomForestRegressor<f64, f64, DenseMatrix<f64>, Vec<f64>> = RandomForestRegressor::fit(&matrix, &labels, params).map_err(|e| forest_err(e.to_string()))?;
        let sc: ScForest = serde_json::from_value(serde_json::to_value(&forest)?)?;
        let chunk = sc.forest_regressor.and_then(|f| f.trees).ok_or_else(|| forest_err("smartcore returned a forest without trees"))?;
        for t in chunk {
            trees.push(convert(t, n_cols, &mut gain)?);
        }
    }
    Ok(Grown { trees, gain, stopped })
}

/// One smartcore tree in tsforge's form; adds its split scores to `gain`.
fn convert(t: ScTree, n_cols: usize, gain: &mut [(f64, f64)]) -> Result<Tree, GbdtError> {
    let n = t.nodes.len();
    let mut tree = Tree { feature: Vec::with_capacity(n), threshold: Vec::with_capacity(n), left: Vec::with_capacity(n), right: Vec::with_capacity(n), value: Vec::with_capacity(n) };
    let index = |c: usize| u32::try_from(c).map_err(|_| forest_err("a tree with more than 4 billion nodes"));
    for node in t.nodes {
        match (node.true_child, node.false_child, node.split_value) {
            (Some(l), Some(r), Some(s)) => {
                tree.feature.push(index(node.split_feature)?);
                tree.threshold.push(s);
                tree.left.push(index(l)?);
                tree.right.push(index(r)?);
                if let Some(g) = gain.get_mut(node.split_feature) {
                    g.0 += node.split_score.unwrap_or(0.0);
                    g.1 += 1.0;
                }
            }
            (None, None, _) => {
                tree.feature.push(0);
                tree.threshold.push(0.0);
                tree.left.push(0);
                tree.right.push(0);
            }
            _ => return Err(forest_err("smartcore returned a split node without both children")),
        }
        tree.value.push(node.output);
    }
    tree.check(n_cols)?;
    Ok(tree)
}

/// The forest's prediction for every row of the column-major `x` (`n_rows × n_cols`, trees
/// checked against `n_cols`): the mean of the trees' leaf values, summed in tree order as
/// smartcore does.
pub fn predict(trees: &[Tree], x: &[f64], n_rows: usize, n_cols: usize) -> Result<Vec<f64>, GbdtError> {
    if x.len() != n_rows * n_cols {
        return Err(GbdtError::Shape { what: "random forest input (rows × features)", expected: n_rows * n_cols, got: x.len() });
    }
    if trees.is_empty() {
        return Err(GbdtError::Empty { what: "random forest without trees" });
    }
    let n = trees.len() as f64;
    Ok((0..n_rows).map(|i| trees.iter().map(|t| t.leaf(|f| x[f * n_rows + i])).sum::<f64>() / n).collect())
}
