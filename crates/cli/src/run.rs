//! `tsforge run`: load data, fit every model, score it, write the run folder.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use serde::Serialize;
use serde_json::json;
use tsforge_core::metrics::M5Evaluator;
use tsforge_core::{FeatureImportance, Forecast, Forecaster, Freq, Hierarchy, Panel, Phase};
use tsforge_data::long::LongSpec;
use tsforge_data::write::{long_forecast, m5_submission, write_atomic};
use tsforge_data::{m5, registry};
use tsforge_stats::catalog::CatalogOptions;

use crate::args::{PhaseArg, RunArgs};
use crate::exit::usage;
use crate::importance::ImportanceTable;
use tsforge_automl::search::{blend, caruana};
use tsforge_report::{Leaderboard, Member, Metric, Row, RunRecord};
use crate::progress::Progress;
use tsforge_neural::device::Accelerator;
use crate::models;
use crate::recipe::{check_models, Recipe};
use crate::scoring::Truth;
use crate::search::{Backtest, TrialLog, Window, records_csv, search_family, top_trials, trial_alias, with_resource};

pub const M5_HORIZON: usize = 28;

/// Recipe and flags merged: flags win.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub name: String,
    pub data: String,
    pub phase: Phase,
    pub seed: u64,
    pub horizon: Option<usize>,
    pub freq: Option<String>,
    pub season_length: Option<usize>,
    pub models: Vec<String>,
    /// Whether the models were named (flag or recipe) rather than defaulted.
    pub models_given: bool,
    /// Whether `--models` named them: then even M5-only models run on long-format data
    /// (and fail with a clear message); from a recipe they are skipped there.
    pub models_flag: bool,
    pub columns: crate::recipe::Columns,
    /// Prediction-interval levels (percent) written with long-format forecasts.
    pub levels: Vec<u8>,
    pub gbdt: crate::recipe::GbdtSettings,
    /// Wall-clock budget of the run in seconds.
    pub time_limit: Option<f64>,
    /// The search; off when `--models` names the models to run.
    pub search: Option<crate::recipe::SearchSettings>,
    /// Continue from the trial log of an interrupted run with the same output folder.
    pub resume: bool,
    /// Where neural models train (`cpu`, `cuda:0`).
    pub device: String,
    pub out: PathBuf,
}

impl Settings {
    pub fn resolve(args: &RunArgs, recipe: &Recipe) -> anyhow::Result<Settings> {
        let name = recipe.name.clone().unwrap_or_else(|| "quickstart".into());
        let phase = match args.phase {
            Some(PhaseArg::Validation) => Phase::Validation,
            Some(PhaseArg::Evaluation) => Phase::Evaluation,
            None => recipe.phase.unwrap_or_default(),
        };
        if let Some(models) = &args.models {
            check_models(models, "--models")?;
        }
        if args.season_length == Some(0) {
            return Err(usage("--season-length: must be at least 1"));
        }
        let time_limit = match &args.time_limit {
            Some(t) => Some(crate::layers::parse_duration(t).ok_or_else(|| usage(format!("--time-limit {t}: expected a duration such as 90s, 30m or 1h")))?),
            None => recipe.time_limit.as_deref().and_then(crate::layers::parse_duration),
        };
        let device = resolve_device(args.device.as_deref(), recipe.device.as_deref())?;
        Ok(Settings {
            device: device.to_string(),
            out: args.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(&name)),
            name,
            data: args.data.clone().or_else(|| recipe.data.as_deref().map(|d| beside_recipe(args.recipe.as_deref(), d))).unwrap_or_else(|| registry::DEFAULT_DATASET.into()),
            phase,
            seed: args.seed.or(recipe.seed).unwrap_or(0),
            horizon: args.horizon.or(recipe.horizon),
            freq: args.freq.clone().or_else(|| recipe.freq.clone()),
            season_length: args.season_length.or(recipe.season_length),
            models_given: args.models.is_some() || recipe.models.is_some(),
            models_flag: args.models.is_some(),
            models: args
                .models
                .clone()
                .or_else(|| recipe.models.clone())
                .unwrap_or_else(|| models::default_names(&recipe.gbdt)),
            columns: recipe.columns.clone(),
            levels: recipe.levels.clone().unwrap_or_else(|| vec![80, 95]),
            gbdt: recipe.gbdt.clone(),
            time_limit,
            search: if args.models.is_some() { None } else { recipe.search.clone() },
            resume: args.resume,
        })
    }
}

/// The device neural models train on (`--device` wins over the recipe's `device`), selected
/// for the whole process here so a missing GPU fails before any data is read.
fn resolve_device(flag: Option<&str>, recipe: Option<&str>) -> anyhow::Result<Accelerator> {
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

/// The loaded data, with what the run needs to know about where it came from.
pub(crate) struct Input {
    pub(crate) panel: Panel,
    /// M5 data: days in the validation file, if present.
    validation_days: Option<usize>,
    pub(crate) is_m5: bool,
    fingerprint: String,
}

pub(crate) fn load_input(s: &Settings) -> anyhow::Result<Input> {
    let path = Path::new(&s.data);
    let sources = if path.is_dir() {
        Some(m5::M5Sources::from_dir(path)?)
    } else if path.exists() {
        None
    } else {
        match registry::shipped(&s.data) {
            Some(src) => Some(src?),
            None => {
                return Err(usage(format!(
                    "--data {}: no such file or folder, and not a shipped dataset (shipped: {})",
                    s.data,
                    registry::SHIPPED.join(", ")
                )))
            }
        }
    };
    match sources {
        Some(src) => {
            let mut fp = Fingerprint::default();
            for f in [Some(&src.calendar), src.prices.as_ref(), src.validation.as_ref(), src.evaluation.as_ref()].into_iter().flatten() {
                fp.add(&f.bytes);
            }
            let data = m5::load(&src)?;
            Ok(Input { panel: data.panel, validation_days: data.validation_days.filter(|_| data.evaluation_days.is_some()), is_m5: true, fingerprint: fp.hex() })
        }
        None => {
            let freq = match &s.freq {
                Some(f) => Some(Freq::parse(f).ok_or_else(|| usage(format!("--freq {f}: expected daily, weekly, monthly, quarterly, yearly or period")))?),
                None => None,
            };
            let spec = LongSpec {
                id_col: s.columns.id.clone(),
                time_col: s.columns.time.clone(),
                target_col: s.columns.target.clone(),
                static_cols: s.columns.statics.clone(),
                dynamic_cols: None,
                freq,
            };
            let bytes = std::fs::read(path).map_err(|source| tsforge_data::DataError::Io { file: path.display().to_string(), source })?;
            let mut fp = Fingerprint::default();
            fp.add(&bytes);
            let panel = tsforge_data::long::load_bytes(path, bytes, &spec)?;
            Ok(Input { panel, validation_days: None, is_m5: false, fingerprint: fp.hex() })
        }
    }
}

/// FNV-1a over the input bytes, eight at a time: a cheap, stable identity of the data
/// for the manifest (not a cryptographic hash).
#[derive(Default)]
struct Fingerprint(u64, usize);

impl Fingerprint {
    fn add(&mut self, bytes: &[u8]) {
        if self.1 == 0 && self.0 == 0 {
            self.0 = 0xcbf2_9ce4_8422_2325;
        }
        let mut words = bytes.chunks_exact(8);
        for w in &mut words {
            let mut buf = [0u8; 8];
            buf.copy_from_slice(w);
            self.0 = (self.0 ^ u64::from_le_bytes(buf)).wrapping_mul(0x0100_0000_01b3);
        }
        for &b in words.remainder() {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.1 += bytes.len();
    }
    fn hex(&self) -> String {
        format!("fnv1a64:{:016x}:{}bytes", self.0, self.1)
    }
}

/// Where the run forecasts from and what it is scored against.
pub(crate) struct Plan {
    pub(crate) horizon: usize,
    pub(crate) season: usize,
    /// History before the forecast origin.
    pub(crate) train: Panel,
    /// Held-out truth after the origin (M5 validation phase, long format).
    pub(crate) truth: Option<Vec<f64>>,
    /// Backtest: the window right before the origin, for choosing the submission.
    pub(crate) valid: Option<(Panel, Vec<f64>)>,
    pub(crate) notes: Vec<String>,
}

pub(crate) fn plan(input: &Input, s: &Settings) -> anyhow::Result<Plan> {
    let p = &input.panel;
    let season = s.season_length.unwrap_or_else(|| p.index.freq().season_length());
    let mut notes = Vec::new();
    let (horizon, train, truth) = if input.is_m5 {
        let horizon = s.horizon.unwrap_or(M5_HORIZON);
        match (s.phase, input.validation_days) {
            (Phase::Validation, Some(vd)) if vd + horizon <= p.n_time() => {
                let (train, truth) = p.truncated(vd + horizon)?.holdout(horizon)?;
                notes.push(format!("Trained on d_1..d_{vd}, scored on d_{}..d_{} of the evaluation file.", vd + 1, vd + horizon));
                (horizon, train, Some(truth))
            }
            (Phase::Validation, Some(vd)) => {
                return Err(usage(format!("the evaluation file has {} days: too few to score a {horizon}-day forecast after d_{vd}", p.n_time())));
            }
            (phase, _) => {
                // Validation phase lands here only without both sales files: nothing to score against.
                if phase == Phase::Validation {
                    notes.push("Only one sales file: forecasting after its last day.".into());
                }
                notes.push(format!("Submission only: forecasting d_{}..d_{} (no truth to score against).", p.n_time() + 1, p.n_time() + horizon));
                (horizon, p.clone(), None)
            }
        }
    } else {
        let horizon = s.horizon.ok_or_else(|| usage("long-format data needs a horizon: pass --horizon H (or set horizon in the recipe)"))?;
        let (train, truth) = p.holdout(horizon).map_err(|e| usage(format!("{}: --horizon {horizon}: {e}", s.data)))?;
        notes.push(format!("The last {horizon} periods of each series are held out and scored (RMSSE, MASE, sMAPE)."));
        (horizon, train, Some(truth))
    };
    if input.is_m5 && p.prices.is_none() {
        notes.push("No sell_prices file: WRMSSE weights use unit sales instead of dollar sales.".into());
    }
    let valid = train.holdout(horizon).ok();
    if valid.is_none() {
        notes.push("Some series are too short for a validation window: the submission is chosen by the scored window.".into());
    }
    Ok(Plan { horizon, season, train, truth, valid, notes })
}

fn build_models(s: &Settings, season: usize, horizon: usize, is_m5: bool) -> anyhow::Result<Vec<Box<dyn Forecaster>>> {
    let opts = CatalogOptions { season, trim_leading_zeros: is_m5 };
    // The GBDT models need the M5 hierarchy and calendar: by default they run on M5 data only.
    s.models
        .iter()
        .filter(|m| is_m5 || s.models_flag || !models::needs_m5(m))
        .map(|m| models::build(m, &opts, &s.gbdt, horizon, s.seed))
        .collect()
}

pub(crate) fn evaluator(train: &Panel, horizon: usize) -> anyhow::Result<Option<M5Evaluator>> {
    match &train.attrs {
        Some(attrs) => Ok(Some(M5Evaluator::from_panel(train, Hierarchy::m5(attrs), horizon)?)),
        None => Ok(None),
    }
}

/// A model's forecast from one origin, with its timings and what it noted on the way.
pub(crate) struct Fit {
    pub(crate) forecast: Forecast,
    pub(crate) fit_seconds: f64,
    pub(crate) predict_seconds: f64,
    pub(crate) notes: Vec<String>,
    pub(crate) importance: Vec<FeatureImportance>,
    pub(crate) bundle: Option<String>,
    pub(crate) n_params: Option<u64>,
}

pub(crate) fn fit_predict(model: &dyn Forecaster, train: &Panel, horizon: usize, levels: &[u8]) -> anyhow::Result<Fit> {
    let t = Instant::now();
    let fitted = model.fit(train).map_err(|e| anyhow::anyhow!("{} failed to fit: {e}", model.alias()))?;
    let fit_seconds = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut forecast = fitted
        .predict_with_intervals(horizon, levels)
        .map_err(|e| anyhow::anyhow!("{} failed to predict: {e}", model.alias()))?;
    forecast.start = train.n_time();
    let predict_seconds = t.elapsed().as_secs_f64();
    let mut notes = fitted.notes();
    let capped = cap_forecast(train, &mut forecast.values, horizon);
    if capped > 0 {
        notes.push(format!("{capped} forecast values above {CAP}× their series' largest observed value were capped there"));
    }
    Ok(Fit { forecast, fit_seconds, predict_seconds, notes, importance: fitted.feature_importance(), bundle: fitted.to_json(), n_params: fitted.n_params() })
}

/// A forecast never exceeds this multiple of its series' largest observed value (at least 1).
pub(crate) const CAP: f64 = 5.0;

/// Caps runaway values (log-link boosters can extrapolate a rare leaf into thousands of
/// times a series' level: seen on the full-scale synthetic set) at `CAP` × the series'
/// largest observed value; returns how many values were capped.
pub(crate) fn cap_forecast(train: &Panel, values: &mut [f64], horizon: usize) -> usize {
    let mut capped = 0;
    for (i, row) in values.chunks_mut(horizon).enumerate().take(train.n_series()) {
        let top = train.observed(i).iter().filter(|v| v.is_finite()).fold(1.0f64, |m, &v| m.max(f64::from(v)));
        let cap = CAP * top;
        for v in row.iter_mut().filter(|v| **v > cap) {
            *v = cap;
            capped += 1;
        }
    }
    capped
}

/// One leaderboard entry with its forecasts: of the scored window and, where a
/// backtest exists, of the backtest window (the ensemble's raw material).
struct Entry {
    row: Row,
    forecast: Forecast,
    valid_forecast: Option<Vec<f64>>,
    importance: Vec<FeatureImportance>,
    bundle: Option<String>,
}

pub fn execute(args: &RunArgs) -> anyhow::Result<()> {
    let started = Instant::now();
    let (recipe, _) = Recipe::resolve(args.recipe.as_deref(), &args.overrides)?;
    let s = Settings::resolve(args, &recipe)?;
    let deadline = s.time_limit.map(|t| started + Duration::from_secs_f64(t));
    // boosters stop adding trees once the limit has passed (fits already running end soon);
    // the guard lifts the budget when the run ends, however it ends
    tsforge_gbdt::budget::set_deadline(deadline);
    let _budget = BudgetGuard;
    let progress = Progress::new(args.quiet);
    let input = progress.step("loading data", || load_input(&s))?;
    let load_s = started.elapsed().as_secs_f64();
    let mut plan = plan(&input, &s)?;
    let metric = if input.is_m5 { Metric::Wrmsse } else { Metric::Mase };
    let scored_ev = if plan.truth.is_some() { evaluator(&plan.train, plan.horizon)? } else { None };
    let windows = backtest_windows(&mut plan, s.search.as_ref().map_or(1, |x| x.backtest_windows))?;
    let backtest = (!windows.is_empty()).then(|| Backtest { windows: &windows, metric, horizon: plan.horizon, season: plan.season });
    let score_truth = |f: &Forecast| -> anyhow::Result<crate::scoring::Scores> {
        Ok(match &plan.truth {
            Some(actual) => Truth { train: &plan.train, actual, horizon: plan.horizon, season: plan.season, m5: scored_ev.as_ref() }.score(f)?,
            None => Default::default(),
        })
    };
    let past = |d: Option<Instant>| d.is_some_and(|d| Instant::now() >= d);

    // 1. the fixed models of the recipe
    let mut entries: Vec<Entry> = Vec::new();
    let mut timings = serde_json::Map::new();
    let stage = Instant::now();
    for model in build_models(&s, plan.season, plan.horizon, input.is_m5)? {
        let alias = model.alias().to_string();
        if past(deadline) && !entries.is_empty() {
            plan.notes.push(format!("The time limit was reached before {alias}: it and the fixed models after it were not fitted."));
            break;
        }
        let fit = progress.step(&format!("fitting {alias}"), || fit_predict(model.as_ref(), &plan.train, plan.horizon, &s.levels))?;
        let scores = score_truth(&fit.forecast)?;
        let (valid, valid_forecast) = match &backtest {
            Some(b) => {
                let (values, score) = progress.step(&format!("validating {alias}"), || b.run(model.as_ref())).map_err(|e| anyhow::anyhow!("{alias} failed on the backtest: {e}"))?;
                (Some(score), Some(values))
            }
            None => (None, None),
        };
        let seed = models::uses_seed(&alias).then_some(s.seed);
        let row = Row { alias, family: model.family().to_string(), scores, valid, fit_seconds: fit.fit_seconds, predict_seconds: fit.predict_seconds, note: fit.notes.join("; "), n_params: fit.n_params, seed, ..Row::default() };
        entries.push(Entry { row, forecast: fit.forecast, valid_forecast, importance: fit.importance, bundle: fit.bundle });
    }
    timings.insert("fixed_models_seconds".into(), stage.elapsed().as_secs_f64().into());

    // 2. the search: trials on the backtest, the best of each family refitted on all data
    let stage = Instant::now();
    let mut trial_records = Vec::new();
    let mut trial_log = None;
    if let Some(search) = &s.search
        && !search.families.is_empty()
    {
        match &backtest {
            Some(backtest) => {
                let (log, done) = TrialLog::open(&s.out, s.resume)?;
                if !done.is_empty() {
                    plan.notes.push(format!("Resumed: {} finished evaluations taken from the trial log.", done.len()));
                }
                let search_deadline = s.time_limit.map(|t| started + Duration::from_secs_f64(t * search.search_share));
                for (name, family) in search.families.iter().filter(|(_, f)| f.enabled) {
                    if !input.is_m5 && models::needs_m5(&family.model) {
                        plan.notes.push(format!("Search {name} skipped: {} needs M5 data (hierarchy, calendar).", family.model));
                        continue;
                    }
                    let records = progress.step(&format!("searching {name} ({} trials of {})", family.trials, family.model), || {
                        search_family(name, family, search, s.seed, search_deadline, backtest, &log, &done, &s.gbdt)
                    })?;
                    let evaluated = records.iter().filter(|r| r.rung == 0).count();
                    if evaluated < family.trials {
                        plan.notes.push(format!("Search {name}: {evaluated} of {} trials ran before the time limit.", family.trials));
                    }
                    for rec in top_trials(&records, search.refit) {
                        let alias = trial_alias(name, rec.trial);
                        // a refit on all data costs about what the backtest fit did: skip one that would overrun
                        let expected = Duration::from_secs_f64(rec.seconds * 1.2);
                        if deadline.is_some_and(|d| Instant::now() + expected >= d) {
                            plan.notes.push(format!("Not enough time left under the time limit to refit {alias} (its backtest fit took {:.0} s).", rec.seconds));
                            break;
                        }
                        let config = with_resource(&rec.config, family, models::resource_key(&family.model), rec.resource);
                        let model = models::build_config(&family.model, &alias, &config, &s.gbdt, plan.horizon, s.seed)?;
                        let fit = progress.step(&format!("refitting {alias}"), || fit_predict(model.as_ref(), &plan.train, plan.horizon, &s.levels))?;
                        let scores = score_truth(&fit.forecast)?;
                        let mut note = fit.notes;
                        note.insert(0, format!("trial {} of search {name} ({}), backtest at {} = {}", rec.trial, family.model, models::resource_key(&family.model), rec.resource));
                        let row = Row {
                            alias,
                            family: model.family().to_string(),
                            scores,
                            valid: rec.score,
                            fit_seconds: fit.fit_seconds,
                            predict_seconds: fit.predict_seconds,
                            note: note.join("; "),
                            params: config.iter().map(|(k, v)| (k.clone(), param_text(v))).collect(),
                            n_params: fit.n_params,
                            seed: Some(s.seed),
                            ..Row::default()
                        };
                        entries.push(Entry { row, forecast: fit.forecast, valid_forecast: log.forecast(&rec), importance: fit.importance, bundle: fit.bundle });
                    }
                    trial_records.extend(records);
                }
                trial_log = Some(log);
            }
            _ => plan.notes.push("No backtest window (series too short): the search was skipped.".into()),
        }
    }
    timings.insert("search_seconds".into(), stage.elapsed().as_secs_f64().into());

    // 3. the ensemble: Caruana's selection on the backtest, applied to the final forecasts
    let stage = Instant::now();
    if let (Some(search), Some(backtest)) = (&s.search, &backtest)
        && search.ensemble.enabled
    {
        let members: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].valid_forecast.is_some() && entries[i].row.valid.is_some_and(f64::is_finite)).collect();
        if members.len() >= 2 {
            let valid_sets: Vec<&[f64]> = members.iter().filter_map(|&i| entries[i].valid_forecast.as_deref()).collect();
            let n = plan.train.n_series();
            let loss = |values: &[f64]| -> f64 { backtest.score(values).unwrap_or(f64::INFINITY) };
            let ens = progress.step("ensembling", || caruana(&valid_sets, search.ensemble.rounds, &loss))?;
            let finals: Vec<&[f64]> = members.iter().map(|&i| entries[i].forecast.values.as_slice()).collect();
            let values = blend(&finals, &ens.weights)?;
            let valid_values = blend(&valid_sets, &ens.weights)?;
            let forecast = Forecast::new("Ensemble", n, plan.horizon, plan.train.n_time(), values)?;
            let scores = score_truth(&forecast)?;
            let mut chosen: Vec<Member> = members.iter().zip(&ens.weights).filter(|(_, w)| **w > 0.0).map(|(&i, &w)| Member { alias: entries[i].row.alias.clone(), weight: w }).collect();
            chosen.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.alias.cmp(&b.alias)));
            let fit_seconds = chosen.iter().filter_map(|m| entries.iter().find(|e| e.row.alias == m.alias)).map(|e| e.row.fit_seconds).sum();
            let note = format!(
                "Caruana greedy selection with replacement over {} candidates, {} rounds, on the backtest window (its valid score is in-sample for the weights); members refitted on all training data",
                members.len(),
                search.ensemble.rounds
            );
            let row = Row { alias: "Ensemble".into(), family: "ensemble".into(), scores, valid: Some(ens.loss), fit_seconds, note, members: chosen, ..Row::default() };
            entries.push(Entry { row, forecast, valid_forecast: Some(valid_values), importance: Vec::new(), bundle: None });
        }
    }
    timings.insert("ensemble_seconds".into(), stage.elapsed().as_secs_f64().into());

    // The submission is the best model on the validation window (never on the scored window,
    // unless no validation window exists); ties go to the earlier model in the recipe.
    let pick = |r: &Row| if plan.valid.is_some() { r.valid } else { metric.of(&r.scores) };
    let best = (0..entries.len())
        .min_by(|&a, &b| pick(&entries[a].row).unwrap_or(f64::INFINITY).total_cmp(&pick(&entries[b].row).unwrap_or(f64::INFINITY)).then(a.cmp(&b)))
        .ok_or_else(|| anyhow::anyhow!("no model was fitted"))?;
    entries[best].row.selected = true;
    let best_alias = entries[best].row.alias.clone();

    let suffix = if s.phase == Phase::Evaluation { "_evaluation" } else { "_validation" };
    let render = |f: &Forecast| if input.is_m5 { m5_submission(&plan.train, f, suffix) } else { long_forecast(&plan.train, f) };
    let mut files: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let mut importance = ImportanceTable::default();
    for e in &entries {
        files.push((PathBuf::from("forecasts").join(format!("{}.csv", e.forecast.alias)), render(&e.forecast).into_bytes()));
        importance.add(&e.row.alias, &e.importance);
        if let Some(b) = &e.bundle {
            files.push((PathBuf::from("models").join(format!("{}.json", e.row.alias)), b.clone().into_bytes()));
        }
    }
    files.push(("submission.csv".into(), render(&entries[best].forecast).into_bytes()));
    let series = crate::plots::series_plots(&plan.train, plan.truth.as_deref(), plan.horizon, &entries.iter().map(|e| (&e.row, &e.forecast)).collect::<Vec<_>>());
    let board = Leaderboard::new(metric, plan.truth.is_some(), entries.into_iter().map(|e| e.row).collect());
    let title = format!("tsforge leaderboard: {} ({}, {} phase)", s.name, s.data, s.phase.name());
    files.push(("leaderboard.csv".into(), board.to_csv().into_bytes()));
    files.push(("leaderboard.md".into(), board.to_markdown(&title, &plan.notes).into_bytes()));
    let horizon_labels = (0..plan.horizon).map(|k| plan.train.index.label(plan.train.n_time() + k)).collect();
    let record = RunRecord { title: title.clone(), leaderboard: board.clone(), notes: plan.notes.clone(), series, horizon_labels };
    files.push(("leaderboard.json".into(), pretty(&serde_json::to_value(&record)?)));
    files.push(("leaderboard.html".into(), tsforge_report::to_html(&record).into_bytes()));
    if !importance.is_empty() {
        files.push(("feature_importance.csv".into(), importance.to_csv().into_bytes()));
    }
    if let Some(log) = &trial_log {
        files.push(("trials.jsonl".into(), log.records_text().into_bytes()));
        files.push(("trials.csv".into(), records_csv(&trial_records).into_bytes()));
    }
    let p = &input.panel;
    timings.insert("load_seconds".into(), load_s.into());
    timings.insert("total_seconds".into(), started.elapsed().as_secs_f64().into());
    let manifest = json!({
        "tsforge_version": env!("CARGO_PKG_VERSION"),
        "run_name": s.name,
        "recipe": s,
        "seed": s.seed,
        "phase": s.phase,
        "threads": rayon_threads(),
        "data": {
            "source": s.data,
            "kind": if input.is_m5 { "m5" } else { "long" },
            "fingerprint": input.fingerprint,
            "series": p.n_series(),
            "time_points": p.n_time(),
            "frequency": p.index.freq(),
            "first": p.index.label(0),
            "last": p.index.label(p.n_time().saturating_sub(1)),
        },
        "horizon": plan.horizon,
        "train_end": plan.train.index.label(plan.train.n_time() - 1),
        "forecast_window": [plan.train.index.label(plan.train.n_time()), plan.train.index.label(plan.train.n_time() + plan.horizon - 1)],
        "scored": plan.truth.is_some(),
        "metric": metric.name(),
        "submission_model": best_alias,
        "trials": trial_records.len(),
        "notes": plan.notes,
        "timings": timings,
    });
    files.push(("manifest.json".into(), pretty(&manifest)));
    write_run_folder(&s.out, &files)?;
    if let Some(log) = trial_log {
        log.remove();
    }
    if !args.quiet {
        println!("{title}\n");
        print!("{}", board.to_terminal());
        println!("\n* submission: {best_alias}. {}", plan.notes.join(" "));
        println!("Wrote {}", s.out.display());
    }
    Ok(())
}

/// Clears the boosting deadline when dropped.
struct BudgetGuard;

impl Drop for BudgetGuard {
    fn drop(&mut self) {
        tsforge_gbdt::budget::set_deadline(None);
    }
}

/// The backtest windows, the last first: the plan's validation window, then up to
/// `count − 1` earlier ones, each with its own WRMSSE weights (M5 data).
fn backtest_windows(plan: &mut Plan, count: usize) -> anyhow::Result<Vec<Window>> {
    let Some((vtrain, vtruth)) = &plan.valid else { return Ok(Vec::new()) };
    let mut out = vec![Window { m5: evaluator(vtrain, plan.horizon)?, train: vtrain.clone(), actual: vtruth.clone() }];
    for k in 1..count {
        let cut = plan.train.n_time().saturating_sub(k * plan.horizon);
        match plan.train.truncated(cut).and_then(|p| p.holdout(plan.horizon)) {
            Ok((train, actual)) => out.push(Window { m5: evaluator(&train, plan.horizon)?, train, actual }),
            Err(_) => {
                plan.notes.push(format!("Only {k} backtest windows fit in the training data."));
                break;
            }
        }
    }
    if out.len() > 1 {
        let first = |w: &Window| w.train.index.label(w.train.n_time());
        let starts: Vec<String> = out.iter().map(first).collect();
        plan.notes.push(format!("Backtest: {} windows of {} periods starting {} (scores are their mean).", out.len(), plan.horizon, starts.join(", ")));
    }
    Ok(out)
}

/// A hyperparameter value for the leaderboard: strings bare, floats to 4 significant digits.
fn param_text(v: &serde_json::Value) -> String {
    match v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Number(n) if n.is_f64() => n.as_f64().map(|x| format!("{}", format_sig(x, 4))).unwrap_or_default(),
        other => other.to_string(),
    }
}

fn format_sig(x: f64, digits: i32) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    let scale = 10f64.powi(digits - 1 - x.abs().log10().floor() as i32);
    (x * scale).round() / scale
}

pub(crate) fn pretty(v: &serde_json::Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).unwrap_or_default();
    out.push(b'\n');
    out
}

fn rayon_threads() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
}

/// Writes every file into a temporary sibling folder, then swaps it into place, so an
/// interrupted run leaves the previous report (or nothing), never half of a new one.
pub(crate) fn write_run_folder(out: &Path, files: &[(PathBuf, Vec<u8>)]) -> anyhow::Result<()> {
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).with_context(|| format!("creating {}", parent.display()))?;
    let name = out.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_else(|| "run".into());
    let tmp = parent.join(format!(".{name}.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    for (rel, bytes) in files {
        let path = tmp.join(rel);
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        write_atomic(&path, bytes)?;
    }
    if out.exists() {
        let old = parent.join(format!(".{name}.old-{}", std::process::id()));
        std::fs::rename(out, &old).with_context(|| format!("replacing {}", out.display()))?;
        let _ = std::fs::remove_dir_all(&old);
    }
    std::fs::rename(&tmp, out).with_context(|| format!("moving the report into {}", out.display()))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runaway_forecasts_are_capped_at_five_times_the_series_maximum() {
        let index = tsforge_core::TimeIndex::Periods { start: 0, len: 3 };
        let panel = Panel::dense(vec!["a".into(), "b".into()], index, vec![1.0, 4.0, 2.0, 0.0, 0.0, 0.0]).unwrap_or_else(|e| panic!("{e}"));
        // a: max 4 → cap 20; b: all zeros → cap 5 (at least 1 × 5)
        let mut values = vec![3.0, 25.0, 20.0, 6.0, 0.5, 5.0];
        assert_eq!(cap_forecast(&panel, &mut values, 3), 2);
        assert_eq!(values, vec![3.0, 20.0, 20.0, 5.0, 0.5, 5.0]);
    }
}
