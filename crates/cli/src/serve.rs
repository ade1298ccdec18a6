//! `tsforge serve BUNDLE...`: bundles over HTTP until SIGTERM or Ctrl-C.

use std::io::Write;

use tsforge_serve::{ArmSpec, DataOptions, ServeOptions};

use crate::args::ServeArgs;

pub fn execute(args: &ServeArgs) -> anyhow::Result<()> {
    let options = ServeOptions {
        bundles: args.bundles.iter().map(|b| ArmSpec::parse(b)).collect(),
        data: DataOptions { data: args.data.clone(), phase: args.phase.map(crate::args::PhaseArg::phase), as_of: args.as_of.clone() },
        split: args.split.clone(),
        host: args.host.clone(),
        port: args.port,
        threads: args.threads,
        store: args.log.path(),
        max_body_bytes: args.max_body_mb.saturating_mul(1 << 20),
        max_series: args.max_series.max(1),
        ..ServeOptions::default()
    };
    let store = options.store.clone();
    tsforge_serve::serve(options, tsforge_automl::Registry::standard(), |addr, arms| {
        for (name, id, share) in arms {
            println!("  arm {name:<16} bundle {} share {:.1}%", id.get(..12).unwrap_or(id), 100.0 * share);
        }
        match &store {
            Some(s) => println!("  forecasts are logged to {}", s.display()),
            None => println!("  forecasts are not logged (--no-store)"),
        }
        // the last line at start: scripts and tests wait for it
        println!("tsforge serve: listening on http://{addr}");
        let _ = std::io::stdout().flush();
    })?;
    println!("tsforge serve: stopped; in-flight requests answered and the forecast log written");
    Ok(())
}
