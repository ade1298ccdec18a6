//! Demand-pattern classes of Syntetos & Boylan (2005): average demand interval (ADI)
//! against the squared coefficient of variation of non-zero demand sizes (CV²).

use serde::Serialize;

/// Cut-offs of the Syntetos-Boylan classification.
pub const ADI_CUTOFF: f64 = 1.32;
pub const CV2_CUTOFF: f64 = 0.49;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DemandClass {
    Smooth,
    Erratic,
    Intermittent,
    Lumpy,
    /// No non-zero demand at all.
    AllZero,
}

impl DemandClass {
    pub fn name(self) -> &'static str {
        match self {
            DemandClass::Smooth => "smooth",
            DemandClass::Erratic => "erratic",
            DemandClass::Intermittent => "intermittent",
            DemandClass::Lumpy => "lumpy",
            DemandClass::AllZero => "all_zero",
        }
    }
}

/// ADI and CV² of a history, counted from its first non-zero value on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Intermittency {
    pub adi: f64,
    pub cv2: f64,
}

/// `None` for a series that never has non-zero demand. NaN values are skipped.
pub fn intermittency(history: &[f32]) -> Option<Intermittency> {
    let start = history.iter().position(|&v| v != 0.0 && !v.is_nan())?;
    let active = history[start..].iter().filter(|v| !v.is_nan());
    let (mut periods, mut sizes) = (0usize, Vec::new());
    for &v in active {
        periods += 1;
        if v != 0.0 {
            sizes.push(f64::from(v));
        }
    }
    let n = sizes.len() as f64;
    let mean = sizes.iter().sum::<f64>() / n;
    let var = sizes.iter().map(|s| (s - mean).powi(2)).sum::<f64>() / n;
    Some(Intermittency { adi: periods as f64 / n, cv2: var / (mean * mean) })
}

pub fn classify(history: &[f32]) -> DemandClass {
    match intermittency(history) {
        None => DemandClass::AllZero,
        Some(Intermittency { adi, cv2 }) => match (adi < ADI_CUTOFF, cv2 < CV2_CUTOFF) {
            (true, true) => DemandClass::Smooth,
            (true, false) => DemandClass::Erratic,
            (false, true) => DemandClass::Intermittent,
            (false, false) => DemandClass::Lumpy,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hand_computed_classes() {
        // from first non-zero: 4 periods, 2 demands (2, 2) → ADI 2, CV² 0 → intermittent
        assert_eq!(classify(&[0.0, 2.0, 0.0, 2.0, 0.0]), DemandClass::Intermittent);
        assert_eq!(classify(&[1.0, 1.0, 1.0]), DemandClass::Smooth);
        // sizes 1, 9: mean 5, var 16 → CV² 0.64, ADI 1 → erratic
        assert_eq!(classify(&[1.0, 9.0]), DemandClass::Erratic);
        assert_eq!(classify(&[1.0, 0.0, 0.0, 9.0]), DemandClass::Lumpy);
        assert_eq!(classify(&[0.0, 0.0]), DemandClass::AllZero);
    }
}
