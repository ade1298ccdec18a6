//! Per-series statistical models: baselines, exponential smoothing, intermittent-demand
//! methods (Croston family, TSB, ADIDA, IMAPA), AutoETS and the Theta family. Each model
//! fits one series at a time ([`SeriesModel`]); [`PerSeries`] runs it over a whole
//! [`tsforge_core::Panel`] in parallel and plugs it into the run as a `Forecaster`.
//!
//! Names, defaults and parameter bounds follow statsforecast, so forecasts can be
//! checked against it (bench/stats_parity.py).
//!
//! ```
//! use tsforge_stats::{baseline::SeasonalNaive, SeriesModel};
//! let f = SeasonalNaive { season: 2 }.fit(&[1.0, 2.0, 3.0, 4.0]).unwrap().predict(3);
//! assert_eq!(f.mean, vec![3.0, 4.0, 3.0]);
//! ```

pub mod arima;
pub mod baseline;
pub mod catalog;
pub mod error;
pub mod ets;
pub mod intermittent;
pub mod model;
pub mod optim;
pub mod panel;
pub mod ses;
pub mod theta;
pub mod window;

pub use error::StatsError;
pub use model::{FittedSeries, SeriesForecast, SeriesModel};
pub use panel::{History, PerSeries};
