//! Fine-tuning by store: which series a store's copy of a network sees
//! ([`subset_panel`]) and how it trains ([`FineTune`]). Used by the forecaster
//! (`-FT-store` models) and by [`crate::transfer`].

use serde::{Deserialize, Serialize};
use tsforge_core::Panel;
use tsforge_core::panel::{Covariate, Prices};

use crate::error::{NeuralError, Result};
use crate::train::TrainConfig;

/// The series `idx` of `panel` (in that order), with their attributes, prices and
/// covariates; the calendar and time grid are kept whole.
pub fn subset_panel(panel: &Panel, idx: &[usize]) -> Result<Panel> {
    let n = panel.n_series();
    if let Some(&bad) = idx.iter().find(|&&i| i >= n) {
        return Err(NeuralError::config("subset", format!("series {bad} is outside the panel's {n}")));
    }
    if idx.is_empty() {
        return Err(NeuralError::config("subset", "no series"));
    }
    let t = panel.n_time();
    let rows = |v: &[f32], width: usize| -> Vec<f32> { idx.iter().flat_map(|&i| v[i * width..(i + 1) * width].iter().copied()).collect() };
    Ok(Panel {
        ids: idx.iter().map(|&i| panel.ids[i].clone()).collect(),
        attrs: panel.attrs.as_ref().map(|a| idx.iter().map(|&i| a[i].clone()).collect()),
        index: panel.index.clone(),
        y: rows(&panel.y, t),
        spans: idx.iter().map(|&i| panel.spans[i]).collect(),
        calendar: panel.calendar.clone(),
        prices: match &panel.prices {
            Some(p) => Some(Prices::new(idx.len(), p.days, rows(&p.values, p.days))?),
            None => None,
        },
        dynamic: panel.dynamic.iter().map(|c| Covariate { name: c.name.clone(), values: rows(&c.values, t) }).collect(),
        statics: panel.statics.iter().map(|s| tsforge_core::panel::StaticCovariate { name: s.name.clone(), values: idx.iter().map(|&i| s.values[i].clone()).collect() }).collect(),
    })
}

/// How [`crate::NeuralForecaster::fine_tuned_by_store`] fine-tunes each store's copy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FineTune {
    /// Blocks frozen from the input side (see [`crate::Network::freeze_first`]).
    pub frozen_blocks: usize,
    /// Optimizer steps of each fine-tuning.
    pub steps: usize,
    /// Fine-tuning learning rate as a share of the pretraining one.
    pub lr_ratio: f64,
}

impl Default for FineTune {
    fn default() -> FineTune {
        FineTune { frozen_blocks: 1, steps: 300, lr_ratio: 1.0 / 3.0 }
    }
}

impl FineTune {
    pub fn validate(&self) -> Result<()> {
        if self.steps == 0 {
            return Err(NeuralError::config("fine_tune.steps", "must be at least 1"));
        }
        if !(self.lr_ratio > 0.0 && self.lr_ratio <= 1.0) {
            return Err(NeuralError::config("fine_tune.lr_ratio", format!("{} is outside (0, 1]", self.lr_ratio)));
        }
        Ok(())
    }

    /// The pretraining config with this fine-tuning's steps and learning rate (and another seed).
    pub fn train_config(&self, pretrain: &TrainConfig) -> TrainConfig {
        TrainConfig { steps: self.steps, max_epochs: None, learning_rate: pretrain.learning_rate * self.lr_ratio, seed: pretrain.seed.wrapping_add(1), ..pretrain.clone() }
    }
}
