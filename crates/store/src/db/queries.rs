//! Reading runs back: the list with its filters, one run in full, and finding a run
//! from what a person types (an id, a prefix of one, a run name, a run folder).

use std::path::Path;

use rusqlite::{OptionalExtension as _, Row, params_from_iter};

use super::folder::current_id;
use super::time::check_day;
use super::types::{FamilyTrials, ListFilter, ModelScores, RunDetail, RunSummary};
use super::{Db, sql};
use crate::error::{Result, StoreError};

/// The columns [`summary`] reads, in its order; `s` is the submission's models row.
const SUMMARY: &str = "r.id, r.name, r.started, r.finished, r.recorded, r.tsforge_version, r.seed, r.phase, r.horizon, r.metric, r.scored,
    r.data_source, r.data_kind, r.data_fingerprint, r.series, r.train_end, r.folder, r.bundle, r.submission_model, s.score, s.valid,
    r.threads, r.device, r.total_seconds, (SELECT count(*) FROM trials t WHERE t.run_id = r.id)";
const FROM: &str = "FROM runs r LEFT JOIN models s ON s.run_id = r.id AND s.alias = r.submission_model";
/// Newest first; the id breaks ties so the order never depends on the database's.
const ORDER: &str = "ORDER BY r.started DESC, r.id DESC";

/// The inverse of the ingest's bit-for-bit u64 → i64.
fn from_i64(v: Option<i64>) -> Option<u64> {
    v.map(|x| x as u64)
}

fn summary(r: &Row) -> rusqlite::Result<RunSummary> {
    Ok(RunSummary {
        id: r.get(0)?,
        name: r.get(1)?,
        started: r.get(2)?,
        finished: r.get(3)?,
        recorded: r.get(4)?,
        tsforge_version: r.get(5)?,
        seed: from_i64(r.get(6)?),
        phase: r.get(7)?,
        horizon: from_i64(r.get(8)?),
        metric: r.get(9)?,
        scored: r.get(10)?,
        data_source: r.get(11)?,
        data_kind: r.get(12)?,
        data_fingerprint: r.get(13)?,
        series: from_i64(r.get(14)?),
        train_end: r.get(15)?,
        folder: r.get(16)?,
        bundle: r.get(17)?,
        submission_model: r.get(18)?,
        submission_score: r.get(19)?,
        submission_valid: r.get(20)?,
        threads: from_i64(r.get(21)?),
        device: r.get(22)?,
        total_seconds: r.get(23)?,
        trials: from_i64(r.get(24)?).unwrap_or(0),
    })
}

/// JSON text from the database back to a value (text that does not parse stays text).
fn json(text: String) -> serde_json::Value {
    serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
}

impl Db {
    /// The runs that pass `filter`, newest first.
    pub fn list(&self, filter: &ListFilter) -> Result<Vec<RunSummary>> {
        let mut wheres = Vec::new();
        let mut args: Vec<String> = Vec::new();
        if let Some(d) = &filter.data {
            args.push(d.clone());
            let k = args.len();
            // the source as given, the whole fingerprint, or a prefix of its digits (after `fnv1a64:`)
            wheres.push(format!("(r.data_source = ?{k} OR r.data_fingerprint = ?{k} OR substr(r.data_fingerprint, instr(r.data_fingerprint, ':') + 1, length(?{k})) = ?{k})"));
        }
        if let Some(name) = &filter.recipe {
            args.push(name.clone());
            wheres.push(format!("r.name = ?{}", args.len()));
        }
        for (day, op, flag) in [(&filter.since, ">=", "--since"), (&filter.until, "<=", "--until")] {
            if let Some(day) = day {
                check_day(day).map_err(|why| StoreError::Usage(format!("{flag} {why}")))?;
                args.push(day.clone());
                wheres.push(format!("substr(r.started, 1, 10) {op} ?{}", args.len()));
            }
        }
        let clause = if wheres.is_empty() { String::new() } else { format!("WHERE {}", wheres.join(" AND ")) };
        self.summaries(&format!("{clause} {ORDER}"), &args)
    }

    fn summaries(&self, tail: &str, args: &[String]) -> Result<Vec<RunSummary>> {
        let mut stmt = self.conn.prepare(&format!("SELECT {SUMMARY} {FROM} {tail}")).map_err(sql(&self.path, "listing runs"))?;
        let rows = stmt.query_map(params_from_iter(args), summary).map_err(sql(&self.path, "listing runs"))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql(&self.path, "listing runs"))
    }

    /// Finds one run: an exact id, else the newest run of that name, else the newest run
    /// recorded from that folder, else the one run whose id starts with it. Nothing or
    /// several: an error listing candidates.
    pub fn resolve(&self, query: &str) -> Result<RunSummary> {
        let q = vec![query.to_string()];
        if let Some(run) = self.summaries("WHERE r.id = ?1", &q)?.into_iter().next() {
            return Ok(run);
        }
        if let Some(run) = self.summaries(&format!("WHERE r.name = ?1 {ORDER}"), &q)?.into_iter().next() {
            return Ok(run);
        }
        if let Ok(dir) = std::fs::canonicalize(Path::new(query))
            && let Some(run) = self.summaries(&format!("WHERE r.folder = ?1 {ORDER}"), &[dir.display().to_string()])?.into_iter().next()
        {
            return Ok(run);
        }
        let lower = vec![query.to_ascii_lowercase()];
        let by_prefix = if query.is_empty() { Vec::new() } else { self.summaries(&format!("WHERE substr(r.id, 1, length(?1)) = ?1 {ORDER}"), &lower)? };
        let line = |r: &RunSummary| format!("  {}  {}  {}  {}", r.short_id(), r.name, r.started, r.folder);
        match by_prefix.len() {
            1 => by_prefix.into_iter().next().ok_or_else(|| StoreError::NoSuchRun(query.into())),
            0 => {
                let newest = self.summaries(&format!("{ORDER} LIMIT 10"), &[])?;
                let hint = if newest.is_empty() { " (the database holds no runs)".to_string() } else { format!("; the newest runs:\n{}", newest.iter().map(line).collect::<Vec<_>>().join("\n")) };
                Err(StoreError::NoSuchRun(format!("no run {query:?} in {} (an id, a prefix of one, a run name or a run folder){hint}", self.path.display())))
            }
            n => Err(StoreError::NoSuchRun(format!("{query:?} is the start of {n} run ids; give more digits:\n{}", by_prefix.iter().map(line).collect::<Vec<_>>().join("\n")))),
        }
    }

    /// One run in full: its facts, leaderboard and trials per family.
    pub fn show(&self, query: &str) -> Result<RunDetail> {
        let run = self.resolve(query)?;
        let ctx = "reading a run";
        let (recipe, submission_rule, timings, notes): (String, String, String, String) = self
            .conn
            .query_row("SELECT recipe, submission_rule, timings, notes FROM runs WHERE id = ?1", [&run.id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
            .optional()
            .map_err(sql(&self.path, ctx))?
            .ok_or_else(|| StoreError::NoSuchRun(format!("run {} vanished from {}", run.id, self.path.display())))?;
        let notes = match json(notes) {
            serde_json::Value::Array(a) => a.into_iter().filter_map(|n| n.as_str().map(str::to_string)).collect(),
            _ => Vec::new(),
        };
        let folder_current = current_id(Path::new(&run.folder)).as_deref() == Some(run.id.as_str());
        Ok(RunDetail { models: self.models(&run.id)?, trials: self.family_trials(&run.id)?, recipe: json(recipe), submission_rule, timings: json(timings), notes, folder_current, run })
    }

    fn models(&self, id: &str) -> Result<Vec<ModelScores>> {
        let ctx = "reading a leaderboard";
        let mut stmt = self
            .conn
            .prepare(
                "SELECT alias, family, rank, score, valid, valid_windows, fit_seconds, predict_seconds, n_params, seed, selected, params, members, note, scores
                 FROM models WHERE run_id = ?1 ORDER BY rank, alias",
            )
            .map_err(sql(&self.path, ctx))?;
        let rows = stmt
            .query_map([id], |r| {
                let windows: String = r.get(5)?;
                Ok(ModelScores {
                    alias: r.get(0)?,
                    family: r.get(1)?,
                    rank: from_i64(r.get(2)?).unwrap_or(0),
                    score: r.get(3)?,
                    valid: r.get(4)?,
                    valid_windows: serde_json::from_str(&windows).unwrap_or_default(),
                    fit_seconds: r.get(6)?,
                    predict_seconds: r.get(7)?,
                    n_params: from_i64(r.get(8)?),
                    seed: from_i64(r.get(9)?),
                    selected: r.get(10)?,
                    params: json(r.get(11)?),
                    members: json(r.get(12)?),
                    note: r.get(13)?,
                    scores: json(r.get(14)?),
                    levels: Vec::new(),
                })
            })
            .map_err(sql(&self.path, ctx))?;
        let mut models = rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql(&self.path, ctx))?;
        let mut stmt = self.conn.prepare("SELECT alias, level, score FROM level_scores WHERE run_id = ?1 ORDER BY alias, level").map_err(sql(&self.path, ctx))?;
        let levels = stmt.query_map([id], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<f64>>(2)?))).map_err(sql(&self.path, ctx))?;
        for level in levels {
            let (alias, k, score) = level.map_err(sql(&self.path, ctx))?;
            if let Some(m) = models.iter_mut().find(|m| m.alias == alias) {
                // level numbers come from the file: a damaged one must not size an allocation
                let k = usize::try_from(k).unwrap_or(0);
                if k == 0 || k > 64 {
                    continue;
                }
                if m.levels.len() < k {
                    m.levels.resize(k, None);
                }
                m.levels[k - 1] = score;
            }
        }
        Ok(models)
    }

    fn family_trials(&self, id: &str) -> Result<Vec<FamilyTrials>> {
        let ctx = "reading trials";
        let mut stmt = self
            .conn
            .prepare("SELECT family, count(*), sum(error IS NOT NULL), min(score), total(seconds) FROM trials WHERE run_id = ?1 GROUP BY family ORDER BY family")
            .map_err(sql(&self.path, ctx))?;
        let rows = stmt
            .query_map([id], |r| Ok(FamilyTrials { family: r.get(0)?, trials: from_i64(r.get(1)?).unwrap_or(0), failed: from_i64(r.get(2)?).unwrap_or(0), best: r.get(3)?, seconds: r.get(4)? }))
            .map_err(sql(&self.path, ctx))?;
        rows.collect::<rusqlite::Result<Vec<_>>>().map_err(sql(&self.path, ctx))
    }
}
