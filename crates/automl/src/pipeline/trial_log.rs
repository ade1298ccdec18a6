//! The trial log of a run: `trials.jsonl` plus one backtest forecast per evaluation, in
//! a hidden folder beside the run folder, removed once the run is written. `--resume`
//! continues an interrupted run from it without repeating finished work.

use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use crate::error::{Result, io};
use crate::pipeline::input::checksum;
use crate::search::TrialRecord;

/// The trial log of a run: `trials.jsonl` plus one backtest forecast per evaluation,
/// in a hidden folder beside the run folder, removed once the run is written.
#[derive(Debug)]
pub struct TrialLog {
    dir: PathBuf,
}

impl TrialLog {
    /// Opens the log for the run folder `out`. Without `resume` an old log is discarded;
    /// with it, the records whose checksums hold and whose backtest forecasts are on disk
    /// whole are returned, with a note for every line that was not (it is evaluated
    /// again): a damaged line never costs the rest of the log.
    pub fn open(out: &Path, resume: bool) -> Result<(TrialLog, Vec<TrialRecord>, Vec<String>)> {
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = out.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "run".into());
        let dir = parent.join(format!(".{name}.trials"));
        if !resume {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir_all(dir.join("backtests")).map_err(io(&dir))?;
        let log = TrialLog { dir };
        let (mut done, mut notes, mut kept) = (Vec::new(), Vec::new(), String::new());
        if resume && let Ok(text) = std::fs::read_to_string(log.records_path()) {
            for (k, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
                match log.check(line) {
                    Ok(rec) => {
                        kept += line;
                        kept.push('\n');
                        done.push(rec);
                    }
                    Err(why) => notes.push(format!("Trial log {} line {}: {why}; that evaluation runs again.", log.records_path().display(), k + 1)),
                }
            }
            // the log goes on from its whole lines only (a line cut short is not glued to the next)
            tsforge_data::write::write_atomic(&log.records_path(), kept.as_bytes())?;
        }
        Ok((log, done, notes))
    }

    /// A line of the log as a record, if its checksum holds and its forecast file is whole.
    fn check(&self, line: &str) -> std::result::Result<TrialRecord, String> {
        let mut value: serde_json::Value = serde_json::from_str(line).map_err(|e| format!("not a record ({e})"))?;
        let fields = value.as_object_mut().ok_or("not a record")?;
        let sum = fields.remove("sum").and_then(|v| v.as_str().map(str::to_string)).ok_or("no checksum")?;
        let forecast_sum = fields.remove("forecast_sum").and_then(|v| v.as_str().map(str::to_string));
        let rec: TrialRecord = serde_json::from_value(value).map_err(|e| format!("not a record ({e})"))?;
        let canonical = serde_json::to_string(&rec).map_err(|e| e.to_string())?;
        if checksum(canonical.as_bytes()) != sum {
            return Err(format!("the checksum of {}-t{} rung {} does not match (the line was changed)", rec.family, rec.trial, rec.rung));
        }
        if rec.score.is_some() {
            let bytes = std::fs::read(self.forecast_path(&rec)).map_err(|e| format!("the backtest forecast of {}-t{} rung {} cannot be read ({e})", rec.family, rec.trial, rec.rung))?;
            if forecast_sum.as_deref() != Some(checksum(&bytes).as_str()) || bytes.len() % 8 != 0 {
                return Err(format!("the backtest forecast of {}-t{} rung {} is damaged (length or checksum)", rec.family, rec.trial, rec.rung));
            }
        }
        Ok(rec)
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

    /// Appends a record with its checksum, and the checksum of its backtest forecast file.
    pub(crate) fn append(&self, r: &TrialRecord) -> std::io::Result<()> {
        let canonical = serde_json::to_string(r).map_err(std::io::Error::other)?;
        let mut value: serde_json::Value = serde_json::from_str(&canonical).map_err(std::io::Error::other)?;
        if let Some(fields) = value.as_object_mut() {
            fields.insert("sum".into(), checksum(canonical.as_bytes()).into());
            if r.score.is_some()
                && let Ok(bytes) = std::fs::read(self.forecast_path(r))
            {
                fields.insert("forecast_sum".into(), checksum(&bytes).into());
            }
        }
        let line = serde_json::to_string(&value).map_err(std::io::Error::other)?;
        let mut f = OpenOptions::new().create(true).append(true).open(self.records_path())?;
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
        let (log, done, _) = TrialLog::open(&out, true).unwrap_or_else(|e| panic!("{e}"));
        assert!(done.is_empty());
        let a = rec(0, 0, Some(0.5));
        let b = rec(1, 0, Some(0.7));
        log.save_forecast("f", 0, 0, &[1.5, 2.25]).unwrap_or_else(|e| panic!("{e}"));
        log.append(&a).unwrap_or_else(|e| panic!("{e}"));
        log.append(&b).unwrap_or_else(|e| panic!("{e}"));
        let (log, done, notes) = TrialLog::open(&out, true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(done, vec![a.clone()], "b has no forecast on disk");
        assert!(notes.len() == 1 && notes[0].contains("line 2"), "{notes:?}");
        assert_eq!(log.forecast(&a), Some(vec![1.5, 2.25]));
        let (_, done, _) = TrialLog::open(&out, false).unwrap_or_else(|e| panic!("{e}"));
        assert!(done.is_empty(), "a fresh run starts a fresh log");
    }

    #[test]
    fn damaged_lines_are_reported_and_skipped_never_the_whole_log() {
        let dir = crate::scratch::Scratch::new("trial-log-damage");
        let out = dir.path().join("run");
        let (log, _, _) = TrialLog::open(&out, false).unwrap_or_else(|e| panic!("{e}"));
        let recs: Vec<TrialRecord> = (0..4).map(|t| rec(t, 0, Some(0.5 + t as f64 / 10.0))).collect();
        for r in &recs {
            log.save_forecast("f", r.trial, 0, &[1.0, 2.0]).unwrap_or_else(|e| panic!("{e}"));
            log.append(r).unwrap_or_else(|e| panic!("{e}"));
        }
        // garbage, an edited score, a damaged forecast file, and a line cut in half
        let path = log.records_path();
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        let edited = lines[1].replace("\"score\":0.6", "\"score\":-1000.0");
        let cut = &lines[3][..lines[3].len() / 2];
        std::fs::write(&path, format!("{}\nnot json at all\n{edited}\n{}\n{cut}", lines[0], lines[2])).unwrap_or_default();
        std::fs::write(log.forecast_path(&recs[2]), [0u8; 12]).unwrap_or_default();
        let (log, done, notes) = TrialLog::open(&out, true).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(done, vec![recs[0].clone()], "{notes:?}");
        assert_eq!(notes.len(), 4, "{notes:?}");
        assert!(notes[0].contains("line 2") && notes[1].contains("checksum") && notes[2].contains("damaged") && notes[3].contains("line 5"), "{notes:?}");
        // the next record starts on a line of its own
        log.append(&recs[1]).unwrap_or_else(|e| panic!("{e}"));
        let (_, done, notes) = TrialLog::open(&out, true).unwrap_or_else(|e| panic!("{e}"));
        assert!(notes.is_empty(), "{notes:?}");
        assert_eq!(done.len(), 2);
    }
}
