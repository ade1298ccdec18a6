//! Per sparsity class, the backtest picks hurdle or direct Tweedie.
//!
//! Both models are fitted on the training panel minus its last `horizon` days and
//! scored there at the bottom level, per Syntetos-Boylan class of each series (its
//! history before that window): the score of a model on a class is the mean over the
//! class's series of their RMSSE (M5 scale: mean squared one-step difference from the
//! first sale on), every series counting equally. The better model of each class (Tweedie
//! on a tie or when no series of the class can be scored) forecasts that class's series
//! after both are refitted on the whole training panel; the class a series has there
//! decides.

use serde::{Deserialize, Serialize};
use tsforge_core::metrics::point;
use tsforge_core::model::ModelError;
use tsforge_core::sparsity::{DemandClass, classify};
use tsforge_core::{FeatureImportance, FitContext, FittedForecaster, Forecast, Forecaster, Panel, Precomputed};
use tsforge_gbdt::GbdtForecaster;

use crate::hurdle::HurdleForecaster;

/// Version tag of the saved choice.
pub const CHOICE_FORMAT: &str = "tsforge-sparsity-choice-1";

/// The classes in the order notes list them.
pub const CLASSES: [DemandClass; 5] = [DemandClass::Smooth, DemandClass::Erratic, DemandClass::Intermittent, DemandClass::Lumpy, DemandClass::AllZero];

/// Which model forecasts a class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Pick {
    Tweedie,
    Hurdle,
}

/// The backtest result of one class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClassChoice {
    /// Class name (`smooth`, `erratic`, `intermittent`, `lumpy`, `all_zero`).
    pub class: String,
    /// Series of the class in the backtest.
    pub n_series: usize,
    /// Of those, the series with a defined RMSSE scale (the ones scored).
    pub n_scored: usize,
    /// Mean RMSSE of GBDT-Tweedie-direct and of the hurdle (NaN when none was scored).
    pub tweedie: f64,
    pub hurdle: f64,
    pub pick: Pick,
}

/// Scores both forecasts (`n × h`, series-major) against `truth` per class and picks
/// the better model of each. `scales[i]` is the RMSSE scale of series `i`.
pub fn choose_per_class(classes: &[DemandClass], scales: &[Option<f64>], truth: &[f64], tweedie: &[f64], hurdle: &[f64], h: usize) -> Vec<ClassChoice> {
    CLASSES
        .iter()
        .map(|&class| {
            let members: Vec<usize> = (0..classes.len()).filter(|&i| classes[i] == class).collect();
            let (mut sum_t, mut sum_h, mut n_scored) = (0.0, 0.0, 0usize);
            for &i in &members {
                let (a, t, u) = (&truth[i * h..(i + 1) * h], &tweedie[i * h..(i + 1) * h], &hurdle[i * h..(i + 1) * h]);
                if let Some((rt, ru)) = scales.get(i).copied().flatten().and_then(|s| Some((point::rmsse(a, t, s)?, point::rmsse(a, u, s)?))) {
                    sum_t += rt;
                    sum_h += ru;
                    n_scored += 1;
                }
            }
            let (t, u) = if n_scored == 0 { (f64::NAN, f64::NAN) } else { (sum_t / n_scored as f64, sum_h / n_scored as f64) };
            let pick = if u < t { Pick::Hurdle } else { Pick::Tweedie };
            ClassChoice { class: class.name().to_string(), n_series: members.len(), n_scored, tweedie: t, hurdle: u, pick }
        })
        .collect()
}

/// The pick for a class (Tweedie when the class is not listed).
pub fn pick_of(choices: &[ClassChoice], class: DemandClass) -> Pick {
    choices.iter().find(|c| c.class == class.name()).map_or(Pick::Tweedie, |c| c.pick)
}

/// Series `i` takes its row from the model its class picked.
pub fn combine(classes: &[DemandClass], choices: &[ClassChoice], tweedie: &[f64], hurdle: &[f64], h: usize) -> Vec<f64> {
    classes
        .iter()
        .enumerate()
        .flat_map(|(i, &c)| {
            let src = match pick_of(choices, c) {
                Pick::Tweedie => tweedie,
                Pick::Hurdle => hurdle,
            };
            src[i * h..(i + 1) * h].iter().copied()
        })
        .collect()
}

/// Syntetos-Boylan class and RMSSE scale of every series of a panel.
fn classes_and_scales(panel: &Panel) -> (Vec<DemandClass>, Vec<Option<f64>>) {
    (0..panel.n_series())
        .map(|i| {
            let obs = panel.observed(i);
            let hist: Vec<f64> = obs.iter().map(|&v| f64::from(v)).collect();
            (classify(obs), point::rmsse_scale(&hist))
        })
        .unzip()
}

/// `GBDT-SparsityChoice`: hurdle or Tweedie, per sparsity class, by backtest.
#[derive(Debug, Clone)]
pub struct SparsityChoice {
    pub alias: String,
    pub tweedie: GbdtForecaster,
    pub hurdle: HurdleForecaster,
    pub horizon: usize,
}

impl SparsityChoice {
    /// GBDT-Tweedie-direct against the GBDT hurdle.
    pub fn new(horizon: usize) -> Result<SparsityChoice, ModelError> {
        let h = horizon.max(1);
        Ok(SparsityChoice { alias: "GBDT-SparsityChoice".into(), tweedie: GbdtForecaster::tweedie_direct(h)?, hurdle: HurdleForecaster::gbdt(h)?, horizon: h })
    }

    /// Backtests on the last `horizon` days of `train`, picks per class, refits both
    /// models (with the context's seed and deadline) and combines them.
    pub fn fit_choice(&self, train: &Panel, ctx: &FitContext) -> Result<FittedChoice, ModelError> {
        let h = self.horizon;
        let inner_ctx = FitContext { horizon: h, levels: Vec::new(), ..ctx.clone() };
        // A panel too short for a backtest window scores nothing: every class keeps Tweedie.
        let (choices, backtested) = match train.holdout(h) {
            Ok((inner, truth)) => {
                let tweedie_bt = self.tweedie.fit(&inner, &inner_ctx)?.predict(h)?;
                let hurdle_bt = self.hurdle.fit_hurdle(&inner, &inner_ctx)?.forecast().first_steps(h)?;
                let (classes_bt, scales) = classes_and_scales(&inner);
                (choose_per_class(&classes_bt, &scales, &truth, &tweedie_bt.values, &hurdle_bt.values, h), true)
            }
            Err(_) => (choose_per_class(&[], &[], &[], &[], &[], h), false),
        };

        let tweedie = self.tweedie.fit(train, &inner_ctx)?;
        let hurdle = self.hurdle.fit_hurdle(train, &inner_ctx)?;
        let (tweedie_fc, hurdle_fc) = (tweedie.predict(h)?, hurdle.forecast().first_steps(h)?);
        let (classes, _) = classes_and_scales(train);
        let values = combine(&classes, &choices, &tweedie_fc.values, &hurdle_fc.values, h);
        let forecast = Forecast::new(self.alias.clone(), train.n_series(), h, train.n_time(), values)?;

        let per_class: Vec<String> =
            choices.iter().filter(|c| c.n_series > 0).map(|c| format!("{} (n={}, scored {}) {:.4} vs {:.4} → {:?}", c.class, c.n_series, c.n_scored, c.tweedie, c.hurdle, c.pick)).collect();
        let from_hurdle = classes.iter().filter(|&&c| pick_of(&choices, c) == Pick::Hurdle).count();
        let mut notes = vec![
            format!("choice per Syntetos-Boylan class, mean bottom-level RMSSE on the last {h} training days, Tweedie vs hurdle: {}", per_class.join("; ")),
            format!("{from_hurdle} of {} series forecast by the hurdle, the rest by GBDT-Tweedie-direct", classes.len()),
        ];
        if !backtested {
            notes.insert(0, format!("series too short for a {h}-day backtest: Tweedie for every class"));
        }
        notes.extend(hurdle.notes().iter().take(2).map(|n| format!("hurdle: {n}")));

        let mut importance: Vec<FeatureImportance> = tweedie.feature_importance().into_iter().map(|f| FeatureImportance { feature: format!("tweedie:{}", f.feature), ..f }).collect();
        let hurdle = hurdle.into_precomputed();
        importance.extend(hurdle.feature_importance());

        let parse = |s: Option<String>| -> Result<serde_json::Value, ModelError> { Ok(s.map(|s| serde_json::from_str(&s)).transpose()?.unwrap_or(serde_json::Value::Null)) };
        let bundle = ChoiceBundle { format: CHOICE_FORMAT.into(), alias: self.alias.clone(), choices: choices.clone(), tweedie: parse(tweedie.to_json())?, hurdle: parse(hurdle.to_json())? };
        Ok(FittedChoice { forecast, choices, notes, importance, json: serde_json::to_string(&bundle)? })
    }
}

/// The saved choice: per-class picks and both fitted models.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChoiceBundle {
    pub format: String,
    pub alias: String,
    pub choices: Vec<ClassChoice>,
    pub tweedie: serde_json::Value,
    pub hurdle: serde_json::Value,
}

impl Forecaster for SparsityChoice {
    fn alias(&self) -> &str {
        &self.alias
    }

    fn family(&self) -> &str {
        "gbdt"
    }

    /// Backtests, refits and combines in one step; the forecast comes out of `fit`.
    fn fit(&self, train: &Panel, ctx: &FitContext) -> Result<Box<dyn FittedForecaster>, ModelError> {
        let fitted = self.fit_choice(train, ctx)?;
        Ok(Box::new(Precomputed { forecast: fitted.forecast.first_steps(ctx.horizon)?, notes: fitted.notes, importance: fitted.importance, json: Some(fitted.json), n_params: None }))
    }
}

/// The fitted choice with its combined forecast.
#[derive(Debug, Clone)]
pub struct FittedChoice {
    forecast: Forecast,
    choices: Vec<ClassChoice>,
    notes: Vec<String>,
    importance: Vec<FeatureImportance>,
    json: String,
}

impl FittedChoice {
    /// The backtest result and pick of each class.
    pub fn choices(&self) -> &[ClassChoice] {
        &self.choices
    }
}

impl FittedChoice {
    /// The combined forecast of the trained horizon.
    pub fn forecast(&self) -> &Forecast {
        &self.forecast
    }

    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// The saved choice (per-class picks and both fitted models) as JSON.
    pub fn to_json(&self) -> &str {
        &self.json
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn picks_the_better_model_per_class_and_combines_by_class() {
        use DemandClass::*;
        let h = 2;
        let classes = [Smooth, Intermittent, Smooth, Intermittent, AllZero];
        let scales = [Some(1.0), Some(1.0), Some(4.0), None, None];
        let truth = [3.0, 3.0, 0.0, 2.0, 5.0, 5.0, 0.0, 1.0, 0.0, 0.0];
        // Tweedie is exact on smooth series, the hurdle on intermittent ones
        let tweedie = [3.0, 3.0, 1.0, 1.0, 5.0, 5.0, 0.0, 0.0, 0.0, 0.0];
        let hurdle = [2.0, 4.0, 0.0, 2.0, 4.0, 6.0, 0.0, 1.0, 9.0, 9.0];
        let choices = choose_per_class(&classes, &scales, &truth, &tweedie, &hurdle, h);
        let get = |c: DemandClass| choices.iter().find(|x| x.class == c.name()).unwrap_or_else(|| panic!("{c:?}")).clone();
        let smooth = get(Smooth);
        assert_eq!((smooth.n_series, smooth.n_scored, smooth.pick), (2, 2, Pick::Tweedie));
        assert!((smooth.tweedie - 0.0).abs() < 1e-12 && (smooth.hurdle - 0.75).abs() < 1e-12, "{smooth:?}");
        let inter = get(Intermittent);
        // series 3 has no scale: only series 1 is scored
        assert_eq!((inter.n_series, inter.n_scored, inter.pick), (2, 1, Pick::Hurdle));
        assert!((inter.tweedie - 1.0).abs() < 1e-12 && inter.hurdle == 0.0);
        let none = get(AllZero);
        assert_eq!((none.n_scored, none.pick), (0, Pick::Tweedie));
        assert!(none.tweedie.is_nan());
        let combined = combine(&classes, &choices, &tweedie, &hurdle, h);
        assert_eq!(combined, vec![3.0, 3.0, 0.0, 2.0, 5.0, 5.0, 0.0, 1.0, 0.0, 0.0]);
    }

    #[test]
    fn fits_deterministically_and_forecasts_each_series_by_its_class_pick() {
        use crate::hurdle::tests::{intermittent_panel, small_hurdle, small_params, small_spec};
        use tsforge_gbdt::Objective;
        let h = 7;
        let panel = intermittent_panel(8, 200);
        let mut params = small_params(Objective::Tweedie, 5);
        params.tweedie_variance_power = 1.1;
        let tweedie = GbdtForecaster { alias: "GBDT-Tweedie-direct".into(), features: small_spec(h), params, train_days: 730 };
        let choice = SparsityChoice { alias: "GBDT-SparsityChoice".into(), tweedie, hurdle: small_hurdle(h, 5, false), horizon: h };
        let ctx = FitContext::new(h).with_seed(5);
        let ok = |r: Result<FittedChoice, ModelError>| r.unwrap_or_else(|e| panic!("{e}"));
        let (a, b) = (ok(choice.fit_choice(&panel, &ctx)), ok(choice.fit_choice(&panel, &ctx)));
        let fa = a.forecast().clone();
        assert_eq!(fa.values, b.forecast().values);
        assert_eq!(a.to_json(), b.to_json());
        assert!(a.notes()[0].contains("→"), "{:?}", a.notes());
        let tw = choice.tweedie.fit(&panel, &ctx).and_then(|f| f.predict(h)).unwrap_or_else(|e| panic!("{e}"));
        let hu = choice.hurdle.fit_hurdle(&panel, &ctx).map(|f| f.forecast().clone()).unwrap_or_else(|e| panic!("{e}"));
        for i in 0..panel.n_series() {
            let expected = match pick_of(a.choices(), classify(panel.observed(i))) {
                Pick::Tweedie => tw.row(i),
                Pick::Hurdle => hu.row(i),
            };
            assert_eq!(fa.row(i), expected, "series {i}");
        }
    }
}
