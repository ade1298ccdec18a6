//! Recording a run folder: the run, its models, their level scores and its trials in
//! ONE transaction, so a failure or a killed process at any point leaves the database
//! as it was (SQLite's journal rolls an unfinished transaction back on the next open).
//! Recording a folder again replaces its rows (the id is the manifest's hash).

use std::io::BufRead as _;
use std::path::Path;

use rusqlite::{Transaction, TransactionBehavior, params};

use super::folder::{self, RunFolder};
use super::time::now_text;
use super::types::Recorded;
use super::{Db, sql};
use crate::error::{Result, StoreError, io};

/// SQLite keeps 64-bit signed integers: a u64 (a seed) goes in bit for bit and comes
/// back the same through `queries::from_i64`.
fn as_i64(v: Option<u64>) -> Option<i64> {
    v.map(|x| x as i64)
}

fn json_text(v: &serde_json::Value) -> String {
    v.to_string()
}

impl Db {
    /// Records the finished run folder `run_dir` (manifest.json, leaderboard.json and
    /// trials.jsonl when present). A damaged file is an error naming it, and nothing of
    /// the run is written.
    pub fn record_run(&mut self, run_dir: impl AsRef<Path>) -> Result<Recorded> {
        let run = folder::read(run_dir.as_ref())?;
        let path = self.path.clone();
        let tx = self.conn.transaction_with_behavior(TransactionBehavior::Immediate).map_err(sql(&path, "starting a transaction"))?;
        let replaced: bool = tx.query_row("SELECT EXISTS(SELECT 1 FROM runs WHERE id = ?1)", [&run.summary.id], |r| r.get(0)).map_err(sql(&path, "looking the run up"))?;
        // the models, levels and trials of an earlier recording go with it (ON DELETE CASCADE)
        tx.execute("DELETE FROM runs WHERE id = ?1", [&run.summary.id]).map_err(sql(&path, "replacing the run"))?;
        insert_run(&tx, &path, &run)?;
        insert_models(&tx, &path, &run)?;
        let trials = match &run.trials {
            Some(file) => insert_trials(&tx, &path, &run.summary.id, file)?,
            None => 0,
        };
        tx.commit().map_err(sql(&path, "committing the run"))?;
        Ok(Recorded { id: run.summary.id.clone(), name: run.summary.name.clone(), replaced, models: run.models.len(), trials })
    }
}

fn insert_run(tx: &Transaction, path: &Path, run: &RunFolder) -> Result<()> {
    let s = &run.summary;
    tx.execute(
        "INSERT INTO runs (id, name, started, finished, recorded, tsforge_version, seed, phase, horizon, metric, scored, data_source, data_kind,
             data_fingerprint, series, train_end, recipe, folder, submission_model, submission_rule, threads, device, total_seconds, timings, notes, manifest, bundle)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27)",
        params![
            s.id,
            s.name,
            s.started,
            s.finished,
            now_text(),
            s.tsforge_version,
            as_i64(s.seed),
            s.phase,
            as_i64(s.horizon),
            s.metric,
            s.scored,
            s.data_source,
            s.data_kind,
            s.data_fingerprint,
            as_i64(s.series),
            s.train_end,
            run.recipe,
            s.folder,
            s.submission_model,
            run.submission_rule,
            as_i64(s.threads),
            s.device,
            s.total_seconds,
            run.timings,
            run.notes,
            run.manifest,
            s.bundle,
        ],
    )
    .map_err(sql(path, "writing the run"))?;
    Ok(())
}

fn insert_models(tx: &Transaction, path: &Path, run: &RunFolder) -> Result<()> {
    let id = &run.summary.id;
    for m in &run.models {
        let windows = serde_json::Value::from(m.valid_windows.clone());
        tx.execute(
            "INSERT INTO models (run_id, alias, family, rank, score, valid, valid_windows, fit_seconds, predict_seconds, n_params, seed, selected, params, members, note, scores)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
            params![
                id,
                m.alias,
                m.family,
                as_i64(Some(m.rank)),
                m.score,
                m.valid,
                json_text(&windows),
                m.fit_seconds,
                m.predict_seconds,
                as_i64(m.n_params),
                as_i64(m.seed),
                m.selected,
                json_text(&m.params),
                json_text(&m.members),
                m.note,
                json_text(&m.scores),
            ],
        )
        .map_err(sql(path, "writing a model"))?;
        for (k, score) in m.levels.iter().enumerate() {
            tx.execute("INSERT INTO level_scores (run_id, alias, level, name, score) VALUES (?1, ?2, ?3, ?4, ?5)", params![id, m.alias, k as i64 + 1, format!("level_{}", k + 1), score])
                .map_err(sql(path, "writing a level score"))?;
        }
    }
    Ok(())
}

/// Streams trials.jsonl into the open transaction (a search log can be long); a damaged
/// line fails the whole recording.
fn insert_trials(tx: &Transaction, path: &Path, id: &str, file: &Path) -> Result<usize> {
    let reader = std::io::BufReader::new(std::fs::File::open(file).map_err(io(file))?);
    let mut count = 0;
    for (k, line) in reader.lines().enumerate() {
        let line = line.map_err(|e| StoreError::Input { file: format!("{} line {}", file.display(), k + 1), reason: e.to_string() })?;
        if line.trim().is_empty() {
            continue;
        }
        let t = folder::trial(file, k + 1, &line)?;
        tx.execute(
            "INSERT INTO trials (run_id, line, family, trial, rung, resource, config, score, error, seconds) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
            params![id, k as i64 + 1, t.family, as_i64(t.trial), as_i64(t.rung), t.resource, t.config, t.score, t.error, t.seconds],
        )
        .map_err(sql(path, "writing a trial"))?;
        count += 1;
    }
    Ok(count)
}
