//! The run pipeline: data → plan → fixed models → search → refits → ensemble → the
//! submission choice → the run folder. The `tsforge run` command is a thin shell over it.
//!
//! ```
//! use tsforge_automl::pipeline::{Pipeline, RunOptions, Settings};
//! use tsforge_automl::recipe::Recipe;
//! use tsforge_automl::registry::Registry;
//!
//! let registry = Registry::standard();
//! let (recipe, _) = Recipe::resolve(None, &[], &registry)?; // the built-in quickstart
//! // `--models` turns the search off: exactly these models run
//! let out = std::env::temp_dir().join("tsforge-doc-example");
//! let models = Some(vec!["Naive".to_string(), "SeasonalNaive".to_string()]);
//! let options = RunOptions { models, out: Some(out.clone()), ..RunOptions::default() };
//! let settings = Settings::resolve(&options, &recipe, &registry)?;
//! let outcome = Pipeline::new(settings, registry).run()?;
//! assert_eq!(outcome.submission, "SeasonalNaive"); // the better backtest score
//! let best = &outcome.record.leaderboard.rows[0];
//! assert_eq!((best.alias.as_str(), best.scores.wrmsse.map(|w| (w * 1e4).round())), ("SeasonalNaive", Some(8518.0)));
//! outcome.write()?; // the run folder, swapped in whole
//! assert!(out.join("submission.csv").is_file() && out.join("cv.csv").is_file());
//! # std::fs::remove_dir_all(&out).ok();
//! # Ok::<(), tsforge_automl::AutomlError>(())
//! ```

pub mod backtest;
pub mod fit;
pub mod importance;
pub mod input;
pub mod output;
pub mod plan;
pub mod plots;
pub mod progress;
pub mod reconciled;
pub mod run_folder;
pub mod scale_out;
pub mod scoring;
pub mod search_stage;
pub mod settings;
pub mod trial_log;
pub mod uncertainty;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use tsforge_core::{FeatureImportance, FitContext, Forecast};
use tsforge_report::{Member, Metric, Row, RunRecord};

pub use backtest::Backtest;
pub use fit::{Fit, cap_forecast, fit_predict};
pub use input::Input;
pub use plan::{BacktestWindow, Plan};
pub use progress::{Event, Progress, Silent};
pub use scoring::Truth;
pub use settings::{RunOptions, Settings};

use crate::error::{Result, failed};
use crate::registry::{BuildContext, Registry};
use crate::search::{EnsembleMethod, EnsembleRule, blend, cross_fit, ensemble_weights};
use search_stage::{SearchRun, top_trials, trial_alias, with_resource};
use trial_log::TrialLog;

/// One leaderboard entry with its forecasts: of the scored window and, where a
/// backtest exists, of the backtest windows (the ensemble's raw material).
#[derive(Debug, Clone)]
pub struct Entry {
    pub row: Row,
    pub forecast: Forecast,
    pub valid_forecast: Option<Vec<f64>>,
    pub importance: Vec<FeatureImportance>,
    pub bundle: Option<String>,
    /// How to fit it again (a shard of a plan does): its registry model and configuration.
    pub spec: Option<scale_out::ModelSpec>,
}

/// A finished run, not yet written: its record, every file of the run folder, and what
/// was submitted.
#[derive(Debug)]
pub struct RunOutcome {
    pub record: RunRecord,
    /// Alias of the model behind `submission.csv`.
    pub submission: String,
    /// Run folder and its files (paths relative to it).
    pub out: PathBuf,
    pub files: Vec<output::RunFile>,
    /// Every model's forecast of the scored window, in the order the models ran.
    pub forecasts: Vec<Forecast>,
    /// Every model's backtest forecast (the windows one after another), where it has one.
    pub backtests: Vec<(String, Vec<f64>)>,
    /// The training data's series and covariates (what a model bundle records).
    pub shape: DataShape,
    /// How to fit each model again (the entries that have a configuration), for a plan.
    pub specs: Vec<scale_out::ModelSpec>,
    /// The data's fingerprint.
    pub fingerprint: String,
    /// The search ran on a stratified sample: (series taken, series in the data).
    pub sample: Option<(usize, usize)>,
    trial_log: Option<TrialLog>,
    /// Held from the start of the run until its folder is written.
    lock: Option<run_folder::Lock>,
}

impl RunOutcome {
    /// Writes the run folder (a temporary folder swapped in whole) and removes the
    /// trial log it no longer needs.
    pub fn write(self) -> Result<()> {
        output::write_run_folder(&self.out, &self.files)?;
        if let Some(log) = self.trial_log {
            log.remove();
        }
        drop(self.lock);
        Ok(())
    }
}

/// The series of a run's training data and which covariates it had.
#[derive(Debug, Clone, PartialEq)]
pub struct DataShape {
    pub series: Vec<String>,
    pub prices: bool,
    pub calendar: bool,
    pub hierarchy: bool,
}

impl DataShape {
    pub fn of(panel: &tsforge_core::Panel) -> DataShape {
        DataShape { series: panel.ids.clone(), prices: panel.prices.is_some(), calendar: panel.calendar.is_some(), hierarchy: panel.attrs.is_some() }
    }
}

/// A run of settings over a registry of models.
pub struct Pipeline<'a> {
    settings: Settings,
    registry: Registry,
    progress: &'a dyn Progress,
}

impl std::fmt::Debug for Pipeline<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pipeline").field("settings", &self.settings).finish_non_exhaustive()
    }
}

impl<'a> Pipeline<'a> {
    pub fn new(settings: Settings, registry: Registry) -> Pipeline<'static> {
        Pipeline { settings, registry, progress: &Silent }
    }

    /// Reports the run's events to `progress`.
    pub fn with_progress(self, progress: &dyn Progress) -> Pipeline<'_> {
        Pipeline { settings: self.settings, registry: self.registry, progress }
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// Loads the settings' data and runs.
    pub fn run(&self) -> Result<RunOutcome> {
        let started = Instant::now();
        self.progress.event(&Event::Started { deadline: self.settings.time_limit.map(|t| started + Duration::from_secs_f64(t)) });
        self.progress.event(&Event::Stage("loading data"));
        let mut input = Input::load(&self.settings)?;
        if let Some(n) = self.settings.sample {
            let total = input.panel.n_series();
            let idx = scale_out::sample::stratified(&input.panel, n, self.settings.seed);
            if idx.len() < total {
                input.panel = input.panel.select(&idx)?;
                input.sampled = Some((idx.len(), total));
            }
        }
        self.run_on(&input, started)
    }

    /// Runs on data already loaded; `started` is when the run's time limit began.
    pub fn run_on(&self, input: &Input, started: Instant) -> Result<RunOutcome> {
        let s = &self.settings;
        // where the run folder goes is checked before any work: a folder tsforge did not
        // make, the data's own folder or an unwritable place fail now, not after the fits
        run_folder::check_out(&s.out, std::path::Path::new(&s.data))?;
        let lock = run_folder::Lock::take(&s.out)?;
        let recovered = run_folder::recover(&s.out)?;
        let load_seconds = started.elapsed().as_secs_f64();
        let deadline = s.time_limit.map(|t| started + Duration::from_secs_f64(t));
        let past = |d: Option<Instant>| d.is_some_and(|d| Instant::now() >= d);
        let mut plan = Plan::new(input, s)?;
        plan.notes.extend(recovered);
        if let Some((taken, total)) = input.sampled {
            plan.notes.push(format!("Searched on a stratified sample of {taken} of {total} series (by store, department and demand class; seed {}).", s.seed));
        }
        let metric = if input.is_m5 { Metric::Wrmsse } else { Metric::Mase };
        let scored_ev = if plan.truth.is_some() { Plan::evaluator(&plan.train, plan.horizon)? } else { None };
        let windows = plan.backtest_windows(s.search.as_ref().map_or(1, |x| x.backtest_windows))?;
        let ctx = FitContext::new(plan.horizon).with_seed(s.seed).with_deadline(deadline).with_levels(&s.levels);
        let backtest = (!windows.is_empty()).then(|| Backtest { windows: &windows, metric, horizon: plan.horizon, season: plan.season, ctx: ctx.clone() });
        let build = BuildContext::new(plan.horizon, plan.season, input.is_m5, crate::recipe::model_sections(&s.gbdt));
        let score_truth = |f: &Forecast| -> Result<tsforge_report::Scores> {
            Ok(match &plan.truth {
                Some(actual) => Truth { train: &plan.train, actual, horizon: plan.horizon, season: plan.season, m5: scored_ev.as_ref() }.score(f)?,
                None => Default::default(),
            })
        };
        if let Some(actual) = &plan.truth
            && let Some(note) = (Truth { train: &plan.train, actual, horizon: plan.horizon, season: plan.season, m5: None }).scale_note()
        {
            plan.notes.push(note);
        }
        let mut timings = serde_json::Map::new();

        // 1. the fixed models of the recipe
        self.progress.event(&Event::Stage("fixed models"));
        let mut entries: Vec<Entry> = Vec::new();
        let stage = Instant::now();
        let fixed = if input.is_m5 { &s.models } else { s.panel_models.as_ref().unwrap_or(&s.models) };
        for name in fixed {
            let entry = self.registry.entry(name, "models")?;
            // models whose data needs the data does not meet run only when named by flag (and fail clearly there)
            let met = entry.needs.met_by(input.panel.attrs.is_some(), input.panel.calendar.is_some(), input.panel.prices.is_some());
            if !met && !s.models_flag && !input.is_m5 {
                continue;
            }
            let model = self.registry.build(name, name, &serde_json::Map::new(), &build)?;
            let alias = model.alias().to_string();
            if past(deadline) && !entries.is_empty() {
                plan.notes.push(format!("The time limit was reached before {alias}: it and the fixed models after it were not fitted."));
                break;
            }
            self.progress.event(&Event::Model { action: "fitting", alias: &alias });
            let fit = fit_predict(model.as_ref(), &plan.train, &ctx)?;
            let scores = score_truth(&fit.forecast)?;
            let (valid, valid_forecast) = match &backtest {
                Some(b) => {
                    self.progress.event(&Event::Model { action: "validating", alias: &alias });
                    let (values, score) = b.run(model.as_ref()).map_err(|e| failed(format!("{alias} failed on the backtest: {e}")))?;
                    (Some(score), Some(values))
                }
                None => (None, None),
            };
            let seed = entry.seeded.then_some(s.seed);
            let valid_windows = backtest.as_ref().map(|b| per_window(b, valid_forecast.as_deref())).unwrap_or_default();
            let row = Row { alias, family: model.family().to_string(), scores, valid, valid_windows, seed, ..fit_row(&fit) };
            let spec = scale_out::ModelSpec { alias: name.clone(), model: name.clone(), family: row.family.clone(), params: serde_json::Map::new() };
            entries.push(Entry { row, forecast: fit.forecast, valid_forecast, importance: fit.importance, bundle: fit.bundle, spec: Some(spec) });
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
                    self.progress.event(&Event::Stage("search"));
                    let (log, done, damaged) = TrialLog::open(&s.out, s.resume)?;
                    plan.notes.extend(damaged);
                    if !done.is_empty() {
                        plan.notes.push(format!("Resumed: {} finished evaluations taken from the trial log.", done.len()));
                    }
                    let search_deadline = s.time_limit.map(|t| started + Duration::from_secs_f64(t * search.search_share));
                    // trials score on the latest windows only; refits catch up on the rest
                    let split = search.trial_windows.unwrap_or(windows.len()).min(windows.len());
                    let trial_backtest = Backtest { windows: &windows[..split], ..backtest.clone() };
                    let rest = Backtest { windows: &windows[split..], ..backtest.clone() };
                    let mut run = SearchRun {
                        settings: search,
                        seed: s.seed,
                        deadline: search_deadline,
                        backtest: &trial_backtest,
                        log: &log,
                        done: &done,
                        registry: &self.registry,
                        build: &build,
                        progress: self.progress,
                    };
                    let families: Vec<_> = search.families.iter().filter(|(_, f)| f.enabled).collect();
                    for (k, &(name, family)) in families.iter().enumerate() {
                        run.deadline = search_stage::family_deadline(search_deadline, Instant::now(), families.len() - k);
                        let entry = self.registry.entry(&family.model, &format!("search.families.{name}.model"))?;
                        if !input.is_m5 && !entry.needs.met_by(input.panel.attrs.is_some(), input.panel.calendar.is_some(), input.panel.prices.is_some()) {
                            plan.notes.push(format!("Search {name} skipped: {} needs {} (the data has none).", family.model, entry.needs.describe()));
                            continue;
                        }
                        let records = run.family(name, family)?;
                        let evaluated = records.iter().filter(|r| r.rung == 0).count();
                        if evaluated < family.trials {
                            plan.notes.push(format!("Search {name}: {evaluated} of {} trials ran before the time limit.", family.trials));
                        }
                        let key = self.registry.search_resource(&family.model)?.key();
                        for rec in top_trials(&records, search.refit) {
                            let alias = trial_alias(name, rec.trial);
                            // a refit on all data costs about what the backtest fit did: skip one that would overrun
                            let expected = Duration::from_secs_f64(rec.seconds * 1.2 * (1.0 + rest.windows.len() as f64 / split.max(1) as f64));
                            if deadline.is_some_and(|d| Instant::now() + expected >= d) {
                                plan.notes.push(format!("Not enough time left under the time limit to refit {alias} (its backtest fit took {:.0} s).", rec.seconds));
                                break;
                            }
                            let config = with_resource(&rec.config, family, key, rec.resource);
                            let params: serde_json::Map<String, serde_json::Value> = config.clone().into_iter().collect();
                            let model = self.registry.build(&family.model, &alias, &params, &build)?;
                            self.progress.event(&Event::Model { action: "refitting", alias: &alias });
                            let fit = fit_predict(model.as_ref(), &plan.train, &ctx)?;
                            let scores = score_truth(&fit.forecast)?;
                            let (valid_forecast, valid) = match log.forecast(&rec) {
                                Some(mut values) if !rest.windows.is_empty() => {
                                    self.progress.event(&Event::Model { action: "validating", alias: &alias });
                                    let (more, _) = rest.run(model.as_ref()).map_err(|e| failed(format!("{alias} failed on the backtest: {e}")))?;
                                    values.extend(more);
                                    let score = backtest.score(&values);
                                    (Some(values), score)
                                }
                                values => (values, rec.score),
                            };
                            let mut note = fit.notes.clone();
                            note.insert(0, format!("trial {} of search {name} ({}), backtest at {} = {}", rec.trial, family.model, key.unwrap_or("its default budget"), rec.resource));
                            let row = Row {
                                alias,
                                family: model.family().to_string(),
                                scores,
                                valid,
                                valid_windows: per_window(backtest, valid_forecast.as_deref()),
                                note: note.join("; "),
                                params: config.iter().map(|(k, v)| (k.clone(), output::param_text(v))).collect(),
                                seed: Some(s.seed),
                                ..fit_row(&fit)
                            };
                            let spec = scale_out::ModelSpec { alias: row.alias.clone(), model: family.model.clone(), family: row.family.clone(), params };
                            entries.push(Entry { row, forecast: fit.forecast, valid_forecast, importance: fit.importance, bundle: fit.bundle, spec: Some(spec) });
                        }
                        trial_records.extend(records);
                    }
                    trial_log = Some(log);
                }
                None => plan.notes.push("No backtest window (series too short): the search was skipped.".into()),
            }
        }
        timings.insert("search_seconds".into(), stage.elapsed().as_secs_f64().into());

        // 3. the ensemble: Caruana's selection on the backtest, applied to the final forecasts
        let stage = Instant::now();
        if let (Some(search), Some(backtest)) = (&s.search, &backtest)
            && search.ensemble.enabled
            && let Some(entry) = self.ensemble(&entries, backtest, &search.ensemble.rule(), &plan, &score_truth)?
        {
            entries.push(entry);
        }
        timings.insert("ensemble_seconds".into(), stage.elapsed().as_secs_f64().into());

        // The submission: the ensemble when there is one (averaging held up better out of
        // sample than picking one window's winner: `tsforge evaluate`); otherwise the best
        // mean backtest score (the scored window only when no backtest window fits the
        // data); ties go to the earlier model in the recipe.
        let pick = |r: &Row| if plan.valid.is_some() { r.valid } else { metric.of(&r.scores) };
        let ensemble = entries.iter().position(|e| e.row.family == "ensemble" && e.row.valid.is_some_and(f64::is_finite));
        let best = match ensemble {
            Some(i) => i,
            None => (0..entries.len())
                .min_by(|&a, &b| pick(&entries[a].row).unwrap_or(f64::INFINITY).total_cmp(&pick(&entries[b].row).unwrap_or(f64::INFINITY)).then(a.cmp(&b)))
                .ok_or_else(|| failed("no model was fitted"))?,
        };
        entries[best].row.selected = true;
        let submission = entries[best].row.alias.clone();

        // 4. reconciled variants of the best models (M5 data), after the submission's
        // choice: they carry no saved form, so a bundle could not rebuild them
        let stage = Instant::now();
        if let (Some(rec), Some(backtest), Some(attrs)) = (&s.reconcile, &backtest, &plan.train.attrs) {
            if past(deadline) {
                plan.notes.push("The time limit was reached before the reconciled variants: none were made.".into());
            } else {
                let notes = self.reconcile_best(&mut entries, rec, backtest, attrs, &ctx, &build, &plan.train, &score_truth)?;
                plan.notes.extend(notes);
            }
        }
        timings.insert("reconcile_seconds".into(), stage.elapsed().as_secs_f64().into());

        let (first, last) = windows.first().map(|w| window_label(w, plan.horizon)).unwrap_or_default();
        let rule = match (ensemble, windows.len()) {
            (Some(_), k) => format!("the ensemble ({}, on {k} backtest window(s) of {} periods, the latest {first}..{last})", s.search.as_ref().map_or("", |x| x.ensemble.method.name()), plan.horizon),
            (None, 0) => format!("the lowest {} on the scored window (no backtest window fits the data)", metric.name()),
            (None, 1) => format!("the lowest backtest {} on the window {first}..{last} (ties go to the model listed first)", metric.name()),
            (None, k) => format!("the lowest mean backtest {} over {k} windows of {} periods, the latest {first}..{last} (ties go to the model listed first)", metric.name(), plan.horizon),
        };
        timings.insert("load_seconds".into(), load_seconds.into());
        let finish = Finish { input, plan, windows: &windows, metric, scored_ev: scored_ev.as_ref(), trial_records, trial_log, timings, started, lock };
        self.finish(finish, entries, submission, rule)
    }

    /// The run from its leaderboard entries on: every model's quantiles, the submission
    /// rule in the notes, the run folder's files.
    fn finish(&self, f: Finish<'_>, mut entries: Vec<Entry>, submission: String, rule: String) -> Result<RunOutcome> {
        let s = &self.settings;
        let Finish { input, mut plan, windows, metric, scored_ev, trial_records, trial_log, mut timings, started, lock } = f;
        // 5. quantiles of every model (every level of M5 data), from its backtest errors
        let stage = Instant::now();
        let origin_ev = if scored_ev.is_none() && input.is_m5 { Plan::evaluator(&plan.train, plan.horizon)? } else { None };
        let quantile_ev = scored_ev.or(origin_ev.as_ref());
        let quantiles = quantile_ev.and_then(|ev| uncertainty::attach(&mut entries, windows, ev, plan.truth.as_deref()).map(|q| (ev.hierarchy(), q)));
        if !input.is_m5
            && let Some(evs) = uncertainty::Evaluators::long(&plan.train, windows, plan.horizon)
        {
            uncertainty::attach_with(&mut entries, windows, &evs, plan.truth.as_deref(), &s.levels);
        }
        timings.insert("uncertainty_seconds".into(), stage.elapsed().as_secs_f64().into());
        plan.notes.push(format!("Submission rule: {rule}."));

        self.progress.event(&Event::Stage("writing"));
        let run = output::Finished {
            settings: s,
            input,
            plan: &plan,
            windows,
            metric,
            trial_records: &trial_records,
            trial_log: trial_log.as_ref(),
            submission: &submission,
            quantiles: quantiles.as_ref().map(|(h, q)| (*h, q.as_slice())),
            rule: &rule,
            timings,
            started,
        };
        let forecasts = entries.iter().map(|e| e.forecast.clone()).collect();
        let backtests = entries.iter().filter_map(|e| Some((e.row.alias.clone(), e.valid_forecast.clone()?))).collect();
        let specs = entries.iter().filter_map(|e| e.spec.clone()).collect();
        let (record, files) = run.files(entries)?;
        self.progress.event(&Event::Finished { seconds: started.elapsed().as_secs_f64() });
        let shape = DataShape::of(&plan.train);
        Ok(RunOutcome { record, submission, out: s.out.clone(), files, forecasts, backtests, shape, specs, fingerprint: input.fingerprint.clone(), sample: input.sampled, trial_log, lock: Some(lock) })
    }

    /// Adds the reconciled variants of the `rec.top` best entries by backtest score.
    #[allow(clippy::too_many_arguments)]
    fn reconcile_best(
        &self,
        entries: &mut Vec<Entry>,
        rec: &crate::recipe::ReconcileSettings,
        backtest: &Backtest<'_>,
        attrs: &[tsforge_core::hierarchy::SeriesAttrs],
        ctx: &FitContext,
        build: &BuildContext,
        train: &tsforge_core::Panel,
        score_truth: &dyn Fn(&Forecast) -> Result<tsforge_report::Scores>,
    ) -> Result<Vec<String>> {
        let mut best: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].valid_forecast.is_some() && entries[i].row.valid.is_some_and(f64::is_finite)).collect();
        best.sort_by(|&a, &b| entries[a].row.valid.unwrap_or(f64::INFINITY).total_cmp(&entries[b].row.valid.unwrap_or(f64::INFINITY)).then(a.cmp(&b)));
        best.truncate(rec.top);
        let mut notes = Vec::new();
        if best.is_empty() {
            return Ok(notes);
        }
        self.progress.event(&Event::Stage("reconciling"));
        let structure = reconciled::structure_of(&tsforge_core::Hierarchy::m5(attrs));
        let model = self.registry.build(&rec.aggregate_model, &rec.aggregate_model, &serde_json::Map::new(), build)?;
        let agg = reconciled::AggregateForecasts::fit(model.as_ref(), &structure, train, backtest.windows, ctx)?;
        let n = structure.aggregates.len() + structure.n_bottom;
        if n > reconciled::MINT_MAX_SERIES {
            notes.push(format!("MinT reconciliation skipped: {n} series over all levels (its dense covariance is limited to {}); top-down variants only.", reconciled::MINT_MAX_SERIES));
        }
        let mut made = Vec::new();
        for i in best {
            self.progress.event(&Event::Model { action: "reconciling", alias: &entries[i].row.alias });
            made.extend(reconciled::variants(&entries[i], &agg, &structure, backtest, score_truth)?);
        }
        entries.extend(made);
        Ok(notes)
    }

    /// The ensemble of every entry with a backtest forecast, weighted by the recipe's
    /// rule on the backtest; `None` with fewer than two candidates.
    fn ensemble(&self, entries: &[Entry], backtest: &Backtest<'_>, rule: &EnsembleRule, plan: &Plan, score_truth: &dyn Fn(&Forecast) -> Result<tsforge_report::Scores>) -> Result<Option<Entry>> {
        let scored: Vec<usize> = (0..entries.len()).filter(|&i| entries[i].valid_forecast.is_some() && entries[i].row.valid.is_some_and(f64::is_finite)).collect();
        // models that forecast the same numbers (Naive and SeasonalNaive with a season of
        // 1) are one candidate, not two: else equal weights count that forecast twice
        let mut members: Vec<usize> = Vec::with_capacity(scored.len());
        let mut duplicates = Vec::new();
        for &i in &scored {
            let same = |&j: &usize| entries[j].valid_forecast == entries[i].valid_forecast && entries[j].forecast.values == entries[i].forecast.values;
            match members.iter().find(|j| same(j)) {
                Some(&j) => duplicates.push(format!("{} (= {})", entries[i].row.alias, entries[j].row.alias)),
                None => members.push(i),
            }
        }
        if members.len() < 2 {
            return Ok(None);
        }
        self.progress.event(&Event::Stage("ensemble"));
        let valid_sets: Vec<&[f64]> = members.iter().filter_map(|&i| entries[i].valid_forecast.as_deref()).collect();
        let scores: Vec<f64> = members.iter().map(|&i| entries[i].row.valid.unwrap_or(f64::INFINITY)).collect();
        let n = plan.train.n_series();
        let loss = |values: &[f64]| -> f64 { backtest.score(values).unwrap_or(f64::INFINITY) };
        // `auto`: the method whose weights hold up on a backtest window they were not fitted on
        let (rule, chosen_by) = match rule.method {
            EnsembleMethod::Auto => {
                let window_scores: Vec<Vec<f64>> = members.iter().map(|&i| entries[i].row.valid_windows.clone()).collect();
                let fit = cross_fit(rule, &valid_sets, &window_scores, &|v: &[f64]| backtest.window_scores(v)).map_err(|e| failed(format!("ensembling: {e}")))?;
                let how = if fit.scores.is_empty() {
                    "; the method would be chosen by cross-fitting over backtest windows, but there is one".to_string()
                } else {
                    let each: Vec<String> = fit.scores.iter().map(|(m, v)| format!("{} {v:.4}", m.name())).collect();
                    format!("; chosen by cross-fitting (weights fitted on all backtest windows but one, scored on that one, in turn; mean held-out score: {})", each.join(", "))
                };
                (EnsembleRule { method: fit.method, ..*rule }, how)
            }
            _ => (*rule, String::new()),
        };
        let rule = &rule;
        let (weights, valid) = ensemble_weights(rule, &valid_sets, &scores, &loss).map_err(|e| failed(format!("ensembling: {e}")))?;
        let finals: Vec<&[f64]> = members.iter().map(|&i| entries[i].forecast.values.as_slice()).collect();
        let values = blend(&finals, &weights).map_err(|e| failed(format!("ensembling: {e}")))?;
        let valid_values = blend(&valid_sets, &weights).map_err(|e| failed(format!("ensembling: {e}")))?;
        let forecast = Forecast::new("Ensemble", n, plan.horizon, plan.train.n_time(), values)?;
        let scores = score_truth(&forecast)?;
        let mut chosen: Vec<Member> = members.iter().zip(&weights).filter(|(_, w)| **w > 0.0).map(|(&i, &w)| Member { alias: entries[i].row.alias.clone(), weight: w }).collect();
        chosen.sort_by(|a, b| b.weight.total_cmp(&a.weight).then_with(|| a.alias.cmp(&b.alias)));
        let fit_seconds = chosen.iter().filter_map(|m| entries.iter().find(|e| e.row.alias == m.alias)).map(|e| e.row.fit_seconds).sum();
        let how = match rule.method {
            EnsembleMethod::Caruana => format!("Caruana greedy selection with replacement, {} rounds", rule.rounds),
            EnsembleMethod::TopK => format!("equal weights on the {} best by backtest score", rule.top_k),
            EnsembleMethod::Shrunk => format!("Caruana's weights ({} rounds) shrunk {:.0}% toward equal weights on the {} best by backtest score", rule.rounds, rule.shrinkage * 100.0, rule.top_k),
            EnsembleMethod::Stack => format!(
                "non-negative stacking weights fitted to the backtest {} (argmin L-BFGS, the {} best by backtest score entering, from equal weights on the {} best)",
                backtest.metric.name(),
                crate::search::stacking::STACK_CANDIDATES,
                rule.top_k
            ),
            EnsembleMethod::Auto => format!("equal weights on the {} best by backtest score", rule.top_k),
        };
        let mut note = format!("{how}{chosen_by}, over {} candidates on the backtest (its valid score is in-sample for the weights); members refitted on all training data", members.len());
        if !duplicates.is_empty() {
            note += &format!("; left out as identical to an earlier candidate: {}", duplicates.join(", "));
        }
        let valid_windows = per_window(backtest, Some(&valid_values));
        let row = Row { alias: "Ensemble".into(), family: "ensemble".into(), scores, valid: Some(valid), valid_windows, fit_seconds, note, members: chosen, ..Row::default() };
        Ok(Some(Entry { row, forecast, valid_forecast: Some(valid_values), importance: Vec::new(), bundle: None, spec: None }))
    }
}

/// What a run's last steps need, from the steps before them.
pub(crate) struct Finish<'a> {
    pub input: &'a Input,
    pub plan: Plan,
    pub windows: &'a [BacktestWindow],
    pub metric: Metric,
    pub scored_ev: Option<&'a tsforge_core::metrics::M5Evaluator>,
    pub trial_records: Vec<crate::search::TrialRecord>,
    pub trial_log: Option<TrialLog>,
    pub timings: serde_json::Map<String, serde_json::Value>,
    pub started: Instant,
    pub lock: run_folder::Lock,
}

/// First and last label of a backtest window.
fn window_label(w: &BacktestWindow, horizon: usize) -> (String, String) {
    let t = w.train.n_time();
    (w.train.index.label(t), w.train.index.label(t + horizon - 1))
}

/// The backtest score of each window (empty with a single window, where the mean says it all).
pub(crate) fn per_window(backtest: &Backtest<'_>, values: Option<&[f64]>) -> Vec<f64> {
    match values {
        Some(v) if backtest.windows.len() > 1 => backtest.window_scores(v).unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// The timing, note and size columns of a fitted model's row.
fn fit_row(fit: &Fit) -> Row {
    Row { fit_seconds: fit.fit_seconds, predict_seconds: fit.predict_seconds, forecast_in_fit: fit.forecast_in_fit, note: fit.notes.join("; "), n_params: fit.n_params, ..Row::default() }
}
