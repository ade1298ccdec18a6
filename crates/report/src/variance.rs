//! The seed-variance report (`tsforge variance`): how much every score of the top
//! configurations of a run moves when only the random seed changes. Rendered from a
//! [`VarianceRecord`] only, as `variance.md` and one self-contained `variance.html`
//! (inline CSS, hand-written SVG plots: a strip/box plot of the score per configuration
//! across seeds and a rank heatmap configurations × seeds); `variance.json` is the
//! record itself. Same record → same bytes: nothing here reads the clock.
//!
//! Non-finite numbers (an undefined relative spread, an infinite t statistic) are
//! written as JSON `null` and read back as NaN.
//!
//! ```
//! use tsforge_report::variance::{ConfigRecord, SummaryRecord, VarianceRecord};
//!
//! let config = |alias: &str, v: Vec<f64>| ConfigRecord {
//!     alias: alias.into(),
//!     summaries: vec![SummaryRecord::of(&v)],
//!     scores: vec![v],
//!     ..ConfigRecord::default()
//! };
//! let record = VarianceRecord {
//!     title: "demo".into(),
//!     metric: "wrmsse".into(),
//!     score_names: vec!["wrmsse".into()],
//!     seeds: vec![0, 1, 2],
//!     configs: vec![config("gbdt-t3", vec![0.61, 0.63, 0.62]), config("SeasonalNaive", vec![0.85; 3])],
//!     ..VarianceRecord::default()
//! };
//! let html = tsforge_report::variance::to_html(&record);
//! assert!(html.contains(r#"data-plot="seed-strip""#) && html.contains(r#"data-plot="rank-heatmap""#));
//! assert!(tsforge_report::variance::to_markdown(&record, &[]).contains("| SeasonalNaive"));
//! ```

use std::fmt::Write as _;

use crate::escape::escape;
use serde::{Deserialize, Deserializer, Serialize};

/// Everything the variance report shows; `variance.json` is this record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct VarianceRecord {
    /// Heading, e.g. "tsforge variance: quickstart (m5-tiny, validation phase)".
    pub title: String,
    /// The data the run used (dataset name or path as given).
    #[serde(default)]
    pub data: String,
    /// Main metric: "wrmsse" (M5 data) or "mase" (long format).
    pub metric: String,
    /// What each row of [`ConfigRecord::scores`] holds: the metric, then on M5 data
    /// `level_1` … `level_12`.
    pub score_names: Vec<String>,
    /// Seeds, in the order of every per-seed vector.
    pub seeds: Vec<u64>,
    /// K of `--top K`.
    #[serde(default)]
    pub top: usize,
    /// Scored window, first and last label.
    #[serde(default)]
    pub window: Vec<String>,
    /// Configurations, best mean score first.
    pub configs: Vec<ConfigRecord>,
    /// `pairwise[a][b]`: share of seeds in which configuration `a` scores lower than `b`
    /// (ties one half), indices as in `configs`.
    #[serde(default)]
    pub pairwise: Vec<Vec<f64>>,
    #[serde(default)]
    pub winners: WinnersRecord,
    /// Each configuration against the next one in `configs`.
    #[serde(default)]
    pub adjacent: Vec<PairRecord>,
    #[serde(default)]
    pub bootstrap: BootstrapSpec,
    /// Probabilities of the quantiles in every [`GroupQuantiles`].
    #[serde(default, deserialize_with = "nums")]
    pub quantile_probs: Vec<f64>,
    /// The stress strata of the scored cells, in the order of [`ConfigRecord::strata`].
    #[serde(default)]
    pub strata: Vec<StratumInfo>,
    /// Plain-language verdict, one sentence each.
    #[serde(default)]
    pub verdict: Vec<String>,
    #[serde(default)]
    pub notes: Vec<String>,
}

/// One configuration refitted under every seed.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct ConfigRecord {
    pub alias: String,
    #[serde(default)]
    pub family: String,
    /// Why it is here: "top 1" …, "ensemble", "ensemble member".
    #[serde(default)]
    pub role: String,
    /// Whether the model makes random choices (takes a seed) at all.
    #[serde(default)]
    pub seeded: bool,
    /// The run's backtest and scored-window scores of this configuration.
    #[serde(default, deserialize_with = "opt_num")]
    pub run_valid: Option<f64>,
    #[serde(default, deserialize_with = "opt_num")]
    pub run_score: Option<f64>,
    /// For the ensemble: members and weights (alias, weight).
    #[serde(default)]
    pub members: Vec<(String, f64)>,
    /// `scores[k][s]`: score `score_names[k]` under seed `seeds[s]`.
    #[serde(deserialize_with = "nums2")]
    pub scores: Vec<Vec<f64>>,
    /// One summary per score name.
    pub summaries: Vec<SummaryRecord>,
    /// Rank by the main metric in each seed (1 = best).
    #[serde(default)]
    pub ranks: Vec<usize>,
    /// Whether every seed gave a bit-identical forecast.
    #[serde(default)]
    pub identical_forecasts: bool,
    #[serde(default)]
    pub bottom: BottomRecord,
    #[serde(default)]
    pub disagreement: DisagreementRecord,
    /// One entry per stratum of [`VarianceRecord::strata`].
    #[serde(default)]
    pub strata: Vec<StratumStat>,
}

/// Spread of one score across seeds (see `tsforge_automl::variance::Summary`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct SummaryRecord {
    pub n: usize,
    #[serde(deserialize_with = "num")]
    pub mean: f64,
    /// Sample standard deviation (n − 1).
    #[serde(deserialize_with = "num")]
    pub std: f64,
    #[serde(deserialize_with = "num")]
    pub min: f64,
    #[serde(deserialize_with = "num")]
    pub max: f64,
    #[serde(deserialize_with = "num")]
    pub q1: f64,
    #[serde(deserialize_with = "num")]
    pub median: f64,
    #[serde(deserialize_with = "num")]
    pub q3: f64,
    #[serde(deserialize_with = "num")]
    pub iqr: f64,
    /// `(max − min) / mean`.
    #[serde(deserialize_with = "num")]
    pub rel_spread: f64,
}

impl SummaryRecord {
    /// A plain summary of finite values (for examples and tests; the CLI converts the
    /// automl summary field by field).
    pub fn of(values: &[f64]) -> SummaryRecord {
        let mut s: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        s.sort_by(f64::total_cmp);
        let n = s.len();
        if n == 0 {
            return SummaryRecord { mean: f64::NAN, std: f64::NAN, min: f64::NAN, max: f64::NAN, q1: f64::NAN, median: f64::NAN, q3: f64::NAN, iqr: f64::NAN, rel_spread: f64::NAN, n };
        }
        let q = |p: f64| {
            let pos = p * (n - 1) as f64;
            let lo = pos.floor() as usize;
            s[lo] + (s[(lo + 1).min(n - 1)] - s[lo]) * (pos - lo as f64)
        };
        let mean = s.iter().sum::<f64>() / n as f64;
        let std = if n < 2 || s[0] == s[n - 1] { 0.0 } else { (s.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt() };
        let (min, max) = (s[0], s[n - 1]);
        SummaryRecord { n, mean, std, min, max, q1: q(0.25), median: q(0.5), q3: q(0.75), iqr: q(0.75) - q(0.25), rel_spread: if max == min { 0.0 } else { (max - min) / mean } }
    }
}

/// The bottom-level score per seed and its bootstrap interval over series.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BottomRecord {
    #[serde(default, deserialize_with = "nums")]
    pub per_seed: Vec<f64>,
    /// The statistic on the seed-mean per-series errors (equals the mean of `per_seed`).
    #[serde(default, deserialize_with = "num")]
    pub mean: f64,
    #[serde(default, deserialize_with = "num")]
    pub ci_low: f64,
    #[serde(default, deserialize_with = "num")]
    pub ci_high: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct BootstrapSpec {
    /// What is resampled, in words.
    pub statistic: String,
    pub resamples: usize,
    #[serde(deserialize_with = "num")]
    pub level: f64,
    pub seed: u64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct WinnersRecord {
    /// The best configuration of each seed.
    pub per_seed: Vec<String>,
    /// Seeds won, per configuration (alias, count), in `configs` order.
    pub wins: Vec<(String, usize)>,
    /// The configuration that won most seeds.
    pub modal: String,
    /// Seeds not won by the modal winner.
    pub changes: usize,
    /// Seeds whose winner differs from the previous seed's.
    pub switches: usize,
}

/// A configuration against the next one down.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct PairRecord {
    pub better: String,
    pub worse: String,
    pub n: usize,
    /// Mean and sample std over seeds of `worse − better`.
    #[serde(deserialize_with = "num")]
    pub mean_diff: f64,
    #[serde(deserialize_with = "num")]
    pub sd_diff: f64,
    #[serde(deserialize_with = "num")]
    pub t: f64,
    #[serde(deserialize_with = "num")]
    pub p: f64,
    /// Share of seeds the better one wins (ties one half).
    #[serde(deserialize_with = "num")]
    pub better_wins: f64,
    pub ranges_disjoint: bool,
    pub distinguishable: bool,
}

/// Forecast coefficient of variation across seeds, by group.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct DisagreementRecord {
    /// By Syntetos-Boylan class of the bottom series.
    pub by_class: Vec<GroupQuantiles>,
    /// By aggregation level (forecasts summed to each level first).
    pub by_level: Vec<GroupQuantiles>,
    /// The bottom series where seeds disagree most.
    pub top_series: Vec<SeriesCv>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct GroupQuantiles {
    pub group: String,
    pub count: usize,
    /// At [`VarianceRecord::quantile_probs`].
    #[serde(deserialize_with = "nums")]
    pub quantiles: Vec<f64>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct SeriesCv {
    pub id: String,
    pub class: String,
    #[serde(deserialize_with = "num")]
    pub cv: f64,
    /// Mean over seeds and horizon of the forecast.
    #[serde(deserialize_with = "num")]
    pub mean_forecast: f64,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StratumInfo {
    pub name: String,
    pub description: String,
    /// Scored cells (series × day) in the stratum.
    pub cells: usize,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct StratumStat {
    /// RMSE over the stratum's cells, across seeds.
    pub rmse: SummaryRecord,
    /// MAE over the stratum's cells, mean across seeds.
    #[serde(deserialize_with = "num")]
    pub mae_mean: f64,
    /// Mean over the stratum's cells of the forecast's standard deviation across seeds.
    #[serde(deserialize_with = "num")]
    pub forecast_sd: f64,
}

fn num<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

fn opt_num<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    Option::<f64>::deserialize(d)
}

fn nums<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    Ok(Vec::<Option<f64>>::deserialize(d)?.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect())
}

fn nums2<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Vec<f64>>, D::Error> {
    Ok(Vec::<Vec<Option<f64>>>::deserialize(d)?.into_iter().map(|r| r.into_iter().map(|v| v.unwrap_or(f64::NAN)).collect()).collect())
}

/// Short name of a score column: "WRMSSE", "L1" … "L12", "MASE".
pub fn score_label(name: &str) -> String {
    match name.strip_prefix("level_") {
        Some(l) => format!("L{l}"),
        None => name.to_uppercase(),
    }
}

fn f(v: f64, d: usize) -> String {
    if v.is_finite() {
        format!("{v:.d$}")
    } else if v.is_nan() {
        "–".into()
    } else if v > 0.0 {
        "∞".into()
    } else {
        "−∞".into()
    }
}

fn pct(v: f64) -> String {
    if v.is_finite() { format!("{:.1}%", v * 100.0) } else { "–".into() }
}

fn p_text(p: f64) -> String {
    if !p.is_finite() {
        "–".into()
    } else if p < 1e-4 {
        "<0.0001".into()
    } else {
        format!("{p:.4}")
    }
}

/// The main-metric summary of a configuration (NaN summary when absent).
fn main_summary(c: &ConfigRecord) -> SummaryRecord {
    c.summaries.first().copied().unwrap_or_else(|| SummaryRecord::of(&[]))
}

/// A Markdown table from a header and rows; columns after `left` are right-aligned.
fn md_table(head: &[String], rows: &[Vec<String>], left: usize) -> String {
    let esc = |s: &String| s.replace('|', "\\|");
    let mut out = format!("| {} |\n", head.iter().map(esc).collect::<Vec<_>>().join(" | "));
    out += &format!("|{}|\n", (0..head.len()).map(|c| if c < left { "---".to_string() } else { "---:".to_string() }).collect::<Vec<_>>().join("|"));
    for r in rows {
        out += &format!("| {} |\n", r.iter().map(esc).collect::<Vec<_>>().join(" | "));
    }
    out
}

/// The tables of the report, shared by Markdown and HTML: (section title, intro, header, rows, left-aligned columns).
struct Table {
    title: String,
    intro: String,
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    left: usize,
}

fn tables(r: &VarianceRecord) -> Vec<Table> {
    let m = score_label(&r.metric);
    let n = r.seeds.len();
    let mut out = Vec::new();

    // 1. the main metric across seeds
    let ci_name = if r.bootstrap.level > 0.0 { format!("bottom {:.0}% CI", r.bootstrap.level * 100.0) } else { "bottom CI".into() };
    let head: Vec<String> = ["configuration", "role", "mean", "std", "min", "max", "IQR", "rel. spread", "bottom-level", ci_name.as_str(), "run's score"].iter().map(|s| s.to_string()).collect();
    let rows = r
        .configs
        .iter()
        .map(|c| {
            let s = main_summary(c);
            vec![
                c.alias.clone(),
                c.role.clone(),
                f(s.mean, 4),
                f(s.std, 4),
                f(s.min, 4),
                f(s.max, 4),
                f(s.iqr, 4),
                pct(s.rel_spread),
                f(c.bottom.mean, 4),
                format!("{} – {}", f(c.bottom.ci_low, 4), f(c.bottom.ci_high, 4)),
                f(c.run_score.unwrap_or(f64::NAN), 4),
            ]
        })
        .collect();
    out.push(Table {
        title: format!("{m} across {n} seeds"),
        intro: format!(
            "Each configuration refitted on the same training data under seeds {}; only the seed changes. std: sample standard deviation; IQR: interquartile range (linear interpolation); rel. spread: (max − min) / mean. Bottom-level: {}; its interval is a percentile bootstrap over series ({} resamples, seed {}).",
            seed_text(&r.seeds),
            r.bootstrap.statistic,
            r.bootstrap.resamples,
            r.bootstrap.seed
        ),
        head,
        rows,
        left: 2,
    });

    // 2. every score (levels) as mean ± std
    if r.score_names.len() > 1 {
        // one row per configuration, one cell per score
        let per_score = |title: &str, intro: &str, cell: &dyn Fn(&SummaryRecord) -> String| {
            let mut head = vec!["configuration".to_string()];
            head.extend(r.score_names.iter().map(|s| score_label(s)));
            let rows = r
                .configs
                .iter()
                .map(|c| {
                    let mut row = vec![c.alias.clone()];
                    row.extend(c.summaries.iter().map(cell));
                    row
                })
                .collect();
            Table { title: title.into(), intro: intro.into(), head, rows, left: 1 }
        };
        out.push(per_score("Per level: mean ± std across seeds", "L1 total … L12 item×store.", &|s| format!("{} ± {}", f(s.mean, 3), f(s.std, 3))));
        out.push(per_score("Per level: relative spread (max − min) / mean", "", &|s| pct(s.rel_spread)));
    }

    // 3. ranks per seed
    let mut head = vec!["configuration".to_string()];
    head.extend(r.seeds.iter().map(|s| format!("seed {s}")));
    head.push("seeds won".into());
    let rows = r
        .configs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let mut row = vec![c.alias.clone()];
            row.extend(c.ranks.iter().map(|k| k.to_string()));
            row.push(r.winners.wins.get(i).map(|w| w.1.to_string()).unwrap_or_default());
            row
        })
        .collect();
    out.push(Table {
        title: "Rank stability".into(),
        intro: format!(
            "Rank by {m} in each seed (1 = best). The most frequent winner is {}; the winner differs from it in {} of {n} seeds and changes {} times from one seed to the next.",
            r.winners.modal, r.winners.changes, r.winners.switches
        ),
        head,
        rows,
        left: 1,
    });

    // 4. pairwise win shares
    if !r.pairwise.is_empty() {
        let mut head = vec!["row beats column".to_string()];
        head.extend(r.configs.iter().map(|c| c.alias.clone()));
        let rows = r
            .configs
            .iter()
            .enumerate()
            .map(|(a, c)| {
                let mut row = vec![c.alias.clone()];
                row.extend((0..r.configs.len()).map(|b| if a == b { "·".into() } else { pct(r.pairwise.get(a).and_then(|x| x.get(b)).copied().unwrap_or(f64::NAN)) }));
                row
            })
            .collect();
        out.push(Table { title: "Pairwise: share of seeds in which the row scores lower than the column".into(), intro: "Ties count one half.".into(), head, rows, left: 1 });
    }

    // 5. adjacent pairs
    if !r.adjacent.is_empty() {
        let head: Vec<String> = ["better", "worse", "mean gap", "sd of gap", "better wins", "min–max ranges", "paired t", "p", "verdict"].iter().map(|s| s.to_string()).collect();
        let rows = r
            .adjacent
            .iter()
            .map(|p| {
                vec![
                    p.better.clone(),
                    p.worse.clone(),
                    f(p.mean_diff, 4),
                    f(p.sd_diff, 4),
                    pct(p.better_wins),
                    if p.ranges_disjoint { "disjoint".into() } else { "overlap".into() },
                    f(p.t, 2),
                    p_text(p.p),
                    if p.distinguishable {
                        "beyond seed noise".into()
                    } else if p.p < 0.05 {
                        "borderline".into()
                    } else {
                        "within seed noise".into()
                    },
                ]
            })
            .collect();
        out.push(Table {
            title: "Neighbours: is the gap more than seed noise?".into(),
            intro: "Each configuration against the next one by mean score, paired by seed (gap = worse − better). Beyond seed noise: the min–max ranges are disjoint, or the better one wins at least 90% of the seeds with a paired t-test p < 0.05. Borderline: p < 0.05 but the worse one still wins more than 10% of the seeds.".into(),
            head,
            rows,
            left: 2,
        });
    }

    // 6. disagreement by class and level
    let qhead = |first: &str| -> Vec<String> {
        let mut h = vec!["configuration".to_string(), first.to_string(), "series".into()];
        h.extend(r.quantile_probs.iter().map(|p| {
            if *p == 0.0 {
                "min".into()
            } else if *p == 1.0 {
                "max".into()
            } else {
                format!("q{:.0}", p * 100.0)
            }
        }));
        h
    };
    for (title, pick, first) in [("Where seeds disagree: forecast CV by demand class", 0usize, "class"), ("Where seeds disagree: forecast CV by aggregation level", 1, "level")] {
        let rows: Vec<Vec<String>> = r
            .configs
            .iter()
            .filter(|c| !c.identical_forecasts)
            .flat_map(|c| {
                let groups = if pick == 0 { &c.disagreement.by_class } else { &c.disagreement.by_level };
                groups.iter().map(|g| {
                    let mut row = vec![c.alias.clone(), g.group.clone(), g.count.to_string()];
                    row.extend(g.quantiles.iter().map(|q| f(*q, 4)));
                    row
                })
            })
            .collect();
        if !rows.is_empty() {
            let intro = if pick == 0 {
                "Coefficient of variation across seeds of each series' forecast (mean over the horizon of std / mean; steps whose mean is ~0 are left out), its quantiles over the series of each Syntetos-Boylan class. Configurations with bit-identical forecasts are left out (CV 0)."
            } else {
                "The same after summing each seed's forecasts to every M5 aggregation level."
            };
            out.push(Table { title: title.into(), intro: intro.into(), head: qhead(first), rows, left: 2 });
        }
    }
    let rows: Vec<Vec<String>> = r
        .configs
        .iter()
        .filter(|c| !c.identical_forecasts)
        .flat_map(|c| c.disagreement.top_series.iter().enumerate().map(|(k, s)| vec![c.alias.clone(), (k + 1).to_string(), s.id.clone(), s.class.clone(), f(s.cv, 4), f(s.mean_forecast, 3)]))
        .collect();
    if !rows.is_empty() {
        let head: Vec<String> = ["configuration", "#", "series", "class", "forecast CV", "mean forecast"].iter().map(|s| s.to_string()).collect();
        out.push(Table { title: "Series where seeds disagree most".into(), intro: String::new(), head, rows, left: 4 });
    }

    // 7. strata
    if !r.strata.is_empty() {
        let head: Vec<String> =
            ["stratum", "cells", "configuration", "RMSE mean", "RMSE std", "RMSE min", "RMSE max", "rel. spread", "MAE mean", "forecast sd across seeds"].iter().map(|s| s.to_string()).collect();
        let mut rows = Vec::new();
        for (k, st) in r.strata.iter().enumerate() {
            for c in &r.configs {
                if let Some(x) = c.strata.get(k) {
                    rows.push(vec![
                        st.name.clone(),
                        st.cells.to_string(),
                        c.alias.clone(),
                        f(x.rmse.mean, 4),
                        f(x.rmse.std, 4),
                        f(x.rmse.min, 4),
                        f(x.rmse.max, 4),
                        pct(x.rmse.rel_spread),
                        f(x.mae_mean, 4),
                        f(x.forecast_sd, 4),
                    ]);
                }
            }
        }
        let desc: Vec<String> = r.strata.iter().map(|s| format!("{}: {}", s.name, s.description)).collect();
        out.push(Table {
            title: "Stress strata: where seed-equivalent models diverge".into(),
            intro: format!("The scored cells (series × day) split as in D'Amour et al. (2020). Error over each stratum's cells per seed; forecast sd: the mean over its cells of the forecast's standard deviation across seeds. {}.", desc.join("; ")),
            head,
            rows,
            left: 3,
        });
    }
    out
}

fn seed_text(seeds: &[u64]) -> String {
    let contiguous = seeds.windows(2).all(|w| w[1] == w[0] + 1);
    match (seeds.first(), seeds.last()) {
        (Some(a), Some(b)) if contiguous && seeds.len() > 2 => format!("{a}…{b}"),
        _ => seeds.iter().map(|s| s.to_string()).collect::<Vec<_>>().join(", "),
    }
}

fn summary_line(r: &VarianceRecord) -> String {
    let window = if r.window.len() == 2 { format!(", scored window {} … {}", r.window[0], r.window[1]) } else { String::new() };
    format!(
        "{} configurations × {} seeds ({}){window}; data {}. Configurations: the best {} of the run by backtest score, the ensemble and its members.",
        r.configs.len(),
        r.seeds.len(),
        seed_text(&r.seeds),
        if r.data.is_empty() { "–" } else { &r.data },
        r.top
    )
}

/// `variance.md`; `footer` lines (timings, resume) go last, outside the record.
pub fn to_markdown(r: &VarianceRecord, footer: &[String]) -> String {
    let mut out = format!("# {}\n\n{}\n", r.title, summary_line(r));
    if !r.verdict.is_empty() {
        out += "\n## Verdict\n\n";
        for v in &r.verdict {
            out += &format!("- {v}\n");
        }
    }
    for t in tables(r) {
        out += &format!("\n## {}\n\n", t.title);
        if !t.intro.is_empty() {
            out += &format!("{}\n\n", t.intro);
        }
        out += &md_table(&t.head, &t.rows, t.left);
    }
    if !r.notes.is_empty() {
        out += "\n## Notes\n\n";
        for n in &r.notes {
            out += &format!("- {n}\n");
        }
    }
    if !footer.is_empty() {
        out += "\n---\n\n";
        for n in footer {
            out += &format!("{n}  \n");
        }
    }
    out
}

const CSS: &str = r#"
:root { --ink: #1f2328; --muted: #5b636e; --line: #d8dee4; --head: #f3f5f8; --good: #e3f4e8; --good-ink: #116329; --warn: #fff4e5; }
* { box-sizing: border-box; }
body { margin: 0; background: #fafbfc; color: var(--ink); font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1500px; margin: 0 auto; padding: 24px 28px 48px; }
h1 { font-size: 1.6rem; margin: 0 0 4px; }
h2 { font-size: 1.2rem; margin: 30px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
p.summary, p.intro { color: var(--muted); margin: 4px 0 10px; max-width: 1100px; }
ul.verdict li { margin: 3px 0; }
.table-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 6px; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { padding: 4px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; text-align: left; }
th { background: var(--head); font-weight: 600; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tbody tr:nth-child(even) { background: #fbfcfd; }
td.yes { background: var(--good); color: var(--good-ink); font-weight: 600; }
td.no { background: var(--warn); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(620px, 1fr)); gap: 18px; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: 10px; }
figure svg.plot { display: block; width: 100%; height: auto; }
figcaption { color: var(--muted); font-size: 13px; margin-top: 6px; }
footer { color: var(--muted); font-size: 13px; margin-top: 30px; }
"#;

/// `variance.html`: one self-contained page (inline CSS and SVG, no scripts, no
/// external resources); `footer` lines go at the bottom.
pub fn to_html(r: &VarianceRecord) -> String {
    to_html_with_footer(r, &[])
}

pub fn to_html_with_footer(r: &VarianceRecord, footer: &[String]) -> String {
    let title = escape(&r.title);
    let mut out = String::new();
    out += "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
    let _ = writeln!(out, "<title>{title}</title>\n<style>{CSS}</style>\n</head>\n<body>\n<main>\n<h1>{title}</h1>");
    let _ = writeln!(out, "<p class=\"summary\">{}</p>", escape(&summary_line(r)));
    if !r.verdict.is_empty() {
        out += "<section id=\"verdict\">\n<h2>Verdict</h2>\n<ul class=\"verdict\">\n";
        for v in &r.verdict {
            let _ = writeln!(out, "<li>{}</li>", escape(v));
        }
        out += "</ul>\n</section>\n";
    }
    out += "<section id=\"plots\">\n<h2>Plots</h2>\n<div class=\"grid\">\n";
    let m = score_label(&r.metric);
    for (svg, caption) in [
        (strip_plot(r), format!("{m} of every configuration under every seed: one dot per seed, the box from the first to the third quartile, the bar at the median.")),
        (
            deviation_plot(r),
            "The same scores minus each configuration's own mean across seeds, on one scale: the seed spreads side by side (a model without seed dependence is one dot at 0).".to_string(),
        ),
        (rank_heatmap(r), format!("Rank by {m} of each configuration (rows) in each seed (columns); 1 = best.")),
    ] {
        let _ = writeln!(out, "<figure>\n{svg}\n<figcaption>{}</figcaption>\n</figure>", escape(&caption));
    }
    out += "</div>\n</section>\n";
    for (k, t) in tables(r).iter().enumerate() {
        let _ = writeln!(out, "<section id=\"table-{k}\">\n<h2>{}</h2>", escape(&t.title));
        if !t.intro.is_empty() {
            let _ = writeln!(out, "<p class=\"intro\">{}</p>", escape(&t.intro));
        }
        out += "<div class=\"table-wrap\"><table>\n<thead><tr>";
        for (c, h) in t.head.iter().enumerate() {
            let _ = write!(out, "<th{}>{}</th>", if c < t.left { "" } else { " class=\"num\"" }, escape(h));
        }
        out += "</tr></thead>\n<tbody>\n";
        for row in &t.rows {
            out += "<tr>";
            for (c, v) in row.iter().enumerate() {
                let class = match v.as_str() {
                    "beyond seed noise" => " class=\"num yes\"",
                    "within seed noise" => " class=\"num no\"",
                    _ if c < t.left => "",
                    _ => " class=\"num\"",
                };
                let _ = write!(out, "<td{class}>{}</td>", escape(v));
            }
            out += "</tr>\n";
        }
        out += "</tbody></table></div>\n</section>\n";
    }
    if !r.notes.is_empty() {
        out += "<section id=\"notes\">\n<h2>Notes</h2>\n<ul>\n";
        for n in &r.notes {
            let _ = writeln!(out, "<li>{}</li>", escape(n));
        }
        out += "</ul>\n</section>\n";
    }
    if !footer.is_empty() {
        out += "<footer>\n";
        for n in footer {
            let _ = writeln!(out, "<div>{}</div>", escape(n));
        }
        out += "</footer>\n";
    }
    out += "</main>\n</body>\n</html>\n";
    out
}

/// Tableau 10.
const PALETTE: [&str; 10] = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

/// "Nice" tick values (steps of 1, 2 or 5 × 10^k) covering `lo..hi`, about `n` of them.
fn ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) || !lo.is_finite() || !hi.is_finite() {
        return vec![lo];
    }
    let raw = (hi - lo) / n.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * mag).find(|s| *s >= raw).unwrap_or(10.0 * mag);
    let first = (lo / step).ceil() as i64;
    let last = (hi / step).floor() as i64;
    (first..=last).map(|k| k as f64 * step).collect()
}

fn tick_text(v: f64, step: f64) -> String {
    let d = if step > 0.0 { (-step.log10().floor()).clamp(0.0, 6.0) as usize } else { 3 };
    format!("{v:.d$}")
}

/// Score per configuration across seeds: horizontal strip + box plot, one row per
/// configuration (best mean first), one dot per seed. Configurations whose mean is more
/// than 25% above the best mean are drawn as a marker at the right edge with their
/// mean written out, so one weak baseline does not squash the others' spread.
pub fn strip_plot(r: &VarianceRecord) -> String {
    strip(r, false)
}

/// Each seed's score minus its configuration's mean across seeds, on one shared scale:
/// the spreads side by side (a deterministic model is a single dot at 0).
pub fn deviation_plot(r: &VarianceRecord) -> String {
    strip(r, true)
}

fn strip(r: &VarianceRecord, deviation: bool) -> String {
    let m = score_label(&r.metric);
    let rows: Vec<Vec<f64>> = r
        .configs
        .iter()
        .map(|c| {
            let v: Vec<f64> = c.scores.first().cloned().unwrap_or_default();
            let mean = main_summary(c).mean;
            if deviation { v.iter().map(|x| x - mean).collect() } else { v }
        })
        .collect();
    let means: Vec<f64> = r.configs.iter().map(|c| if deviation { 0.0 } else { main_summary(c).mean }).collect();
    let best = means.iter().copied().filter(|v| v.is_finite()).fold(f64::INFINITY, f64::min);
    let cutoff = if deviation || !best.is_finite() { f64::INFINITY } else { best + best.abs() * 0.25 };
    let shown = |i: usize| means[i].is_finite() && means[i] <= cutoff;
    let values: Vec<f64> = rows.iter().enumerate().filter(|(i, _)| shown(*i)).flat_map(|(_, v)| v.iter().copied()).filter(|v| v.is_finite()).collect();
    let (lo, hi) = values.iter().fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| (a.min(*v), b.max(*v)));
    let (lo, hi) = if !lo.is_finite() {
        (0.0, 1.0)
    } else if hi > lo {
        let pad = (hi - lo) * 0.08;
        (lo - pad, hi + pad)
    } else {
        let pad = if deviation { 1e-3 } else { lo.abs().max(1e-3) * 0.02 };
        (lo - pad, hi + pad)
    };
    let label_w = 210.0;
    let (w, row_h, top, bottom) = (760.0, 40.0, 44.0, 48.0);
    let plot_w = w - label_w - 30.0;
    let h = top + bottom + row_h * r.configs.len().max(1) as f64;
    let x = |v: f64| label_w + (v - lo) / (hi - lo) * plot_w;
    let (kind, title, axis) = if deviation {
        ("seed-deviation", format!("{m} minus the configuration's mean, per seed"), format!("{m} − mean across seeds"))
    } else {
        ("seed-strip", format!("{m} per configuration across {} seeds", r.seeds.len()), format!("{m} (scored window; lower is better)"))
    };
    let mut s = format!(
        "<svg class=\"plot\" data-plot=\"{kind}\" role=\"img\" aria-label=\"{}\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" style=\"max-width:{w}px\" font-family=\"sans-serif\">\n",
        escape(&title)
    );
    let _ = writeln!(s, "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
    let _ = writeln!(s, "<text x=\"{}\" y=\"24\" font-size=\"17\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#1a1a1a\">{}</text>", w / 2.0, escape(&title));
    let tk = ticks(lo, hi, 6);
    let step = if tk.len() > 1 { tk[1] - tk[0] } else { 0.0 };
    let y_axis = top + row_h * r.configs.len().max(1) as f64;
    for t in &tk {
        let xt = x(*t);
        let stroke = if deviation && *t == 0.0 { "#999999" } else { "#e4e4e4" };
        let _ = writeln!(s, "<line x1=\"{xt:.2}\" y1=\"{top}\" x2=\"{xt:.2}\" y2=\"{y_axis}\" stroke=\"{stroke}\"/>");
        let _ = writeln!(s, "<text x=\"{xt:.2}\" y=\"{:.2}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#555555\">{}</text>", y_axis + 18.0, tick_text(*t, step));
    }
    let _ = writeln!(s, "<line x1=\"{label_w}\" y1=\"{y_axis}\" x2=\"{:.2}\" y2=\"{y_axis}\" stroke=\"#555555\"/>", label_w + plot_w);
    let _ = writeln!(s, "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"14\" text-anchor=\"middle\" fill=\"#555555\">{}</text>", label_w + plot_w / 2.0, h - 8.0, escape(&axis));
    for (i, c) in r.configs.iter().enumerate() {
        let color = PALETTE[i % PALETTE.len()];
        let yc = top + row_h * (i as f64 + 0.5);
        let _ = writeln!(s, "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"13\" text-anchor=\"end\" fill=\"#1a1a1a\">{}</text>", label_w - 10.0, yc + 4.0, escape(&shorten(&c.alias, 28)));
        let vals = &rows[i];
        let sm = SummaryRecord::of(vals);
        if sm.n == 0 {
            continue;
        }
        let n = vals.len();
        if !shown(i) {
            // off the scale: a marker at the right edge, one dot per seed stacked on it
            let xe = label_w + plot_w + 6.0;
            let _ = writeln!(s, "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"12\" text-anchor=\"end\" fill=\"#555555\">mean {} →</text>", xe - 10.0, yc + 4.0, f(means[i], 4));
            for (k, v) in vals.iter().enumerate() {
                let dy = if n > 1 { -8.0 + 16.0 * k as f64 / (n - 1) as f64 } else { 0.0 };
                let seed = r.seeds.get(k).copied().unwrap_or(k as u64);
                let _ = writeln!(
                    s,
                    "<circle class=\"seed\" cx=\"{xe:.2}\" cy=\"{:.2}\" r=\"3.5\" fill=\"{color}\" stroke=\"#ffffff\" stroke-width=\"0.8\"><title>{} seed {seed}: {v:.5} (off the scale)</title></circle>",
                    yc + dy,
                    escape(&c.alias)
                );
            }
            continue;
        }
        let _ = writeln!(s, "<line x1=\"{:.2}\" y1=\"{yc:.2}\" x2=\"{:.2}\" y2=\"{yc:.2}\" stroke=\"{color}\" stroke-width=\"1.5\"/>", x(sm.min), x(sm.max));
        let _ = writeln!(
            s,
            "<rect class=\"box\" x=\"{:.2}\" y=\"{:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{color}\" fill-opacity=\"0.25\" stroke=\"{color}\"/>",
            x(sm.q1),
            yc - 11.0,
            (x(sm.q3) - x(sm.q1)).max(1.0),
            22.0
        );
        let _ = writeln!(s, "<line x1=\"{:.2}\" y1=\"{:.2}\" x2=\"{:.2}\" y2=\"{:.2}\" stroke=\"{color}\" stroke-width=\"3\"/>", x(sm.median), yc - 12.0, x(sm.median), yc + 12.0);
        for (k, v) in vals.iter().enumerate() {
            if v.is_finite() {
                // a fixed vertical jitter by seed position keeps dots with equal scores apart
                let dy = if n > 1 { -8.0 + 16.0 * k as f64 / (n - 1) as f64 } else { 0.0 };
                let seed = r.seeds.get(k).copied().unwrap_or(k as u64);
                let _ = writeln!(
                    s,
                    "<circle class=\"seed\" cx=\"{:.2}\" cy=\"{:.2}\" r=\"3.5\" fill=\"{color}\" stroke=\"#ffffff\" stroke-width=\"0.8\"><title>{} seed {seed}: {v:.5}</title></circle>",
                    x(*v),
                    yc + dy,
                    escape(&c.alias)
                );
            }
        }
    }
    s += "</svg>";
    s
}

/// Ranks configurations × seeds as coloured cells with the rank written in.
pub fn rank_heatmap(r: &VarianceRecord) -> String {
    let k = r.configs.len().max(1);
    let n = r.seeds.len().max(1);
    let label_w = 210.0;
    let cell_w = (520.0 / n as f64).clamp(18.0, 60.0);
    let cell_h = 30.0;
    let (top, bottom) = (44.0, 40.0);
    let w = label_w + cell_w * n as f64 + 20.0;
    let h = top + bottom + cell_h * k as f64;
    let mut s = format!(
        "<svg class=\"plot\" data-plot=\"rank-heatmap\" role=\"img\" aria-label=\"rank heatmap\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" style=\"max-width:{w}px\" font-family=\"sans-serif\">\n"
    );
    let _ = writeln!(s, "<rect width=\"{w}\" height=\"{h}\" fill=\"#ffffff\"/>");
    let _ = writeln!(s, "<text x=\"{:.2}\" y=\"24\" font-size=\"17\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#1a1a1a\">Rank per seed (1 = best)</text>", w / 2.0);
    for (i, c) in r.configs.iter().enumerate() {
        let y0 = top + cell_h * i as f64;
        let _ = writeln!(s, "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"13\" text-anchor=\"end\" fill=\"#1a1a1a\">{}</text>", label_w - 10.0, y0 + cell_h / 2.0 + 4.0, escape(&shorten(&c.alias, 28)));
        for (j, rank) in c.ranks.iter().enumerate() {
            // rank 1 darkest green, the last rank almost white
            let t = if k > 1 { (*rank as f64 - 1.0) / (k - 1) as f64 } else { 0.0 };
            let mix = |a: f64, b: f64| (a + (b - a) * t).round() as u8;
            let fill = format!("#{:02x}{:02x}{:02x}", mix(26.0, 243.0), mix(120.0, 245.0), mix(66.0, 248.0));
            let ink = if t < 0.5 { "#ffffff" } else { "#1a1a1a" };
            let x0 = label_w + cell_w * j as f64;
            let seed = r.seeds.get(j).copied().unwrap_or(j as u64);
            let _ = writeln!(
                s,
                "<rect class=\"cell\" x=\"{x0:.2}\" y=\"{y0:.2}\" width=\"{:.2}\" height=\"{:.2}\" fill=\"{fill}\" stroke=\"#ffffff\"><title>{} seed {seed}: rank {rank}</title></rect>",
                cell_w,
                cell_h,
                escape(&c.alias)
            );
            let _ = writeln!(s, "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"12\" text-anchor=\"middle\" fill=\"{ink}\">{rank}</text>", x0 + cell_w / 2.0, y0 + cell_h / 2.0 + 4.0);
        }
    }
    for (j, seed) in r.seeds.iter().enumerate() {
        let _ =
            writeln!(s, "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"12\" text-anchor=\"middle\" fill=\"#555555\">{seed}</text>", label_w + cell_w * (j as f64 + 0.5), top + cell_h * k as f64 + 16.0);
    }
    let _ = writeln!(s, "<text x=\"{:.2}\" y=\"{:.2}\" font-size=\"13\" text-anchor=\"middle\" fill=\"#555555\">seed</text>", label_w + cell_w * n as f64 / 2.0, h - 6.0);
    s += "</svg>";
    s
}

fn shorten(s: &str, n: usize) -> String {
    if s.chars().count() <= n { s.to_string() } else { format!("{}…", s.chars().take(n.saturating_sub(1)).collect::<String>()) }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record() -> VarianceRecord {
        let cfg = |alias: &str, v: Vec<f64>, ranks: Vec<usize>| ConfigRecord {
            alias: alias.into(),
            role: "top".into(),
            summaries: vec![SummaryRecord::of(&v), SummaryRecord::of(&v)],
            scores: vec![v.clone(), v],
            ranks,
            identical_forecasts: alias == "SeasonalNaive",
            ..ConfigRecord::default()
        };
        VarianceRecord {
            title: "t <x>".into(),
            metric: "wrmsse".into(),
            score_names: vec!["wrmsse".into(), "level_1".into()],
            seeds: vec![4, 5, 6],
            configs: vec![cfg("gbdt-t1", vec![0.6, 0.7, 0.65], vec![1, 1, 1]), cfg("SeasonalNaive", vec![0.85; 3], vec![2, 2, 2])],
            pairwise: vec![vec![0.5, 1.0], vec![0.0, 0.5]],
            adjacent: vec![PairRecord {
                better: "gbdt-t1".into(),
                worse: "SeasonalNaive".into(),
                n: 3,
                t: f64::INFINITY,
                p: f64::NAN,
                distinguishable: true,
                ranges_disjoint: true,
                ..PairRecord::default()
            }],
            verdict: vec!["SeasonalNaive: no seed dependence.".into()],
            ..VarianceRecord::default()
        }
    }

    #[test]
    fn summary_of_hand_values() {
        let s = SummaryRecord::of(&[4.0, 1.0, 7.0, 2.0]);
        assert_eq!((s.mean, s.q1, s.median, s.q3, s.iqr), (3.5, 1.75, 3.0, 4.75, 3.0));
        assert!((s.std - 7f64.sqrt()).abs() < 1e-12);
        assert_eq!(SummaryRecord::of(&[0.3; 4]).std, 0.0);
    }

    #[test]
    fn html_has_both_plots_one_dot_per_seed_and_escapes() {
        let r = record();
        let html = to_html(&r);
        assert!(html.contains("data-plot=\"seed-strip\"") && html.contains("data-plot=\"rank-heatmap\""));
        assert_eq!(html.matches("<circle class=\"seed\"").count(), 12, "one dot per configuration and seed in each of the two strip plots");
        assert!(html.contains("data-plot=\"seed-deviation\""));
        assert_eq!(html.matches("<rect class=\"cell\"").count(), 6);
        assert!(html.contains("t &lt;x&gt;") && !html.contains("t <x>"));
        assert!(!html.contains("<script") && !html.contains(" src=") && !html.contains(" href="), "self-contained");
        assert_eq!(html, to_html(&r), "deterministic");
    }

    #[test]
    fn markdown_tables_and_verdict() {
        let md = to_markdown(&record(), &["took 3 s".into()]);
        assert!(md.contains("## Verdict\n\n- SeasonalNaive: no seed dependence."));
        assert!(md.contains("| gbdt-t1 | top | 0.6500 | 0.0500 | 0.6000 | 0.7000 |"), "{md}");
        assert!(md.contains("| SeasonalNaive | top | 0.8500 | 0.0000 |"));
        assert!(md.contains("beyond seed noise"));
        assert!(md.contains("± "));
        assert!(md.ends_with("took 3 s  \n"));
    }

    #[test]
    fn json_round_trips_with_non_finite_numbers() {
        let r = record();
        let text = serde_json::to_string(&r).unwrap_or_default();
        assert!(text.contains("\"t\":null"));
        let back: VarianceRecord = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}"));
        assert!(back.adjacent[0].t.is_nan() && back.adjacent[0].p.is_nan());
        assert_eq!(back.configs[1].scores, r.configs[1].scores);
        assert_eq!(serde_json::to_string(&back).unwrap_or_default(), text);
    }

    #[test]
    fn nice_ticks() {
        assert_eq!(ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6000000000000001, 0.8, 1.0]);
        // step 0.05 / 5 rounds up to 0.02 (0.01 is a hair too small in floating point)
        let t = ticks(0.61, 0.66, 5);
        assert!((3..=6).contains(&t.len()) && t.iter().all(|v| (0.61..=0.66).contains(v)), "{t:?}");
    }
}
