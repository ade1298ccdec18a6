//! A stratified sample of series for the search stage (`--stage search --sample N`):
//! the search chooses configurations on fewer series, the shards fit them on all.
//! Strata are (store, department, Syntetos-Boylan class) on M5 data and the class
//! alone elsewhere, each given its share of N (largest remainders), so a sample keeps
//! the mix of stores and of smooth, erratic, intermittent and lumpy series.

use std::collections::BTreeMap;

use rand::seq::SliceRandom;
use rand::{SeedableRng, rngs::StdRng};
use tsforge_core::Panel;
use tsforge_core::sparsity::classify;

/// Positions (in panel order) of `n` series drawn with `seed`; every series when `n`
/// is at least the panel's size.
pub fn stratified(panel: &Panel, n: usize, seed: u64) -> Vec<usize> {
    let total = panel.n_series();
    if n >= total {
        return (0..total).collect();
    }
    let mut strata: BTreeMap<(String, String, &'static str), Vec<usize>> = BTreeMap::new();
    for i in 0..total {
        let class = classify(panel.observed(i)).name();
        let (store, dept) = panel.attrs.as_ref().map(|a| (a[i].store.clone(), a[i].dept.clone())).unwrap_or_default();
        strata.entry((store, dept, class)).or_default().push(i);
    }
    // each stratum's share of n, rounded down, then one more to the largest remainders
    let exact: Vec<f64> = strata.values().map(|s| s.len() as f64 * n as f64 / total as f64).collect();
    let mut take: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..exact.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    for &k in order.iter().take(n.saturating_sub(take.iter().sum())) {
        take[k] += 1;
    }
    let mut rng = StdRng::seed_from_u64(seed);
    let mut out: Vec<usize> = Vec::with_capacity(n);
    for (members, &k) in strata.values().zip(&take) {
        let mut members = members.clone();
        members.shuffle(&mut rng);
        out.extend(members.into_iter().take(k));
    }
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsforge_core::TimeIndex;

    fn panel(rows: &[&[f32]]) -> Panel {
        let len = rows[0].len();
        let ids = (0..rows.len()).map(|i| format!("s{i}")).collect();
        Panel::dense(ids, TimeIndex::Periods { start: 0, len }, rows.concat()).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn a_sample_keeps_each_demand_class_in_proportion() {
        let smooth: &[f32] = &[3.0, 4.0, 3.0, 5.0, 4.0, 3.0, 4.0, 4.0];
        let lumpy: &[f32] = &[0.0, 0.0, 9.0, 0.0, 0.0, 0.0, 1.0, 0.0];
        // 6 smooth and 3 lumpy series: a third of them is 2 smooth and 1 lumpy
        let p = panel(&[smooth, smooth, lumpy, smooth, smooth, lumpy, smooth, smooth, lumpy]);
        let s = stratified(&p, 3, 7);
        let lumpy_taken = s.iter().filter(|&&i| i % 3 == 2).count();
        assert_eq!((s.len(), lumpy_taken), (3, 1), "{s:?}");
        assert!(s.windows(2).all(|w| w[0] < w[1]), "panel order");
        assert_eq!(stratified(&p, 3, 7), s, "the seed fixes the sample");
        assert_eq!(stratified(&p, 20, 7), (0..9).collect::<Vec<_>>());
    }
}
