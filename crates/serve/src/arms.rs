//! The bundles being served ("arms" of the A/B test): each bundle's models restored once,
//! with the history it forecasts from (the server's data, cut at the bundle's forecast
//! origin the way `tsforge predict` cuts it), and how one arm answers its share of a
//! request.
//!
//! Global models read across series (target encodings are means over a store's
//! department or an item's stores), so a series' forecast depends on the whole panel,
//! not on its own history alone. An arm therefore forecasts the whole panel once per
//! origin (at load for its own origin, on first use for an earlier `as_of`, the last
//! [`CACHED_ORIGINS`] kept) and answers series from it: the numbers of `tsforge predict`
//! on the same data. A request that changes values (`history`) is forecast on the whole
//! panel with its changes, never from the cache.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, OnceLock};

use tsforge_core::{Panel, Phase};
use tsforge_store::Registry;
use tsforge_store::bundle::read::open;
use tsforge_store::forecaster::BundleForecaster;
use tsforge_store::predict::{History, check_schema, cut_at, cutoff_of, load_history};

use crate::error::ApiError;
use crate::error::ServeError;
use crate::split::Split;

/// A bundle to serve: `NAME=PATH` on the command line, or `PATH` (named after its run).
#[derive(Debug, Clone, PartialEq)]
pub struct ArmSpec {
    pub name: Option<String>,
    pub path: PathBuf,
}

impl ArmSpec {
    pub fn parse(text: &str) -> ArmSpec {
        match text.split_once('=') {
            Some((name, path)) if !name.is_empty() && !name.contains(['/', '\\']) => ArmSpec { name: Some(name.to_string()), path: PathBuf::from(path) },
            _ => ArmSpec { name: None, path: PathBuf::from(text) },
        }
    }
}

/// Where the served history comes from (`tsforge serve --data/--phase/--as-of`);
/// `None` keeps each bundle's own choice, as `tsforge predict` does.
#[derive(Debug, Clone, Default)]
pub struct DataOptions {
    pub data: Option<String>,
    pub phase: Option<Phase>,
    pub as_of: Option<String>,
}

/// Whole-panel forecasts kept per arm (the arm's own origin and the latest `as_of`s).
pub const CACHED_ORIGINS: usize = 8;

/// The submission's forecast of every series of an arm's history from one origin.
#[derive(Debug)]
pub struct PanelForecast {
    /// `n_series × horizon` (the bundle's), series-major.
    values: Vec<f64>,
    intervals: Vec<(u8, Vec<f64>, Vec<f64>)>,
}

type Slot = Arc<OnceLock<Result<Arc<PanelForecast>, ApiError>>>;

/// One served bundle.
#[derive(Debug)]
pub struct Arm {
    pub name: String,
    pub path: PathBuf,
    pub forecaster: BundleForecaster,
    /// The history every request of this arm forecasts from (before its own edits).
    pub history: Arc<Panel>,
    rows: HashMap<String, usize>,
    pub is_m5: bool,
    /// `(cutoff, forecast)`, most recently used last.
    cache: Mutex<Vec<(usize, Slot)>>,
}

/// Every arm and the split, swapped in whole on reload.
#[derive(Debug)]
pub struct Served {
    pub arms: Vec<Arm>,
    pub split: Split,
}

/// What one arm answered: per series, the forecast (and intervals where the model has them).
#[derive(Debug, Clone)]
pub struct ArmAnswer {
    pub ids: Vec<String>,
    /// `ids.len() × horizon`, series-major.
    pub values: Vec<f64>,
    /// `(level, lo, hi)` laid out like `values`.
    pub intervals: Vec<(u8, Vec<f64>, Vec<f64>)>,
    pub horizon: usize,
    pub origin: String,
    pub periods: Vec<String>,
    /// The history's ids in the answer's order, for the forecast log.
    pub series: Vec<String>,
}

/// A series of the request, as this arm will forecast it.
#[derive(Debug, Clone)]
pub enum Target {
    /// A series of the server's data (its position in the arm's history).
    Known { field: String, given: String, row: usize },
    /// A known series whose latest values the request replaces.
    Edited { field: String, given: String, row: usize, values: Vec<f32> },
    /// A series the server does not have, given by value.
    New { field: String, id: String, values: Vec<f32> },
}

impl Served {
    /// Loads every bundle and its history (data read once per distinct source and phase).
    pub fn load(specs: &[ArmSpec], data: &DataOptions, split: Option<&str>, registry: &Registry) -> Result<Served, ServeError> {
        if specs.is_empty() {
            return Err(ServeError::Usage("name at least one bundle to serve (tsforge serve BUNDLE... or NAME=BUNDLE)".into()));
        }
        let mut loaded: HashMap<(String, bool), Arc<History>> = HashMap::new();
        let mut arms: Vec<Arm> = Vec::new();
        for spec in specs {
            let forecaster = BundleForecaster::restore(open(&spec.path)?, registry)?;
            let name = spec.name.clone().unwrap_or_else(|| forecaster.bundle.index.run_name.clone());
            if arms.iter().any(|a| a.name == name) {
                return Err(ServeError::Usage(format!("two bundles are named '{name}': name them NAME=PATH")));
            }
            if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c)) {
                return Err(ServeError::Usage(format!("arm name '{}': use letters, digits, '-', '_' and '.' (NAME=PATH)", name.escape_debug())));
            }
            let mut settings = forecaster.settings.clone();
            if let Some(d) = &data.data {
                settings.data = d.clone();
            }
            if let Some(p) = data.phase {
                settings.phase = p;
            }
            let key = (settings.data.clone(), settings.phase == Phase::Evaluation);
            let source = match loaded.get(&key) {
                Some(l) => Arc::clone(l),
                None => {
                    let l = Arc::new(load_history(&settings)?);
                    loaded.insert(key, Arc::clone(&l));
                    l
                }
            };
            check_schema(&forecaster.bundle, &source, &settings.data)?;
            let history = match &data.as_of {
                Some(day) => cut_at(&source.panel, day, &settings.data)?,
                None => source.panel.clone(),
            };
            let rows = history.ids.iter().enumerate().map(|(i, id)| (id.clone(), i)).collect();
            let arm = Arm { name, path: spec.path.clone(), forecaster, history: Arc::new(history), rows, is_m5: source.is_m5, cache: Mutex::new(Vec::new()) };
            // the arm's own origin is forecast now: the first request waits for nothing
            arm.panel_forecast(arm.history.n_time()).map_err(|e| ServeError::Usage(format!("arm {}: forecasting its data failed: {}", arm.name, e.message)))?;
            arms.push(arm);
        }
        let names: Vec<String> = arms.iter().map(|a| a.name.clone()).collect();
        let split = Split::parse(split, &names)?;
        Ok(Served { arms, split })
    }

    pub fn arm(&self, name: &str) -> Option<&Arm> {
        self.arms.iter().find(|a| a.name == name)
    }
}

impl Arm {
    /// The row of a series id (M5 ids may carry their `_validation`/`_evaluation` suffix).
    pub fn row(&self, id: &str) -> Option<usize> {
        self.rows.get(id).or_else(|| self.rows.get(id.strip_suffix("_validation").or_else(|| id.strip_suffix("_evaluation")).unwrap_or(id))).copied()
    }

    /// Forecasts `targets` `horizon` periods ahead from the origin (`as_of`, or the arm's).
    pub fn answer(&self, targets: &[Target], horizon: usize, as_of: Option<&str>) -> Result<ArmAnswer, ApiError> {
        let full = self.forecaster.horizon();
        if horizon > full {
            return Err(ApiError::field("horizon", format!("{horizon} periods; bundle {} of arm {} forecasts at most {full}", short(&self.forecaster.bundle.id), self.name)));
        }
        let cutoff = match as_of {
            Some(day) => cutoff_of(&self.history, day, "the server's data").map_err(|e| ApiError::field("as_of", strip_usage(&e.to_string())))?,
            None => self.history.n_time(),
        };
        let edits = targets.iter().any(|t| !matches!(t, Target::Known { .. }));
        let forecast = if edits { Arc::new(self.edited_forecast(targets, cutoff)?) } else { self.panel_forecast(cutoff)? };
        let n = self.history.n_series();
        let mut rows = Vec::with_capacity(targets.len());
        let (mut given, mut series) = (Vec::with_capacity(targets.len()), Vec::with_capacity(targets.len()));
        let mut new_rows = n;
        for t in targets {
            let (row, g, id) = match t {
                Target::Known { given, row, .. } | Target::Edited { given, row, .. } => (*row, given.clone(), self.history.ids[*row].clone()),
                Target::New { id, .. } => {
                    new_rows += 1;
                    (new_rows - 1, id.clone(), id.clone())
                }
            };
            rows.push(row);
            given.push(g);
            series.push(id);
        }
        let pick = |v: &[f64]| -> Vec<f64> { rows.iter().flat_map(|&r| v[r * full..r * full + horizon].iter().copied()).collect() };
        Ok(ArmAnswer {
            ids: given,
            values: pick(&forecast.values),
            intervals: forecast.intervals.iter().map(|(level, lo, hi)| (*level, pick(lo), pick(hi))).collect(),
            horizon,
            origin: self.history.index.label(cutoff - 1),
            periods: (0..horizon).map(|h| self.history.index.label(cutoff + h)).collect(),
            series,
        })
    }

    /// The whole panel's forecast from `cutoff`, computed once (concurrent requests for
    /// the same origin wait for one computation).
    fn panel_forecast(&self, cutoff: usize) -> Result<Arc<PanelForecast>, ApiError> {
        let slot = {
            let mut cache = self.cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let slot = match cache.iter().position(|(c, _)| *c == cutoff) {
                Some(k) => cache.remove(k).1,
                None => Arc::new(OnceLock::new()),
            };
            cache.push((cutoff, Arc::clone(&slot)));
            if cache.len() > CACHED_ORIGINS {
                cache.remove(0);
            }
            slot
        };
        slot.get_or_init(|| {
            let panel = if cutoff == self.history.n_time() { None } else { Some(self.history.truncated(cutoff).map_err(|e| ApiError::internal(e.to_string()))?) };
            self.forecast_panel(panel.as_ref().unwrap_or(&self.history)).map(Arc::new)
        })
        .clone()
    }

    /// The whole panel from `cutoff` with the request's values in place and its new series
    /// appended (rows after the history's).
    fn edited_forecast(&self, targets: &[Target], cutoff: usize) -> Result<PanelForecast, ApiError> {
        let mut panel = self.history.truncated(cutoff).map_err(|e| ApiError::internal(e.to_string()))?;
        let t = cutoff;
        for target in targets {
            if let Target::Edited { field, row, values, .. } = target {
                if values.len() > t {
                    return Err(ApiError::field(format!("{field}.values"), format!("{} values, more than the {t} periods of history before the origin", values.len())));
                }
                panel.y[row * t + t - values.len()..(row + 1) * t].copy_from_slice(values);
                let span = &mut panel.spans[*row];
                *span = (span.0.min(t - values.len()), t);
            }
        }
        for target in targets {
            if let Target::New { field, id, values } = target {
                add_series(&mut panel, field, id, values, self)?;
            }
        }
        self.forecast_panel(&panel)
    }

    fn forecast_panel(&self, panel: &Panel) -> Result<PanelForecast, ApiError> {
        let out = self.forecaster.forecast(panel).map_err(|e| ApiError::internal(e.to_string()))?;
        let sub = out.submission;
        Ok(PanelForecast { values: sub.values, intervals: sub.intervals.into_iter().map(|i| (i.level, i.lo, i.hi)).collect() })
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

fn strip_usage(message: &str) -> String {
    message.trim_start_matches("usage: ").to_string()
}

/// Appends a series given only by value: possible where the models need nothing but the
/// values (no M5 hierarchy, prices or covariates).
fn add_series(panel: &mut Panel, field: &str, id: &str, values: &[f32], arm: &Arm) -> Result<(), ApiError> {
    if arm.is_m5 || arm.history.prices.is_some() || !arm.history.statics.is_empty() || !arm.history.dynamic.is_empty() {
        return Err(ApiError::unknown_series(
            format!("{field}.id"),
            format!("series '{id}' is not in the server's data, and arm {}'s models need its covariates (M5 hierarchy, prices or declared columns), which a request cannot give", arm.name),
        ));
    }
    let t = panel.n_time();
    if values.len() > t {
        return Err(ApiError::field(format!("{field}.values"), format!("{} values, more than the {t} periods of history before the origin", values.len())));
    }
    panel.y.extend(std::iter::repeat_n(f32::NAN, t - values.len()));
    panel.y.extend_from_slice(values);
    panel.spans.push((t - values.len(), t));
    panel.ids.push(id.to_string());
    Ok(())
}
