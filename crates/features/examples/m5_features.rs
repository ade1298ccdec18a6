//! Feature-building benchmark helper on an M5 folder (used by `bench/features_vs_mlforecast.py`
//! and `bench/gbdt_m5_matrix.py`; not part of the library).
//!
//! ```text
//! m5_features window DATA_DIR SPEC.json DAYS [CHECK_SERIES]
//!     Loads the M5 folder, keeps only the last DAYS days (sales, calendar and prices
//!     start there, so lags, rolling, expanding and EWM statistics see exactly what a
//!     tool given only those days sees), builds the spec's features for
//!     every series × those DAYS days, prints one JSON line (timings, peak memory,
//!     shape) and, with CHECK_SERIES (comma-separated series indices), the feature values
//!     of those series as extra JSON lines {"series","id","column","values"}.
//! m5_features dump DATA_DIR SPEC.json TRAIN_DAYS VALID_DAYS OUT_DIR [STORES]
//!     Builds the matrix a direct GBDT trains on: the data without its last VALID_DAYS
//!     days is the training panel; training rows are the last TRAIN_DAYS days of each
//!     series from its first non-zero sale (as `tsforge_gbdt::forecaster::recent_rows`),
//!     validation rows the VALID_DAYS held-out days. Optional STORES (comma-separated
//!     store ids) keeps only those stores' series. Writes x_train.f32 / x_valid.f32
//!     (column-major little-endian f32), y_train.f64 / y_valid.f64 and meta.json.
//! ```
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::Write;
use std::path::Path;
use std::time::Instant;

use tsforge_core::{Calendar, Panel, Prices};
use tsforge_data::m5::{M5Sources, load};
use tsforge_features::{FeatureSpec, Vocabulary, build_with, training_rows};

type Res<T> = Result<T, Box<dyn std::error::Error>>;

/// Peak resident set (VmHWM) of this process so far, KiB.
fn vm_hwm_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status").ok().and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())).unwrap_or(0)
}

fn read_spec(path: &str) -> Res<FeatureSpec> {
    let text = std::fs::read_to_string(path)?;
    let v: serde_json::Value = serde_json::from_str(&text)?;
    // either a bare spec or {"features": spec, ...} as printed by the gbdt m5_matrix example
    let spec = v.get("features").cloned().unwrap_or(v);
    Ok(serde_json::from_value(spec)?)
}

fn write_f32(path: &Path, v: &[f32]) -> Res<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for x in v {
        f.write_all(&x.to_le_bytes())?;
    }
    Ok(f.flush()?)
}

fn write_f64(path: &Path, v: &[f64]) -> Res<()> {
    let mut f = std::io::BufWriter::new(std::fs::File::create(path)?);
    for x in v {
        f.write_all(&x.to_le_bytes())?;
    }
    Ok(f.flush()?)
}

fn main() -> Res<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("window") if args.len() >= 4 => window(&args[1..]),
        Some("dump") if args.len() >= 6 => dump(&args[1..]),
        _ => Err("usage: m5_features window DATA_DIR SPEC.json DAYS [CHECK_SERIES] | dump DATA_DIR SPEC.json TRAIN_DAYS VALID_DAYS OUT_DIR [STORES]".into()),
    }
}

fn window(args: &[String]) -> Res<()> {
    let t0 = Instant::now();
    let spec = read_spec(&args[1])?.validate()?;
    let days: usize = args[2].parse()?;
    let panel = load(&M5Sources::from_dir(Path::new(&args[0]))?)?.panel;
    let load_s = t0.elapsed().as_secs_f64();
    let hwm_load = vm_hwm_kib();

    let t1 = Instant::now();
    let n_time = panel.n_time();
    let start = n_time.saturating_sub(days);
    // codes from the whole calendar and every series (what mlforecast's inputs are coded with)
    let vocab = Vocabulary::from_panel(&panel);
    let panel = from_position(&panel, start)?;
    let rows = training_rows(&panel);
    let prep_s = t1.elapsed().as_secs_f64();
    let m = build_with(&panel, &spec, &vocab, &rows)?;
    let build_s = t1.elapsed().as_secs_f64();
    let hwm = vm_hwm_kib();
    let nan = m.columns.iter().filter(|v| v.is_nan()).count();
    println!(
        "{}",
        serde_json::json!({
            "load_seconds": load_s, "build_seconds": build_s, "slice_seconds": prep_s, "rows": m.n_rows, "cols": m.n_cols(),
            "series": panel.n_series(), "days": panel.n_time(), "first_day": start + 1, "names": m.names,
            "nan_share": nan as f64 / m.columns.len().max(1) as f64,
            "vm_hwm_after_load_kib": hwm_load, "vm_hwm_kib": hwm,
            "threads": rayon::current_num_threads(),
        })
    );
    if let Some(list) = args.get(3) {
        for s in list.split(',').filter(|s| !s.is_empty()) {
            let i: usize = s.parse()?;
            let r0 = i * panel.n_time();
            for (j, name) in m.names.iter().enumerate() {
                let col = &m.column(j)[r0..r0 + panel.n_time()];
                let vals: Vec<Option<f32>> = col.iter().map(|v| (!v.is_nan()).then_some(*v)).collect();
                println!("{}", serde_json::json!({"series": i, "id": panel.ids[i], "column": name, "values": vals}));
            }
        }
    }
    Ok(())
}

/// The panel from position `start` on: sales, calendar and prices all begin there.
fn from_position(p: &Panel, start: usize) -> Res<Panel> {
    let t = p.n_time();
    let len = t - start;
    let y: Vec<f32> = p.y.chunks_exact(t).flat_map(|r| r[start..].iter().copied()).collect();
    let tsforge_core::TimeIndex::Dates { start_days, freq, .. } = p.index.clone() else { return Err("needs a date index".into()) };
    let mut out = Panel::dense(p.ids.clone(), tsforge_core::TimeIndex::Dates { start_days: start_days + start as i32, freq, len }, y)?;
    out.attrs = p.attrs.clone();
    out.calendar = p.calendar.as_ref().map(|c| Calendar {
        wm_yr_wk: c.wm_yr_wk[start..].to_vec(),
        event_name_1: c.event_name_1[start..].to_vec(),
        event_type_1: c.event_type_1[start..].to_vec(),
        event_name_2: c.event_name_2[start..].to_vec(),
        event_type_2: c.event_type_2[start..].to_vec(),
        snap: c.snap.iter().map(|(s, v)| (s.clone(), v[start..].to_vec())).collect(),
    });
    out.prices = match &p.prices {
        Some(pr) => {
            let days = pr.days - start;
            Some(Prices::new(p.n_series(), days, pr.values.chunks_exact(pr.days).flat_map(|r| r[start..].iter().copied()).collect())?)
        }
        None => None,
    };
    Ok(out)
}

fn dump(args: &[String]) -> Res<()> {
    let t0 = Instant::now();
    let spec = read_spec(&args[1])?.validate()?;
    let train_days: usize = args[2].parse()?;
    let valid_days: usize = args[3].parse()?;
    let out = Path::new(&args[4]);
    std::fs::create_dir_all(out)?;
    let stores: Option<Vec<&str>> = args.get(5).map(|s| s.split(',').collect());
    let panel = load(&M5Sources::from_dir(Path::new(&args[0]))?)?.panel;
    let load_s = t0.elapsed().as_secs_f64();
    let t1 = Instant::now();
    let n_time = panel.n_time();
    let cut = n_time - valid_days;
    let train = panel.truncated(cut)?;
    let keep = |i: usize| match (&stores, &panel.attrs) {
        (Some(list), Some(a)) => list.contains(&a[i].store.as_str()),
        _ => true,
    };
    // as tsforge_gbdt::forecaster::recent_rows, restricted to the kept series
    let mut train_rows = Vec::new();
    let mut valid_rows = Vec::new();
    for i in (0..train.n_series()).filter(|&i| keep(i)) {
        let (s, e) = train.spans[i];
        let Some(k) = train.row(i)[s..e].iter().position(|&v| v > 0.0) else { continue };
        let from = (s + k).max(cut.saturating_sub(train_days));
        train_rows.extend((from..e).map(|p| (i, p)));
        valid_rows.extend((cut..n_time).map(|p| (i, p)));
    }
    let vocab = Vocabulary::from_panel(&train);
    let xt = build_with(&train, &spec, &vocab, &train_rows)?;
    let xv = build_with(&train, &spec, &vocab, &valid_rows)?;
    let build_s = t1.elapsed().as_secs_f64();
    let label = |rows: &[(usize, usize)]| -> Vec<f64> { rows.iter().map(|&(i, p)| f64::from(panel.row(i)[p])).collect() };
    write_f32(&out.join("x_train.f32"), &xt.columns)?;
    write_f32(&out.join("x_valid.f32"), &xv.columns)?;
    write_f64(&out.join("y_train.f64"), &label(&train_rows))?;
    write_f64(&out.join("y_valid.f64"), &label(&valid_rows))?;
    let meta = serde_json::json!({
        "names": xt.names, "n_train": xt.n_rows, "n_valid": xv.n_rows, "categorical": spec.categorical(),
        "series": valid_rows.len() / valid_days.max(1), "train_days": train_days, "valid_days": valid_days,
        "cut_day": cut, "stores": stores, "load_seconds": load_s, "build_seconds": build_s,
    });
    std::fs::write(out.join("meta.json"), serde_json::to_string_pretty(&meta)?)?;
    println!("{meta}");
    Ok(())
}
