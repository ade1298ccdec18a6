//! The search stage of a run: every `[search.families.NAME]` is searched on the backtest
//! window (train on the history before it, score the window) with the recipe's sampler
//! and successive halving; each finished evaluation is appended to a trial log beside the
//! run folder, with its backtest forecast, so `--resume` continues an interrupted run
//! without repeating finished work.

use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context as _;
use tsforge_automl::search::{Config, Halving, SearchPlan, TrialRecord, run_search};
use tsforge_core::Panel;

use crate::models;
use crate::recipe::{FamilySearch, GbdtSettings, SearchSettings};
use crate::scoring::Truth;
use tsforge_report::Metric;

/// One backtest window: the history before it, its truth, and its WRMSSE weights.
pub struct Window {
    pub train: Panel,
    pub actual: Vec<f64>,
    pub m5: Option<tsforge_core::metrics::M5Evaluator>,
}

/// The backtest every fixed model and trial is scored on: one or more rolling windows of
/// the horizon's length at the end of the training data (the last first). A model's
/// backtest forecast is its windows' forecasts one after the other; its score is the
/// mean of the windows' scores.
pub struct Backtest<'a> {
    pub windows: &'a [Window],
    pub metric: Metric,
    pub horizon: usize,
    pub season: usize,
}

impl Backtest<'_> {
    fn truth<'w>(&self, w: &'w Window) -> Truth<'w> {
        Truth { train: &w.train, actual: &w.actual, horizon: self.horizon, season: self.season, m5: w.m5.as_ref() }
    }

    /// Fits `model` before each window and returns its forecasts of the windows and score.
    pub fn run(&self, model: &dyn tsforge_core::Forecaster) -> Result<(Vec<f64>, f64), String> {
        let mut values = Vec::new();
        for w in self.windows {
            let fitted = model.fit(&w.train).map_err(|e| e.to_string())?;
            let mut forecast = fitted.predict(self.horizon).map_err(|e| e.to_string())?;
            // the same guard as the final fits, so the backtest judges what would be submitted
            crate::run::cap_forecast(&w.train, &mut forecast.values, self.horizon);
            values.extend(forecast.values);
        }
        let score = self.score(&values).ok_or_else(|| format!("no {} on the backtest", self.metric.name()))?;
        Ok((values, score))
    }

    /// The mean score over the windows of a backtest forecast (windows one after another).
    pub fn score(&self, values: &[f64]) -> Option<f64> {
        let mut total = 0.0;
        for (k, w) in self.windows.iter().enumerate() {
            let n = w.train.n_series();
            let part = values.get(k * n * self.horizon..(k + 1) * n * self.horizon)?;
            let f = tsforge_core::Forecast::new("backtest", n, self.horizon, w.train.n_time(), part.to_vec()).ok()?;
            total += self.truth(w).main_score(self.metric, &f)?;
        }
        (!self.windows.is_empty()).then(|| total / self.windows.len() as f64)
    }
}

/// The trial log of a run: `trials.jsonl` plus one backtest forecast per evaluation,
/// in a hidden folder beside the run folder, removed once the run is written.
pub struct TrialLog {
    dir: PathBuf,
}

impl TrialLog {
    /// Opens the log for the run folder `out`. Without `resume` an old log is discarded;
    /// with it, the records whose forecasts are on disk are returned.
    pub fn open(out: &Path, resume: bool) -> anyhow::Result<(TrialLog, Vec<TrialRecord>)> {
        let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let name = out.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "run".into());
        let dir = parent.join(format!(".{name}.trials"));
        if !resume {
            let _ = std::fs::remove_dir_all(&dir);
        }
        std::fs::create_dir_all(dir.join("backtests")).with_context(|| format!("creating {}", dir.display()))?;
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

    fn save_forecast(&self, family: &str, trial: usize, rung: usize, values: &[f64]) -> std::io::Result<()> {
        let path = self.dir.join("backtests").join(format!("{family}-t{trial}-r{rung}.f64"));
        let bytes: Vec<u8> = values.iter().flat_map(|v| v.to_le_bytes()).collect();
        tsforge_data::write::write_atomic(&path, &bytes).map_err(std::io::Error::other)
    }

    /// The backtest forecast of a finished evaluation.
    pub fn forecast(&self, r: &TrialRecord) -> Option<Vec<f64>> {
        let bytes = std::fs::read(self.forecast_path(r)).ok()?;
        Some(bytes.chunks_exact(8).map(|c| f64::from_le_bytes(c.try_into().unwrap_or([0; 8]))).collect())
    }

    fn append(&self, r: &TrialRecord) -> std::io::Result<()> {
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

/// Runs one family's search; returns its records (reused and new).
#[allow(clippy::too_many_arguments)]
pub fn search_family(
    name: &str,
    family: &FamilySearch,
    s: &SearchSettings,
    seed: u64,
    deadline: Option<Instant>,
    backtest: &Backtest,
    log: &TrialLog,
    done: &[TrialRecord],
    g: &GbdtSettings,
) -> anyhow::Result<Vec<TrialRecord>> {
    let space = family.space(name).map_err(|e| crate::exit::usage(e.to_string()))?;
    let resource_key = models::resource_key(&family.model);
    // without halving every trial runs once at the model's own default budget (0 = keep it)
    let halving = family.halving.unwrap_or(Halving { min_resource: 1, max_resource: 1, eta: 2 });
    let plan = SearchPlan { family: name, space: &space, sampler: s.sampler, seed, n_trials: family.trials, halving, deadline, parallel: s.parallel };
    let evaluate = |config: &Config, resource: usize, trial: usize| -> Result<f64, String> {
        let config = with_resource(config, family, resource_key, resource);
        let model = models::build_config(&family.model, &trial_alias(name, trial), &config, g, backtest.horizon, seed).map_err(|e| format!("{e:#}"))?;
        let (values, score) = backtest.run(model.as_ref())?;
        let rung = halving.rungs().iter().position(|&r| r == resource).unwrap_or(0);
        log.save_forecast(name, trial, rung, &values).map_err(|e| e.to_string())?;
        Ok(score)
    };
    let mut io_error = None;
    let records = run_search(&plan, done, evaluate, &mut |r| {
        if let Err(e) = log.append(r) {
            io_error.get_or_insert(e);
        }
    });
    if let Some(e) = io_error {
        return Err(anyhow::anyhow!("writing the trial log: {e}"));
    }
    Ok(records)
}

/// A trial's configuration with its budget resource set (when the family uses halving).
pub fn with_resource(config: &Config, family: &FamilySearch, key: &str, resource: usize) -> Config {
    let mut c = config.clone();
    if family.halving.is_some() {
        c.insert(key.to_string(), resource.into());
    }
    c
}

pub fn trial_alias(family: &str, trial: usize) -> String {
    format!("{family}-t{trial}")
}

/// The `k` best trials of a family: each trial's record at the highest rung it reached,
/// ranked by rung (higher first), then score, then trial id.
pub fn top_trials(records: &[TrialRecord], k: usize) -> Vec<TrialRecord> {
    let mut last: BTreeMap<usize, &TrialRecord> = BTreeMap::new();
    for r in records.iter().filter(|r| r.score.is_some_and(f64::is_finite)) {
        let e = last.entry(r.trial).or_insert(r);
        if r.rung > e.rung {
            *e = r;
        }
    }
    let mut v: Vec<&TrialRecord> = last.into_values().collect();
    v.sort_by(|a, b| b.rung.cmp(&a.rung).then(a.score.unwrap_or(f64::INFINITY).total_cmp(&b.score.unwrap_or(f64::INFINITY))).then(a.trial.cmp(&b.trial)));
    v.into_iter().take(k).cloned().collect()
}

/// The trial log as CSV: one row per evaluation.
pub fn records_csv(records: &[TrialRecord]) -> String {
    let mut out = String::from("family,trial,rung,resource,score,seconds,error,config\n");
    for r in records {
        let config = serde_json::to_string(&r.config).unwrap_or_default().replace('"', "\"\"");
        let error = r.error.clone().unwrap_or_default().replace('"', "\"\"");
        out += &format!("{},{},{},{},{},{:.3},\"{error}\",\"{config}\"\n", r.family, r.trial, r.rung, r.resource, r.score.map(|s| s.to_string()).unwrap_or_default(), r.seconds);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(trial: usize, rung: usize, score: Option<f64>) -> TrialRecord {
        TrialRecord { family: "f".into(), trial, rung, resource: 10 * (rung + 1), config: Config::new(), score, error: None, seconds: 0.0 }
    }

    #[test]
    fn top_trials_prefer_higher_rungs_then_scores() {
        let records = vec![rec(0, 0, Some(0.5)), rec(1, 0, Some(0.4)), rec(2, 0, Some(0.9)), rec(1, 1, Some(0.45)), rec(3, 0, None)];
        let top = top_trials(&records, 2);
        assert_eq!(top.iter().map(|r| (r.trial, r.rung)).collect::<Vec<_>>(), vec![(1, 1), (0, 0)]);
    }

    #[test]
    fn the_log_round_trips_and_resume_drops_records_without_forecasts() {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("{e}"));
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
