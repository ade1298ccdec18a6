//! Datasets shipped inside the binary, so `tsforge run` works from any directory.

use crate::error::Result;
use crate::m5::M5Sources;
use crate::source::Source;

/// Name of the default dataset.
pub const DEFAULT_DATASET: &str = "m5-tiny";

/// Names of the shipped datasets.
pub const SHIPPED: [&str; 1] = [DEFAULT_DATASET];

macro_rules! shipped {
    ($file:literal) => {
        ($file, include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../datasets/m5-tiny/", $file)).as_slice())
    };
}

const M5_TINY: [(&str, &[u8]); 4] = [shipped!("calendar.csv.gz"), shipped!("sell_prices.csv.gz"), shipped!("sales_train_validation.csv.gz"), shipped!("sales_train_evaluation.csv.gz")];

/// The sources of a shipped dataset, or `None` if no dataset has that name.
pub fn shipped(name: &str) -> Option<Result<M5Sources>> {
    (name == DEFAULT_DATASET).then(|| {
        let src = |k: usize| Source::from_bytes(format!("datasets/m5-tiny/{}", M5_TINY[k].0), M5_TINY[k].1.to_vec());
        Ok(M5Sources { calendar: src(0)?, prices: Some(src(1)?), validation: Some(src(2)?), evaluation: Some(src(3)?) })
    })
}

/// m5-tiny's evaluation file with its last `horizon` days held out: the training
/// panel, the held-out truth (`n × horizon`, series-major) and the WRMSSE evaluator of a
/// forecast from the end of the training panel. What the examples score against.
pub fn m5_tiny_holdout(horizon: usize) -> Result<(tsforge_core::Panel, Vec<f64>, tsforge_core::metrics::M5Evaluator)> {
    let bad = |problem: String| crate::DataError::invalid(DEFAULT_DATASET, crate::error::Location::File, problem);
    let src = shipped(DEFAULT_DATASET).ok_or_else(|| bad("not shipped".into()))??;
    let (train, truth) = crate::m5::load(&src)?.panel.holdout(horizon).map_err(|e| bad(e.to_string()))?;
    let attrs = train.attrs.as_deref().ok_or_else(|| bad("no hierarchy attributes".into()))?;
    let eval = tsforge_core::metrics::M5Evaluator::from_panel(&train, tsforge_core::Hierarchy::m5(attrs), horizon).map_err(|e| bad(e.to_string()))?;
    Ok((train, truth, eval))
}

/// The real M5 calendar (1,969 days) of the shipped data, decompressed.
pub fn m5_calendar() -> Result<Source> {
    Source::from_bytes("datasets/m5-tiny/calendar.csv.gz".into(), M5_TINY[0].1.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Prices are known in advance: the loaded panel carries them over every calendar
    /// day (d_1..d_1969), past the last day of sales (d_1941).
    #[test]
    fn shipped_prices_cover_the_forecast_days() {
        let src = shipped(DEFAULT_DATASET).and_then(|r| r.ok()).unwrap_or_else(|| panic!("m5-tiny is shipped"));
        let data = crate::m5::load(&src).unwrap_or_else(|e| panic!("{e}"));
        let p = &data.panel;
        assert_eq!(p.n_time(), 1941);
        let prices = p.prices.as_ref().unwrap_or_else(|| panic!("m5-tiny has prices"));
        assert_eq!(prices.days, 1969);
        // every item sold in the last week of sales has a price on the last forecast day
        let priced = (0..p.n_series()).filter(|&i| p.row(i)[1934..].iter().any(|&v| v > 0.0)).all(|i| !prices.row(i)[1968].is_nan());
        assert!(priced);
    }
}
