//! Counters for `GET /metrics` in the Prometheus text format: requests by route and
//! status, the forecast latency histogram, errors by kind, series and requests per arm,
//! the split, and the forecast log's progress.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::Mutex;

/// Upper bounds (seconds) of the latency histogram's buckets.
pub const LATENCY_BUCKETS: [f64; 14] = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Debug, Default)]
struct Inner {
    requests: BTreeMap<(String, u16), u64>,
    latency_counts: [u64; LATENCY_BUCKETS.len()],
    latency_sum: f64,
    latency_n: u64,
    errors: BTreeMap<String, u64>,
    arm_series: BTreeMap<String, u64>,
    arm_requests: BTreeMap<String, u64>,
    logged_batches: u64,
    log_failures: u64,
    reloads: BTreeMap<&'static str, u64>,
}

/// Thread-safe counters (one lock; a request takes it a few times, for nanoseconds).
#[derive(Debug, Default)]
pub struct Metrics {
    inner: Mutex<Inner>,
}

impl Metrics {
    fn with<R>(&self, f: impl FnOnce(&mut Inner) -> R) -> R {
        let mut guard = self.inner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut guard)
    }

    pub fn request(&self, route: &str, status: u16) {
        self.with(|m| *m.requests.entry((route.to_string(), status)).or_default() += 1);
    }

    /// A `/v1/forecast` answer's wall time.
    pub fn latency(&self, seconds: f64) {
        self.with(|m| {
            for (k, &b) in LATENCY_BUCKETS.iter().enumerate() {
                if seconds <= b {
                    m.latency_counts[k] += 1;
                }
            }
            m.latency_sum += seconds;
            m.latency_n += 1;
        });
    }

    pub fn error(&self, kind: &str) {
        self.with(|m| *m.errors.entry(kind.to_string()).or_default() += 1);
    }

    /// An arm answered `series` series of one request.
    pub fn arm(&self, arm: &str, series: usize) {
        self.with(|m| {
            *m.arm_series.entry(arm.to_string()).or_default() += series as u64;
            *m.arm_requests.entry(arm.to_string()).or_default() += 1;
        });
    }

    pub fn logged(&self, batches: usize, failed: bool) {
        self.with(|m| if failed { m.log_failures += batches as u64 } else { m.logged_batches += batches as u64 });
    }

    pub fn reload(&self, ok: bool) {
        self.with(|m| *m.reloads.entry(if ok { "ok" } else { "failed" }).or_default() += 1);
    }

    /// Series answered per arm so far.
    pub fn arm_series(&self) -> BTreeMap<String, u64> {
        self.with(|m| m.arm_series.clone())
    }

    /// The Prometheus exposition text; `split` is the configured share per arm.
    pub fn render(&self, split: &[(String, f64)], bundles: usize) -> String {
        self.with(|m| {
            let mut out = String::new();
            out += "# HELP tsforge_requests_total HTTP requests by route and status.\n# TYPE tsforge_requests_total counter\n";
            for ((route, status), n) in &m.requests {
                let _ = writeln!(out, "tsforge_requests_total{{route=\"{route}\",status=\"{status}\"}} {n}");
            }
            out += "# HELP tsforge_forecast_seconds Wall time of POST /v1/forecast answers.\n# TYPE tsforge_forecast_seconds histogram\n";
            for (k, b) in LATENCY_BUCKETS.iter().enumerate() {
                let _ = writeln!(out, "tsforge_forecast_seconds_bucket{{le=\"{b}\"}} {}", m.latency_counts[k]);
            }
            let _ = writeln!(out, "tsforge_forecast_seconds_bucket{{le=\"+Inf\"}} {}\ntsforge_forecast_seconds_sum {}\ntsforge_forecast_seconds_count {}", m.latency_n, m.latency_sum, m.latency_n);
            out += "# HELP tsforge_errors_total Request errors by kind.\n# TYPE tsforge_errors_total counter\n";
            for (kind, n) in &m.errors {
                let _ = writeln!(out, "tsforge_errors_total{{kind=\"{kind}\"}} {n}");
            }
            out += "# HELP tsforge_arm_series_total Series forecast by each A/B arm.\n# TYPE tsforge_arm_series_total counter\n";
            for (arm, n) in &m.arm_series {
                let _ = writeln!(out, "tsforge_arm_series_total{{arm=\"{arm}\"}} {n}");
            }
            out += "# HELP tsforge_arm_requests_total Requests each arm answered (part of).\n# TYPE tsforge_arm_requests_total counter\n";
            for (arm, n) in &m.arm_requests {
                let _ = writeln!(out, "tsforge_arm_requests_total{{arm=\"{arm}\"}} {n}");
            }
            out += "# HELP tsforge_arm_share Configured share of the series per arm.\n# TYPE tsforge_arm_share gauge\n";
            for (arm, share) in split {
                let _ = writeln!(out, "tsforge_arm_share{{arm=\"{arm}\"}} {share}");
            }
            let _ = writeln!(out, "# HELP tsforge_bundles_loaded Bundles being served.\n# TYPE tsforge_bundles_loaded gauge\ntsforge_bundles_loaded {bundles}");
            let _ = writeln!(
                out,
                "# HELP tsforge_forecast_log_batches_total Forecast batches written to the log, and failed.\n# TYPE tsforge_forecast_log_batches_total counter\ntsforge_forecast_log_batches_total{{result=\"ok\"}} {}\ntsforge_forecast_log_batches_total{{result=\"failed\"}} {}",
                m.logged_batches, m.log_failures
            );
            out += "# HELP tsforge_reloads_total Bundle reloads.\n# TYPE tsforge_reloads_total counter\n";
            for (r, n) in &m.reloads {
                let _ = writeln!(out, "tsforge_reloads_total{{result=\"{r}\"}} {n}");
            }
            out
        })
    }
}
