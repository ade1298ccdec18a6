//! The AutoML judged out of sample (`tsforge evaluate`): the whole run — fixed models,
//! search, refits, ensemble, the submission choice — repeated at several earlier
//! forecast origins, each seeing only the data before it and scored on the horizon
//! after it. The report sets the submission beside fixed policies: every single model,
//! each searched family's refit, the plain average of each leaderboard family's best
//! (by backtest), the previous origin's winner, and the best single model in hindsight.
//!
//! Origins are `step` periods apart (default: the horizon), the last one where the run
//! itself would score (M5: d_1913 of the evaluation file). Each origin runs under the
//! recipe's time limit of its own.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use tsforge_core::{FitContext, Forecast};
use tsforge_report::evaluation::{EvaluationRecord, PolicyRecord};
use tsforge_report::{Metric, Row};

use crate::error::{Result, failed, usage};
use crate::pipeline::output::pretty;
use crate::pipeline::progress::{Event, Progress};
use crate::pipeline::search_stage::parse_trial_alias;
use crate::pipeline::{Backtest, Input, Pipeline, Plan, RunOptions, Settings, Truth};
use crate::recipe::Recipe;
use crate::registry::Registry;
use crate::search::{EnsembleMethod, EnsembleRule, blend, cross_fit, ensemble_weights};

/// What `tsforge evaluate` is asked for besides the recipe.
#[derive(Debug, Clone)]
pub struct EvaluateOptions {
    /// Forecast origins (the last one is the run's own).
    pub origins: usize,
    /// Periods between origins (default: the horizon).
    pub step: Option<usize>,
    /// The report folder (default `reports/NAME-evaluate`).
    pub out: Option<PathBuf>,
    /// Keep every origin's whole run folder (forecasts, `cv.csv`, models), not only its
    /// leaderboard and manifest.
    pub keep_runs: bool,
}

/// A finished evaluation, written.
#[derive(Debug)]
pub struct EvaluateOutcome {
    pub record: EvaluationRecord,
    pub out: PathBuf,
}

/// What one origin's run left for the policies.
struct OriginRun {
    label: String,
    window: [String; 2],
    rows: Vec<Row>,
    submission: String,
    /// Scores of policies computed here (averages), by name.
    extra: BTreeMap<String, f64>,
    seconds: f64,
}

/// Runs the recipe at every origin and writes `evaluate.{md,json,html}` and the
/// origins' run folders (`origins/ORIGIN/`).
pub fn run_evaluate(recipe: &Recipe, options: &RunOptions, e: &EvaluateOptions, registry: &Registry, progress: &dyn Progress) -> Result<EvaluateOutcome> {
    if e.origins == 0 {
        return Err(usage("--origins 0: at least one origin is needed"));
    }
    let name = recipe.name.clone().unwrap_or_else(|| "quickstart".into());
    let out = e.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(format!("{name}-evaluate")));
    let settings = Settings::resolve(&RunOptions { out: Some(out.join("origins")), ..options.clone() }, recipe, registry)?;
    progress.event(&Event::Stage("loading data"));
    let input = Input::load(&settings)?;
    let full = &input.panel;
    let horizon = Plan::new(&input, &settings)?.horizon;
    let step = e.step.unwrap_or(horizon);
    if step == 0 {
        return Err(usage("--step 0: origins must be at least one period apart"));
    }
    let last = full.n_time().checked_sub(horizon).filter(|&o| o > 0).ok_or_else(|| usage(format!("{}: too short for one {horizon}-period window", settings.data)))?;
    let span = step * (e.origins - 1);
    let first = last
        .checked_sub(span)
        .filter(|&o| o > horizon)
        .ok_or_else(|| usage(format!("--origins {} --step {step}: the data has {} periods, too few for the earliest origin", e.origins, full.n_time())))?;
    let metric = if input.is_m5 { Metric::Wrmsse } else { Metric::Mase };

    let mut runs = Vec::new();
    for k in 0..e.origins {
        let origin = first + k * step;
        let label = if input.is_m5 { format!("d_{origin}") } else { full.index.label(origin - 1) };
        progress.event(&Event::Note(&format!("origin {} of {}: trained to {label}", k + 1, e.origins)));
        let data = Input { panel: full.truncated(origin + horizon)?, validation_days: input.is_m5.then_some(origin), is_m5: input.is_m5, fingerprint: input.fingerprint.clone(), sampled: None };
        let s = Settings { phase: tsforge_core::Phase::Validation, out: out.join("origins").join(&label), ..settings.clone() };
        let started = Instant::now();
        let mut outcome = Pipeline::new(s.clone(), registry.clone()).with_progress(progress).run_on(&data, started)?;
        let seconds = started.elapsed().as_secs_f64();
        let mut plan = Plan::new(&data, &s)?;
        let truth = plan.truth.clone().ok_or_else(|| failed(format!("origin {label}: no scored window")))?;
        let evaluator = Plan::evaluator(&plan.train, plan.horizon)?;
        let scorer = Truth { train: &plan.train, actual: &truth, horizon: plan.horizon, season: plan.season, m5: evaluator.as_ref() };
        let score = |values: Vec<f64>| -> Result<Option<f64>> {
            let f = Forecast::new("policy", plan.train.n_series(), plan.horizon, plan.train.n_time(), values)?;
            Ok(scorer.main_score(metric, &f))
        };
        let mut extra = BTreeMap::new();
        if let Some(avg) = family_best_average(&outcome.record.leaderboard.rows, &outcome.forecasts)
            && let Some(v) = score(avg)?
        {
            extra.insert("average of each family's best".to_string(), v);
        }
        let windows = plan.clone().backtest_windows(s.search.as_ref().map_or(1, |x| x.backtest_windows))?;
        if !windows.is_empty() {
            let backtest = Backtest { windows: &windows, metric, horizon: plan.horizon, season: plan.season, ctx: FitContext::new(plan.horizon) };
            for (name, values) in ensemble_policies(&outcome, &backtest)? {
                if let Some(v) = score(values)? {
                    extra.insert(name, v);
                }
            }
        }
        plan.notes.clear();
        let window = [plan.train.index.label(plan.train.n_time()), plan.train.index.label(plan.train.n_time() + plan.horizon - 1)];
        let rows = outcome.record.leaderboard.rows.clone();
        let submission = outcome.submission.clone();
        if !e.keep_runs {
            outcome.files.retain(|(p, _)| ["leaderboard.json", "leaderboard.md", "manifest.json"].iter().any(|keep| p.as_os_str() == *keep));
        }
        outcome.write()?;
        runs.push(OriginRun { label, window, rows, submission, extra, seconds });
    }

    let record = record(&settings, metric, horizon, &runs, e.keep_runs);
    let json = pretty(&serde_json::to_value(&record).map_err(|err| failed(format!("evaluate.json: {err}")))?);
    let files = vec![
        (PathBuf::from("evaluate.json"), json),
        (PathBuf::from("evaluate.md"), tsforge_report::evaluation::to_markdown(&record).into_bytes()),
        (PathBuf::from("evaluate.html"), tsforge_report::evaluation::to_html(&record).into_bytes()),
    ];
    // the report files beside the origins' folders
    std::fs::create_dir_all(&out).map_err(crate::error::io(&out))?;
    for (name, bytes) in &files {
        tsforge_data::write::write_atomic(&out.join(name), bytes)?;
    }
    Ok(EvaluateOutcome { record, out })
}

/// A model an ensemble rule may weigh: its backtest forecast, score (overall and per
/// window) and final forecast.
struct Candidate<'a> {
    alias: &'a str,
    backtest: &'a [f64],
    score: f64,
    window_scores: &'a [f64],
    forecast: &'a [f64],
}

/// The final forecasts of the ensemble rules (and of the single best model by backtest)
/// over the run's candidates: what each rule would have submitted.
fn ensemble_policies(outcome: &crate::RunOutcome, backtest: &Backtest<'_>) -> Result<Vec<(String, Vec<f64>)>> {
    let rows = &outcome.record.leaderboard.rows;
    let candidates: Vec<Candidate<'_>> = outcome
        .backtests
        .iter()
        .filter(|(alias, _)| alias != "Ensemble")
        .filter_map(|(alias, bt)| {
            let row = rows.iter().find(|r| &r.alias == alias)?;
            let valid = row.valid.filter(|v| v.is_finite())?;
            let fc = outcome.forecasts.iter().find(|f| &f.alias == alias)?;
            Some(Candidate { alias: alias.as_str(), backtest: bt, score: valid, window_scores: &row.valid_windows, forecast: &fc.values })
        })
        .collect();
    if candidates.len() < 2 {
        return Ok(Vec::new());
    }
    let sets: Vec<&[f64]> = candidates.iter().map(|c| c.backtest).collect();
    let scores: Vec<f64> = candidates.iter().map(|c| c.score).collect();
    let window_scores: Vec<Vec<f64>> = candidates.iter().map(|c| c.window_scores.to_vec()).collect();
    let finals: Vec<&[f64]> = candidates.iter().map(|c| c.forecast).collect();
    let loss = |v: &[f64]| backtest.score(v).unwrap_or(f64::INFINITY);
    let mut out = Vec::new();
    let base = EnsembleRule { method: EnsembleMethod::Caruana, rounds: 25, top_k: 3, shrinkage: 0.5 };
    let rules = [
        ("ensemble caruana".to_string(), base),
        ("ensemble top 2".to_string(), EnsembleRule { method: EnsembleMethod::TopK, top_k: 2, ..base }),
        ("ensemble top 3".to_string(), EnsembleRule { method: EnsembleMethod::TopK, ..base }),
        ("ensemble top 5".to_string(), EnsembleRule { method: EnsembleMethod::TopK, top_k: 5, ..base }),
        ("ensemble shrunk 50% to top 3".to_string(), EnsembleRule { method: EnsembleMethod::Shrunk, ..base }),
        ("ensemble shrunk 50% to top 5".to_string(), EnsembleRule { method: EnsembleMethod::Shrunk, top_k: 5, ..base }),
        ("best single model by backtest".to_string(), EnsembleRule { method: EnsembleMethod::TopK, top_k: 1, ..base }),
        ("ensemble stacking".to_string(), EnsembleRule { method: EnsembleMethod::Stack, ..base }),
    ];
    // `auto`: the method cross-fitting over the backtest windows prefers
    let auto = cross_fit(&base, &sets, &window_scores, &|v: &[f64]| backtest.window_scores(v)).map_err(|e| failed(format!("ensemble auto: {e}")))?;
    let rules = rules.into_iter().chain([("ensemble auto (cross-fitted choice)".to_string(), EnsembleRule { method: auto.method, ..base })]);
    for (name, rule) in rules {
        let (weights, _) = ensemble_weights(&rule, &sets, &scores, &loss).map_err(|e| failed(format!("{name}: {e}")))?;
        let values = blend(&finals, &weights).map_err(|e| failed(format!("{name}: {e}")))?;
        out.push((name, values));
    }
    // the same equal weights with the search's trials left out: near-copies of one fixed
    // model (a trial of its family) can fill the top 3 and leave another strategy out
    let fixed: Vec<usize> = (0..candidates.len()).filter(|&i| parse_trial_alias(candidates[i].alias).is_none()).collect();
    if fixed.len() >= 2 {
        let fixed_sets: Vec<&[f64]> = fixed.iter().map(|&i| sets[i]).collect();
        let fixed_scores: Vec<f64> = fixed.iter().map(|&i| scores[i]).collect();
        let fixed_finals: Vec<&[f64]> = fixed.iter().map(|&i| finals[i]).collect();
        let rule = EnsembleRule { method: EnsembleMethod::TopK, ..base };
        let (weights, _) = ensemble_weights(&rule, &fixed_sets, &fixed_scores, &loss).map_err(|e| failed(format!("ensemble top 3 fixed: {e}")))?;
        out.push(("ensemble top 3 fixed models".to_string(), blend(&fixed_finals, &weights).map_err(|e| failed(format!("ensemble top 3 fixed: {e}")))?));
    }
    Ok(out)
}

/// The plain average of the final forecasts of each leaderboard family's best model by
/// backtest score (the ensemble aside).
fn family_best_average(rows: &[Row], forecasts: &[Forecast]) -> Option<Vec<f64>> {
    let mut best: BTreeMap<&str, &Row> = BTreeMap::new();
    for r in rows.iter().filter(|r| r.family != "ensemble" && r.valid.is_some_and(f64::is_finite)) {
        let e = best.entry(r.family.as_str()).or_insert(r);
        if r.valid < e.valid {
            *e = r;
        }
    }
    let chosen: Vec<&[f64]> = best.values().filter_map(|r| forecasts.iter().find(|f| f.alias == r.alias)).map(|f| f.values.as_slice()).collect();
    if chosen.len() < 2 {
        return None;
    }
    let n = chosen[0].len();
    Some((0..n).map(|i| chosen.iter().map(|c| c[i]).sum::<f64>() / chosen.len() as f64).collect())
}

/// The policy of a leaderboard row: its alias, or `search FAMILY` for a search trial
/// (its number changes from origin to origin).
fn policy_of(alias: &str) -> (String, &'static str) {
    match parse_trial_alias(alias) {
        Some((family, _)) => (format!("search {family}"), "search"),
        None if alias == "Ensemble" => (alias.to_string(), "ensemble"),
        None => (alias.to_string(), "model"),
    }
}

fn record(s: &Settings, metric: Metric, horizon: usize, runs: &[OriginRun], kept: bool) -> EvaluationRecord {
    let k = runs.len();
    let score = |r: &Row| metric.of(&r.scores).filter(|v| v.is_finite());
    // every single policy's score per origin
    let mut singles: BTreeMap<String, (&'static str, Vec<Option<f64>>)> = BTreeMap::new();
    for (o, run) in runs.iter().enumerate() {
        for r in &run.rows {
            let (name, kind) = policy_of(&r.alias);
            singles.entry(name).or_insert_with(|| (kind, vec![None; k])).1[o] = score(r);
        }
        for (name, v) in &run.extra {
            let kind = if name.starts_with("ensemble") || name.starts_with("best single") { "rule" } else { "average" };
            singles.entry(name.clone()).or_insert_with(|| (kind, vec![None; k])).1[o] = Some(*v);
        }
    }
    let best_single =
        |o: usize| -> Option<(String, f64)> { runs[o].rows.iter().filter(|r| r.family != "ensemble").filter_map(|r| Some((r.alias.clone(), score(r)?))).min_by(|a, b| a.1.total_cmp(&b.1)) };
    let submitted: Vec<Option<f64>> = runs.iter().map(|run| run.rows.iter().find(|r| r.alias == run.submission).and_then(score)).collect();
    let hindsight: Vec<Option<(String, f64)>> = (0..k).map(best_single).collect();
    // the previous origin's best single model (by its policy), the submission at the first origin
    let previous: Vec<Option<f64>> = (0..k)
        .map(|o| match o.checked_sub(1).and_then(|p| hindsight[p].as_ref()) {
            Some((alias, _)) => singles.get(&policy_of(alias).0).and_then(|p| p.1[o]),
            None => submitted[o],
        })
        .collect();
    let mut policies = vec![
        PolicyRecord::new("submission", "AutoML", submitted),
        PolicyRecord::new("best single model in hindsight", "oracle", hindsight.iter().map(|h| h.as_ref().map(|x| x.1)).collect()),
        PolicyRecord::new("previous origin's best model", "previous winner", previous),
    ];
    policies.extend(singles.into_iter().map(|(name, (kind, scores))| PolicyRecord::new(name, kind, scores)));
    let mut notes = vec![
        format!("Each origin runs the whole recipe on the data up to it (time limit {} per origin) and is scored on the {horizon} periods after it; nothing after an origin is seen before its forecast.", s.time_limit.map_or_else(|| "none".into(), |t| format!("{t:.0} s"))),
        "Policies: `submission` is what the AutoML submitted; `search FAMILY` the refitted best trial of a searched family; `average of each family's best` the plain mean of the final forecasts of each leaderboard family's best model by backtest score; `previous origin's best model` the single model that scored best at the origin before (the submission at the first origin); `ensemble …` the ensemble rules re-weighting the run's candidates (`ensemble top 3 fixed models`: equal weights on the 3 fixed models with the best backtest scores, the search's trials left out).".to_string(),
    ];
    if !kept {
        notes.push("Each origin's folder under origins/ keeps its leaderboard and manifest; `--keep-runs` keeps the whole run folders (forecasts, cv.csv).".into());
    }
    EvaluationRecord {
        title: format!("tsforge evaluate: {} ({}, {} origins)", s.name, s.data, k),
        data: s.data.clone(),
        metric: metric.name().into(),
        horizon,
        origins: runs.iter().map(|r| r.label.clone()).collect(),
        windows: runs.iter().map(|r| r.window.clone()).collect(),
        submitted: runs.iter().map(|r| r.submission.clone()).collect(),
        hindsight: hindsight.iter().map(|h| h.as_ref().map(|x| x.0.clone()).unwrap_or_default()).collect(),
        seconds: runs.iter().map(|r| r.seconds).collect(),
        policies,
        notes,
    }
    .ranked()
}
