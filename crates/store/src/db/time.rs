//! Timestamps as the database keeps them: UTC text `YYYY-MM-DDTHH:MM:SS.mmmZ`, which
//! sorts as it reads, so date filters are plain text comparisons; milliseconds because
//! runs a second apart must still sort in the order they ran. (No date crate for a few
//! small functions.)

use std::time::{SystemTime, UNIX_EPOCH};

/// Milliseconds since 1970-01-01 UTC as `YYYY-MM-DDTHH:MM:SS.mmmZ`.
pub(crate) fn utc_text(millis: i64) -> String {
    let (secs, ms) = (millis.div_euclid(1000), millis.rem_euclid(1000));
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

/// A file time (or now) as milliseconds since 1970; times before 1970 become 0.
pub(crate) fn unix_millis(t: SystemTime) -> i64 {
    t.duration_since(UNIX_EPOCH).map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)).unwrap_or(0)
}

pub(crate) fn now_text() -> String {
    utc_text(unix_millis(SystemTime::now()))
}

/// Checks a `YYYY-MM-DD` day (the `--since`/`--until` filters): a real calendar day.
pub(crate) fn check_day(text: &str) -> Result<(), String> {
    let parts: Vec<&str> = text.split('-').collect();
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if parts.len() != 3 || !digits(parts[0], 4) || !digits(parts[1], 2) || !digits(parts[2], 2) {
        return Err(format!("{text:?}: expected a day as YYYY-MM-DD"));
    }
    let (y, m, d) = (parts[0].parse::<i64>().unwrap_or(0), parts[1].parse::<u32>().unwrap_or(0), parts[2].parse::<u32>().unwrap_or(0));
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days_in = [31, if leap { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    match days_in.get(m.wrapping_sub(1) as usize) {
        Some(&n) if d >= 1 && d <= n => Ok(()),
        _ => Err(format!("{text:?}: not a calendar day")),
    }
}

/// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's
/// `civil_from_days`).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unix_seconds_format_as_utc_text() {
        assert_eq!(utc_text(0), "1970-01-01T00:00:00.000Z");
        // 2000-02-29 (a leap day of a century leap year) 12:34:56.789
        assert_eq!(utc_text(951_827_696_789), "2000-02-29T12:34:56.789Z");
        assert_eq!(utc_text(1_464_048_000_000), "2016-05-24T00:00:00.000Z");
        assert_eq!(utc_text(-1), "1969-12-31T23:59:59.999Z");
    }

    #[test]
    fn days_are_checked_against_the_calendar() {
        assert!(check_day("2024-02-29").is_ok());
        for bad in ["2023-02-29", "2024-13-01", "2024-00-10", "2024-1-01", "24-01-01", "2024-01-32", "yesterday", ""] {
            assert!(check_day(bad).is_err(), "{bad}");
        }
    }
}
