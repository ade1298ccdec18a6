//! Which shard a series belongs to: by store on M5 data (the M5 winners trained per
//! store, and `-store` models then train on whole stores), by a stable hash of its id on
//! any other panel. A series is in exactly one shard of N.

use serde::{Deserialize, Serialize};
use tsforge_core::Panel;

use crate::error::{Result, usage};

/// Shard `index` of `count` (0-based, as Kubernetes' `JOB_COMPLETION_INDEX`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

/// The variables the schedulers set to a task's index, read by `--shard auto/N`.
pub const INDEX_VARIABLES: [&str; 2] = ["JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"];

impl Shard {
    /// `K/N` (K in 0..N) or `auto/N`, where K comes from the first of
    /// [`INDEX_VARIABLES`] that is set (`env` looks a variable up).
    pub fn parse(text: &str, env: &dyn Fn(&str) -> Option<String>) -> Result<Shard> {
        let bad = |why: String| usage(format!("--shard {text}: {why}"));
        let (k, n) = text.split_once('/').ok_or_else(|| bad("expected K/N (K from 0 to N-1) or auto/N".into()))?;
        let count: usize = n.trim().parse().ok().filter(|&n| n >= 1).ok_or_else(|| bad(format!("'{n}' is not a shard count of at least 1")))?;
        let (index, from) = if k.trim() == "auto" {
            let (var, value) = INDEX_VARIABLES
                .iter()
                .find_map(|v| env(v).map(|x| (*v, x)))
                .ok_or_else(|| bad(format!("auto needs one of {} set (a Kubernetes Indexed Job or a Slurm job array sets it)", INDEX_VARIABLES.join(", "))))?;
            let index = value.trim().parse().map_err(|_| bad(format!("{var}={value} is not a whole number")))?;
            (index, format!(" ({var}={value})"))
        } else {
            (k.trim().parse().map_err(|_| bad(format!("'{k}' is not a shard index")))?, String::new())
        };
        if index >= count {
            return Err(bad(format!("shard index {index}{from} is outside 0..{count}: indices start at 0")));
        }
        Ok(Shard { index, count })
    }

    pub fn label(&self) -> String {
        format!("{}/{}", self.index, self.count)
    }
}

/// How series are dealt to shards.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShardBy {
    /// Whole stores (M5 data): the stores in name order, dealt round-robin.
    Store,
    /// FNV-1a of the series id, modulo the shard count.
    Hash,
}

impl ShardBy {
    /// By store where the series have store ids (M5 data), else by hash.
    pub fn of(has_store_ids: bool) -> ShardBy {
        if has_store_ids { ShardBy::Store } else { ShardBy::Hash }
    }

    pub fn describe(self) -> &'static str {
        match self {
            ShardBy::Store => "by store (whole stores, dealt in name order)",
            ShardBy::Hash => "by a stable hash of unique_id",
        }
    }
}

/// The shard of every series of `panel`.
pub fn assign(panel: &Panel, by: ShardBy, count: usize) -> Result<Vec<usize>> {
    let count = count.max(1);
    match (by, &panel.attrs) {
        (ShardBy::Store, Some(attrs)) => {
            let mut stores: Vec<&str> = attrs.iter().map(|a| a.store.as_str()).collect();
            stores.sort_unstable();
            stores.dedup();
            Ok(attrs.iter().map(|a| stores.binary_search(&a.store.as_str()).unwrap_or(0) % count).collect())
        }
        (ShardBy::Store, None) => Err(usage("the plan shards by store, but the data has no store ids (not M5 data)")),
        (ShardBy::Hash, _) => Ok(panel.ids.iter().map(|id| (fnv1a(id.as_bytes()) % count as u64) as usize).collect()),
    }
}

/// The series (positions in `panel`, in order) of one shard.
pub fn members(panel: &Panel, by: ShardBy, shard: Shard) -> Result<Vec<usize>> {
    Ok(assign(panel, by, shard.count)?.iter().enumerate().filter(|(_, s)| **s == shard.index).map(|(i, _)| i).collect())
}

/// 64-bit FNV-1a: stable across platforms and releases (not `std`'s hasher, which is neither).
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn none(_: &str) -> Option<String> {
        None
    }

    #[test]
    fn shards_parse_from_flags_and_scheduler_variables() {
        assert_eq!(Shard::parse("2/3", &none).ok(), Some(Shard { index: 2, count: 3 }));
        assert!(Shard::parse("3/3", &none).is_err(), "indices start at 0");
        assert!(Shard::parse("1/0", &none).is_err());
        assert!(Shard::parse("auto/4", &none).is_err(), "auto without a scheduler variable");
        let slurm = |v: &str| (v == "SLURM_ARRAY_TASK_ID").then(|| "3".to_string());
        assert_eq!(Shard::parse("auto/4", &slurm).ok(), Some(Shard { index: 3, count: 4 }));
        let k8s = |v: &str| (v == "JOB_COMPLETION_INDEX").then(|| "9".to_string());
        let err = Shard::parse("auto/4", &k8s).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(err.contains("JOB_COMPLETION_INDEX=9") && err.contains("outside 0..4"), "{err}");
    }

    #[test]
    fn hashing_matches_the_published_fnv1a_vectors() {
        // the FNV reference vectors (draft-eastlake-fnv): "" and "a"
        assert_eq!(fnv1a(b""), 0xcbf2_9ce4_8422_2325);
        assert_eq!(fnv1a(b"a"), 0xaf63_dc4c_8601_ec8c);
    }
}
