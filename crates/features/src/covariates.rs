//! The covariates of a long-format panel as features: static columns (text coded by
//! the vocabulary, numbers as they are), known-in-advance columns at the target period
//! and past-only columns lagged like the target. Which ones a panel carries decides
//! [`spec_for_panel`]: a model adds them at fit time and saves the spec it used.

use tsforge_core::{CovariateKind, Panel};

use crate::spec::{FeatureSpec, PastFeature, StaticFeature};
use crate::vocab::Lookup;

/// Position of the dynamic covariate `name` in `panel.dynamic`.
pub fn find(panel: &Panel, name: &str) -> Option<usize> {
    panel.dynamic.iter().position(|c| c.name == name)
}

/// One value per series: the code of each label in `labels` (categorical; NaN for a
/// label the table lacks), or the label read as a number (NaN if it is not one).
pub fn static_values(values: &[String], labels: Option<&[String]>) -> Vec<f32> {
    match labels {
        Some(table) => {
            let look = Lookup::new(table);
            values.iter().map(|v| look.code(v)).collect()
        }
        None => values.iter().map(|v| v.trim().parse::<f32>().ok().filter(|x| x.is_finite()).unwrap_or(f32::NAN)).collect(),
    }
}

/// Whether a static column holds numbers (every value parses as a finite number),
/// read as they are, rather than labels to code.
pub fn is_numeric(values: &[String]) -> bool {
    !values.is_empty() && values.iter().all(|v| v.trim().parse::<f64>().is_ok_and(f64::is_finite))
}

/// `spec` with every covariate `panel` carries that it does not declare yet: statics,
/// known-in-advance columns at the target period, and past-only columns `shift`
/// periods back, where `shift` is at least `horizon` (and the strategy's minimum): a
/// forecast from the origin then reads only values observed before it, at every step.
pub fn spec_for_panel(spec: &FeatureSpec, panel: &Panel, horizon: usize) -> FeatureSpec {
    let mut out = spec.clone();
    for s in &panel.statics {
        if !out.statics.iter().any(|d| d.name == s.name) {
            out.statics.push(StaticFeature { name: s.name.clone(), categorical: !is_numeric(&s.values) });
        }
    }
    let shift = horizon.max(spec.strategy.min_shift()).max(1);
    for c in &panel.dynamic {
        match c.kind {
            CovariateKind::Future if !out.future.contains(&c.name) => out.future.push(c.name.clone()),
            CovariateKind::Past if !out.past.iter().any(|p| p.name == c.name) => out.past.push(PastFeature { name: c.name.clone(), shift }),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statics_are_codes_or_numbers() {
        let labels = vec!["north".to_string(), "south".to_string()];
        let v = static_values(&["south".into(), "east".into()], Some(&labels));
        assert_eq!(v[0], 1.0);
        assert!(v[1].is_nan());
        assert_eq!(static_values(&["2.5".into(), " 3".into()], None), vec![2.5, 3.0]);
        assert!(is_numeric(&["1".into(), "2e3".into()]) && !is_numeric(&["1".into(), "x".into()]) && !is_numeric(&["inf".into()]));
    }
}
