//! `tsforge evaluate`: the AutoML at several earlier origins, scored out of sample.

use tsforge_automl::evaluate::{EvaluateOptions, run_evaluate};
use tsforge_automl::{Recipe, Registry};

use crate::args::EvaluateArgs;
use crate::progress::Display;

pub fn execute(args: &EvaluateArgs) -> anyhow::Result<()> {
    let run = args.run.split_overrides();
    let registry = Registry::standard();
    let (recipe, _) = Recipe::resolve(run.recipe.as_deref(), &run.overrides, &registry)?;
    let options = EvaluateOptions { origins: args.origins, step: args.step, out: run.out.clone(), keep_runs: args.keep_runs };
    let display = Display::new(run.quiet);
    let outcome = run_evaluate(&recipe, &run.options(), &options, &registry, &display)?;
    display.clear();
    if !run.quiet {
        print!("{}", tsforge_report::evaluation::to_markdown(&outcome.record));
        println!("Wrote {}", outcome.out.display());
    }
    Ok(())
}
