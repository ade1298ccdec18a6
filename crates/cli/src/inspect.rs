//! `tsforge data inspect` and `tsforge data synth`.

use std::collections::BTreeMap;
use std::time::Instant;

use serde_json::json;
use tsforge_core::sparsity::{DemandClass, classify};
use tsforge_data::synth::{self, SynthSpec};

use tsforge_automl::pipeline::{Input, RunOptions};
use tsforge_automl::{Recipe, Registry, Settings};

use crate::args::{InspectArgs, SynthArgs};
use crate::progress::Display;

pub fn execute(args: &InspectArgs) -> anyhow::Result<()> {
    let options = RunOptions { data: args.data.clone(), ..RunOptions::default() };
    let settings = Settings::resolve(&options, &Recipe::default(), &Registry::standard())?;
    let started = Instant::now();
    let input = Display::new(args.quiet || args.json).step("loading data", || Input::load(&settings))?;
    let load_seconds = started.elapsed().as_secs_f64();
    let p = &input.panel;
    let mut classes: BTreeMap<DemandClass, usize> = BTreeMap::new();
    for i in 0..p.n_series() {
        *classes.entry(classify(p.observed(i))).or_default() += 1;
    }
    let lengths: Vec<usize> = p.spans.iter().map(|(s, e)| e - s).collect();
    let (min_len, max_len) = (lengths.iter().copied().min().unwrap_or(0), lengths.iter().copied().max().unwrap_or(0));
    let class_counts: BTreeMap<&str, usize> = classes.iter().map(|(c, n)| (c.name(), *n)).collect();
    if args.json {
        let v = json!({
            "data": settings.data,
            "kind": if input.is_m5 { "m5" } else { "long" },
            "series": p.n_series(),
            "time_points": p.n_time(),
            "frequency": p.index.freq(),
            "first": p.index.label(0),
            "last": p.index.label(p.n_time().saturating_sub(1)),
            "min_length": min_len,
            "max_length": max_len,
            "zero_share": p.zero_share(),
            "has_prices": p.prices.is_some(),
            "demand_classes": class_counts,
            "load_seconds": load_seconds,
        });
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(());
    }
    println!("data:        {} ({})", settings.data, if input.is_m5 { "M5 files" } else { "long format" });
    println!("series:      {}", p.n_series());
    println!("length:      {} {} periods, {} .. {}", p.n_time(), p.index.freq().name(), p.index.label(0), p.index.label(p.n_time().saturating_sub(1)));
    if min_len != max_len {
        println!("per series:  {min_len} .. {max_len} observations");
    }
    println!("zeros:       {:.1}% of observed values", 100.0 * p.zero_share());
    println!("prices:      {}", if p.prices.is_some() { "yes" } else { "no" });
    println!("demand classes (Syntetos-Boylan: ADI cut-off 1.32, CV² cut-off 0.49):");
    for c in [DemandClass::Smooth, DemandClass::Erratic, DemandClass::Intermittent, DemandClass::Lumpy, DemandClass::AllZero] {
        let n = classes.get(&c).copied().unwrap_or(0);
        let share = if p.n_series() == 0 { 0.0 } else { 100.0 * n as f64 / p.n_series() as f64 };
        println!("  {:<13} {n:>7}  ({share:.1}%)", c.name());
    }
    println!("loaded in {load_seconds:.2} s");
    Ok(())
}

pub fn synth(args: &SynthArgs) -> anyhow::Result<()> {
    let spec = SynthSpec { stores: args.stores, items: args.items, days: args.days, seed: args.seed };
    let started = Instant::now();
    let summary = Display::new(args.quiet).step("generating", || synth::generate(&spec, &args.out))?;
    if !args.quiet {
        println!("Wrote {} series × {} days to {} ({:.1}% zeros) in {:.1} s", summary.series, summary.days, args.out.display(), 100.0 * summary.zero_share, started.elapsed().as_secs_f64());
    }
    Ok(())
}
