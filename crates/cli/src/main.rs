//! `tsforge`: forecasting runs, data inspection and synthetic data from the command line.

mod args;
mod board;
mod evaluate;
mod exit;
mod inspect;
mod progress;
mod recipe_show;
mod run;
mod variance;

use std::process::ExitCode;

use clap::Parser;

use args::{Cli, Command, DataCommand, RecipeCommand};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        None => run::execute(&args::RunArgs::default()),
        Some(Command::Run(a)) => run::execute(&a.split_overrides()),
        Some(Command::Leaderboard(a)) => board::execute(&a),
        Some(Command::Variance(a)) => variance::execute(&a),
        Some(Command::Evaluate(a)) => evaluate::execute(&a),
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
