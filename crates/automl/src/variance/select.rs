//! Which configurations a variance run retrains: the best of the run by backtest
//! score, the ensemble and its members, each rebuilt from the registry (a fixed model by
//! name, a search trial from the run's trial log).

use std::collections::BTreeMap;

use tsforge_report::Leaderboard;

use crate::error::{Result, usage};
use crate::pipeline::search_stage::{parse_trial_alias, with_resource};
use crate::recipe::Recipe;
use crate::registry::Registry;
use crate::search::{Config, TrialRecord};

/// How a configuration's model is built for a seed.
#[derive(Debug, Clone)]
pub(crate) enum Spec {
    /// A model by name (the catalog, the GBDT models, the neural families).
    Fixed(String),
    /// A search trial: the family's model with the trial's configuration.
    Trial { family: String, model: String, config: Config },
}

impl Spec {
    /// A stable text identity for the state index (a changed recipe is refitted).
    pub(crate) fn text(&self) -> String {
        match self {
            Spec::Fixed(name) => format!("fixed {name}"),
            Spec::Trial { family, model, config } => format!("trial {family} {model} {}", serde_json::to_string(config).unwrap_or_default()),
        }
    }
}

/// A configuration of the report: a refitted model, or the ensemble of some of them.
#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub alias: String,
    pub family: String,
    pub role: String,
    pub run_valid: Option<f64>,
    pub run_score: Option<f64>,
    pub kind: Kind,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Model {
        spec: Spec,
        seeded: bool,
    },
    /// Members by index into the entries (each a `Model`), with the run's weights.
    Ensemble {
        members: Vec<(usize, f64)>,
    },
}

/// The configurations: the best `top` rows by backtest score (the ensemble aside),
/// then the ensemble's members not among them, then the ensemble.
pub(crate) fn select(board: &Leaderboard, recipe: &Recipe, registry: &Registry, trials: &[TrialRecord], top: usize, notes: &mut Vec<String>) -> Result<Vec<Entry>> {
    let key = |r: &tsforge_report::Row| r.valid.filter(|v| v.is_finite()).or_else(|| board.metric.of(&r.scores)).unwrap_or(f64::INFINITY);
    let mut rows: Vec<&tsforge_report::Row> = board.rows.iter().filter(|r| r.alias != "Ensemble").collect();
    rows.sort_by(|a, b| key(a).total_cmp(&key(b)).then_with(|| a.alias.cmp(&b.alias)));
    if rows.iter().any(|r| r.valid.is_none()) {
        notes.push("Rows without a backtest score are ranked by their scored-window score.".into());
    }
    let spec_of = |alias: &str| -> Result<(Spec, bool)> {
        if let Some((family, n)) = parse_trial_alias(alias)
            && let Some(fam) = recipe.search.as_ref().and_then(|s| s.families.get(family))
        {
            let rec = trials
                .iter()
                .filter(|r| r.family == family && r.trial == n && r.score.is_some())
                .max_by_key(|r| r.rung)
                .ok_or_else(|| usage(format!("{alias}: no finished record of trial {n} of family {family} in the run's trials.jsonl")))?;
            let config = with_resource(&rec.config, fam, registry.search_resource(&fam.model)?.key(), rec.resource);
            let seeded = registry.get(&fam.model).is_some_and(|e| e.seeded);
            return Ok((Spec::Trial { family: family.to_string(), model: fam.model.clone(), config }, seeded));
        }
        match registry.get(alias) {
            Some(e) => Ok((Spec::Fixed(alias.to_string()), e.seeded)),
            None => Err(usage(format!("{alias}: neither a model name nor a trial of the recipe's search families (was the run made with another recipe?)"))),
        }
    };
    let mut entries = Vec::new();
    let mut index: BTreeMap<String, usize> = BTreeMap::new();
    let metric = board.metric;
    let push = |entries: &mut Vec<Entry>, index: &mut BTreeMap<String, usize>, row: &tsforge_report::Row, role: String| -> Result<usize> {
        let (spec, seeded) = spec_of(&row.alias)?;
        entries.push(Entry { alias: row.alias.clone(), family: row.family.clone(), role, run_valid: row.valid, run_score: metric.of(&row.scores), kind: Kind::Model { spec, seeded } });
        index.insert(row.alias.clone(), entries.len() - 1);
        Ok(entries.len() - 1)
    };
    for (k, row) in rows.iter().take(top).enumerate() {
        push(&mut entries, &mut index, row, format!("top {}", k + 1))?;
    }
    if rows.len() < top {
        notes.push(format!("The run has {} configurations besides the ensemble; all of them are here.", rows.len()));
    }
    if let Some(ens) = board.rows.iter().find(|r| r.alias == "Ensemble" && !r.members.is_empty()) {
        let mut members = Vec::new();
        for m in &ens.members {
            let i = match index.get(&m.alias) {
                Some(&i) => i,
                None => {
                    let row = board.rows.iter().find(|r| r.alias == m.alias).ok_or_else(|| usage(format!("ensemble member {} is not on the run's leaderboard", m.alias)))?;
                    push(&mut entries, &mut index, row, "ensemble member".into())?
                }
            };
            members.push((i, m.weight));
        }
        entries.push(Entry {
            alias: ens.alias.clone(),
            family: ens.family.clone(),
            role: "ensemble".into(),
            run_valid: ens.valid,
            run_score: metric.of(&ens.scores),
            kind: Kind::Ensemble { members },
        });
    } else {
        notes.push("The run has no ensemble.".into());
    }
    Ok(entries)
}
