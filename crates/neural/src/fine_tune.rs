//! Fine-tuning by store: which series a store's copy of a network sees
//! ([`subset_panel`]) and how it trains ([`FineTune`]). Used by the forecaster
//! (`-FT-store` models) and by [`crate::transfer`].

use serde::{Deserialize, Serialize};
use tsforge_core::Panel;

use crate::error::{NeuralError, Result};
use crate::train::TrainConfig;

/// The series `idx` of `panel` (in that order): [`Panel::select`].
pub fn subset_panel(panel: &Panel, idx: &[usize]) -> Result<Panel> {
    panel.select(idx).map_err(|e| NeuralError::config("subset", e.to_string()))
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
