//! `tsforge run`: the pipeline on a recipe, its leaderboard on the terminal; and the
//! stages of a sharded run (`--stage search`, `--plan … --shard K/N`, `tsforge merge`).

use std::path::{Path, PathBuf};

use tsforge_automl::pipeline::RunOutcome;
use tsforge_automl::pipeline::run_folder;
use tsforge_automl::pipeline::scale_out::{Part, PlanFile, Shard};
use tsforge_automl::{Pipeline, Recipe, Registry, Settings};

use crate::args::{MergeArgs, RecordArgs, RunArgs, StageArg};
use crate::progress::Display;

pub fn execute(args: &RunArgs, store: &RecordArgs) -> anyhow::Result<()> {
    let registry = Registry::standard();
    if let Some(plan) = &args.plan {
        return execute_plan(args, store, plan, registry);
    }
    let (recipe, _) = Recipe::resolve(args.recipe.as_deref(), &args.overrides, &registry)?;
    let settings = Settings::resolve(&args.options(), &recipe, &registry)?;
    let display = Display::new(args.quiet);
    let pipeline = Pipeline::new(settings, registry).with_progress(&display);
    let mut outcome = pipeline.run()?;
    if args.stage == Some(StageArg::Search) {
        let plan = pipeline.plan_of(&outcome)?;
        outcome.files.push(("plan.json".into(), plan.to_json()?));
    }
    // the model bundle goes into the run folder with the rest, swapped in whole
    let bundle = tsforge_store::bundle::write::files(&outcome)?;
    outcome.files.extend(bundle);
    display.clear();
    finish(outcome, args.quiet, store)
}

/// Writes a finished run's folder, prints its leaderboard and records it.
fn finish(outcome: RunOutcome, quiet: bool, store: &RecordArgs) -> anyhow::Result<()> {
    let (record, submission, out) = (outcome.record.clone(), outcome.submission.clone(), outcome.out.clone());
    outcome.write()?;
    if !quiet {
        println!("{}\n", record.title);
        print!("{}", record.leaderboard.to_terminal());
        println!("\n* submission: {submission}. {}", record.notes.join(" "));
        println!("Wrote {}", out.display());
    }
    crate::runs::record_finished(&out, store, quiet);
    Ok(())
}

/// `tsforge run --plan PLAN [--shard K/N]`: the plan's settings, with this machine's
/// data path and output folder.
fn execute_plan(args: &RunArgs, store: &RecordArgs, plan_path: &Path, registry: Registry) -> anyhow::Result<()> {
    if args.recipe.is_some() || !args.overrides.is_empty() {
        return Err(crate::exit::usage("--plan: the plan carries its recipe and settings; give no recipe or overrides with it (only --data, --out, --shard)"));
    }
    let plan = PlanFile::read(plan_path)?;
    let shard = match &args.shard {
        Some(text) => Some(Shard::parse(text, &|v| std::env::var(v).ok())?),
        None => None,
    };
    let mut settings = plan.settings.clone();
    if let Some(d) = &args.data {
        settings.data = d.clone();
    }
    settings.out = match (&args.out, shard) {
        (Some(o), _) => o.clone(),
        (None, Some(s)) => PathBuf::from("reports").join(format!("{}-shard-{}-of-{}", settings.name, s.index, s.count)),
        (None, None) => PathBuf::from("reports").join(format!("{}-plan", settings.name)),
    };
    let display = Display::new(args.quiet);
    let out = settings.out.clone();
    let data = settings.data.clone();
    let pipeline = Pipeline::new(settings, registry).with_progress(&display);
    match shard {
        Some(shard) => {
            run_folder::check_out(&out, Path::new(&data))?;
            let (file, values) = pipeline.run_shard(&plan, shard)?;
            run_folder::write(&out, &Part::files(&file, &values)?)?;
            display.clear();
            if !args.quiet {
                println!("Shard {} of plan {}: {} series, {} models. Wrote {}", shard.label(), plan.id, file.series.len(), file.models.len(), out.display());
            }
            Ok(())
        }
        None => {
            let outcome = pipeline.run_plan(&plan)?;
            display.clear();
            finish(outcome, args.quiet, store)
        }
    }
}

/// `tsforge merge PARTS…`: the run folder of the whole panel from every shard's part.
pub fn merge(args: &MergeArgs) -> anyhow::Result<()> {
    let parts: Vec<Part> = Part::folders(&args.parts)?.iter().map(|f| Part::read(f)).collect::<Result<_, _>>()?;
    let plan = &parts.first().ok_or_else(|| anyhow::anyhow!("no parts"))?.file.plan;
    let mut settings = plan.settings.clone();
    if let Some(d) = &args.data {
        settings.data = d.clone();
    }
    settings.out = args.out.clone().unwrap_or_else(|| PathBuf::from("reports").join(&settings.name));
    let display = Display::new(args.quiet);
    let outcome = Pipeline::new(settings, Registry::standard()).with_progress(&display).merge(&parts)?;
    display.clear();
    finish(outcome, args.quiet, &args.record)
}
