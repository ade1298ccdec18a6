//! Arguments of `tsforge run` (also the base of `variance` and `evaluate`).

use std::path::PathBuf;

use clap::Args;
use tsforge_automl::RunOptions;

use super::PhaseArg;

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
    /// validation: hold out and score the last horizon (M5: forecast d_1914..d_1941); evaluation: fit on all
    /// the data and forecast the future (M5: d_1942..d_1969; long format: the periods after the last date).
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
    /// `search`: the search stage of a sharded run. The run as usual, plus `plan.json` in
    /// its folder (the chosen models, configurations and ensemble weights) for `--plan`.
    #[arg(long, value_enum, conflicts_with_all = ["plan", "shard"])]
    pub stage: Option<StageArg>,
    /// With `--stage search`: search on a stratified sample of N series (by store,
    /// department and demand class); the shards fit the plan on every series.
    #[arg(long, value_name = "N", requires = "stage")]
    pub sample: Option<usize>,
    /// Fit a search stage's plan (its plan.json or its run folder) instead of searching:
    /// with `--shard`, one shard's part; without, the whole run in this process.
    #[arg(long, value_name = "PLAN", conflicts_with_all = ["models", "resume"])]
    pub plan: Option<PathBuf>,
    /// `K/N`: fit shard K (0-based) of N and write its part to `--out`, for `tsforge merge`.
    /// `auto/N` takes K from JOB_COMPLETION_INDEX (Kubernetes) or SLURM_ARRAY_TASK_ID (Slurm).
    #[arg(long, value_name = "K/N", requires = "plan")]
    pub shard: Option<String>,
}

/// The stages of a sharded run `--stage` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum StageArg {
    Search,
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
            sample: self.sample,
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
