//! What the database gives back: plain records, serializable for `--json`.

use serde::Serialize;

/// One recorded run (a `runs` row, with its submission's scores and trial count).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunSummary {
    /// A hash of the run's manifest.json (16 hex digits): the same run folder always
    /// gets the same id, another run never does.
    pub id: String,
    pub name: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SS.mmmZ`: finished minus the run's total seconds.
    pub started: String,
    /// When manifest.json was written (the run folder is swapped in right after).
    pub finished: String,
    /// When the run went into the database.
    pub recorded: String,
    pub tsforge_version: String,
    pub seed: Option<u64>,
    pub phase: String,
    pub horizon: Option<u64>,
    /// The head metric (`wrmsse` on M5 data, `mase` otherwise).
    pub metric: String,
    /// Whether scores come from held-out truth (else only backtest scores exist).
    pub scored: bool,
    pub data_source: String,
    pub data_kind: String,
    pub data_fingerprint: String,
    pub series: Option<u64>,
    pub train_end: String,
    /// The run folder, absolute.
    pub folder: String,
    /// The model bundle the run wrote, where it has one.
    pub bundle: Option<String>,
    pub submission_model: String,
    /// The submission model's head score and backtest score.
    pub submission_score: Option<f64>,
    pub submission_valid: Option<f64>,
    pub threads: Option<u64>,
    pub device: String,
    pub total_seconds: Option<f64>,
    /// Search evaluations recorded (lines of trials.jsonl).
    pub trials: u64,
}

impl RunSummary {
    /// The first 8 digits of the id, as lists print it (any unique prefix finds the run).
    pub fn short_id(&self) -> &str {
        self.id.get(..8).unwrap_or(&self.id)
    }

    /// The hex digits of an `fnv1a64:HEX:SIZE` fingerprint, shortened; other forms whole.
    pub fn short_fingerprint(&self) -> &str {
        let mut parts = self.data_fingerprint.split(':');
        match (parts.next(), parts.next()) {
            (Some(_), Some(hex)) if hex.len() >= 8 => hex.get(..8).unwrap_or(hex),
            _ => &self.data_fingerprint,
        }
    }
}

/// One leaderboard row of a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelScores {
    pub alias: String,
    pub family: String,
    pub rank: u64,
    /// The head metric on the scored window (None without truth).
    pub score: Option<f64>,
    /// The backtest (selection) score, the mean over windows.
    pub valid: Option<f64>,
    pub valid_windows: Vec<f64>,
    pub fit_seconds: Option<f64>,
    pub predict_seconds: Option<f64>,
    pub n_params: Option<u64>,
    pub seed: Option<u64>,
    /// The model behind submission.csv.
    pub selected: bool,
    /// Key hyperparameters as leaderboard.json has them.
    pub params: serde_json::Value,
    /// Ensemble members and weights.
    pub members: serde_json::Value,
    pub note: String,
    /// Every score of the row (rmsse, mase, smape, mae, rmse, bias, …).
    pub scores: serde_json::Value,
    /// The 12 M5 level scores (`level_1`..`level_12`), empty on long-format data.
    pub levels: Vec<Option<f64>>,
}

/// The search's evaluations of one model family in a run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FamilyTrials {
    pub family: String,
    pub trials: u64,
    /// Evaluations that ended in an error.
    pub failed: u64,
    /// The lowest score among them.
    pub best: Option<f64>,
    pub seconds: f64,
}

/// Everything recorded about one run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunDetail {
    pub run: RunSummary,
    /// The resolved recipe (manifest.json's `recipe`).
    pub recipe: serde_json::Value,
    pub submission_rule: String,
    pub timings: serde_json::Value,
    pub notes: Vec<String>,
    /// Whether the run folder still holds this run (a later run of the same name replaces
    /// the folder in place; the database keeps the older run's record).
    pub folder_current: bool,
    /// The leaderboard, by rank.
    pub models: Vec<ModelScores>,
    /// Trials per family, by family name.
    pub trials: Vec<FamilyTrials>,
}

/// Filters of `tsforge runs list`; every one given must hold.
#[derive(Debug, Clone, Default)]
pub struct ListFilter {
    /// The data source (`m5-tiny`, a path as given), a fingerprint or a prefix of its digits.
    pub data: Option<String>,
    /// The recipe's name (the run name).
    pub recipe: Option<String>,
    /// Runs started on or after this day (`YYYY-MM-DD`, UTC).
    pub since: Option<String>,
    /// Runs started on or before this day.
    pub until: Option<String>,
}

/// What [`Db::record_run`](super::Db::record_run) did.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recorded {
    pub id: String,
    pub name: String,
    /// The run was in the database already: its rows were replaced, not duplicated.
    pub replaced: bool,
    pub models: usize,
    pub trials: usize,
}
