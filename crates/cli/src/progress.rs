//! Progress spinners on stderr for steps that take more than a moment; silent with --quiet.

use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

pub struct Progress {
    quiet: bool,
}

impl Progress {
    pub fn new(quiet: bool) -> Progress {
        Progress { quiet }
    }

    /// Runs `f` under a spinner labelled `msg`.
    pub fn step<T>(&self, msg: &str, f: impl FnOnce() -> T) -> T {
        if self.quiet {
            return f();
        }
        let bar = ProgressBar::new_spinner();
        if let Ok(style) = ProgressStyle::with_template("{spinner} {msg} [{elapsed}]") {
            bar.set_style(style);
        }
        bar.set_message(msg.to_string());
        bar.enable_steady_tick(Duration::from_millis(120));
        let out = f();
        bar.finish_and_clear();
        out
    }
}
