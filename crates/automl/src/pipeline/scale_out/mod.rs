//! Beyond one machine: a search stage writes a plan ([`PlanFile`]), shards fit it on
//! their series ([`Pipeline::run_shard`], one process per shard under Kubernetes or
//! Slurm), and [`Pipeline::merge`] joins the parts into one run folder, scored exactly
//! on the whole panel (the aggregate levels are sums of the shards' forecasts). Models
//! fitted per series or per store give the same bytes however the series are sharded;
//! a global model is trained once per shard.

pub mod part;
pub mod plan_file;
pub mod run;
pub mod sample;
pub mod shard;

pub use part::{Part, PartFile};
pub use plan_file::{ModelSpec, PlanFile, PlannedEnsemble};
pub use shard::{Shard, ShardBy};
