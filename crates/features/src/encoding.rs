//! Target encodings: the mean of the target over all series of a group (an item across
//! stores, a store's department, …) as of an anchor day, so a series borrows the level
//! of its peers. Computed per day from observed values only, and read at `t - shift`
//! like any target feature: nothing on or after the anchor's next day reaches day `t`,
//! which is what makes the encoding safe for training rows as well as forecast rows.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use tsforge_core::{Panel, SeriesAttrs};

/// The groups a target encoding averages over.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum GroupKey {
    Item,
    Dept,
    Cat,
    Store,
    State,
    StoreDept,
    StoreCat,
    /// The same item in every store of a state.
    StateItem,
}

impl GroupKey {
    pub fn name(self) -> &'static str {
        match self {
            GroupKey::Item => "item",
            GroupKey::Dept => "dept",
            GroupKey::Cat => "cat",
            GroupKey::Store => "store",
            GroupKey::State => "state",
            GroupKey::StoreDept => "store_dept",
            GroupKey::StoreCat => "store_cat",
            GroupKey::StateItem => "state_item",
        }
    }

    /// The group label of a series.
    pub fn label(self, a: &SeriesAttrs) -> String {
        match self {
            GroupKey::Item => a.item.clone(),
            GroupKey::Dept => a.dept.clone(),
            GroupKey::Cat => a.cat.clone(),
            GroupKey::Store => a.store.clone(),
            GroupKey::State => a.state.clone(),
            GroupKey::StoreDept => format!("{}/{}", a.store, a.dept),
            GroupKey::StoreCat => format!("{}/{}", a.store, a.cat),
            GroupKey::StateItem => format!("{}/{}", a.state, a.item),
        }
    }
}

/// Mean target of the series' group over the `window` days ending `shift` days before
/// the target day (over all days up to then when `window` is absent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TargetEncoding {
    pub by: GroupKey,
    pub shift: usize,
    #[serde(default)]
    pub window: Option<usize>,
}

impl TargetEncoding {
    pub fn name(&self) -> String {
        match self.window {
            Some(w) => format!("target_mean_by_{}_lag{}_window{w}", self.by.name(), self.shift),
            None => format!("target_mean_by_{}_lag{}", self.by.name(), self.shift),
        }
    }
}

/// One encoding computed over a panel: the group of each series and, per group, the
/// as-of mean for every anchor day (NaN when the group has no observation in the window).
#[derive(Debug, Clone)]
pub struct GroupMeans {
    group_of: Vec<usize>,
    n_time: usize,
    means: Vec<f32>,
}

impl GroupMeans {
    pub fn new(panel: &Panel, attrs: &[SeriesAttrs], enc: TargetEncoding) -> GroupMeans {
        let n_time = panel.n_time();
        let mut labels: BTreeMap<String, usize> = BTreeMap::new();
        for a in attrs {
            let next = labels.len();
            labels.entry(enc.by.label(a)).or_insert(next);
        }
        let group_of: Vec<usize> = attrs.iter().map(|a| labels.get(&enc.by.label(a)).copied().unwrap_or(0)).collect();
        let n_groups = labels.len();
        // Daily sums and counts of observed values per group.
        let mut sum = vec![0.0f64; n_groups * n_time];
        let mut count = vec![0u32; n_groups * n_time];
        for (i, &g) in group_of.iter().enumerate() {
            for (t, &v) in panel.row(i).iter().enumerate() {
                if !v.is_nan() {
                    sum[g * n_time + t] += f64::from(v);
                    count[g * n_time + t] += 1;
                }
            }
        }
        let mut means = vec![f32::NAN; n_groups * n_time];
        for g in 0..n_groups {
            let (s, c) = (&sum[g * n_time..(g + 1) * n_time], &count[g * n_time..(g + 1) * n_time]);
            let out = &mut means[g * n_time..(g + 1) * n_time];
            let (mut win_sum, mut win_count) = (0.0f64, 0u64);
            for t in 0..n_time {
                win_sum += s[t];
                win_count += u64::from(c[t]);
                if let Some(w) = enc.window
                    && t >= w
                {
                    win_sum -= s[t - w];
                    win_count -= u64::from(c[t - w]);
                }
                if win_count > 0 {
                    out[t] = (win_sum / win_count as f64) as f32;
                }
            }
        }
        GroupMeans { group_of, n_time, means }
    }

    /// The encoding of series `i` for target day `t` with `shift`.
    pub fn at(&self, i: usize, t: usize, shift: usize) -> f32 {
        match (t.checked_sub(shift), self.group_of.get(i)) {
            (Some(a), Some(&g)) if a < self.n_time => self.means[g * self.n_time + a],
            _ => f32::NAN,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsforge_core::{Freq, TimeIndex};

    fn attrs(item: &str, store: &str) -> SeriesAttrs {
        SeriesAttrs { item: item.into(), dept: "D".into(), cat: "C".into(), store: store.into(), state: "CA".into() }
    }

    #[test]
    fn group_means_by_hand() {
        let index = TimeIndex::Dates { start_days: 0, freq: Freq::Daily, len: 4 };
        // item A in two stores, item B in one
        let y = vec![1.0, 2.0, 3.0, 4.0, 3.0, f32::NAN, 5.0, 0.0, 10.0, 10.0, 10.0, 10.0];
        let mut p = Panel::dense(vec!["a1".into(), "a2".into(), "b1".into()], index, y).unwrap_or_else(|e| panic!("{e}"));
        let a = vec![attrs("A", "S1"), attrs("A", "S2"), attrs("B", "S1")];
        p.attrs = Some(a.clone());
        let by_item = GroupMeans::new(&p, &a, TargetEncoding { by: GroupKey::Item, shift: 1, window: Some(2) });
        // anchor 1 for day 2: item A's observed values on days 0..=1 are 1, 2, 3 → 2
        assert_eq!(by_item.at(0, 2, 1), 2.0);
        assert_eq!(by_item.at(1, 2, 1), 2.0);
        // anchor 3 for day 4: days 2..=3 → (3 + 4 + 5 + 0) / 4
        assert_eq!(by_item.at(0, 4, 1), 3.0);
        assert_eq!(by_item.at(2, 4, 1), 10.0);
        assert!(by_item.at(0, 0, 1).is_nan());
        assert!(by_item.at(0, 9, 1).is_nan());
        let expanding = GroupMeans::new(&p, &a, TargetEncoding { by: GroupKey::Store, shift: 2, window: None });
        // store S1 (a1, b1), anchor 1: (1 + 2 + 10 + 10) / 4
        assert_eq!(expanding.at(2, 3, 2), 5.75);
        assert_eq!(TargetEncoding { by: GroupKey::StoreDept, shift: 28, window: Some(7) }.name(), "target_mean_by_store_dept_lag28_window7");
    }
}
