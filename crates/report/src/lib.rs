//! Leaderboards and reports of tsforge runs, rendered from a [`RunRecord`] only (never
//! from models): the terminal table, `leaderboard.md`, `.csv`, `.json`, and one
//! self-contained `leaderboard.html` with SVG plots.
//!
//! ```
//! use tsforge_report::{Leaderboard, Metric, Row, Scores};
//!
//! let row = |alias: &str, w: f64| Row {
//!     alias: alias.into(),
//!     family: "baseline".into(),
//!     scores: Scores { wrmsse: Some(w), ..Default::default() },
//!     ..Row::default()
//! };
//! let board = Leaderboard::new(Metric::Wrmsse, true, vec![row("Naive", 1.06), row("SeasonalNaive", 0.85)]);
//! assert_eq!(board.rows[0].alias, "SeasonalNaive");
//! assert!(board.to_csv().starts_with("rank,alias,family,wrmsse"));
//! ```

pub mod escape;
pub mod evaluation;
pub mod html;
pub mod leaderboard;
pub mod monitor;
pub mod plots;
pub mod record;
pub mod scores;
pub mod variance;

pub use html::to_html;
pub use leaderboard::{Leaderboard, Member, Metric, Row};
pub use record::{Band, M5_LEVELS, RunRecord, SeriesPlot};
pub use scores::{Scores, Uncertainty};
