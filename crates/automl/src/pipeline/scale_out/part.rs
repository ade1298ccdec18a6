//! A shard's part: `part.json` (the plan it followed, its shard, its series, and per
//! model where its numbers lie) and `part.bin` (every forecast, backtest forecast and
//! interval bound as little-endian f64, exact: merging re-scores bit-for-bit).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::plan_file::PlanFile;
use super::shard::Shard;
use crate::error::{Result, failed, usage};
use crate::pipeline::input::checksum;

/// Version tag of the part's layout.
pub const PART_FORMAT: &str = "tsforge-part-1";

/// Where an array lies in `part.bin`, in f64 values.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Span {
    pub offset: usize,
    pub len: usize,
}

/// One model's results on the shard's series.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PartModel {
    pub alias: String,
    pub family: String,
    pub fit_seconds: f64,
    pub predict_seconds: f64,
    pub forecast_in_fit: bool,
    pub notes: Vec<String>,
    pub n_params: Option<u64>,
    pub seed: Option<u64>,
    /// `series × horizon`, series in the part's order.
    pub values: Span,
    /// `windows × series × horizon`: the backtest windows one after another.
    pub valid: Option<Span>,
    /// (level, lo, hi) of the model's own prediction intervals.
    pub intervals: Vec<(u8, Span, Span)>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PartFile {
    pub format: String,
    pub plan: PlanFile,
    pub shard: Shard,
    /// The shard's series ids, in the data's order.
    pub series: Vec<String>,
    pub horizon: usize,
    pub windows: usize,
    pub models: Vec<PartModel>,
    /// Checksum of `part.bin`.
    pub bin_checksum: String,
    pub seconds: f64,
}

/// A part read back: its description and its numbers.
#[derive(Debug, Clone)]
pub struct Part {
    pub file: PartFile,
    pub values: Vec<f64>,
    pub path: PathBuf,
}

impl Part {
    pub fn slice(&self, span: Span) -> Result<&[f64]> {
        self.values.get(span.offset..span.offset + span.len).ok_or_else(|| usage(format!("{}: part.bin is shorter than part.json says", self.path.display())))
    }

    /// The part's two files, to be written as a folder.
    pub fn files(file: &PartFile, values: &[f64]) -> Result<Vec<(PathBuf, Vec<u8>)>> {
        let bin: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        let file = PartFile { bin_checksum: checksum(&bin), ..file.clone() };
        let mut json = serde_json::to_vec_pretty(&file).map_err(|e| failed(format!("part.json: {e}")))?;
        json.push(b'\n');
        Ok(vec![("part.json".into(), json), ("part.bin".into(), bin)])
    }

    /// Reads a part folder, checking its format, its plan's id and its numbers' checksum.
    pub fn read(dir: &Path) -> Result<Part> {
        let json = dir.join("part.json");
        let text = std::fs::read(&json).map_err(|e| usage(format!("{}: {e}", json.display())))?;
        let file: PartFile = serde_json::from_slice(&text).map_err(|e| usage(format!("{}: not a tsforge part: {e}", json.display())))?;
        if file.format != PART_FORMAT {
            return Err(usage(format!("{}: part format '{}', expected '{PART_FORMAT}'", json.display(), file.format)));
        }
        file.plan.check(&json.display().to_string())?;
        let bin_path = dir.join("part.bin");
        let bin = std::fs::read(&bin_path).map_err(|e| usage(format!("{}: {e}", bin_path.display())))?;
        if checksum(&bin) != file.bin_checksum || bin.len() % 8 != 0 {
            return Err(usage(format!("{}: its checksum does not match part.json: the part is damaged; run shard {} again", bin_path.display(), file.shard.label())));
        }
        let values = bin.chunks_exact(8).map(|c| f64::from_le_bytes([c[0], c[1], c[2], c[3], c[4], c[5], c[6], c[7]])).collect();
        Ok(Part { file, values, path: dir.to_path_buf() })
    }

    /// The part folders named by `paths`: each a part, or a folder of parts (its
    /// subfolders holding `part.json`, in name order).
    pub fn folders(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
        let mut out = Vec::new();
        for p in paths {
            if p.join("part.json").is_file() {
                out.push(p.clone());
                continue;
            }
            let entries = std::fs::read_dir(p).map_err(|e| usage(format!("{}: {e}: expected a part folder (holding part.json) or a folder of them", p.display())))?;
            let mut found: Vec<PathBuf> = entries.flatten().map(|e| e.path()).filter(|d| d.join("part.json").is_file()).collect();
            if found.is_empty() {
                return Err(usage(format!("{}: no part.json in it or in its subfolders", p.display())));
            }
            found.sort();
            out.extend(found);
        }
        Ok(out)
    }
}
