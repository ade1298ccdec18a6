//! Arguments of the commands over what outlives a run: recording a run, `tsforge runs`,
//! `tsforge predict`, `tsforge serve`, `tsforge monitor`.

use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::PhaseArg;

/// Where `tsforge run` records its run. The run folder is the artifact and the database
/// only its index: a database that cannot be written costs a warning, never the run.
#[derive(Debug, Clone, Args, Default)]
pub struct RecordArgs {
    /// Runs database to record the finished run in (default: reports/tsforge.db under the
    /// current folder). If it cannot be written the run still succeeds, with a warning.
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Do not record the run in a runs database.
    #[arg(long, conflicts_with = "store")]
    pub no_store: bool,
}

/// Where `tsforge run` records runs and `tsforge runs` reads them, under the current folder.
pub const DEFAULT_STORE: &str = "reports/tsforge.db";

/// The runs database every `tsforge runs` command reads.
#[derive(Debug, Clone, Args)]
pub struct StoreArg {
    /// Runs database (written by `tsforge run`).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_STORE)]
    pub store: PathBuf,
}

#[derive(Debug, Subcommand)]
pub enum RunsCommand {
    /// Recorded runs, newest first: id, name, start, data, submission and its score, folder.
    List(RunsListArgs),
    /// One run: its facts, leaderboard and trials per family. RUN is an id, a unique
    /// prefix of one, a run name (its newest run) or a run folder.
    Show(RunsShowArgs),
    /// Two runs side by side: every model's score in each and B − A, the 12 M5 level
    /// scores of the models in both, and the facts (data, recipe, seed, version) that differ.
    Compare(RunsCompareArgs),
    /// Keep the newest N runs of each run name; forget the older ones (their folders too
    /// with --delete-folders).
    Gc(RunsGcArgs),
    /// Record finished run folders (runs made with --no-store, or before the database):
    /// a folder recorded before replaces its own record, never duplicates it.
    Record(RunsRecordArgs),
}

#[derive(Debug, Clone, Args)]
pub struct RunsRecordArgs {
    /// Runs database (created if missing).
    #[arg(long, value_name = "PATH", default_value = DEFAULT_STORE)]
    pub store: PathBuf,
    /// Run folders.
    #[arg(required = true)]
    pub folders: Vec<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct RunsListArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Only runs on this data: its source as given (`m5-tiny`, a path), its fingerprint or
    /// the start of the fingerprint's digits.
    #[arg(long, value_name = "SOURCE_OR_FINGERPRINT")]
    pub data: Option<String>,
    /// Only runs of this recipe name (the run name).
    #[arg(long, value_name = "NAME")]
    pub recipe: Option<String>,
    /// Only runs started on or after this day (UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub since: Option<String>,
    /// Only runs started on or before this day (UTC).
    #[arg(long, value_name = "YYYY-MM-DD")]
    pub until: Option<String>,
    /// Print JSON instead of a table.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RunsShowArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// An id, a unique prefix of one, a run name (its newest run) or a run folder.
    pub run: String,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RunsCompareArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// The first run (A): an id, a unique id prefix, a run name or a run folder.
    pub run_a: String,
    /// The second run (B); differences are B − A (negative: B scored lower, i.e. better).
    pub run_b: String,
    /// Print JSON instead of tables.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Clone, Args)]
pub struct RunsGcArgs {
    #[command(flatten)]
    pub store: StoreArg,
    /// Runs kept per run name, the newest by start time (at least 1).
    #[arg(long, value_name = "N")]
    pub keep: usize,
    /// Also delete the forgotten runs' folders: only folders that carry tsforge's run
    /// marker and still hold that very run (never a folder a newer run has replaced).
    #[arg(long)]
    pub delete_folders: bool,
}

#[derive(Debug, Args)]
pub struct PredictArgs {
    /// The bundle: a run folder's `bundle/` (or the run folder itself).
    pub bundle: PathBuf,
    /// M5 folder, long-format file or shipped dataset (default: the run's data).
    #[arg(long)]
    pub data: Option<String>,
    /// Forecast origin rule (default: the run's): validation = after the validation
    /// file's last day (long format: the last horizon held out), evaluation = after the
    /// data's last period.
    #[arg(long, value_enum)]
    pub phase: Option<PhaseArg>,
    /// Last period of history to forecast from: a date, a period number or `d_N`.
    #[arg(long)]
    pub as_of: Option<String>,
    /// Output folder (default: reports/RUN-predict).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The label the forecast log keeps this prediction under (an A/B arm's name for
    /// `tsforge monitor`).
    #[arg(long, default_value = "batch")]
    pub arm: String,
    #[command(flatten)]
    pub log: LogArgs,
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

/// Where forecasts are logged for `tsforge monitor`.
#[derive(Debug, Clone, Args, Default)]
pub struct LogArgs {
    /// Runs database that logs the forecasts (default: reports/tsforge.db).
    #[arg(long, value_name = "PATH")]
    pub store: Option<PathBuf>,
    /// Do not log the forecasts.
    #[arg(long, conflicts_with = "store")]
    pub no_store: bool,
}

impl LogArgs {
    /// The database to log to, or `None`.
    pub fn path(&self) -> Option<PathBuf> {
        (!self.no_store).then(|| self.store.clone().unwrap_or_else(|| PathBuf::from(DEFAULT_STORE)))
    }
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Bundles to serve: run folders or their `bundle/`, as `NAME=PATH` to name the A/B
    /// arm (default name: the run's).
    #[arg(required = true, value_name = "BUNDLE")]
    pub bundles: Vec<String>,
    /// Share of the series per arm, by a stable hash of the series id:
    /// `champion=0.9,challenger=0.1` (default: equal shares).
    #[arg(long)]
    pub split: Option<String>,
    /// Data the served series' history comes from (default: each bundle's run data).
    #[arg(long)]
    pub data: Option<String>,
    /// Forecast origin rule, as for `tsforge predict`.
    #[arg(long, value_enum)]
    pub phase: Option<PhaseArg>,
    /// Last period of history to forecast from (a request may choose an earlier one).
    #[arg(long)]
    pub as_of: Option<String>,
    /// Address to listen on; loopback unless you mean to expose the server.
    #[arg(long, default_value = "127.0.0.1")]
    pub host: String,
    /// Port (0: any free port; the one chosen is printed).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Worker threads for HTTP and forecasting (default: the machine's cores).
    #[arg(long, default_value_t = 0)]
    pub threads: usize,
    /// Largest request body in MiB.
    #[arg(long, default_value_t = 64)]
    pub max_body_mb: usize,
    /// Most series in one request.
    #[arg(long, default_value_t = 50_000)]
    pub max_series: usize,
    #[command(flatten)]
    pub log: LogArgs,
}

#[derive(Debug, Args)]
pub struct MonitorArgs {
    /// The actuals: an M5 folder, a long-format file or a shipped dataset.
    #[arg(long, value_name = "DIR|FILE")]
    pub actuals: String,
    #[command(flatten)]
    pub store: StoreArg,
    /// Only this bundle (its id or a prefix of it).
    #[arg(long)]
    pub bundle: Option<String>,
    /// Only this arm.
    #[arg(long)]
    pub arm: Option<String>,
    /// Origins in the rolling error that is held against the backtest band.
    #[arg(long, default_value_t = 7)]
    pub window: usize,
    /// The band ends at the backtest score × (1 + TOLERANCE).
    #[arg(long, default_value_t = 0.5)]
    pub tolerance: f64,
    /// Largest |bias| (forecast total / actual total − 1) before an alarm.
    #[arg(long, default_value_t = 0.25)]
    pub max_bias: f64,
    /// Report folder (monitor.md, monitor.html, monitor.json).
    #[arg(long, default_value = "reports/monitor")]
    pub out: PathBuf,
    /// Print nothing but errors and alarms.
    #[arg(long, short)]
    pub quiet: bool,
}
