//! `tsforge recipe show [RECIPE] [key=value …]`: the resolved recipe as TOML.

use tsforge_automl::{Recipe, Registry};

use crate::args::{ShowArgs, split_recipe_arg};

pub fn execute(args: &ShowArgs) -> anyhow::Result<()> {
    let (path, overrides) = split_recipe_arg(args.recipe.as_deref(), &args.overrides);
    let (_, table) = Recipe::resolve(path.as_deref(), &overrides, &Registry::standard())?;
    print!("{}", toml::to_string_pretty(&table).map_err(|e| anyhow::anyhow!("printing the recipe: {e}"))?);
    Ok(())
}
