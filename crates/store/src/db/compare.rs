//! Two runs side by side: every model's score in each and the difference (B − A), the 12
//! M5 level scores of the models both ran, and which facts of the runs differ (data,
//! recipe keys, seed, version), so a change of score can be traced to a change of input.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::Db;
use super::types::{ModelScores, RunDetail, RunSummary};
use crate::error::Result;

/// One model of either run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelDiff {
    pub alias: String,
    pub family: String,
    pub rank_a: Option<u64>,
    pub rank_b: Option<u64>,
    /// The head metric on each run's scored window.
    pub score_a: Option<f64>,
    pub score_b: Option<f64>,
    /// `score_b − score_a`, where both exist and the runs share a metric (lower is better:
    /// a negative difference means B improved).
    pub diff: Option<f64>,
    /// The backtest scores and their difference.
    pub valid_a: Option<f64>,
    pub valid_b: Option<f64>,
    pub valid_diff: Option<f64>,
}

/// One level score of a model both runs have.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LevelDiff {
    pub alias: String,
    /// 1..=12, as `level_1`..`level_12` of the leaderboard.
    pub level: usize,
    pub a: Option<f64>,
    pub b: Option<f64>,
    pub diff: Option<f64>,
}

/// A fact of the runs that is not the same in both.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FactDiff {
    /// `seed`, `data_fingerprint`, … or `recipe.KEY.PATH` for a recipe value.
    pub fact: String,
    pub a: String,
    pub b: String,
}

/// Runs A and B compared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub a: RunSummary,
    pub b: RunSummary,
    /// Scores are differenced only under one metric (WRMSSE and MASE do not subtract).
    pub same_metric: bool,
    /// A's models by rank, then the models only B has, by B's rank.
    pub models: Vec<ModelDiff>,
    /// Per model in both runs (in `models`' order), its levels in order.
    pub levels: Vec<LevelDiff>,
    pub facts: Vec<FactDiff>,
}

impl Db {
    /// Compares two runs found as [`Db::resolve`] finds them.
    pub fn compare(&self, a: &str, b: &str) -> Result<Comparison> {
        Ok(compare(&self.show(a)?, &self.show(b)?))
    }
}

fn sub(a: Option<f64>, b: Option<f64>, ok: bool) -> Option<f64> {
    match (a, b) {
        (Some(a), Some(b)) if ok => Some(b - a),
        _ => None,
    }
}

/// The comparison of two runs' records (no database needed: the arithmetic is here).
pub fn compare(a: &RunDetail, b: &RunDetail) -> Comparison {
    let same_metric = a.run.metric == b.run.metric;
    let find = |models: &[ModelScores], alias: &str| models.iter().find(|m| m.alias == alias).cloned();
    let aliases: Vec<&str> = a.models.iter().map(|m| m.alias.as_str()).chain(b.models.iter().filter(|m| find(&a.models, &m.alias).is_none()).map(|m| m.alias.as_str())).collect();
    let mut models = Vec::new();
    let mut levels = Vec::new();
    for alias in aliases {
        let (ma, mb) = (find(&a.models, alias), find(&b.models, alias));
        let family = ma.as_ref().or(mb.as_ref()).map(|m| m.family.clone()).unwrap_or_default();
        let (sa, sb) = (ma.as_ref().and_then(|m| m.score), mb.as_ref().and_then(|m| m.score));
        let (va, vb) = (ma.as_ref().and_then(|m| m.valid), mb.as_ref().and_then(|m| m.valid));
        models.push(ModelDiff {
            alias: alias.to_string(),
            family,
            rank_a: ma.as_ref().map(|m| m.rank),
            rank_b: mb.as_ref().map(|m| m.rank),
            score_a: sa,
            score_b: sb,
            diff: sub(sa, sb, same_metric),
            valid_a: va,
            valid_b: vb,
            valid_diff: sub(va, vb, same_metric),
        });
        if let (Some(ma), Some(mb)) = (&ma, &mb) {
            for k in 0..ma.levels.len().max(mb.levels.len()) {
                let (la, lb) = (ma.levels.get(k).copied().flatten(), mb.levels.get(k).copied().flatten());
                levels.push(LevelDiff { alias: alias.to_string(), level: k + 1, a: la, b: lb, diff: sub(la, lb, same_metric) });
            }
        }
    }
    Comparison { a: a.run.clone(), b: b.run.clone(), same_metric, models, levels, facts: facts(a, b) }
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The facts that differ: the run's own, then every recipe value by its dotted key.
fn facts(a: &RunDetail, b: &RunDetail) -> Vec<FactDiff> {
    let facts = |r: &RunSummary| {
        [
            ("name", r.name.clone()),
            ("tsforge_version", r.tsforge_version.clone()),
            ("data_source", r.data_source.clone()),
            ("data_fingerprint", r.data_fingerprint.clone()),
            ("phase", r.phase.clone()),
            ("horizon", opt(&r.horizon)),
            ("train_end", r.train_end.clone()),
            ("metric", r.metric.clone()),
            ("seed", opt(&r.seed)),
            ("submission_model", r.submission_model.clone()),
            ("threads", opt(&r.threads)),
            ("device", r.device.clone()),
        ]
    };
    let mut out: Vec<FactDiff> = facts(&a.run).into_iter().zip(facts(&b.run)).filter(|((_, x), (_, y))| x != y).map(|((name, x), (_, y))| FactDiff { fact: name.to_string(), a: x, b: y }).collect();
    let (mut ra, mut rb) = (BTreeMap::new(), BTreeMap::new());
    flatten("recipe", &a.recipe, &mut ra);
    flatten("recipe", &b.recipe, &mut rb);
    let keys: std::collections::BTreeSet<&String> = ra.keys().chain(rb.keys()).collect();
    for k in keys {
        let (x, y) = (ra.get(k).cloned().unwrap_or_default(), rb.get(k).cloned().unwrap_or_default());
        if x != y {
            out.push(FactDiff { fact: k.clone(), a: x, b: y });
        }
    }
    out
}

/// A JSON value as `dotted.key → value text` leaves (lists stay whole: a model list is one fact).
fn flatten(prefix: &str, v: &Value, out: &mut BTreeMap<String, String>) {
    match v {
        Value::Object(map) => {
            for (k, x) in map {
                flatten(&format!("{prefix}.{k}"), x, out);
            }
        }
        Value::String(s) => {
            out.insert(prefix.to_string(), s.clone());
        }
        other => {
            out.insert(prefix.to_string(), other.to_string());
        }
    }
}
