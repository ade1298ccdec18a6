//! What a run tells whoever watches it: stages, the model being fitted, each search
//! evaluation with the best backtest score so far. The pipeline only emits events; the
//! command line turns them into a status line in a terminal or timestamped log lines.

use std::time::Instant;

/// One thing that happened in a run.
#[derive(Debug, Clone, PartialEq)]
pub enum Event<'a> {
    /// The run started; nothing starts after `deadline` (the time limit), if any.
    Started { deadline: Option<Instant> },
    /// A stage begins: `loading data`, `fixed models`, `search`, `ensemble`, `writing`.
    Stage(&'a str),
    /// Work on one model begins: `fitting`, `validating` (its backtest) or `refitting`
    /// (a search trial on all training data).
    Model { action: &'a str, alias: &'a str },
    /// One search evaluation finished (`score` None: it failed).
    Trial { family: &'a str, trial: usize, trials: usize, rung: usize, resource: usize, score: Option<f64>, best: Option<f64> },
    /// A note the run will also print in its report (a skipped model, a fallback).
    Note(&'a str),
    /// The run folder is written.
    Finished { seconds: f64 },
}

/// Receives a run's events.
pub trait Progress: Send + Sync {
    fn event(&self, event: &Event<'_>);
}

/// Ignores every event.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {
    fn event(&self, _event: &Event<'_>) {}
}
