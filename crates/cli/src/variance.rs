//! `tsforge variance`: a run's top configurations retrained under many seeds.

use tsforge_automl::variance::{VarianceOptions, run_variance};
use tsforge_automl::{Recipe, Registry};

use crate::args::VarianceArgs;
use crate::progress::Display;

pub fn execute(args: &VarianceArgs) -> anyhow::Result<()> {
    let run = args.run.split_overrides();
    let registry = Registry::standard();
    let (recipe, _) = Recipe::resolve(run.recipe.as_deref(), &run.overrides, &registry)?;
    let options = VarianceOptions { seeds: args.seeds, top: args.top, from: args.from.clone(), out: run.out.clone(), resume: run.resume };
    let display = Display::new(run.quiet);
    let outcome = run_variance(&recipe, &run.options(), &options, &registry, &display)?;
    display.clear();
    if !run.quiet {
        println!("{}", outcome.record.title);
        for v in &outcome.record.verdict {
            println!("- {v}");
        }
        println!("Wrote {}", outcome.out.display());
    }
    Ok(())
}
