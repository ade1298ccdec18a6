//! `tsforge run`: the pipeline on a recipe, its leaderboard on the terminal.

use tsforge_automl::{Pipeline, Recipe, Registry, Settings};

use crate::args::{RecordArgs, RunArgs};
use crate::progress::Display;

pub fn execute(args: &RunArgs, store: &RecordArgs) -> anyhow::Result<()> {
    let registry = Registry::standard();
    let (recipe, _) = Recipe::resolve(args.recipe.as_deref(), &args.overrides, &registry)?;
    let settings = Settings::resolve(&args.options(), &recipe, &registry)?;
    let display = Display::new(args.quiet);
    let mut outcome = Pipeline::new(settings, registry).with_progress(&display).run()?;
    // the model bundle goes into the run folder with the rest, swapped in whole
    let bundle = tsforge_store::bundle::write::files(&outcome)?;
    outcome.files.extend(bundle);
    display.clear();
    let (record, submission, out) = (outcome.record.clone(), outcome.submission.clone(), outcome.out.clone());
    outcome.write()?;
    if !args.quiet {
        println!("{}\n", record.title);
        print!("{}", record.leaderboard.to_terminal());
        println!("\n* submission: {submission}. {}", record.notes.join(" "));
        println!("Wrote {}", out.display());
    }
    crate::runs::record_finished(&out, store, args.quiet);
    Ok(())
}
