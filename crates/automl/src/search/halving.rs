//! Successive halving over a budget resource, with a deadline, a rayon pool and resume.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::time::Instant;

use rayon::prelude::*;

use super::sampler::{Sampler, TPE_STARTUP};
use super::{Config, SamplerKind, SearchError, SearchSpace, TpeSampler, sampler};

/// The successive-halving schedule: rungs at `min_resource`, `min_resource·eta`, … and
/// `max_resource` last. `min == max` gives a single rung (a plain search).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Halving {
    pub min_resource: usize,
    pub max_resource: usize,
    pub eta: usize,
}

impl Halving {
    /// Checks 1 <= min_resource <= max_resource and eta >= 2.
    pub fn validate(&self) -> Result<Halving, SearchError> {
        let err = |field: &str, expected: String, found: usize| SearchError::Halving { field: field.to_string(), expected, found: found.to_string() };
        if self.min_resource < 1 {
            return Err(err("min_resource", "at least 1".into(), self.min_resource));
        }
        if self.max_resource < self.min_resource {
            return Err(err("max_resource", format!("at least min_resource = {}", self.min_resource), self.max_resource));
        }
        if self.eta < 2 {
            return Err(err("eta", "at least 2".into(), self.eta));
        }
        Ok(*self)
    }

    /// The nearest valid schedule (min raised to 1, max to min, eta to 2): what
    /// [`run_search`] uses, as it has no error path.
    fn sanitized(&self) -> Halving {
        let min_resource = self.min_resource.max(1);
        Halving { min_resource, max_resource: self.max_resource.max(min_resource), eta: self.eta.max(2) }
    }

    /// The resource of each rung: min, min·eta, min·eta², … while below max, then max
    /// (e.g. 1, 3, 9 for 1..9 with eta 3; 1, 3, 9, 10 for 1..10).
    pub fn rungs(&self) -> Vec<usize> {
        let h = self.sanitized();
        let mut rungs = vec![h.min_resource];
        let mut r = h.min_resource;
        while r < h.max_resource {
            r = r.saturating_mul(h.eta).min(h.max_resource);
            rungs.push(r);
        }
        rungs
    }
}

/// One finished evaluation: a trial's config at one rung.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TrialRecord {
    pub family: String,
    /// Trial id within the family's search, from 0 in suggestion order.
    pub trial: usize,
    /// Index of the rung in [`Halving::rungs`].
    pub rung: usize,
    /// The rung's resource the trial ran with.
    pub resource: usize,
    pub config: Config,
    /// The backtest score (lower is better); `None` when the evaluation failed.
    pub score: Option<f64>,
    /// Why the evaluation failed (an `Err`, a non-finite score or a panic).
    pub error: Option<String>,
    /// Wall-clock seconds of the evaluation.
    pub seconds: f64,
}

impl TrialRecord {
    fn finite_score(&self) -> Option<f64> {
        self.score.filter(|s| s.is_finite())
    }
}

/// What [`run_search`] does for one model family.
#[derive(Debug)]
pub struct SearchPlan<'a> {
    pub family: &'a str,
    pub space: &'a SearchSpace,
    pub sampler: SamplerKind,
    pub seed: u64,
    pub n_trials: usize,
    /// The schedule; `Halving { min_resource: r, max_resource: r, .. }` runs every trial once at `r`.
    pub halving: Halving,
    /// Stop starting new evaluations after this instant (already running ones finish).
    pub deadline: Option<Instant>,
    /// How many evaluations run at once (a rayon pool of this size; 1 = sequential, on the
    /// caller's thread). With more than one, rayon work inside `evaluate` (GBDT's histograms)
    /// runs in the same pool, so the search never uses more than `parallel` threads.
    pub parallel: usize,
}

/// One evaluation to do.
struct Job {
    trial: usize,
    config: Config,
}

enum Outcome {
    /// Taken from the records of a previous run.
    Reused(TrialRecord),
    /// Evaluated now.
    New(TrialRecord),
    /// Not started: the deadline had passed.
    Skipped,
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic".to_string()
    }
}

struct Runner<'p, 'a, F> {
    plan: &'p SearchPlan<'a>,
    done: HashMap<(usize, usize), Vec<&'p TrialRecord>>,
    evaluate: F,
    pool: Option<rayon::ThreadPool>,
}

impl<F> Runner<'_, '_, F>
where
    F: Fn(&Config, usize, usize) -> Result<f64, String> + Sync,
{
    fn evaluate_one(&self, job: &Job, rung: usize, resource: usize) -> Outcome {
        if self.plan.deadline.is_some_and(|d| Instant::now() >= d) {
            return Outcome::Skipped;
        }
        let start = Instant::now();
        let result = catch_unwind(AssertUnwindSafe(|| (self.evaluate)(&job.config, resource, job.trial)));
        let seconds = start.elapsed().as_secs_f64();
        let (score, error) = match result {
            Ok(Ok(s)) if s.is_finite() => (Some(s), None),
            Ok(Ok(s)) => (None, Some(format!("non-finite score {s}"))),
            Ok(Err(e)) => (None, Some(e)),
            Err(payload) => (None, Some(format!("panicked: {}", panic_text(payload.as_ref())))),
        };
        Outcome::New(TrialRecord { family: self.plan.family.to_string(), trial: job.trial, rung, resource, config: job.config.clone(), score, error, seconds })
    }

    /// Runs `jobs` at `rung` (records of earlier runs first, the rest on the pool); outcomes
    /// in the order of `jobs`.
    fn run(&self, jobs: &[Job], rung: usize, resource: usize) -> Vec<Outcome> {
        let reused: Vec<Option<TrialRecord>> =
            jobs.iter().map(|job| self.done.get(&(job.trial, rung)).and_then(|rs| rs.iter().find(|r| r.resource == resource && r.config == job.config)).map(|r| (*r).clone())).collect();
        let todo: Vec<&Job> = jobs.iter().zip(&reused).filter(|(_, r)| r.is_none()).map(|(j, _)| j).collect();
        let mut fresh = match &self.pool {
            Some(pool) if todo.len() > 1 => pool.install(|| todo.par_iter().map(|job| self.evaluate_one(job, rung, resource)).collect::<Vec<_>>()),
            _ => todo.iter().map(|job| self.evaluate_one(job, rung, resource)).collect(),
        }
        .into_iter();
        reused
            .into_iter()
            .map(|r| match r {
                Some(record) => Outcome::Reused(record),
                None => fresh.next().unwrap_or(Outcome::Skipped),
            })
            .collect()
    }
}

/// The number of start-up random suggestions TPE makes for a budget of `n_trials`: 6, or
/// a third of the budget (at least 2) when that is smaller.
fn tpe_startup(n_trials: usize) -> usize {
    TPE_STARTUP.min(n_trials.div_ceil(3).max(2))
}

/// Runs the search: samples `n_trials` configs in batches of `parallel` (each batch suggested
/// from the rung-0 history finished before it, so results do not depend on timing except
/// through the deadline; they do depend on `parallel` for TPE, whose history is per batch),
/// evaluates each at rung 0, promotes the best ⌈n/eta⌉ of the n evaluated at a rung (failed
/// ones never; ties: lower trial id) to the next rung, and so on up to `max_resource`.
///
/// `evaluate(config, resource, trial_id)` returns the backtest score (lower is better) or an
/// error message; a non-finite score or a panic is recorded as an error. `done` holds records
/// of a previous interrupted run: an evaluation whose (family, trial, rung, resource, config)
/// matches one is not re-run, its record is used (so `--resume` reproduces the same search;
/// a changed schedule or space re-runs what no longer matches). `on_record`
/// is called once per NEW finished evaluation, in a deterministic order (rung, then trial id
/// within a batch). Returns every record of the search, reused ones included, in that order.
///
/// Once the deadline has passed no evaluation starts (recorded ones are still reused) and no
/// new batch is suggested. An invalid `halving` is clamped to the nearest valid one (see
/// [`Halving::validate`] to reject it instead).
pub fn run_search<F>(plan: &SearchPlan, done: &[TrialRecord], evaluate: F, on_record: &mut dyn FnMut(&TrialRecord)) -> Vec<TrialRecord>
where
    F: Fn(&Config, usize, usize) -> Result<f64, String> + Sync,
{
    let halving = plan.halving.sanitized();
    let rungs = halving.rungs();
    let parallel = plan.parallel.max(1);
    let mut index: HashMap<(usize, usize), Vec<&TrialRecord>> = HashMap::new();
    for r in done.iter().filter(|r| r.family == plan.family) {
        index.entry((r.trial, r.rung)).or_default().push(r);
    }
    let pool = if parallel > 1 { rayon::ThreadPoolBuilder::new().num_threads(parallel).build().ok() } else { None };
    let runner = Runner { plan, done: index, evaluate, pool };
    let mut source: Box<dyn Sampler> = match plan.sampler {
        SamplerKind::Tpe => Box::new(TpeSampler::new(plan.seed, tpe_startup(plan.n_trials))),
        kind => sampler(kind, plan.seed),
    };

    let mut records: Vec<TrialRecord> = Vec::new();
    let mut keep = |outcomes: Vec<Outcome>, records: &mut Vec<TrialRecord>| -> bool {
        let mut skipped = false;
        for outcome in outcomes {
            match outcome {
                Outcome::Reused(r) => records.push(r),
                Outcome::New(r) => {
                    on_record(&r);
                    records.push(r);
                }
                Outcome::Skipped => skipped = true,
            }
        }
        skipped
    };

    // rung 0: suggest in batches, each from the history finished before it
    let mut history: Vec<(Config, f64)> = Vec::new();
    let mut next = 0;
    while next < plan.n_trials {
        let batch = parallel.min(plan.n_trials - next);
        let jobs: Vec<Job> = (next..next + batch).map(|trial| Job { trial, config: source.suggest(plan.space, &history) }).collect();
        next += batch;
        let first = records.len();
        let skipped = keep(runner.run(&jobs, 0, rungs[0]), &mut records);
        history.extend(records[first..].iter().map(|r| (r.config.clone(), r.finite_score().unwrap_or(f64::NAN))));
        if skipped {
            break;
        }
    }

    // promotions
    for (rung, &resource) in rungs.iter().enumerate().skip(1) {
        let previous: Vec<&TrialRecord> = records.iter().filter(|r| r.rung == rung - 1).collect();
        let quota = previous.len().div_ceil(halving.eta);
        let mut ranked: Vec<(f64, usize, &Config)> = previous.iter().filter_map(|r| r.finite_score().map(|s| (s, r.trial, &r.config))).collect();
        ranked.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
        ranked.truncate(quota);
        ranked.sort_by_key(|p| p.1);
        if ranked.is_empty() {
            break;
        }
        let jobs: Vec<Job> = ranked.into_iter().map(|(_, trial, config)| Job { trial, config: config.clone() }).collect();
        // in chunks of `parallel`, so that each chunk is recorded as soon as it finishes
        for chunk in jobs.chunks(parallel) {
            let _ = keep(runner.run(chunk, rung, resource), &mut records);
        }
    }
    records
}

/// The best finished record at the highest rung any finished record reached (ties: lower
/// trial id). Pass the records of one family.
pub fn best(records: &[TrialRecord]) -> Option<&TrialRecord> {
    let finished = || records.iter().filter(|r| r.finite_score().is_some());
    let top = finished().map(|r| r.rung).max()?;
    finished().filter(|r| r.rung == top).min_by(|a, b| {
        let (sa, sb) = (a.finite_score().unwrap_or(f64::INFINITY), b.finite_score().unwrap_or(f64::INFINITY));
        sa.total_cmp(&sb).then(a.trial.cmp(&b.trial))
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Mutex;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    fn space() -> SearchSpace {
        SearchSpace::from_json("space", &json!({"x": {"low": -1.0, "high": 1.0}, "k": {"choices": [1, 2, 3]}, "objective": "tweedie"})).unwrap()
    }

    fn plan<'a>(space: &'a SearchSpace, sampler: SamplerKind, n_trials: usize, parallel: usize) -> SearchPlan<'a> {
        SearchPlan { family: "GBDT", space, sampler, seed: 5, n_trials, halving: Halving { min_resource: 1, max_resource: 9, eta: 3 }, deadline: None, parallel }
    }

    /// x² plus a resource-dependent noise that reorders trials between rungs.
    fn score(c: &Config, resource: usize, trial: usize) -> Result<f64, String> {
        let x = c["x"].as_f64().ok_or("no x")?;
        #[allow(clippy::cast_precision_loss)]
        Ok(x * x + ((trial * 7 + resource * 3) % 5) as f64 * 0.01 / resource as f64)
    }

    fn strip(records: &[TrialRecord]) -> Vec<TrialRecord> {
        records.iter().map(|r| TrialRecord { seconds: 0.0, ..r.clone() }).collect()
    }

    #[test]
    fn rungs_and_validation() {
        let h = |min, max, eta| Halving { min_resource: min, max_resource: max, eta };
        assert_eq!(h(1, 9, 3).rungs(), [1, 3, 9]);
        assert_eq!(h(1, 10, 3).rungs(), [1, 3, 9, 10]);
        assert_eq!(h(100, 1000, 2).rungs(), [100, 200, 400, 800, 1000]);
        assert_eq!(h(5, 5, 3).rungs(), [5]);
        assert!(h(1, 9, 3).validate().is_ok());
        let e = h(0, 9, 3).validate().unwrap_err();
        assert_eq!(e.to_string(), "halving.min_resource: expected at least 1, found 0");
        assert!(h(10, 9, 3).validate().unwrap_err().to_string().starts_with("halving.max_resource"));
        assert!(h(1, 9, 1).validate().unwrap_err().to_string().starts_with("halving.eta"));
        // run_search clamps what validate rejects instead of panicking
        assert_eq!(h(0, 0, 0).rungs(), [1]);
        let json = serde_json::to_string(&h(1, 9, 3)).unwrap();
        assert_eq!(serde_json::from_str::<Halving>(&json).unwrap(), h(1, 9, 3));
    }

    #[test]
    fn promotions_keep_the_top_third() {
        let space = space();
        let p = plan(&space, SamplerKind::Random, 27, 1);
        let mut seen = Vec::new();
        let records = run_search(&p, &[], score, &mut |r| seen.push(r.clone()));
        assert_eq!(seen, records);
        let at = |rung| records.iter().filter(|r| r.rung == rung).collect::<Vec<_>>();
        assert_eq!((at(0).len(), at(1).len(), at(2).len()), (27, 9, 3));
        for rung in 1..3 {
            let resource = [1, 3, 9][rung];
            assert!(at(rung).iter().all(|r| r.resource == resource));
            let mut prev: Vec<(f64, usize)> = at(rung - 1).iter().map(|r| (r.score.unwrap(), r.trial)).collect();
            prev.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
            let mut expected: Vec<usize> = prev.iter().take(at(rung).len()).map(|p| p.1).collect();
            expected.sort_unstable();
            let promoted: Vec<usize> = at(rung).iter().map(|r| r.trial).collect();
            assert_eq!(promoted, expected, "rung {rung}");
        }
        let b = best(&records).unwrap();
        assert_eq!(b.rung, 2);
        assert!(at(2).iter().all(|r| r.score.unwrap() >= b.score.unwrap()));
        // configs travel with their trial id
        for r in &records {
            assert_eq!(r.config, at(0)[r.trial].config);
        }
    }

    #[test]
    fn failures_are_recorded_and_never_promoted() {
        let space = space();
        let p = plan(&space, SamplerKind::Halton, 9, 1);
        let eval = |c: &Config, resource: usize, trial: usize| {
            if trial.is_multiple_of(2) {
                return Err(format!("trial {trial} diverged"));
            }
            if trial == 3 {
                return Ok(f64::NAN);
            }
            if trial == 5 {
                panic!("boom");
            }
            score(c, resource, trial)
        };
        let records = run_search(&p, &[], eval, &mut |_| {});
        let rung0: Vec<&TrialRecord> = records.iter().filter(|r| r.rung == 0).collect();
        assert_eq!(rung0.len(), 9);
        assert_eq!(rung0[4].error.as_deref(), Some("trial 4 diverged"));
        assert_eq!(rung0[4].score, None);
        assert!(rung0[3].error.as_deref().unwrap().contains("non-finite"));
        assert_eq!(rung0[5].error.as_deref(), Some("panicked: boom"));
        // 3 of the 9 may be promoted, but only trials 1 and 7 finished
        let promoted: Vec<usize> = records.iter().filter(|r| r.rung == 1).map(|r| r.trial).collect();
        assert_eq!(promoted, [1, 7]);
        assert!(records.iter().filter(|r| r.rung > 0).all(|r| r.score.is_some()));
        assert!([1, 7].contains(&best(&records).unwrap().trial));
        let all_fail = run_search(&p, &[], |_: &Config, _, _| Err("no".to_string()), &mut |_| {});
        assert_eq!(all_fail.len(), 9);
        assert_eq!(best(&all_fail), None);
    }

    #[test]
    fn parallel_two_gives_the_same_records_as_one() {
        let space = space();
        for kind in [SamplerKind::Random, SamplerKind::Halton] {
            let one = run_search(&plan(&space, kind, 12, 1), &[], score, &mut |_| {});
            let mut order = Vec::new();
            let slow = |c: &Config, resource: usize, trial: usize| {
                // later trials finish first
                std::thread::sleep(Duration::from_millis(((12 - trial.min(12)) * 2) as u64));
                score(c, resource, trial)
            };
            let two = run_search(&plan(&space, kind, 12, 2), &[], slow, &mut |r| order.push((r.rung, r.trial)));
            assert_eq!(strip(&one), strip(&two), "{kind:?}");
            let mut sorted = order.clone();
            sorted.sort_unstable();
            assert_eq!(order, sorted, "on_record in (rung, trial) order");
        }
    }

    #[test]
    fn tpe_search_is_deterministic_for_a_given_parallelism() {
        let space = space();
        let p = plan(&space, SamplerKind::Tpe, 14, 3);
        let jitter = AtomicUsize::new(0);
        let a = run_search(&p, &[], score, &mut |_| {});
        let b = run_search(
            &p,
            &[],
            |c: &Config, r: usize, t: usize| {
                let n = jitter.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(Duration::from_millis((n * 5 % 7) as u64));
                score(c, r, t)
            },
            &mut |_| {},
        );
        assert_eq!(strip(&a), strip(&b));
        assert_eq!(a.iter().filter(|r| r.rung == 0).count(), 14);
    }

    #[test]
    fn resume_reuses_records_without_evaluating_them() {
        let space = space();
        for kind in [SamplerKind::Tpe, SamplerKind::Halton] {
            let p = plan(&space, kind, 18, 2);
            let full = run_search(&p, &[], score, &mut |_| {});
            // as if read back from a JSON-lines log
            let log: String = full[..full.len() / 2].iter().map(|r| serde_json::to_string(r).unwrap() + "\n").collect();
            let half: &[TrialRecord] = &log.lines().map(|l| serde_json::from_str(l).unwrap()).collect::<Vec<TrialRecord>>();
            assert_eq!(half, &full[..full.len() / 2]);
            let calls = AtomicUsize::new(0);
            let counted = |c: &Config, r: usize, t: usize| {
                calls.fetch_add(1, Ordering::Relaxed);
                score(c, r, t)
            };
            let mut new = Vec::new();
            let resumed = run_search(&p, half, counted, &mut |r| new.push(r.clone()));
            assert_eq!(resumed, [half, &new[..]].concat(), "{kind:?}: reused records kept as they were");
            assert_eq!(strip(&resumed), strip(&full), "{kind:?}");
            assert_eq!(calls.load(Ordering::Relaxed), full.len() - half.len(), "{kind:?}");
            assert_eq!(new.len(), full.len() - half.len());
            // records of another family or another config are not reused
            let mut other = half.to_vec();
            other[0].family = "Other".into();
            other[1].config.insert("x".into(), json!(123.0));
            other[2].resource += 1;
            calls.store(0, Ordering::Relaxed);
            let again = run_search(&p, &other, counted, &mut |_| {});
            assert_eq!(calls.load(Ordering::Relaxed), full.len() - half.len() + 3, "{kind:?}");
            assert_eq!(strip(&again), strip(&full), "{kind:?}");
        }
    }

    #[test]
    fn the_deadline_stops_new_evaluations() {
        let space = space();
        let mut p = plan(&space, SamplerKind::Random, 100, 1);
        p.deadline = Some(Instant::now());
        let calls = AtomicUsize::new(0);
        let counted = |c: &Config, r: usize, t: usize| {
            calls.fetch_add(1, Ordering::Relaxed);
            std::thread::sleep(Duration::from_millis(40));
            score(c, r, t)
        };
        assert!(run_search(&p, &[], counted, &mut |_| {}).is_empty());
        assert_eq!(calls.load(Ordering::Relaxed), 0);

        let deadline = Instant::now() + Duration::from_millis(400);
        p.deadline = Some(deadline);
        p.parallel = 2;
        let starts = Mutex::new(Vec::new());
        let timed = |c: &Config, r: usize, t: usize| {
            starts.lock().unwrap().push(Instant::now());
            std::thread::sleep(Duration::from_millis(40));
            score(c, r, t)
        };
        let records = run_search(&p, &[], timed, &mut |_| {});
        assert!(!records.is_empty() && records.len() < 100, "{} records", records.len());
        assert!(starts.lock().unwrap().iter().all(|s| *s < deadline));
        assert_eq!(records.len(), starts.lock().unwrap().len());
    }

    #[test]
    fn single_rung_runs_every_trial_once() {
        let space = space();
        let mut p = plan(&space, SamplerKind::Tpe, 10, 1);
        p.halving = Halving { min_resource: 4, max_resource: 4, eta: 3 };
        let records = run_search(&p, &[], score, &mut |_| {});
        assert_eq!(records.len(), 10);
        assert!(records.iter().all(|r| r.rung == 0 && r.resource == 4 && r.family == "GBDT"));
        assert_eq!(records.iter().map(|r| r.trial).collect::<Vec<_>>(), (0..10).collect::<Vec<_>>());
        assert!(records.iter().all(|r| r.config["objective"] == json!("tweedie")));
        let round_trip: Vec<TrialRecord> = serde_json::from_str(&serde_json::to_string(&records).unwrap()).unwrap();
        assert_eq!(round_trip, records);
    }
}
