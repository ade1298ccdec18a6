//! The feature engine of tsforge: a declarative [`FeatureSpec`] (serde, what recipes
//! declare and models save) turned by [`build`] into a dense, column-major
//! [`FeatureMatrix`] for any list of (series, day) rows — lags, rolling / expanding /
//! exponentially weighted statistics, intermittency counts, calendar parts, M5 events
//! and SNAP, prices, and hierarchy id codes. No target-derived feature of day `t`
//! reads `y` after `t - shift`.
//!
//! ```
//! use tsforge_core::{Freq, Panel, TimeIndex};
//! use tsforge_features::{FeatureSpec, build, training_rows};
//!
//! // one series over 5 days from Saturday 2011-01-29
//! let index = TimeIndex::Dates { start_days: 15_003, freq: Freq::Daily, len: 5 };
//! let panel = Panel::dense(vec!["a".into()], index, vec![1.0, 0.0, 2.0, 4.0, 0.0]).unwrap();
//! let spec: FeatureSpec = serde_json::from_str(
//!     r#"{"lags": [1], "rolling": [{"stat": "mean", "shift": 1, "window": 2}], "calendar": ["day_of_week"]}"#,
//! ).unwrap();
//! let spec = spec.validate().unwrap();
//! let m = build(&panel, &spec, &training_rows(&panel)).unwrap();
//! assert_eq!(m.names, ["lag1", "rolling_mean_lag1_window2", "day_of_week"]);
//! assert_eq!(m.column_named("lag1").unwrap()[3], 2.0);
//! assert_eq!(m.column_named("rolling_mean_lag1_window2").unwrap()[3], 1.0); // (0 + 2) / 2
//! assert!(m.get(0, 0).is_nan()); // no history before day 0
//! assert_eq!(m.column_named("day_of_week").unwrap()[0], 5.0); // Saturday (Monday = 0)
//! ```
//!
//! Strategies: [`Strategy::Recursive`] allows any shift ≥ 1; to forecast day by day the
//! caller writes its prediction for each day into `y` and rebuilds the next day's row.
//! The simplest layout is a grid that already covers the forecast days (`y` NaN there,
//! spans ending at the last observation): [`forecast_rows`] then names the days after
//! each span. Prices are known in advance and may run past the grid (`Prices::days`),
//! so rows past the grid get date, calendar and price features as far as those reach.
//! [`Strategy::Direct`] with horizon `H` requires every shift ≥ `H`
//! ([`FeatureSpec::validate`] names the offending feature), so rows for all `H`
//! forecast days are built at once from the observed history.

pub mod calendar;
pub mod covariates;
pub mod encoding;
pub mod error;
pub mod intermittency;
pub mod matrix;
pub mod price;
pub mod spec;
pub mod target;
pub mod vocab;

pub use error::FeatureError;
pub use matrix::{FeatureMatrix, build, build_with, forecast_rows, training_rows};
pub use spec::{FeatureSpec, GroupKey, Strategy, TargetEncoding, ValidFeatureSpec};
pub use vocab::Vocabulary;
