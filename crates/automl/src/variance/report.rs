//! The statistics and the record of a variance run: scores per seed, ranks and wins,
//! bootstrap intervals over series, forecast disagreement by demand class and level,
//! errors by stratum, and the plain-language verdict.

use std::collections::{BTreeMap, BTreeSet};

use tsforge_core::Forecast;
use tsforge_core::metrics::{M5Evaluator, point};
use tsforge_core::sparsity::{self, DemandClass};
use tsforge_report::variance as rv;
use tsforge_report::{Leaderboard, M5_LEVELS, Metric};

use crate::error::Result;
use crate::pipeline::{Plan, Settings, Truth};
use crate::variance as av;
use crate::variance::select::{Entry, Kind};

/// Resamples of the series for the bootstrap intervals.
const BOOTSTRAP_RESAMPLES: usize = 1000;
const BOOTSTRAP_LEVEL: f64 = 0.95;
/// Share of seeds the better of two neighbours must win (with p < 0.05) to count as
/// more than seed noise when their min–max ranges overlap.
const WIN_SHARE: f64 = 0.9;
/// Quantiles of the forecast-CV distributions.
const QUANTILES: [f64; 6] = [0.0, 0.25, 0.5, 0.75, 0.9, 1.0];
/// Series listed where seeds disagree most.
const TOP_SERIES: usize = 10;
/// "New item": first sale within this many days before the forecast origin.
const NEW_ITEM_DAYS: usize = 90;

/// What the statistics need from the run.
pub(crate) struct Context<'a> {
    pub plan: &'a Plan,
    pub actual: &'a [f64],
    pub ev: Option<&'a M5Evaluator>,
    pub metric: Metric,
    pub seeds: &'a [u64],
    pub base_seed: u64,
}

/// A stratum of the scored cells.
struct Stratum {
    name: String,
    description: String,
    mask: Vec<bool>,
}

fn summary(s: av::Summary) -> rv::SummaryRecord {
    rv::SummaryRecord { n: s.n, mean: s.mean, std: s.std, min: s.min, max: s.max, q1: s.q1, median: s.median, q3: s.q3, iqr: s.iqr, rel_spread: s.rel_spread }
}

fn quantiles(values: &[f64]) -> Vec<f64> {
    let s = av::stats::sorted_finite(values);
    QUANTILES.iter().map(|&p| av::stats::quantile_sorted(&s, p)).collect()
}

impl Context<'_> {
    fn n(&self) -> usize {
        self.plan.train.n_series()
    }

    fn h(&self) -> usize {
        self.plan.horizon
    }

    /// Score names and values of one forecast: the metric, then the 12 levels on M5.
    fn scores(&self, values: &[f64]) -> Result<Vec<f64>> {
        let forecast = Forecast::new("variance", self.n(), self.h(), self.plan.train.n_time(), values.to_vec())?;
        let sc = Truth { train: &self.plan.train, actual: self.actual, horizon: self.h(), season: self.plan.season, m5: self.ev }.score(&forecast)?;
        let mut out = vec![self.metric.of(&sc).unwrap_or(f64::NAN)];
        if self.ev.is_some() {
            out.extend(sc.levels.iter().copied());
        }
        Ok(out)
    }

    fn score_names(&self) -> Vec<String> {
        let mut out = vec![self.metric.name().to_string()];
        if let Some(ev) = self.ev {
            out.extend((1..=ev.hierarchy().levels.len()).map(|l| format!("level_{l}")));
        }
        out
    }

    /// Bottom-level weights and RMSSE scales per bottom series: level 12 of the M5
    /// evaluator, or unit weights and each series' own scale on long-format data.
    fn bottom_weights_scales(&self) -> (Option<Vec<f64>>, Vec<Option<f64>>) {
        let n = self.n();
        match self.ev {
            Some(ev) => {
                let last = ev.hierarchy().levels.len() - 1;
                let (mut w, mut sc) = (vec![0.0; n], vec![None; n]);
                for (g, group) in ev.hierarchy().levels[last].groups.iter().enumerate() {
                    if let [i] = group.members.as_slice() {
                        w[*i] = ev.weights(last)[g];
                        sc[*i] = ev.rmsse_scales(last)[g];
                    }
                }
                (Some(w), sc)
            }
            None => {
                let sc = (0..n).map(|i| point::rmsse_scale(&self.plan.train.observed(i).iter().map(|&v| f64::from(v)).collect::<Vec<_>>())).collect();
                (None, sc)
            }
        }
    }

    fn per_series_rmsse(&self, values: &[f64], scales: &[Option<f64>]) -> Vec<f64> {
        let h = self.h();
        (0..self.n()).map(|i| scales[i].and_then(|s| point::rmsse(&self.actual[i * h..(i + 1) * h], &values[i * h..(i + 1) * h], s)).unwrap_or(f64::NAN)).collect()
    }

    fn classes(&self) -> Vec<DemandClass> {
        (0..self.n()).map(|i| sparsity::classify(self.plan.train.observed(i))).collect()
    }

    fn strata(&self, classes: &[DemandClass]) -> Vec<Stratum> {
        let (n, h) = (self.n(), self.h());
        let train = &self.plan.train;
        let t0 = train.n_time();
        let cell = |f: &dyn Fn(usize, usize) -> bool| -> Vec<bool> { (0..n * h).map(|c| f(c / h, c % h)).collect() };
        let mut out = vec![Stratum { name: "all cells".into(), description: "every series × day of the scored window".into(), mask: vec![true; n * h] }];
        if let Some(cal) = &train.calendar {
            let event = |k: usize| cal.event_name_1.get(t0 + k).is_some_and(|e| e.as_deref().is_some_and(|s| !s.is_empty()));
            out.push(Stratum { name: "event days".into(), description: "calendar event_name_1 set".into(), mask: cell(&|_, k| event(k)) });
            out.push(Stratum { name: "non-event days".into(), description: "no calendar event".into(), mask: cell(&|_, k| !event(k)) });
            if let Some(attrs) = &train.attrs {
                let snap = |i: usize, k: usize| attrs.get(i).and_then(|a| cal.snap_of(&a.state)).and_then(|v| v.get(t0 + k)).is_some_and(|&f| f == 1);
                out.push(Stratum { name: "SNAP days".into(), description: "SNAP day in the series' state".into(), mask: cell(&|i, k| snap(i, k)) });
                out.push(Stratum { name: "non-SNAP days".into(), description: "no SNAP in the series' state".into(), mask: cell(&|i, k| !snap(i, k)) });
            }
        }
        if train.prices.is_some() {
            let changed = |i: usize, k: usize| {
                let t = t0 + k;
                train.price_row(i).and_then(|p| Some((*p.get(t)?, *p.get(t.checked_sub(7)?)?))).is_some_and(|(a, b)| a.is_finite() && b.is_finite() && a != b)
            };
            out.push(Stratum { name: "price change".into(), description: "sell price differs from the same weekday a week before".into(), mask: cell(&|i, k| changed(i, k)) });
            out.push(Stratum { name: "no price change".into(), description: "same price as a week before (or unknown)".into(), mask: cell(&|i, k| !changed(i, k)) });
        }
        let first_sale: Vec<Option<usize>> = (0..n).map(|i| train.row(i).iter().position(|&v| v > 0.0)).collect();
        let new = |i: usize| first_sale[i].is_some_and(|f| f + NEW_ITEM_DAYS >= t0);
        out.push(Stratum { name: "new items".into(), description: format!("first sale within the last {NEW_ITEM_DAYS} days of training"), mask: cell(&|i, _| new(i)) });
        out.push(Stratum { name: "established items".into(), description: format!("first sale more than {NEW_ITEM_DAYS} days before the origin"), mask: cell(&|i, _| !new(i)) });
        let intermittent = |i: usize| matches!(classes[i], DemandClass::Intermittent | DemandClass::Lumpy | DemandClass::AllZero);
        out.push(Stratum {
            name: "intermittent series".into(), description: "Syntetos-Boylan intermittent or lumpy (ADI ≥ 1.32; never-sold series too)".into(), mask: cell(&|i, _| intermittent(i))
        });
        out.push(Stratum { name: "smooth series".into(), description: "Syntetos-Boylan smooth or erratic (ADI < 1.32)".into(), mask: cell(&|i, _| !intermittent(i)) });
        out
    }

    pub(crate) fn record(&self, s: &Settings, board: &Leaderboard, entries: &[Entry], forecasts: &[Vec<Vec<f64>>], top: usize, mut notes: Vec<String>) -> Result<rv::VarianceRecord> {
        let (n, h) = (self.n(), self.h());
        let names = self.score_names();
        let n_seeds = self.seeds.len();
        // scores[config][score][seed]
        let mut scores: Vec<Vec<Vec<f64>>> = Vec::with_capacity(entries.len());
        for f in forecasts {
            let mut per: Vec<Vec<f64>> = vec![Vec::with_capacity(n_seeds); names.len()];
            for values in f {
                for (k, v) in self.scores(values)?.into_iter().enumerate() {
                    if let Some(p) = per.get_mut(k) {
                        p.push(v);
                    }
                }
            }
            scores.push(per);
        }
        // order: best mean main score first (ties: alias)
        let mean_main: Vec<f64> = scores.iter().map(|s| av::summarize(&s[0]).mean).collect();
        let mut order: Vec<usize> = (0..entries.len()).collect();
        order.sort_by(|&a, &b| {
            let key = |i: usize| if mean_main[i].is_finite() { mean_main[i] } else { f64::INFINITY };
            key(a).total_cmp(&key(b)).then_with(|| entries[a].alias.cmp(&entries[b].alias))
        });
        let main: Vec<Vec<f64>> = order.iter().map(|&i| scores[i][0].clone()).collect();
        let ranks = av::ranks(&main);
        let wins = av::pairwise_wins(&main);
        let winners = av::winners(&main);
        let (weights, scales) = self.bottom_weights_scales();
        let sets = av::bootstrap_indices(n, BOOTSTRAP_RESAMPLES, self.base_seed);
        let classes = self.classes();
        let (strata, empty): (Vec<Stratum>, Vec<Stratum>) = self.strata(&classes).into_iter().partition(|st| st.mask.iter().any(|&m| m));
        for st in &empty {
            notes.push(format!("The stratum \"{}\" ({}) is empty on this data and left out.", st.name, st.description));
        }
        let hierarchy = self.ev.map(M5Evaluator::hierarchy);

        let mut configs = Vec::with_capacity(entries.len());
        for (pos, &i) in order.iter().enumerate() {
            let e = &entries[i];
            let f: Vec<&[f64]> = forecasts[i].iter().map(Vec::as_slice).collect();
            let identical = f.windows(2).all(|w| w[0].iter().zip(w[1]).all(|(a, b)| a.to_bits() == b.to_bits()));
            // bottom level: per-series RMSSE per seed, their seed mean, the interval over series
            let per_seed_rmsse: Vec<Vec<f64>> = f.iter().map(|v| self.per_series_rmsse(v, &scales)).collect();
            let mean_rmsse: Vec<f64> = (0..n).map(|j| per_seed_rmsse.iter().map(|r| r[j]).sum::<f64>() / n_seeds as f64).collect();
            let w = weights.as_deref();
            let (ci_low, ci_high) = av::bootstrap_ci(&mean_rmsse, w, &sets, BOOTSTRAP_LEVEL);
            let bottom =
                rv::BottomRecord { per_seed: per_seed_rmsse.iter().map(|r| av::stats::weighted_mean(r, w, 0..n)).collect(), mean: av::stats::weighted_mean(&mean_rmsse, w, 0..n), ci_low, ci_high };
            // disagreement
            let cv = av::series_cv(&f, h);
            let mut by_class: BTreeMap<DemandClass, Vec<f64>> = BTreeMap::new();
            for (j, c) in classes.iter().enumerate() {
                by_class.entry(*c).or_default().push(cv[j]);
            }
            let mut by_class: Vec<rv::GroupQuantiles> = by_class.into_iter().map(|(c, v)| rv::GroupQuantiles { group: c.name().into(), count: v.len(), quantiles: quantiles(&v) }).collect();
            by_class.push(rv::GroupQuantiles { group: "all".into(), count: cv.len(), quantiles: quantiles(&cv) });
            let by_level = match hierarchy {
                Some(hier) => (0..hier.levels.len())
                    .map(|l| {
                        let agg: Vec<Vec<f64>> = f.iter().map(|v| hier.aggregate(l, v, h)).collect();
                        let refs: Vec<&[f64]> = agg.iter().map(Vec::as_slice).collect();
                        let lcv = av::series_cv(&refs, h);
                        let name = M5_LEVELS.get(l).copied().unwrap_or(hier.levels[l].name);
                        rv::GroupQuantiles { group: format!("L{} {name}", l + 1), count: lcv.len(), quantiles: quantiles(&lcv) }
                    })
                    .collect(),
                None => vec![rv::GroupQuantiles { group: "series".into(), count: cv.len(), quantiles: quantiles(&cv) }],
            };
            let mut top_idx: Vec<usize> = (0..n).filter(|&j| cv[j] > 0.0).collect();
            top_idx.sort_by(|&a, &b| cv[b].total_cmp(&cv[a]).then(a.cmp(&b)));
            let top_series = top_idx
                .into_iter()
                .take(TOP_SERIES)
                .map(|j| rv::SeriesCv {
                    id: self.plan.train.ids[j].clone(),
                    class: classes[j].name().into(),
                    cv: cv[j],
                    mean_forecast: f.iter().map(|v| v[j * h..(j + 1) * h].iter().sum::<f64>()).sum::<f64>() / (n_seeds * h) as f64,
                })
                .collect();
            // strata
            let (_, cell_sd) = av::cell_mean_std(&f);
            let stratum_stats = strata
                .iter()
                .map(|st| {
                    let errs: Vec<(f64, f64)> = f.iter().map(|v| av::stratum_errors(self.actual, v, &st.mask)).collect();
                    let rmse: Vec<f64> = errs.iter().map(|e| e.0).collect();
                    let mae: Vec<f64> = errs.iter().map(|e| e.1).collect();
                    rv::StratumStat { rmse: summary(av::summarize(&rmse)), mae_mean: av::summarize(&mae).mean, forecast_sd: av::spread::masked_mean(&cell_sd, &st.mask) }
                })
                .collect();
            let (seeded, members) = match &e.kind {
                Kind::Model { seeded, .. } => (*seeded, Vec::new()),
                Kind::Ensemble { members } => {
                    (members.iter().any(|&(m, _)| matches!(entries[m].kind, Kind::Model { seeded: true, .. })), members.iter().map(|&(m, w)| (entries[m].alias.clone(), w)).collect())
                }
            };
            configs.push(rv::ConfigRecord {
                alias: e.alias.clone(),
                family: e.family.clone(),
                role: e.role.clone(),
                seeded,
                run_valid: e.run_valid,
                run_score: e.run_score,
                members,
                summaries: scores[i].iter().map(|v| summary(av::summarize(v))).collect(),
                scores: scores[i].clone(),
                ranks: ranks[pos].clone(),
                identical_forecasts: identical,
                bottom,
                disagreement: rv::DisagreementRecord { by_class, by_level, top_series },
                strata: stratum_stats,
            });
        }

        let adjacent: Vec<rv::PairRecord> = (1..configs.len())
            .map(|k| {
                let p = av::paired(&main[k - 1], &main[k], WIN_SHARE);
                rv::PairRecord {
                    better: configs[k - 1].alias.clone(),
                    worse: configs[k].alias.clone(),
                    n: p.n,
                    mean_diff: p.mean_diff,
                    sd_diff: p.sd_diff,
                    t: p.t,
                    p: p.p,
                    better_wins: p.a_wins,
                    ranges_disjoint: p.ranges_disjoint,
                    distinguishable: p.distinguishable,
                }
            })
            .collect();
        let alias_of = |k: usize| configs.get(k).map(|c| c.alias.clone()).unwrap_or_default();
        let winners_rec = rv::WinnersRecord {
            per_seed: winners.per_seed.iter().map(|&k| alias_of(k)).collect(),
            wins: winners.wins.iter().enumerate().map(|(k, &w)| (alias_of(k), w)).collect(),
            modal: alias_of(winners.modal),
            changes: winners.changes,
            switches: winners.switches,
        };
        let m = self.metric.name().to_uppercase();
        let verdict = verdict(&configs, &adjacent, &winners_rec, &m, self.base_seed, n_seeds);
        if strata.len() < 3 {
            notes.push("Without an M5 calendar and prices, only the series strata (new items, intermittent/smooth) are shown.".into());
        }
        notes.push(format!(
            "Configurations are ordered by their mean {m} across seeds; the run's own leaderboard ranks by the run seed alone. The ensemble blends its members' forecasts of each seed with the run's fixed weights (no reselection per seed)."
        ));
        let bottom_stat = if self.ev.is_some() {
            "per-series RMSSE averaged over seeds, weighted by the level-12 (item×store) WRMSSE weights (equal to L12 when every series has a scale)"
        } else {
            "the plain mean over series of per-series RMSSE averaged over seeds"
        };
        let window = vec![self.plan.train.index.label(self.plan.train.n_time()), self.plan.train.index.label(self.plan.train.n_time() + h - 1)];
        Ok(rv::VarianceRecord {
            title: format!("tsforge variance: {} ({}, {} phase)", s.name, s.data, s.phase.name()),
            data: s.data.clone(),
            metric: self.metric.name().into(),
            score_names: names,
            seeds: self.seeds.to_vec(),
            top,
            window,
            pairwise: wins,
            configs,
            winners: winners_rec,
            adjacent,
            bootstrap: rv::BootstrapSpec { statistic: bottom_stat.into(), resamples: BOOTSTRAP_RESAMPLES, level: BOOTSTRAP_LEVEL, seed: self.base_seed },
            quantile_probs: QUANTILES.to_vec(),
            strata: strata.iter().map(|st| rv::StratumInfo { name: st.name.clone(), description: st.description.clone(), cells: st.mask.iter().filter(|&&m| m).count() }).collect(),
            verdict,
            notes: {
                let mut all = notes;
                if board.rows.iter().any(|r| r.alias == "Ensemble") {
                    all.push("The ensemble's members outside the top K are refitted and listed as \"ensemble member\".".into());
                }
                all.into_iter().collect::<BTreeSet<_>>().into_iter().collect()
            },
        })
    }
}

/// The plain-language verdict.
fn verdict(configs: &[rv::ConfigRecord], adjacent: &[rv::PairRecord], winners: &rv::WinnersRecord, m: &str, seed0: u64, n_seeds: usize) -> Vec<String> {
    let mut out = Vec::new();
    for c in configs {
        let s = c.summaries.first().copied().unwrap_or_default();
        let zero = c.summaries.iter().all(|s| s.std == 0.0 && s.max == s.min);
        if c.identical_forecasts {
            let why = if c.seeded { " The model takes a seed, but nothing it drew changed the forecast." } else { " The model makes no random choice." };
            out.push(format!("{}: no seed dependence — all {n_seeds} seeds gave bit-identical forecasts, so every score has exactly zero spread ({m} {:.4}).{why}", c.alias, s.mean));
        } else if zero {
            out.push(format!("{}: no seed dependence in the scores — every score is identical across the {n_seeds} seeds, though the forecasts differ in the last bits ({m} {:.4}).", c.alias, s.mean));
        } else {
            out.push(format!("{}: {m} {:.4} ± {:.4} across {n_seeds} seeds (min {:.4}, max {:.4}, relative spread {:.1}%).", c.alias, s.mean, s.std, s.min, s.max, s.rel_spread * 100.0));
        }
    }
    for (k, p) in adjacent.iter().enumerate() {
        let share = format!("{:.0}%", p.better_wins * 100.0);
        let head = format!("#{} {} vs #{} {}: gap {:.4}", k + 1, p.better, k + 2, p.worse, p.mean_diff);
        if p.n > 0 && p.mean_diff == 0.0 && p.sd_diff == 0.0 {
            out.push(format!("#{} {} and #{} {} score exactly the same under every seed: a tie, not a ranking.", k + 1, p.better, k + 2, p.worse));
        } else if p.distinguishable {
            let why = if p.ranges_disjoint {
                "their min–max ranges across seeds do not overlap".to_string()
            } else {
                format!("{} wins {share} of the {} seeds, paired t-test p {}", p.better, p.n, p_text(p.p))
            };
            out.push(format!("{head}, beyond seed noise ({why})."));
        } else if p.p < 0.05 {
            out.push(format!(
                "{head}, borderline: the mean gap is significant (paired t-test p {}) but {} wins only {share} of the {} seeds, so a single reseeded run can swap these two.",
                p_text(p.p),
                p.better,
                p.n
            ));
        } else {
            out.push(format!(
                "{head}, within seed noise: {} wins {share} of the {} seeds (ties count half; paired t-test p {}); this position is not distinguishable from a reseed.",
                p.better,
                p.n,
                p_text(p.p)
            ));
        }
    }
    let won = winners.wins.iter().find(|w| w.0 == winners.modal).map_or(0, |w| w.1);
    if winners.changes == 0 {
        out.push(format!("{} is best under every one of the {n_seeds} seeds.", winners.modal));
    } else {
        let others: Vec<String> = winners.wins.iter().filter(|w| w.1 > 0 && w.0 != winners.modal).map(|w| format!("{} {}", w.0, w.1)).collect();
        out.push(format!("The winner changes with the seed: {} is best in {won} of {n_seeds} seeds (others: {}).", winners.modal, others.join(", ")));
    }
    // the first seed is the run's own: its refit must give the run's score back exactly
    let checked: Vec<(&str, f64, f64)> = configs.iter().filter_map(|c| Some((c.alias.as_str(), c.run_score?, *c.scores.first()?.first()?))).collect();
    let differ: Vec<String> = checked.iter().filter(|(_, run, refit)| run.to_bits() != refit.to_bits()).map(|(a, run, refit)| format!("{a} {refit:.6} vs {run:.6}")).collect();
    if !checked.is_empty() && differ.is_empty() {
        out.push(format!("Same seed, same scores: refitted under the run's own seed {seed0}, all {} configurations reproduce the run's {m} exactly.", checked.len()));
    } else if !differ.is_empty() {
        out.push(format!(
            "Refitted under the run's own seed {seed0}, {} of {} configurations do not reproduce the run's {m} ({}): a source of randomness outside the seed (thread timing?) or a changed recipe.",
            differ.len(),
            checked.len(),
            differ.join("; ")
        ));
    }
    if let Some(best) = configs.first() {
        let width = best.bottom.ci_high - best.bottom.ci_low;
        let (_, sd) = av::stats::mean_std(&best.bottom.per_seed);
        if width.is_finite() && sd > 0.0 {
            let reading = if width > sd { "which series happen to be scored moves the score more than the seed does" } else { "the seed moves the score as much as the choice of series does" };
            out.push(format!(
                "For {}, the {:.0}% bootstrap interval of the bottom-level score over series is {:.4} wide, {:.1}× its standard deviation across seeds ({:.4}): {reading}.",
                best.alias,
                BOOTSTRAP_LEVEL * 100.0,
                width,
                width / sd,
                sd
            ));
        }
    }
    out
}

/// "= 0.0316", "< 0.0001" or "n/a".
fn p_text(p: f64) -> String {
    if !p.is_finite() {
        "n/a".into()
    } else if p < 1e-4 {
        "< 0.0001".into()
    } else {
        format!("= {p:.4}")
    }
}
