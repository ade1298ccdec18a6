//! A seed-variance run (`tsforge variance`): the top configurations of a run retrained
//! under many seeds.
//!
//! 1. The run: an existing run folder (`--from`), or the recipe run first into `OUT/run`.
//! 2. Configurations ([`select`](crate::variance::select)): the best `top` rows of its
//!    leaderboard by backtest score (the ensemble aside), the ensemble, and the
//!    ensemble's members (refitted per seed and blended with the run's weights).
//! 3. Every (configuration, seed) pair is refitted on the run's training data and
//!    forecasts the scored window, the pairs as rayon parallel maps over waves of
//!    2 × threads pairs (results in job order, whatever order they finish in); seeds are the
//!    run's seed s, s+1, …, s+N−1 and nothing else changes. Each finished forecast is
//!    saved in the [`state`](crate::variance::state) folder so `resume` continues an
//!    interrupted run; the folder is removed once the report is written.
//! 4. Statistics and the record ([`report`](crate::variance::report)), and
//!    `variance.json`, `variance.md`, `variance.html` written to a temporary folder and
//!    renamed into OUT. Same inputs → identical `variance.json` and `variance.html`;
//!    timings go only to the footer of `variance.md`.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

use serde::Deserialize;
use tsforge_core::FitContext;
use tsforge_data::write::write_atomic;
use tsforge_report::variance as rv;
use tsforge_report::{Leaderboard, Metric};

use crate::error::{Result, failed, io, usage};
use crate::pipeline::progress::{Event, Progress};
use crate::pipeline::{Input, Pipeline, Plan, RunOptions, Settings, fit_predict};
use crate::recipe::Recipe;
use crate::registry::{BuildContext, Registry};
use crate::search::{TrialRecord, blend};
use crate::variance as av;
use crate::variance::report::Context;
use crate::variance::select::{Entry, Kind, Spec, select};
use crate::variance::state::State;

/// What a variance run is asked for besides the recipe.
#[derive(Debug, Clone)]
pub struct VarianceOptions {
    /// Seeds per configuration (the run's seed, seed+1, …).
    pub seeds: usize,
    /// Configurations retrained: the best `top` of the run by backtest score (plus the ensemble).
    pub top: usize,
    /// Take the configurations from this finished run folder instead of running the recipe.
    pub from: Option<PathBuf>,
    /// The report folder (default `reports/NAME-variance`).
    pub out: Option<PathBuf>,
    /// Continue an interrupted variance run from its state folder.
    pub resume: bool,
}

/// A finished variance run, written.
#[derive(Debug)]
pub struct VarianceOutcome {
    pub record: rv::VarianceRecord,
    pub out: PathBuf,
}

/// Runs the recipe (unless `from`), retrains its top configurations under every seed and
/// writes the report.
pub fn run_variance(recipe: &Recipe, options: &RunOptions, v: &VarianceOptions, registry: &Registry, progress: &dyn Progress) -> Result<VarianceOutcome> {
    let started = Instant::now();
    if v.seeds < 2 {
        return Err(usage(format!("--seeds {}: at least 2 seeds are needed to measure a spread", v.seeds)));
    }
    if v.top == 0 {
        return Err(usage("--top 0: at least one configuration is needed"));
    }
    let name = recipe.name.clone().unwrap_or_else(|| "quickstart".into());
    let out = v.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(format!("{name}-variance")));

    // 1. the run
    let mut notes = Vec::new();
    let run_dir = match &v.from {
        Some(dir) => dir.clone(),
        None => {
            let dir = out.join("run");
            if v.resume && dir.join("leaderboard.json").is_file() {
                progress.event(&Event::Note(&format!("Reusing the finished run in {}", dir.display())));
            } else {
                progress.event(&Event::Note(&format!("Running the recipe into {} …", dir.display())));
                let settings = Settings::resolve(&RunOptions { out: Some(dir.clone()), ..options.clone() }, recipe, registry)?;
                Pipeline::new(settings, registry.clone()).run()?.write()?;
            }
            dir
        }
    };
    let run_seconds = started.elapsed().as_secs_f64();
    let board: Leaderboard = read_json(&run_dir.join("leaderboard.json"))?;
    let manifest: Option<serde_json::Value> = read_json(&run_dir.join("manifest.json")).ok();
    let trials = read_trials(&run_dir.join("trials.jsonl"));
    let s = Settings::resolve(&RunOptions { out: Some(run_dir.clone()), ..options.clone() }, recipe, registry)?;
    let base_seed = manifest.as_ref().and_then(|m| m.get("seed")).and_then(serde_json::Value::as_u64).unwrap_or(s.seed);
    if base_seed != s.seed {
        notes.push(format!("The run in {} used seed {base_seed}; the seeds start there (the recipe says {}).", run_dir.display(), s.seed));
    }
    let seeds: Vec<u64> = (0..v.seeds as u64).map(|k| base_seed + k).collect();

    // 2. the data, exactly as the run saw it
    let input = Input::load(&s)?;
    let plan = Plan::new(&input, &s)?;
    let Some(actual) = plan.truth.clone() else {
        return Err(usage("tsforge variance needs a scored window (held-out truth): use the validation phase on M5 data with both sales files, or long-format data"));
    };
    let ev = Plan::evaluator(&plan.train, plan.horizon)?;
    let metric = if input.is_m5 { Metric::Wrmsse } else { Metric::Mase };
    let entries = select(&board, recipe, registry, &trials, v.top, &mut notes)?;

    // 3. the refits: every (model, seed) pair, in parallel, saved as they finish
    let models_idx: Vec<usize> = (0..entries.len()).filter(|&i| matches!(entries[i].kind, Kind::Model { .. })).collect();
    let jobs: Vec<(usize, u64)> = seeds.iter().flat_map(|&seed| models_idx.iter().map(move |&i| (i, seed))).collect();
    let state = State::open(&out, v.resume, &format!("train {}x{} h{} data {}", plan.train.n_series(), plan.train.n_time(), plan.horizon, s.data))?;
    let build = BuildContext::new(plan.horizon, plan.season, input.is_m5, crate::recipe::model_sections(&s.gbdt));
    let done = AtomicUsize::new(0);
    let reused = AtomicUsize::new(0);
    let refit_started = Instant::now();
    let cells = plan.train.n_series() * plan.horizon;
    let say = |msg: String| progress.event(&Event::Note(&msg));
    let fit_one = |&(i, seed): &(usize, u64)| -> Result<(Vec<f64>, f64)> {
        let e = &entries[i];
        let Kind::Model { spec, .. } = &e.kind else { return Err(failed(format!("{}: not a model", e.alias))) };
        if let Some(values) = state.get(&e.alias, seed, &spec.text(), cells) {
            reused.fetch_add(1, Ordering::Relaxed);
            let k = done.fetch_add(1, Ordering::Relaxed) + 1;
            say(format!("[{k}/{}] {} seed {seed}: taken from the state folder", jobs.len(), e.alias));
            return Ok((values, 0.0));
        }
        let model = match spec {
            Spec::Fixed(name) => registry.build(name, name, &serde_json::Map::new(), &build)?,
            Spec::Trial { model, config, .. } => registry.build(model, &e.alias, &config.clone().into_iter().collect(), &build)?,
        };
        let ctx = FitContext::new(plan.horizon).with_seed(seed);
        let fit = fit_predict(model.as_ref(), &plan.train, &ctx).map_err(|err| failed(format!("{} with seed {seed}: {err}", e.alias)))?;
        let values = fit.forecast.values;
        if values.len() != cells {
            return Err(failed(format!("{} with seed {seed}: {} forecast values, expected {cells}", e.alias, values.len())));
        }
        state.put(&e.alias, seed, &spec.text(), &values)?;
        let k = done.fetch_add(1, Ordering::Relaxed) + 1;
        say(format!("[{k}/{}] {} seed {seed}: fitted in {:.1} s", jobs.len(), e.alias, fit.fit_seconds + fit.predict_seconds));
        Ok((values, fit.fit_seconds + fit.predict_seconds))
    };
    // Waves of 2 × threads jobs: rayon lets a thread that waits inside a model's own
    // parallel loop start another job, so one parallel map over everything would hold
    // every model's training data in memory at once.
    let wave = 2 * std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let mut results = Vec::with_capacity(jobs.len());
    for chunk in jobs.chunks(wave) {
        results.extend(av::run_parallel(chunk, fit_one));
    }
    let refit_seconds = refit_started.elapsed().as_secs_f64();
    // forecasts[i][seed position]
    let mut forecasts: Vec<Vec<Vec<f64>>> = vec![Vec::new(); entries.len()];
    let mut fit_seconds: Vec<f64> = vec![0.0; entries.len()];
    for (&(i, _), r) in jobs.iter().zip(results) {
        let (values, secs) = r?;
        forecasts[i].push(values);
        fit_seconds[i] += secs;
    }
    for (i, e) in entries.iter().enumerate() {
        if let Kind::Ensemble { members } = &e.kind {
            let weights: Vec<f64> = members.iter().map(|m| m.1).collect();
            let mut per_seed = Vec::with_capacity(seeds.len());
            for k in 0..seeds.len() {
                let sets: Vec<&[f64]> = members.iter().filter_map(|&(m, _)| forecasts[m].get(k).map(Vec::as_slice)).collect();
                per_seed.push(blend(&sets, &weights).map_err(|err| failed(format!("blending the ensemble: {err}")))?);
            }
            forecasts[i] = per_seed;
        }
    }

    // 4. statistics and the record
    let ctx = Context { plan: &plan, actual: &actual, ev: ev.as_ref(), metric, seeds: &seeds, base_seed };
    let record = ctx.record(&s, &board, &entries, &forecasts, v.top, notes)?;
    let n_reused = reused.load(Ordering::Relaxed);
    let mut footer = vec![format!(
        "Wall time {:.1} s: the run {:.1} s{}, {} refits {:.1} s on {} threads{}.",
        started.elapsed().as_secs_f64(),
        run_seconds,
        if v.from.is_some() { " (--from: read only)" } else { "" },
        jobs.len(),
        refit_seconds,
        std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        if n_reused > 0 { format!(" ({n_reused} taken from the state folder of an interrupted run)") } else { String::new() }
    )];
    let per_config: Vec<String> =
        entries.iter().enumerate().filter(|(_, e)| matches!(e.kind, Kind::Model { .. })).map(|(i, e): (usize, &Entry)| format!("{} {:.1} s", e.alias, fit_seconds[i])).collect();
    footer.push(format!("Fit + predict time summed over seeds: {}.", per_config.join(", ")));
    let mut json = serde_json::to_vec_pretty(&record).map_err(|e| failed(format!("variance.json: {e}")))?;
    json.push(b'\n');
    let files = vec![("variance.json", json), ("variance.md", rv::to_markdown(&record, &footer).into_bytes()), ("variance.html", rv::to_html(&record).into_bytes())];
    write_files(&out, &files)?;
    state.remove();
    Ok(VarianceOutcome { record, out })
}

fn read_json<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<T> {
    let text = std::fs::read_to_string(path).map_err(|e| usage(format!("{}: cannot read ({e}); is this a finished tsforge run folder?", path.display())))?;
    serde_json::from_str(&text).map_err(|e| usage(format!("{}: not what tsforge run writes: {e}", path.display())))
}

fn read_trials(path: &Path) -> Vec<TrialRecord> {
    std::fs::read_to_string(path).map(|t| t.lines().filter_map(|l| serde_json::from_str(l).ok()).collect()).unwrap_or_default()
}

/// Writes the report files into a temporary folder inside `out`, then renames each
/// into place: an interrupted run never leaves a half-written file.
fn write_files(out: &Path, files: &[(&str, Vec<u8>)]) -> Result<()> {
    std::fs::create_dir_all(out).map_err(io(out))?;
    let tmp = out.join(format!(".variance-report.tmp-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    std::fs::create_dir_all(&tmp).map_err(io(&tmp))?;
    for (name, bytes) in files {
        write_atomic(&tmp.join(name), bytes)?;
    }
    for (name, _) in files {
        std::fs::rename(tmp.join(name), out.join(name)).map_err(io(&out.join(name)))?;
    }
    let _ = std::fs::remove_dir_all(&tmp);
    Ok(())
}
