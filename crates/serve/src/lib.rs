//! `tsforge serve`: bundles answered over HTTP (axum on tokio, bound to 127.0.0.1 by
//! default), several side by side for A/B tests, every answered forecast logged to the
//! runs database for `tsforge monitor`.
//!
//! - [`arms`]: the served bundles with the history each forecasts from, and how an arm
//!   answers its series of a request;
//! - [`split`]: the traffic split by a stable hash of the series id;
//! - [`request`]: request bodies checked field by field ([`error::ApiError`]);
//! - [`server`]: the routes (`POST /v1/forecast`, `GET /v1/models`, `POST
//!   /v1/models/reload`, `GET /healthz`, `GET /metrics`), limits, graceful shutdown;
//! - [`metrics`]: the Prometheus counters; [`log`]: the forecast log's writer thread.

pub mod arms;
pub mod error;
pub mod log;
pub mod metrics;
pub mod request;
pub mod server;
pub mod split;

pub use arms::{ArmSpec, DataOptions};
pub use error::ServeError;
pub use server::{ServeOptions, serve};
