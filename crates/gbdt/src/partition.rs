//! Partitions of a panel's series into groups that each get their own booster (the
//! M5 winner trained one model per store): `none` (one global model), `store`,
//! `store_cat`, `store_dept`.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use tsforge_core::Panel;
use tsforge_core::model::ModelError;

/// How series are grouped for training: one booster per group.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Partition {
    /// One model for all series.
    #[default]
    None,
    /// One model per store.
    Store,
    /// One model per (store, category).
    StoreCat,
    /// One model per (store, department).
    StoreDept,
}

/// One group of series: its key (`CA_1`, `CA_1/FOODS`, or `all`) and member series
/// indices in panel order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeriesGroup {
    pub key: String,
    pub series: Vec<usize>,
}

impl Partition {
    /// Every partition, in the order recipes list them.
    pub const ALL: [Partition; 4] = [Partition::None, Partition::Store, Partition::StoreCat, Partition::StoreDept];

    /// The recipe name (`none`, `store`, `store_cat`, `store_dept`).
    pub fn name(self) -> &'static str {
        match self {
            Partition::None => "none",
            Partition::Store => "store",
            Partition::StoreCat => "store_cat",
            Partition::StoreDept => "store_dept",
        }
    }

    /// What the partition appends to a model alias (`-by-store`; nothing for `none`).
    pub fn alias_suffix(self) -> &'static str {
        match self {
            Partition::None => "",
            Partition::Store => "-by-store",
            Partition::StoreCat => "-by-store-cat",
            Partition::StoreDept => "-by-store-dept",
        }
    }

    /// The groups of `panel`'s series, sorted by key (so the order never depends on
    /// the data's row order or a hash seed). Grouping by store needs series attributes.
    pub fn groups(self, panel: &Panel) -> Result<Vec<SeriesGroup>, ModelError> {
        if self == Partition::None {
            return Ok(vec![SeriesGroup { key: "all".into(), series: (0..panel.n_series()).collect() }]);
        }
        let Some(attrs) = panel.attrs.as_deref() else {
            return Err(format!("partition '{}' needs series attributes (store, cat, dept); this panel has none", self.name()).into());
        };
        if attrs.len() != panel.n_series() {
            return Err(format!("partition '{}': {} series attributes for {} series", self.name(), attrs.len(), panel.n_series()).into());
        }
        let mut by_key: BTreeMap<String, Vec<usize>> = BTreeMap::new();
        for (i, a) in attrs.iter().enumerate() {
            let key = match self {
                Partition::Store => a.store.clone(),
                Partition::StoreCat => format!("{}/{}", a.store, a.cat),
                Partition::StoreDept => format!("{}/{}", a.store, a.dept),
                Partition::None => String::new(),
            };
            by_key.entry(key).or_default().push(i);
        }
        Ok(by_key.into_iter().map(|(key, series)| SeriesGroup { key, series }).collect())
    }
}

impl fmt::Display for Partition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Partition {
    type Err = String;

    fn from_str(s: &str) -> Result<Partition, String> {
        Partition::ALL.into_iter().find(|p| p.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Partition::ALL.iter().map(|p| p.name()).collect();
            format!("unknown partition '{s}', expected one of {}", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsforge_core::{Freq, SeriesAttrs, TimeIndex};

    fn panel() -> Panel {
        let index = TimeIndex::Dates { start_days: 15_003, freq: Freq::Daily, len: 2 };
        let ids: Vec<String> = (0..4).map(|i| format!("s{i}")).collect();
        let mut p = Panel::dense(ids, index, vec![0.0; 8]).unwrap_or_else(|e| panic!("{e}"));
        let a = |store: &str, dept: &str| SeriesAttrs { item: "I".into(), dept: dept.into(), cat: dept[..1].into(), store: store.into(), state: "CA".into() };
        p.attrs = Some(vec![a("S2", "F1"), a("S1", "H1"), a("S2", "F2"), a("S1", "F1")]);
        p
    }

    #[test]
    fn groups_are_sorted_and_cover_every_series() {
        let p = panel();
        let g = Partition::Store.groups(&p).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(g, [SeriesGroup { key: "S1".into(), series: vec![1, 3] }, SeriesGroup { key: "S2".into(), series: vec![0, 2] }]);
        let keys: Vec<String> = Partition::StoreDept.groups(&p).unwrap_or_else(|e| panic!("{e}")).into_iter().map(|g| g.key).collect();
        assert_eq!(keys, ["S1/F1", "S1/H1", "S2/F1", "S2/F2"]);
        assert_eq!(Partition::StoreCat.groups(&p).unwrap_or_else(|e| panic!("{e}")).len(), 3);
        assert_eq!(Partition::None.groups(&p).unwrap_or_else(|e| panic!("{e}"))[0].series, [0, 1, 2, 3]);
    }

    #[test]
    fn no_attrs_is_an_error_and_names_round_trip() {
        let mut p = panel();
        p.attrs = None;
        let err = Partition::Store.groups(&p).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("needs series attributes"), "{err}");
        assert!(Partition::None.groups(&p).is_ok());
        for q in Partition::ALL {
            assert_eq!(q.name().parse::<Partition>(), Ok(q));
            assert_eq!(serde_json::to_string(&q).unwrap_or_default(), format!("\"{}\"", q.name()));
        }
        assert!("by_store".parse::<Partition>().is_err());
    }
}
