//! House rules that check themselves: the crate arrows of shared/DESIGN.md (read from
//! `cargo metadata`), and no import cycles between the modules of any crate.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::common::repo_root;

/// Which workspace crates each crate may depend on (normal and build dependencies),
/// as shared/DESIGN.md's crate table says.
const ALLOWED: [(&str, &[&str]); 11] = [
    ("core", &[]),
    ("data", &["core"]),
    ("features", &["core"]),
    ("stats", &["core"]),
    ("gbdt", &["core", "features"]),
    ("neural", &["core", "features"]),
    ("automl", &["core", "data", "features", "stats", "gbdt", "neural", "report"]),
    ("report", &["core"]),
    // report: the monitor's record type lives with every other report record (a deviation
    // from DESIGN.md's table, which lists core, features, automl)
    ("store", &["core", "features", "automl", "report"]),
    ("serve", &["core", "store"]),
    ("cli", &["core", "data", "features", "stats", "gbdt", "neural", "automl", "report", "store", "serve"]),
];

#[test]
fn crates_depend_only_on_what_the_design_allows() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out =
        std::process::Command::new(cargo).args(["metadata", "--format-version", "1", "--no-deps", "--offline"]).current_dir(repo_root()).output().unwrap_or_else(|e| panic!("cargo metadata: {e}"));
    assert!(out.status.success(), "cargo metadata: {}", String::from_utf8_lossy(&out.stderr));
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("cargo metadata output: {e}"));
    let packages = meta["packages"].as_array().cloned().unwrap_or_default();
    assert!(packages.len() >= 9, "expected the workspace's crates, got {}", packages.len());
    let mut violations = Vec::new();
    for p in &packages {
        let name = p["name"].as_str().unwrap_or_default().trim_start_matches("tsforge-").to_string();
        let allowed = ALLOWED.iter().find(|a| a.0 == name).map(|a| a.1).unwrap_or_else(|| panic!("crate {name} is not in the design's table"));
        for d in p["dependencies"].as_array().into_iter().flatten() {
            let dep = d["name"].as_str().unwrap_or_default();
            let Some(ours) = dep.strip_prefix("tsforge-") else { continue };
            if d["kind"].as_str() == Some("dev") {
                continue;
            }
            if !allowed.contains(&ours) {
                violations.push(format!("{name} → {ours}"));
            }
        }
    }
    assert!(violations.is_empty(), "dependencies the design does not allow: {violations:?}");
}

/// A module's path inside its crate (`["pipeline", "output"]`) from its file.
fn module_path(src: &Path, file: &Path) -> Vec<String> {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let mut parts: Vec<String> = rel.iter().map(|p| p.to_string_lossy().to_string()).collect();
    if let Some(last) = parts.pop() {
        let stem = last.trim_end_matches(".rs").to_string();
        if stem != "mod" && stem != "lib" && stem != "main" {
            parts.push(stem);
        }
    }
    parts
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// Every module path a file names through `crate::…` or `super::…`, braces expanded
/// (`use crate::{a::X, b}` names `a::X` and `b`). Comments and the test module at the
/// end of a file (`#[cfg(test)]`) do not count: tests may reach anywhere.
fn references(text: &str, here: &[String]) -> Vec<Vec<String>> {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    let code: String = text.lines().map(|l| l.split("//").next().unwrap_or("")).collect::<Vec<_>>().join("\n");
    let mut out = Vec::new();
    for (start, root) in [("crate::", Vec::new()), ("super::", here[..here.len().saturating_sub(1)].to_vec())] {
        let mut from = 0;
        while let Some(k) = code[from..].find(start) {
            let at = from + k;
            from = at + start.len();
            if at > 0 && code[..at].ends_with(|c: char| c.is_alphanumeric() || c == '_') {
                continue;
            }
            paths(&code[from..], root.clone(), &mut out);
        }
    }
    out
}

/// Reads `a::b::{c, d::e}` at the start of `rest` into full paths under `prefix`.
fn paths(rest: &str, prefix: Vec<String>, out: &mut Vec<Vec<String>>) {
    let ident: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
    if ident.is_empty() {
        if let Some(inner) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut item = String::new();
            for c in inner.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        paths(item.trim(), prefix.clone(), out);
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                item.push(c);
            }
            paths(item.trim(), prefix, out);
        } else if !prefix.is_empty() {
            out.push(prefix);
        }
        return;
    }
    let mut path = prefix;
    path.push(ident.clone());
    match rest[ident.len()..].strip_prefix("::") {
        Some(next) => paths(next, path, out),
        None => out.push(path),
    }
}

/// A cycle in a directed graph, if any (as the list of its nodes).
fn find_cycle(edges: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    fn visit(n: &str, edges: &BTreeMap<String, BTreeSet<String>>, stack: &mut Vec<String>, done: &mut BTreeSet<String>) -> Option<Vec<String>> {
        if let Some(k) = stack.iter().position(|s| s == n) {
            return Some(stack[k..].to_vec());
        }
        if done.contains(n) {
            return None;
        }
        stack.push(n.to_string());
        for m in edges.get(n).into_iter().flatten() {
            if let Some(c) = visit(m, edges, stack, done) {
                return Some(c);
            }
        }
        stack.pop();
        done.insert(n.to_string());
        None
    }
    let mut done = BTreeSet::new();
    edges.keys().find_map(|n| visit(n, edges, &mut Vec::new(), &mut done))
}

#[test]
fn no_import_cycles_between_the_modules_of_a_crate() {
    let crates = repo_root().join("crates");
    let mut cycles = Vec::new();
    for krate in std::fs::read_dir(&crates).into_iter().flatten().flatten() {
        let src = krate.path().join("src");
        let mut files = Vec::new();
        rust_files(&src, &mut files);
        let modules: BTreeSet<Vec<String>> = files.iter().map(|f| module_path(&src, f)).collect();
        // edges between sibling modules, per parent module
        let mut graphs: BTreeMap<Vec<String>, BTreeMap<String, BTreeSet<String>>> = BTreeMap::new();
        for f in files.iter().filter(|f| !f.ends_with("tests.rs")) {
            let here = module_path(&src, f);
            let text = std::fs::read_to_string(f).unwrap_or_default();
            for r in references(&text, &here) {
                let k = here.iter().zip(&r).take_while(|(a, b)| a == b).count();
                if k >= here.len() || k >= r.len() || !modules.contains(&r[..=k]) {
                    continue;
                }
                graphs.entry(here[..k].to_vec()).or_default().entry(here[k].clone()).or_default().insert(r[k].clone());
            }
        }
        for (parent, edges) in &graphs {
            if let Some(c) = find_cycle(edges) {
                let name = krate.file_name().to_string_lossy().to_string();
                let at = if parent.is_empty() { String::new() } else { format!("::{}", parent.join("::")) };
                cycles.push(format!("{name}{at}: {}", c.join(" → ")));
            }
        }
    }
    assert!(cycles.is_empty(), "import cycles between modules: {cycles:#?}");
}

#[test]
fn the_reference_parser_expands_braces_and_super() {
    let here = vec!["pipeline".to_string(), "output".to_string()];
    let refs = references("use crate::{error::{Result, io}, pipeline::plan::Plan};\nuse super::fit::Fit; // crate::ignored", &here);
    assert!(refs.contains(&vec!["error".into(), "Result".into()]));
    assert!(refs.contains(&vec!["pipeline".into(), "plan".into(), "Plan".into()]));
    assert!(refs.contains(&vec!["pipeline".into(), "fit".into(), "Fit".into()]));
    assert!(!refs.iter().any(|r| r.contains(&"ignored".to_string())));
}
