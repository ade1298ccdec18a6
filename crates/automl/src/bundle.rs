//! The saved form of a fitted hurdle: both models with the feature spec and vocabulary
//! that coded their inputs, so that the same forecast can be rebuilt from the file alone.

use serde::{Deserialize, Serialize};
use tsforge_core::model::ModelError;
use tsforge_features::{FeatureSpec, Vocabulary};
use tsforge_gbdt::{Booster, GbdtParams};

use crate::logit::{LogisticParams, LogitModel};

/// Version tag of the hurdle bundle layout.
pub const HURDLE_FORMAT: &str = "tsforge-hurdle-bundle-1";

/// What the positive part is trained on: `y` itself, or `y - 1` (added back at
/// prediction; with a log link the size can then never fall below one unit).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SizeTarget {
    Count,
    Excess,
}

impl SizeTarget {
    /// Subtracted from `y` for training, added back to predictions.
    pub fn offset(self) -> f64 {
        match self {
            SizeTarget::Count => 0.0,
            SizeTarget::Excess => 1.0,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            SizeTarget::Count => "y",
            SizeTarget::Excess => "y−1",
        }
    }
}

/// The fitted zero-or-not classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum ClassifierModel {
    Gbdt {
        params: Box<GbdtParams>,
        booster: Box<Booster>,
    },
    Logistic {
        params: LogisticParams,
        model: LogitModel,
    },
    /// Every training row was non-zero (or none was): P is that constant.
    Constant {
        probability: f64,
    },
}

/// The fitted size model E[y | y > 0].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum SizeModel {
    Gbdt {
        target: SizeTarget,
        params: Box<GbdtParams>,
        booster: Box<Booster>,
    },
    /// Every non-zero training value was the same.
    Constant {
        size: f64,
    },
}

/// A fitted hurdle, as `tsforge run` saves it to `models/ALIAS.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HurdleBundle {
    pub format: String,
    pub alias: String,
    pub features: FeatureSpec,
    pub vocabulary: Vocabulary,
    pub classifier: ClassifierModel,
    pub size: SizeModel,
    /// Set when trained on level-scaled series (any-panel data): the window of the level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub level_window: Option<usize>,
}

impl HurdleBundle {
    pub fn to_json(&self) -> Result<String, ModelError> {
        Ok(serde_json::to_string(self)?)
    }

    pub fn from_json(s: &str) -> Result<HurdleBundle, ModelError> {
        let b: HurdleBundle = serde_json::from_str(s)?;
        if b.format != HURDLE_FORMAT {
            return Err(format!("hurdle bundle format '{}', expected '{HURDLE_FORMAT}'", b.format).into());
        }
        Ok(b)
    }
}
