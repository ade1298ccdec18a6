//! The trial log of a run: `trials.jsonl` plus one backtest forecast per evaluation, in
//! a hidden folder beside the run folder, removed once the run is written. `--resume`
//! continues an interrupted run from it without repeating finished work.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Result, io};
use crate::search::TrialRecord;

/// The trial log of a run: `trials.jsonl` plus one backtest forecast per evaluation,
/// in a hidden folder beside the run folder, removed once the run is written.
#[derive(Debug)]
pub struct TrialLog {
    dir: PathBuf,
}

impl TrialLog {
    /// Opens the log for the run folder `out`. Without `resume` an old log is discarded;
    /// with it, the records whose forecasts are on disk are returned.
    pub fn open(out: &Path, resume: bool) -> Result<(TrialLog, Vec<TrialRecord>)> {
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = out.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "run".into());
        let dir = parent.join(format!(".{name}.trials"));
        if !resume {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir_all(dir.join("backtests")).map_err(io(&dir))?;
        let log = TrialLog { dir };
        let mut done = Vec::new();
        if resume && let Ok(text) = std::fs::read_to_string(log.records_path()) {
            // a line cut short by an interruption is skipped
            for rec in text.lines().filter_map(|l| serde_json::from_str::<TrialRecord>(l).ok()) {
                if rec.score.is_none() || log.forecast_path(&rec).is_file() {
                    done.push(rec);
                }
            }
        }
        Ok((log, done))
    }

    fn records_path(&self) -> PathBuf {
        self.dir.join("trials.jsonl")
    }

    fn forecast_path(&self, r: &TrialRecord) -> PathBuf {
        self.dir.join("backtests").join(format!("{}-t{}-r{}.f64", r.family, r.trial, r.rung))
    }

    pub(crate) fn save_forecast(&self, family: &str, trial: usize, rung: usize, values: &[f64]) -> std::io::Result<()> {
        let path = self.dir.join("backtests").join(format!("{family}-t{trial}-r{rung}.f64"));
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        tsforge_data::write::write_atomic(&path, &bytes).map_err(std::io::Error::other)
    }

    /// The backtest forecast of a finished evaluation.
    pub fn forecast(&self, r: &TrialRecord) -> Option<Vec<f64>> {
        let bytes = std::fs::read(self.forecast_path(r)).ok()?;
        Some(bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
    }

    pub(crate) fn append(&self, r: &TrialRecord) -> std::io::Result<()> {
        let mut f = OpenOptions::new().create(true).append(true).open(self.records_path())?;
        let line = serde_json::to_string(r).map_err(std::io::Error::other)?;
        writeln!(f, "{line}")?;
        f.sync_data()
    }

    /// Every record of the log, for the run folder.
    pub fn records_text(&self) -> String {
        std::fs::read_to_string(self.records_path()).unwrap_or_default()
    }

    pub fn remove(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::Config;

    fn rec(trial: usize, rung: usize, score: Option<f64>) -> TrialRecord {
        TrialRecord { family: "f".into(), trial, rung, resource: 10 * (rung + 1), config: Config::new(), score, error: None, seconds: 0.0 }
    }

    #[test]
    fn the_log_round_trips_and_resume_drops_records_without_forecasts() {
        let dir = crate::scratch::Scratch::new("trial-log");
        let out = dir.path().join("run");
        let (log, done) = TrialLog::open(&out, true).unwrap_or_else(|e| panic!("{e}"));
        assert!(done.is_empty());
        let a = rec(0, 0, Some(0.5));
        let b = rec(1, 0, Some(0.7));
        log.save_forecast("f", 0, 0, &[1.5, 2.25]).unwrap_or_else(|e| panic!("{e}"));
        log.append(&a).unwrap_or_else(|e| panic!("{e}"));
        log.append(&b).unwrap_or_else(|e| panic!("{e}"));
        let (log, done) = TrialLog::open(&out, true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(done, vec![a.clone()], "b has no forecast on disk");
        assert_eq!(log.forecast(&a), Some(vec![1.5, 2.25]));
        let (_, done) = TrialLog::open(&out, false).unwrap_or_else(|e| panic!("{e}"));
        assert!(done.is_empty(), "a fresh run starts a fresh log");
    }
}
