//! Code tables of the categorical features (event names and types, hierarchy ids).

use std::collections::{BTreeMap, BTreeSet, HashMap};

use serde::{Deserialize, Serialize};
use tsforge_core::Panel;

use crate::spec::IdKey;

/// The values each categorical feature codes, taken from the training panel and saved
/// with a model so that prediction codes exactly as training did (a value absent from
/// the table codes as NaN). Event codes are 0 for "no event" and `1 + position` otherwise;
/// id codes are the position.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Vocabulary {
    pub event_names: Vec<String>,
    pub event_types: Vec<String>,
    pub items: Vec<String>,
    pub depts: Vec<String>,
    pub cats: Vec<String>,
    pub stores: Vec<String>,
    pub states: Vec<String>,
    /// The labels of each static covariate of a long-format panel, by column name.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub statics: BTreeMap<String, Vec<String>>,
}

fn sorted<'a>(values: impl Iterator<Item = &'a String>) -> Vec<String> {
    values.collect::<BTreeSet<_>>().into_iter().cloned().collect()
}

impl Vocabulary {
    /// Sorted unique values of the panel's calendar (both event columns) and attributes.
    pub fn from_panel(panel: &Panel) -> Vocabulary {
        let mut v = Vocabulary::default();
        if let Some(c) = &panel.calendar {
            v.event_names = sorted(c.event_name_1.iter().chain(&c.event_name_2).flatten());
            v.event_types = sorted(c.event_type_1.iter().chain(&c.event_type_2).flatten());
        }
        if let Some(a) = &panel.attrs {
            v.items = sorted(a.iter().map(|a| &a.item));
            v.depts = sorted(a.iter().map(|a| &a.dept));
            v.cats = sorted(a.iter().map(|a| &a.cat));
            v.stores = sorted(a.iter().map(|a| &a.store));
            v.states = sorted(a.iter().map(|a| &a.state));
        }
        v.statics = panel.statics.iter().map(|s| (s.name.clone(), sorted(s.values.iter()))).collect();
        v
    }

    /// The table of a static covariate (empty when the training panel lacked it).
    pub fn static_labels(&self, name: &str) -> &[String] {
        self.statics.get(name).map_or(&[], Vec::as_slice)
    }

    /// Position of `value` in the (sorted) table of `key`, if the table has it.
    pub fn position(&self, key: IdKey, value: &str) -> Option<usize> {
        self.ids(key).binary_search_by(|v| v.as_str().cmp(value)).ok()
    }

    /// The table of an id feature.
    pub fn ids(&self, f: IdKey) -> &[String] {
        match f {
            IdKey::Item => &self.items,
            IdKey::Dept => &self.depts,
            IdKey::Cat => &self.cats,
            IdKey::Store => &self.stores,
            IdKey::State => &self.states,
        }
    }
}

/// A lookup from value to its position in a table (first occurrence wins).
#[derive(Debug, Clone)]
pub struct Lookup<'a>(HashMap<&'a str, usize>);

impl<'a> Lookup<'a> {
    pub fn new(table: &'a [String]) -> Lookup<'a> {
        let mut m = HashMap::with_capacity(table.len());
        for (i, s) in table.iter().enumerate() {
            m.entry(s.as_str()).or_insert(i);
        }
        Lookup(m)
    }

    /// Position of `value`, as f32; NaN when the table lacks it.
    pub fn code(&self, value: &str) -> f32 {
        self.0.get(value).map_or(f32::NAN, |&i| i as f32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsforge_core::{Calendar, Freq, SeriesAttrs, TimeIndex};

    #[test]
    fn tables_are_sorted_unique_and_round_trip() {
        let index = TimeIndex::Dates { start_days: 0, freq: Freq::Daily, len: 2 };
        let mut p = Panel::dense(vec!["a".into(), "b".into()], index, vec![0.0; 4]).unwrap_or_else(|e| panic!("{e}"));
        let at = |item: &str, store: &str| SeriesAttrs { item: item.into(), dept: "D".into(), cat: "C".into(), store: store.into(), state: "CA".into() };
        p.attrs = Some(vec![at("Z", "S2"), at("A", "S1")]);
        let s = |v: &str| Some(v.to_string());
        p.calendar = Some(Calendar {
            wm_yr_wk: vec![1, 1],
            event_name_1: vec![s("b"), None],
            event_type_1: vec![s("T"), None],
            event_name_2: vec![None, s("a")],
            event_type_2: vec![None, s("T")],
            snap: vec![],
        });
        let v = Vocabulary::from_panel(&p);
        assert_eq!(v.event_names, ["a", "b"]);
        assert_eq!(v.event_types, ["T"]);
        assert_eq!(v.ids(IdKey::Item), ["A", "Z"]);
        assert_eq!(v.ids(IdKey::State), ["CA"]);
        assert_eq!(v.position(IdKey::Item, "Z"), Some(1));
        assert_eq!(v.position(IdKey::Store, "S3"), None);
        let json = serde_json::to_string(&v).unwrap_or_else(|e| panic!("{e}"));
        let back: Vocabulary = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, v);
        let look = Lookup::new(&v.items);
        assert_eq!(look.code("Z"), 1.0);
        assert!(look.code("nope").is_nan());
    }
}
