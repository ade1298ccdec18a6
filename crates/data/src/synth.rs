//! Synthetic data in the exact M5 file layout, at any size up to the full 30,490
//! series × 1,941 days. It serves scale and speed tests, not accuracy claims.
//!
//! Demand per item × store is a gamma-Poisson draw around a rate shaped by the store,
//! weekly and yearly seasonality, SNAP days (food), events (stores close on
//! Christmas), price elasticity against promotions and permanent price changes,
//! late launches and stock-outs. Every series draws from its own generator seeded
//! by (seed, item, store), so output is identical for a seed whatever the thread count.

use std::fmt::Write as _;
use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Gamma, LogNormal, Poisson};
use rayon::prelude::*;

use crate::error::{DataError, Result};
use crate::m5::{ID_COLUMNS, read_calendar};
use crate::registry;
use crate::write::write_atomic;

/// The ten M5 stores, in Kaggle order.
pub const STORES: [(&str, &str); 10] = [("CA_1", "CA"), ("CA_2", "CA"), ("CA_3", "CA"), ("CA_4", "CA"), ("TX_1", "TX"), ("TX_2", "TX"), ("TX_3", "TX"), ("WI_1", "WI"), ("WI_2", "WI"), ("WI_3", "WI")];

/// The seven M5 departments and their item counts in the real data (3,049 items).
pub const DEPTS: [(&str, &str, usize); 7] = [
    ("FOODS_1", "FOODS", 216),
    ("FOODS_2", "FOODS", 398),
    ("FOODS_3", "FOODS", 823),
    ("HOBBIES_1", "HOBBIES", 416),
    ("HOBBIES_2", "HOBBIES", 149),
    ("HOUSEHOLD_1", "HOUSEHOLD", 532),
    ("HOUSEHOLD_2", "HOUSEHOLD", 515),
];

pub const MAX_ITEMS: usize = 3049;
pub const MAX_DAYS: usize = 1941;
const HORIZON: usize = 28;

/// What to generate.
#[derive(Debug, Clone)]
pub struct SynthSpec {
    /// The first `stores` of [`STORES`] (1..=10).
    pub stores: usize,
    /// Items per store (1..=3049), spread over departments in the M5 proportions.
    pub items: usize,
    /// Days in the evaluation file (29..=1941); the validation file has 28 fewer.
    pub days: usize,
    pub seed: u64,
}

impl Default for SynthSpec {
    fn default() -> Self {
        SynthSpec { stores: 10, items: MAX_ITEMS, days: MAX_DAYS, seed: 0 }
    }
}

/// What was written.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthSummary {
    pub series: usize,
    pub days: usize,
    pub zero_share: f64,
}

struct Item {
    id: String,
    dept: &'static str,
    cat: &'static str,
}

/// Writes calendar.csv, sell_prices.csv, sales_train_validation.csv and
/// sales_train_evaluation.csv into `out`.
pub fn generate(spec: &SynthSpec, out: &Path) -> Result<SynthSummary> {
    if !(1..=STORES.len()).contains(&spec.stores) {
        return Err(DataError::Synth(format!("--stores must be 1..=10, got {}", spec.stores)));
    }
    if !(1..=MAX_ITEMS).contains(&spec.items) {
        return Err(DataError::Synth(format!("--items must be 1..={MAX_ITEMS}, got {}", spec.items)));
    }
    if !(HORIZON + 1..=MAX_DAYS).contains(&spec.days) {
        return Err(DataError::Synth(format!("--days must be {}..={MAX_DAYS}, got {}", HORIZON + 1, spec.days)));
    }
    std::fs::create_dir_all(out).map_err(|source| DataError::Write { file: out.display().to_string(), source })?;
    let calendar_src = registry::m5_calendar()?;
    let cal = read_calendar(&calendar_src)?.calendar;
    let items = items(spec.items);
    let series: Vec<(usize, usize)> = (0..items.len()).flat_map(|i| (0..spec.stores).map(move |s| (i, s))).collect();
    let days = spec.days;
    let rows: Vec<SeriesRows> = series.par_iter().map(|&(i, s)| simulate(spec.seed, i, s, &items[i], &cal, days)).collect();
    let zeros: usize = rows.iter().map(|r| r.zeros).sum();
    write_atomic(&out.join("calendar.csv"), &calendar_src.bytes)?;
    let mut prices = String::from("store_id,item_id,wm_yr_wk,sell_price\n");
    for r in &rows {
        prices.push_str(&r.prices);
    }
    write_atomic(&out.join("sell_prices.csv"), prices.as_bytes())?;
    drop(prices);
    for (name, suffix, n_days) in [("sales_train_validation.csv", "validation", days - HORIZON), ("sales_train_evaluation.csv", "evaluation", days)] {
        let mut text = ID_COLUMNS.join(",");
        for d in 1..=n_days {
            let _ = write!(text, ",d_{d}");
        }
        text.push('\n');
        let lines: Vec<String> = series
            .par_iter()
            .zip(&rows)
            .map(|(&(i, s), r)| {
                let (store, state) = STORES[s];
                let it = &items[i];
                let mut line = format!("{}_{store}_{suffix},{},{},{},{store},{state}", it.id, it.id, it.dept, it.cat);
                for v in &r.sales[..n_days] {
                    let _ = write!(line, ",{v}");
                }
                line.push('\n');
                line
            })
            .collect();
        text.reserve(lines.iter().map(String::len).sum());
        for l in lines {
            text.push_str(&l);
        }
        write_atomic(&out.join(name), text.as_bytes())?;
    }
    Ok(SynthSummary { series: series.len(), days, zero_share: zeros as f64 / (series.len() * days) as f64 })
}

/// `n` items spread over the departments in the M5 proportions (largest remainder).
fn items(n: usize) -> Vec<Item> {
    let total: usize = DEPTS.iter().map(|d| d.2).sum();
    let exact: Vec<f64> = DEPTS.iter().map(|d| (n * d.2) as f64 / total as f64).collect();
    let mut counts: Vec<usize> = exact.iter().map(|e| e.floor() as usize).collect();
    let mut order: Vec<usize> = (0..DEPTS.len()).collect();
    order.sort_by(|&a, &b| (exact[b] - exact[b].floor()).total_cmp(&(exact[a] - exact[a].floor())).then(a.cmp(&b)));
    let short = n - counts.iter().sum::<usize>();
    for &k in order.iter().take(short) {
        counts[k] += 1;
    }
    DEPTS.iter().zip(counts).flat_map(|(&(dept, cat, _), c)| (1..=c).map(move |k| Item { id: format!("{dept}_{k:03}"), dept, cat })).collect()
}

struct SeriesRows {
    sales: Vec<u32>,
    prices: String,
    zeros: usize,
}

fn mix(seed: u64, a: u64, b: u64) -> u64 {
    // SplitMix64 finaliser over the three inputs: independent, well-spread streams.
    let mut z = seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn simulate(seed: u64, item_idx: usize, store_idx: usize, item: &Item, cal: &tsforge_core::Calendar, days: usize) -> SeriesRows {
    // Item-level traits come from the item's own stream so every store shares them.
    let mut item_rng = StdRng::seed_from_u64(mix(seed, item_idx as u64, u64::MAX));
    let mut rng = StdRng::seed_from_u64(mix(seed, item_idx as u64, store_idx as u64));
    let (mu, price_mu) = match item.cat {
        "FOODS" => (0.2, 1.0),
        "HOBBIES" => (-1.0, 1.9),
        _ => (-0.7, 1.6),
    };
    let sample_ln = |r: &mut StdRng, m: f64, s: f64| LogNormal::new(m, s).map(|d| d.sample(r)).unwrap_or(1.0);
    let base_rate = sample_ln(&mut item_rng, mu, 1.1);
    let base_price = (sample_ln(&mut item_rng, price_mu, 0.6) * 100.0).round() / 100.0 + 0.5;
    let elasticity = item_rng.random_range(1.0..3.0);
    let year_phase = item_rng.random_range(0.0..std::f64::consts::TAU);
    let launch = if item_rng.random_bool(0.3) { item_rng.random_range(0..days * 4 / 5) } else { 0 };
    let store_factor = sample_ln(&mut rng, 0.0, 0.3);
    let (store, state) = STORES[store_idx];
    let snap = cal.snap_of(state);
    // Weekly price path over the whole calendar: promotions and permanent changes.
    let n_cal = cal.len();
    let mut price = base_price * rng.random_range(0.95..1.05);
    let mut prices = String::new();
    let mut day_price = vec![f64::NAN; n_cal];
    let mut t = 0;
    while t < n_cal {
        let week = cal.wm_yr_wk[t];
        let week_end = (t..n_cal).find(|&k| cal.wm_yr_wk[k] != week).unwrap_or(n_cal);
        if rng.random_bool(0.01) {
            price *= rng.random_range(0.9..1.15);
        }
        let p = if rng.random_bool(0.06) { price * rng.random_range(0.7..0.9) } else { price };
        let p = (p * 100.0).round() / 100.0;
        if week_end > launch {
            let _ = writeln!(prices, "{store},{},{week},{p:.2}", item.id);
            day_price[t..week_end].fill(p);
        }
        t = week_end;
    }
    let mut sales = vec![0u32; days];
    let mut stockout_left = 0usize;
    // Gamma(4, 1/4) noise: mean 1, CV² 0.25, so busy series can still be smooth.
    let gamma = Gamma::new(4.0, 0.25).ok();
    for (d, s) in sales.iter_mut().enumerate() {
        if d < launch {
            continue;
        }
        if stockout_left > 0 {
            stockout_left -= 1;
            continue;
        }
        if rng.random_bool(0.002) {
            stockout_left = rng.random_range(3..30);
            continue;
        }
        let event = cal.event_name_1[d].as_deref();
        if event == Some("Christmas") {
            continue;
        }
        let weekday = d % 7; // d_1 is a Saturday
        let weekly = if weekday <= 1 {
            1.3
        } else if weekday == 4 {
            0.9
        } else {
            1.0
        };
        let yearly = 1.0 + 0.15 * ((d as f64) * std::f64::consts::TAU / 365.25 + year_phase).sin();
        let snap_lift = if item.cat == "FOODS" && snap.is_some_and(|v| v[d] == 1) { 1.3 } else { 1.0 };
        let event_lift = match (event, item.cat) {
            (Some("SuperBowl"), "FOODS") => 1.3,
            (Some(_), _) => 0.9,
            (None, _) => 1.0,
        };
        let price_effect = (day_price[d] / base_price).powf(-elasticity);
        let launch_ramp = ((d - launch) as f64 / 60.0).min(1.0);
        let rate = base_rate * store_factor * weekly * yearly * snap_lift * event_lift * price_effect * launch_ramp;
        let noisy = gamma.map_or(rate, |g| rate * g.sample(&mut rng));
        if noisy > 0.0 {
            *s = Poisson::new(noisy).map(|p| p.sample(&mut rng) as u32).unwrap_or(0);
        }
    }
    let zeros = sales.iter().filter(|&&v| v == 0).count();
    SeriesRows { sales, prices, zeros }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn items_follow_m5_proportions() {
        let all = items(MAX_ITEMS);
        assert_eq!(all.len(), MAX_ITEMS);
        assert_eq!(all.iter().filter(|i| i.dept == "FOODS_3").count(), 823);
        assert_eq!(items(10).len(), 10);
    }
}
