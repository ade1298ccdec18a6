//! A model from outside the model crates is one catalog entry plus its type: registered
//! here, it runs as a fixed model, is searched, refitted and ensembled, and lands on the
//! leaderboard like any shipped model.

use serde::Deserialize;
use tsforge_automl::pipeline::RunOptions;
use tsforge_automl::{Pipeline, Recipe, Registry, Settings};
use tsforge_core::model::ModelError;
use tsforge_core::registry::typed_params;
use tsforge_core::{BuildSpec, FitContext, FittedForecaster, Forecast, Forecaster, ModelEntry, Panel, SearchResource};

/// The mean of each series' last `window` observations, held flat.
struct WindowMean {
    alias: String,
    window: usize,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WindowMeanParams {
    #[serde(default = "one")]
    window: usize,
}

fn one() -> usize {
    1
}

struct Means {
    alias: String,
    means: Vec<f64>,
}

impl Forecaster for WindowMean {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn family(&self) -> &str {
        "toy"
    }

    fn fit(&self, train: &Panel, _ctx: &FitContext) -> Result<Box<dyn FittedForecaster>, ModelError> {
        let means = (0..train.n_series())
            .map(|i| {
                let obs = train.observed(i);
                let tail = &obs[obs.len().saturating_sub(self.window)..];
                tail.iter().map(|&v| f64::from(v)).sum::<f64>() / tail.len().max(1) as f64
            })
            .collect();
        Ok(Box::new(Means { alias: self.alias.clone(), means }))
    }
}

impl FittedForecaster for Means {
    fn predict(&self, horizon: usize) -> Result<Forecast, ModelError> {
        let values = self.means.iter().flat_map(|&m| std::iter::repeat_n(m, horizon)).collect();
        Ok(Forecast::new(self.alias.clone(), self.means.len(), horizon, 0, values)?)
    }
}

fn entry() -> ModelEntry {
    ModelEntry::new("WindowMean", "toy", |spec: &BuildSpec<'_>| {
        let p: WindowMeanParams = typed_params(spec.params)?;
        if p.window == 0 {
            return Err("window: must be at least 1".into());
        }
        Ok(Box::new(WindowMean { alias: spec.alias.to_string(), window: p.window }) as Box<dyn Forecaster>)
    })
    .searchable(SearchResource::None)
}

fn read(path: &std::path::Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

#[test]
fn a_registered_model_runs_is_searched_and_lands_on_the_leaderboard() {
    let registry = Registry::standard().with(entry());
    let overrides: Vec<String> = [
        r#"models=["WindowMean", "Naive", "SeasonalNaive"]"#,
        "search.families.gbdt.enabled=false",
        "search.families.hurdle.enabled=false",
        "search.families.lenet.enabled=false",
        "search.families.toy.model=WindowMean",
        "search.families.toy.trials=3",
        "search.families.toy.space.window={ low = 2, high = 56, int = true }",
    ]
    .map(String::from)
    .to_vec();
    let (recipe, _) = Recipe::resolve(None, &overrides, &registry).unwrap_or_else(|e| panic!("{e}"));
    let out = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("toy_model_run");
    let _ = std::fs::remove_dir_all(&out);
    let settings = Settings::resolve(&RunOptions { out: Some(out.clone()), ..RunOptions::default() }, &recipe, &registry).unwrap_or_else(|e| panic!("{e}"));
    let outcome = Pipeline::new(settings, registry.clone()).run().unwrap_or_else(|e| panic!("{e}"));
    let rows = &outcome.record.leaderboard.rows;
    let row = |alias: &str| rows.iter().find(|r| r.alias == alias).unwrap_or_else(|| panic!("{alias} is not on the leaderboard"));
    // the fixed model with its default window (1) is the last value: Naive's forecast exactly
    let (toy, naive) = (row("WindowMean"), row("Naive"));
    assert_eq!(toy.family, "toy");
    assert_eq!(toy.scores.wrmsse, naive.scores.wrmsse);
    assert_eq!(toy.valid, naive.valid);
    // one trial of the family refitted, with its searched window, and an ensemble
    let trial = rows.iter().find(|r| r.alias.starts_with("toy-t")).unwrap_or_else(|| panic!("no refitted trial"));
    assert!(trial.params.contains_key("window") && trial.valid.is_some_and(f64::is_finite));
    assert!(rows.iter().any(|r| r.alias == "Ensemble"));
    outcome.write().unwrap_or_else(|e| panic!("{e}"));
    let body = |f: &str| read(&out.join("forecasts").join(f)).split_once('\n').map(|(_, rest)| rest.to_string()).unwrap_or_default();
    assert_eq!(body("WindowMean.csv"), body("Naive.csv"));
    let trials = read(&out.join("trials.csv"));
    assert_eq!(trials.lines().filter(|l| l.starts_with("toy,")).count(), 3, "{trials}");
    // the backtest forecasts of every model, statsforecast's cross_validation layout
    let cv = read(&out.join("cv.csv"));
    assert!(cv.starts_with("unique_id,ds,cutoff,y,WindowMean,Naive,SeasonalNaive,toy-t"), "{}", cv.lines().next().unwrap_or(""));
    // the quickstart's two backtest windows, the latest first
    assert_eq!(cv.lines().count(), 1 + 2 * 280 * 28);
    // an unknown hyperparameter in the search space is a usage error naming it
    let bad = [overrides, vec!["search.families.toy.space.windoe=3".to_string()]].concat();
    let err = Recipe::resolve(None, &bad, &registry).err().map(|e| e.to_string()).unwrap_or_default();
    assert!(err.contains("search.families.toy") && err.contains("windoe"), "{err}");
}
