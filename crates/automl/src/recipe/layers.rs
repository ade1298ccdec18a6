//! Recipes as layers: a recipe may `extends` another (a path relative to its own folder,
//! or a shipped recipe name such as `quickstart`); tables merge key by key, the child
//! winning; then `key=value` overrides from the command line (dotted paths, values in
//! TOML syntax, bare words taken as strings) are applied on top.

use std::path::{Path, PathBuf};

use toml::{Table, Value};

use crate::error::{Result, usage};

/// The shipped quickstart recipe, built into the binary: `tsforge run` with no recipe
/// runs exactly this file.
pub const QUICKSTART: &str = include_str!("../../../../recipes/quickstart.toml");

/// Recipes `extends` can name without a path.
fn shipped(name: &str) -> Option<&'static str> {
    match name {
        "quickstart" | "quickstart.toml" => Some(QUICKSTART),
        _ => None,
    }
}

/// How deep `extends` chains may go (a loop is reported, not followed forever).
const MAX_DEPTH: usize = 8;

/// The merged table of a recipe file (or the built-in quickstart for `None`) with its
/// `extends` chain resolved, then the overrides applied.
pub fn resolve(path: Option<&Path>, overrides: &[String]) -> Result<Table> {
    let mut table = match path {
        Some(p) => load(p, 0)?,
        None => parse(QUICKSTART, "quickstart (built in)")?,
    };
    for o in overrides {
        apply_override(&mut table, o)?;
    }
    Ok(table)
}

/// Parses a recipe; an error names the line and column and says what is wrong, without
/// quoting the file (it may not be a recipe at all, and its lines are not ours to print).
fn parse(text: &str, label: &str) -> Result<Table> {
    text.parse::<Table>().map_err(|e| {
        let at = e.span().map(|span| {
            let before = &text[..span.start.min(text.len())];
            let line = before.matches('\n').count() + 1;
            let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
            format!(" at line {line}, column {column}")
        });
        usage(format!("{label}: invalid recipe{}: {}", at.unwrap_or_default(), e.message().trim()))
    })
}

fn load(path: &Path, depth: usize) -> Result<Table> {
    if depth > MAX_DEPTH {
        return Err(usage(format!("{}: extends: more than {MAX_DEPTH} levels (a loop?)", path.display())));
    }
    let text = std::fs::read_to_string(path).map_err(|e| usage(format!("{}: cannot read recipe: {e}", path.display())))?;
    let mut table = parse(&text, &path.display().to_string())?;
    let Some(parent) = table.remove("extends") else { return Ok(table) };
    let Value::String(parent) = parent else {
        return Err(usage(format!("{}: extends: expected a recipe path or name (a string)", path.display())));
    };
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let candidate: PathBuf = dir.join(&parent);
    let mut base = if candidate.is_file() {
        // only recipes in the recipe's own folder (or below it): a recipe is no way to
        // read any file of the machine
        let inside = match (candidate.canonicalize(), dir.canonicalize()) {
            (Ok(c), Ok(d)) => c.starts_with(&d),
            _ => false,
        };
        if !inside {
            return Err(usage(format!("{}: extends: '{parent}' is outside the recipe's folder; extend a recipe next to it or a shipped one (quickstart)", path.display())));
        }
        load(&candidate, depth + 1)?
    } else if let Some(text) = shipped(&parent) {
        parse(text, &parent)?
    } else {
        return Err(usage(format!("{}: extends: '{parent}' is neither a file next to it nor a shipped recipe (quickstart)", path.display())));
    };
    forget_inherited_panel_models(&mut base, &table);
    merge(&mut base, table);
    Ok(base)
}

/// A layer that names `models` but not `panel_models` means its models for every kind
/// of data: the `panel_models` it would inherit are dropped.
fn forget_inherited_panel_models(base: &mut Table, layer: &Table) {
    if layer.contains_key("models") && !layer.contains_key("panel_models") {
        base.remove("panel_models");
    }
}

/// Merges `over` into `base`: tables recursively, anything else replaced.
pub fn merge(base: &mut Table, over: Table) {
    for (k, v) in over {
        match (base.get_mut(&k), v) {
            (Some(Value::Table(b)), Value::Table(o)) => merge(b, o),
            (_, v) => {
                base.insert(k, v);
            }
        }
    }
}

/// Applies one `a.b.c=value` override, creating tables on the way.
pub fn apply_override(table: &mut Table, text: &str) -> Result<()> {
    let (key, raw) = text.split_once('=').ok_or_else(|| usage(format!("override '{text}': expected key=value (e.g. seed=3 or search.sampler=random)")))?;
    let key = key.trim();
    let parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err(usage(format!("override '{text}': empty key segment in '{key}'")));
    }
    let value = parse_value(raw.trim());
    if key == "models" {
        table.remove("panel_models");
    }
    let mut node = table;
    for (i, part) in parts[..parts.len() - 1].iter().enumerate() {
        let entry = node.entry(part.to_string()).or_insert_with(|| Value::Table(Table::new()));
        node = match entry {
            Value::Table(t) => t,
            _ => return Err(usage(format!("override '{text}': {} is not a table", parts[..=i].join(".")))),
        };
    }
    node.insert(parts[parts.len() - 1].to_string(), value);
    Ok(())
}

/// A TOML value (`3`, `0.1`, `true`, `"x"`, `[1, 2]`, `{ low = 1, high = 2 }`), or the
/// raw text as a string.
fn parse_value(raw: &str) -> Value {
    format!("v = {raw}").parse::<Table>().ok().and_then(|mut t| t.remove("v")).unwrap_or_else(|| Value::String(raw.to_string()))
}

/// `90`, `90s`, `30m`, `1h`, `1h30m`, `2m30s` → seconds.
pub fn parse_duration(text: &str) -> Option<f64> {
    parse_seconds(text).filter(|&s| s > 0.0 && s <= MAX_DURATION)
}

/// The longest time limit a run takes: 30 days (a longer one is a typo, and
/// `Duration` cannot hold some of what a number can say).
pub const MAX_DURATION: f64 = 30.0 * 86_400.0;

fn parse_seconds(text: &str) -> Option<f64> {
    let t = text.trim();
    if let Ok(s) = t.parse::<f64>() {
        return s.is_finite().then_some(s);
    }
    let mut total = 0.0;
    let mut num = String::new();
    for c in t.chars() {
        if c.is_ascii_digit() || c == '.' {
            num.push(c);
            continue;
        }
        let n: f64 = num.parse().ok()?;
        num.clear();
        total += n * match c {
            'h' => 3600.0,
            'm' => 60.0,
            's' => 1.0,
            _ => return None,
        };
    }
    (num.is_empty() && total > 0.0).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_parse_values_and_create_tables() {
        let mut t = Table::new();
        for o in ["seed=3", "search.sampler=random", "search.families.gbdt.trials=4", "name=\"x y\"", "models=[\"Naive\"]", "a.b={ low = 1, high = 2 }"] {
            apply_override(&mut t, o).unwrap_or_else(|e| panic!("{o}: {e}"));
        }
        assert_eq!(t["seed"].as_integer(), Some(3));
        assert_eq!(t["search"]["sampler"].as_str(), Some("random"));
        assert_eq!(t["search"]["families"]["gbdt"]["trials"].as_integer(), Some(4));
        assert_eq!(t["name"].as_str(), Some("x y"));
        assert_eq!(t["models"].as_array().map(|a| a.len()), Some(1));
        assert_eq!(t["a"]["b"]["high"].as_integer(), Some(2));
        assert!(apply_override(&mut t, "seed.x=1").is_err(), "seed is not a table");
        assert!(apply_override(&mut t, "noequals").is_err());
        assert!(apply_override(&mut t, "a..b=1").is_err());
    }

    #[test]
    fn merge_keeps_parent_keys_and_child_wins() {
        let mut base: Table = "a = 1\n[s]\nx = 1\ny = 2\n".parse().unwrap_or_default();
        let over: Table = "b = 2\n[s]\ny = 3\n".parse().unwrap_or_default();
        merge(&mut base, over);
        assert_eq!(base["a"].as_integer(), Some(1));
        assert_eq!(base["b"].as_integer(), Some(2));
        assert_eq!(base["s"]["x"].as_integer(), Some(1));
        assert_eq!(base["s"]["y"].as_integer(), Some(3));
    }

    #[test]
    fn extends_chains_through_files_and_the_shipped_quickstart() {
        let dir = crate::scratch::Scratch::new("layers");
        std::fs::write(dir.path().join("base.toml"), "extends = \"quickstart\"\nseed = 5\nname = \"base\"\n").unwrap_or_default();
        std::fs::write(dir.path().join("child.toml"), "extends = \"base.toml\"\nname = \"child\"\n").unwrap_or_default();
        let t = resolve(Some(&dir.path().join("child.toml")), &["seed=9".into()]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t["name"].as_str(), Some("child"));
        assert_eq!(t["seed"].as_integer(), Some(9));
        assert_eq!(t["data"].as_str(), Some("m5-tiny"), "from the quickstart");
        std::fs::write(dir.path().join("loop.toml"), "extends = \"loop.toml\"\n").unwrap_or_default();
        assert!(resolve(Some(&dir.path().join("loop.toml")), &[]).is_err());
        // nothing outside the recipe's folder, and no file's lines in the message
        std::fs::create_dir_all(dir.path().join("sub")).unwrap_or_default();
        std::fs::write(dir.path().join("secret.txt"), "root:x:0:0\n").unwrap_or_default();
        std::fs::write(dir.path().join("sub/escape.toml"), "extends = \"../secret.txt\"\n").unwrap_or_default();
        let e = resolve(Some(&dir.path().join("sub/escape.toml")), &[]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("outside the recipe's folder") && !e.contains("root:x"), "{e}");
        std::fs::write(dir.path().join("bad.toml"), "seed = \n root:x:0:0\n").unwrap_or_default();
        let e = resolve(Some(&dir.path().join("bad.toml")), &[]).err().map(|e| e.to_string()).unwrap_or_default();
        assert!(e.contains("line 2") && !e.contains("root:x"), "{e}");
    }

    #[test]
    fn naming_models_drops_inherited_panel_models() {
        let dir = crate::scratch::Scratch::new("layers-panel");
        let inherited = resolve(None, &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(inherited.contains_key("panel_models"), "the quickstart names its long-format models");
        std::fs::write(dir.path().join("mine.toml"), "extends = \"quickstart\"\nmodels = [\"Naive\"]\n").unwrap_or_default();
        let t = resolve(Some(&dir.path().join("mine.toml")), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert!(!t.contains_key("panel_models"), "models alone mean every kind of data");
        std::fs::write(dir.path().join("both.toml"), "extends = \"quickstart\"\nmodels = [\"Naive\"]\npanel_models = [\"Theta\"]\n").unwrap_or_default();
        let t = resolve(Some(&dir.path().join("both.toml")), &[]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t["panel_models"].as_array().map(Vec::len), Some(1));
        let t = resolve(None, &["models=[\"Naive\"]".into()]).unwrap_or_else(|e| panic!("{e}"));
        assert!(!t.contains_key("panel_models"), "an override of models too");
        let t = resolve(None, &["seed=2".into()]).unwrap_or_else(|e| panic!("{e}"));
        assert!(t.contains_key("panel_models"));
    }

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90"), Some(90.0));
        assert_eq!(parse_duration("30m"), Some(1800.0));
        assert_eq!(parse_duration("1h30m"), Some(5400.0));
        assert_eq!(parse_duration("2m30s"), Some(150.0));
        assert_eq!(parse_duration("5x"), None);
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration("0"), None);
        assert_eq!(parse_duration("1e300"), None);
        assert_eq!(parse_duration("99999999999999999999h"), None);
        assert_eq!(parse_duration("720h"), Some(MAX_DURATION));
    }
}
