//! `plan.json`, what the search stage decided: the models with their configurations,
//! the ensemble's members and weights, the submission, the run's settings and the
//! data's fingerprint. Shards fit exactly this; merge checks every part came from it.

use serde::{Deserialize, Serialize};
use tsforge_report::Member;

use super::shard::ShardBy;
use crate::error::{Result, failed, usage};
use crate::pipeline::input::checksum;
use crate::pipeline::settings::Settings;

/// Version tag of the plan's layout.
pub const PLAN_FORMAT: &str = "tsforge-plan-1";

/// A model the plan fits: the registry's model name and its configuration (the
/// searched values of a trial, none for a fixed model).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelSpec {
    pub alias: String,
    pub model: String,
    pub family: String,
    #[serde(default)]
    pub params: serde_json::Map<String, serde_json::Value>,
}

/// The ensemble as the search stage weighted it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlannedEnsemble {
    pub members: Vec<Member>,
    /// How the weights were chosen (the search stage's leaderboard note).
    pub note: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PlanFile {
    pub format: String,
    /// Checksum of the plan's content (every field but this one): parts carry it.
    pub id: String,
    pub settings: Settings,
    pub data_fingerprint: String,
    pub n_series: usize,
    pub shard_by: ShardBy,
    /// Backtest windows every shard fits (the search stage's count).
    pub backtest_windows: usize,
    pub models: Vec<ModelSpec>,
    pub ensemble: Option<PlannedEnsemble>,
    /// Alias of the model (or `Ensemble`) whose forecast is the submission.
    pub submission: String,
    /// What the search ran on, in words ("all 280 series", "a stratified sample of …").
    pub searched_on: String,
}

impl PlanFile {
    /// A plan with its id filled in.
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        settings: Settings,
        data_fingerprint: String,
        n_series: usize,
        shard_by: ShardBy,
        backtest_windows: usize,
        models: Vec<ModelSpec>,
        ensemble: Option<PlannedEnsemble>,
        submission: String,
        searched_on: String,
    ) -> Result<PlanFile> {
        let mut plan = PlanFile { format: PLAN_FORMAT.into(), id: String::new(), settings, data_fingerprint, n_series, shard_by, backtest_windows, models, ensemble, submission, searched_on };
        plan.id = plan.content_id()?;
        Ok(plan)
    }

    fn content_id(&self) -> Result<String> {
        let body = serde_json::to_vec(&PlanFile { id: String::new(), ..self.clone() }).map_err(|e| failed(format!("plan.json: {e}")))?;
        Ok(checksum(&body))
    }

    pub fn to_json(&self) -> Result<Vec<u8>> {
        let mut bytes = serde_json::to_vec_pretty(self).map_err(|e| failed(format!("plan.json: {e}")))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    /// Reads and checks a plan file (or a search stage's run folder holding `plan.json`).
    pub fn read(path: &std::path::Path) -> Result<PlanFile> {
        let file = if path.is_dir() { path.join("plan.json") } else { path.to_path_buf() };
        let text = std::fs::read(&file).map_err(|e| usage(format!("--plan {}: {e}", file.display())))?;
        let plan: PlanFile = serde_json::from_slice(&text).map_err(|e| usage(format!("{}: not a tsforge plan: {e}", file.display())))?;
        plan.check(&file.display().to_string())?;
        Ok(plan)
    }

    /// The format is known and the content matches its id (an edited plan would make
    /// shards that merge cannot tell apart).
    pub fn check(&self, label: &str) -> Result<()> {
        if self.format != PLAN_FORMAT {
            return Err(usage(format!("{label}: plan format '{}', expected '{PLAN_FORMAT}'", self.format)));
        }
        if self.content_id()? != self.id {
            return Err(usage(format!("{label}: the plan's content does not match its id {}: it was edited or damaged; run the search stage again", self.id)));
        }
        Ok(())
    }
}
