//! Core types of tsforge: the [`Panel`] of series, its time index and M5
//! hierarchy, backtest windows, forecasts, the model traits, and the metrics
//! (WRMSSE exactly as the M5 competitors' guide defines it, RMSSE, MASE,
//! sMAPE, MAE, RMSE, bias and WSPL).
//!
//! ```
//! use tsforge_core::metrics::point;
//! let actual = [1.0, 2.0, 3.0];
//! let forecast = [1.0, 2.0, 5.0];
//! assert!((point::mae(&actual, &forecast) - 2.0 / 3.0).abs() < 1e-12);
//! ```

pub mod backtest;
pub mod error;
pub mod forecast;
pub mod hierarchy;
pub mod metrics;
pub mod model;
pub mod panel;
pub mod registry;
pub mod sparsity;
pub mod special;
pub mod time;

pub use backtest::{Phase, Window};
pub use error::CoreError;
pub use forecast::{Forecast, Interval};
pub use hierarchy::{Hierarchy, IdKey, Level, SeriesAttrs};
pub use model::{FeatureImportance, FitContext, FittedForecaster, Forecaster, Precomputed};
pub use panel::{Calendar, Covariate, CovariateKind, Panel, Prices, StaticCovariate};
pub use registry::{BuildSpec, DataNeeds, ModelEntry, Predictor, SearchResource};
pub use time::{Freq, TimeIndex};
