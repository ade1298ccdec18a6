//! The monitoring report (`tsforge monitor`): logged forecasts joined to the actuals,
//! per bundle and A/B arm: the error at every origin, its rolling mean against the band
//! the bundle's backtest predicted, the bias, an arm-against-arm test and the alarms.
//! Rendered from a [`MonitorRecord`] only, as `monitor.md` and one self-contained
//! `monitor.html`; `monitor.json` is the record itself.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::escape::escape;

/// Everything the monitoring report shows.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct MonitorRecord {
    pub title: String,
    /// "wrmsse" (M5 data: over the 12 levels of the logged series) or "mase".
    pub metric: String,
    pub store: String,
    pub actuals: String,
    /// Origins in the rolling mean.
    pub window: usize,
    /// The band's upper end is the backtest score × (1 + tolerance).
    pub tolerance: f64,
    /// Largest |bias| (forecast total / actual total − 1) before an alarm.
    pub max_bias: f64,
    /// One row per logged batch that the actuals cover, by arm then origin.
    pub origins: Vec<OriginRow>,
    pub arms: Vec<ArmSummary>,
    pub comparisons: Vec<ArmComparison>,
    pub alarms: Vec<Alarm>,
    /// Logged batches whose forecast window the actuals do not cover yet.
    pub pending: usize,
    pub notes: Vec<String>,
}

/// One logged batch scored.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct OriginRow {
    pub bundle_id: String,
    pub arm: String,
    pub model: String,
    pub source: String,
    pub origin: String,
    pub window: [String; 2],
    pub series: usize,
    pub error: Option<f64>,
    /// WRMSSE per level (M5 data), empty otherwise.
    pub levels: Vec<f64>,
    pub bias: Option<f64>,
    /// The error is above the band's upper end.
    pub outside_band: bool,
}

/// One arm (a bundle under an arm name) over all its scored origins.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArmSummary {
    pub bundle_id: String,
    pub run_name: String,
    pub arm: String,
    pub model: String,
    pub origins: usize,
    pub series: usize,
    pub mean_error: Option<f64>,
    /// Mean error and bias over the last `window` origins.
    pub rolling_error: Option<f64>,
    pub rolling_bias: Option<f64>,
    /// The bundle's backtest score of its submission, and the band's upper end.
    pub backtest: Option<f64>,
    pub band_upper: Option<f64>,
}

/// Two arms' per-series scaled errors over the origins both were scored at
/// (Mann-Whitney U, two-sided, normal approximation with ties corrected).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ArmComparison {
    pub a: String,
    pub b: String,
    pub origins: usize,
    pub n_a: usize,
    pub n_b: usize,
    pub median_a: f64,
    pub median_b: f64,
    pub z: f64,
    pub p_value: f64,
    /// Which arm errs less when p < 0.05, else "no significant difference".
    pub verdict: String,
}

/// Something that should page a person.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Alarm {
    pub arm: String,
    pub bundle_id: String,
    /// "error" (the rolling error left the backtest band) or "bias".
    pub kind: String,
    pub message: String,
}

fn num(v: Option<f64>, d: usize) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{v:.d$}"),
        _ => "-".into(),
    }
}

fn pct(v: Option<f64>) -> String {
    match v {
        Some(v) if v.is_finite() => format!("{:+.1}%", 100.0 * v),
        _ => "-".into(),
    }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// `monitor.md`.
pub fn to_markdown(r: &MonitorRecord) -> String {
    let m = r.metric.to_uppercase();
    let mut out = format!("# {}\n\n", r.title);
    let _ = writeln!(
        out,
        "Forecast log `{}` joined to the actuals `{}`. Lower is better; the band ends at the backtest score × {:.2}; rolling = the last {} origins.\n",
        r.store,
        r.actuals,
        1.0 + r.tolerance,
        r.window
    );
    if r.alarms.is_empty() {
        out += "**No alarm.**\n\n";
    } else {
        out += "## Alarms\n\n";
        for a in &r.alarms {
            let _ = writeln!(out, "- **{}** ({}, bundle {}): {}", a.arm, a.kind, short(&a.bundle_id), a.message);
        }
        out.push('\n');
    }
    let _ = write!(
        out,
        "## Arms\n\n| arm | bundle | run | model | origins | series | mean {m} | rolling {m} | rolling bias | backtest | band upper |\n|---|---|---|---|---:|---:|---:|---:|---:|---:|---:|\n"
    );
    for a in &r.arms {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
            a.arm,
            short(&a.bundle_id),
            a.run_name,
            a.model,
            a.origins,
            a.series,
            num(a.mean_error, 4),
            num(a.rolling_error, 4),
            pct(a.rolling_bias),
            num(a.backtest, 4),
            num(a.band_upper, 4)
        );
    }
    if !r.comparisons.is_empty() {
        out += "\n## Arm against arm\n\nPer-series scaled errors at the origins both arms answered (Mann-Whitney U, two-sided).\n\n| arms | origins | series | median error | z | p | verdict |\n|---|---:|---:|---:|---:|---:|---|\n";
        for c in &r.comparisons {
            let _ = writeln!(out, "| {} vs {} | {} | {} / {} | {:.4} / {:.4} | {:.2} | {:.4} | {} |", c.a, c.b, c.origins, c.n_a, c.n_b, c.median_a, c.median_b, c.z, c.p_value, c.verdict);
        }
    }
    let _ = write!(out, "\n## Error per origin\n\n| arm | origin | window | source | series | {m} | bias | band |\n|---|---|---|---|---:|---:|---:|---|\n");
    for o in &r.origins {
        let flag = if o.outside_band { "above" } else { "in" };
        let _ = writeln!(out, "| {} | {} | {}..{} | {} | {} | {} | {} | {flag} |", o.arm, o.origin, o.window[0], o.window[1], o.source, o.series, num(o.error, 4), pct(o.bias));
    }
    if r.pending > 0 {
        let _ = writeln!(out, "\n{} logged forecasts wait for actuals that do not cover their window yet.", r.pending);
    }
    for n in &r.notes {
        let _ = write!(out, "\n- {n}");
    }
    out.push('\n');
    out
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #d8dee4;padding:.25rem .5rem;text-align:right}th:first-child,td:first-child,td:nth-child(2){text-align:left}thead{background:#f3f5f8}tr.alarm,li.alarm{background:#ffebe9}svg text{font-size:11px}";
const COLOURS: [&str; 6] = ["#4e79a7", "#e15759", "#59a14f", "#f28e2b", "#76b7b2", "#b07aa1"];

/// The error of every arm at every origin, with each arm's band as a dashed line.
fn error_plot(r: &MonitorRecord) -> String {
    let (w, h, pad) = (640.0, 260.0, 40.0);
    let mut origins: Vec<&str> = r.origins.iter().map(|o| o.origin.as_str()).collect();
    origins.sort_unstable();
    origins.dedup();
    let values: Vec<f64> = r.origins.iter().filter_map(|o| o.error).chain(r.arms.iter().filter_map(|a| a.band_upper)).filter(|v| v.is_finite()).collect();
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let (lo, hi) = if lo.is_finite() { (lo.min(0.0), hi) } else { (0.0, 1.0) };
    let n = origins.len().max(2);
    let x = |o: usize| pad + (w - 2.0 * pad) * o as f64 / (n - 1) as f64;
    let y = |v: f64| if hi > lo { h - pad - (h - 2.0 * pad) * (v - lo) / (hi - lo) } else { h / 2.0 };
    let mut out = format!("<svg class=\"plot\" data-plot=\"errors\" role=\"img\" aria-label=\"error per origin\" viewBox=\"0 0 {w} {}\" width=\"{w}\">", h + 20.0 * r.arms.len() as f64);
    let step = origins.len().div_ceil(8).max(1);
    for (k, label) in origins.iter().enumerate().step_by(step) {
        let _ = write!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>", x(k), h - pad + 16.0, escape(label));
    }
    let _ = write!(out, "<text x=\"4\" y=\"{:.1}\">{:.3}</text><text x=\"4\" y=\"{:.1}\">{:.3}</text>", y(hi) + 4.0, hi, y(lo) + 4.0, lo);
    for (k, a) in r.arms.iter().enumerate() {
        let c = COLOURS[k % COLOURS.len()];
        let pts: Vec<String> = r
            .origins
            .iter()
            .filter(|o| o.arm == a.arm && o.bundle_id == a.bundle_id)
            .filter_map(|o| o.error.filter(|v| v.is_finite()).and_then(|v| origins.iter().position(|p| *p == o.origin).map(|i| format!("{:.1},{:.1}", x(i), y(v)))))
            .collect();
        let _ = write!(out, "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>", pts.join(" "));
        if let Some(b) = a.band_upper.filter(|b| b.is_finite()) {
            let _ = write!(out, "<line x1=\"{pad}\" x2=\"{:.1}\" y1=\"{:.1}\" y2=\"{:.1}\" stroke=\"{c}\" stroke-dasharray=\"4 3\"/>", w - pad, y(b), y(b));
        }
        let _ = write!(out, "<text x=\"{pad}\" y=\"{:.1}\" fill=\"{c}\">{} (bundle {}; dashed: band upper end)</text>", h + 14.0 + 20.0 * k as f64, escape(&a.arm), escape(short(&a.bundle_id)));
    }
    out += "</svg>";
    out
}

/// `monitor.html`: one self-contained page.
pub fn to_html(r: &MonitorRecord) -> String {
    let title = escape(&r.title);
    let m = escape(&r.metric.to_uppercase());
    let mut out = format!("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n");
    if r.alarms.is_empty() {
        out += "<p id=\"alarms\">No alarm.</p>\n";
    } else {
        out += "<h2>Alarms</h2>\n<ul id=\"alarms\">\n";
        for a in &r.alarms {
            let _ = writeln!(out, "<li class=\"alarm\"><b>{}</b> ({}, bundle {}): {}</li>", escape(&a.arm), escape(&a.kind), escape(short(&a.bundle_id)), escape(&a.message));
        }
        out += "</ul>\n";
    }
    out += &error_plot(r);
    let _ = write!(
        out,
        "<h2>Arms</h2>\n<table>\n<thead><tr><th>arm</th><th>bundle</th><th>model</th><th>origins</th><th>series</th><th>mean {m}</th><th>rolling {m}</th><th>rolling bias</th><th>backtest</th><th>band upper</th></tr></thead>\n<tbody>\n"
    );
    for a in &r.arms {
        let alarm = r.alarms.iter().any(|x| x.arm == a.arm && x.bundle_id == a.bundle_id);
        let _ = writeln!(
            out,
            "<tr{}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if alarm { " class=\"alarm\"" } else { "" },
            escape(&a.arm),
            escape(short(&a.bundle_id)),
            escape(&a.model),
            a.origins,
            a.series,
            num(a.mean_error, 4),
            num(a.rolling_error, 4),
            pct(a.rolling_bias),
            num(a.backtest, 4),
            num(a.band_upper, 4)
        );
    }
    out += "</tbody>\n</table>\n";
    if !r.comparisons.is_empty() {
        out += "<h2>Arm against arm</h2>\n<table>\n<thead><tr><th>arms</th><th>origins</th><th>series</th><th>median error</th><th>z</th><th>p</th><th>verdict</th></tr></thead>\n<tbody>\n";
        for c in &r.comparisons {
            let _ = writeln!(
                out,
                "<tr><td>{} vs {}</td><td>{}</td><td>{} / {}</td><td>{:.4} / {:.4}</td><td>{:.2}</td><td>{:.4}</td><td>{}</td></tr>",
                escape(&c.a),
                escape(&c.b),
                c.origins,
                c.n_a,
                c.n_b,
                c.median_a,
                c.median_b,
                c.z,
                c.p_value,
                escape(&c.verdict)
            );
        }
        out += "</tbody>\n</table>\n";
    }
    let _ = write!(out, "<h2>Error per origin</h2>\n<table>\n<thead><tr><th>arm</th><th>origin</th><th>window</th><th>source</th><th>series</th><th>{m}</th><th>bias</th></tr></thead>\n<tbody>\n");
    for o in &r.origins {
        let _ = writeln!(
            out,
            "<tr{}><td>{}</td><td>{}</td><td>{}..{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if o.outside_band { " class=\"alarm\"" } else { "" },
            escape(&o.arm),
            escape(&o.origin),
            escape(&o.window[0]),
            escape(&o.window[1]),
            escape(&o.source),
            o.series,
            num(o.error, 4),
            pct(o.bias)
        );
    }
    out += "</tbody>\n</table>\n<ul>\n";
    if r.pending > 0 {
        let _ = writeln!(out, "<li>{} logged forecasts wait for actuals that do not cover their window yet.</li>", r.pending);
    }
    for n in &r.notes {
        let _ = writeln!(out, "<li>{}</li>", escape(n));
    }
    out += "</ul>\n</body>\n</html>\n";
    out
}
