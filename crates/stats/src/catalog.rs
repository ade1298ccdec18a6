//! Every statistical model tsforge runs, by statsforecast alias, with its defaults,
//! the history it sees and its fallback.

use std::sync::Arc;

use serde_json::json;
use tsforge_core::model::ModelError;
use tsforge_core::registry::{NoParams, typed_params};
use tsforge_core::{BuildSpec, FitContext, Forecast, Forecaster, ModelEntry, Panel, Predictor};

use crate::baseline::{Naive, SeasonalNaive};
use crate::intermittent::{Adida, CrostonClassic, CrostonOptimized, CrostonSBA, Imapa, Tsb};
use crate::model::SeriesModel;
use crate::panel::{History, PerSeries};
use crate::ses::{SimpleExponentialSmoothing, SimpleExponentialSmoothingOptimized};
use crate::window::{SeasonalWindowAverage, WindowAverage};

/// What the catalog needs to know about the data.
#[derive(Debug, Clone, Copy)]
pub struct CatalogOptions {
    /// Season length (7 for daily data, 12 monthly, 4 quarterly, 1 yearly).
    pub season: usize,
    /// M5 retail data: every model but Naive and SeasonalNaive starts each series'
    /// history at its first non-zero sale, as the M5 benchmarks did.
    pub trim_leading_zeros: bool,
}

type Build = fn(&CatalogOptions) -> Arc<dyn SeriesModel>;

/// (alias, family, constructor). Order is the leaderboard's tie-break order.
fn entries() -> Vec<(&'static str, &'static str, Build)> {
    vec![
        ("Naive", "baseline", |_| Arc::new(Naive)),
        ("SeasonalNaive", "baseline", |o| Arc::new(SeasonalNaive { season: o.season })),
        // smoothing and intermittent-demand models (window.rs, ses.rs, intermittent.rs)
        // Defaults for daily retail data. statsforecast requires these parameters; the
        // values are ours: WindowAverage over the last 28 days (one M5 horizon; the M5
        // benchmark "MA" chose 2..14 per series), SeasWA over the last 4 seasons, SES
        // with alpha 0.1 (Croston's classic constant; the M5 benchmark "SES" optimised
        // alpha in [0.1, 0.3], which SESOpt covers with statsforecast's [0.01, 0.99]),
        // TSB with alpha_d = alpha_p = 0.1 (the M5 benchmark grid-searched them).
        ("WindowAverage", "stats", |_| Arc::new(WindowAverage { window_size: 28 })),
        ("SeasWA", "stats", |o| Arc::new(SeasonalWindowAverage { season_length: o.season.max(1), window_size: 4 })),
        ("SES", "stats", |_| Arc::new(SimpleExponentialSmoothing { alpha: 0.1 })),
        ("SESOpt", "stats", |_| Arc::new(SimpleExponentialSmoothingOptimized)),
        ("CrostonClassic", "intermittent", |_| Arc::new(CrostonClassic)),
        ("CrostonSBA", "intermittent", |_| Arc::new(CrostonSBA)),
        ("CrostonOptimized", "intermittent", |_| Arc::new(CrostonOptimized)),
        ("TSB", "intermittent", |_| Arc::new(Tsb { alpha_d: 0.1, alpha_p: 0.1 })),
        ("ADIDA", "intermittent", |_| Arc::new(Adida)),
        ("IMAPA", "intermittent", |_| Arc::new(Imapa)),
        // ETS and Theta (ets.rs, theta.rs)
        ("AutoETS", "stats", |o| Arc::new(crate::ets::AutoEts::new(o.season))),
        ("Holt", "stats", |o| Arc::new(crate::ets::AutoEts::holt(o.season))),
        ("Theta", "stats", |o| Arc::new(crate::theta::Theta::new(o.season, Some(crate::theta::ThetaVariant::Standard)))),
        ("OptimizedTheta", "stats", |o| Arc::new(crate::theta::Theta::new(o.season, Some(crate::theta::ThetaVariant::Optimized)))),
        ("AutoTheta", "stats", |o| Arc::new(crate::theta::Theta::new(o.season, None))),
        // ARIMA (arima.rs)
        ("AutoARIMA", "stats", |o| Arc::new(crate::arima::AutoArima::new(o.season))),
    ]
}

/// The aliases of every model in the catalog.
pub fn names() -> Vec<&'static str> {
    entries().into_iter().map(|e| e.0).collect()
}

/// Every statistical model as a catalog entry (crate `automl` gathers the catalogs):
/// no hyperparameters, no seed, nothing needed but the target; all of them are in the
/// default run.
pub fn catalog() -> Vec<ModelEntry> {
    names()
        .into_iter()
        .map(|alias| {
            let family = entries().into_iter().find(|e| e.0 == alias).map_or("stats", |e| e.1);
            ModelEntry::new(alias, family, move |spec: &BuildSpec<'_>| {
                typed_params::<NoParams>(spec.params)?;
                let opts = CatalogOptions { season: spec.season, trim_leading_zeros: spec.retail };
                let model = build(alias, &opts).ok_or_else(|| format!("{alias} is not in the statistical catalog"))?;
                Ok(Box::new(model.renamed(spec.alias)) as Box<dyn Forecaster>)
            })
            .in_default_run()
            .restorable(STATS_FORMAT, restore)
        })
        .collect()
}

/// The model `alias` ready to run over a panel, or `None` for an unknown alias.
pub fn build(alias: &str, opts: &CatalogOptions) -> Option<PerSeries> {
    let (name, family, make) = entries().into_iter().find(|e| e.0 == alias)?;
    let history = if opts.trim_leading_zeros && !matches!(name, "Naive" | "SeasonalNaive") { History::FromFirstNonZero } else { History::Full };
    let fallback: Arc<dyn SeriesModel> = if name == "Naive" { Arc::new(crate::baseline::Zero) } else { Arc::new(Naive) };
    let saved = json!({"format": STATS_FORMAT, "alias": name, "model": name, "season": opts.season, "trim_leading_zeros": opts.trim_leading_zeros});
    Some(PerSeries::new(make(opts), family, history, fallback).with_saved(saved))
}

/// Format tag of a saved statistical model: the catalog model and its options. Its
/// state is the series' history itself, so reading it back needs nothing more.
pub const STATS_FORMAT: &str = "tsforge-stats-1";

/// Models that estimate parameters per series (smoothing weights, ETS components, the
/// theta line): a forecast from a saved model estimates them again on the new history.
const ESTIMATING: [&str; 10] = ["SESOpt", "CrostonOptimized", "ADIDA", "IMAPA", "AutoETS", "Holt", "Theta", "OptimizedTheta", "AutoTheta", "AutoARIMA"];

/// A saved statistical model: run over a panel's histories from their ends.
struct SavedStats {
    model: PerSeries,
    estimates: bool,
}

impl Predictor for SavedStats {
    fn forecast(&self, history: &Panel, horizon: usize, levels: &[u8]) -> Result<Forecast, ModelError> {
        let mut f = self.model.fit(history, &FitContext::new(horizon))?.predict_with_intervals(horizon, levels)?;
        f.start = history.n_time();
        Ok(f)
    }

    fn estimates(&self) -> Option<String> {
        self.estimates.then(|| "parameters estimated again per series on the new history".to_string())
    }
}

/// Reads a saved statistical model back (see [`STATS_FORMAT`]).
pub fn restore(text: &str) -> Result<Box<dyn Predictor>, ModelError> {
    let v: serde_json::Value = serde_json::from_str(text)?;
    let field = |k: &str| v.get(k).ok_or_else(|| ModelError::from(format!("saved statistical model: no '{k}'")));
    if field("format")?.as_str() != Some(STATS_FORMAT) {
        return Err(format!("saved statistical model: format {}, expected '{STATS_FORMAT}'", field("format")?).into());
    }
    let name = field("model")?.as_str().ok_or("saved statistical model: 'model' is not text")?;
    let alias = field("alias")?.as_str().ok_or("saved statistical model: 'alias' is not text")?;
    let season = field("season")?.as_u64().filter(|s| (1..=10_000).contains(s)).ok_or("saved statistical model: 'season' is not a whole number in 1..=10000")? as usize;
    let trim = field("trim_leading_zeros")?.as_bool().ok_or("saved statistical model: 'trim_leading_zeros' is not true or false")?;
    let model = build(name, &CatalogOptions { season, trim_leading_zeros: trim }).ok_or_else(|| format!("saved statistical model: '{name}' is not in this tsforge's catalog"))?;
    Ok(Box::new(SavedStats { model: model.renamed(alias), estimates: ESTIMATING.contains(&name) }))
}
