//! The M5 aggregation hierarchy: 12 levels from the grand total down to item × store.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Hierarchy attributes of one bottom series (M5: item, dept, cat, store, state).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SeriesAttrs {
    pub item: String,
    pub dept: String,
    pub cat: String,
    pub store: String,
    pub state: String,
}

/// The five hierarchy ids of an M5 series. Every crate that keys on them (the id
/// features, the networks' static embeddings, the vocabularies) uses this one enum;
/// serialized as `item`, `dept`, `cat`, `store`, `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IdKey {
    Item,
    Dept,
    Cat,
    Store,
    State,
}

impl IdKey {
    pub const ALL: [IdKey; 5] = [IdKey::Item, IdKey::Dept, IdKey::Cat, IdKey::Store, IdKey::State];

    /// `item`, `dept`, `cat`, `store` or `state`.
    pub fn name(self) -> &'static str {
        match self {
            IdKey::Item => "item",
            IdKey::Dept => "dept",
            IdKey::Cat => "cat",
            IdKey::Store => "store",
            IdKey::State => "state",
        }
    }

    /// The M5 column holding the id (`item_id`, …), also the id feature's name.
    pub fn column(self) -> &'static str {
        match self {
            IdKey::Item => "item_id",
            IdKey::Dept => "dept_id",
            IdKey::Cat => "cat_id",
            IdKey::Store => "store_id",
            IdKey::State => "state_id",
        }
    }

    /// The key by its [`name`](Self::name).
    pub fn parse(name: &str) -> Option<IdKey> {
        IdKey::ALL.into_iter().find(|k| k.name() == name)
    }

    /// The id of a series.
    pub fn of(self, a: &SeriesAttrs) -> &str {
        match self {
            IdKey::Item => &a.item,
            IdKey::Dept => &a.dept,
            IdKey::Cat => &a.cat,
            IdKey::Store => &a.store,
            IdKey::State => &a.state,
        }
    }
}

/// One aggregate series of a level: its key and the bottom series summed into it.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub key: String,
    pub members: Vec<usize>,
}

/// One aggregation level.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub name: &'static str,
    pub groups: Vec<Group>,
}

/// Aggregation levels over a set of bottom series.
#[derive(Debug, Clone, PartialEq)]
pub struct Hierarchy {
    pub levels: Vec<Level>,
    pub n_bottom: usize,
}

type KeyFn = fn(&SeriesAttrs) -> String;

/// The 12 M5 levels, in the order of the competitors' guide.
const M5_LEVELS: [(&str, KeyFn); 12] = [
    ("total", |_| "Total".to_string()),
    ("state", |a| a.state.clone()),
    ("store", |a| a.store.clone()),
    ("cat", |a| a.cat.clone()),
    ("dept", |a| a.dept.clone()),
    ("state_cat", |a| format!("{}_{}", a.state, a.cat)),
    ("state_dept", |a| format!("{}_{}", a.state, a.dept)),
    ("store_cat", |a| format!("{}_{}", a.store, a.cat)),
    ("store_dept", |a| format!("{}_{}", a.store, a.dept)),
    ("item", |a| a.item.clone()),
    ("item_state", |a| format!("{}_{}", a.item, a.state)),
    ("item_store", |a| format!("{}_{}", a.item, a.store)),
];

impl Hierarchy {
    /// The 12 M5 levels; groups within a level are ordered by key.
    pub fn m5(attrs: &[SeriesAttrs]) -> Hierarchy {
        let levels = M5_LEVELS
            .iter()
            .map(|(name, key_of)| {
                let mut groups: BTreeMap<String, Vec<usize>> = BTreeMap::new();
                for (i, a) in attrs.iter().enumerate() {
                    groups.entry(key_of(a)).or_default().push(i);
                }
                Level { name, groups: groups.into_iter().map(|(key, members)| Group { key, members }).collect() }
            })
            .collect();
        Hierarchy { levels, n_bottom: attrs.len() }
    }

    /// A single level holding each series on its own (long-format data without a hierarchy).
    pub fn bottom_only(ids: &[String]) -> Hierarchy {
        let groups = ids.iter().enumerate().map(|(i, id)| Group { key: id.clone(), members: vec![i] }).collect();
        Hierarchy { levels: vec![Level { name: "series", groups }], n_bottom: ids.len() }
    }

    /// Total number of series over all levels (42,840 on the full M5 data).
    pub fn n_series(&self) -> usize {
        self.levels.iter().map(|l| l.groups.len()).sum()
    }

    /// Sums bottom rows (`n_bottom × width`, series-major) into one level's rows.
    pub fn aggregate(&self, level: usize, bottom: &[f64], width: usize) -> Vec<f64> {
        let lvl = &self.levels[level];
        let mut out = vec![0.0; lvl.groups.len() * width];
        for (g, group) in lvl.groups.iter().enumerate() {
            let dst = &mut out[g * width..(g + 1) * width];
            for &i in &group.members {
                for (d, s) in dst.iter_mut().zip(&bottom[i * width..(i + 1) * width]) {
                    *d += s;
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn attrs(item: &str, store: &str) -> SeriesAttrs {
        let state = &store[..2];
        let dept = &item[..item.rfind('_').unwrap_or(0)];
        let cat = &item[..item.find('_').unwrap_or(0)];
        SeriesAttrs { item: item.into(), dept: dept.into(), cat: cat.into(), store: store.into(), state: state.into() }
    }

    #[test]
    fn m5_levels_count_groups() {
        let a = vec![attrs("FOODS_1_001", "CA_1"), attrs("FOODS_1_001", "TX_1"), attrs("HOBBIES_2_003", "CA_1")];
        let h = Hierarchy::m5(&a);
        let counts: Vec<usize> = h.levels.iter().map(|l| l.groups.len()).collect();
        assert_eq!(counts, vec![1, 2, 2, 2, 2, 3, 3, 3, 3, 2, 3, 3]);
        let total = h.aggregate(0, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0], 2);
        assert_eq!(total, vec![9.0, 12.0]);
    }
}
