//! The global models of this crate on a long-format file, fitted on all of it, forecasting
//! the `h` periods after each series' end: what `tsforge run --data CUT --horizon H
//! --season-length M --phase evaluation --models A,B` fits for its submission, without the
//! CLI (bench/smartcore_families.py scores the output against the held-out truth).
//!
//! `cargo run -p tsforge-gbdt --example long_cut -- CUT.csv H M OUT.csv [SEED] [MODELS]`
//! writes `unique_id,step,MODEL...` (MODELS comma-separated catalog names, default
//! `RandomForest-direct,Ridge-direct,GBDT-Tweedie-direct`; SEED default 0).

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use tsforge_core::{BuildSpec, FitContext};
use tsforge_data::long::{LongSpec, load};

fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let args: Vec<String> = std::env::args().collect();
    let [_, cut, h, m, out, ..] = args.as_slice() else {
        return Err("usage: long_cut CUT.csv H M OUT.csv [SEED] [MODELS]".into());
    };
    let (h, m): (usize, usize) = (h.parse()?, m.parse()?);
    let seed: u64 = args.get(5).map_or(Ok(0), |s| s.parse())?;
    let names: Vec<String> = args.get(6).map_or("RandomForest-direct,Ridge-direct,GBDT-Tweedie-direct", String::as_str).split(',').map(String::from).collect();
    let panel = load(Path::new(cut), &LongSpec::default())?;
    let catalog = tsforge_gbdt::catalog();
    let mut columns = Vec::new();
    for name in &names {
        let entry = catalog.iter().find(|e| &e.alias == name).ok_or_else(|| format!("no model {name}"))?;
        let model = entry.build(&BuildSpec::plain(name, h, m, false))?;
        let start = Instant::now();
        let f = model.fit(&panel, &FitContext::new(h).with_seed(seed))?.predict(h)?;
        eprintln!("{name}: fit and forecast {:.1} s", start.elapsed().as_secs_f64());
        columns.push(f.values);
    }
    let mut text = format!("unique_id,step,{}\n", names.join(","));
    for (i, id) in panel.ids.iter().enumerate() {
        for k in 0..h {
            write!(text, "{id},{}", k + 1)?;
            for c in &columns {
                write!(text, ",{}", c[i * h + k])?;
            }
            text.push('\n');
        }
    }
    std::fs::write(out, text)?;
    Ok(())
}
