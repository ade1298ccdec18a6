//! A bundle read back, trusted only after every check: the layout version, the index's
//! hash, each model file's hash and format, and paths that stay inside the bundle.

use std::path::{Path, PathBuf};

use super::{BundleIndex, FORMAT_VERSION, INDEX, INDEX_SUM, MODELS, SavedModel, sha256_hex};
use crate::error::{Result, StoreError, bundle_error};

/// The largest file a bundle may hold (a full-scale GBDT model is tens of MiB).
const MAX_FILE_BYTES: u64 = 2 << 30;

/// A checked bundle: its index and each model's saved text.
#[derive(Debug, Clone)]
pub struct Bundle {
    pub dir: PathBuf,
    /// SHA-256 of `bundle.json`.
    pub id: String,
    pub index: BundleIndex,
    /// `(model, its saved form)` in the index's order.
    pub models: Vec<(SavedModel, String)>,
}

/// Opens the bundle at `path` (the `bundle` folder, or a run folder holding one).
pub fn open(path: &Path) -> Result<Bundle> {
    let dir = if path.join(INDEX).exists() || !path.join(super::write::FOLDER).join(INDEX).exists() { path.to_path_buf() } else { path.join(super::write::FOLDER) };
    if !dir.is_dir() {
        return Err(StoreError::Usage(format!("{}: no such bundle folder (a run writes one to RUN/bundle)", path.display())));
    }
    let label = dir.display().to_string();
    let index_bytes = read_inside(&dir, INDEX)?;
    let sum = String::from_utf8_lossy(&read_inside(&dir, INDEX_SUM)?).trim().to_string();
    let id = sha256_hex(&index_bytes);
    if sum != id {
        return Err(bundle_error(format!("{label}/{INDEX}: its SHA-256 is {id} but {INDEX_SUM} says {sum}: the bundle was changed after it was written")));
    }
    let value: serde_json::Value = serde_json::from_slice(&index_bytes).map_err(|e| bundle_error(format!("{label}/{INDEX}: not JSON: {e}")))?;
    if value["kind"].as_str() != Some("tsforge-bundle") {
        return Err(bundle_error(format!("{label}/{INDEX}: not a tsforge bundle (no \"kind\": \"tsforge-bundle\")")));
    }
    match value["format_version"].as_u64() {
        Some(v) if v > u64::from(FORMAT_VERSION) => {
            return Err(bundle_error(format!("{label}: bundle format {v} was written by a newer tsforge; this one ({}) reads format {FORMAT_VERSION} and older", env!("CARGO_PKG_VERSION"))));
        }
        Some(v) if v >= 1 => {}
        _ => return Err(bundle_error(format!("{label}/{INDEX}: \"format_version\" is missing or not a version number"))),
    }
    let index: BundleIndex = serde_json::from_value(value).map_err(|e| bundle_error(format!("{label}/{INDEX}: {e}")))?;
    let mut models = Vec::new();
    for m in &index.models {
        let name = m.file.strip_prefix(&format!("{MODELS}/")).and_then(|n| n.strip_suffix(".json")).unwrap_or_default();
        if tsforge_automl::names::check_name("model file", name).is_err() {
            return Err(bundle_error(format!("{label}/{INDEX}: model {}: file '{}' is not models/NAME.json inside the bundle", m.alias, m.file.escape_debug())));
        }
        let bytes = read_inside(&dir, &m.file)?;
        let got = sha256_hex(&bytes);
        if got != m.sha256 {
            return Err(bundle_error(format!("{label}/{}: its SHA-256 is {got} but {INDEX} says {}: the model file was changed or damaged", m.file, m.sha256)));
        }
        let text = String::from_utf8(bytes).map_err(|_| bundle_error(format!("{label}/{}: not UTF-8 text", m.file)))?;
        let format = tsforge_automl::registry::saved_format(&text);
        if format.as_deref() != Some(m.format.as_str()) {
            return Err(bundle_error(format!("{label}/{}: format {:?}, but {INDEX} says '{}'", m.file, format.unwrap_or_default(), m.format)));
        }
        models.push((m.clone(), text));
    }
    check_submission(&index, &label)?;
    Ok(Bundle { dir, id, index, models })
}

/// The submission is a saved model or an ensemble of saved models with usable weights.
fn check_submission(index: &BundleIndex, label: &str) -> Result<()> {
    let saved = |a: &str| index.models.iter().any(|m| m.alias == a);
    match &index.ensemble {
        Some(e) => {
            if e.alias != index.submission {
                return Err(bundle_error(format!("{label}/{INDEX}: the submission is {} but the ensemble is {}", index.submission, e.alias)));
            }
            if e.members.is_empty() {
                return Err(bundle_error(format!("{label}/{INDEX}: the ensemble has no members")));
            }
            for m in &e.members {
                if !(m.weight.is_finite() && m.weight > 0.0) {
                    return Err(bundle_error(format!("{label}/{INDEX}: ensemble member {} has weight {}; weights are positive numbers", m.alias, m.weight)));
                }
            }
        }
        None if !saved(&index.submission) && index.unsaved.is_empty() => {
            return Err(bundle_error(format!("{label}/{INDEX}: the submission {} is not among its models", index.submission)));
        }
        None => {}
    }
    Ok(())
}

/// The bytes of `rel` inside `dir`: a plain file (no link) whose real path is inside the
/// bundle, at most [`MAX_FILE_BYTES`].
fn read_inside(dir: &Path, rel: &str) -> Result<Vec<u8>> {
    let label = format!("{}/{rel}", dir.display());
    let relative = Path::new(rel);
    if relative.is_absolute() || relative.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
        return Err(bundle_error(format!("{label}: a path that leaves the bundle")));
    }
    let path = dir.join(relative);
    let meta = std::fs::symlink_metadata(&path).map_err(|e| bundle_error(format!("{label}: missing from the bundle ({e})")))?;
    if !meta.is_file() {
        return Err(bundle_error(format!("{label}: not a plain file (links are not followed)")));
    }
    if meta.len() > MAX_FILE_BYTES {
        return Err(bundle_error(format!("{label}: {} bytes, more than a bundle file may hold", meta.len())));
    }
    let (real, root) = (std::fs::canonicalize(&path), std::fs::canonicalize(dir));
    if let (Ok(real), Ok(root)) = (real, root)
        && !real.starts_with(&root)
    {
        return Err(bundle_error(format!("{label}: its real path is outside the bundle")));
    }
    std::fs::read(&path).map_err(|source| StoreError::Io { path: label, source })
}
