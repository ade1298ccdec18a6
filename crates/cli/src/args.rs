//! Command-line definitions.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tsforge_core::Phase;

mod run;
mod store;

pub use run::{RunArgs, StageArg, split_recipe_arg};
pub use store::{DEFAULT_STORE, MonitorArgs, PredictArgs, RecordArgs, RunsCommand, RunsCompareArgs, RunsGcArgs, RunsListArgs, RunsRecordArgs, RunsShowArgs, ServeArgs};

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
    /// Join the parts of a sharded run (`tsforge run --plan PLAN --shard K/N`) into one run
    /// folder: leaderboard, submission, quantiles and HTML of the whole panel, scored exactly.
    Merge(MergeArgs),
    /// Forecast with a run's model bundle, without training: on the run's data by default
    /// (reproducing its forecasts), or on newer data (`--data`, `--phase evaluation`).
    Predict(PredictArgs),
    /// Serve bundles over HTTP (POST /v1/forecast, GET /v1/models, /healthz, /metrics),
    /// several side by side with an A/B split; every answer is logged for `monitor`.
    Serve(ServeArgs),
    /// Join logged forecasts (predict, serve) to the actuals: error per origin and arm,
    /// bias, an arm-against-arm test, alarms (exit code 3 when one fires).
    Monitor(MonitorArgs),
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

#[derive(Debug, Clone, Args)]
pub struct MergeArgs {
    /// Part folders (each holding part.json), or folders of them.
    #[arg(required = true)]
    pub parts: Vec<PathBuf>,
    /// The data, where it lies elsewhere on this machine than where the plan's search read
    /// it (it must be the same files: their fingerprint is checked).
    #[arg(long)]
    pub data: Option<String>,
    /// Output folder (default: reports/RUN-NAME).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// No progress bars and no leaderboard on the terminal.
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub record: RecordArgs,
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
