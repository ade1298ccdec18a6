//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tsforge_automl::RunOptions;
use tsforge_core::Phase;

#[derive(Debug, Parser)]
#[command(name = "tsforge", version, about = "Time-series AutoML forecasting for retail demand (M5 and long-format panels)")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Fit every model, score it, and write the leaderboard, forecasts and submission; then
    /// record the run in the runs database (`--store`, default reports/tsforge.db).
    Run(RunCommandArgs),
    /// Print a finished run's leaderboard and render its Markdown and HTML reports again
    /// from its records (leaderboard.json).
    Leaderboard(LeaderboardArgs),
    /// Retrain the top configurations of a run under many seeds and report the spread.
    Variance(VarianceArgs),
    /// Run the whole AutoML at several earlier forecast origins and score each submission
    /// out of sample, beside fixed policies (every model, averages, the previous winner).
    Evaluate(EvaluateArgs),
    /// Forecast with a run's model bundle, without training: on the run's data by default
    /// (reproducing its forecasts), or on newer data (`--data`, `--phase evaluation`).
    Predict(PredictArgs),
    /// Print a recipe resolved: its `extends` chain merged and the overrides applied.
    Recipe {
        #[command(subcommand)]
        command: RecipeCommand,
    },
    /// Writes run folders to OUT over and over (each generation's files all say its
    /// number) until killed: the crash-consistency test of the run folder's swap.
    #[command(hide = true)]
    SwapLoop {
        out: PathBuf,
        #[arg(long, default_value_t = 20)]
        files: usize,
    },
    /// The runs database: list, show and compare recorded runs, forget old ones, record folders.
    Runs {
        #[command(subcommand)]
        command: RunsCommand,
    },
    /// Look at data or make some.
    Data {
        #[command(subcommand)]
        command: DataCommand,
    },
}

/// `tsforge run`: the run's settings, and where the finished run is recorded.
#[derive(Debug, Clone, Args)]
pub struct RunCommandArgs {
    #[command(flatten)]
    pub run: RunArgs,
    #[command(flatten)]
    pub record: RecordArgs,
}

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

#[derive(Debug, Clone, Args)]
pub struct LeaderboardArgs {
    /// A run folder (default: reports/quickstart).
    pub run: Option<PathBuf>,
    /// Print only, do not rewrite leaderboard.md/.csv/.html.
    #[arg(long)]
    pub no_write: bool,
}

#[derive(Debug, Clone, Args)]
pub struct VarianceArgs {
    /// The run's settings: recipe, overrides, data, output folder, seed (the first seed), …
    #[command(flatten)]
    pub run: RunArgs,
    /// Seeds per configuration (the run's seed, seed+1, …).
    #[arg(long, default_value_t = 10)]
    pub seeds: usize,
    /// Configurations retrained: the best K of the run by backtest score (plus the ensemble).
    #[arg(long, default_value_t = 3)]
    pub top: usize,
    /// Take the configurations from this finished run folder instead of running the recipe first.
    #[arg(long)]
    pub from: Option<PathBuf>,
}

#[derive(Debug, Clone, Args)]
pub struct EvaluateArgs {
    /// The run's settings: recipe, overrides, data, output folder (the report), seed, time limit per origin, …
    #[command(flatten)]
    pub run: RunArgs,
    /// Forecast origins; the last is the run's own (M5: d_1913), the others `--step` apart before it.
    #[arg(long, default_value_t = 8)]
    pub origins: usize,
    /// Periods between origins (default: the horizon).
    #[arg(long)]
    pub step: Option<usize>,
    /// Keep every origin's whole run folder (forecasts, cv.csv), not only its leaderboard.
    #[arg(long)]
    pub keep_runs: bool,
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
    /// Print nothing but errors.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Subcommand)]
pub enum RecipeCommand {
    /// Print the resolved recipe as TOML (exit code 2 if it does not validate).
    Show(ShowArgs),
}

#[derive(Debug, Clone, Args)]
pub struct ShowArgs {
    /// Recipe file (default: the built-in quickstart); `key=value` overrides may follow.
    pub recipe: Option<String>,
    /// Overrides with dotted paths: `seed=3 search.sampler=random search.families.gbdt.trials=4`.
    pub overrides: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum DataCommand {
    /// Series count, length, share of zeros and Syntetos-Boylan demand classes.
    Inspect(InspectArgs),
    /// Write a synthetic dataset in the exact M5 file layout.
    Synth(SynthArgs),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PhaseArg {
    Validation,
    Evaluation,
}

impl PhaseArg {
    pub fn phase(self) -> Phase {
        match self {
            PhaseArg::Validation => Phase::Validation,
            PhaseArg::Evaluation => Phase::Evaluation,
        }
    }
}

#[derive(Debug, Clone, Args, Default)]
pub struct RunArgs {
    /// Recipe file (TOML). Without one, the quickstart on the shipped m5-tiny data.
    pub recipe: Option<PathBuf>,
    /// `key=value` overrides of the recipe, dotted paths (`seed=3`, `search.families.gbdt.trials=4`).
    pub overrides: Vec<String>,
    /// An M5 folder, a long-format CSV/Parquet file, or a shipped dataset name (m5-tiny).
    #[arg(long)]
    pub data: Option<String>,
    /// Output folder (default: reports/RUN-NAME).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// M5 phase: validation (forecast d_1914..d_1941 and score) or evaluation (forecast d_1942..d_1969).
    #[arg(long, value_enum)]
    pub phase: Option<PhaseArg>,
    /// Random seed (recorded in the manifest; every random choice takes it).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Forecast horizon (28 on M5 data; required for long-format data unless the recipe sets it).
    #[arg(long)]
    pub horizon: Option<usize>,
    /// Frequency of long-format dates (daily, weekly, monthly, quarterly, yearly); inferred if absent.
    #[arg(long)]
    pub freq: Option<String>,
    /// Season length for seasonal models (default: from the frequency, 7 for daily data).
    #[arg(long)]
    pub season_length: Option<usize>,
    /// Models to run, comma separated aliases (default: the recipe's). Turns the search off:
    /// exactly these models run.
    #[arg(long, value_delimiter = ',')]
    pub models: Option<Vec<String>>,
    /// Wall-clock budget of the whole run (`90s`, `30m`, `1h`): no trial or model starts after it.
    #[arg(long)]
    pub time_limit: Option<String>,
    /// Continue an interrupted run with the same output folder from its trial log.
    #[arg(long)]
    pub resume: bool,
    /// Where neural models train: cpu (default), cuda or cuda:N (a build with `--features
    /// cuda`), wgpu (`--features wgpu`).
    #[arg(long)]
    pub device: Option<String>,
    /// No progress bars and no leaderboard on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
pub struct InspectArgs {
    /// An M5 folder, a long-format file, or a shipped dataset name (default: m5-tiny).
    pub data: Option<String>,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

#[derive(Debug, Clone, Args)]
pub struct SynthArgs {
    /// Number of stores (the first N of the ten M5 stores).
    #[arg(long, default_value_t = 10)]
    pub stores: usize,
    /// Items per store (up to 3049, the full M5 catalogue).
    #[arg(long, default_value_t = 3049)]
    pub items: usize,
    /// Days in the evaluation file (the validation file has 28 fewer).
    #[arg(long, default_value_t = 1941)]
    pub days: usize,
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Output folder.
    #[arg(long)]
    pub out: PathBuf,
    #[arg(long, short)]
    pub quiet: bool,
}

impl RunArgs {
    /// Moves a `key=value` first argument from the recipe slot to the overrides.
    pub fn split_overrides(&self) -> RunArgs {
        let first = self.recipe.as_ref().map(|p| p.to_string_lossy().to_string());
        let (recipe, overrides) = split_recipe_arg(first.as_deref(), &self.overrides);
        RunArgs { recipe, overrides, ..self.clone() }
    }

    /// The flags as the pipeline's options.
    pub fn options(&self) -> RunOptions {
        RunOptions {
            recipe_path: self.recipe.clone(),
            data: self.data.clone(),
            out: self.out.clone(),
            phase: self.phase.map(PhaseArg::phase),
            seed: self.seed,
            horizon: self.horizon,
            freq: self.freq.clone(),
            season_length: self.season_length,
            models: self.models.clone(),
            time_limit: self.time_limit.clone(),
            resume: self.resume,
            device: self.device.clone(),
        }
    }
}

/// A first positional argument that is `key=value` and not an existing file is an
/// override, not a recipe path (`tsforge run seed=3`).
pub fn split_recipe_arg(first: Option<&str>, rest: &[String]) -> (Option<PathBuf>, Vec<String>) {
    match first {
        Some(f) if f.contains('=') && !std::path::Path::new(f).exists() => (None, std::iter::once(f.to_string()).chain(rest.iter().cloned()).collect()),
        Some(f) => (Some(f.into()), rest.to_vec()),
        None => (None, rest.to_vec()),
    }
}
