//! The declarative feature spec: what recipes declare and models save, so that
//! prediction applies exactly the transforms used in training.
//!
//! Every key, as a recipe would write it (JSON here; TOML maps one to one):
//!
//! ```
//! let spec: tsforge_features::FeatureSpec = serde_json::from_str(r#"{
//!     "strategy": {"kind": "direct", "horizon": 28},
//!     "lags": [28, 35],
//!     "rolling": [{"stat": "mean", "shift": 28, "window": 7}, {"stat": "std", "shift": 28, "window": 28}],
//!     "expanding_mean": [28],
//!     "ewm_mean": [{"shift": 28, "alpha": 0.1}],
//!     "intermittency": {"shift": 28, "window": 56},
//!     "calendar": ["day_of_week", "day_of_month", "week_of_year", "month", "year", "quarter", "weekend"],
//!     "events": ["event_name_1", "event_type_1", "event_name_2", "event_type_2", "days_to_event", "days_since_event", "snap"],
//!     "prices": ["sell_price", "price_norm", "price_rel_mean", "price_change_week", "price_momentum", "price_rank_dept_store"],
//!     "ids": ["item", "dept", "cat", "store", "state"],
//!     "target_encodings": [{"by": "store_dept", "shift": 28, "window": 28}, {"by": "item", "shift": 28}]
//! }"#).unwrap();
//! let valid = spec.validate().unwrap();
//! assert_eq!(valid.names().len(), 2 + 2 + 1 + 1 + 4 + 2 + 7 + 7 + 6 + 5);
//! assert_eq!(valid.names()[10], "target_mean_by_store_dept_lag28_window28");
//! assert_eq!(valid.names()[5], "ewm_mean_lag28_alpha0.1");
//! // a direct model may not read inside its own horizon
//! let bad: tsforge_features::FeatureSpec =
//!     serde_json::from_str(r#"{"strategy": {"kind": "direct", "horizon": 28}, "lags": [7]}"#).unwrap();
//! assert!(bad.validate().unwrap_err().to_string().contains("lag7"));
//! ```

use serde::{Deserialize, Serialize};

pub use crate::encoding::{GroupKey, TargetEncoding};
use crate::error::{FeatureError, Result};
pub use tsforge_core::IdKey;

/// How a model uses the target's own history.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum Strategy {
    /// One-step model applied day by day: features for day `t` may use `y` up to `t - 1`
    /// (every shift ≥ 1). The caller appends its predictions to `y` and rebuilds.
    #[default]
    Recursive,
    /// One model for the whole horizon: every target-derived feature uses only `y`
    /// before the forecast origin, so every lag/shift must be ≥ `horizon`.
    Direct { horizon: usize },
}

impl Strategy {
    /// Smallest shift a target-derived feature may use.
    pub fn min_shift(self) -> usize {
        match self {
            Strategy::Recursive => 1,
            Strategy::Direct { horizon } => horizon.max(1),
        }
    }

    /// Whether features built this way can forecast `h` steps: a direct spec reaches its
    /// own horizon and no further. The error names the model (`alias`); it says days, as
    /// the M5 models always have (a period on other data).
    pub fn check_reach(self, alias: &str, h: usize) -> std::result::Result<(), String> {
        match self {
            Strategy::Direct { horizon } if horizon < h => Err(format!("{alias}: direct features for a {horizon}-day horizon cannot forecast {h} days")),
            _ => Ok(()),
        }
    }
}

/// Statistic of a rolling window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RollingStat {
    Mean,
    /// Sample standard deviation (ddof 1, as pandas and mlforecast).
    Std,
    Min,
    Max,
}

impl RollingStat {
    pub fn name(self) -> &'static str {
        match self {
            RollingStat::Mean => "mean",
            RollingStat::Std => "std",
            RollingStat::Min => "min",
            RollingStat::Max => "max",
        }
    }
}

/// A rolling statistic of the target over `window` days ending `shift` days before the target day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rolling {
    pub stat: RollingStat,
    pub shift: usize,
    pub window: usize,
}

/// Exponentially weighted mean (`adjust=False`) of the target up to `shift` days before.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Ewm {
    pub shift: usize,
    pub alpha: f64,
}

/// Intermittency statistics as of `shift` days before the target day; ADI and CV²
/// over the trailing `window` days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IntermittencySpec {
    pub shift: usize,
    pub window: usize,
}

/// Features of the date of the target day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CalendarFeature {
    /// Monday 0 … Sunday 6 (pandas `dayofweek`).
    DayOfWeek,
    DayOfMonth,
    /// ISO 8601 week number.
    WeekOfYear,
    Month,
    Year,
    Quarter,
    /// 1 on Saturday and Sunday.
    Weekend,
    /// Hour of day, 0..23 (UTC; 0 for dates): hourly and other sub-daily data.
    Hour,
}

impl CalendarFeature {
    pub fn name(self) -> &'static str {
        match self {
            CalendarFeature::DayOfWeek => "day_of_week",
            CalendarFeature::DayOfMonth => "day_of_month",
            CalendarFeature::WeekOfYear => "week_of_year",
            CalendarFeature::Month => "month",
            CalendarFeature::Year => "year",
            CalendarFeature::Quarter => "quarter",
            CalendarFeature::Weekend => "weekend",
            CalendarFeature::Hour => "hour",
        }
    }
}

/// Features of the M5 event calendar.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventFeature {
    /// 0 = no event, 1.. = position in the sorted unique event names of the calendar.
    #[serde(rename = "event_name_1")]
    EventName1,
    #[serde(rename = "event_type_1")]
    EventType1,
    #[serde(rename = "event_name_2")]
    EventName2,
    #[serde(rename = "event_type_2")]
    EventType2,
    /// Days until the next day with an event (0 on an event day).
    DaysToEvent,
    /// Days since the last day with an event (0 on an event day).
    DaysSinceEvent,
    /// SNAP flag of the series' own state.
    Snap,
}

impl EventFeature {
    pub fn name(self) -> &'static str {
        match self {
            EventFeature::EventName1 => "event_name_1",
            EventFeature::EventType1 => "event_type_1",
            EventFeature::EventName2 => "event_name_2",
            EventFeature::EventType2 => "event_type_2",
            EventFeature::DaysToEvent => "days_to_event",
            EventFeature::DaysSinceEvent => "days_since_event",
            EventFeature::Snap => "snap",
        }
    }
}

/// Features of the series' daily sell price (known in advance).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PriceFeature {
    SellPrice,
    /// Price / the series' (item-store) maximum price.
    PriceNorm,
    /// Price / the series' (item-store) mean price.
    PriceRelMean,
    /// Price / price 7 days before − 1.
    PriceChangeWeek,
    /// Price / mean price of the 28 days before.
    PriceMomentum,
    /// Percentile rank (average ties, in (0, 1]) among the series of the same dept and store that day.
    PriceRankDeptStore,
}

impl PriceFeature {
    pub fn name(self) -> &'static str {
        match self {
            PriceFeature::SellPrice => "sell_price",
            PriceFeature::PriceNorm => "price_norm",
            PriceFeature::PriceRelMean => "price_rel_mean",
            PriceFeature::PriceChangeWeek => "price_change_week",
            PriceFeature::PriceMomentum => "price_momentum",
            PriceFeature::PriceRankDeptStore => "price_rank_dept_store",
        }
    }
}

/// A static covariate of a long-format panel (`panel.statics`), by column name: text is
/// coded by the [`crate::Vocabulary`], numbers are read as they are.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaticFeature {
    pub name: String,
    #[serde(default)]
    pub categorical: bool,
}

/// A covariate known only once observed (`panel.dynamic`, kind past), read `shift`
/// periods before the target period: like a lag, never closer than the strategy allows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PastFeature {
    pub name: String,
    pub shift: usize,
}

/// The declarative feature spec. Every field defaults to "none"; unknown keys are errors.
///
/// Columns come out in this order: lags, rolling, expanding means, EWM means,
/// intermittency, target encodings, calendar, events, prices, ids, then the long-format
/// covariates: statics, future, past (each in the order declared).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(deny_unknown_fields, default)]
pub struct FeatureSpec {
    pub strategy: Strategy,
    pub lags: Vec<usize>,
    pub rolling: Vec<Rolling>,
    /// Shifts of expanding means.
    pub expanding_mean: Vec<usize>,
    pub ewm_mean: Vec<Ewm>,
    pub intermittency: Option<IntermittencySpec>,
    pub calendar: Vec<CalendarFeature>,
    pub events: Vec<EventFeature>,
    pub prices: Vec<PriceFeature>,
    pub ids: Vec<IdKey>,
    /// Group means of the target as of `shift` days before (see [`crate::encoding`]).
    pub target_encodings: Vec<TargetEncoding>,
    /// Static covariates of a long-format panel (column `NAME`).
    pub statics: Vec<StaticFeature>,
    /// Known-in-advance covariates, read at the target period (column `NAME`).
    pub future: Vec<String>,
    /// Past-only covariates, lagged (column `NAME_lagSHIFT`).
    pub past: Vec<PastFeature>,
}

/// One column of a checked spec.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Column {
    Lag(usize),
    Rolling(Rolling),
    ExpandingMean(usize),
    Ewm(Ewm),
    DaysSinceSale(usize),
    ZeroRun(usize),
    Adi {
        shift: usize,
        window: usize,
    },
    Cv2 {
        shift: usize,
        window: usize,
    },
    TargetEncoding(TargetEncoding),
    Calendar(CalendarFeature),
    Event(EventFeature),
    Price(PriceFeature),
    Id(IdKey),
    /// The static covariate at this position of [`FeatureSpec::statics`].
    Static {
        index: usize,
        categorical: bool,
    },
    /// The known-in-advance covariate at this position of [`FeatureSpec::future`].
    Future(usize),
    /// The past covariate at this position of [`FeatureSpec::past`], and its shift.
    Past {
        index: usize,
        shift: usize,
    },
}

impl Column {
    /// The mlforecast-style column name; covariates are named by `spec`'s declarations.
    pub fn name_in(&self, spec: &FeatureSpec) -> String {
        let missing = || format!("covariate{self:?}");
        match *self {
            Column::Static { index, .. } => spec.statics.get(index).map_or_else(missing, |s| s.name.clone()),
            Column::Future(index) => spec.future.get(index).cloned().unwrap_or_else(missing),
            Column::Past { index, shift } => spec.past.get(index).map_or_else(missing, |p| format!("{}_lag{shift}", p.name)),
            _ => self.name(),
        }
    }

    /// The mlforecast-style column name (covariates: see [`Column::name_in`]).
    pub fn name(&self) -> String {
        match *self {
            Column::Lag(k) => format!("lag{k}"),
            Column::Rolling(r) => format!("rolling_{}_lag{}_window{}", r.stat.name(), r.shift, r.window),
            Column::ExpandingMean(s) => format!("expanding_mean_lag{s}"),
            Column::Ewm(e) => format!("ewm_mean_lag{}_alpha{}", e.shift, e.alpha),
            Column::DaysSinceSale(s) => format!("days_since_sale_lag{s}"),
            Column::ZeroRun(s) => format!("zero_run_lag{s}"),
            Column::Adi { shift, window } => format!("adi_lag{shift}_window{window}"),
            Column::Cv2 { shift, window } => format!("cv2_lag{shift}_window{window}"),
            Column::TargetEncoding(e) => e.name(),
            Column::Calendar(c) => c.name().to_string(),
            Column::Event(e) => e.name().to_string(),
            Column::Price(p) => p.name().to_string(),
            Column::Id(i) => i.column().to_string(),
            Column::Static { index, .. } => format!("static{index}"),
            Column::Future(index) => format!("future{index}"),
            Column::Past { index, shift } => format!("past{index}_lag{shift}"),
        }
    }

    /// Whether the column holds integer codes of a category (ids, event names and types)
    /// rather than a quantity; gradient-boosted trees may split them as categories.
    pub fn is_categorical(&self) -> bool {
        matches!(
            self,
            Column::Id(_) | Column::Static { categorical: true, .. } | Column::Event(EventFeature::EventName1 | EventFeature::EventType1 | EventFeature::EventName2 | EventFeature::EventType2)
        )
    }

    /// The shift of a target-derived column (`None` for known-in-advance ones).
    pub fn shift(&self) -> Option<usize> {
        match *self {
            Column::Lag(s) | Column::ExpandingMean(s) | Column::DaysSinceSale(s) | Column::ZeroRun(s) | Column::Adi { shift: s, .. } | Column::Cv2 { shift: s, .. } => Some(s),
            Column::Rolling(r) => Some(r.shift),
            Column::Ewm(e) => Some(e.shift),
            Column::TargetEncoding(e) => Some(e.shift),
            Column::Calendar(_) | Column::Event(_) | Column::Price(_) | Column::Id(_) | Column::Static { .. } | Column::Future(_) | Column::Past { .. } => None,
        }
    }

    /// Whether the column is known for the forecast periods without the target's own
    /// forecasts (a recursive model builds these once): calendar, events, prices, ids
    /// and covariates.
    pub fn is_known_in_advance(&self) -> bool {
        self.shift().is_none()
    }
}

/// A spec that passed [`FeatureSpec::validate`]: the only input [`crate::build`] accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidFeatureSpec {
    spec: FeatureSpec,
    columns: Vec<Column>,
    names: Vec<String>,
}

impl ValidFeatureSpec {
    /// The spec as declared (what a model saves).
    pub fn spec(&self) -> &FeatureSpec {
        &self.spec
    }

    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// Column names, in output order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// Positions of the categorical columns (see [`Column::is_categorical`]).
    pub fn categorical(&self) -> Vec<usize> {
        self.columns.iter().enumerate().filter(|(_, c)| c.is_categorical()).map(|(j, _)| j).collect()
    }
}

fn invalid(feature: impl Into<String>, reason: impl Into<String>) -> FeatureError {
    FeatureError::InvalidSpec { feature: feature.into(), reason: reason.into() }
}

impl FeatureSpec {
    /// Checks every range and the strategy, and fixes the column order.
    pub fn validate(&self) -> Result<ValidFeatureSpec> {
        if let Strategy::Direct { horizon } = self.strategy
            && horizon == 0
        {
            return Err(invalid("strategy", "direct horizon must be at least 1"));
        }
        let mut columns: Vec<Column> = Vec::new();
        columns.extend(self.lags.iter().map(|&k| Column::Lag(k)));
        for r in &self.rolling {
            let min = if r.stat == RollingStat::Std { 2 } else { 1 };
            if r.window < min {
                return Err(invalid(Column::Rolling(*r).name(), format!("window must be at least {min}")));
            }
            columns.push(Column::Rolling(*r));
        }
        columns.extend(self.expanding_mean.iter().map(|&s| Column::ExpandingMean(s)));
        for e in &self.ewm_mean {
            if !(e.alpha > 0.0 && e.alpha <= 1.0) {
                return Err(invalid(Column::Ewm(*e).name(), format!("alpha {} must lie in (0, 1]", e.alpha)));
            }
            columns.push(Column::Ewm(*e));
        }
        if let Some(IntermittencySpec { shift, window }) = self.intermittency {
            if window == 0 {
                return Err(invalid("intermittency", "window must be at least 1"));
            }
            columns.extend([Column::DaysSinceSale(shift), Column::ZeroRun(shift), Column::Adi { shift, window }, Column::Cv2 { shift, window }]);
        }
        for e in &self.target_encodings {
            if e.window == Some(0) {
                return Err(invalid(e.name(), "window must be at least 1"));
            }
            columns.push(Column::TargetEncoding(*e));
        }
        let min_shift = self.strategy.min_shift();
        for c in &columns {
            if let Some(s) = c.shift()
                && s < min_shift
            {
                let reason = match self.strategy {
                    Strategy::Recursive => "shift 0 would read the target day itself; use at least 1".to_string(),
                    Strategy::Direct { horizon } => {
                        format!("shift {s} is shorter than the direct horizon {horizon}: it would read days after the forecast origin")
                    }
                };
                return Err(invalid(c.name(), reason));
            }
        }
        columns.extend(self.calendar.iter().map(|&c| Column::Calendar(c)));
        columns.extend(self.events.iter().map(|&e| Column::Event(e)));
        columns.extend(self.prices.iter().map(|&p| Column::Price(p)));
        columns.extend(self.ids.iter().map(|&i| Column::Id(i)));
        columns.extend(self.statics.iter().enumerate().map(|(index, s)| Column::Static { index, categorical: s.categorical }));
        columns.extend((0..self.future.len()).map(Column::Future));
        for (index, p) in self.past.iter().enumerate() {
            let c = Column::Past { index, shift: p.shift };
            if p.shift < min_shift {
                return Err(invalid(c.name_in(self), format!("a past covariate read {} periods back would read after the forecast origin: the shift must be at least {min_shift}", p.shift)));
            }
            columns.push(c);
        }
        let names: Vec<String> = columns.iter().map(|c| c.name_in(self)).collect();
        let mut seen = std::collections::HashSet::new();
        for n in &names {
            if !seen.insert(n.as_str()) {
                return Err(invalid(n.clone(), "declared twice"));
            }
        }
        if columns.is_empty() {
            return Err(invalid("spec", "no features declared"));
        }
        Ok(ValidFeatureSpec { spec: self.clone(), columns, names })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> FeatureSpec {
        FeatureSpec {
            strategy: Strategy::Direct { horizon: 28 },
            lags: vec![28, 35],
            rolling: vec![Rolling { stat: RollingStat::Mean, shift: 28, window: 7 }, Rolling { stat: RollingStat::Std, shift: 28, window: 28 }],
            expanding_mean: vec![28],
            ewm_mean: vec![Ewm { shift: 28, alpha: 0.1 }],
            intermittency: Some(IntermittencySpec { shift: 28, window: 56 }),
            calendar: vec![CalendarFeature::DayOfWeek, CalendarFeature::Weekend],
            events: vec![EventFeature::EventName1, EventFeature::Snap],
            prices: vec![PriceFeature::SellPrice],
            ids: vec![IdKey::Item, IdKey::Store],
            target_encodings: vec![TargetEncoding { by: GroupKey::StoreDept, shift: 28, window: Some(28) }],
            ..FeatureSpec::default()
        }
    }

    #[test]
    fn names_are_mlforecast_style() {
        let v = spec().validate().unwrap_or_else(|e| panic!("{e}"));
        let expected = [
            "lag28",
            "lag35",
            "rolling_mean_lag28_window7",
            "rolling_std_lag28_window28",
            "expanding_mean_lag28",
            "ewm_mean_lag28_alpha0.1",
            "days_since_sale_lag28",
            "zero_run_lag28",
            "adi_lag28_window56",
            "cv2_lag28_window56",
            "target_mean_by_store_dept_lag28_window28",
            "day_of_week",
            "weekend",
            "event_name_1",
            "snap",
            "sell_price",
            "item_id",
            "store_id",
        ];
        assert_eq!(v.names(), expected);
        assert_eq!(v.categorical(), [13, 16, 17]);
    }

    proptest::proptest! {
        /// Any spec survives a JSON round trip unchanged, and validates the same way after it.
        #[test]
        fn serde_round_trip_any_spec(
            lags in proptest::collection::vec(0usize..60, 0..4),
            rolling in proptest::collection::vec((0usize..4, 0usize..60, 0usize..60), 0..3),
            ewm in proptest::collection::vec((1usize..60, 0u32..1500), 0..2),
            horizon in proptest::option::of(0usize..40),
            inter in proptest::option::of((0usize..60, 0usize..60)),
        ) {
            let stats = [RollingStat::Mean, RollingStat::Std, RollingStat::Min, RollingStat::Max];
            let spec = FeatureSpec {
                strategy: horizon.map_or(Strategy::Recursive, |horizon| Strategy::Direct { horizon }),
                lags,
                rolling: rolling.into_iter().map(|(k, shift, window)| Rolling { stat: stats[k], shift, window }).collect(),
                // alphas as a recipe writes them: serde_json without `float_roundtrip` may move
                // an arbitrary f64 by one ulp on the way back
                ewm_mean: ewm.into_iter().map(|(shift, k)| Ewm { shift, alpha: f64::from(k) / 1000.0 }).collect(),
                intermittency: inter.map(|(shift, window)| IntermittencySpec { shift, window }),
                calendar: vec![CalendarFeature::Month],
                ..FeatureSpec::default()
            };
            let json = serde_json::to_string(&spec).unwrap_or_else(|e| panic!("{e}"));
            let back: FeatureSpec = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
            proptest::prop_assert_eq!(&back, &spec);
            proptest::prop_assert_eq!(back.validate().ok(), spec.validate().ok());
        }
    }

    #[test]
    fn serde_round_trip_and_unknown_keys() {
        let s = spec();
        let json = serde_json::to_string(&s).unwrap_or_else(|e| panic!("{e}"));
        let back: FeatureSpec = serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back, s);
        let partial: FeatureSpec = serde_json::from_str(r#"{"lags":[7]}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(partial.strategy, Strategy::Recursive);
        assert_eq!(partial.lags, vec![7]);
        assert!(serde_json::from_str::<FeatureSpec>(r#"{"lagz":[7]}"#).is_err());
        assert!(serde_json::from_str::<FeatureSpec>(r#"{"rolling":[{"stat":"mean","shift":1,"window":7,"x":1}]}"#).is_err());
        assert!(serde_json::from_str::<FeatureSpec>(r#"{"strategy":{"kind":"direct","horizon":28,"x":1}}"#).is_err());
        let direct: FeatureSpec = serde_json::from_str(r#"{"strategy":{"kind":"direct","horizon":7},"lags":[7]}"#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(direct.strategy, Strategy::Direct { horizon: 7 });
    }

    /// The serde name of every known-in-advance feature is its column name.
    #[test]
    fn serde_names_are_column_names() {
        fn json<T: Serialize>(x: &T) -> String {
            serde_json::to_value(x).ok().and_then(|v| v.as_str().map(str::to_string)).unwrap_or_default()
        }
        use CalendarFeature as C;
        use EventFeature as E;
        use PriceFeature as P;
        for c in [C::DayOfWeek, C::DayOfMonth, C::WeekOfYear, C::Month, C::Year, C::Quarter, C::Weekend] {
            assert_eq!(json(&c), c.name());
        }
        for e in [E::EventName1, E::EventType1, E::EventName2, E::EventType2, E::DaysToEvent, E::DaysSinceEvent, E::Snap] {
            assert_eq!(json(&e), e.name());
        }
        let prices = [P::SellPrice, P::PriceNorm, P::PriceRelMean, P::PriceChangeWeek, P::PriceMomentum, P::PriceRankDeptStore];
        for p in prices {
            assert_eq!(json(&p), p.name());
        }
        for i in [IdKey::Item, IdKey::Dept, IdKey::Cat, IdKey::Store, IdKey::State] {
            assert_eq!(format!("{}_id", json(&i)), i.column());
        }
    }

    #[test]
    fn validate_rejects_look_ahead_and_bad_ranges() {
        let err = |s: FeatureSpec| s.validate().err().map(|e| e.to_string()).unwrap_or_default();
        let mut s = spec();
        s.lags.push(7);
        let msg = err(s);
        assert!(msg.contains("lag7") && msg.contains("horizon 28"), "{msg}");
        let mut s = spec();
        s.rolling.push(Rolling { stat: RollingStat::Max, shift: 14, window: 7 });
        assert!(err(s).contains("rolling_max_lag14_window7"));
        let mut s = spec();
        s.intermittency = Some(IntermittencySpec { shift: 1, window: 28 });
        assert!(err(s).contains("days_since_sale_lag1"));
        let s = FeatureSpec { lags: vec![0], ..FeatureSpec::default() };
        assert!(err(s).contains("lag0"));
        let s = FeatureSpec { ewm_mean: vec![Ewm { shift: 1, alpha: 1.5 }], ..FeatureSpec::default() };
        assert!(err(s).contains("alpha"));
        let s = FeatureSpec { rolling: vec![Rolling { stat: RollingStat::Std, shift: 1, window: 1 }], ..FeatureSpec::default() };
        assert!(err(s).contains("window"));
        let s = FeatureSpec { lags: vec![7, 7], ..FeatureSpec::default() };
        assert!(err(s).contains("twice"));
        assert!(err(FeatureSpec::default()).contains("no features"));
        let s = FeatureSpec { strategy: Strategy::Direct { horizon: 0 }, lags: vec![7], ..FeatureSpec::default() };
        assert!(err(s).contains("horizon"));
        // recursive allows lags shorter than any horizon
        assert!(FeatureSpec { lags: vec![1, 7], ..FeatureSpec::default() }.validate().is_ok());
        // a past covariate is a lag: a direct model reads it from its horizon back
        let s = FeatureSpec { strategy: Strategy::Direct { horizon: 8 }, lags: vec![8], past: vec![PastFeature { name: "temp".into(), shift: 3 }], ..FeatureSpec::default() };
        let msg = err(s);
        assert!(msg.contains("temp_lag3") && msg.contains("at least 8"), "{msg}");
    }

    /// Covariates come last, named by their columns; text statics are categories.
    #[test]
    fn covariates_are_named_by_their_columns() {
        let s = FeatureSpec {
            strategy: Strategy::Direct { horizon: 4 },
            lags: vec![4],
            statics: vec![StaticFeature { name: "region".into(), categorical: true }, StaticFeature { name: "size".into(), categorical: false }],
            future: vec!["promo".into()],
            past: vec![PastFeature { name: "temp".into(), shift: 4 }],
            ..FeatureSpec::default()
        };
        let v = s.validate().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(v.names(), ["lag4", "region", "size", "promo", "temp_lag4"]);
        assert_eq!(v.categorical(), [1]);
        assert!(v.columns()[1..].iter().all(Column::is_known_in_advance));
        let json = serde_json::to_string(&s).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(serde_json::from_str::<FeatureSpec>(&json).ok(), Some(s));
    }
}
