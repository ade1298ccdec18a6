//! `tsforge monitor`: the forecast log joined to the actuals as they arrive.
//!
//! Every logged batch (one bundle's submitted forecasts from one origin, under an A/B arm)
//! whose forecast window the actuals cover is scored: WRMSSE over the 12 levels of the
//! logged series on M5 data (weights and scales from the actuals before the origin),
//! mean MASE otherwise, and the bias (forecast total / actual total − 1). Per arm, the
//! rolling mean of the last `window` origins is held against the band the bundle's
//! backtest predicted (its score × (1 + tolerance)); an error above the band or a bias
//! beyond `max_bias` is an alarm. Arms answered at the same origins are compared on
//! their per-series scaled errors with a rank test ([`rank_test`]).

pub mod rank_test;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;

use tsforge_automl::pipeline::{Input, Settings};
use tsforge_core::Panel;
use tsforge_core::hierarchy::Hierarchy;
use tsforge_core::metrics::M5Evaluator;
use tsforge_core::metrics::point;
use tsforge_report::monitor::{Alarm, ArmComparison, ArmSummary, MonitorRecord, OriginRow};

use crate::db::{Db, LogFilter, LoggedBatch};
use crate::error::{Result, StoreError};

/// What `tsforge monitor` is asked.
#[derive(Debug, Clone)]
pub struct MonitorOptions {
    pub store: PathBuf,
    /// The actuals: an M5 folder, a long-format file or a shipped dataset.
    pub actuals: String,
    pub filter: LogFilter,
    /// Origins in the rolling mean.
    pub window: usize,
    pub tolerance: f64,
    pub max_bias: f64,
}

impl Default for MonitorOptions {
    fn default() -> MonitorOptions {
        MonitorOptions { store: PathBuf::from("reports/tsforge.db"), actuals: String::new(), filter: LogFilter::default(), window: 7, tolerance: 0.5, max_bias: 0.25 }
    }
}

/// One scored batch, with the per-series scaled errors the arm test pools.
struct Scored {
    row: OriginRow,
    run_name: String,
    backtest: Option<f64>,
    series_errors: Vec<f64>,
    /// Position of the first forecast period in the actuals (orders the origins).
    t0: usize,
}

/// Reads the log, joins it to the actuals and builds the report's record.
pub fn monitor(options: &MonitorOptions) -> Result<MonitorRecord> {
    if options.window == 0 {
        return Err(StoreError::Usage("--window 0: the rolling mean needs at least one origin".into()));
    }
    let tolerance_ok = options.tolerance.is_finite() && options.tolerance >= 0.0;
    if !(tolerance_ok && options.max_bias.is_finite() && options.max_bias > 0.0) {
        return Err(StoreError::Usage("--tolerance must be a number ≥ 0 and --max-bias a number > 0".into()));
    }
    let db = Db::open_existing(&options.store)?;
    let batches = db.logged_forecasts(&options.filter)?;
    if batches.is_empty() {
        return Err(StoreError::Usage(format!("{}: no logged forecasts{} (tsforge predict and tsforge serve log theirs there)", options.store.display(), filter_text(&options.filter))));
    }
    let settings = actuals_settings(&db, &batches, &options.actuals)?;
    let input = Input::load(&settings)?;
    let actuals = &input.panel;
    let rows: HashMap<&str, usize> = actuals.ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let periods: HashMap<String, usize> = (0..actuals.n_time()).map(|t| (actuals.index.label(t), t)).collect();

    let mut scored = Vec::new();
    let (mut pending, mut notes) = (0usize, Vec::new());
    let mut unknown_series = 0usize;
    for b in &batches {
        let kind_matches = (b.batch.data_kind == "m5") == input.is_m5;
        if !kind_matches {
            return Err(StoreError::Usage(format!(
                "--actuals {}: is {} data, but bundle {} forecast {} data",
                options.actuals,
                if input.is_m5 { "m5" } else { "long" },
                short(&b.batch.bundle_id),
                b.batch.data_kind
            )));
        }
        let Some(&t0) = periods.get(&b.batch.first_period) else {
            pending += 1;
            continue;
        };
        let h = b.batch.horizon;
        let mut idx = Vec::new();
        let mut values = Vec::new();
        for (id, v) in &b.batch.series {
            match rows.get(id.as_str()) {
                Some(&i) if actuals.spans[i].1 >= t0 + h && v.len() == h => {
                    idx.push(i);
                    values.extend_from_slice(v);
                }
                Some(_) => {}
                None => unknown_series += 1,
            }
        }
        if idx.is_empty() || t0 + h > actuals.n_time() {
            pending += 1;
            continue;
        }
        scored.push(score(b, actuals, &idx, &values, t0, input.is_m5)?);
    }
    if unknown_series > 0 {
        notes.push(format!("{unknown_series} logged series forecasts name series the actuals do not have; they are left out"));
    }
    let metric = if input.is_m5 { "wrmsse" } else { "mase" };
    let mut record = MonitorRecord {
        title: "tsforge monitor: logged forecasts against actuals".into(),
        metric: metric.into(),
        store: options.store.display().to_string(),
        actuals: options.actuals.clone(),
        window: options.window,
        tolerance: options.tolerance,
        max_bias: options.max_bias,
        pending,
        notes,
        ..MonitorRecord::default()
    };
    summarise(&mut record, scored, options);
    Ok(record)
}

fn filter_text(f: &LogFilter) -> String {
    let mut parts = Vec::new();
    if let Some(b) = &f.bundle {
        parts.push(format!("bundle {b}"));
    }
    if let Some(a) = &f.arm {
        parts.push(format!("arm {a}"));
    }
    if parts.is_empty() { String::new() } else { format!(" for {}", parts.join(", ")) }
}

fn short(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// How to read the actuals: the logged bundle's run settings (columns, frequency) with
/// the actuals as the data.
fn actuals_settings(db: &Db, batches: &[LoggedBatch], actuals: &str) -> Result<Settings> {
    let bundle_id = batches.first().map(|b| b.batch.bundle_id.clone()).unwrap_or_default();
    let value = db.logged_settings(&bundle_id)?.ok_or_else(|| StoreError::Failed(format!("the forecast log has no run settings for bundle {}", short(&bundle_id))))?;
    let mut settings: Settings = serde_json::from_value(value).map_err(|e| StoreError::Failed(format!("logged settings of bundle {}: {e}", short(&bundle_id))))?;
    settings.data = actuals.to_string();
    Ok(settings)
}

/// Scores one batch on its series `idx` of the actuals (`values` in that order).
fn score(b: &LoggedBatch, actuals: &Panel, idx: &[usize], values: &[f64], t0: usize, is_m5: bool) -> Result<Scored> {
    let h = b.batch.horizon;
    let selected = actuals.select(idx).map_err(|e| StoreError::Failed(format!("monitor: {e}")))?;
    let history = selected.truncated(t0).map_err(|e| StoreError::Failed(format!("monitor: {e}")))?;
    let truth = selected.window_values(t0, t0 + h);
    let (error, levels) = match (&history.attrs, is_m5) {
        (Some(attrs), true) => {
            let ev = M5Evaluator::from_panel(&history, Hierarchy::m5(attrs), h).map_err(|e| StoreError::Failed(format!("monitor: {e}")))?;
            let s = ev.wrmsse(&truth, values).map_err(|e| StoreError::Failed(format!("monitor: {e}")))?;
            (Some(s.total), s.levels)
        }
        _ => (None, Vec::new()),
    };
    let season = actuals.index.freq().season_length();
    let mut series_errors = Vec::with_capacity(idx.len());
    for k in 0..idx.len() {
        let hist: Vec<f64> = history.observed(k).iter().map(|&v| f64::from(v)).collect();
        let (a, f) = (&truth[k * h..(k + 1) * h], &values[k * h..(k + 1) * h]);
        let e = if is_m5 { point::rmsse_scale(&hist).and_then(|s| point::rmsse(a, f, s)) } else { point::mase(a, f, &hist, season.max(1)) };
        if let Some(e) = e.filter(|e| e.is_finite()) {
            series_errors.push(e);
        }
    }
    let error = error.or_else(|| (!series_errors.is_empty()).then(|| series_errors.iter().sum::<f64>() / series_errors.len() as f64));
    let (ft, at): (f64, f64) = (values.iter().filter(|v| v.is_finite()).sum(), truth.iter().filter(|v| v.is_finite()).sum());
    let bias = (at > 0.0).then(|| ft / at - 1.0);
    let row = OriginRow {
        bundle_id: b.batch.bundle_id.clone(),
        arm: b.batch.arm.clone(),
        model: b.batch.model.clone(),
        source: b.batch.source.clone(),
        origin: b.batch.origin.clone(),
        window: [actuals.index.label(t0), actuals.index.label(t0 + h - 1)],
        series: idx.len(),
        error,
        levels,
        bias,
        outside_band: false,
    };
    Ok(Scored { row, run_name: b.batch.run_name.clone(), backtest: b.batch.backtest, series_errors, t0 })
}

/// Groups the scored batches by (bundle, arm): summaries, band flags, alarms and the
/// arm-against-arm tests.
fn summarise(record: &mut MonitorRecord, scored: Vec<Scored>, options: &MonitorOptions) {
    let mut arms: BTreeMap<(String, String), Vec<Scored>> = BTreeMap::new();
    for s in scored {
        arms.entry((s.row.arm.clone(), s.row.bundle_id.clone())).or_default().push(s);
    }
    let mut pooled: Vec<(String, BTreeMap<usize, Vec<f64>>)> = Vec::new();
    for ((arm, bundle_id), mut list) in arms {
        list.sort_by_key(|s| s.t0);
        let backtest = list.iter().find_map(|s| s.backtest);
        let band_upper = backtest.map(|b| b * (1.0 + options.tolerance));
        for s in &mut list {
            s.row.outside_band = matches!((s.row.error, band_upper), (Some(e), Some(u)) if e > u);
        }
        let errors: Vec<f64> = list.iter().filter_map(|s| s.row.error).collect();
        let recent: Vec<&Scored> = list.iter().rev().take(options.window).collect();
        let mean = |v: &[f64]| (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64);
        let rolling_error = mean(&recent.iter().filter_map(|s| s.row.error).collect::<Vec<_>>());
        let rolling_bias = mean(&recent.iter().filter_map(|s| s.row.bias).collect::<Vec<_>>());
        let summary = ArmSummary {
            bundle_id: bundle_id.clone(),
            run_name: list[0].run_name.clone(),
            arm: arm.clone(),
            model: list[0].row.model.clone(),
            origins: list.len(),
            series: list.iter().map(|s| s.row.series).max().unwrap_or(0),
            mean_error: mean(&errors),
            rolling_error,
            rolling_bias,
            backtest,
            band_upper,
        };
        if let (Some(e), Some(u)) = (rolling_error, band_upper)
            && e > u
        {
            record.alarms.push(Alarm {
                arm: arm.clone(),
                bundle_id: bundle_id.clone(),
                kind: "error".into(),
                message: format!(
                    "rolling {} {e:.4} over the last {} origins is above the band {u:.4} (backtest {:.4} × {:.2})",
                    record.metric.to_uppercase(),
                    recent.len(),
                    backtest.unwrap_or(f64::NAN),
                    1.0 + options.tolerance
                ),
            });
        }
        if let Some(b) = rolling_bias.filter(|b| b.abs() > options.max_bias) {
            let way = if b > 0.0 { "over" } else { "under" };
            record.alarms.push(Alarm {
                arm: arm.clone(),
                bundle_id: bundle_id.clone(),
                kind: "bias".into(),
                message: format!("forecasts {way}shoot the actuals by {:.1}% over the last {} origins (limit ±{:.0}%)", 100.0 * b.abs(), recent.len(), 100.0 * options.max_bias),
            });
        }
        let label = if record.arms.iter().any(|a| a.arm == arm) { format!("{arm}@{}", short(&bundle_id)) } else { arm.clone() };
        pooled.push((label, list.iter().map(|s| (s.t0, s.series_errors.clone())).collect()));
        record.origins.extend(list.into_iter().map(|s| s.row));
        record.arms.push(summary);
    }
    for i in 0..pooled.len() {
        for j in i + 1..pooled.len() {
            if let Some(c) = compare(&pooled[i], &pooled[j]) {
                record.comparisons.push(c);
            }
        }
    }
}

/// The rank test of two arms over the origins both answered.
fn compare(a: &(String, BTreeMap<usize, Vec<f64>>), b: &(String, BTreeMap<usize, Vec<f64>>)) -> Option<ArmComparison> {
    let shared: Vec<usize> = a.1.keys().filter(|t| b.1.contains_key(t)).copied().collect();
    if shared.is_empty() {
        return None;
    }
    let pool = |m: &BTreeMap<usize, Vec<f64>>| shared.iter().flat_map(|t| m[t].iter().copied()).collect::<Vec<f64>>();
    let (ea, eb) = (pool(&a.1), pool(&b.1));
    let (z, p) = rank_test::mann_whitney(&ea, &eb)?;
    let verdict = if p >= 0.05 {
        "no significant difference".to_string()
    } else if z < 0.0 {
        format!("{} errs less", a.0)
    } else {
        format!("{} errs less", b.0)
    };
    Some(ArmComparison { a: a.0.clone(), b: b.0.clone(), origins: shared.len(), n_a: ea.len(), n_b: eb.len(), median_a: median(&ea), median_b: median(&eb), z, p_value: p, verdict })
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    match s.len() {
        0 => f64::NAN,
        n if n % 2 == 1 => s[n / 2],
        n => (s[n / 2 - 1] + s[n / 2]) / 2.0,
    }
}
