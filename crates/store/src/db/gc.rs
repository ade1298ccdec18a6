//! `tsforge runs gc --keep N`: keeps the newest N runs of each run name and forgets the
//! older ones. Per name, not overall: a recipe run daily must not push the one run of a
//! rarely run recipe out. Folders go only when asked, and only a folder that is a
//! tsforge run folder (its marker) AND still holds the very run being forgotten (its
//! manifest's hash is the run's id): run folders are replaced in place by the next run
//! of the same name, and that newer run's folder is never touched.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::TransactionBehavior;
use serde::Serialize;
use tsforge_automl::pipeline::run_folder::MARKER;

use super::folder::current_id;
use super::types::{ListFilter, RunSummary};
use super::{Db, sql};
use crate::error::{Result, StoreError};

/// What a collection did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GcReport {
    /// Runs kept (all names together).
    pub kept: usize,
    /// Runs removed from the database, newest first.
    pub removed: Vec<RunSummary>,
    /// Run folders deleted (with `--delete-folders`).
    pub folders_deleted: Vec<String>,
    /// Folders of removed runs left in place, and why.
    pub folders_left: Vec<(String, String)>,
}

impl Db {
    /// Removes all but the newest `keep` runs of each name (newest by start time, ties
    /// by id); with `delete_folders`, their run folders too where that is safe (see the
    /// module's note). `keep` 0 is refused: it would empty the database.
    pub fn gc(&mut self, keep: usize, delete_folders: bool) -> Result<GcReport> {
        if keep == 0 {
            return Err(StoreError::Usage("--keep 0 would remove every run; keep at least 1 (or delete the database file)".into()));
        }
        let mut seen: BTreeMap<String, usize> = BTreeMap::new();
        let (mut kept, mut removed) = (0, Vec::new());
        for run in self.list(&ListFilter::default())? {
            let n = seen.entry(run.name.clone()).or_default();
            *n += 1;
            if *n <= keep {
                kept += 1;
            } else {
                removed.push(run);
            }
        }
        let path = self.path.clone();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql(&path, "starting a transaction"))?;
        for run in &removed {
            tx.execute("DELETE FROM runs WHERE id = ?1", [&run.id]).map_err(sql(&path, "removing a run"))?;
        }
        tx.commit().map_err(sql(&path, "committing the removal"))?;
        // the rows are gone first: a folder that fails to go is at worst an unindexed run
        // folder, never an index entry pointing at nothing
        let (mut folders_deleted, mut folders_left) = (Vec::new(), Vec::new());
        if delete_folders {
            for run in &removed {
                match deletable(Path::new(&run.folder), &run.id) {
                    Ok(()) => match std::fs::remove_dir_all(&run.folder) {
                        Ok(()) => folders_deleted.push(run.folder.clone()),
                        Err(e) => folders_left.push((run.folder.clone(), format!("cannot delete it: {e}"))),
                    },
                    Err(why) => folders_left.push((run.folder.clone(), why)),
                }
            }
        }
        Ok(GcReport { kept, removed, folders_deleted, folders_left })
    }
}

/// Whether `dir` may be deleted as the folder of run `id`: a real folder (not a link),
/// with the run folder marker, whose manifest.json is still that run's.
fn deletable(dir: &Path, id: &str) -> std::result::Result<(), String> {
    let meta = std::fs::symlink_metadata(dir).map_err(|_| "it no longer exists".to_string())?;
    if !meta.is_dir() {
        return Err("not a folder (a link or a file); left alone".into());
    }
    if !dir.join(MARKER).is_file() {
        return Err(format!("no {MARKER} marker: not a folder tsforge made; left alone"));
    }
    match current_id(dir) {
        Some(now) if now == id => Ok(()),
        Some(now) => Err(format!("it now holds another run ({}); left alone", now.get(..8).unwrap_or(&now))),
        None => Err("no readable manifest.json; left alone".into()),
    }
}
