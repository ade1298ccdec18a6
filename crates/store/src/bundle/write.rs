//! The bundle of a finished run, as files added to its run folder (so that the bundle is
//! swapped in with the rest of the folder, whole or not at all).

use std::path::PathBuf;

use tsforge_automl::RunOutcome;
use tsforge_automl::pipeline::output::RunFile;
use tsforge_automl::registry::saved_format;

use super::{BundleIndex, DataSchema, EnsembleMember, FORMAT_VERSION, INDEX, INDEX_SUM, MODELS, SavedEnsemble, SavedModel, sha256_hex};
use crate::error::{Result, StoreError};

/// The run folder's sub-folder that holds the bundle.
pub const FOLDER: &str = "bundle";

/// The bundle's files (paths relative to the run folder, under `bundle/`), built from the
/// run's own files: its manifest, its leaderboard and the saved models in `models/`.
pub fn files(outcome: &RunOutcome) -> Result<Vec<RunFile>> {
    let file = |name: &str| outcome.files.iter().find(|(p, _)| p == &PathBuf::from(name)).map(|(_, b)| b.as_slice());
    let manifest: serde_json::Value =
        file("manifest.json").and_then(|b| serde_json::from_slice(b).ok()).ok_or_else(|| StoreError::Failed("the run has no readable manifest.json: no bundle can be written".into()))?;
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_string();
    let rows = &outcome.record.leaderboard.rows;
    let row = |alias: &str| rows.iter().find(|r| r.alias == alias);
    let submitted = row(&outcome.submission).ok_or_else(|| StoreError::Failed(format!("the submission {} is not on the leaderboard", outcome.submission)))?;

    // the submission's models, in the order the run fitted (and blended) them
    let order: Vec<&str> = outcome.forecasts.iter().map(|f| f.alias.as_str()).collect();
    let mut members: Vec<EnsembleMember> = submitted.members.iter().map(|m| EnsembleMember { alias: m.alias.clone(), weight: m.weight }).collect();
    members.sort_by_key(|m| order.iter().position(|a| *a == m.alias).unwrap_or(usize::MAX));
    let needed: Vec<String> = if members.is_empty() { vec![outcome.submission.clone()] } else { members.iter().map(|m| m.alias.clone()).collect() };

    let mut out: Vec<RunFile> = Vec::new();
    let mut models = Vec::new();
    let mut unsaved = Vec::new();
    for alias in &needed {
        let saved = file(&format!("models/{alias}.json"));
        let format = saved.and_then(|b| std::str::from_utf8(b).ok()).and_then(saved_format);
        let (Some(bytes), Some(format)) = (saved, format) else {
            unsaved.push(format!("{alias} (not saved: networks fine-tuned per store and GBDT-SparsityChoice have no saved form yet)"));
            continue;
        };
        let rel = format!("{MODELS}/{alias}.json");
        models.push(SavedModel {
            alias: alias.clone(),
            family: row(alias).map(|r| r.family.clone()).unwrap_or_default(),
            file: rel.clone(),
            format,
            sha256: sha256_hex(bytes),
            valid: row(alias).and_then(|r| r.valid),
        });
        out.push((PathBuf::from(FOLDER).join(rel), bytes.to_vec()));
    }
    let data = &manifest["data"];
    let index = BundleIndex {
        kind: "tsforge-bundle".into(),
        format_version: FORMAT_VERSION,
        tsforge_version: env!("CARGO_PKG_VERSION").into(),
        run_name: text(&manifest["run_name"]),
        settings: manifest["recipe"].clone(),
        data: DataSchema {
            kind: text(&data["kind"]),
            frequency: text(&data["frequency"]),
            fingerprint: text(&data["fingerprint"]),
            has_prices: outcome.shape.prices,
            has_calendar: outcome.shape.calendar,
            has_hierarchy: outcome.shape.hierarchy,
            series: outcome.shape.series.clone(),
        },
        horizon: manifest["horizon"].as_u64().unwrap_or_default() as usize,
        train_end: text(&manifest["train_end"]),
        submission: outcome.submission.clone(),
        models,
        ensemble: (!members.is_empty()).then(|| SavedEnsemble { alias: outcome.submission.clone(), members, valid: submitted.valid }),
        unsaved,
    };
    let json = serde_json::to_string_pretty(&index).map_err(|e| StoreError::Failed(format!("bundle.json: {e}")))? + "\n";
    out.push((PathBuf::from(FOLDER).join(INDEX_SUM), format!("{}\n", sha256_hex(json.as_bytes())).into_bytes()));
    out.push((PathBuf::from(FOLDER).join(INDEX), json.into_bytes()));
    Ok(out)
}
