//! The shard and merge stages of a plan, and the plan a finished search stage gives.

use std::collections::HashMap;
use std::time::Instant;

use tsforge_core::{FitContext, Forecast, Interval};
use tsforge_report::{Metric, Row};

use super::part::{Part, PartFile, PartModel, Span};
use super::plan_file::{PlanFile, PlannedEnsemble};
use super::shard::{self, Shard, ShardBy};
use crate::error::{Result, failed, usage};
use crate::pipeline::input::Input;
use crate::pipeline::plan::Plan;
use crate::pipeline::{Backtest, Entry, Event, Pipeline, RunOutcome, Truth, fit_predict, per_window, run_folder};
use crate::registry::BuildContext;
use crate::search::blend;

/// Appends `v` to the part's numbers and says where it lies.
fn push(all: &mut Vec<f64>, v: &[f64]) -> Span {
    let span = Span { offset: all.len(), len: v.len() };
    all.extend_from_slice(v);
    span
}

fn check_data(plan: &PlanFile, input: &Input, data: &str) -> Result<()> {
    if plan.data_fingerprint != input.fingerprint {
        return Err(usage(format!(
            "{data}: the data differs from the data the plan was searched on (fingerprint {} against the plan's {}): shards and merge must read the same files",
            input.fingerprint, plan.data_fingerprint
        )));
    }
    Ok(())
}

impl Pipeline<'_> {
    /// The plan of a finished run: its models with their configurations, its ensemble's
    /// weights and its submission.
    pub fn plan_of(&self, outcome: &RunOutcome) -> Result<PlanFile> {
        let s = &self.settings;
        let ensemble = outcome.record.leaderboard.rows.iter().find(|r| r.family == "ensemble").map(|r| PlannedEnsemble { members: r.members.clone(), note: r.note.clone() });
        let mut settings = s.clone();
        settings.sample = None;
        settings.search = None;
        settings.reconcile = None;
        // the submission must be something the shards make: a reconciled variant is not
        let submission = outcome.submission.clone();
        if submission != "Ensemble" && !outcome.specs.iter().any(|m| m.alias == submission) {
            return Err(failed(format!("the submission {submission} has no configuration a shard could fit")));
        }
        let windows = s.search.as_ref().map_or(1, |x| x.backtest_windows);
        let (n_series, searched_on) = match outcome.sample {
            Some((taken, total)) => (total, format!("a stratified sample of {taken} of {total} series")),
            None => (outcome.shape.series.len(), format!("all {} series", outcome.shape.series.len())),
        };
        let shard_by = ShardBy::of(outcome.shape.hierarchy);
        PlanFile::new(settings, outcome.fingerprint.clone(), n_series, shard_by, windows, outcome.specs.clone(), ensemble, submission, searched_on)
    }

    /// Fits the plan's models on one shard's series (no time limit: a shard's bytes
    /// must not depend on how fast its machine is) and returns its part.
    pub fn run_shard(&self, plan_file: &PlanFile, shard: Shard) -> Result<(PartFile, Vec<f64>)> {
        let started = Instant::now();
        let s = &self.settings;
        self.progress.event(&Event::Started { deadline: None });
        self.progress.event(&Event::Stage("loading data"));
        let input = Input::load(s)?;
        check_data(plan_file, &input, &s.data)?;
        let members = shard::members(&input.panel, plan_file.shard_by, shard)?;
        let mut values = Vec::new();
        let mut models = Vec::new();
        let mut part = PartFile {
            format: super::part::PART_FORMAT.into(),
            plan: plan_file.clone(),
            shard,
            series: members.iter().map(|&i| input.panel.ids[i].clone()).collect(),
            horizon: 0,
            windows: 0,
            models: Vec::new(),
            bin_checksum: String::new(),
            seconds: 0.0,
        };
        if members.is_empty() {
            // more shards than stores: an empty part still says the shard ran
            return Ok((part, values));
        }
        let input = Input { panel: input.panel.select(&members)?, ..input };
        let mut plan = Plan::new(&input, s)?;
        let windows = plan.backtest_windows(plan_file.backtest_windows)?;
        let metric = if input.is_m5 { Metric::Wrmsse } else { Metric::Mase };
        let ctx = FitContext::new(plan.horizon).with_seed(s.seed).with_levels(&s.levels);
        let backtest = (!windows.is_empty()).then(|| Backtest { windows: &windows, metric, horizon: plan.horizon, season: plan.season, ctx: ctx.clone() });
        let build = BuildContext::new(plan.horizon, plan.season, input.is_m5, crate::recipe::model_sections(&s.gbdt));
        self.progress.event(&Event::Stage("fitting the plan's models"));
        for spec in &plan_file.models {
            let model = self.registry.build(&spec.model, &spec.alias, &spec.params, &build)?;
            let alias = model.alias().to_string();
            self.progress.event(&Event::Model { action: "fitting", alias: &alias });
            let fit = fit_predict(model.as_ref(), &plan.train, &ctx)?;
            let valid = match &backtest {
                Some(b) => {
                    self.progress.event(&Event::Model { action: "validating", alias: &alias });
                    let (v, _) = b.run(model.as_ref()).map_err(|e| failed(format!("{alias} failed on the backtest: {e}")))?;
                    Some(push(&mut values, &v))
                }
                None => None,
            };
            let intervals = fit.forecast.intervals.iter().map(|iv| (iv.level, push(&mut values, &iv.lo), push(&mut values, &iv.hi))).collect();
            models.push(PartModel {
                family: model.family().to_string(),
                fit_seconds: fit.fit_seconds,
                predict_seconds: fit.predict_seconds,
                forecast_in_fit: fit.forecast_in_fit,
                notes: fit.notes.clone(),
                n_params: fit.n_params,
                seed: Some(s.seed),
                values: push(&mut values, &fit.forecast.values),
                valid,
                intervals,
                alias,
            });
        }
        part.horizon = plan.horizon;
        part.windows = windows.len();
        part.models = models;
        part.seconds = started.elapsed().as_secs_f64();
        self.progress.event(&Event::Finished { seconds: part.seconds });
        Ok((part, values))
    }

    /// Joins the parts of every shard of one plan into the run folder of the whole
    /// panel: the plan's models and ensemble, scored on all series together.
    pub fn merge(&self, parts: &[Part]) -> Result<RunOutcome> {
        let started = Instant::now();
        let s = &self.settings;
        let plan_file = &parts.first().ok_or_else(|| usage("merge: no parts given"))?.file.plan;
        check_parts(parts)?;
        run_folder::check_out(&s.out, std::path::Path::new(&s.data))?;
        let lock = run_folder::Lock::take(&s.out)?;
        self.progress.event(&Event::Started { deadline: None });
        self.progress.event(&Event::Stage("loading data"));
        let input = Input::load(s)?;
        check_data(plan_file, &input, &s.data)?;
        let owner = owners(parts, &input)?;
        let mut plan = Plan::new(&input, s)?;
        let windows = plan.backtest_windows(plan_file.backtest_windows)?;
        let metric = if input.is_m5 { Metric::Wrmsse } else { Metric::Mase };
        let scored_ev = if plan.truth.is_some() { Plan::evaluator(&plan.train, plan.horizon)? } else { None };
        let ctx = FitContext::new(plan.horizon);
        let backtest = (!windows.is_empty()).then(|| Backtest { windows: &windows, metric, horizon: plan.horizon, season: plan.season, ctx });
        let (n, h) = (plan.train.n_series(), plan.horizon);
        let score_truth = |f: &Forecast| -> Result<tsforge_report::Scores> {
            Ok(match &plan.truth {
                Some(actual) => Truth { train: &plan.train, actual, horizon: h, season: plan.season, m5: scored_ev.as_ref() }.score(f)?,
                None => Default::default(),
            })
        };
        self.progress.event(&Event::Stage("merging"));
        // parts of shards with no series (more shards than stores) hold no numbers
        let filled: Vec<&Part> = parts.iter().filter(|p| !p.file.series.is_empty()).collect();
        let lead = *filled.first().ok_or_else(|| usage("merge: every part is empty"))?;
        for p in &filled {
            if p.file.horizon != h || p.file.windows != windows.len() {
                return Err(usage(format!("{}: horizon {} and {} backtest windows, the merge {h} and {}", p.path.display(), p.file.horizon, p.file.windows, windows.len())));
            }
        }
        let np = plan_file.models.len();
        let mut entries = Vec::new();
        for (m, spec) in plan_file.models.iter().enumerate() {
            let first = model_in(m, np, lead)?;
            // series i of the panel is series j of part p: gather every array in panel order
            let gather = |span_of: &dyn Fn(&PartModel) -> Option<Span>, blocks: usize| -> Result<Option<Vec<f64>>> {
                let mut out = vec![0.0; blocks * n * h];
                for (i, &(p, j)) in owner.iter().enumerate() {
                    let part = &parts[p];
                    let Some(span) = span_of(model_in(m, np, part)?) else { return Ok(None) };
                    let src = part.slice(span)?;
                    let ns = part.file.series.len();
                    for b in 0..blocks {
                        let from = (b * ns + j) * h;
                        let chunk = src.get(from..from + h).ok_or_else(|| usage(format!("{}: part.bin is shorter than its series", part.path.display())))?;
                        out[(b * n + i) * h..(b * n + i + 1) * h].copy_from_slice(chunk);
                    }
                }
                Ok(Some(out))
            };
            let values = gather(&|pm| Some(pm.values), 1)?.ok_or_else(|| failed("merge: forecast values"))?;
            let mut forecast = Forecast::new(&first.alias, n, h, plan.train.n_time(), values)?;
            for (k, (level, _, _)) in first.intervals.iter().enumerate() {
                let lo = gather(&|pm| pm.intervals.get(k).filter(|iv| iv.0 == *level).map(|iv| iv.1), 1)?;
                let hi = gather(&|pm| pm.intervals.get(k).filter(|iv| iv.0 == *level).map(|iv| iv.2), 1)?;
                if let (Some(lo), Some(hi)) = (lo, hi) {
                    forecast.intervals.push(Interval { level: *level, lo, hi });
                }
            }
            let valid_forecast = match &backtest {
                Some(_) => gather(&|pm| pm.valid, windows.len())?,
                None => None,
            };
            let valid = backtest.as_ref().zip(valid_forecast.as_deref()).and_then(|(b, v)| b.score(v));
            let sum = |f: &dyn Fn(&PartModel) -> f64| -> Result<f64> { filled.iter().map(|p| model_in(m, np, p).map(f)).sum() };
            let params_count: Option<u64> = filled.iter().map(|p| model_in(m, np, p).ok().and_then(|pm| pm.n_params)).sum();
            let mut notes = first.notes.clone();
            notes.push(format!("fitted in {} shards {}", parts.len(), plan_file.shard_by.describe()));
            let row = Row {
                alias: first.alias.clone(),
                family: first.family.clone(),
                scores: score_truth(&forecast)?,
                valid,
                valid_windows: backtest.as_ref().map(|b| per_window(b, valid_forecast.as_deref())).unwrap_or_default(),
                fit_seconds: sum(&|pm| pm.fit_seconds)?,
                predict_seconds: sum(&|pm| pm.predict_seconds)?,
                forecast_in_fit: first.forecast_in_fit,
                note: notes.join("; "),
                params: spec.params.iter().map(|(k, v)| (k.clone(), crate::pipeline::output::param_text(v))).collect(),
                n_params: params_count,
                seed: first.seed,
                ..Row::default()
            };
            entries.push(Entry { row, forecast, valid_forecast, importance: Vec::new(), bundle: None, spec: Some(spec.clone()) });
        }
        if let Some(ens) = &plan_file.ensemble {
            entries.push(planned_ensemble(ens, &entries, backtest.as_ref(), &plan, &score_truth, &plan_file.id)?);
        }
        let best = entries.iter().position(|e| e.row.alias == plan_file.submission).ok_or_else(|| usage(format!("the plan's submission {} is not among its models", plan_file.submission)))?;
        entries[best].row.selected = true;
        let submission = entries[best].row.alias.clone();
        plan.notes.push(format!(
            "Merged from {} shards ({}) of plan {}, searched on {}; the shards fitted {} models.",
            parts.len(),
            plan_file.shard_by.describe(),
            plan_file.id,
            plan_file.searched_on,
            plan_file.models.len()
        ));
        let rule = format!("the plan's submission, {submission}, as the search stage chose it on {}", plan_file.searched_on);
        let mut timings = serde_json::Map::new();
        timings.insert("shards_seconds".into(), parts.iter().map(|p| p.file.seconds).sum::<f64>().into());
        let finish = super::super::Finish { input: &input, plan, windows: &windows, metric, scored_ev: scored_ev.as_ref(), trial_records: Vec::new(), trial_log: None, timings, started, lock };
        self.finish(finish, entries, submission, rule)
    }

    /// The plan run in one process: every shard's work here, then the merge.
    pub fn run_plan(&self, plan_file: &PlanFile) -> Result<RunOutcome> {
        // in memory: no file, so no checksum to check
        let (file, values) = self.run_shard(plan_file, Shard { index: 0, count: 1 })?;
        self.merge(&[Part { file, values, path: "(this process)".into() }])
    }
}

/// Model `m` of a part (of `total` in the plan).
fn model_in(m: usize, total: usize, p: &Part) -> Result<&PartModel> {
    p.file.models.get(m).ok_or_else(|| usage(format!("{}: has {} models, the plan {total}", p.path.display(), p.file.models.len())))
}

/// Every part follows one plan, and each shard of it is there exactly once.
fn check_parts(parts: &[Part]) -> Result<()> {
    let first = &parts[0];
    let count = first.file.shard.count;
    let mut seen: Vec<Option<&Part>> = vec![None; count];
    for p in parts {
        if p.file.plan.id != first.file.plan.id {
            return Err(usage(format!(
                "{}: from plan {}, but {} is from plan {}: parts of different plans (or data) cannot be merged",
                p.path.display(),
                p.file.plan.id,
                first.path.display(),
                first.file.plan.id
            )));
        }
        if p.file.shard.count != count {
            return Err(usage(format!("{}: shard {}, but {} is shard {}: the shard counts differ", p.path.display(), p.file.shard.label(), first.path.display(), first.file.shard.label())));
        }
        if p.file.shard.index >= count {
            return Err(usage(format!("{}: shard index {} of {count}: the part was edited or damaged", p.path.display(), p.file.shard.index)));
        }
        match seen[p.file.shard.index] {
            Some(other) => return Err(usage(format!("shard {} is given twice: {} and {}", p.file.shard.label(), other.path.display(), p.path.display()))),
            None => seen[p.file.shard.index] = Some(p),
        }
    }
    let missing: Vec<String> = seen.iter().enumerate().filter(|(_, p)| p.is_none()).map(|(k, _)| format!("{k}/{count}")).collect();
    if !missing.is_empty() {
        return Err(usage(format!("shard(s) {} missing: merge needs all {count} parts of the plan", missing.join(", "))));
    }
    Ok(())
}

/// For each series of the data, the part (index into `parts`) and its position there;
/// every series must be in exactly one part.
fn owners(parts: &[Part], input: &Input) -> Result<Vec<(usize, usize)>> {
    let pos: HashMap<&str, usize> = input.panel.ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let mut owner: Vec<Option<(usize, usize)>> = vec![None; input.panel.n_series()];
    for (p, part) in parts.iter().enumerate() {
        for (j, id) in part.file.series.iter().enumerate() {
            let &i = pos.get(id.as_str()).ok_or_else(|| usage(format!("{}: series '{id}' is not in the data", part.path.display())))?;
            if let Some((q, _)) = owner[i] {
                return Err(usage(format!("series '{id}' is in two parts: {} and {}", parts[q].path.display(), part.path.display())));
            }
            owner[i] = Some((p, j));
        }
    }
    let missing: Vec<&str> = owner.iter().zip(&input.panel.ids).filter(|(o, _)| o.is_none()).map(|(_, id)| id.as_str()).collect();
    if !missing.is_empty() {
        return Err(usage(format!("{} series of the data are in no part (first: '{}'): a shard is missing or ran on other data", missing.len(), missing[0])));
    }
    Ok(owner.into_iter().flatten().collect())
}

/// The search stage's ensemble, its weights applied to the merged forecasts.
fn planned_ensemble(
    ens: &PlannedEnsemble,
    entries: &[Entry],
    backtest: Option<&Backtest<'_>>,
    plan: &Plan,
    score_truth: &dyn Fn(&Forecast) -> Result<tsforge_report::Scores>,
    plan_id: &str,
) -> Result<Entry> {
    let member = |alias: &str| entries.iter().find(|e| e.row.alias == alias).ok_or_else(|| usage(format!("the plan's ensemble member {alias} is not among its models")));
    let members: Vec<&Entry> = ens.members.iter().map(|m| member(&m.alias)).collect::<Result<_>>()?;
    let weights: Vec<f64> = ens.members.iter().map(|m| m.weight).collect();
    let finals: Vec<&[f64]> = members.iter().map(|e| e.forecast.values.as_slice()).collect();
    let values = blend(&finals, &weights).map_err(|e| failed(format!("ensembling: {e}")))?;
    let valid_sets: Option<Vec<&[f64]>> = members.iter().map(|e| e.valid_forecast.as_deref()).collect();
    let valid_values = match valid_sets {
        Some(sets) => Some(blend(&sets, &weights).map_err(|e| failed(format!("ensembling: {e}")))?),
        None => None,
    };
    let forecast = Forecast::new("Ensemble", plan.train.n_series(), plan.horizon, plan.train.n_time(), values)?;
    let row = Row {
        alias: "Ensemble".into(),
        family: "ensemble".into(),
        scores: score_truth(&forecast)?,
        valid: backtest.zip(valid_values.as_deref()).and_then(|(b, v)| b.score(v)),
        valid_windows: backtest.map(|b| per_window(b, valid_values.as_deref())).unwrap_or_default(),
        fit_seconds: members.iter().map(|e| e.row.fit_seconds).sum(),
        note: format!("{}; weights from the search stage (plan {plan_id}), applied to the merged forecasts", ens.note),
        members: ens.members.clone(),
        ..Row::default()
    };
    Ok(Entry { row, forecast, valid_forecast: valid_values, importance: Vec::new(), bundle: None, spec: None })
}
