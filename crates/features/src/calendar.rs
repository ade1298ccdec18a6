//! Known-in-advance features of each time position: date parts and M5 events.

use tsforge_core::time::{civil_from_days, days_from_civil, parse_date};
use tsforge_core::{Calendar, TimeIndex};

use crate::spec::{CalendarFeature, EventFeature};
use crate::vocab::{Lookup, Vocabulary};

/// Days since 1970-01-01 of position `t` (which may lie past the end); `None` for integer periods.
pub fn day_of(index: &TimeIndex, t: usize) -> Option<i32> {
    match index {
        TimeIndex::Periods { .. } => None,
        TimeIndex::Dates { start_days, freq: tsforge_core::Freq::Daily, .. } => i32::try_from(t).ok().and_then(|t| start_days.checked_add(t)),
        TimeIndex::Dates { .. } => parse_date(&index.label(t)),
        TimeIndex::Stamps { .. } => index.seconds_of(t).and_then(|s| i32::try_from(s.div_euclid(86_400)).ok()),
    }
}

/// Hour of day (0..23, UTC) of position `t`: 0 for dates, `None` for integer periods.
pub fn hour_of(index: &TimeIndex, t: usize) -> Option<f32> {
    index.seconds_of(t).map(|s| (s.rem_euclid(86_400) / 3600) as f32)
}

/// Value of a date feature for the day `z` (days since epoch).
pub fn date_feature(f: CalendarFeature, z: i32) -> f32 {
    let (y, m, d) = civil_from_days(z);
    let dow = (z + 3).rem_euclid(7); // 1970-01-01 was a Thursday; Monday = 0
    match f {
        CalendarFeature::DayOfWeek => dow as f32,
        CalendarFeature::DayOfMonth => d as f32,
        CalendarFeature::WeekOfYear => iso_week(z) as f32,
        CalendarFeature::Month => m as f32,
        CalendarFeature::Year => y as f32,
        CalendarFeature::Quarter => m.div_ceil(3) as f32,
        CalendarFeature::Weekend => f32::from(u8::from(dow >= 5)),
        // a date's hour; positions with a time of day read theirs through `hour_of`
        CalendarFeature::Hour => 0.0,
    }
}

/// ISO 8601 week number: the week (Monday-first) holding the year's first Thursday is week 1.
fn iso_week(z: i32) -> i32 {
    let dow = (z + 3).rem_euclid(7);
    let thursday = z - dow + 3;
    let (y, _, _) = civil_from_days(thursday);
    (thursday - days_from_civil(y, 1, 1)) / 7 + 1
}

fn event_code(look: &Lookup<'_>, v: Option<&Option<String>>) -> f32 {
    match v {
        None => f32::NAN, // past the calendar
        Some(None) => 0.0,
        Some(Some(s)) => look.code(s) + 1.0,
    }
}

/// Days to the next / since the last day with any event, per calendar day.
fn event_distances(cal: &Calendar) -> (Vec<f32>, Vec<f32>) {
    let n = cal.len();
    let has = |t: usize| cal.event_name_1.get(t).is_some_and(Option::is_some) || cal.event_name_2.get(t).is_some_and(Option::is_some);
    let mut since = vec![f32::NAN; n];
    let mut last: Option<usize> = None;
    for (t, v) in since.iter_mut().enumerate() {
        if has(t) {
            last = Some(t);
        }
        *v = last.map_or(f32::NAN, |l| (t - l) as f32);
    }
    let mut to = vec![f32::NAN; n];
    let mut next: Option<usize> = None;
    for t in (0..n).rev() {
        if has(t) {
            next = Some(t);
        }
        to[t] = next.map_or(f32::NAN, |x| (x - t) as f32);
    }
    (to, since)
}

/// Table of the calendar-wide features (everything but SNAP, which depends on the
/// series' state) at a sorted set of positions: `values[slot * k + j]`.
#[derive(Debug, Clone)]
pub struct TimeTable {
    pub k: usize,
    /// The positions covered, sorted and unique.
    pub positions: Vec<usize>,
    pub values: Vec<f32>,
}

/// A feature that depends on the time position only.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeFeature {
    Date(CalendarFeature),
    Event(EventFeature),
}

impl TimeTable {
    /// Table at `positions` (sorted, unique) for `features` (SNAP gives NaN here), with
    /// event codes from `vocab`.
    pub fn new(index: &TimeIndex, cal: Option<&Calendar>, vocab: &Vocabulary, features: &[TimeFeature], positions: Vec<usize>) -> TimeTable {
        let k = features.len();
        let (names, types) = (Lookup::new(&vocab.event_names), Lookup::new(&vocab.event_types));
        let needs_dist = features.iter().any(|f| matches!(f, TimeFeature::Event(EventFeature::DaysToEvent | EventFeature::DaysSinceEvent)));
        let dist = match (cal, needs_dist) {
            (Some(c), true) => Some(event_distances(c)),
            _ => None,
        };
        let mut values = vec![f32::NAN; positions.len() * k];
        for (slot, &t) in positions.iter().enumerate() {
            let day = day_of(index, t);
            for (j, f) in features.iter().enumerate() {
                values[slot * k + j] = match (*f, cal) {
                    (TimeFeature::Date(CalendarFeature::Hour), _) => hour_of(index, t).unwrap_or(f32::NAN),
                    (TimeFeature::Date(c), _) => day.map_or(f32::NAN, |z| date_feature(c, z)),
                    (TimeFeature::Event(e), Some(cal)) => match e {
                        EventFeature::EventName1 => event_code(&names, cal.event_name_1.get(t)),
                        EventFeature::EventName2 => event_code(&names, cal.event_name_2.get(t)),
                        EventFeature::EventType1 => event_code(&types, cal.event_type_1.get(t)),
                        EventFeature::EventType2 => event_code(&types, cal.event_type_2.get(t)),
                        EventFeature::DaysToEvent => dist.as_ref().and_then(|d| d.0.get(t).copied()).unwrap_or(f32::NAN),
                        EventFeature::DaysSinceEvent => dist.as_ref().and_then(|d| d.1.get(t).copied()).unwrap_or(f32::NAN),
                        EventFeature::Snap => f32::NAN,
                    },
                    (TimeFeature::Event(_), None) => f32::NAN,
                };
            }
        }
        TimeTable { k, positions, values }
    }

    /// The slot of position `t`, if the table covers it.
    pub fn slot(&self, t: usize) -> Option<usize> {
        self.positions.binary_search(&t).ok()
    }

    /// Feature `j` at `slot` (NaN when out of range).
    pub fn get(&self, slot: usize, j: usize) -> f32 {
        self.values.get(slot * self.k + j).copied().unwrap_or(f32::NAN)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tsforge_core::Freq;

    fn day(s: &str) -> i32 {
        parse_date(s).unwrap_or_else(|| panic!("bad date {s}"))
    }

    #[test]
    fn date_parts_by_hand() {
        // 2011-01-29 was a Saturday, ISO week 4 of 2011, Q1
        let z = day("2011-01-29");
        assert_eq!(date_feature(CalendarFeature::DayOfWeek, z), 5.0);
        assert_eq!(date_feature(CalendarFeature::Weekend, z), 1.0);
        assert_eq!(date_feature(CalendarFeature::DayOfMonth, z), 29.0);
        assert_eq!(date_feature(CalendarFeature::WeekOfYear, z), 4.0);
        assert_eq!(date_feature(CalendarFeature::Month, z), 1.0);
        assert_eq!(date_feature(CalendarFeature::Quarter, z), 1.0);
        assert_eq!(date_feature(CalendarFeature::Year, z), 2011.0);
        // 2016-01-01 (Friday) belongs to ISO week 53 of 2015; 2014-12-29 (Monday) to week 1 of 2015
        assert_eq!(date_feature(CalendarFeature::WeekOfYear, day("2016-01-01")), 53.0);
        assert_eq!(date_feature(CalendarFeature::WeekOfYear, day("2014-12-29")), 1.0);
        assert_eq!(date_feature(CalendarFeature::DayOfWeek, day("2014-12-29")), 0.0);
        assert_eq!(date_feature(CalendarFeature::Quarter, day("2016-10-01")), 4.0);
        let monthly = TimeIndex::Dates { start_days: day("2011-01-31"), freq: Freq::Monthly, len: 3 };
        assert_eq!(day_of(&monthly, 1), Some(day("2011-02-28")));
        assert_eq!(day_of(&TimeIndex::Periods { start: 0, len: 3 }, 1), None);
        // hourly: 1970-01-01 22:00 + 3 h is 01:00 on day 1, a Friday
        let hourly = TimeIndex::Stamps { start_secs: 22 * 3600, step_secs: 3600, len: 2 };
        assert_eq!((day_of(&hourly, 3), hour_of(&hourly, 3), hour_of(&hourly, 1)), (Some(1), Some(1.0), Some(23.0)));
        assert_eq!(date_feature(CalendarFeature::DayOfWeek, 1), 4.0);
    }

    #[test]
    fn events_by_hand() {
        let s = |v: &str| Some(v.to_string());
        let cal = Calendar {
            wm_yr_wk: vec![1; 5],
            event_name_1: vec![None, s("SuperBowl"), None, s("Easter"), None],
            event_type_1: vec![None, s("Sporting"), None, s("Cultural"), None],
            event_name_2: vec![None, None, None, s("Mothers day"), None],
            event_type_2: vec![None, None, None, s("Cultural"), None],
            snap: vec![],
        };
        let idx = TimeIndex::Dates { start_days: 0, freq: Freq::Daily, len: 5 };
        let feats = [
            TimeFeature::Event(EventFeature::EventName1),
            TimeFeature::Event(EventFeature::EventType1),
            TimeFeature::Event(EventFeature::EventName2),
            TimeFeature::Event(EventFeature::DaysToEvent),
            TimeFeature::Event(EventFeature::DaysSinceEvent),
        ];
        let mut p = tsforge_core::Panel::dense(vec![], idx.clone(), vec![]).unwrap_or_else(|e| panic!("{e}"));
        p.calendar = Some(cal.clone());
        let vocab = Vocabulary::from_panel(&p);
        let tab = TimeTable::new(&idx, Some(&cal), &vocab, &feats, (0..6).collect());
        // names sorted: Easter 1, Mothers day 2, SuperBowl 3; types: Cultural 1, Sporting 2
        let col = |j: usize| (0..6).map(|t| tab.get(t, j)).collect::<Vec<f32>>();
        let same = |a: Vec<f32>, b: [f32; 6]| a.iter().zip(b).all(|(x, y)| (x.is_nan() && y.is_nan()) || *x == y);
        let n = f32::NAN;
        assert!(same(col(0), [0.0, 3.0, 0.0, 1.0, 0.0, n]));
        assert!(same(col(1), [0.0, 2.0, 0.0, 1.0, 0.0, n]));
        assert!(same(col(2), [0.0, 0.0, 0.0, 2.0, 0.0, n]));
        assert!(same(col(3), [1.0, 0.0, 1.0, 0.0, n, n]));
        assert!(same(col(4), [n, 0.0, 1.0, 0.0, 1.0, n]));
    }
}
