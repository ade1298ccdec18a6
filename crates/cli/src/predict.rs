//! `tsforge predict BUNDLE`: a run's models forecast (new) data without training.

use tsforge_automl::Registry;
use tsforge_store::predict::{PredictOptions, predict};

use crate::args::PredictArgs;

pub fn execute(args: &PredictArgs) -> anyhow::Result<()> {
    let options = PredictOptions { bundle: args.bundle.clone(), data: args.data.clone(), phase: args.phase.map(crate::args::PhaseArg::phase), as_of: args.as_of.clone(), out: args.out.clone() };
    let prediction = predict(&options, &Registry::standard())?;
    prediction.write()?;
    // the folder is the artifact; a log that cannot be written costs a warning
    if let Some(store) = args.log.path() {
        let logged = tsforge_store::db::Db::open(&store).and_then(|mut db| {
            let settings = prediction.bundle.index.settings.clone();
            db.log_forecasts(&[(prediction.bundle.id.clone(), settings)], &[prediction.log_batch(&args.arm)], tsforge_store::db::now_unix_ms())
        });
        if let Err(e) = logged {
            eprintln!("warning: the forecasts were not logged to {}: {e}", store.display());
        }
    }
    if !args.quiet {
        let r = &prediction.record;
        let window = r["forecast_window"].as_array().map(|w| w.iter().filter_map(|v| v.as_str()).collect::<Vec<_>>().join(".."));
        println!("tsforge predict: bundle {} (run {}, trained until {})", &prediction.bundle.id[..12], r["run_name"].as_str().unwrap_or_default(), r["trained_until"].as_str().unwrap_or_default());
        println!("History until {}, forecast {}; no model was trained.", r["as_of"].as_str().unwrap_or_default(), window.unwrap_or_default());
        for m in &prediction.models {
            let how = m.estimates.as_deref().map(|e| format!(" ({e})")).unwrap_or_default();
            println!("  {:<28} {:>8.3} s{how}", m.forecast.alias, m.seconds);
        }
        for n in &prediction.notes {
            println!("Note: {n}");
        }
        println!("* submission: {}. Wrote {}", prediction.submission.alias, prediction.out.display());
    }
    Ok(())
}
