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
    /// A step shorter than a day, in seconds (3600: hourly).
    Intraday(u32),
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
            // a day's steps (24 for hourly data), where the step divides the day
            Freq::Intraday(step) => match 86_400u32.checked_rem(step) {
                Some(0) => (86_400 / step) as usize,
                _ => 1,
            },
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
            Freq::Intraday(3600) => "hourly",
            Freq::Intraday(_) => "intraday",
        }
    }

    /// A frequency by name: `daily`, `weekly`, `monthly`, `quarterly`, `yearly`,
    /// `period`, `hourly`, or a sub-daily step such as `30min`, `15min`, `2h`, `90s`
    /// (pandas' one-letter aliases `D`, `W`, `M`, `Q`, `Y`, `H` too).
    pub fn parse(s: &str) -> Option<Freq> {
        let lower = s.to_ascii_lowercase();
        if let Some(step) = intraday_step(&lower) {
            return Some(Freq::Intraday(step));
        }
        Some(match lower.as_str() {
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

/// Seconds of a sub-daily step written `h`, `hourly`, `2h`, `30min`, `15t`, `90s`: less
/// than a day and more than nothing.
fn intraday_step(s: &str) -> Option<u32> {
    if matches!(s, "h" | "hourly" | "hour") {
        return Some(3600);
    }
    let split = s.find(|c: char| !c.is_ascii_digit())?;
    let (n, unit) = s.split_at(split);
    let n: u32 = n.parse().ok()?;
    let seconds = match unit {
        "h" => n.checked_mul(3600)?,
        "min" | "t" => n.checked_mul(60)?,
        "s" => n,
        _ => return None,
    };
    (1..86_400).contains(&seconds).then_some(seconds)
}

/// A regular time grid: position `t` of every series in a [`crate::Panel`] is `label(t)`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum TimeIndex {
    /// Calendar dates; `start` is days since 1970-01-01.
    Dates { start_days: i32, freq: Freq, len: usize },
    /// Integer periods `start, start+1, ...`.
    Periods { start: i64, len: usize },
    /// Instants a fixed sub-daily step apart (hourly data); `start_secs` is seconds since
    /// 1970-01-01 00:00 UTC.
    Stamps { start_secs: i64, step_secs: u32, len: usize },
}

impl TimeIndex {
    pub fn len(&self) -> usize {
        match self {
            TimeIndex::Dates { len, .. } | TimeIndex::Periods { len, .. } | TimeIndex::Stamps { len, .. } => *len,
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn freq(&self) -> Freq {
        match self {
            TimeIndex::Dates { freq, .. } => *freq,
            TimeIndex::Periods { .. } => Freq::Period,
            TimeIndex::Stamps { step_secs, .. } => Freq::Intraday(*step_secs),
        }
    }

    /// Seconds since 1970-01-01 00:00 UTC of position `t` (which may lie past the end):
    /// the day's midnight for dates, `None` for integer periods.
    pub fn seconds_of(&self, t: usize) -> Option<i64> {
        match self {
            TimeIndex::Periods { .. } => None,
            TimeIndex::Stamps { start_secs, step_secs, .. } => i64::try_from(t).ok()?.checked_mul(i64::from(*step_secs))?.checked_add(*start_secs),
            TimeIndex::Dates { .. } => parse_date(&self.label(t)).map(|d| i64::from(d) * 86_400),
        }
    }

    /// The same grid extended (or cut) to `len` positions.
    pub fn with_len(&self, new_len: usize) -> TimeIndex {
        let mut out = self.clone();
        match &mut out {
            TimeIndex::Dates { len, .. } | TimeIndex::Periods { len, .. } | TimeIndex::Stamps { len, .. } => *len = new_len,
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
                    // (a date grid never carries these: integer periods and stamps have their own)
                    Freq::Period | Freq::Intraday(_) => (y, m, d),
                };
                format!("{y:04}-{m:02}-{d:02}")
            }
            TimeIndex::Stamps { .. } => match self.seconds_of(t) {
                Some(secs) => stamp_label(secs),
                None => format!("step {t}"),
            },
        }
    }
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of an instant in seconds since the epoch.
pub fn stamp_label(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(i32::try_from(days).unwrap_or(i32::MAX));
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// Seconds after midnight of a time of day written `HH:MM`, `HH:MM:SS` or
/// `HH:MM:SS.fff` (fractions dropped), optionally followed by `Z`; `None` otherwise.
pub fn parse_time_of_day(s: &str) -> Option<u32> {
    let s = s.strip_suffix('Z').unwrap_or(s);
    let s = s.split_once('.').map_or(s, |(whole, frac)| if frac.bytes().all(|b| b.is_ascii_digit()) { whole } else { "" });
    let mut parts = s.split(':');
    let h: u32 = parts.next()?.parse().ok()?;
    let m: u32 = parts.next()?.parse().ok()?;
    let sec: u32 = match parts.next() {
        Some(p) => p.parse().ok()?,
        None => 0,
    };
    (parts.next().is_none() && h < 24 && m < 60 && sec < 60).then_some(h * 3600 + m * 60 + sec)
}

/// Seconds since the epoch of `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS]` or
/// `YYYY-MM-DDTHH:MM[:SS][Z]`; the second value says whether a time of day was read.
/// A time part that is not a plain UTC time of day (`+02:00`) is ignored, as by
/// [`parse_date`].
pub fn parse_timestamp(s: &str) -> Option<(i64, bool)> {
    let days = i64::from(parse_date(s)?);
    let rest = s.trim().get(10..).unwrap_or("");
    match rest.get(1..).and_then(parse_time_of_day) {
        Some(tod) => Some((days * 86_400 + i64::from(tod), true)),
        None => Some((days * 86_400, false)),
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
        Freq::Period | Freq::Intraday(_) => None,
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
    fn intraday_steps_and_stamps() {
        assert_eq!(Freq::parse("H"), Some(Freq::Intraday(3600)));
        assert_eq!(Freq::parse("30min"), Some(Freq::Intraday(1800)));
        assert_eq!(Freq::parse("15T"), Some(Freq::Intraday(900)));
        assert_eq!(Freq::parse("24h"), None);
        assert_eq!(Freq::parse("M"), Some(Freq::Monthly));
        assert_eq!((Freq::Intraday(3600).season_length(), Freq::Intraday(900).season_length(), Freq::Intraday(7000).season_length()), (24, 96, 1));
        assert_eq!(Freq::Intraday(3600).name(), "hourly");
        assert_eq!(parse_timestamp("2020-01-01 13:45"), Some((i64::from(parse_date("2020-01-01").unwrap_or(0)) * 86_400 + 13 * 3600 + 45 * 60, true)));
        assert_eq!(parse_timestamp("2020-01-01T00:00:30.250Z").map(|t| t.0 % 86_400), Some(30));
        assert_eq!(parse_timestamp("2020-01-01T05:00:00+02:00").map(|t| t.1), Some(false));
        assert_eq!(parse_timestamp("2020-01-01 25:00").map(|t| t.1), Some(false));
        let idx = TimeIndex::Stamps { start_secs: 86_400 * 365 - 3600, step_secs: 3600, len: 2 };
        assert_eq!((idx.label(0), idx.label(2)), ("1970-12-31 23:00:00".to_string(), "1971-01-01 01:00:00".to_string()));
        assert_eq!(idx.freq(), Freq::Intraday(3600));
    }

    #[test]
    fn period_labels_do_not_overflow() {
        let idx = TimeIndex::Periods { start: i64::MAX - 1, len: 2 };
        assert_eq!(idx.label(1), i64::MAX.to_string());
        assert_eq!(idx.label(3), "9223372036854775809");
        assert_eq!(TimeIndex::Periods { start: -3, len: 5 }.label(4), "1");
    }
}
