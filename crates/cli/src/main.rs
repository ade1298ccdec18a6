//! `tsforge`: forecasting runs, data inspection and synthetic data from the command line.

mod args;
mod board;
mod evaluate;
mod exit;
mod inspect;
mod monitor;
mod predict;
mod progress;
mod recipe_show;
mod run;
mod runs;
mod serve;
mod variance;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, DataCommand, RecipeCommand};

/// `tsforge swap-loop OUT` (hidden): recovery, then run folders of `files` files, each
/// generation's files holding its number, written until the process is killed.
fn swap_loop(out: &std::path::Path, files: usize) -> anyhow::Result<()> {
    use tsforge_automl::pipeline::run_folder;
    run_folder::recover(out)?;
    for generation in 0u64.. {
        let files: Vec<(std::path::PathBuf, Vec<u8>)> = (0..files).map(|k| (format!("f{k}.txt").into(), generation.to_string().into_bytes())).collect();
        run_folder::write(out, &files)?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run::execute(&args::RunArgs::default(), &args::RecordArgs::default()),
        Some(Command::Run(a)) => run::execute(&a.run.split_overrides(), &a.record),
        Some(Command::Runs { command }) => runs::execute(&command),
        Some(Command::Leaderboard(a)) => board::execute(&a),
        Some(Command::Merge(a)) => run::merge(&a),
        Some(Command::Variance(a)) => variance::execute(&a),
        Some(Command::Evaluate(a)) => evaluate::execute(&a),
        Some(Command::Predict(a)) => predict::execute(&a),
        Some(Command::Serve(a)) => serve::execute(&a),
        Some(Command::Monitor(a)) => monitor::execute(&a),
        Some(Command::SwapLoop { out, files }) => swap_loop(&out, files),
        Some(Command::Recipe { command: RecipeCommand::Show(a) }) => recipe_show::execute(&a),
        Some(Command::Data { command: DataCommand::Inspect(a) }) => inspect::execute(&a),
        Some(Command::Data { command: DataCommand::Synth(a) }) => inspect::synth(&a),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(exit::code_for(&err))
        }
    }
}
