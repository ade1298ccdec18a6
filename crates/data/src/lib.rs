//! Data input and output for tsforge: M5 Kaggle folders, long-format panels (CSV or
//! Parquet), forecast writers, validation with precise messages, the shipped
//! `m5-tiny` dataset and the synthetic M5-format generator.
//!
//! ```
//! let sources = tsforge_data::registry::shipped("m5-tiny").unwrap().unwrap();
//! let data = tsforge_data::m5::load(&sources).unwrap();
//! assert_eq!(data.panel.n_series(), 280);
//! assert_eq!(data.validation_days, Some(1913));
//! ```

mod csv;
pub mod error;
pub mod long;
pub mod m5;
pub mod registry;
pub mod source;
pub mod synth;
pub mod write;

pub use error::{DataError, Location};
pub use polars;
