//! What a model crate says about each model it offers, so the pipeline can run, search
//! and report any model without knowing its type: the catalog entry. Each model crate
//! exports `catalog() -> Vec<ModelEntry>`; the AutoML crate gathers them into its
//! registry. Adding a model is one entry plus its type.

use std::fmt;
use std::sync::Arc;

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::forecast::Forecast;
use crate::model::{Forecaster, ModelError};
use crate::panel::Panel;

/// What a model needs from the data beyond the target.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DataNeeds {
    /// Hierarchy ids (M5: item, dept, cat, store, state).
    pub hierarchy: bool,
    /// A calendar (events, SNAP, week numbers).
    pub calendar: bool,
    /// Sell prices.
    pub prices: bool,
}

impl DataNeeds {
    /// Only the target.
    pub const NOTHING: DataNeeds = DataNeeds { hierarchy: false, calendar: false, prices: false };
    /// The M5 hierarchy and calendar (prices are used when present).
    pub const M5: DataNeeds = DataNeeds { hierarchy: true, calendar: true, prices: false };

    /// Whether the data offers everything needed.
    pub fn met_by(&self, hierarchy: bool, calendar: bool, prices: bool) -> bool {
        (!self.hierarchy || hierarchy) && (!self.calendar || calendar) && (!self.prices || prices)
    }

    /// "hierarchy ids, calendar" — for messages.
    pub fn describe(&self) -> String {
        let parts: Vec<&str> = [(self.hierarchy, "hierarchy ids"), (self.calendar, "calendar"), (self.prices, "sell prices")].into_iter().filter(|p| p.0).map(|p| p.1).collect();
        if parts.is_empty() { "nothing but the target".into() } else { parts.join(", ") }
    }
}

/// The budget a search scales for a model under successive halving.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SearchResource {
    /// No budget knob: every trial runs at the model's own settings.
    None,
    /// Boosting rounds (`num_iterations`).
    Rounds,
    /// Passes over the training windows (`max_epochs`).
    Epochs,
}

impl SearchResource {
    /// The hyperparameter a trial's resource sets.
    pub fn key(self) -> Option<&'static str> {
        match self {
            SearchResource::None => None,
            SearchResource::Rounds => Some("num_iterations"),
            SearchResource::Epochs => Some("max_epochs"),
        }
    }
}

/// What a constructor is given.
#[derive(Debug, Clone, Copy)]
pub struct BuildSpec<'a> {
    /// Leaderboard name of the model built: the entry's alias, or a search trial's
    /// (`gbdt-t3`).
    pub alias: &'a str,
    pub horizon: usize,
    /// Season length of the data (7 for daily).
    pub season: usize,
    /// Retail data (M5 files): statistical models see each series from its first sale.
    pub retail: bool,
    /// Hyperparameters (a search trial's configuration; empty for a fixed model). Each
    /// model checks them against its typed parameter struct: an unknown key is an error.
    pub params: &'a Map<String, Value>,
    /// The recipe's model sections by name (`gbdt` → the `[gbdt]` table), for the
    /// models that take defaults from one.
    pub sections: &'a Map<String, Value>,
}

impl<'a> BuildSpec<'a> {
    /// A spec with no hyperparameters and no recipe sections.
    pub fn plain(alias: &'a str, horizon: usize, season: usize, retail: bool) -> BuildSpec<'a> {
        static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
        let empty = EMPTY.get_or_init(Map::new);
        BuildSpec { alias, horizon, season, retail, params: empty, sections: empty }
    }

    /// The recipe section `name`, if the recipe has one.
    pub fn section(&self, name: &str) -> Option<&'a Value> {
        self.sections.get(name)
    }
}

/// Builds one model from a spec.
pub type Constructor = Arc<dyn Fn(&BuildSpec<'_>) -> Result<Box<dyn Forecaster>, ModelError> + Send + Sync>;

/// A fitted model read back from its saved form ([`crate::FittedForecaster::to_json`]):
/// forecasts a panel of the same schema from its end with what was learned, without
/// training (`tsforge predict`).
pub trait Predictor: Send + Sync {
    /// Forecasts `horizon` steps after the end of `history`, with prediction intervals
    /// at `levels` (percent) where the model defines them.
    fn forecast(&self, history: &Panel, horizon: usize, levels: &[u8]) -> Result<Forecast, ModelError>;

    /// What forecasting does beyond applying learned numbers (statistical models that
    /// estimate their parameters per series do so again on the new history); `None`
    /// when nothing is estimated.
    fn estimates(&self) -> Option<String> {
        None
    }
}

/// Reads a saved model back.
pub type Restorer = Arc<dyn Fn(&str) -> Result<Box<dyn Predictor>, ModelError> + Send + Sync>;

/// How the models of an entry are saved: the `format` tag their JSON carries and the
/// function that reads it back.
#[derive(Clone)]
pub struct Saved {
    pub format: String,
    pub restore: Restorer,
}

/// One model of a catalog.
#[derive(Clone)]
pub struct ModelEntry {
    /// The name a recipe or `--models` uses, and the leaderboard shows.
    pub alias: String,
    /// Leaderboard family (`baseline`, `stats`, `intermittent`, `gbdt`, `neural`, …).
    pub family: String,
    /// Whether the model makes random choices (its seed goes on the leaderboard and
    /// seed-variance runs retrain it).
    pub seeded: bool,
    pub needs: DataNeeds,
    /// `Some`: a search family may configure this model, scaling this resource.
    pub search: Option<SearchResource>,
    /// Whether a run that names no models fits it.
    pub default: bool,
    pub construct: Constructor,
    /// `Some`: its fitted models can be saved and read back (bundles, `tsforge predict`).
    pub saved: Option<Saved>,
}

impl fmt::Debug for ModelEntry {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ModelEntry")
            .field("alias", &self.alias)
            .field("family", &self.family)
            .field("seeded", &self.seeded)
            .field("needs", &self.needs)
            .field("search", &self.search)
            .field("default", &self.default)
            .field("saved", &self.saved.as_ref().map(|s| s.format.as_str()))
            .finish_non_exhaustive()
    }
}

impl ModelEntry {
    /// An unseeded model that needs nothing but the target, not searchable, not in the
    /// default run; the builder methods below say otherwise.
    pub fn new(alias: impl Into<String>, family: impl Into<String>, construct: impl Fn(&BuildSpec<'_>) -> Result<Box<dyn Forecaster>, ModelError> + Send + Sync + 'static) -> ModelEntry {
        ModelEntry { alias: alias.into(), family: family.into(), seeded: false, needs: DataNeeds::NOTHING, search: None, default: false, construct: Arc::new(construct), saved: None }
    }

    pub fn seeded(mut self) -> ModelEntry {
        self.seeded = true;
        self
    }

    pub fn needs(mut self, needs: DataNeeds) -> ModelEntry {
        self.needs = needs;
        self
    }

    /// A search family may configure it, scaling `resource` under successive halving.
    pub fn searchable(mut self, resource: SearchResource) -> ModelEntry {
        self.search = Some(resource);
        self
    }

    /// Fitted by a run that names no models.
    pub fn in_default_run(mut self) -> ModelEntry {
        self.default = true;
        self
    }

    /// Its fitted models save as JSON tagged `format`, read back by `restore`.
    pub fn restorable(mut self, format: &str, restore: impl Fn(&str) -> Result<Box<dyn Predictor>, ModelError> + Send + Sync + 'static) -> ModelEntry {
        self.saved = Some(Saved { format: format.to_string(), restore: Arc::new(restore) });
        self
    }

    /// Builds the model.
    pub fn build(&self, spec: &BuildSpec<'_>) -> Result<Box<dyn Forecaster>, ModelError> {
        (self.construct)(spec)
    }
}

/// Hyperparameters as a model's typed parameter struct (declare it with
/// `#[serde(deny_unknown_fields)]`): an unknown key or a wrong type is an error
/// naming the key.
pub fn typed_params<T: DeserializeOwned>(params: &Map<String, Value>) -> Result<T, ModelError> {
    serde_json::from_value(Value::Object(params.clone())).map_err(|e| {
        let text = e.to_string();
        match text.strip_prefix("unknown field `").and_then(|r| r.split_once('`')) {
            Some((key, rest)) => format!("unknown hyperparameter '{key}'{}", rest.split_once(',').map_or(String::new(), |(_, r)| format!(";{r}"))).into(),
            None => text.into(),
        }
    })
}

/// The parameter struct of a model without hyperparameters: any key is unknown.
#[derive(Debug, Clone, Copy, Default, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NoParams {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_params_name_unknown_keys() {
        let mut m = Map::new();
        m.insert("bogus".into(), Value::from(1));
        let e = typed_params::<NoParams>(&m).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("unknown hyperparameter 'bogus'"), "{e}");
        assert!(typed_params::<NoParams>(&Map::new()).is_ok());
    }

    #[test]
    fn data_needs() {
        assert!(DataNeeds::NOTHING.met_by(false, false, false));
        assert!(!DataNeeds::M5.met_by(true, false, true));
        assert!(DataNeeds::M5.met_by(true, true, false));
        assert_eq!(DataNeeds::M5.describe(), "hierarchy ids, calendar");
    }
}
