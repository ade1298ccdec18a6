//! A run's settings: the recipe with the command line's options on top (options win),
//! checked before any data is read.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tsforge_core::Phase;
use tsforge_data::registry;
use tsforge_neural::device::Accelerator;

use crate::error::{Result, usage};
use crate::recipe::layers::parse_duration;
use crate::recipe::{Columns, Recipe, ReconcileSettings, SearchSettings};
use crate::registry::Registry;

/// What a caller sets beside the recipe (the command line's flags). `None` keeps the
/// recipe's value.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// The recipe file the recipe came from (its folder anchors a relative `data` path).
    pub recipe_path: Option<PathBuf>,
    pub data: Option<String>,
    pub out: Option<PathBuf>,
    pub phase: Option<Phase>,
    pub seed: Option<u64>,
    pub horizon: Option<usize>,
    pub freq: Option<String>,
    pub season_length: Option<usize>,
    /// Exactly these models run (the search is off).
    pub models: Option<Vec<String>>,
    /// `90s`, `30m`, `1h`.
    pub time_limit: Option<String>,
    /// Continue from the trial log of an interrupted run with the same output folder.
    pub resume: bool,
    /// `cpu`, `cuda`, `cuda:N`, `wgpu`.
    pub device: Option<String>,
    /// Search on a stratified sample of this many series (a sharded run's search stage).
    pub sample: Option<usize>,
}

/// Recipe and options merged: options win. Saved in the manifest and the bundle
/// (`tsforge predict` reads its data the way the run did).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Settings {
    pub name: String,
    pub data: String,
    pub phase: Phase,
    pub seed: u64,
    pub horizon: Option<usize>,
    pub freq: Option<String>,
    pub season_length: Option<usize>,
    pub models: Vec<String>,
    /// The fixed models on a long-format panel, where the recipe names them apart
    /// (`panel_models`); `--models` names the models for every kind of data.
    pub panel_models: Option<Vec<String>>,
    /// Whether the models were named (option or recipe) rather than defaulted.
    pub models_given: bool,
    /// Whether the options named them: then even models whose data needs are not met run
    /// (and fail with a clear message); from a recipe they are skipped.
    pub models_flag: bool,
    pub columns: Columns,
    /// Prediction-interval levels (percent) written with long-format forecasts.
    pub levels: Vec<u8>,
    pub gbdt: tsforge_gbdt::GbdtSection,
    /// Wall-clock budget of the run in seconds.
    pub time_limit: Option<f64>,
    /// The search; off when the options name the models to run.
    pub search: Option<SearchSettings>,
    /// Reconciled variants of the best models; off, like the search, when the options
    /// name the models to run.
    pub reconcile: Option<ReconcileSettings>,
    /// Continue from the trial log of an interrupted run with the same output folder.
    pub resume: bool,
    /// Where neural models train (`cpu`, `cuda:0`).
    pub device: String,
    pub out: PathBuf,
    /// Search on a stratified sample of this many series (`--stage search --sample N`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<usize>,
}

impl Settings {
    pub fn resolve(options: &RunOptions, recipe: &Recipe, registry: &Registry) -> Result<Settings> {
        // data given on the command line names the run after itself, so another dataset
        // never lands in (and replaces) the recipe's run folder
        let name = match (&options.data, &recipe.name) {
            (Some(d), _) if Some(d) != recipe.data.as_ref() => name_from_data(d),
            (_, Some(n)) => n.clone(),
            (_, None) => "quickstart".into(),
        };
        crate::names::check_name("name", &name)?;
        if let Some(models) = &options.models {
            registry.check_names(models, "--models")?;
        }
        if options.season_length == Some(0) {
            return Err(usage("--season-length: must be at least 1"));
        }
        if options.horizon == Some(0) {
            return Err(usage("--horizon: must be at least 1"));
        }
        let time_limit = match &options.time_limit {
            Some(t) => Some(parse_duration(t).ok_or_else(|| usage(format!("--time-limit {t}: expected a duration such as 90s, 30m or 1h, at most 30 days")))?),
            None => recipe.time_limit.as_deref().and_then(parse_duration),
        };
        let device = resolve_device(options.device.as_deref(), recipe.device.as_deref())?;
        let partition = recipe.gbdt.partition.unwrap_or_default();
        Ok(Settings {
            device: device.to_string(),
            out: options.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(&name)),
            name,
            data: options.data.clone().or_else(|| recipe.data.as_deref().map(|d| beside_recipe(options.recipe_path.as_deref(), d))).unwrap_or_else(|| registry::DEFAULT_DATASET.into()),
            phase: options.phase.or(recipe.phase).unwrap_or_default(),
            seed: options.seed.or(recipe.seed).unwrap_or(0),
            horizon: options.horizon.or(recipe.horizon),
            freq: options.freq.clone().or_else(|| recipe.freq.clone()),
            season_length: options.season_length.or(recipe.season_length),
            models_given: options.models.is_some() || recipe.models.is_some(),
            models_flag: options.models.is_some(),
            models: options.models.clone().or_else(|| recipe.models.clone()).unwrap_or_else(|| registry.default_names(partition.alias_suffix())),
            panel_models: if options.models.is_some() { None } else { recipe.panel_models.clone() },
            columns: recipe.columns.clone(),
            levels: recipe.levels.clone().unwrap_or_else(|| vec![80, 95]),
            gbdt: recipe.gbdt.clone(),
            time_limit,
            search: if options.models.is_some() { None } else { recipe.search.clone() },
            reconcile: if options.models.is_some() { None } else { recipe.reconcile.clone() },
            resume: options.resume,
            sample: options.sample,
        })
    }
}

/// A run name from a data path: the file's or folder's name without extensions
/// (`panel.csv.gz` → `panel`), with any character a folder name should not hold
/// replaced by `_`.
fn name_from_data(data: &str) -> String {
    let base = Path::new(data).file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
    let stem = base.split('.').next().unwrap_or_default();
    let clean: String = stem.chars().take(100).map(|c| if c.is_alphanumeric() || "-_".contains(c) { c } else { '_' }).collect();
    if clean.is_empty() { "run".into() } else { clean }
}

/// The device neural models train on (`--device` wins over the recipe's `device`), selected
/// for the whole process here so a missing GPU fails before any data is read.
fn resolve_device(flag: Option<&str>, recipe: Option<&str>) -> Result<Accelerator> {
    let (source, text) = match (flag, recipe) {
        (Some(f), _) => ("--device", f),
        (None, Some(r)) => ("device", r),
        (None, None) => return Ok(Accelerator::Cpu),
    };
    let accelerator: Accelerator = text.parse().map_err(|e| usage(format!("{source}: {e}")))?;
    tsforge_neural::device::select(accelerator).map_err(|e| usage(format!("{source}: {e}")))?;
    Ok(accelerator)
}

/// A recipe's relative data path is taken from the recipe's folder when it exists there
/// (`data = "../datasets/..."` in recipes/), else as given (from the working folder, or a
/// shipped dataset name).
fn beside_recipe(recipe: Option<&Path>, data: &str) -> String {
    let dir = recipe.and_then(Path::parent).filter(|d| !d.as_os_str().is_empty());
    match dir {
        Some(dir) if Path::new(data).is_relative() && dir.join(data).exists() => dir.join(data).display().to_string(),
        _ => data.to_string(),
    }
}
