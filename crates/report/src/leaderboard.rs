//! The leaderboard of a run: one row per model, written as CSV, Markdown, JSON and a
//! terminal table. Columns are only ever appended (scripts read them by name).

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::scores::{Scores, Uncertainty};

/// One member of an ensemble and its weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Member {
    pub alias: String,
    pub weight: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Row {
    pub rank: usize,
    pub alias: String,
    pub family: String,
    pub scores: Scores,
    /// Score on the backtest window right before the forecast origin (selection score);
    /// with several windows, their mean.
    pub valid: Option<f64>,
    /// The score of each backtest window, the latest first (one window: empty).
    #[serde(default)]
    pub valid_windows: Vec<f64>,
    pub fit_seconds: f64,
    pub predict_seconds: f64,
    /// The model forecast inside its fit (global models forecast every series while their
    /// training state is at hand): `fit_seconds` covers both, `predict_seconds` only the
    /// hand-over.
    #[serde(default)]
    pub forecast_in_fit: bool,
    /// The model whose forecast became submission.csv.
    pub selected: bool,
    pub note: String,
    /// Key hyperparameters (searched ones for trials), as text.
    #[serde(default)]
    pub params: BTreeMap<String, String>,
    /// Learned parameters, where the model reports them.
    #[serde(default)]
    pub n_params: Option<u64>,
    /// Seed the model was fitted with (None: no random choice in the model).
    #[serde(default)]
    pub seed: Option<u64>,
    /// For an ensemble: its members and weights.
    #[serde(default)]
    pub members: Vec<Member>,
    /// Its quantile forecasts' scores, where it has them.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uncertainty: Option<Uncertainty>,
}

/// Which metric heads the board: WRMSSE on M5 data, MASE on long-format data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Metric {
    Wrmsse,
    Mase,
}

impl Metric {
    pub fn name(self) -> &'static str {
        match self {
            Metric::Wrmsse => "wrmsse",
            Metric::Mase => "mase",
        }
    }

    pub fn of(self, s: &Scores) -> Option<f64> {
        match self {
            Metric::Wrmsse => s.wrmsse,
            Metric::Mase => s.mase,
        }
    }
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Leaderboard {
    pub metric: Metric,
    /// Whether the main scores come from held-out truth (false: no truth, only `valid`).
    pub scored: bool,
    pub rows: Vec<Row>,
}

fn num(v: Option<f64>) -> String {
    v.map(|x| format!("{x}")).unwrap_or_default()
}

impl Leaderboard {
    /// Orders rows by the main score (or the validation score when there is no truth),
    /// ties broken by alias, and numbers them.
    pub fn new(metric: Metric, scored: bool, mut rows: Vec<Row>) -> Leaderboard {
        let key = |r: &Row| (if scored { metric.of(&r.scores) } else { r.valid }).unwrap_or(f64::INFINITY);
        rows.sort_by(|a, b| key(a).total_cmp(&key(b)).then_with(|| a.alias.cmp(&b.alias)));
        for (k, r) in rows.iter_mut().enumerate() {
            r.rank = k + 1;
        }
        Leaderboard { metric, scored, rows }
    }

    fn n_levels(&self) -> usize {
        self.rows.iter().map(|r| r.scores.levels.len()).max().unwrap_or(0)
    }

    /// Levels of the widest WSPL breakdown (0: no row has quantiles).
    fn n_wspl_levels(&self) -> Option<usize> {
        self.rows.iter().filter_map(|r| r.uncertainty.as_ref()).map(|u| u.levels.len()).max()
    }

    pub fn to_csv(&self) -> String {
        let m = self.metric.name();
        let mut cols = vec!["rank".to_string(), "alias".into(), "family".into(), m.to_string()];
        cols.extend((1..=self.n_levels()).map(|l| format!("level_{l}")));
        cols.push(format!("valid_{m}"));
        let others: Vec<&str> = ["rmsse", "mase", "smape", "mae", "rmse", "bias"].into_iter().filter(|c| *c != m).collect();
        cols.extend(others.iter().map(|c| c.to_string()));
        cols.extend(["fit_seconds", "predict_seconds", "selected", "note", "params", "n_params", "seed", "members", "forecast_in_fit", "valid_sd", "valid_windows"].map(String::from));
        // quantile columns come last, and only where some model has quantiles
        let wspl_levels = self.n_wspl_levels();
        if let Some(k) = wspl_levels {
            cols.extend(["wspl".to_string(), "valid_wspl".into()]);
            cols.extend((1..=k).map(|l| format!("wspl_level_{l}")));
            cols.extend(["coverage_0.025".to_string(), "coverage_0.975".into()]);
        }
        let mut out = cols.join(",") + "\n";
        for r in &self.rows {
            let s = &r.scores;
            let mut cells = vec![r.rank.to_string(), r.alias.clone(), r.family.clone(), num(self.metric.of(s))];
            // rows may carry fewer levels than others (a hand-edited record): pad the gaps
            cells.extend((0..self.n_levels()).map(|l| num(s.levels.get(l).copied())));
            cells.push(num(r.valid));
            for c in &others {
                cells.push(num(match *c {
                    "rmsse" => s.rmsse,
                    "mase" => s.mase,
                    "smape" => s.smape,
                    "mae" => s.mae,
                    "rmse" => s.rmse,
                    _ => s.bias,
                }));
            }
            cells.extend([format!("{:.3}", r.fit_seconds), format!("{:.3}", r.predict_seconds), r.selected.to_string(), csv_text(&r.note)]);
            cells.push(csv_text(&r.params_text()));
            cells.push(r.n_params.map(|n| n.to_string()).unwrap_or_default());
            cells.push(r.seed.map(|n| n.to_string()).unwrap_or_default());
            cells.push(csv_text(&r.members_text()));
            cells.push(r.forecast_in_fit.to_string());
            cells.push(num(r.valid_sd()));
            cells.push(r.valid_windows.iter().map(|v| format!("{v}")).collect::<Vec<_>>().join(" "));
            if let Some(k) = wspl_levels {
                let u = r.uncertainty.clone().unwrap_or_default();
                cells.extend([num(u.wspl), num(u.valid_wspl)]);
                cells.extend((0..k).map(|l| num(u.levels.get(l).copied())));
                cells.extend([num(u.coverage_025), num(u.coverage_975)]);
            }
            let _ = writeln!(out, "{}", cells.join(","));
        }
        out
    }

    pub fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self).unwrap_or(serde_json::Value::Null)
    }

    /// Table for people: Markdown, or aligned plain text for the terminal.
    fn table(&self, markdown: bool) -> String {
        let m = self.metric.name().to_uppercase();
        let mut head = vec!["rank".to_string(), "model".into(), "family".into(), m.clone(), format!("valid {m}")];
        head.extend((1..=self.n_levels()).map(|l| format!("L{l}")));
        head.push("sMAPE".into());
        let wspl = self.n_wspl_levels().is_some();
        if wspl {
            head.push(if self.scored { "WSPL".into() } else { "valid WSPL".into() });
        }
        head.extend(["fit s".into(), "size".into()]);
        let body: Vec<Vec<String>> = self
            .rows
            .iter()
            .map(|r| {
                let f = |v: Option<f64>, d: usize| v.map(|x| format!("{x:.d$}")).unwrap_or_else(|| "-".into());
                let alias = if r.selected { format!("{} *", r.alias) } else { r.alias.clone() };
                let valid = match r.valid_sd() {
                    Some(sd) => format!("{} ±{sd:.3}", f(r.valid, 4)),
                    None => f(r.valid, 4),
                };
                let mut row = vec![r.rank.to_string(), alias, r.family.clone(), f(self.metric.of(&r.scores), 4), valid];
                row.extend((0..self.n_levels()).map(|l| f(r.scores.levels.get(l).copied(), 3)));
                let fit = if r.forecast_in_fit { format!("{:.2}†", r.fit_seconds) } else { format!("{:.2}", r.fit_seconds) };
                row.push(f(r.scores.smape, 2));
                if wspl {
                    row.push(f(r.uncertainty.as_ref().and_then(|u| if self.scored { u.wspl } else { u.valid_wspl }), 4));
                }
                row.extend([fit, r.n_params.map(compact).unwrap_or_else(|| "-".into())]);
                row
            })
            .collect();
        let widths: Vec<usize> = (0..head.len()).map(|c| body.iter().map(|r| r[c].chars().count()).chain([head[c].len()]).max().unwrap_or(0)).collect();
        let line = |cells: &[String]| -> String {
            let padded: Vec<String> = cells.iter().zip(&widths).enumerate().map(|(c, (v, w))| if c < 3 { format!("{v:<w$}") } else { format!("{v:>w$}") }).collect();
            if markdown { format!("| {} |", padded.join(" | ")) } else { padded.join("  ") }
        };
        let mut out = line(&head) + "\n";
        if markdown {
            let rule: Vec<String> = widths.iter().enumerate().map(|(c, w)| if c < 3 { "-".repeat(*w) } else { format!("{}:", "-".repeat(w.saturating_sub(1))) }).collect();
            out += &format!("| {} |\n", rule.join(" | "));
        }
        for r in &body {
            out += &line(r);
            out.push('\n');
        }
        out
    }

    pub fn to_terminal(&self) -> String {
        self.table(false)
    }

    pub fn to_markdown(&self, title: &str, notes: &[String]) -> String {
        let mut out = format!("# {title}\n\n{}\n", self.table(true));
        out += "\n`*` marks the model behind submission.csv (best validation score). ";
        out += "L1..L12: per-level scores (total, state, store, cat, dept, state×cat, state×dept, store×cat, store×dept, item, item×state, item×store). ";
        out += "`†`: the model forecasts inside its fit (fit s covers fit and forecast).\n";
        let detailed: Vec<&Row> = self.rows.iter().filter(|r| !r.params.is_empty() || !r.members.is_empty()).collect();
        if !detailed.is_empty() {
            out += "\n| model | hyperparameters / members | seed |\n|---|---|---:|\n";
            for r in detailed {
                let what = if r.members.is_empty() { r.params_text() } else { r.members_text() };
                out += &format!("| {} | {} | {} |\n", r.alias, what.replace('|', "\\|"), r.seed.map(|s| s.to_string()).unwrap_or_else(|| "-".into()));
            }
        }
        for n in notes {
            out += &format!("\n- {n}");
        }
        out.push('\n');
        out
    }
}

impl Row {
    /// Standard deviation of the backtest score over the windows (`None` with one window).
    pub fn valid_sd(&self) -> Option<f64> {
        let w = &self.valid_windows;
        if w.len() < 2 || w.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let mean = w.iter().sum::<f64>() / w.len() as f64;
        Some((w.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (w.len() - 1) as f64).sqrt())
    }

    /// `key=value` pairs separated by spaces.
    pub fn params_text(&self) -> String {
        self.params.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join(" ")
    }

    /// `alias:weight` pairs separated by spaces, heaviest first as stored.
    pub fn members_text(&self) -> String {
        self.members.iter().map(|m| format!("{}:{:.3}", m.alias, m.weight)).collect::<Vec<_>>().join(" ")
    }
}

/// 33404 → "33.4k", 1234567 → "1.23M".
pub fn compact(n: u64) -> String {
    match n {
        0..1_000 => n.to_string(),
        1_000..1_000_000 => format!("{:.1}k", n as f64 / 1e3),
        _ => format!("{:.2}M", n as f64 / 1e6),
    }
}

fn csv_text(s: &str) -> String {
    if s.contains([',', '"', '\n']) { format!("\"{}\"", s.replace('"', "\"\"")) } else { s.to_string() }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_with_missing_levels_are_padded() {
        let mut full = Row { alias: "a".into(), ..Row::default() };
        full.scores.levels = vec![0.5; 12];
        let board = Leaderboard::new(Metric::Wrmsse, true, vec![full, Row { alias: "b".into(), ..Row::default() }]);
        let csv = board.to_csv();
        let widths: Vec<usize> = csv.lines().map(|l| l.split(',').count()).collect();
        assert!(widths.iter().all(|&w| w == widths[0]), "{widths:?}");
        assert_eq!(board.to_terminal().lines().count(), 3);
        assert!(board.to_markdown("t", &[]).contains("| b"));
    }
}
