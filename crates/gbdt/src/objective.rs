//! Gradients, hessians, initial scores and losses of the objectives (LightGBM's formulas).

use crate::error::{GbdtError, Result};
use crate::params::{GbdtParams, Objective};

/// An objective with its parameters resolved.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub(crate) struct Loss {
    pub objective: Objective,
    pub tweedie_variance_power: f64,
    pub poisson_max_delta_step: f64,
}

const EPS: f64 = 1e-10;

fn weighted_mean(y: &[f64], w: Option<&[f64]>) -> f64 {
    match w {
        None => y.iter().sum::<f64>() / y.len() as f64,
        Some(w) => {
            let sw: f64 = w.iter().sum();
            y.iter().zip(w).map(|(a, b)| a * b).sum::<f64>() / sw
        }
    }
}

impl Loss {
    pub fn from_params(p: &GbdtParams) -> Self {
        Loss { objective: p.objective, tweedie_variance_power: p.tweedie_variance_power, poisson_max_delta_step: p.poisson_max_delta_step }
    }

    /// Checks labels one by one and as a whole.
    pub fn check_labels(&self, y: &[f64], w: Option<&[f64]>) -> Result<()> {
        for (row, &v) in y.iter().enumerate() {
            let ok = match self.objective {
                Objective::L2 => v.is_finite(),
                Objective::Poisson | Objective::Tweedie => v.is_finite() && v >= 0.0,
                Objective::Binary => v == 0.0 || v == 1.0,
            };
            if !ok {
                let reason = match self.objective {
                    Objective::L2 => "must be finite",
                    Objective::Poisson | Objective::Tweedie => "must be finite and >= 0",
                    Objective::Binary => "must be 0 or 1",
                };
                return Err(GbdtError::InvalidLabel { row, reason: format!("{reason}, got {v}") });
            }
        }
        if matches!(self.objective, Objective::Poisson | Objective::Tweedie) && weighted_mean(y, w) <= 0.0 {
            return Err(GbdtError::Labels { objective: self.objective.name(), reason: "the (weighted) label mean must be > 0".into() });
        }
        Ok(())
    }

    /// The optimal constant raw score (LightGBM's `BoostFromScore`).
    pub fn init_score(&self, y: &[f64], w: Option<&[f64]>) -> f64 {
        let m = weighted_mean(y, w);
        match self.objective {
            Objective::L2 => m,
            Objective::Poisson | Objective::Tweedie => m.max(EPS).ln(),
            Objective::Binary => {
                let p = m.clamp(EPS, 1.0 - EPS);
                (p / (1.0 - p)).ln()
            }
        }
    }

    /// Gradient and hessian of the unweighted loss at raw score `f`.
    #[inline]
    pub fn grad_hess(&self, f: f64, y: f64) -> (f64, f64) {
        match self.objective {
            Objective::L2 => (f - y, 1.0),
            Objective::Poisson => (f.exp() - y, (f + self.poisson_max_delta_step).exp()),
            Objective::Tweedie => {
                let rho = self.tweedie_variance_power;
                let a = ((1.0 - rho) * f).exp();
                let b = ((2.0 - rho) * f).exp();
                (-y * a + b, -y * (1.0 - rho) * a + (2.0 - rho) * b)
            }
            Objective::Binary => {
                let p = 1.0 / (1.0 + (-f).exp());
                (p - y, (p * (1.0 - p)).max(1e-16))
            }
        }
    }

    /// Raw score to prediction scale.
    #[inline]
    pub fn transform(&self, f: f64) -> f64 {
        match self.objective {
            Objective::L2 => f,
            Objective::Poisson | Objective::Tweedie => f.exp(),
            Objective::Binary => 1.0 / (1.0 + (-f).exp()),
        }
    }

    /// Pointwise loss at raw score `f` (LightGBM's metric of the same name).
    #[inline]
    pub fn loss(&self, f: f64, y: f64) -> f64 {
        match self.objective {
            Objective::L2 => (f - y) * (f - y),
            Objective::Poisson => {
                let mu = f.exp().max(EPS);
                mu - y * mu.ln()
            }
            Objective::Tweedie => {
                let rho = self.tweedie_variance_power;
                let mu = f.exp().max(EPS);
                let a = y * ((1.0 - rho) * mu.ln()).exp() / (1.0 - rho);
                let b = ((2.0 - rho) * mu.ln()).exp() / (2.0 - rho);
                -a + b
            }
            Objective::Binary => {
                let p = (1.0 / (1.0 + (-f).exp())).clamp(1e-15, 1.0 - 1e-15);
                if y > 0.5 { -p.ln() } else { -(1.0 - p).ln() }
            }
        }
    }

    /// Weighted mean loss over all rows.
    pub fn mean_loss(&self, scores: &[f64], y: &[f64], w: Option<&[f64]>) -> f64 {
        match w {
            None => scores.iter().zip(y).map(|(&f, &t)| self.loss(f, t)).sum::<f64>() / y.len() as f64,
            Some(w) => {
                let sw: f64 = w.iter().sum();
                scores.iter().zip(y).zip(w).map(|((&f, &t), &wi)| wi * self.loss(f, t)).sum::<f64>() / sw
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loss(o: Objective) -> Loss {
        Loss::from_params(&GbdtParams { objective: o, ..Default::default() })
    }

    #[test]
    fn init_scores() {
        let y = [0.0, 1.0, 1.0, 2.0];
        assert!((loss(Objective::L2).init_score(&y, None) - 1.0).abs() < 1e-12);
        assert!((loss(Objective::Poisson).init_score(&y, None) - 0.0).abs() < 1e-12);
        let y2 = [1.0, 3.0];
        assert!((loss(Objective::Tweedie).init_score(&y2, None) - 2f64.ln()).abs() < 1e-12);
        let yb = [0.0, 1.0, 1.0, 1.0];
        assert!((loss(Objective::Binary).init_score(&yb, None) - 3f64.ln()).abs() < 1e-12);
        // weights
        let w = [1.0, 3.0];
        assert!((loss(Objective::L2).init_score(&y2, Some(&w)) - 2.5).abs() < 1e-12);
    }

    #[test]
    fn gradients_are_derivatives_of_loss() {
        for o in [Objective::L2, Objective::Poisson, Objective::Tweedie, Objective::Binary] {
            let l = loss(o);
            for (f, y) in [(0.3, 1.0), (-0.7, 0.0), (1.2, 1.0)] {
                let h = 1e-6;
                let num = (l.loss(f + h, y) - l.loss(f - h, y)) / (2.0 * h);
                let scale = if o == Objective::L2 { 2.0 } else { 1.0 };
                let (g, _) = l.grad_hess(f, y);
                assert!((num - scale * g).abs() < 1e-5, "{o:?} f={f} y={y}: {num} vs {g}");
            }
        }
    }

    #[test]
    fn label_checks() {
        assert!(loss(Objective::Binary).check_labels(&[0.0, 0.5], None).is_err());
        assert!(loss(Objective::Poisson).check_labels(&[0.0, -1.0], None).is_err());
        assert!(loss(Objective::Poisson).check_labels(&[0.0, 0.0], None).is_err());
        assert!(loss(Objective::L2).check_labels(&[f64::NAN], None).is_err());
        assert!(loss(Objective::Tweedie).check_labels(&[0.0, 2.0], None).is_ok());
    }
}
