//! Time index of a panel: calendar dates at a fixed frequency, or bare integer periods.

use serde::{Deserialize, Serialize};

/// Sampling frequency of a panel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Freq {
    Daily,
    Weekly,
    Monthly,
    Quarterly,
    Yearly,
    /// Integer periods with no calendar meaning.
    Period,
}

impl Freq {
    /// The usual season length forecasters use for this frequency.
    pub fn season_length(self) -> usize {
        match self {
            Freq::Daily => 7,
            Freq::Weekly => 52,
            Freq::Monthly => 12,
            Freq::Quarterly => 4,
            Freq::Yearly | Freq::Period => 1,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Freq::Daily => "daily",
            Freq::Weekly => "weekly",
            Freq::Monthly => "monthly",
            Freq::Quarterly => "quarterly",
            Freq::Yearly => "yearly",
            Freq::Period => "period",
        }
    }

    pub fn parse(s: &str) -> Option<Freq> {
        Some(match s.to_ascii_lowercase().as_str() {
            "d" | "daily" | "day" => Freq::Daily,
            "w" | "weekly" | "week" => Freq::Weekly,
            "m" | "ms" | "monthly" | "month" => Freq::Monthly,
            "q" | "qs" | "quarterly" | "quarter" => Freq::Quarterly,
            "y" | "a" | "yearly" | "year" | "annual" => Freq::Yearly,
            "period" | "int" | "integer" => Freq::Period,
            _ => return None,
        })
    }
}

/// A regular time grid: position `t` of every series in a [`crate::Panel`] is `label(t)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TimeIndex {
    /// Calendar dates; `start` is days since 1970-01-01.
    Dates { start_days: i32, freq: Freq, len: usize },
    /// Integer periods `start, start+1, ...`.
    Periods { start: i64, len: usize },
}

impl TimeIndex {
    pub fn len(&self) -> usize {
        match self {
            TimeIndex::Dates { len, .. } | TimeIndex::Periods { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn freq(&self) -> Freq {
        match self {
            TimeIndex::Dates { freq, .. } => *freq,
            TimeIndex::Periods { .. } => Freq::Period,
        }
    }

    /// The same grid extended (or cut) to `len` positions.
    pub fn with_len(&self, new_len: usize) -> TimeIndex {
        let mut out = self.clone();
        match &mut out {
            TimeIndex::Dates { len, .. } | TimeIndex::Periods { len, .. } => *len = new_len,
        }
        out
    }

    /// Human label of position `t` (`2016-04-24` or `42`); `t` may lie past the end.
    pub fn label(&self, t: usize) -> String {
        match self {
            // in i128: a grid that ends at i64::MAX still labels the periods after it
            TimeIndex::Periods { start, .. } => (i128::from(*start) + t as i128).to_string(),
            TimeIndex::Dates { start_days, freq, .. } => {
                let (y, m, d) = civil_from_days(*start_days);
                let (y, m, d) = match freq {
                    Freq::Daily => civil_from_days(start_days + t as i32),
                    Freq::Weekly => civil_from_days(start_days + 7 * t as i32),
                    Freq::Monthly => add_months(y, m, d, t as i32),
                    Freq::Quarterly => add_months(y, m, d, 3 * t as i32),
                    Freq::Yearly => add_months(y, m, d, 12 * t as i32),
                    Freq::Period => (y, m, d),
                };
                format!("{y:04}-{m:02}-{d:02}")
            }
        }
    }
}

fn add_months(y: i32, m: u32, d: u32, k: i32) -> (i32, u32, u32) {
    let total = y * 12 + (m as i32 - 1) + k;
    let (ny, nm) = (total.div_euclid(12), total.rem_euclid(12) as u32 + 1);
    (ny, nm, d.min(days_in_month(ny, nm)))
}

fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 => 29,
        _ => 28,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i32 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m as i32 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i32 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`days_from_civil`].
pub fn civil_from_days(z: i32) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i32::from(m <= 2);
    (y, m, d)
}

/// Parses `YYYY-MM-DD` (an optional time part after it is ignored) into days since epoch.
pub fn parse_date(s: &str) -> Option<i32> {
    let s = s.trim();
    let date = s.get(..10)?;
    let rest = &s[10..];
    if !(rest.is_empty() || rest.starts_with(' ') || rest.starts_with('T')) {
        return None;
    }
    let mut parts = date.split('-');
    let y: i32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let d: u32 = parts.next()?.parse().ok()?;
    if parts.next().is_some() || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return None;
    }
    Some(days_from_civil(y, m, d))
}

/// Position of `days` on a grid of `freq` starting at `start_days`, if it lies exactly on it.
pub fn grid_position(start_days: i32, freq: Freq, days: i32) -> Option<i64> {
    match freq {
        Freq::Daily => Some(i64::from(days - start_days)),
        Freq::Weekly => {
            let diff = days - start_days;
            (diff % 7 == 0).then_some(i64::from(diff / 7))
        }
        Freq::Monthly | Freq::Quarterly | Freq::Yearly => {
            let step = match freq {
                Freq::Monthly => 1,
                Freq::Quarterly => 3,
                _ => 12,
            };
            let (y0, m0, d0) = civil_from_days(start_days);
            let (y, m, d) = civil_from_days(days);
            let months = (y - y0) * 12 + m as i32 - m0 as i32;
            let aligned = months % step == 0 && (d == d0 || (d0 > 28 && d == days_in_month(y, m)));
            aligned.then_some(i64::from(months / step))
        }
        Freq::Period => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for z in [-800_000, -1, 0, 1, 15_003, 16_971, 20_000] {
            let (y, m, d) = civil_from_days(z);
            assert_eq!(days_from_civil(y, m, d), z);
        }
        assert_eq!(parse_date("2011-01-29"), Some(15_003));
        assert_eq!(parse_date("2011-02-30"), None);
        assert_eq!(parse_date("2011-01-29T00:00:00"), Some(15_003));
    }

    #[test]
    fn labels_follow_frequency() {
        let idx = TimeIndex::Dates { start_days: parse_date("2011-01-31").unwrap_or(0), freq: Freq::Monthly, len: 3 };
        assert_eq!(idx.label(1), "2011-02-28");
        assert_eq!(idx.label(2), "2011-03-31");
        let start = parse_date("2011-01-31").unwrap_or(0);
        let feb = parse_date("2011-02-28").unwrap_or(0);
        assert_eq!(grid_position(start, Freq::Monthly, feb), Some(1));
    }

    #[test]
    fn period_labels_do_not_overflow() {
        let idx = TimeIndex::Periods { start: i64::MAX - 1, len: 2 };
        assert_eq!(idx.label(1), i64::MAX.to_string());
        assert_eq!(idx.label(3), "9223372036854775809");
        assert_eq!(TimeIndex::Periods { start: -3, len: 5 }.label(4), "1");
    }
}
