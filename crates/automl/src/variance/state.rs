//! The forecasts of an interrupted variance run, so `--resume` continues it: one f64
//! file per (configuration, seed) in `OUT/.variance-state/`, and an index naming what
//! each holds (a changed recipe or data is refitted, never mixed in).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};
use tsforge_data::write::write_atomic;

use crate::error::{Result, failed, io};

/// The state folder and its index.
#[derive(Debug)]
pub(crate) struct State {
    dir: PathBuf,
    /// Data and window identity, part of every entry's spec.
    scope: String,
    index: Mutex<StateIndex>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct StateIndex {
    entries: BTreeMap<String, StateEntry>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StateEntry {
    alias: String,
    seed: u64,
    spec: String,
    file: String,
    values: usize,
}

impl State {
    pub(crate) fn open(out: &Path, resume: bool, scope: &str) -> Result<State> {
        let dir = out.join(".variance-state");
        if !resume {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir_all(&dir).map_err(io(&dir))?;
        let index = if resume { std::fs::read_to_string(dir.join("index.json")).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default() } else { StateIndex::default() };
        Ok(State { dir, scope: scope.to_string(), index: Mutex::new(index) })
    }

    fn key(alias: &str, seed: u64) -> String {
        format!("{alias}@{seed}")
    }

    pub(crate) fn get(&self, alias: &str, seed: u64, spec: &str, n: usize) -> Option<Vec<f64>> {
        let spec = format!("{spec} | {}", self.scope);
        let entry = self.index.lock().ok()?.entries.get(&State::key(alias, seed)).cloned()?;
        if entry.spec != spec || entry.values != n {
            return None;
        }
        let bytes = std::fs::read(self.dir.join(&entry.file)).ok()?;
        if bytes.len() != n * 8 {
            return None;
        }
        Some(bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
    }

    pub(crate) fn put(&self, alias: &str, seed: u64, spec: &str, values: &[f64]) -> Result<()> {
        let safe: String = alias.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' { c } else { '_' }).collect();
        let file = format!("{safe}-s{seed}.f64");
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        write_atomic(&self.dir.join(&file), &bytes)?;
        let mut index = self.index.lock().map_err(|_| failed("the state index lock was poisoned"))?;
        index.entries.insert(State::key(alias, seed), StateEntry { alias: alias.to_string(), seed, spec: format!("{spec} | {}", self.scope), file, values: values.len() });
        let text = serde_json::to_vec_pretty(&*index).map_err(|e| failed(format!("the variance state index: {e}")))?;
        write_atomic(&self.dir.join("index.json"), &text)?;
        Ok(())
    }

    pub(crate) fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
