//! The out-of-sample report of the AutoML itself (`tsforge evaluate`): the whole run
//! repeated at several earlier forecast origins, each scored on the window after it,
//! with the submission next to fixed policies (each single model, the best model in
//! hindsight, simple averages, the previous origin's winner). Rendered from an
//! [`EvaluationRecord`] only, as `evaluate.md` and one self-contained `evaluate.html`;
//! `evaluate.json` is the record itself.
//!
//! ```
//! use tsforge_report::evaluation::{EvaluationRecord, PolicyRecord};
//!
//! let record = EvaluationRecord {
//!     title: "demo".into(),
//!     metric: "wrmsse".into(),
//!     origins: vec!["d_1857".into(), "d_1885".into()],
//!     policies: vec![
//!         PolicyRecord::new("submission", "AutoML", vec![Some(0.61), Some(0.64)]),
//!         PolicyRecord::new("SeasonalNaive", "model", vec![Some(0.85), Some(0.80)]),
//!     ],
//!     ..EvaluationRecord::default()
//! };
//! let record = record.ranked();
//! assert_eq!(record.policies[0].mean_rank, 1.0);
//! assert!(tsforge_report::evaluation::to_markdown(&record).contains("| submission"));
//! assert!(tsforge_report::evaluation::to_html(&record).contains(r#"data-plot="origins""#));
//! ```

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::escape::escape;

/// Everything the evaluation report shows; `evaluate.json` is this record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct EvaluationRecord {
    pub title: String,
    #[serde(default)]
    pub data: String,
    /// "wrmsse" (M5 data) or "mase" (long format).
    pub metric: String,
    #[serde(default)]
    pub horizon: usize,
    /// Each origin's last training period (`d_1885` on M5 data), earliest first.
    pub origins: Vec<String>,
    /// Each origin's scored window, first and last label.
    #[serde(default)]
    pub windows: Vec<[String; 2]>,
    /// Which model the AutoML submitted at each origin.
    #[serde(default)]
    pub submitted: Vec<String>,
    /// The best single model in hindsight at each origin.
    #[serde(default)]
    pub hindsight: Vec<String>,
    /// Seconds each origin's run took.
    #[serde(default)]
    pub seconds: Vec<f64>,
    /// Policies, best mean score first after [`ranked`](EvaluationRecord::ranked).
    pub policies: Vec<PolicyRecord>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One way of choosing a forecast at every origin, and how it scored.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PolicyRecord {
    pub name: String,
    /// `AutoML` (the submission), `oracle` (best in hindsight), `model`, `search`,
    /// `average`, `previous winner`.
    pub kind: String,
    /// The score at each origin (`None`: the policy had no forecast there).
    pub scores: Vec<Option<f64>>,
    /// Mean over the origins where it scored.
    pub mean: f64,
    /// Mean rank among the policies (the oracle aside) over the origins where it scored.
    pub mean_rank: f64,
    /// Mean of (score − the best single model's score in hindsight).
    pub regret: f64,
    /// Origins where it was the best policy (the oracle aside).
    pub wins: usize,
}

impl PolicyRecord {
    pub fn new(name: impl Into<String>, kind: impl Into<String>, scores: Vec<Option<f64>>) -> PolicyRecord {
        PolicyRecord { name: name.into(), kind: kind.into(), scores, ..PolicyRecord::default() }
    }
}

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    if n == 0 { f64::NAN } else { s / n as f64 }
}

impl EvaluationRecord {
    /// Fills every policy's mean, mean rank, regret and wins, and orders the policies by
    /// mean score (ties by name).
    pub fn ranked(mut self) -> EvaluationRecord {
        let k = self.origins.len();
        let oracle: Vec<Option<f64>> = (0..k).map(|o| self.policies.iter().find(|p| p.kind == "oracle").and_then(|p| p.scores.get(o).copied().flatten())).collect();
        let mut ranks: Vec<Vec<f64>> = vec![Vec::new(); self.policies.len()];
        let mut wins = vec![0usize; self.policies.len()];
        for o in 0..k {
            let mut scored: Vec<(usize, f64)> = self.policies.iter().enumerate().filter(|(_, p)| p.kind != "oracle").filter_map(|(i, p)| Some((i, p.scores.get(o).copied().flatten()?))).collect();
            scored.sort_by(|a, b| a.1.total_cmp(&b.1));
            for (pos, &(i, s)) in scored.iter().enumerate() {
                // ties share the mean of their positions
                let tied: Vec<usize> = scored.iter().enumerate().filter(|(_, x)| x.1 == s).map(|(j, _)| j + 1).collect();
                ranks[i].push(mean(tied.iter().map(|&r| r as f64)));
                if pos == 0 || s == scored[0].1 {
                    wins[i] += 1;
                }
            }
        }
        for (i, p) in self.policies.iter_mut().enumerate() {
            p.mean = mean(p.scores.iter().flatten().copied());
            p.mean_rank = mean(ranks[i].iter().copied());
            p.regret = mean(p.scores.iter().zip(&oracle).filter_map(|(s, b)| Some(s.as_ref()? - b.as_ref()?)));
            p.wins = wins[i];
        }
        self.policies.sort_by(|a, b| a.mean.total_cmp(&b.mean).then_with(|| a.name.cmp(&b.name)));
        self
    }
}

fn num(v: f64, d: usize) -> String {
    if v.is_finite() { format!("{v:.d$}") } else { "-".into() }
}

/// `evaluate.md`: the policy table (mean, rank, regret, wins, one column per origin)
/// and what was submitted at each origin.
pub fn to_markdown(r: &EvaluationRecord) -> String {
    let m = r.metric.to_uppercase();
    let mut out = format!("# {}\n\n", r.title);
    let _ = writeln!(out, "{} origins, each scored on the {} periods after it. Lower is better; rank and wins leave the oracle (best single model in hindsight) aside.\n", r.origins.len(), r.horizon);
    let _ = write!(out, "| policy | kind | mean {m} | mean rank | regret | wins |");
    for o in &r.origins {
        let _ = write!(out, " {o} |");
    }
    out += "\n|---|---|---:|---:|---:|---:|";
    out += &"---:|".repeat(r.origins.len());
    out.push('\n');
    for p in &r.policies {
        let _ = write!(out, "| {} | {} | {} | {} | {} | {} |", p.name.replace('|', "\\|"), p.kind, num(p.mean, 4), num(p.mean_rank, 2), num(p.regret, 4), p.wins);
        for s in &p.scores {
            let _ = write!(out, " {} |", s.map_or_else(|| "-".into(), |v| num(v, 4)));
        }
        out.push('\n');
    }
    out += "\n| origin | scored window | submitted | best in hindsight | run s |\n|---|---|---|---|---:|\n";
    for (o, origin) in r.origins.iter().enumerate() {
        let window = r.windows.get(o).map(|w| format!("{}..{}", w[0], w[1])).unwrap_or_default();
        let get = |v: &[String]| v.get(o).cloned().unwrap_or_default();
        let _ = writeln!(out, "| {origin} | {window} | {} | {} | {} |", get(&r.submitted), get(&r.hindsight), r.seconds.get(o).map_or_else(|| "-".into(), |s| format!("{s:.0}")));
    }
    for n in &r.notes {
        let _ = write!(out, "\n- {n}");
    }
    out.push('\n');
    out
}

const CSS: &str = "body{font-family:system-ui,sans-serif;margin:2rem;color:#1f2328}table{border-collapse:collapse;margin:1rem 0}th,td{border:1px solid #d8dee4;padding:.25rem .5rem;text-align:right}th:first-child,td:first-child,td:nth-child(2){text-align:left}thead{background:#f3f5f8}tr.automl{background:#fff8e1}svg text{font-size:11px}";

/// Colours of the drawn policies.
const COLOURS: [&str; 6] = ["#e15759", "#4e79a7", "#59a14f", "#f28e2b", "#76b7b2", "#b07aa1"];

/// The score of the submission, the oracle and the best few policies at every origin.
fn origins_plot(r: &EvaluationRecord) -> String {
    let (w, h, pad) = (640.0, 260.0, 40.0);
    let mut drawn: Vec<&PolicyRecord> = r.policies.iter().filter(|p| p.kind == "AutoML" || p.kind == "oracle").collect();
    drawn.extend(r.policies.iter().filter(|p| p.kind != "AutoML" && p.kind != "oracle").take(COLOURS.len() - drawn.len()));
    let values: Vec<f64> = drawn.iter().flat_map(|p| p.scores.iter().flatten().copied()).filter(|v| v.is_finite()).collect();
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), &v| (a.min(v), b.max(v)));
    let n = r.origins.len().max(2);
    let x = |o: usize| pad + (w - 2.0 * pad) * o as f64 / (n - 1) as f64;
    let y = |v: f64| if hi > lo { h - pad - (h - 2.0 * pad) * (v - lo) / (hi - lo) } else { h / 2.0 };
    let mut out = format!("<svg class=\"plot\" data-plot=\"origins\" role=\"img\" aria-label=\"score per origin\" viewBox=\"0 0 {w} {}\" width=\"{w}\">", h + 20.0 * drawn.len() as f64);
    for (o, label) in r.origins.iter().enumerate() {
        let _ = write!(out, "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>", x(o), h - pad + 16.0, escape(label));
    }
    if lo.is_finite() {
        let _ = write!(out, "<text x=\"4\" y=\"{:.1}\">{}</text><text x=\"4\" y=\"{:.1}\">{}</text>", y(hi) + 4.0, num(hi, 3), y(lo) + 4.0, num(lo, 3));
    }
    for (k, p) in drawn.iter().enumerate() {
        let c = COLOURS[k % COLOURS.len()];
        let pts: Vec<String> = p.scores.iter().enumerate().filter_map(|(o, s)| s.filter(|v| v.is_finite()).map(|v| format!("{:.1},{:.1}", x(o), y(v)))).collect();
        let _ = write!(out, "<polyline fill=\"none\" stroke=\"{c}\" stroke-width=\"2\" points=\"{}\"/>", pts.join(" "));
        let _ = write!(out, "<text x=\"{pad}\" y=\"{:.1}\" fill=\"{c}\">{} ({})</text>", h + 14.0 + 20.0 * k as f64, escape(&p.name), escape(&p.kind));
    }
    out += "</svg>";
    out
}

/// `evaluate.html`: one self-contained page, the table and a plot of the scores per origin.
pub fn to_html(r: &EvaluationRecord) -> String {
    let title = escape(&r.title);
    let mut out = format!("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<h1>{title}</h1>\n");
    let m = escape(&r.metric.to_uppercase());
    out += &origins_plot(r);
    let _ = write!(out, "<table>\n<thead><tr><th>policy</th><th>kind</th><th>mean {m}</th><th>mean rank</th><th>regret</th><th>wins</th>");
    for o in &r.origins {
        let _ = write!(out, "<th>{}</th>", escape(o));
    }
    out += "</tr></thead>\n<tbody>\n";
    for p in &r.policies {
        let class = if p.kind == "AutoML" { " class=\"automl\"" } else { "" };
        let _ = write!(
            out,
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td>",
            escape(&p.name),
            escape(&p.kind),
            num(p.mean, 4),
            num(p.mean_rank, 2),
            num(p.regret, 4),
            p.wins
        );
        for s in &p.scores {
            let _ = write!(out, "<td>{}</td>", s.map_or_else(|| "-".into(), |v| num(v, 4)));
        }
        out += "</tr>\n";
    }
    out += "</tbody>\n</table>\n<ul>\n";
    for n in &r.notes {
        let _ = writeln!(out, "<li>{}</li>", escape(n));
    }
    out += "</ul>\n</body>\n</html>\n";
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranks_regret_and_wins_leave_the_oracle_aside() {
        let r = EvaluationRecord {
            origins: vec!["a".into(), "b".into()],
            policies: vec![
                PolicyRecord::new("oracle", "oracle", vec![Some(0.5), Some(0.4)]),
                PolicyRecord::new("x", "model", vec![Some(0.6), Some(0.4)]),
                PolicyRecord::new("y", "model", vec![Some(0.5), Some(0.5)]),
                PolicyRecord::new("z", "model", vec![None, Some(0.45)]),
            ],
            ..EvaluationRecord::default()
        }
        .ranked();
        let get = |n: &str| r.policies.iter().find(|p| p.name == n).cloned().unwrap_or_default();
        let (x, y, z) = (get("x"), get("y"), get("z"));
        assert_eq!((x.mean_rank, x.wins), (1.5, 1));
        assert_eq!((y.mean_rank, y.wins), (2.0, 1));
        assert_eq!((z.mean_rank, z.wins, z.mean), (2.0, 0, 0.45));
        assert!((x.regret - 0.05).abs() < 1e-12 && (y.regret - 0.05).abs() < 1e-12 && (z.regret - 0.05).abs() < 1e-12);
        assert_eq!(r.policies[0].name, "oracle");
    }
}
