//! Static covariates: which hierarchy ids of a series (item, dept, cat, store, state:
//! [`IdKey`]) a network looks up in embedding tables, and which table row each series
//! gets from the fit's vocabulary ([`tsforge_features::Vocabulary`], the same one the
//! GBDT models code their id features with).
//!
//! The vocabulary is learned from the panel a model is fitted on and then kept for
//! every window that model sees (a store's subset when fine-tuning included), so one
//! value has one row everywhere. Row 0 is "unknown": panels without attributes, or a
//! value the vocabulary has not seen; row `k + 1` is the `k`-th value of the sorted table.

use tsforge_core::{IdKey, Panel};
use tsforge_features::Vocabulary;

/// Rows of each key's table: its values plus the "unknown" row 0.
pub fn table_sizes(vocabulary: &Vocabulary, keys: &[IdKey]) -> Vec<usize> {
    keys.iter().map(|&k| vocabulary.ids(k).len() + 1).collect()
}

/// The table rows of series `i` of `panel`, one per key (0 where unknown).
pub fn rows_of(vocabulary: &Vocabulary, keys: &[IdKey], panel: &Panel, i: usize) -> Vec<usize> {
    let attrs = panel.attrs.as_ref().and_then(|a| a.get(i));
    keys.iter().map(|&key| attrs.and_then(|a| vocabulary.position(key, key.of(a))).map_or(0, |k| k + 1)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsforge_core::{SeriesAttrs, TimeIndex};

    fn panel(stores: &[&str]) -> Panel {
        let n = stores.len();
        let mut p = Panel::dense((0..n).map(|i| format!("s{i}")).collect(), TimeIndex::Periods { start: 0, len: 3 }, vec![1.0; 3 * n]).unwrap_or_else(|e| panic!("{e}"));
        p.attrs = Some(stores.iter().enumerate().map(|(i, s)| SeriesAttrs { item: format!("item{}", i % 2), dept: "d".into(), cat: "c".into(), store: (*s).into(), state: s[..2].into() }).collect());
        p
    }

    #[test]
    fn rows_follow_the_sorted_values_with_zero_for_unknown() {
        let fit = panel(&["TX_1", "CA_2", "CA_1"]);
        let keys = [IdKey::Store, IdKey::State, IdKey::Item];
        let vocab = Vocabulary::from_panel(&fit);
        assert_eq!(table_sizes(&vocab, &keys), vec![4, 3, 3]);
        assert_eq!(rows_of(&vocab, &keys, &fit, 0), vec![3, 2, 1]);
        assert_eq!(rows_of(&vocab, &keys, &fit, 2), vec![1, 1, 1]);
        // another panel: a store never seen is row 0, known ones keep their rows
        let other = panel(&["WI_1", "CA_1"]);
        assert_eq!(rows_of(&vocab, &keys, &other, 0), vec![0, 0, 1]);
        assert_eq!(rows_of(&vocab, &keys, &other, 1), vec![1, 1, 2]);
        // no attributes at all
        let mut bare = other.clone();
        bare.attrs = None;
        assert_eq!(rows_of(&vocab, &keys, &bare, 1), vec![0, 0, 0]);
        assert_eq!(table_sizes(&Vocabulary::from_panel(&bare), &[IdKey::Dept]), vec![1]);
    }

    #[test]
    fn keys_parse_by_name() {
        for k in IdKey::ALL {
            assert_eq!(IdKey::parse(k.name()), Some(k));
        }
        assert_eq!(IdKey::parse("region"), None);
    }
}
