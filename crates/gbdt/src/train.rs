//! Leaf-wise tree growth on histograms, and the boosting loop.

use rand::SeedableRng;
use rand::rngs::StdRng;
use rayon::prelude::*;

use crate::binning::{BinMapper, BinnedMatrix, fit_mappers};
use crate::error::{GbdtError, Result};
use crate::objective::Loss;
use crate::params::{GbdtParams, ValidGbdtParams};
use crate::tree::{CatSet, Tree, bit_is_set};
use crate::{Booster, Dataset};

/// Histogram slots per feature (bins are `u8`).
pub(crate) const STRIDE: usize = 256;
/// Below this many (rows × features) a histogram is built on the calling thread.
const PAR_MIN_WORK: usize = 1 << 16;

/// Sum of gradients, hessians and row count of one bin.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(crate) struct HistBin {
    pub g: f64,
    pub h: f64,
    pub n: u32,
}

/// Builds the histogram of one feature. `gh` is aligned with `rows` (ordered gradients) or,
/// when `rows` is `None`, with the column itself.
#[inline]
fn hist_feature(col: &[u8], rows: Option<&[u32]>, gh: &[[f32; 2]], out: &mut [HistBin; STRIDE]) {
    out.fill(HistBin::default());
    match rows {
        None => {
            for (&b, &[g, h]) in col.iter().zip(gh) {
                let e = &mut out[usize::from(b)];
                e.g += f64::from(g);
                e.h += f64::from(h);
                e.n += 1;
            }
        }
        Some(rows) => {
            for (&r, &[g, h]) in rows.iter().zip(gh) {
                let e = &mut out[usize::from(col[r as usize])];
                e.g += f64::from(g);
                e.h += f64::from(h);
                e.n += 1;
            }
        }
    }
}

/// Builds the histograms of the features flagged in `used`. Each feature is summed by one
/// thread in row order, so the result does not depend on the thread count.
pub(crate) fn build_hist(data: &BinnedMatrix, used: &[bool], rows: Option<&[u32]>, gh: &[[f32; 2]], hist: &mut [HistBin]) {
    let n = rows.map_or(data.n_rows, <[u32]>::len);
    let n_used = used.iter().filter(|&&u| u).count();
    let work = |(f, chunk): (usize, &mut [HistBin])| {
        if !used[f] {
            return;
        }
        if let Ok(out) = <&mut [HistBin; STRIDE]>::try_from(chunk) {
            hist_feature(data.col(f), rows, gh, out);
        }
    };
    if n * n_used >= PAR_MIN_WORK {
        hist.par_chunks_mut(STRIDE).enumerate().for_each(work);
    } else {
        hist.chunks_mut(STRIDE).enumerate().for_each(work);
    }
}

/// `parent -= child` on the used features.
pub(crate) fn subtract_hist(parent: &mut [HistBin], child: &[HistBin], used: &[bool]) {
    for ((p, c), &u) in parent.chunks_mut(STRIDE).zip(child.chunks(STRIDE)).zip(used) {
        if !u {
            continue;
        }
        for (a, b) in p.iter_mut().zip(c) {
            a.g -= b.g;
            a.h -= b.h;
            a.n = a.n.saturating_sub(b.n);
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct SplitInfo {
    gain: f64,
    feature: usize,
    bin: u8,
    default_left: bool,
    left: (f64, f64),
    right: (f64, f64),
    cat: Option<[u64; 4]>,
}

#[inline]
fn threshold_l1(g: f64, l1: f64) -> f64 {
    if g > l1 {
        g - l1
    } else if g < -l1 {
        g + l1
    } else {
        0.0
    }
}

#[inline]
fn leaf_gain(g: f64, h: f64, p: &GbdtParams) -> f64 {
    let t = threshold_l1(g, p.lambda_l1);
    t * t / (h + p.lambda_l2)
}

#[inline]
fn leaf_output(g: f64, h: f64, p: &GbdtParams) -> f64 {
    let d = h + p.lambda_l2;
    if d > 0.0 { -threshold_l1(g, p.lambda_l1) / d } else { 0.0 }
}

/// (gain, threshold bin, default_left, left (grad, hess) sums, categorical left set).
type FeatureSplit = (f64, u8, bool, (f64, f64), Option<[u64; 4]>);

/// Best threshold of one feature: rows with bins `1..=t` (plus missing if `default_left`) go
/// left. Scans like LightGBM: first high-to-low with missing values left, then (when the leaf
/// has missing values) low-to-high with missing values right, up to "all values left, missing
/// right"; a later candidate wins only with a strictly larger gain.
fn best_split_feature(hist: &[HistBin], nb: usize, total: (f64, f64, usize), p: &GbdtParams) -> Option<FeatureSplit> {
    let (tg, th, tn) = total;
    let parent = leaf_gain(tg, th, p);
    let miss = hist[0];
    let mut best: Option<FeatureSplit> = None;
    let min_n = p.min_data_in_leaf;
    let min_h = p.min_sum_hessian_in_leaf;
    let nb = nb.min(STRIDE);
    let mut consider = |t: usize, dl: bool, (lg, lh, ln): (f64, f64, usize), (rg, rh, rn): (f64, f64, usize)| {
        if ln < min_n || rn < min_n || lh < min_h || rh < min_h {
            return;
        }
        let gain = leaf_gain(lg, lh, p) + leaf_gain(rg, rh, p) - parent;
        if gain > p.min_gain_to_split && best.is_none_or(|b| gain > b.0) {
            best = Some((gain, t as u8, dl, (lg, lh), None));
        }
    };
    // Missing left: accumulate the right side from the highest value bin down.
    let (mut rg, mut rh, mut rn) = (0.0f64, 0.0f64, 0usize);
    for t in (1..nb.saturating_sub(1)).rev() {
        let b = hist[t + 1];
        rg += b.g;
        rh += b.h;
        rn += b.n as usize;
        consider(t, true, (tg - rg, th - rh, tn.saturating_sub(rn)), (rg, rh, rn));
    }
    // Missing right: accumulate the left side from the lowest value bin up.
    if miss.n > 0 {
        let (mut lg, mut lh, mut ln) = (0.0f64, 0.0f64, 0usize);
        for (t, &b) in hist.iter().enumerate().take(nb).skip(1) {
            lg += b.g;
            lh += b.h;
            ln += b.n as usize;
            consider(t, false, (lg, lh, ln), (tg - lg, th - lh, tn.saturating_sub(ln)));
        }
    }
    best
}

/// Best categorical split: LightGBM-style one-vs-rest for few categories, otherwise categories
/// sorted by `g / (h + cat_smooth)` and the best prefix from either end (at most
/// `max_cat_threshold` categories) goes left. Bin 0 (missing/other) always goes right.
fn best_split_categorical(hist: &[HistBin], nb: usize, total: (f64, f64, usize), p: &GbdtParams) -> Option<FeatureSplit> {
    let (tg, th, tn) = total;
    let min_n = p.min_data_in_leaf;
    let min_h = p.min_sum_hessian_in_leaf;
    let mut best: Option<FeatureSplit> = None;
    let mut consider = |set: &[u64; 4], lg: f64, lh: f64, ln: usize, l2_extra: f64, min_group: usize| {
        let (rg, rh, rn) = (tg - lg, th - lh, tn.saturating_sub(ln));
        if ln < min_n.max(min_group) || rn < min_n.max(min_group) || lh < min_h || rh < min_h {
            return;
        }
        let gain_of = |g: f64, h: f64| {
            let t = threshold_l1(g, p.lambda_l1);
            t * t / (h + p.lambda_l2 + l2_extra)
        };
        let gain = gain_of(lg, lh) + gain_of(rg, rh) - gain_of(tg, th);
        if gain > p.min_gain_to_split && best.is_none_or(|b| gain > b.0) {
            best = Some((gain, 0, false, (lg, lh), Some(*set)));
        }
    };
    let nb = nb.min(STRIDE);
    if nb.saturating_sub(1) <= p.max_cat_to_onehot {
        for (b, e) in hist.iter().enumerate().take(nb).skip(1) {
            if e.n == 0 {
                continue;
            }
            let mut set = [0u64; 4];
            set[b >> 6] |= 1 << (b & 63);
            consider(&set, e.g, e.h, e.n as usize, 0.0, 0);
        }
        return best;
    }
    let min_cnt = p.cat_smooth.max(1.0);
    let mut cand: Vec<usize> = (1..nb).filter(|&b| f64::from(hist[b].n) >= min_cnt).collect();
    let score = |b: usize| hist[b].g / (hist[b].h + p.cat_smooth);
    cand.sort_by(|&a, &b| score(a).total_cmp(&score(b)));
    let max_k = p.max_cat_threshold.min(cand.len().div_ceil(2));
    for forward in [true, false] {
        let (mut lg, mut lh, mut ln) = (0.0, 0.0, 0usize);
        let mut set = [0u64; 4];
        for k in 0..max_k {
            let b = if forward { cand[k] } else { cand[cand.len() - 1 - k] };
            let e = hist[b];
            lg += e.g;
            lh += e.h;
            ln += e.n as usize;
            set[b >> 6] |= 1 << (b & 63);
            consider(&set, lg, lh, ln, p.cat_l2, p.min_data_per_group);
        }
    }
    best
}

/// Grows one tree at a time; buffers are allocated once per fit.
struct Grower<'a> {
    p: &'a GbdtParams,
    data: &'a BinnedMatrix,
    mappers: &'a [BinMapper],
    hists: Vec<Vec<HistBin>>,
    indices: Vec<u32>,
    scratch: Vec<u32>,
    ordered: Vec<[f32; 2]>,
    leaf_start: Vec<usize>,
    leaf_count: Vec<usize>,
    leaf_sum: Vec<(f64, f64)>,
    leaf_depth: Vec<usize>,
    leaf_parent: Vec<i32>,
    leaf_is_left: Vec<bool>,
    best: Vec<Option<SplitInfo>>,
    n_leaves: usize,
}

impl<'a> Grower<'a> {
    fn new(p: &'a GbdtParams, data: &'a BinnedMatrix, mappers: &'a [BinMapper]) -> Self {
        let nl = p.num_leaves;
        Grower {
            p,
            data,
            mappers,
            // One histogram slot per leaf, allocated on first use: small trees never touch most.
            hists: (0..nl).map(|_| Vec::new()).collect(),
            indices: Vec::with_capacity(data.n_rows),
            scratch: vec![0; data.n_rows],
            ordered: vec![[0.0; 2]; data.n_rows],
            leaf_start: vec![0; nl],
            leaf_count: vec![0; nl],
            leaf_sum: vec![(0.0, 0.0); nl],
            leaf_depth: vec![0; nl],
            leaf_parent: vec![-1; nl],
            leaf_is_left: vec![false; nl],
            best: vec![None; nl],
            n_leaves: 0,
        }
    }

    fn ensure_hist(&mut self, slot: usize) {
        let len = self.mappers.len() * STRIDE;
        if self.hists[slot].len() != len {
            self.hists[slot] = vec![HistBin::default(); len];
        }
    }

    fn can_split(&self, leaf: usize) -> bool {
        let depth_ok = self.p.max_depth.is_none_or(|d| self.leaf_depth[leaf] < d);
        depth_ok && self.leaf_count[leaf] >= 2 * self.p.min_data_in_leaf && self.leaf_sum[leaf].1 >= 2.0 * self.p.min_sum_hessian_in_leaf
    }

    fn find_best(&self, leaf: usize, used: &[bool]) -> Option<SplitInfo> {
        if !self.can_split(leaf) {
            return None;
        }
        let hist = &self.hists[leaf];
        let (g, h) = self.leaf_sum[leaf];
        let total = (g, h, self.leaf_count[leaf]);
        let eval = |f: usize| -> Option<(usize, FeatureSplit)> {
            if !used[f] {
                return None;
            }
            let nb = self.mappers[f].num_bins().min(STRIDE);
            let h = &hist[f * STRIDE..(f + 1) * STRIDE];
            if self.mappers[f].is_categorical() { best_split_categorical(h, nb, total, self.p).map(|s| (f, s)) } else { best_split_feature(h, nb, total, self.p).map(|s| (f, s)) }
        };
        let cands: Vec<Option<(usize, FeatureSplit)>> =
            if self.leaf_count[leaf] * used.len() >= PAR_MIN_WORK { (0..used.len()).into_par_iter().map(eval).collect() } else { (0..used.len()).map(eval).collect() };
        let mut best: Option<SplitInfo> = None;
        for (f, (gain, bin, dl, left, cat)) in cands.into_iter().flatten() {
            if best.is_none_or(|b| gain > b.gain) {
                best = Some(SplitInfo { gain, feature: f, bin, default_left: dl, left, right: (g - left.0, h - left.1), cat });
            }
        }
        best
    }

    /// Builds the histogram of `leaf`'s rows into slot `slot`.
    fn build_leaf_hist(&mut self, leaf: usize, slot: usize, gh: &[[f32; 2]], used: &[bool], rows_are_all: bool) {
        self.ensure_hist(slot);
        let (s, c) = (self.leaf_start[leaf], self.leaf_count[leaf]);
        let hist = &mut self.hists[slot];
        if rows_are_all {
            build_hist(self.data, used, None, gh, hist);
        } else {
            let rows = &self.indices[s..s + c];
            let ordered = &mut self.ordered[..c];
            for (o, &r) in ordered.iter_mut().zip(rows) {
                *o = gh[r as usize];
            }
            build_hist(self.data, used, Some(rows), ordered, hist);
        }
    }

    /// Stable in-place partition of `leaf`'s rows; returns the left count.
    fn partition(&mut self, leaf: usize, feature: usize, bin: u8, default_left: bool, cat: Option<&[u64; 4]>) -> usize {
        match cat {
            Some(set) => self.partition_by(leaf, feature, |b| bit_is_set(set, b)),
            None => self.partition_by(leaf, feature, |b| if b == 0 { default_left } else { b <= bin }),
        }
    }

    fn partition_by(&mut self, leaf: usize, feature: usize, goes_left: impl Fn(u8) -> bool) -> usize {
        let (s, c) = (self.leaf_start[leaf], self.leaf_count[leaf]);
        let col = self.data.col(feature);
        let range = &mut self.indices[s..s + c];
        let (mut nl, mut nr) = (0usize, 0usize);
        for i in 0..c {
            let r = range[i];
            if goes_left(col[r as usize]) {
                range[nl] = r;
                nl += 1;
            } else {
                self.scratch[nr] = r;
                nr += 1;
            }
        }
        range[nl..].copy_from_slice(&self.scratch[..nr]);
        nl
    }

    fn grow(&mut self, bag: &[u32], gh: &[[f32; 2]], used: &[bool]) -> Tree {
        let p = self.p;
        self.indices.clear();
        self.indices.extend_from_slice(bag);
        self.n_leaves = 1;
        self.leaf_start[0] = 0;
        self.leaf_count[0] = bag.len();
        self.leaf_depth[0] = 0;
        self.leaf_parent[0] = -1;
        let (mut g0, mut h0) = (0.0f64, 0.0f64);
        for &r in bag {
            let [g, h] = gh[r as usize];
            g0 += f64::from(g);
            h0 += f64::from(h);
        }
        self.leaf_sum[0] = (g0, h0);
        let mut tree = Tree::with_leaf(0.0);
        tree.leaf_value.clear();
        if self.can_split(0) {
            self.build_leaf_hist(0, 0, gh, used, bag.len() == self.data.n_rows);
            self.best[0] = self.find_best(0, used);
        } else {
            self.best[0] = None;
        }
        while self.n_leaves < p.num_leaves {
            let mut pick: Option<(usize, f64)> = None;
            for l in 0..self.n_leaves {
                if let Some(s) = self.best[l]
                    && pick.is_none_or(|(_, g)| s.gain > g)
                {
                    pick = Some((l, s.gain));
                }
            }
            let Some((leaf, _)) = pick else { break };
            let Some(s) = self.best[leaf].take() else { break };
            let new = self.n_leaves;
            self.n_leaves += 1;
            let count = self.leaf_count[leaf];
            let nl = self.partition(leaf, s.feature, s.bin, s.default_left, s.cat.as_ref());
            self.leaf_start[new] = self.leaf_start[leaf] + nl;
            self.leaf_count[new] = count - nl;
            self.leaf_count[leaf] = nl;
            let node = tree.split_feature.len() as i32;
            tree.split_feature.push(s.feature as u32);
            let mapper = &self.mappers[s.feature];
            match (&s.cat, &mapper.categories) {
                (Some(set), Some(cats)) => {
                    let mut values: Vec<i32> = (1..cats.len() + 1).filter(|&b| bit_is_set(set, b as u8)).map(|b| cats[b - 1]).collect();
                    values.sort_unstable();
                    tree.cat_index.push(tree.cat_sets.len() as i32);
                    tree.cat_sets.push(CatSet { bins: *set, values });
                    tree.threshold.push(0.0);
                }
                _ => {
                    tree.cat_index.push(-1);
                    tree.threshold.push(mapper.threshold(s.bin));
                }
            }
            tree.threshold_bin.push(s.bin);
            tree.default_left.push(s.default_left);
            tree.left.push(!(leaf as i32));
            tree.right.push(!(new as i32));
            tree.split_gain.push(s.gain);
            let parent = self.leaf_parent[leaf];
            if parent >= 0 {
                let pi = parent as usize;
                if self.leaf_is_left[leaf] {
                    tree.left[pi] = node;
                } else {
                    tree.right[pi] = node;
                }
            }
            self.leaf_parent[leaf] = node;
            self.leaf_is_left[leaf] = true;
            self.leaf_parent[new] = node;
            self.leaf_is_left[new] = false;
            self.leaf_depth[leaf] += 1;
            self.leaf_depth[new] = self.leaf_depth[leaf];
            self.leaf_sum[leaf] = s.left;
            self.leaf_sum[new] = s.right;
            self.best[new] = None;
            if self.n_leaves == p.num_leaves || !(self.can_split(leaf) || self.can_split(new)) {
                continue;
            }
            // Histogram subtraction: build the smaller child, derive the larger from the parent.
            let small = if nl <= count - nl { leaf } else { new };
            self.build_leaf_hist(small, new, gh, used, false);
            // `leaf < new` always holds: new leaves take the next id.
            let (a, b) = self.hists.split_at_mut(new);
            subtract_hist(&mut a[leaf], &b[0], used);
            if small == leaf {
                self.hists.swap(leaf, new);
            }
            self.best[leaf] = self.find_best(leaf, used);
            self.best[new] = self.find_best(new, used);
        }
        tree.leaf_value = (0..self.n_leaves)
            .map(|l| {
                let (g, h) = self.leaf_sum[l];
                leaf_output(g, h, p) * p.learning_rate
            })
            .collect();
        tree
    }

    /// Rows of each leaf of the last grown tree.
    fn leaf_rows(&self, leaf: usize) -> &[u32] {
        let s = self.leaf_start[leaf];
        &self.indices[s..s + self.leaf_count[leaf]]
    }
}

fn check_weights(w: Option<&[f64]>) -> Result<()> {
    if let Some(w) = w {
        for (row, &v) in w.iter().enumerate() {
            if !(v.is_finite() && v >= 0.0) {
                return Err(GbdtError::InvalidWeight { row, reason: format!("must be finite and >= 0, got {v}") });
            }
        }
        if w.iter().sum::<f64>() <= 0.0 {
            return Err(GbdtError::InvalidWeight { row: 0, reason: "weights sum to zero".into() });
        }
    }
    Ok(())
}

pub(crate) fn train(vp: &ValidGbdtParams, train: &Dataset<'_>, valid: Option<&Dataset<'_>>) -> Result<Booster> {
    let p = &vp.0;
    let loss = Loss::from_params(p);
    loss.check_labels(train.label, train.weight)?;
    check_weights(train.weight)?;
    if let Some(v) = valid {
        if v.n_cols != train.n_cols {
            return Err(GbdtError::FeatureCount { expected: train.n_cols, got: v.n_cols });
        }
        loss.check_labels(v.label, v.weight).or_else(|e| match e {
            // an all-zero validation window is fine for Poisson/Tweedie
            GbdtError::Labels { .. } => Ok(()),
            e => Err(e),
        })?;
        check_weights(v.weight)?;
    }
    if p.early_stopping_rounds.is_some() && valid.is_none() {
        return Err(GbdtError::InvalidParam { name: "early_stopping_rounds", reason: "needs a validation set".into() });
    }
    if train.n_rows > u32::MAX as usize {
        return Err(GbdtError::Shape { what: "rows (at most u32::MAX)", expected: u32::MAX as usize, got: train.n_rows });
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(p.num_threads).build().map_err(|e| GbdtError::ThreadPool(e.to_string()))?;
    pool.install(|| train_inner(p, vp.1, loss, train, valid))
}

fn train_inner(p: &GbdtParams, deadline: Option<std::time::Instant>, loss: Loss, train: &Dataset<'_>, valid: Option<&Dataset<'_>>) -> Result<Booster> {
    use rand::Rng;
    let n = train.n_rows;
    let nf = train.n_cols;
    let mut is_cat = vec![false; nf];
    for &c in &p.categorical_features {
        match is_cat.get_mut(c) {
            Some(v) => *v = true,
            None => {
                return Err(GbdtError::InvalidParam { name: "categorical_features", reason: format!("column {c} does not exist (the data has {nf} columns)") });
            }
        }
    }
    let mappers = fit_mappers(train.x, n, nf, p.max_bin, p.bin_construct_sample_cnt, &is_cat);
    let data = BinnedMatrix::build(train.x, n, &mappers);
    let vdata = valid.map(|v| BinnedMatrix::build(v.x, v.n_rows, &mappers));
    let init = if p.boost_from_average { loss.init_score(train.label, train.weight) } else { 0.0 };
    let mut scores = vec![init; n];
    let mut vscores = vec![init; valid.map_or(0, |v| v.n_rows)];
    let mut gh = vec![[0.0f32; 2]; n];
    let mut rng = StdRng::seed_from_u64(p.seed);
    let bagging = p.bagging_freq > 0 && p.bagging_fraction < 1.0;
    let mut bag: Vec<u32> = (0..n as u32).collect();
    let mut used = vec![true; nf];
    let mut grower = Grower::new(p, &data, &mappers);
    let mut trees: Vec<Tree> = Vec::new();
    let mut history: Vec<f64> = Vec::new();
    let mut best: Option<(usize, f64)> = None;
    let y = train.label;
    let w = train.weight;
    for iter in 0..p.num_iterations {
        gh.par_iter_mut().zip(scores.par_iter()).enumerate().for_each(|(i, (o, &f))| {
            let (g, h) = loss.grad_hess(f, y[i]);
            let wi = w.map_or(1.0, |w| w[i]);
            *o = [(g * wi) as f32, (h * wi) as f32];
        });
        if bagging && iter % p.bagging_freq == 0 {
            bag.clear();
            for r in 0..n as u32 {
                if rng.random::<f64>() < p.bagging_fraction {
                    bag.push(r);
                }
            }
        }
        if p.feature_fraction < 1.0 {
            let k = ((p.feature_fraction * nf as f64).round() as usize).clamp(1, nf);
            used.fill(false);
            for f in rand::seq::index::sample(&mut rng, nf, k) {
                used[f] = true;
            }
        }
        let tree = grower.grow(&bag, &gh, &used);
        if !tree.leaf_value.iter().all(|v| v.is_finite()) {
            return Err(GbdtError::Diverged { iteration: iter });
        }
        if tree.num_leaves() < 2 {
            break; // no split meets the requirements: further trees would be constants
        }
        if bagging {
            let bins = &data;
            scores.par_iter_mut().enumerate().for_each(|(i, s)| {
                *s += tree.leaf_value[tree.leaf_binned(|f| bins.bins[f * n + i])];
            });
        } else {
            for (l, &v) in tree.leaf_value.iter().enumerate() {
                for &r in grower.leaf_rows(l) {
                    scores[r as usize] += v;
                }
            }
        }
        if let (Some(v), Some(vd)) = (valid, vdata.as_ref()) {
            let vn = v.n_rows;
            vscores.par_iter_mut().enumerate().for_each(|(i, s)| {
                *s += tree.leaf_value[tree.leaf_binned(|f| vd.bins[f * vn + i])];
            });
            let m = loss.mean_loss(&vscores, v.label, v.weight);
            history.push(m);
            if best.is_none_or(|(_, b)| m < b) {
                best = Some((iter, m));
            }
        }
        trees.push(tree);
        if deadline.is_some_and(|d| std::time::Instant::now() >= d) {
            break; // the run's time limit: keep the trees grown so far
        }
        if let (Some(rounds), Some((bi, _))) = (p.early_stopping_rounds, best)
            && iter - bi >= rounds
        {
            break;
        }
    }
    let best_iteration = match (p.early_stopping_rounds, best) {
        (Some(_), Some((bi, _))) => {
            trees.truncate(bi + 1);
            Some(bi + 1)
        }
        _ => None,
    };
    Ok(Booster::new(loss, init, nf, trees, best_iteration, history))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn random_data(n: usize, nf: usize, seed: u64) -> (Vec<f32>, Vec<f64>) {
        use rand::Rng;
        let mut rng = StdRng::seed_from_u64(seed);
        let x: Vec<f32> = (0..n * nf).map(|_| if rng.random::<f64>() < 0.05 { f32::NAN } else { rng.random::<f32>() }).collect();
        let y: Vec<f64> = (0..n).map(|i| f64::from(x[i].max(0.0)) * 3.0 + rng.random::<f64>()).collect();
        (x, y)
    }

    #[test]
    fn subtraction_equals_direct_construction() {
        let (n, nf) = (3000, 5);
        let (x, y) = random_data(n, nf, 1);
        let mappers = fit_mappers(&x, n, nf, 255, 200_000, &[]);
        let data = BinnedMatrix::build(&x, n, &mappers);
        let gh: Vec<[f32; 2]> = y.iter().map(|&v| [v as f32, 1.0 + v as f32 * 0.1]).collect();
        let used = vec![true; nf];
        let p = GbdtParams::default();
        let mut gr = Grower::new(&p, &data, &mappers);
        let bag: Vec<u32> = (0..n as u32).collect();
        gr.indices = bag.clone();
        gr.leaf_count[0] = n;
        gr.build_leaf_hist(0, 0, &gh, &used, true);
        let parent = gr.hists[0].clone();
        let nl = gr.partition(0, 2, 100, true, None);
        gr.leaf_count[0] = nl;
        gr.leaf_start[1] = nl;
        gr.leaf_count[1] = n - nl;
        gr.build_leaf_hist(0, 0, &gh, &used, false);
        gr.build_leaf_hist(1, 1, &gh, &used, false);
        let mut derived = parent.clone();
        subtract_hist(&mut derived, &gr.hists[0], &used);
        assert!(nl > 0 && nl < n);
        for (d, direct) in derived.iter().zip(&gr.hists[1]) {
            assert_eq!(d.n, direct.n);
            assert!((d.g - direct.g).abs() < 1e-6 * (1.0 + direct.g.abs()));
            assert!((d.h - direct.h).abs() < 1e-6 * (1.0 + direct.h.abs()));
        }
        // the partition is stable and complete
        assert!(gr.indices[..nl].windows(2).all(|w| w[0] < w[1]));
        assert!(gr.indices[nl..].windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn best_split_respects_min_data() {
        let mut hist = vec![HistBin::default(); STRIDE];
        hist[1] = HistBin { g: -5.0, h: 5.0, n: 5 };
        hist[2] = HistBin { g: 5.0, h: 5.0, n: 5 };
        let p = GbdtParams { min_data_in_leaf: 5, ..Default::default() };
        let s = best_split_feature(&hist, 3, (0.0, 10.0, 10), &p);
        assert!(matches!(s, Some((_, 1, true, _, None))));
        let p = GbdtParams { min_data_in_leaf: 6, ..Default::default() };
        assert!(best_split_feature(&hist, 3, (0.0, 10.0, 10), &p).is_none());
    }
}
