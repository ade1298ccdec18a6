//! How a run's events reach people: in a terminal, one status line on stderr (stage,
//! model, trial k of n, best backtest score so far, time left against the limit); when
//! stderr is not a terminal (a batch job, a container log), plain timestamped lines for
//! the same events; nothing with `--quiet`.

use std::io::IsTerminal as _;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use indicatif::{ProgressBar, ProgressStyle};
use tsforge_automl::pipeline::{Event, Progress};

enum Mode {
    Quiet,
    Terminal(ProgressBar),
    Log,
}

/// What the status line shows.
#[derive(Default)]
struct Status {
    deadline: Option<Instant>,
    stage: String,
    detail: String,
}

/// The command line's [`Progress`].
pub struct Display {
    mode: Mode,
    status: Mutex<Status>,
}

impl Display {
    pub fn new(quiet: bool) -> Display {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar = ProgressBar::new_spinner();
            if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            Mode::Terminal(bar)
        } else {
            Mode::Log
        };
        Display { mode, status: Mutex::new(Status::default()) }
    }

    /// Runs `f` as one stage named `msg` (for commands without a pipeline).
    pub fn step<T>(&self, msg: &str, f: impl FnOnce() -> T) -> T {
        self.event(&Event::Stage(msg));
        let out = f();
        self.clear();
        out
    }

    /// Removes the status line (before the leaderboard is printed).
    pub fn clear(&self) {
        if let Mode::Terminal(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }
}

impl Drop for Display {
    fn drop(&mut self) {
        self.clear();
    }
}

fn score(v: Option<f64>) -> String {
    v.map_or_else(|| "-".into(), |x| format!("{x:.4}"))
}

impl Progress for Display {
    fn event(&self, event: &Event<'_>) {
        if matches!(self.mode, Mode::Quiet) {
            return;
        }
        let Ok(mut st) = self.status.lock() else { return };
        let line = match event {
            Event::Started { deadline } => {
                st.deadline = *deadline;
                return;
            }
            Event::Stage(stage) => {
                st.stage = stage.to_string();
                st.detail.clear();
                stage.to_string()
            }
            Event::Model { action, alias } => {
                st.detail = format!("{action} {alias}");
                st.detail.clone()
            }
            Event::Trial { family, trial, trials, rung, resource, score: s, best } => {
                st.detail = format!("{family} trial {} of {trials} (rung {rung}, resource {resource}): {}; best {}", trial + 1, score(*s), score(*best));
                st.detail.clone()
            }
            Event::Note(note) => note.to_string(),
            Event::Finished { seconds } => format!("finished in {seconds:.1} s"),
        };
        match &self.mode {
            Mode::Terminal(bar) => {
                let left = st.deadline.map(|d| d.saturating_duration_since(Instant::now()).as_secs()).map(|s| format!(" · {}m{:02}s left", s / 60, s % 60)).unwrap_or_default();
                let detail = if st.detail.is_empty() { String::new() } else { format!(" · {}", st.detail) };
                if matches!(event, Event::Note(_)) {
                    bar.println(&line);
                }
                bar.set_message(format!("{}{detail}{left}", st.stage));
            }
            Mode::Log => eprintln!("{} {line}", timestamp()),
            Mode::Quiet => {}
        }
    }
}

/// The wall-clock time as `2026-12-02T10:04:05Z`.
fn timestamp() -> String {
    let secs = SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let (y, m, d) = tsforge_core::time::civil_from_days(i32::try_from(secs / 86_400).unwrap_or(i32::MAX));
    let t = secs % 86_400;
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z", t / 3600, t / 60 % 60, t % 60)
}
