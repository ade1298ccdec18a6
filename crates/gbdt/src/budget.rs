//! A wall-clock budget for boosting. A run with a time limit sets the deadline; once it
//! has passed, every booster stops adding trees (keeping at least one), so a fit that
//! started just before the limit ends soon after it instead of running its full number
//! of rounds. Process-wide because the limit belongs to the whole run, not to one
//! model's hyperparameters (which are saved with the model and must not carry it).
//! Without a deadline (the default) boosting is untouched and fully deterministic.

use std::sync::Mutex;
use std::time::Instant;

static DEADLINE: Mutex<Option<Instant>> = Mutex::new(None);

/// Sets (or clears, with `None`) the instant after which boosters stop adding trees.
pub fn set_deadline(deadline: Option<Instant>) {
    if let Ok(mut d) = DEADLINE.lock() {
        *d = deadline;
    }
}

/// Whether the deadline has passed.
pub fn passed() -> bool {
    is_past(DEADLINE.lock().ok().and_then(|d| *d), Instant::now())
}

fn is_past(deadline: Option<Instant>, now: Instant) -> bool {
    deadline.is_some_and(|d| now >= d)
}

#[cfg(test)]
mod tests {
    use super::*;

    // The process-wide deadline itself is not set here: other tests of this crate train
    // boosters in parallel and would stop early. The CLI test of `--time-limit` covers it.
    #[test]
    fn only_a_deadline_at_or_before_now_has_passed() {
        let now = Instant::now();
        assert!(is_past(Some(now), now));
        assert!(!is_past(Some(now + std::time::Duration::from_secs(1)), now));
        assert!(!is_past(None, now));
    }
}
