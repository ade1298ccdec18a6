//! `leaderboard.html`: one self-contained page (inline CSS, a few lines of inline JS to
//! sort the table, inline SVG plots; no external resources) rendered from a
//! [`RunRecord`] only. Same record → same bytes: nothing here reads the clock.
//!
//! ```
//! use tsforge_report::{Leaderboard, Metric, Row, RunRecord, Scores};
//!
//! let row = Row { alias: "SeasonalNaive".into(), family: "statistical".into(),
//!                 scores: Scores { wrmsse: Some(0.85), ..Default::default() }, ..Row::default() };
//! let record = RunRecord { title: "demo".into(), leaderboard: Leaderboard::new(Metric::Wrmsse, true, vec![row]),
//!                          notes: vec![], series: vec![], horizon_labels: vec![] };
//! let html = tsforge_report::to_html(&record);
//! assert!(html.contains(r#"data-plot="score-by-family""#));
//! ```

use std::fmt::Write as _;

use crate::escape::escape;
use crate::leaderboard::{Leaderboard, Row, compact};
use crate::plots;
use crate::record::{M5_LEVELS, RunRecord, SeriesPlot};

const CSS: &str = r#"
:root { --ink: #1f2328; --muted: #5b636e; --line: #d8dee4; --head: #f3f5f8; --best: #e3f4e8; --best-ink: #116329; --sel: #fff8e1; --accent: #4e79a7; }
* { box-sizing: border-box; }
body { margin: 0; background: #fafbfc; color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1800px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.25rem; margin: 32px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
h3 { font-size: 1.05rem; margin: 24px 0 8px; color: var(--muted); }
.summary { color: var(--muted); margin: 0 0 12px; }
.summary b { color: var(--ink); }
ul.notes { margin: 0; padding-left: 1.2em; }
ul.notes li { margin: 2px 0; }
.table-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
table.leaderboard { border-collapse: collapse; width: 100%; font-size: 13px; }
table.leaderboard th, table.leaderboard td { padding: 4px 7px; border-bottom: 1px solid var(--line); white-space: nowrap; }
table.leaderboard th { background: var(--head); position: sticky; top: 0; text-align: left; font-weight: 600; cursor: pointer; user-select: none; }
table.leaderboard th.num, table.leaderboard td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.leaderboard th[data-dir="asc"]::after { content: " ▲"; font-size: 0.7em; }
table.leaderboard th[data-dir="desc"]::after { content: " ▼"; font-size: 0.7em; }
table.leaderboard tbody tr:nth-child(even) { background: #fbfcfd; }
table.leaderboard tbody tr:hover { background: #eef4fb; }
table.leaderboard tr.selected { background: var(--sel) !important; }
table.leaderboard tr.selected td.model { font-weight: 600; }
table.leaderboard td.model, table.leaderboard th.model { position: sticky; left: 0; z-index: 1; background: #fff; box-shadow: 1px 0 0 var(--line); }
table.leaderboard th.model { background: var(--head); z-index: 2; }
table.leaderboard tbody tr:nth-child(even) td.model { background: #fbfcfd; }
table.leaderboard tr.selected td.model { background: var(--sel); }
table.leaderboard td.best { background: var(--best); color: var(--best-ink); font-weight: 700; }
table.leaderboard td.params { white-space: normal; min-width: 220px; max-width: 480px; font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, monospace; font-size: 12px; color: var(--muted); }
table.leaderboard td.note { white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 420px; font-size: 12px; color: var(--muted); }
.fam { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 6px; vertical-align: baseline; }
.key { color: var(--muted); font-size: 13px; margin: 8px 2px 0; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(560px, 1fr)); gap: 18px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px 10px 6px; }
figure svg.plot { display: block; width: 100%; height: auto; }
.grid figure.wide { grid-column: 1 / -1; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
p.missing { color: var(--muted); font-style: italic; background: #fff; border: 1px dashed var(--line); border-radius: 6px; padding: 10px 14px; }
"#;

/// Sorts the table by a clicked header (numbers by `data-v`, text otherwise; blanks last).
const JS: &str = r#"
document.querySelectorAll("table.leaderboard").forEach(function (t) {
  t.querySelectorAll("thead th").forEach(function (th, i) {
    th.addEventListener("click", function () {
      var asc = th.dataset.dir !== "asc";
      t.querySelectorAll("thead th").forEach(function (h) { delete h.dataset.dir; });
      th.dataset.dir = asc ? "asc" : "desc";
      var body = t.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var key = function (r) { var c = r.cells[i]; return c.dataset.v === undefined ? c.textContent.trim() : (c.dataset.v === "" ? NaN : parseFloat(c.dataset.v)); };
      rows.sort(function (x, y) {
        var a = key(x), b = key(y);
        if (typeof a === "number") { if (isNaN(a)) return isNaN(b) ? 0 : 1; if (isNaN(b)) return -1; return asc ? a - b : b - a; }
        return asc ? a.localeCompare(b) : b.localeCompare(a);
      });
      rows.forEach(function (r) { body.appendChild(r); });
    });
  });
});
"#;

/// The whole page.
pub fn to_html(record: &RunRecord) -> String {
    let board = &record.leaderboard;
    let title = escape(&record.title);
    let mut out = String::new();
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n";
    out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    let _ = writeln!(out, "<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>");
    let _ = writeln!(out, "<h1>{title}</h1>");
    out += &summary(board);

    if !record.notes.is_empty() {
        out += "<section id=\"notes\">\n<h2>Notes</h2>\n<ul class=\"notes\">\n";
        for n in &record.notes {
            let _ = writeln!(out, "<li>{}</li>", escape(n));
        }
        out += "</ul>\n</section>\n";
    }

    out += "<section id=\"leaderboard\">\n<h2>Leaderboard</h2>\n";
    out += &table(board);
    out += "</section>\n";

    out += "<section id=\"plots\">\n<h2>Plots</h2>\n<div class=\"grid\">\n";
    let label = escape(&plots::score_label(board));
    out += &figure(plots::score_by_family(board), &format!("Best {label} per family (bar, value at its top) and every model of the family (dots, best-ranked left). Lower is better."), true);
    out += &figure(
        plots::time_vs_score(board, 5),
        &format!("Fit time (log scale) against {label}, one dot per model, coloured by family; the five best-ranked models and the submission (*) are labelled. Down and left is better."),
        false,
    );
    out += &figure(
        plots::per_level(board, 5),
        "Per-level scores of the five best-ranked models: L1 total, L2 state, L3 store, L4 cat, L5 dept, L6 state×cat, L7 state×dept, L8 store×cat, L9 store×dept, L10 item, L11 item×state, L12 item×store. Lower is better.",
        false,
    );
    if board.rows.iter().any(|r| r.uncertainty.as_ref().is_some_and(|u| !u.coverage.is_empty())) {
        out += &figure(
            plots::coverage(board, 5),
            "Calibration of the quantile forecasts (all 12 levels pooled per level, then averaged): the share of the truth at or below each of the nine M5 quantiles against the quantile itself; on the diagonal is perfect. Sales are whole numbers, so at the sparse levels the lowest quantiles are often 0 and the truth sits on them: the low end lies above the diagonal even when the quantiles are right.",
            false,
        );
    }
    out += "</div>\n";
    out += &forecasts(record);
    out += "</section>\n";

    let _ = writeln!(out, "<script>{JS}</script>\n</main>\n</body>\n</html>");
    out
}

fn summary(board: &Leaderboard) -> String {
    let m = board.metric.name().to_uppercase();
    let scored = board.rows.iter().filter(|r| plots::plot_score(board, r).is_some()).count();
    let mut s = format!("<p class=\"summary\"><b>{}</b> models", board.rows.len());
    if board.scored {
        let _ = write!(s, " · ranked by <b>{m}</b> on the held-out test window");
    } else {
        let _ = write!(s, " · no held-out truth: ranked by <b>valid {m}</b> on the last backtest window");
    }
    if scored < board.rows.len() {
        let _ = write!(s, " · {} without a score", board.rows.len() - scored);
    }
    if let Some(best) = board.rows.iter().find(|r| plots::plot_score(board, r).is_some()) {
        let v = plots::plot_score(board, best).unwrap_or(f64::NAN);
        let _ = write!(s, " · best: <b>{}</b> ({v:.4})", escape(&best.alias));
    }
    if let Some(sel) = board.rows.iter().find(|r| r.selected) {
        let _ = write!(s, " · submission (*): <b>{}</b>", escape(&sel.alias));
    }
    s + "</p>\n"
}

/// One table column: header, tooltip, whether lower is better (highlight the minimum),
/// and the value of a row (`None` shows "-").
type Value<'a> = Box<dyn Fn(&Row) -> Option<f64> + 'a>;

struct Col<'a> {
    head: String,
    tip: String,
    best_low: bool,
    value: Value<'a>,
    fmt: fn(f64) -> String,
}

fn finite(v: Option<f64>) -> Option<f64> {
    v.filter(|x| x.is_finite())
}

/// The numeric columns shown, in order (a column nobody has is left out).
fn numeric_columns(board: &Leaderboard) -> Vec<Col<'_>> {
    let m = board.metric;
    let name = m.name().to_uppercase();
    let n_levels = board.rows.iter().map(|r| r.scores.levels.len()).max().unwrap_or(0);
    let mut cols = vec![
        Col { head: name.clone(), tip: format!("{name} on the held-out test window"), best_low: true, value: Box::new(move |r: &Row| finite(m.of(&r.scores))), fmt: |v| format!("{v:.4}") },
        Col {
            head: format!("valid {name}"),
            tip: "score on the backtest window right before the forecast origin (selection score)".into(),
            best_low: true,
            value: Box::new(|r: &Row| finite(r.valid)),
            fmt: |v| format!("{v:.4}"),
        },
        Col {
            head: "valid sd".into(),
            tip: "standard deviation of the backtest score over the windows: how much the selection score moves from window to window".into(),
            best_low: true,
            value: Box::new(|r: &Row| r.valid_sd()),
            fmt: |v| format!("{v:.4}"),
        },
    ];
    for l in 0..n_levels {
        cols.push(Col {
            head: format!("L{}", l + 1),
            tip: format!("level {}: {}", l + 1, M5_LEVELS.get(l).copied().unwrap_or("")),
            best_low: true,
            value: Box::new(move |r: &Row| finite(r.scores.levels.get(l).copied())),
            fmt: |v| format!("{v:.3}"),
        });
    }
    cols.push(Col { head: "sMAPE".into(), tip: "symmetric MAPE, averaged over series".into(), best_low: true, value: Box::new(|r: &Row| finite(r.scores.smape)), fmt: |v| format!("{v:.2}") });
    cols.push(Col {
        head: "WSPL".into(),
        tip: "weighted scaled pinball loss of the nine M5 quantiles over the 12 levels, on the held-out test window (the M5 Uncertainty metric)".into(),
        best_low: true,
        value: Box::new(|r: &Row| finite(r.uncertainty.as_ref().and_then(|u| u.wspl))),
        fmt: |v| format!("{v:.4}"),
    });
    cols.push(Col {
        head: "valid WSPL".into(),
        tip: "WSPL on the backtest, each window's quantiles calibrated on the other windows".into(),
        best_low: true,
        value: Box::new(|r: &Row| finite(r.uncertainty.as_ref().and_then(|u| u.valid_wspl))),
        fmt: |v| format!("{v:.4}"),
    });
    cols.push(Col {
        head: "cov 97.5".into(),
        tip: "share of the truth at or below the 0.975 quantile (nominal 0.975)".into(),
        best_low: false,
        value: Box::new(|r: &Row| finite(r.uncertainty.as_ref().and_then(|u| u.coverage_975))),
        fmt: |v| format!("{v:.3}"),
    });
    cols.push(Col { head: "fit s".into(), tip: "fit time, seconds".into(), best_low: true, value: Box::new(|r: &Row| finite(Some(r.fit_seconds))), fmt: |v| format!("{v:.2}") });
    cols.push(Col { head: "predict s".into(), tip: "predict time, seconds".into(), best_low: false, value: Box::new(|r: &Row| finite(Some(r.predict_seconds))), fmt: |v| format!("{v:.2}") });
    cols.push(Col { head: "size".into(), tip: "learned parameters".into(), best_low: false, value: Box::new(|r: &Row| r.n_params.map(|n| n as f64)), fmt: |v| compact(v as u64) });
    cols.retain(|c| board.rows.iter().any(|r| (c.value)(r).is_some()));
    cols
}

fn table(board: &Leaderboard) -> String {
    if board.rows.is_empty() {
        return "<p class=\"missing\">No models on the leaderboard.</p>\n".into();
    }
    let cols = numeric_columns(board);
    let best: Vec<Option<f64>> =
        cols.iter().map(|c| if c.best_low { board.rows.iter().filter_map(|r| (c.value)(r)).fold(None, |a: Option<f64>, v| Some(a.map_or(v, |a| a.min(v)))) } else { None }).collect();
    let colors = plots::family_colors(board);
    let show_seed = board.rows.iter().any(|r| r.seed.is_some());
    let show_params = board.rows.iter().any(|r| !r.params.is_empty() || !r.members.is_empty());
    let show_note = board.rows.iter().any(|r| !r.note.is_empty());

    let mut s = String::from("<div class=\"table-wrap\">\n<table class=\"leaderboard\" id=\"leaderboard-table\">\n<thead>\n<tr>");
    s += "<th class=\"num\" title=\"rank by the main score\">rank</th><th class=\"model\" title=\"* marks the model behind submission.csv\">model</th><th>family</th>";
    for c in &cols {
        let _ = write!(s, "<th class=\"num\" title=\"{}\">{}</th>", escape(&c.tip), escape(&c.head));
    }
    if show_seed {
        s += "<th class=\"num\">seed</th>";
    }
    if show_params {
        s += "<th>hyperparameters / ensemble members</th>";
    }
    if show_note {
        s += "<th>note</th>";
    }
    s += "</tr>\n</thead>\n<tbody>\n";
    for r in &board.rows {
        let _ = write!(s, "<tr{}>", if r.selected { " class=\"selected\"" } else { "" });
        let _ = write!(s, "<td class=\"num\" data-v=\"{}\">{}</td>", r.rank, r.rank);
        let alias = if r.selected { format!("{} *", escape(&r.alias)) } else { escape(&r.alias) };
        let _ = write!(s, "<td class=\"model\">{alias}</td>");
        let _ = write!(s, "<td><span class=\"fam\" style=\"background:{}\"></span>{}</td>", css_color(plots_color(&colors, &r.family)), escape(&r.family));
        for (c, b) in cols.iter().zip(&best) {
            match (c.value)(r) {
                Some(v) => {
                    let cls = if b.is_some_and(|b| v == b) { "num best" } else { "num" };
                    let _ = write!(s, "<td class=\"{cls}\" data-v=\"{v}\">{}</td>", (c.fmt)(v));
                }
                None => s += "<td class=\"num\" data-v=\"\">-</td>",
            }
        }
        if show_seed {
            match r.seed {
                Some(seed) => {
                    let _ = write!(s, "<td class=\"num\" data-v=\"{seed}\">{seed}</td>");
                }
                None => s += "<td class=\"num\" data-v=\"\">-</td>",
            }
        }
        if show_params {
            let what = if r.members.is_empty() { r.params_text() } else { r.members_text() };
            let _ = write!(s, "<td class=\"params\">{}</td>", escape(&what));
        }
        if show_note {
            // one line per row (long notes, e.g. GBDT feature lists, would make rows tall): full text on hover
            let _ = write!(s, "<td class=\"note\" title=\"{0}\">{0}</td>", escape(&r.note));
        }
        s += "</tr>\n";
    }
    s += "</tbody>\n</table>\n</div>\n";
    let _ = writeln!(
        s,
        "<p class=\"key\"><b>*</b> the model behind submission.csv · <span style=\"background:#e3f4e8;color:#116329;font-weight:700;padding:0 4px\">green</span> best in its column (lower is better) · size: learned parameters · click a header to sort</p>"
    );
    s
}

fn plots_color(colors: &[(String, plotters::style::RGBColor)], family: &str) -> plotters::style::RGBColor {
    colors.iter().find(|(f, _)| f == family).map(|(_, c)| *c).unwrap_or(plotters::style::RGBColor(0x88, 0x88, 0x88))
}

fn css_color(c: plotters::style::RGBColor) -> String {
    format!("#{:02x}{:02x}{:02x}", c.0, c.1, c.2)
}

/// A plot in a `<figure>`, or the sentence saying why there is none.
fn figure(svg: Result<String, String>, caption: &str, wide: bool) -> String {
    match svg {
        Ok(svg) => format!("<figure{}>\n{svg}<figcaption>{caption}</figcaption>\n</figure>\n", if wide { " class=\"wide\"" } else { "" }),
        Err(why) => format!("<p class=\"missing\">{}</p>\n", escape(&why)),
    }
}

fn forecasts(record: &RunRecord) -> String {
    let mut s = String::from("<h3>Forecasts against actuals</h3>\n");
    if record.series.is_empty() {
        s += "<p class=\"missing\">This run recorded no series to plot.</p>\n";
        return s;
    }
    let (top, sparse): (Vec<&SeriesPlot>, Vec<&SeriesPlot>) = record.series.iter().partition(|p| p.group.eq_ignore_ascii_case("top sales"));
    for (heading, group) in [("Top-selling series", top), ("Sparse series", sparse)] {
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(s, "<h3>{heading}</h3>\n<div class=\"grid\">");
        for p in group {
            s += &figure(plots::forecast(&record.leaderboard, p, &record.horizon_labels), &forecast_caption(record, p), false);
        }
        s += "</div>\n";
    }
    s
}

fn forecast_caption(record: &RunRecord, p: &SeriesPlot) -> String {
    let mut c = format!("<b>{}</b> ({}): the last {} days of history", escape(&p.id), escape(&p.group), p.history.len());
    if p.actual.is_empty() {
        c += ", no held-out truth for this window";
    } else {
        c += ", the actual sales (black)";
    }
    let _ = write!(c, " and {} forecast{}", p.forecasts.len(), if p.forecasts.len() == 1 { "" } else { "s" });
    if let (Some(a), Some(b)) = (record.horizon_labels.first(), record.horizon_labels.last()) {
        let _ = write!(c, " over {} – {}", escape(a), escape(b));
    }
    c + " (shaded)."
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use crate::{Member, Metric, Scores};
    use std::collections::BTreeMap;

    fn row(alias: &str, family: &str, w: f64, levels: bool) -> Row {
        Row {
            alias: alias.into(),
            family: family.into(),
            scores: Scores {
                wrmsse: Some(w),
                mase: Some(w),
                levels: if levels { (1..=12).map(|l| w * (0.4 + l as f64 / 20.0)).collect() } else { vec![] },
                smape: Some(w * 50.0),
                ..Default::default()
            },
            valid: Some(w * 1.02),
            fit_seconds: w * 3.0,
            predict_seconds: 0.1,
            n_params: Some(1234),
            seed: Some(7),
            params: BTreeMap::from([("lr".to_string(), "0.05".to_string())]),
            ..Row::default()
        }
    }

    fn series(id: &str, group: &str, actual: bool) -> SeriesPlot {
        SeriesPlot {
            id: id.into(),
            group: group.into(),
            history: (0..56).map(|d| (d % 7) as f64).collect(),
            actual: if actual { (0..28).map(|d| (d % 5) as f64).collect() } else { vec![] },
            forecasts: vec![("LGBM".into(), vec![2.0; 28]), ("<script>alert(1)</script>".into(), vec![1.0; 28])],
            bands: if actual { vec![crate::Band { level: 95, lo: vec![0.5; 28], hi: vec![4.0; 28] }, crate::Band { level: 50, lo: vec![1.5; 28], hi: vec![2.5; 28] }] } else { Vec::new() },
        }
    }

    fn record(levels: bool, actual: bool) -> RunRecord {
        let mut ens = row("Ensemble", "ensemble", 0.61, levels);
        ens.selected = true;
        ens.members = vec![Member { alias: "LGBM".into(), weight: 0.75 }, Member { alias: "ETS".into(), weight: 0.25 }];
        let rows = vec![
            row("SeasonalNaive", "statistical", 0.9, levels),
            row("ETS", "statistical", 0.8, levels),
            row("LGBM", "gbdt", 0.66, levels),
            row("<script>alert(1)</script>", "neural", 0.7, levels),
            ens,
        ];
        RunRecord {
            title: "test run <m5-tiny>".into(),
            leaderboard: Leaderboard::new(if levels { Metric::Wrmsse } else { Metric::Mase }, true, rows),
            notes: vec!["a note & <b>bold</b>".into()],
            series: vec![series("FOODS_3_090_CA_3", "top sales", actual), series("HOBBIES_1_001_CA_1", "intermittent", actual)],
            horizon_labels: (1942..1970).map(|d| format!("d_{d}")).collect(),
        }
    }

    fn count(h: &str, kind: &str) -> usize {
        h.matches(&format!("class=\"plot\" data-plot=\"{kind}\"")).count()
    }

    #[test]
    fn has_all_four_plot_kinds() {
        let h = to_html(&record(true, true));
        for kind in [plots::SCORE_BY_FAMILY, plots::PER_LEVEL, plots::TIME_VS_SCORE] {
            assert_eq!(count(&h, kind), 1, "{kind}");
        }
        assert_eq!(count(&h, plots::FORECAST), 2);
        assert_eq!(h.matches("<figure>").count() + h.matches("<figure class=\"wide\">").count(), 5);
        assert_eq!(h.matches("<figcaption>").count(), 5);
        assert!(h.contains("<table class=\"leaderboard\""));
        assert!(h.contains("<h3>Top-selling series</h3>") && h.contains("<h3>Sparse series</h3>"));
        // level columns, the selected row, members and params
        assert!(h.contains(">L12</th>"));
        assert!(h.contains("Ensemble *"));
        assert!(h.contains("LGBM:0.750 ETS:0.250"));
        assert!(h.contains("lr=0.05"));
    }

    #[test]
    fn escapes_aliases_title_and_notes() {
        let h = to_html(&record(true, true));
        assert!(!h.contains("<script>alert"), "raw script tag from an alias");
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
        assert!(h.contains("<title>test run &lt;m5-tiny&gt;</title>"));
        assert!(h.contains("a note &amp; &lt;b&gt;bold&lt;/b&gt;"));
        // the only script element is ours
        assert_eq!(h.matches("<script>").count(), 1);
    }

    #[test]
    fn is_deterministic() {
        assert_eq!(to_html(&record(true, true)), to_html(&record(true, true)));
        assert_eq!(to_html(&record(false, false)), to_html(&record(false, false)));
    }

    #[test]
    fn renders_without_levels_or_actuals() {
        let h = to_html(&record(false, false));
        assert_eq!(count(&h, plots::PER_LEVEL), 0);
        assert!(h.contains("per-level plot is left out"));
        assert!(!h.contains(">L1</th>"));
        assert_eq!(count(&h, plots::SCORE_BY_FAMILY), 1);
        assert_eq!(count(&h, plots::TIME_VS_SCORE), 1);
        assert_eq!(count(&h, plots::FORECAST), 2);
        assert!(h.contains("no held-out truth for this window"));
        assert!(h.contains(">MASE</th>"));
    }

    #[test]
    fn best_per_column_is_highlighted() {
        let h = to_html(&record(true, true));
        // Ensemble (0.61) is best in WRMSSE, valid, every level and sMAPE and fit time: 1 + 1 + 12 + 1 + 1
        let ens = h.lines().find(|l| l.contains("Ensemble *")).unwrap_or("");
        assert_eq!(ens.matches("num best").count(), 16, "{ens}");
        let naive = h.lines().find(|l| l.contains(">SeasonalNaive<")).unwrap_or("");
        assert_eq!(naive.matches("num best").count(), 0);
    }

    #[test]
    fn missing_scores_show_a_dash_and_skip_the_plots() {
        let mut rec = record(false, true);
        for r in &mut rec.leaderboard.rows {
            r.scores.mase = None;
            r.scores.smape = Some(f64::NAN);
        }
        let h = to_html(&rec);
        assert_eq!(count(&h, plots::SCORE_BY_FAMILY), 0);
        assert_eq!(count(&h, plots::TIME_VS_SCORE), 0);
        assert!(!h.contains(">sMAPE</th>"));
        assert!(h.contains("No model has a score"));
    }

    #[test]
    fn empty_record_renders() {
        let rec = RunRecord { title: "empty".into(), leaderboard: Leaderboard::new(Metric::Wrmsse, false, vec![]), notes: vec![], series: vec![], horizon_labels: vec![] };
        let h = to_html(&rec);
        assert!(h.contains("No models on the leaderboard"));
        assert!(h.ends_with("</html>\n"));
    }
}
