//! End-to-end tests of the `tsforge` binary: the run output contract on the shipped
//! data checked against the independent pandas reference (bench/reference_metrics.py),
//! long-format runs, determinism, and malformed input (exit code 2, precise messages).

mod architecture;
mod common;
mod covariates;
mod crash;
mod evaluate;
mod malformed;
mod predict;
mod readers;
mod reference;
mod runs;
mod runs_db;
mod search;
mod serve;
mod shard;
mod variance;
