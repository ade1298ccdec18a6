//! The A/B traffic split: each series goes to one arm, chosen by a stable hash of its id,
//! so the same series always reaches the same arm (across requests, restarts and
//! machines); a request may instead name its arm.

use crate::error::ServeError;

/// Arms and their shares of the series, in the order given (shares sum to 1).
#[derive(Debug, Clone, PartialEq)]
pub struct Split {
    pub arms: Vec<(String, f64)>,
}

impl Split {
    /// `champion=0.9,challenger=0.1` over the loaded arm names; shares are normalised
    /// to sum to 1. `None`: equal shares for every arm.
    pub fn parse(text: Option<&str>, names: &[String]) -> Result<Split, ServeError> {
        let Some(text) = text else {
            let share = 1.0 / names.len().max(1) as f64;
            return Ok(Split { arms: names.iter().map(|n| (n.clone(), share)).collect() });
        };
        let mut arms = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, share) = part.split_once('=').ok_or_else(|| ServeError::Usage(format!("--split {text}: '{part}' is not ARM=SHARE (e.g. champion=0.9,challenger=0.1)")))?;
            let name = name.trim();
            if !names.iter().any(|n| n == name) {
                return Err(ServeError::Usage(format!("--split {text}: no bundle is named '{name}' (loaded: {})", names.join(", "))));
            }
            let share: f64 = share
                .trim()
                .parse()
                .ok()
                .filter(|s: &f64| s.is_finite() && *s >= 0.0)
                .ok_or_else(|| ServeError::Usage(format!("--split {text}: share '{}' of {name} is not a number ≥ 0", share.trim())))?;
            if arms.iter().any(|(n, _)| n == name) {
                return Err(ServeError::Usage(format!("--split {text}: {name} is given twice")));
            }
            arms.push((name.to_string(), share));
        }
        let total: f64 = arms.iter().map(|(_, s)| s).sum();
        if total <= 0.0 {
            return Err(ServeError::Usage(format!("--split {text}: the shares sum to 0")));
        }
        Ok(Split { arms: arms.into_iter().map(|(n, s)| (n, s / total)).collect() })
    }

    /// The arm of series `id`: its hash's place in [0, 1) against the cumulative shares.
    pub fn arm_of(&self, id: &str) -> &str {
        let u = (fnv1a(id.as_bytes()) >> 11) as f64 / (1u64 << 53) as f64;
        let mut edge = 0.0;
        for (name, share) in &self.arms {
            edge += share;
            if u < edge && *share > 0.0 {
                return name;
            }
        }
        // rounding: the last arm with a share
        self.arms.iter().rev().find(|(_, s)| *s > 0.0).map_or("", |(n, _)| n.as_str())
    }
}

/// FNV-1a 64, then a finaliser (splitmix64's) so ids that differ in one character spread
/// over the whole range. Stable by construction: no per-process seed.
fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names() -> Vec<String> {
        vec!["champion".into(), "challenger".into()]
    }

    #[test]
    fn shares_are_parsed_and_normalised() {
        let s = Split::parse(Some("champion=9, challenger=1"), &names()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(s.arms, vec![("champion".into(), 0.9), ("challenger".into(), 0.1)]);
        assert_eq!(Split::parse(None, &names()).unwrap_or_else(|e| panic!("{e}")).arms[1].1, 0.5);
        for bad in ["champion", "other=1", "champion=-1", "champion=x", "champion=0,challenger=0", "champion=1,champion=2"] {
            assert!(Split::parse(Some(bad), &names()).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_same_series_always_reaches_the_same_arm_in_proportion() {
        let s = Split::parse(Some("champion=0.9,challenger=0.1"), &names()).unwrap_or_else(|e| panic!("{e}"));
        let ids: Vec<String> = (0..20_000).map(|i| format!("FOODS_3_{i:03}_CA_1")).collect();
        let challenger = ids.iter().filter(|id| s.arm_of(id) == "challenger").count();
        // binomial sd at n = 20,000, p = 0.1 is 42: ±5 sd
        assert!((challenger as i64 - 2000).abs() < 210, "{challenger} of 20,000");
        assert!(ids.iter().all(|id| s.arm_of(id) == s.arm_of(id)));
        assert_eq!(fnv1a(b"a"), fnv1a(b"a"));
        let only = Split::parse(Some("champion=1,challenger=0"), &names()).unwrap_or_else(|e| panic!("{e}"));
        assert!(ids.iter().all(|id| only.arm_of(id) == "champion"));
    }
}
