//! AutoML for tsforge: the run pipeline as a library, and the models and search it is
//! built from.
//!
//! - [`pipeline`]: `Pipeline::new(settings, registry).run()` — data, plan, fixed
//!   models, backtests, search, refits, ensemble, the submission choice and the run
//!   folder (`tsforge run` is a thin shell over it);
//! - [`recipe`]: recipes (TOML schema, `extends` and `key=value` layering, validation);
//! - [`registry`]: every model catalog gathered (statistical, GBDT, this crate's, neural);
//!   a model of your own is one [`tsforge_core::ModelEntry`] added with
//!   [`Registry::with`](registry::Registry::with);
//! - [`evaluate`]: the whole AutoML repeated at earlier origins and scored out of
//!   sample beside fixed policies (`tsforge evaluate`);
//! - [`variance`]: seed-variance runs (`tsforge variance`) and their statistics;
//! - [`HurdleForecaster`]: a zero-or-not classifier for P(y>0) per series-day (GBDT
//!   logistic, alias `GBDT-Hurdle`, or linfa's logistic regression, `GBDT-Hurdle-Logit`),
//!   a GBDT size model for E[y | y>0] trained on the non-zero rows only, and the
//!   forecast P × E[y | y>0]. Same direct features and training rows as
//!   GBDT-Tweedie-direct. The size model is the Tweedie(1.1) booster of
//!   GBDT-Tweedie-direct trained on y over the non-zero rows only: on m5-tiny (example
//!   `hurdle_by_class`, seed 42) the hurdle scored WRMSSE 0.624 with it, against 0.627
//!   with L2 on y, 0.639 with Poisson on y−1 plus one (which keeps every size at one
//!   unit or more) and 0.648 with Poisson on y; GBDT-Tweedie-direct scored 0.625.
//!
//!   Measured with that example (d_1914..d_1941, one seed, 280 series, so differences of
//!   a few thousandths are within seed noise): against GBDT-Tweedie-direct the hurdle's
//!   mean bottom-level RMSSE is lower on intermittent (0.843 vs 0.847), lumpy (0.735 vs
//!   0.743) and smooth series, higher on erratic ones (0.797 vs 0.786); its MAE on
//!   intermittent series is slightly higher (0.784 vs 0.781). The logistic-regression
//!   classifier is worse than the GBDT one on every class (in-sample AUC 0.90 vs 0.94).
//! - [`SparsityChoice`] (`GBDT-SparsityChoice`): backtests Tweedie-direct and the
//!   hurdle on the last horizon of the training data, picks the better one per
//!   Syntetos-Boylan class, refits both and forecasts each series with its class's pick.
//! - [`search`]: search spaces from recipes, seeded samplers (random, Halton, TPE),
//!   successive halving with a deadline, rayon parallelism and resume, and Caruana's
//!   greedy ensemble selection.
//!
//! ```no_run
//! use tsforge_automl::{HurdleForecaster, SparsityChoice};
//! use tsforge_core::{FitContext, Forecaster, FittedForecaster};
//!
//! let src = tsforge_data::registry::shipped("m5-tiny").ok_or("not shipped")??;
//! let (train, _truth) = tsforge_data::m5::load(&src)?.panel.holdout(28)?;
//! let ctx = FitContext::new(28).with_seed(42);
//! let hurdle = HurdleForecaster::gbdt(28)?.fit_hurdle(&train, &ctx)?;
//! // the forecast is exactly P(y>0) × E[y | y>0]
//! let f = hurdle.forecast();
//! assert_eq!(f.values[0], hurdle.probability()[0] * hurdle.size()[0]);
//! println!("{}", hurdle.notes().join("\n"));
//! let choice = SparsityChoice::new(28)?.fit(&train, &ctx)?;
//! println!("{}", choice.notes()[0]);
//! # Ok::<(), Box<dyn std::error::Error + Send + Sync>>(())
//! ```

pub mod bundle;
pub mod catalog;
pub mod conformal;
pub mod error;
pub mod evaluate;
pub mod hurdle;
pub mod logit;
pub mod names;
pub mod pipeline;
pub mod quality;
pub mod recipe;
pub mod reconcile;
pub mod registry;
pub mod search;
pub mod sparsity_choice;
pub mod variance;

#[cfg(test)]
mod scratch;

pub use bundle::{HURDLE_FORMAT, HurdleBundle, SizeTarget};
pub use error::AutomlError;
pub use hurdle::{Classifier, FittedHurdle, HurdleForecaster};
pub use logit::{LogisticParams, LogitModel};
pub use pipeline::{Pipeline, RunOptions, RunOutcome, Settings};
pub use quality::{ClassifierQuality, classifier_quality};
pub use recipe::Recipe;
pub use registry::Registry;
pub use sparsity_choice::{ChoiceBundle, ClassChoice, FittedChoice, Pick, SparsityChoice};
