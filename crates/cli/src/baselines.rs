//! The two baselines every run starts with. They move to the stats crate with its issue.

use tsforge_core::model::ModelError;
use tsforge_core::{FittedForecaster, Forecast, Forecaster, Panel};

/// Repeats each series' last observed value.
pub struct Naive;

/// Repeats each series' last `season` observed values; a series shorter than one
/// season falls back to Naive (counted in `fallbacks`).
pub struct SeasonalNaive {
    pub season: usize,
}

struct FittedSeasonal {
    alias: String,
    /// The last season of each series, oldest first.
    tails: Vec<Vec<f64>>,
}

impl Forecaster for Naive {
    fn alias(&self) -> &str {
        "Naive"
    }
    fn family(&self) -> &str {
        "baseline"
    }
    fn fit(&self, train: &Panel) -> Result<Box<dyn FittedForecaster>, ModelError> {
        Ok(Box::new(FittedSeasonal { alias: "Naive".into(), tails: tails(train, 1)? }))
    }
}

impl Forecaster for SeasonalNaive {
    fn alias(&self) -> &str {
        "SeasonalNaive"
    }
    fn family(&self) -> &str {
        "baseline"
    }
    fn fit(&self, train: &Panel) -> Result<Box<dyn FittedForecaster>, ModelError> {
        Ok(Box::new(FittedSeasonal { alias: "SeasonalNaive".into(), tails: tails(train, self.season.max(1))? }))
    }
}

impl SeasonalNaive {
    /// Series too short for a full season (they get the Naive forecast).
    pub fn fallbacks(&self, train: &Panel) -> usize {
        (0..train.n_series()).filter(|&i| train.observed(i).len() < self.season).count()
    }
}

fn tails(train: &Panel, season: usize) -> Result<Vec<Vec<f64>>, ModelError> {
    (0..train.n_series())
        .map(|i| {
            let obs = train.observed(i);
            if obs.is_empty() {
                return Err(format!("series '{}' has no observations before the forecast origin", train.ids[i]).into());
            }
            let m = if obs.len() >= season { season } else { 1 };
            Ok(obs[obs.len() - m..].iter().map(|&v| f64::from(v)).collect())
        })
        .collect()
}

impl FittedForecaster for FittedSeasonal {
    fn predict(&self, horizon: usize) -> Result<Forecast, ModelError> {
        let values = self.tails.iter().flat_map(|tail| (0..horizon).map(move |k| tail[k % tail.len()])).collect();
        Ok(Forecast::new(self.alias.clone(), self.tails.len(), horizon, 0, values)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsforge_core::{Freq, TimeIndex};

    #[test]
    fn seasonal_naive_repeats_the_last_season() {
        let index = TimeIndex::Dates { start_days: 0, freq: Freq::Daily, len: 5 };
        let p = Panel::dense(vec!["a".into()], index, vec![1.0, 2.0, 3.0, 4.0, 5.0]).unwrap_or_else(|e| panic!("{e}"));
        let f = SeasonalNaive { season: 3 }.fit(&p).and_then(|m| m.predict(4)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.values, vec![3.0, 4.0, 5.0, 3.0]);
        let n = Naive.fit(&p).and_then(|m| m.predict(2)).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(n.values, vec![5.0, 5.0]);
    }
}
