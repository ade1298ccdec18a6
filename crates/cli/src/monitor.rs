//! `tsforge monitor --actuals DIR|FILE`: the forecast log against the actuals.

use std::path::PathBuf;

use tsforge_automl::pipeline::output::{pretty, write_run_folder};
use tsforge_store::db::LogFilter;
use tsforge_store::monitor::{MonitorOptions, monitor};

use crate::args::MonitorArgs;

/// Exit code when an alarm fired (a scheduler pages someone).
pub const ALARM_EXIT: u8 = 3;

/// An alarm fired: the report is written, the exit code says so.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct AlarmFired(pub String);

pub fn execute(args: &MonitorArgs) -> anyhow::Result<()> {
    let options = MonitorOptions {
        store: args.store.store.clone(),
        actuals: args.actuals.clone(),
        filter: LogFilter { bundle: args.bundle.clone(), arm: args.arm.clone() },
        window: args.window,
        tolerance: args.tolerance,
        max_bias: args.max_bias,
    };
    tsforge_automl::pipeline::run_folder::check_out(&args.out, std::path::Path::new(&args.actuals))?;
    let record = monitor(&options)?;
    let json = serde_json::to_value(&record)?;
    let files: Vec<(PathBuf, Vec<u8>)> = vec![
        ("monitor.json".into(), pretty(&json)),
        ("monitor.md".into(), tsforge_report::monitor::to_markdown(&record).into_bytes()),
        ("monitor.html".into(), tsforge_report::monitor::to_html(&record).into_bytes()),
    ];
    {
        let _lock = tsforge_automl::pipeline::run_folder::Lock::take(&args.out)?;
        write_run_folder(&args.out, &files)?;
    }
    if !args.quiet {
        let m = record.metric.to_uppercase();
        println!("tsforge monitor: {} scored forecast batches, {} waiting for actuals", record.origins.len(), record.pending);
        for a in &record.arms {
            let f = |v: Option<f64>| v.map_or_else(|| "-".into(), |v| format!("{v:.4}"));
            println!(
                "  {:<16} bundle {} origins {:>3}  rolling {m} {}  band ≤ {}  bias {}",
                a.arm,
                a.bundle_id.get(..12).unwrap_or(&a.bundle_id),
                a.origins,
                f(a.rolling_error),
                f(a.band_upper),
                a.rolling_bias.map_or_else(|| "-".into(), |b| format!("{:+.1}%", 100.0 * b))
            );
        }
        for c in &record.comparisons {
            println!("  {} vs {}: p = {:.4}, {}", c.a, c.b, c.p_value, c.verdict);
        }
        println!("Wrote {}", args.out.display());
    }
    if record.alarms.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = record.alarms.iter().map(|a| format!("ALARM {} ({}): {}", a.arm, a.kind, a.message)).collect();
    Err(anyhow::Error::new(AlarmFired(lines.join("\n"))))
}
