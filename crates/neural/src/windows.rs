//! Training and prediction windows cut from a [`Panel`].
//!
//! A window at origin `t` of series `i` holds the `lookback` values before `t` as input
//! and the `horizon` values from `t` on as target, both divided by the series' scale at
//! `t`: the mean of its non-zero observed values before `t` (1 when there are none), so
//! one global network sees series of every volume on a comparable footing and nothing
//! from `t` on leaks into the scale. Positions before a series' first observation are 0.
//!
//! Inputs are laid out `[window, channel, lookback]`; channel 0 is the scaled target.
//! With `weekday_channels`, channels 1 and 2 carry the sine and cosine of each position's
//! place in the week, so a global network knows which weekday the horizon starts on
//! (series alone are too noisy to tell). With `calendar_channels` (M5 panels), two more
//! channels carry future-known calendar flags shifted `horizon` days ahead: at input
//! position `k` they hold the SNAP flag of the series' state and an any-event flag of the
//! day `horizon` days later, so the last `horizon` positions describe the forecast days
//! themselves (0 where the calendar or the state is unknown). With `price_channel`, one more
//! channel carries the sell price of the same shifted day relative to the highest known
//! price over those `lookback` days, minus 1 (0 at the regular price, −0.25 at a quarter
//! off; 0 where the price is unknown): promotions and price changes of the forecast days
//! are known in advance, like the calendar.
//!
//! With `panel_covariates` (long-format `[columns] future` and `past`), one channel per
//! dynamic covariate of the panel, divided by its largest absolute value: a known-in-
//! advance one shifted `horizon` periods ahead like the calendar (the last `horizon`
//! positions describe the forecast periods), a past-only one at the input positions
//! themselves (all before the origin); 0 where unknown.
//!
//! With `statics` (static embeddings), the last channels carry, per key, the table row of
//! the series' item, dept, cat, store or state (see [`crate::statics`]), constant along
//! the window; the network looks them up (see [`crate::nets::Embedded`]) and never sees
//! them as numbers.
//!
//! Training windows pick a series in proportion to 1 + its dollar sales (units × sell
//! price) over its last `weight_days` training days, as WRMSSE weighs series; panels
//! without prices fall back to unit sales.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tsforge_core::{CovariateKind, Panel};

use crate::error::{NeuralError, Result};
use tsforge_core::IdKey;
use tsforge_features::Vocabulary;

/// How training windows are drawn from a panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WindowConfig {
    /// Input length L.
    pub lookback: usize,
    /// Target length H (all steps are predicted at once).
    pub horizon: usize,
    /// Number of training windows drawn (with replacement).
    pub samples: usize,
    /// Observed values a series needs before an origin for a window there.
    pub min_history: usize,
    /// Origins are drawn from the last `recent_days` possible origins of each series
    /// (0: from all of them): old windows describe a different regime.
    pub recent_days: usize,
    /// A series is drawn in proportion to 1 + its sales over its last `weight_days`
    /// training days, like the M5 weights favour high-volume series.
    pub weight_days: usize,
    /// Weigh those sales in dollars (units × the day's sell price, as WRMSSE weighs
    /// series) where the panel has prices; series without a known price over those days
    /// fall back to units.
    pub dollar_weights: bool,
    /// Test-time multi-crop: average the forecasts of this many lookback crops (1: off).
    pub crops: usize,
    /// Crop `j` hides the oldest `j × crop_step` positions of the target channel.
    pub crop_step: usize,
    /// Keep the last `horizon` days of each series out of training as validation windows.
    pub validation: bool,
    /// Add the weekday (sine, cosine of grid position mod 7) as two input channels.
    pub weekday_channels: bool,
    /// Add SNAP (the series' state) and any-event flags, `horizon` days ahead, as two
    /// input channels (after the weekday pair).
    pub calendar_channels: bool,
    /// Add the relative sell price, `horizon` days ahead, as one input channel (after the
    /// calendar pair).
    pub price_channel: bool,
    /// Add the panel's dynamic covariates as channels (after the price channel).
    pub panel_covariates: bool,
    /// The covariates fed and the scale each is divided by, learned from the panel a
    /// model is fitted on ([`WindowConfig::with_panel_covariates`]) and saved with it.
    pub covariates: Vec<(String, f32)>,
    /// Attributes looked up in embedding tables (item, dept, cat, store, state).
    pub statics: Vec<IdKey>,
    /// Width of each static embedding.
    pub embedding_dim: usize,
    /// The values of `statics` learned from the panel a model is fitted on (see
    /// [`WindowConfig::with_vocabulary`]); learned from the panel being cut when absent.
    #[serde(skip)]
    pub vocabulary: Option<Vocabulary>,
}

impl Default for WindowConfig {
    fn default() -> WindowConfig {
        WindowConfig {
            lookback: 56,
            horizon: 28,
            samples: 20_000,
            min_history: 28,
            recent_days: 730,
            weight_days: 28,
            dollar_weights: true,
            crops: 1,
            crop_step: 7,
            validation: true,
            weekday_channels: true,
            calendar_channels: false,
            price_channel: false,
            panel_covariates: false,
            covariates: Vec::new(),
            statics: Vec::new(),
            embedding_dim: 4,
            vocabulary: None,
        }
    }
}

impl WindowConfig {
    pub fn new(lookback: usize, horizon: usize) -> WindowConfig {
        WindowConfig { lookback, horizon, ..WindowConfig::default() }
    }

    /// Numeric input channels: the target, plus the weekday pair, the calendar pair and
    /// the price channel if asked.
    pub fn data_channels(&self) -> usize {
        1 + 2 * usize::from(self.weekday_channels) + 2 * usize::from(self.calendar_channels) + usize::from(self.price_channel) + self.covariates.len()
    }

    /// The same config with the covariates of `panel` to feed (kept as it is when
    /// already learned or not asked for): every dynamic covariate with its largest
    /// absolute known value as its scale (1 when that is 0 or nothing is known).
    pub fn with_panel_covariates(&self, panel: &Panel) -> WindowConfig {
        let mut cfg = self.clone();
        if cfg.panel_covariates && cfg.covariates.is_empty() {
            cfg.covariates = panel
                .dynamic
                .iter()
                .map(|c| {
                    let top = c.values.iter().filter(|v| v.is_finite()).fold(0.0f32, |m, v| m.max(v.abs()));
                    (c.name.clone(), if top > 0.0 { top } else { 1.0 })
                })
                .collect();
        }
        cfg
    }

    /// Channels of the windows: the numeric ones and one table row per static key.
    pub fn channels(&self) -> usize {
        self.data_channels() + self.statics.len()
    }

    /// Channels the network (inside its embedding lookup) takes: the numeric ones and
    /// each static key's embedding.
    pub fn network_channels(&self) -> usize {
        self.data_channels() + self.statics.len() * self.embedding_dim
    }

    /// The same config with the static keys' vocabulary learned from `panel` (kept as it
    /// is when already learned or when there are no static keys).
    pub fn with_vocabulary(&self, panel: &Panel) -> WindowConfig {
        let mut cfg = self.clone();
        if !cfg.statics.is_empty() && cfg.vocabulary.is_none() {
            cfg.vocabulary = Some(Vocabulary::from_panel(panel));
        }
        cfg
    }

    /// Each static key's table size (its vocabulary plus the "unknown" row).
    pub fn table_sizes(&self, panel: &Panel) -> Vec<usize> {
        self.with_vocabulary(panel).vocabulary.map(|v| crate::statics::table_sizes(&v, &self.statics)).unwrap_or_default()
    }

    /// The static table rows of every series of `panel`.
    fn static_rows(&self, panel: &Panel) -> Vec<Vec<usize>> {
        match self.with_vocabulary(panel).vocabulary {
            Some(v) => (0..panel.n_series()).map(|i| crate::statics::rows_of(&v, &self.statics, panel, i)).collect(),
            None => vec![Vec::new(); panel.n_series()],
        }
    }

    /// Checks every range before anything is cut.
    pub fn validate(&self) -> Result<()> {
        let positive = [("lookback", self.lookback), ("horizon", self.horizon), ("samples", self.samples), ("min_history", self.min_history)];
        for (what, v) in positive {
            if v == 0 {
                return Err(NeuralError::config(format!("windows.{what}"), "must be at least 1"));
            }
        }
        if !self.statics.is_empty() && self.embedding_dim == 0 {
            return Err(NeuralError::config("windows.embedding_dim", "must be at least 1 with static embeddings"));
        }
        let mut seen = self.statics.clone();
        seen.sort_unstable_by_key(|k| k.name());
        seen.dedup();
        if seen.len() != self.statics.len() {
            return Err(NeuralError::config("windows.statics", "a key is listed twice"));
        }
        if self.crops == 0 || (self.crops > 1 && (self.crops - 1) * self.crop_step >= self.lookback) {
            return Err(NeuralError::config("windows.crops", format!("{} crops {} days apart need a lookback over {}", self.crops, self.crop_step, (self.crops.max(1) - 1) * self.crop_step)));
        }
        Ok(())
    }
}

/// A set of windows: inputs `[n, channels, lookback]`, targets `[n, horizon]` (empty for
/// prediction windows), and where each came from.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowSet {
    pub lookback: usize,
    pub horizon: usize,
    pub channels: usize,
    pub inputs: Vec<f32>,
    pub targets: Vec<f32>,
    /// Divide-by scale of each window (multiply a scaled forecast by it).
    pub scales: Vec<f32>,
    pub series: Vec<usize>,
    /// First target position of each window on the panel grid.
    pub origins: Vec<usize>,
}

impl WindowSet {
    fn empty(lookback: usize, horizon: usize, channels: usize) -> WindowSet {
        WindowSet { lookback, horizon, channels, inputs: Vec::new(), targets: Vec::new(), scales: Vec::new(), series: Vec::new(), origins: Vec::new() }
    }

    pub fn len(&self) -> usize {
        self.scales.len()
    }

    pub fn is_empty(&self) -> bool {
        self.scales.is_empty()
    }

    /// Whether the set carries targets (training/validation windows do).
    pub fn has_targets(&self) -> bool {
        self.targets.len() == self.len() * self.horizon && !self.is_empty()
    }

    /// Inputs and targets of the windows `idx`, stacked in that order.
    pub fn gather(&self, idx: &[usize]) -> (Vec<f32>, Vec<f32>) {
        let w = self.channels * self.lookback;
        let mut x = Vec::with_capacity(idx.len() * w);
        let mut y = Vec::with_capacity(idx.len() * self.horizon);
        for &i in idx {
            x.extend_from_slice(&self.inputs[i * w..(i + 1) * w]);
            if self.has_targets() {
                y.extend_from_slice(&self.targets[i * self.horizon..(i + 1) * self.horizon]);
            }
        }
        (x, y)
    }

    #[allow(clippy::too_many_arguments)]
    fn push(&mut self, panel: &Panel, scaler: &SeriesScale, series: usize, statics: &[usize], origin: usize, with_target: bool, cfg: &WindowConfig) {
        let row = panel.row(series);
        let (start, _) = panel.spans[series];
        let scale = scaler.at(origin);
        let value = |p: usize| {
            let v = row[p];
            if v.is_finite() { v / scale } else { 0.0 }
        };
        for k in 0..self.lookback {
            // position origin - lookback + k; before the series starts the input is 0
            let p = (origin + k).checked_sub(self.lookback).filter(|&p| p >= start);
            self.inputs.push(p.map_or(0.0, value));
        }
        if cfg.weekday_channels {
            let angle = |k: usize| {
                let weekday = (origin as i64 + k as i64 - self.lookback as i64).rem_euclid(7);
                std::f32::consts::TAU * weekday as f32 / 7.0
            };
            self.inputs.extend((0..self.lookback).map(|k| angle(k).sin()));
            self.inputs.extend((0..self.lookback).map(|k| angle(k).cos()));
        }
        if cfg.calendar_channels {
            // the day `horizon` after input position k
            let day = |k: usize| (origin + k + self.horizon).checked_sub(self.lookback);
            let cal = panel.calendar.as_ref();
            let snap = cal.zip(panel.attrs.as_ref()).and_then(|(c, a)| a.get(series).and_then(|a| c.snap_of(&a.state)));
            self.inputs.extend((0..self.lookback).map(|k| day(k).and_then(|d| snap.and_then(|s| s.get(d))).map_or(0.0, |&v| f32::from(v))));
            let event = |d: usize| cal.is_some_and(|c| c.event_name_1.get(d).is_some_and(Option::is_some) || c.event_name_2.get(d).is_some_and(Option::is_some));
            self.inputs.extend((0..self.lookback).map(|k| day(k).map_or(0.0, |d| f32::from(u8::from(event(d))))));
        }
        if cfg.price_channel {
            self.push_relative_prices(panel, series, origin);
        }
        for (name, scale) in &cfg.covariates {
            self.push_covariate(panel, series, origin, name, *scale);
        }
        // table rows are small integers: exact in f32
        for &row in statics {
            self.inputs.extend(std::iter::repeat_n(row as f32, self.lookback));
        }
        if with_target {
            self.targets.extend((origin..origin + self.horizon).map(value));
        }
        self.scales.push(scale);
        self.series.push(series);
        self.origins.push(origin);
    }
}

impl WindowSet {
    /// A dynamic covariate over the input positions, divided by `scale`: a known-in-advance
    /// one `horizon` periods ahead, a past-only one at the positions themselves (before
    /// the origin); 0 where unknown or where the panel lacks it.
    fn push_covariate(&mut self, panel: &Panel, series: usize, origin: usize, name: &str, scale: f32) {
        let cov = panel.dynamic.iter().find(|c| c.name == name);
        let ahead = match cov.map(|c| c.kind) {
            Some(CovariateKind::Future) => self.horizon,
            _ => 0,
        };
        let value = |k: usize| -> f32 {
            let Some(c) = cov else { return 0.0 };
            let v = (origin + k + ahead).checked_sub(self.lookback).map_or(f32::NAN, |t| c.at(series, t));
            if v.is_finite() { v / scale } else { 0.0 }
        };
        self.inputs.extend((0..self.lookback).map(value));
    }

    /// The price of the day `horizon` after each input position, relative to the highest
    /// known price over those days, minus 1 (0 where unknown).
    fn push_relative_prices(&mut self, panel: &Panel, series: usize, origin: usize) {
        let prices = panel.price_row(series);
        let price = |k: usize| -> Option<f32> {
            let day = (origin + k + self.horizon).checked_sub(self.lookback)?;
            prices?.get(day).copied().filter(|p| p.is_finite() && *p > 0.0)
        };
        let regular = (0..self.lookback).filter_map(price).fold(0.0f32, f32::max);
        self.inputs.extend((0..self.lookback).map(|k| price(k).map_or(0.0, |p| p / regular - 1.0)));
    }
}

/// Prefix sums of one series' non-zero observed values, for its scale at any origin.
struct SeriesScale {
    start: usize,
    sum: Vec<f64>,
    count: Vec<u32>,
}

impl SeriesScale {
    fn new(panel: &Panel, i: usize) -> SeriesScale {
        let (start, end) = panel.spans[i];
        let mut sum = vec![0.0; end - start + 1];
        let mut count = vec![0u32; end - start + 1];
        for (k, &v) in panel.row(i)[start..end].iter().enumerate() {
            let nz = v.is_finite() && v != 0.0;
            sum[k + 1] = sum[k] + if nz { f64::from(v) } else { 0.0 };
            count[k + 1] = count[k] + u32::from(nz);
        }
        SeriesScale { start, sum, count }
    }

    /// Mean non-zero value over the observed positions before `origin` (1 if none).
    fn at(&self, origin: usize) -> f32 {
        let k = origin.saturating_sub(self.start).min(self.count.len() - 1);
        if self.count[k] == 0 { 1.0 } else { (self.sum[k] / f64::from(self.count[k])) as f32 }
    }
}

/// Sales of series `i` over `[from, to)`: in dollars (units × price, days with a known
/// price) when asked and some price is known there, in units otherwise.
fn recent_sales(panel: &Panel, i: usize, from: usize, to: usize, dollars: bool) -> f64 {
    let y = &panel.row(i)[from..to];
    let units = || y.iter().filter(|v| v.is_finite()).map(|&v| f64::from(v)).sum::<f64>();
    let Some(prices) = panel.price_row(i).filter(|_| dollars) else { return units() };
    let mut known = false;
    let mut total = 0.0;
    for (k, &v) in y.iter().enumerate() {
        if let Some(&p) = prices.get(from + k).filter(|p| p.is_finite())
            && v.is_finite()
        {
            known = true;
            total += f64::from(v) * f64::from(p);
        }
    }
    if known { total } else { units() }
}

/// Training windows drawn deterministically from `seed`, and the validation windows
/// (origin `end - horizon` of every series long enough) when `cfg.validation` is set.
pub fn training_windows(panel: &Panel, cfg: &WindowConfig, seed: u64) -> Result<(WindowSet, WindowSet)> {
    cfg.validate()?;
    let (l, h) = (cfg.lookback, cfg.horizon);
    let mut train = WindowSet::empty(l, h, cfg.channels());
    let mut valid = WindowSet::empty(l, h, cfg.channels());
    // per eligible series: (series, first origin, last origin, cumulative weight)
    let mut eligible: Vec<(usize, usize, usize)> = Vec::new();
    let mut cumulative: Vec<f64> = Vec::new();
    let mut total = 0.0;
    let mut scalers = Vec::with_capacity(panel.n_series());
    let statics = cfg.static_rows(panel);
    for (i, rows) in statics.iter().enumerate() {
        let scaler = SeriesScale::new(panel, i);
        let (s, e) = panel.spans[i];
        let first = s + cfg.min_history;
        let train_end = if cfg.validation && e >= s + cfg.min_history + h { e - h } else { e };
        if cfg.validation && train_end < e {
            valid.push(panel, &scaler, i, rows, train_end, true, cfg);
        }
        if train_end >= first + h {
            let last = train_end - h;
            let lo = if cfg.recent_days == 0 { first } else { first.max(last.saturating_sub(cfg.recent_days - 1)) };
            total += 1.0 + recent_sales(panel, i, train_end.saturating_sub(cfg.weight_days).max(s), train_end, cfg.dollar_weights);
            eligible.push((i, lo, last));
            cumulative.push(total);
        }
        scalers.push(scaler);
    }
    if eligible.is_empty() {
        return Err(NeuralError::Data { reason: format!("no series has {} observations before a {h}-day target (plus {h} validation days)", cfg.min_history) });
    }
    let mut rng = StdRng::seed_from_u64(seed);
    for _ in 0..cfg.samples {
        let u = rng.random::<f64>() * total;
        let k = cumulative.partition_point(|&c| c <= u).min(eligible.len() - 1);
        let (i, lo, hi) = eligible[k];
        let origin = rng.random_range(lo..=hi);
        train.push(panel, &scalers[i], i, &statics[i], origin, true, cfg);
    }
    Ok((train, valid))
}

/// One window per series at its end (origin = end of its span): the input of the final
/// forecast. Series with no observation get zeros and scale 1.
pub fn prediction_windows(panel: &Panel, cfg: &WindowConfig) -> WindowSet {
    let mut set = WindowSet::empty(cfg.lookback, cfg.horizon, cfg.channels());
    for (i, rows) in cfg.static_rows(panel).iter().enumerate() {
        let scaler = SeriesScale::new(panel, i);
        set.push(panel, &scaler, i, rows, panel.spans[i].1, false, cfg);
    }
    set
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsforge_core::TimeIndex;

    fn panel() -> Panel {
        // series 0: 0,2,0,4,... over 40 days; series 1 starts at day 10
        let t = 40;
        let mut y: Vec<f32> = (0..t).map(|k| if k % 2 == 0 { 0.0 } else { k as f32 + 1.0 }).collect();
        y.extend((0..t).map(|k| if k < 10 { f32::NAN } else { 3.0 }));
        let index = TimeIndex::Periods { start: 0, len: t };
        let mut p = Panel::dense(vec!["a".into(), "b".into()], index, y).unwrap_or_else(|e| panic!("{e}"));
        p.spans[1] = (10, t);
        p
    }

    /// A known-in-advance covariate reaches the window `horizon` periods ahead (the last
    /// positions hold the target periods' values); a past-only one stops before the origin.
    #[test]
    fn covariate_channels_carry_the_forecast_periods_and_the_past() {
        use tsforge_core::Covariate;
        let mut p = panel();
        let t = p.n_time();
        p.dynamic = vec![
            Covariate { name: "promo".into(), kind: CovariateKind::Future, days: t + 4, values: (0..2 * (t + 4)).map(|k| (k % 3) as f32).collect() },
            Covariate { name: "temp".into(), kind: CovariateKind::Past, days: t, values: (0..2 * t).map(|k| k as f32).collect() },
        ];
        let cfg = WindowConfig { lookback: 8, horizon: 4, weekday_channels: false, panel_covariates: true, ..WindowConfig::default() }.with_panel_covariates(&p);
        assert_eq!(cfg.covariates, vec![("promo".to_string(), 2.0), ("temp".to_string(), (2 * t - 1) as f32)]);
        assert_eq!(cfg.channels(), 3);
        let set = prediction_windows(&p, &cfg);
        // series 0, origin 40: promo at 36..44 (k % 3 of k = 36..44) / 2, temp at 32..40
        let w = &set.inputs[..3 * 8];
        let promo: Vec<f32> = (36..44).map(|k| (k % 3) as f32 / 2.0).collect();
        assert_eq!(&w[8..16], promo.as_slice());
        let temp: Vec<f32> = (32..40).map(|k| k as f32 / (2 * t - 1) as f32).collect();
        assert_eq!(&w[16..24], temp.as_slice());
    }

    #[test]
    fn scale_is_mean_of_nonzero_values_before_origin() {
        let p = panel();
        let s = SeriesScale::new(&p, 0);
        assert_eq!(s.at(0), 1.0);
        // positions 0..4 hold 0, 2, 0, 4: the non-zero mean is 3
        assert_eq!(s.at(4), 3.0);
        let s1 = SeriesScale::new(&p, 1);
        assert_eq!(s1.at(10), 1.0);
        assert_eq!(s1.at(15), 3.0);
    }

    #[test]
    fn windows_are_scaled_padded_and_deterministic() {
        let p = panel();
        let cfg = WindowConfig { lookback: 8, horizon: 4, samples: 50, min_history: 3, recent_days: 0, weight_days: 7, weekday_channels: false, ..WindowConfig::default() };
        let (a, va) = training_windows(&p, &cfg, 7).unwrap_or_else(|e| panic!("{e}"));
        let (b, _) = training_windows(&p, &cfg, 7).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(a, b);
        assert_eq!(a.len(), 50);
        assert_eq!(va.len(), 2);
        assert_eq!(va.origins, vec![36, 36]);
        for w in 0..a.len() {
            let (i, o) = (a.series[w], a.origins[w]);
            // no training target reaches into the validation days
            assert!(o + 4 <= 36);
            let (s, _) = p.spans[i];
            for k in 0..8 {
                let v = a.inputs[w * 8 + k];
                let pos = (o + k) as isize - 8;
                if pos < s as isize {
                    assert_eq!(v, 0.0);
                } else {
                    assert_eq!(v, p.row(i)[pos as usize] / a.scales[w]);
                }
            }
        }
    }

    #[test]
    fn series_are_drawn_by_dollar_sales() {
        // series 0 sells 10 a day at $1, series 1 sells 1 a day at $30: 300 vs 30 units,
        // $300 vs $900 over the last 30 days
        let t = 60;
        let mut y = vec![10.0f32; t];
        y.extend(vec![1.0f32; t]);
        let mut p = Panel::dense(vec!["a".into(), "b".into()], TimeIndex::Periods { start: 0, len: t }, y).unwrap_or_else(|e| panic!("{e}"));
        let share_of_b = |p: &Panel, dollars: bool| {
            let cfg = WindowConfig {
                lookback: 8,
                horizon: 4,
                samples: 4000,
                min_history: 8,
                weight_days: 30,
                validation: false,
                dollar_weights: dollars,
                weekday_channels: false,
                ..WindowConfig::default()
            };
            let (w, _) = training_windows(p, &cfg, 1).unwrap_or_else(|e| panic!("{e}"));
            w.series.iter().filter(|&&s| s == 1).count() as f64 / w.len() as f64
        };
        // no prices: units, (1 + 30) / (2 + 330)
        assert!((share_of_b(&p, true) - 31.0 / 332.0).abs() < 0.02);
        let mut prices = vec![1.0f32; t + 28];
        prices.extend(vec![30.0f32; t + 28]);
        p.prices = Some(tsforge_core::panel::Prices::new(2, t + 28, prices).unwrap_or_else(|e| panic!("{e}")));
        assert!((share_of_b(&p, true) - 901.0 / 1202.0).abs() < 0.03);
        assert!((share_of_b(&p, false) - 31.0 / 332.0).abs() < 0.02);
    }

    #[test]
    fn calendar_channels_look_horizon_days_ahead() {
        use tsforge_core::hierarchy::SeriesAttrs;
        use tsforge_core::panel::Calendar;
        let mut p = panel();
        let t = 50; // the calendar runs 10 days past the sales
        let attrs = |state: &str| SeriesAttrs { item: "i".into(), dept: "d".into(), cat: "c".into(), store: "s".into(), state: state.into() };
        p.attrs = Some(vec![attrs("CA"), attrs("TX")]);
        let mut event_name_1 = vec![None; t];
        event_name_1[42] = Some("SuperBowl".to_string());
        let mut event_name_2 = vec![None; t];
        event_name_2[38] = Some("Easter".to_string());
        p.calendar = Some(Calendar {
            wm_yr_wk: vec![1; t],
            event_name_1,
            event_type_1: vec![None; t],
            event_name_2,
            event_type_2: vec![None; t],
            snap: vec![("CA".into(), (0..t).map(|d| u8::from(d % 3 == 0)).collect()), ("TX".into(), vec![1; t])],
        });
        let cfg = WindowConfig { calendar_channels: true, ..WindowConfig::new(6, 4) };
        assert_eq!(cfg.channels(), 5);
        let w = prediction_windows(&p, &cfg);
        assert_eq!(w.inputs.len(), 2 * 5 * 6);
        // origin 40: input positions 34..40, shifted 4 days: days 38..44
        let ca = &w.inputs[..30];
        assert_eq!(&ca[18..24], &[0.0, 1.0, 0.0, 0.0, 1.0, 0.0]); // SNAP CA on days 39, 42
        assert_eq!(&ca[24..30], &[1.0, 0.0, 0.0, 0.0, 1.0, 0.0]); // events on days 38, 42
        assert_eq!(&w.inputs[30 + 18..30 + 24], &[1.0; 6]); // SNAP TX
        // no calendar: zeros
        p.calendar = None;
        let w = prediction_windows(&p, &cfg);
        assert!(w.inputs[18..30].iter().all(|v| *v == 0.0));
    }

    #[test]
    fn price_channel_holds_relative_prices_horizon_days_ahead() {
        let mut p = panel();
        // series 0: $4 until day 41, $3 (25 % off) from 42, unknown from 46; series 1: no price ever
        let days = 50;
        let mut prices: Vec<f32> = (0..days)
            .map(|d| {
                if d < 42 {
                    4.0
                } else if d < 46 {
                    3.0
                } else {
                    f32::NAN
                }
            })
            .collect();
        prices.extend(vec![f32::NAN; days]);
        p.prices = Some(tsforge_core::panel::Prices::new(2, days, prices).unwrap_or_else(|e| panic!("{e}")));
        let cfg = WindowConfig { price_channel: true, weekday_channels: false, ..WindowConfig::new(6, 4) };
        assert_eq!(cfg.channels(), 2);
        let w = prediction_windows(&p, &cfg);
        // origin 40: input positions 34..40 shifted 4 days are days 38..44 (regular price $4)
        assert_eq!(&w.inputs[6..12], &[0.0, 0.0, 0.0, 0.0, -0.25, -0.25]);
        assert!(w.inputs[18..24].iter().all(|v| *v == 0.0));
        // training windows agree with the prediction ones at the same origin
        let (train, _) = training_windows(&p, &WindowConfig { samples: 200, min_history: 4, validation: false, recent_days: 0, ..cfg.clone() }, 3).unwrap_or_else(|e| panic!("{e}"));
        for k in (0..train.len()).filter(|&k| train.series[k] == 0 && train.origins[k] == 36) {
            // days 34..40: all at $4
            assert_eq!(&train.inputs[k * 12 + 6..k * 12 + 12], &[0.0; 6]);
        }
    }

    #[test]
    fn static_rows_ride_along_as_constant_channels() {
        use tsforge_core::hierarchy::SeriesAttrs;
        let mut p = panel();
        let attrs = |store: &str| SeriesAttrs { item: "i".into(), dept: "d".into(), cat: "c".into(), store: store.into(), state: "CA".into() };
        p.attrs = Some(vec![attrs("CA_2"), attrs("CA_1")]);
        let cfg = WindowConfig { statics: vec![IdKey::Store, IdKey::Cat], embedding_dim: 3, weekday_channels: false, ..WindowConfig::new(5, 3) };
        assert_eq!((cfg.data_channels(), cfg.channels(), cfg.network_channels()), (1, 3, 7));
        assert_eq!(cfg.table_sizes(&p), vec![3, 2]);
        let w = prediction_windows(&p, &cfg);
        assert_eq!(&w.inputs[5..15], &[2.0, 2.0, 2.0, 2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
        assert_eq!(&w.inputs[20..25], &[1.0; 5]);
        // a learned vocabulary stays: on a subset holding only CA_1, CA_1 keeps row 1
        let learned = cfg.with_vocabulary(&p);
        let sub = crate::fine_tune::subset_panel(&p, &[1]).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(&prediction_windows(&sub, &learned).inputs[5..10], &[1.0; 5]);
        assert_eq!(learned.table_sizes(&sub), vec![3, 2]);
        assert!(WindowConfig { statics: vec![IdKey::Store, IdKey::Store], ..cfg.clone() }.validate().is_err());
        assert!(WindowConfig { embedding_dim: 0, ..cfg }.validate().is_err());
    }

    #[test]
    fn bad_crops_are_rejected() {
        assert!(WindowConfig { crops: 0, ..WindowConfig::default() }.validate().is_err());
        assert!(WindowConfig { crops: 9, crop_step: 7, ..WindowConfig::default() }.validate().is_err());
        assert!(WindowConfig { crops: 8, crop_step: 7, ..WindowConfig::default() }.validate().is_ok());
    }

    #[test]
    fn prediction_windows_end_at_each_series_end() {
        let p = panel();
        let cfg = WindowConfig { weekday_channels: false, ..WindowConfig::new(5, 3) };
        let w = prediction_windows(&p, &cfg);
        assert_eq!(w.origins, vec![40, 40]);
        assert_eq!(w.inputs.len(), 10);
        assert_eq!(&w.inputs[5..], &[1.0; 5]);
        assert!(!w.has_targets());
        // with the weekday pair: positions 35..40 have weekdays 0, 1, 2, 3, 4
        let w = prediction_windows(&p, &WindowConfig::new(5, 3));
        assert_eq!(w.inputs.len(), 2 * 15);
        assert_eq!(w.inputs[5], 0.0); // sin of weekday 0
        assert_eq!(w.inputs[10], 1.0); // cos of weekday 0
        assert_eq!(&w.inputs[15..20], &[1.0; 5]);
    }
}
