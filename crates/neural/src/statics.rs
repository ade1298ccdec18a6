//! Static covariates: which attribute of a series (item, dept, cat, store, state) a
//! network looks up in an embedding table, and the vocabulary mapping values to rows.
//!
//! The vocabulary is learned from the panel a model is fitted on and then kept for
//! every window that model sees (a store's subset when fine-tuning included), so one
//! value has one row everywhere. Row 0 is "unknown": panels without attributes, or a
//! value the vocabulary has not seen.

use serde::{Deserialize, Serialize};
use tsforge_core::Panel;
use tsforge_core::hierarchy::SeriesAttrs;

/// An attribute of an M5 series with an embedding of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaticKey {
    Item,
    Dept,
    Cat,
    Store,
    State,
}

impl StaticKey {
    pub const ALL: [StaticKey; 5] = [StaticKey::Item, StaticKey::Dept, StaticKey::Cat, StaticKey::Store, StaticKey::State];

    pub fn name(self) -> &'static str {
        match self {
            StaticKey::Item => "item",
            StaticKey::Dept => "dept",
            StaticKey::Cat => "cat",
            StaticKey::Store => "store",
            StaticKey::State => "state",
        }
    }

    /// `item`, `dept`, `cat`, `store` or `state`.
    pub fn parse(name: &str) -> Option<StaticKey> {
        StaticKey::ALL.into_iter().find(|k| k.name() == name)
    }

    fn of(self, a: &SeriesAttrs) -> &str {
        match self {
            StaticKey::Item => &a.item,
            StaticKey::Dept => &a.dept,
            StaticKey::Cat => &a.cat,
            StaticKey::Store => &a.store,
            StaticKey::State => &a.state,
        }
    }
}

/// Per key, the sorted distinct values seen at fit time (row `k + 1` of the key's table).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Vocabulary {
    keys: Vec<StaticKey>,
    values: Vec<Vec<String>>,
}

impl Vocabulary {
    /// The values of `keys` in `panel` (empty lists where the panel has no attributes).
    pub fn learn(panel: &Panel, keys: &[StaticKey]) -> Vocabulary {
        let values = keys
            .iter()
            .map(|&key| {
                let mut v: Vec<String> = panel.attrs.iter().flatten().map(|a| key.of(a).to_string()).collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .collect();
        Vocabulary { keys: keys.to_vec(), values }
    }

    pub fn keys(&self) -> &[StaticKey] {
        &self.keys
    }

    /// Rows of each key's table: its values plus the "unknown" row 0.
    pub fn table_sizes(&self) -> Vec<usize> {
        self.values.iter().map(|v| v.len() + 1).collect()
    }

    /// The table rows of series `i` of `panel`, one per key (0 where unknown).
    pub fn rows_of(&self, panel: &Panel, i: usize) -> Vec<usize> {
        let attrs = panel.attrs.as_ref().and_then(|a| a.get(i));
        self.keys
            .iter()
            .zip(&self.values)
            .map(|(&key, values)| attrs.and_then(|a| values.binary_search_by(|v| v.as_str().cmp(key.of(a))).ok()).map_or(0, |k| k + 1))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsforge_core::TimeIndex;

    fn panel(stores: &[&str]) -> Panel {
        let n = stores.len();
        let mut p = Panel::dense((0..n).map(|i| format!("s{i}")).collect(), TimeIndex::Periods { start: 0, len: 3 }, vec![1.0; 3 * n]).unwrap_or_else(|e| panic!("{e}"));
        p.attrs = Some(
            stores
                .iter()
                .enumerate()
                .map(|(i, s)| SeriesAttrs { item: format!("item{}", i % 2), dept: "d".into(), cat: "c".into(), store: (*s).into(), state: s[..2].into() })
                .collect(),
        );
        p
    }

    #[test]
    fn rows_follow_the_sorted_values_with_zero_for_unknown() {
        let fit = panel(&["TX_1", "CA_2", "CA_1"]);
        let vocab = Vocabulary::learn(&fit, &[StaticKey::Store, StaticKey::State, StaticKey::Item]);
        assert_eq!(vocab.table_sizes(), vec![4, 3, 3]);
        assert_eq!(vocab.rows_of(&fit, 0), vec![3, 2, 1]);
        assert_eq!(vocab.rows_of(&fit, 2), vec![1, 1, 1]);
        // another panel: a store never seen is row 0, known ones keep their rows
        let other = panel(&["WI_1", "CA_1"]);
        assert_eq!(vocab.rows_of(&other, 0), vec![0, 0, 1]);
        assert_eq!(vocab.rows_of(&other, 1), vec![1, 1, 2]);
        // no attributes at all
        let mut bare = other.clone();
        bare.attrs = None;
        assert_eq!(vocab.rows_of(&bare, 1), vec![0, 0, 0]);
        assert_eq!(Vocabulary::learn(&bare, &[StaticKey::Dept]).table_sizes(), vec![1]);
    }

    #[test]
    fn keys_parse_by_name() {
        for k in StaticKey::ALL {
            assert_eq!(StaticKey::parse(k.name()), Some(k));
        }
        assert_eq!(StaticKey::parse("region"), None);
    }
}
