//! `tsforge runs list|show|compare|gc` over the runs database, and the recording of a
//! finished `tsforge run` in it.

use std::fmt::Write as _;
use std::path::Path;

use tsforge_store::db::{Comparison, Db, ListFilter, RunDetail, RunSummary};

use crate::args::{DEFAULT_STORE, RecordArgs, RunsCommand, RunsCompareArgs, RunsGcArgs, RunsListArgs, RunsRecordArgs, RunsShowArgs};

/// Records the run folder `out` after a successful run. The folder is the artifact and
/// the database its index, so a failure here is a warning and the run still succeeds.
pub fn record_finished(out: &Path, args: &RecordArgs, quiet: bool) {
    if args.no_store {
        return;
    }
    let store = args.store.clone().unwrap_or_else(|| DEFAULT_STORE.into());
    match Db::open(&store).and_then(|mut db| db.record_run(out)) {
        Ok(rec) if !quiet => println!("Recorded as run {} in {}", rec.id.get(..8).unwrap_or(&rec.id), store.display()),
        Ok(_) => {}
        Err(e) => eprintln!("warning: the run is complete in {}, but was not recorded in the runs database: {e}", out.display()),
    }
}

pub fn execute(command: &RunsCommand) -> anyhow::Result<()> {
    match command {
        RunsCommand::List(a) => list(a),
        RunsCommand::Show(a) => show(a),
        RunsCommand::Compare(a) => compare(a),
        RunsCommand::Gc(a) => gc(a),
        RunsCommand::Record(a) => record(a),
    }
}

fn record(a: &RunsRecordArgs) -> anyhow::Result<()> {
    let mut db = Db::open(&a.store)?;
    for folder in &a.folders {
        let rec = db.record_run(folder)?;
        let how = if rec.replaced { "recorded again (its earlier record replaced)" } else { "recorded" };
        println!("{} {how}: run {} ({}, {} models, {} trials) in {}", folder.display(), rec.id.get(..8).unwrap_or(&rec.id), rec.name, rec.models, rec.trials, a.store.display());
    }
    Ok(())
}

fn json(v: &impl serde::Serialize) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn list(a: &RunsListArgs) -> anyhow::Result<()> {
    let db = Db::open_existing(&a.store.store)?;
    let filter = ListFilter { data: a.data.clone(), recipe: a.recipe.clone(), since: a.since.clone(), until: a.until.clone() };
    let runs = db.list(&filter)?;
    if a.json {
        return json(&runs);
    }
    if runs.is_empty() {
        println!("no runs in {}{}", a.store.store.display(), if filter_given(&filter) { " match the filters" } else { "" });
        return Ok(());
    }
    let rows = runs
        .iter()
        .map(|r| {
            vec![
                r.short_id().to_string(),
                r.name.clone(),
                seconds(&r.started),
                r.data_source.clone(),
                r.short_fingerprint().to_string(),
                r.submission_model.clone(),
                format!("{} {}", r.metric, num(r.submission_score)),
                num(r.submission_valid),
                r.folder.clone(),
            ]
        })
        .collect();
    print!("{}", table(&["ID", "NAME", "STARTED", "DATA", "FINGERPRINT", "SUBMISSION", "SCORE", "VALID", "FOLDER"], rows));
    Ok(())
}

fn filter_given(f: &ListFilter) -> bool {
    f.data.is_some() || f.recipe.is_some() || f.since.is_some() || f.until.is_some()
}

fn show(a: &RunsShowArgs) -> anyhow::Result<()> {
    let detail = Db::open_existing(&a.store.store)?.show(&a.run)?;
    if a.json {
        return json(&detail);
    }
    print!("{}", show_text(&detail));
    Ok(())
}

fn opt<T: ToString>(v: Option<T>) -> String {
    v.map(|x| x.to_string()).unwrap_or_else(|| "-".into())
}

/// Scores in tables: 4 decimals (JSON output has every digit).
fn num(v: Option<f64>) -> String {
    v.map(|x| format!("{x:.4}")).unwrap_or_else(|| "-".into())
}

fn signed(v: Option<f64>) -> String {
    v.map(|x| format!("{x:+.4}")).unwrap_or_else(|| "-".into())
}

fn show_text(d: &RunDetail) -> String {
    let r = &d.run;
    let mut out = String::new();
    let _ = writeln!(out, "run {}  {}", r.id, r.name);
    let facts = [
        ("started", format!("{} (finished {}, {} s)", r.started, r.finished, r.total_seconds.map(|s| format!("{s:.1}")).unwrap_or_else(|| "-".into()))),
        ("data", format!("{} ({}, {} series), fingerprint {}", r.data_source, r.data_kind, opt(r.series), r.data_fingerprint)),
        ("window", format!("{} phase, horizon {}, trained to {}, metric {}{}", r.phase, opt(r.horizon), r.train_end, r.metric, if r.scored { "" } else { " (not scored: backtests only)" })),
        ("settings", format!("seed {}, tsforge {}, {} threads, device {}", opt(r.seed), r.tsforge_version, opt(r.threads), r.device)),
        ("submission", format!("{} ({}): {} {}, valid {}", r.submission_model, d.submission_rule, r.metric, num(r.submission_score), num(r.submission_valid))),
        ("folder", format!("{}{}", r.folder, if d.folder_current { "" } else { " (no longer holds this run: replaced by a later run or removed)" })),
        ("bundle", r.bundle.clone().unwrap_or_else(|| "-".into())),
        ("recorded", r.recorded.clone()),
    ];
    for (k, v) in facts {
        let _ = writeln!(out, "  {k:<11}{v}");
    }
    let _ = writeln!(out, "\nleaderboard ({} models)", d.models.len());
    let rows = d
        .models
        .iter()
        .map(|m| {
            vec![
                m.rank.to_string(),
                format!("{}{}", m.alias, if m.selected { " *" } else { "" }),
                m.family.clone(),
                num(m.score),
                num(m.valid),
                m.fit_seconds.map(|s| format!("{s:.2}")).unwrap_or_default(),
                opt(m.n_params),
            ]
        })
        .collect();
    out += &table(&["RANK", "ALIAS", "FAMILY", &r.metric.to_uppercase(), "VALID", "FIT_S", "N_PARAMS"], rows);
    if d.trials.is_empty() {
        out += "\nno search trials\n";
    } else {
        let _ = writeln!(out, "\ntrials per family ({} in all)", r.trials);
        let rows = d.trials.iter().map(|t| vec![t.family.clone(), t.trials.to_string(), t.failed.to_string(), num(t.best), format!("{:.1}", t.seconds)]).collect();
        out += &table(&["FAMILY", "TRIALS", "FAILED", "BEST", "SECONDS"], rows);
    }
    out
}

fn compare(a: &RunsCompareArgs) -> anyhow::Result<()> {
    let c = Db::open_existing(&a.store.store)?.compare(&a.run_a, &a.run_b)?;
    if a.json {
        return json(&c);
    }
    print!("{}", compare_text(&c));
    Ok(())
}

fn compare_text(c: &Comparison) -> String {
    let mut out = String::new();
    for (tag, r) in [("A", &c.a), ("B", &c.b)] {
        let _ = writeln!(out, "{tag}: {}  {}  {}  {}", r.short_id(), r.name, seconds(&r.started), r.folder);
    }
    if !c.same_metric {
        let _ = writeln!(out, "\nthe runs have different metrics ({} and {}): scores are not subtracted", c.a.metric, c.b.metric);
    }
    let _ = writeln!(out, "\nmodels ({}, lower is better; B − A < 0: B is better)", c.a.metric);
    let rows = c.models.iter().map(|m| vec![m.alias.clone(), m.family.clone(), num(m.score_a), num(m.score_b), signed(m.diff), num(m.valid_a), num(m.valid_b), signed(m.valid_diff)]).collect();
    out += &table(&["ALIAS", "FAMILY", "A", "B", "B−A", "VALID A", "VALID B", "B−A"], rows);
    let n_levels = c.levels.iter().map(|l| l.level).max().unwrap_or(0);
    if n_levels > 0 {
        let _ = writeln!(out, "\nlevels, B − A (models in both runs)");
        let mut header = vec!["ALIAS".to_string()];
        header.extend((1..=n_levels).map(|l| format!("L{l}")));
        let mut rows: Vec<Vec<String>> = Vec::new();
        for l in &c.levels {
            if rows.last().is_none_or(|r| r[0] != l.alias) {
                rows.push(vec![l.alias.clone()]);
                rows.last_mut().into_iter().for_each(|r| r.resize(n_levels + 1, "-".into()));
            }
            if let Some(row) = rows.last_mut() {
                row[l.level] = signed(l.diff);
            }
        }
        out += &table(&header.iter().map(String::as_str).collect::<Vec<_>>(), rows);
    }
    if c.facts.is_empty() {
        out += "\nno facts differ (same data, recipe, seed and version)\n";
    } else {
        let _ = writeln!(out, "\nfacts that differ");
        let rows = c.facts.iter().map(|f| vec![f.fact.clone(), f.a.clone(), f.b.clone()]).collect();
        out += &table(&["FACT", "A", "B"], rows);
    }
    out
}

fn gc(a: &RunsGcArgs) -> anyhow::Result<()> {
    let report = Db::open_existing(&a.store.store)?.gc(a.keep, a.delete_folders)?;
    println!("kept {} runs, removed {} from {}", report.kept, report.removed.len(), a.store.store.display());
    let line = |r: &RunSummary| format!("  {}  {}  {}  {}", r.short_id(), r.name, seconds(&r.started), r.folder);
    for r in &report.removed {
        println!("{}", line(r));
    }
    for f in &report.folders_deleted {
        println!("deleted {f}");
    }
    for (f, why) in &report.folders_left {
        println!("kept folder {f}: {why}");
    }
    Ok(())
}

/// A stored timestamp (`…T15:10:01.123Z`) to the second, as tables print it.
fn seconds(t: &str) -> String {
    t.get(..19).map(|s| s.replace('T', " ")).unwrap_or_else(|| t.to_string())
}

/// Left-aligned columns two spaces apart (widths in characters, not bytes).
fn table(header: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    let header: Vec<String> = header.iter().map(|h| h.to_string()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row.iter().zip(&widths).map(|(c, w)| format!("{c}{}", " ".repeat(w.saturating_sub(c.chars().count())))).collect();
        let _ = writeln!(out, "{}", cells.join("  ").trim_end());
    }
    out
}
