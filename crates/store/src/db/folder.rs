//! Reading a finished run folder: manifest.json, leaderboard.json and the lines of
//! trials.jsonl, as plain JSON (the store reads the run output contract, not the types
//! that wrote it, so an older or newer run folder still reads). Every missing or
//! damaged file is an error naming it.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::time::{unix_millis, utc_text};
use super::types::{ModelScores, RunSummary};
use crate::error::{Result, StoreError, input, io};

/// A run folder read into the rows it becomes.
#[derive(Debug)]
pub(super) struct RunFolder {
    /// The `runs` row (its derived fields, scores and trial count, are filled on read).
    pub summary: RunSummary,
    pub recipe: String,
    pub submission_rule: String,
    pub timings: String,
    pub notes: String,
    pub manifest: String,
    pub models: Vec<ModelScores>,
    /// trials.jsonl, when the run searched.
    pub trials: Option<PathBuf>,
}

/// A run's id: FNV-1a 64 of its manifest.json bytes, as 16 hex digits. The manifest
/// holds the run's timings to the nanosecond, so two runs never share one.
pub(super) fn manifest_id(bytes: &[u8]) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    format!("{h:016x}")
}

/// The id of the run a folder holds now (None: no readable manifest.json).
pub(super) fn current_id(dir: &Path) -> Option<String> {
    std::fs::read(dir.join("manifest.json")).ok().map(|b| manifest_id(&b))
}

fn read_json(path: &Path) -> Result<(Vec<u8>, Value)> {
    let bytes = std::fs::read(path).map_err(|e| input(path, format!("cannot read it ({e}); is the folder a finished tsforge run?")))?;
    let value: Value = serde_json::from_slice(&bytes).map_err(|e| input(path, format!("not valid JSON ({e})")))?;
    if !value.is_object() {
        return Err(input(path, "expected a JSON object"));
    }
    Ok((bytes, value))
}

fn text(v: &Value) -> String {
    v.as_str().map(str::to_string).unwrap_or_default()
}

/// Reads the run folder `dir` (made absolute: the database outlives the working folder).
pub(super) fn read(dir: &Path) -> Result<RunFolder> {
    let dir = std::fs::canonicalize(dir).map_err(|e| input(dir, format!("not a run folder ({e})")))?;
    if !dir.is_dir() {
        return Err(input(&dir, "not a run folder (a file)"));
    }
    let manifest_path = dir.join("manifest.json");
    let (bytes, m) = read_json(&manifest_path)?;
    let name = m["run_name"].as_str().filter(|s| !s.is_empty()).ok_or_else(|| input(&manifest_path, "no run_name"))?.to_string();
    let board_path = dir.join("leaderboard.json");
    let (_, board) = read_json(&board_path)?;
    let metric = m["metric"].as_str().or(board["metric"].as_str()).ok_or_else(|| input(&manifest_path, "no metric"))?.to_string();
    let models = models(&board_path, &board, &metric)?;

    let timings = m["timings"].clone();
    let total_seconds = timings["total_seconds"].as_f64();
    let total_millis = total_seconds.filter(|s| s.is_finite() && *s >= 0.0).map_or(0, |s| (s * 1000.0).round() as i64);
    // the manifest's wall-clock start where it has one (a copied folder keeps it); older
    // manifests: the file's time minus the run's length
    let (started, finished) = match m["started_unix_ms"].as_i64().filter(|&t| t > 0) {
        Some(t) => (t, t.saturating_add(total_millis)),
        None => {
            let finished = std::fs::metadata(&manifest_path).and_then(|md| md.modified()).map(unix_millis).map_err(io(&manifest_path))?;
            (finished - total_millis, finished)
        }
    };
    let bundle = match m["bundle"].as_str() {
        Some(b) => Some(dir.join(b).display().to_string()),
        None => Some(dir.join("bundle")).filter(|b| b.exists()).map(|b| b.display().to_string()),
    };
    let trials = Some(dir.join("trials.jsonl")).filter(|t| t.is_file());
    let summary = RunSummary {
        id: manifest_id(&bytes),
        name,
        started: utc_text(started),
        finished: utc_text(finished),
        recorded: String::new(),
        tsforge_version: text(&m["tsforge_version"]),
        seed: m["seed"].as_u64(),
        phase: text(&m["phase"]),
        horizon: m["horizon"].as_u64(),
        metric,
        scored: m["scored"].as_bool().or(board["scored"].as_bool()).unwrap_or(false),
        data_source: text(&m["data"]["source"]),
        data_kind: text(&m["data"]["kind"]),
        data_fingerprint: text(&m["data"]["fingerprint"]),
        series: m["data"]["series"].as_u64(),
        train_end: text(&m["train_end"]),
        folder: dir.display().to_string(),
        bundle,
        submission_model: text(&m["submission_model"]),
        submission_score: None,
        submission_valid: None,
        threads: m["threads"].as_u64(),
        device: m["device"].as_str().or(m["recipe"]["device"].as_str()).unwrap_or_default().to_string(),
        total_seconds,
        trials: 0,
    };
    Ok(RunFolder {
        summary,
        recipe: serde_json::to_string_pretty(&m["recipe"]).unwrap_or_default(),
        submission_rule: text(&m["submission_rule"]),
        timings: timings.to_string(),
        notes: m["notes"].to_string(),
        manifest: String::from_utf8_lossy(&bytes).to_string(),
        models,
        trials,
    })
}

/// The leaderboard's rows; an alias twice is refused (it keys the model's rows).
fn models(path: &Path, board: &Value, metric: &str) -> Result<Vec<ModelScores>> {
    let rows = board["rows"].as_array().ok_or_else(|| input(path, "no `rows` list"))?;
    let mut out: Vec<ModelScores> = Vec::with_capacity(rows.len());
    for (k, row) in rows.iter().enumerate() {
        let alias = row["alias"].as_str().filter(|a| !a.is_empty()).ok_or_else(|| input(path, format!("row {}: no alias", k + 1)))?.to_string();
        if out.iter().any(|m| m.alias == alias) {
            return Err(input(path, format!("row {}: alias {alias} appears twice", k + 1)));
        }
        let scores = &row["scores"];
        out.push(ModelScores {
            family: text(&row["family"]),
            rank: row["rank"].as_u64().unwrap_or(k as u64 + 1),
            score: scores[metric].as_f64(),
            valid: row["valid"].as_f64(),
            valid_windows: row["valid_windows"].as_array().map(|w| w.iter().filter_map(Value::as_f64).collect()).unwrap_or_default(),
            fit_seconds: row["fit_seconds"].as_f64(),
            predict_seconds: row["predict_seconds"].as_f64(),
            n_params: row["n_params"].as_u64(),
            seed: row["seed"].as_u64(),
            selected: row["selected"].as_bool().unwrap_or(false),
            params: row.get("params").cloned().unwrap_or_else(|| Value::Object(Default::default())),
            members: row.get("members").cloned().unwrap_or_else(|| Value::Array(Vec::new())),
            note: text(&row["note"]),
            scores: scores.clone(),
            levels: scores["levels"].as_array().map(|l| l.iter().map(Value::as_f64).collect()).unwrap_or_default(),
            alias,
        });
    }
    Ok(out)
}

/// One line of trials.jsonl.
#[derive(Debug)]
pub(super) struct TrialLine {
    pub family: String,
    pub trial: Option<u64>,
    pub rung: Option<u64>,
    pub resource: Option<f64>,
    pub config: String,
    pub score: Option<f64>,
    pub error: Option<String>,
    pub seconds: Option<f64>,
}

/// Parses line `number` (from 1) of `file`.
pub(super) fn trial(file: &Path, number: usize, line: &str) -> Result<TrialLine> {
    let bad = |why: String| StoreError::Input { file: format!("{} line {number}", file.display()), reason: why };
    let v: Value = serde_json::from_str(line).map_err(|e| bad(format!("not a trial record ({e})")))?;
    let family = v["family"].as_str().ok_or_else(|| bad("not a trial record (no family)".into()))?.to_string();
    Ok(TrialLine {
        family,
        trial: v["trial"].as_u64(),
        rung: v["rung"].as_u64(),
        resource: v["resource"].as_f64(),
        config: v["config"].to_string(),
        score: v["score"].as_f64(),
        error: v["error"].as_str().map(str::to_string),
        seconds: v["seconds"].as_f64(),
    })
}
