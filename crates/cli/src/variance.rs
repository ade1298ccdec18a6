//! `tsforge variance`: the top configurations of a run retrained under many seeds.

use crate::args::VarianceArgs;

pub fn execute(args: &VarianceArgs) -> anyhow::Result<()> {
    let _ = args;
    Err(crate::exit::usage("tsforge variance is not built yet"))
}
