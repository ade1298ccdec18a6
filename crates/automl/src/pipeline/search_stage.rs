//! The search stage of a run: every `[search.families.NAME]` is searched on the backtest
//! (train on the history before each window, score the windows) with the recipe's
//! sampler and successive halving; each finished evaluation is appended to the trial log
//! with its backtest forecast.

use std::collections::BTreeMap;
use std::time::Instant;

use crate::error::{Result, failed, usage};
use crate::pipeline::backtest::Backtest;
use crate::pipeline::progress::{Event, Progress};
use crate::pipeline::trial_log::TrialLog;
use crate::recipe::{FamilySearch, SearchSettings};
use crate::registry::{BuildContext, Registry};
use crate::search::{Config, Halving, SearchPlan, TrialRecord, run_search};

/// What every family's search shares.
pub(crate) struct SearchRun<'a> {
    pub settings: &'a SearchSettings,
    pub seed: u64,
    /// No trial starts after this.
    pub deadline: Option<Instant>,
    pub backtest: &'a Backtest<'a>,
    pub log: &'a TrialLog,
    /// Finished evaluations of an interrupted run.
    pub done: &'a [TrialRecord],
    pub registry: &'a Registry,
    pub build: &'a BuildContext,
    pub progress: &'a dyn Progress,
}

impl SearchRun<'_> {
    /// Runs one family's search; returns its records (reused and new).
    pub fn family(&self, name: &str, family: &FamilySearch) -> Result<Vec<TrialRecord>> {
        let space = family.space(name).map_err(|e| usage(e.to_string()))?;
        let resource_key = self.registry.search_resource(&family.model)?.key();
        // without halving every trial runs once at the model's own default budget (0 = keep it)
        let halving = family.halving.unwrap_or(Halving { min_resource: 1, max_resource: 1, eta: 2 });
        let plan =
            SearchPlan { family: name, space: &space, sampler: self.settings.sampler, seed: self.seed, n_trials: family.trials, halving, deadline: self.deadline, parallel: self.settings.parallel };
        let evaluate = |config: &Config, resource: usize, trial: usize| -> std::result::Result<f64, String> {
            let config = with_resource(config, family, resource_key, resource);
            let model = self.registry.build(&family.model, &trial_alias(name, trial), &config.into_iter().collect(), self.build).map_err(|e| e.to_string())?;
            let (values, score) = self.backtest.run(model.as_ref())?;
            let rung = halving.rungs().iter().position(|&r| r == resource).unwrap_or(0);
            self.log.save_forecast(name, trial, rung, &values).map_err(|e| e.to_string())?;
            Ok(score)
        };
        let mut io_error = None;
        let mut best: Option<f64> = None;
        let records = run_search(&plan, self.done, evaluate, &mut |r| {
            if let Err(e) = self.log.append(r) {
                io_error.get_or_insert(e);
            }
            if let Some(s) = r.score.filter(|s| s.is_finite()) {
                best = Some(best.map_or(s, |b: f64| b.min(s)));
            }
            self.progress.event(&Event::Trial { family: name, trial: r.trial, trials: family.trials, rung: r.rung, resource: r.resource, score: r.score, best });
        });
        if let Some(e) = io_error {
            return Err(failed(format!("writing the trial log: {e}")));
        }
        Ok(records)
    }
}

/// A trial's configuration with its budget resource set (when the family uses halving
/// and the model has a resource key).
pub fn with_resource(config: &Config, family: &FamilySearch, key: Option<&str>, resource: usize) -> Config {
    let mut c = config.clone();
    if let (Some(_), Some(key)) = (family.halving, key) {
        c.insert(key.to_string(), resource.into());
    }
    c
}

pub fn trial_alias(family: &str, trial: usize) -> String {
    format!("{family}-t{trial}")
}

/// The deadline of the next family's search: the search time left shared equally among
/// the `families_left` still to search (what a family leaves unused goes to those after
/// it). Families are searched one after another in name order; under one deadline for
/// all, the first ones could fill the budget and leave the last none: on m5-tiny-weekly
/// the quickstart's neural family (`lenet`, last by name) ran no trial.
pub fn family_deadline(search_deadline: Option<Instant>, now: Instant, families_left: usize) -> Option<Instant> {
    let share = u32::try_from(families_left.max(1)).unwrap_or(u32::MAX);
    search_deadline.map(|d| now + d.saturating_duration_since(now) / share)
}

/// `FAMILY-tN` → (FAMILY, N).
pub fn parse_trial_alias(alias: &str) -> Option<(&str, usize)> {
    let (family, n) = alias.rsplit_once("-t")?;
    Some((family, n.parse().ok()?))
}

/// The `k` best trials of a family: each trial's record at the highest rung it reached,
/// ranked by rung (higher first), then score, then trial id.
pub fn top_trials(records: &[TrialRecord], k: usize) -> Vec<TrialRecord> {
    let mut last: BTreeMap<usize, &TrialRecord> = BTreeMap::new();
    for r in records.iter().filter(|r| r.score.is_some_and(f64::is_finite)) {
        let e = last.entry(r.trial).or_insert(r);
        if r.rung > e.rung {
            *e = r;
        }
    }
    let mut v: Vec<&TrialRecord> = last.into_values().collect();
    v.sort_by(|a, b| b.rung.cmp(&a.rung).then(a.score.unwrap_or(f64::INFINITY).total_cmp(&b.score.unwrap_or(f64::INFINITY))).then(a.trial.cmp(&b.trial)));
    v.into_iter().take(k).cloned().collect()
}

/// The trial log as CSV: one row per evaluation.
pub fn records_csv(records: &[TrialRecord]) -> String {
    let mut out = String::from("family,trial,rung,resource,score,seconds,error,config\n");
    for r in records {
        let config = serde_json::to_string(&r.config).unwrap_or_default().replace('"', "\"\"");
        let error = r.error.clone().unwrap_or_default().replace('"', "\"\"");
        out += &format!("{},{},{},{},{},{:.3},\"{error}\",\"{config}\"\n", r.family, r.trial, r.rung, r.resource, r.score.map(|s| s.to_string()).unwrap_or_default(), r.seconds);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(trial: usize, rung: usize, score: Option<f64>) -> TrialRecord {
        TrialRecord { family: "f".into(), trial, rung, resource: 10 * (rung + 1), config: Config::new(), score, error: None, seconds: 0.0 }
    }

    #[test]
    fn top_trials_prefer_higher_rungs_then_scores() {
        let records = vec![rec(0, 0, Some(0.5)), rec(1, 0, Some(0.4)), rec(2, 0, Some(0.9)), rec(1, 1, Some(0.45)), rec(3, 0, None)];
        let top = top_trials(&records, 2);
        assert_eq!(top.iter().map(|r| (r.trial, r.rung)).collect::<Vec<_>>(), vec![(1, 1), (0, 0)]);
    }

    #[test]
    fn each_family_gets_its_share_of_the_search_time_left() {
        let now = Instant::now();
        let end = now + std::time::Duration::from_secs(90);
        assert_eq!(family_deadline(Some(end), now, 3), Some(now + std::time::Duration::from_secs(30)));
        assert_eq!(family_deadline(Some(end), now, 1), Some(end));
        assert_eq!(family_deadline(Some(now), end, 2), Some(end), "a passed deadline stays passed");
        assert_eq!(family_deadline(None, now, 2), None);
    }

    #[test]
    fn trial_aliases_round_trip() {
        assert_eq!(parse_trial_alias(&trial_alias("gbdt", 12)), Some(("gbdt", 12)));
        assert_eq!(parse_trial_alias("SeasonalNaive"), None);
    }
}
