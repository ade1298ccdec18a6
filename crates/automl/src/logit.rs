//! The simple baseline classifier of the hurdle: linfa's L2-regularised logistic
//! regression on the same feature matrix the trees see. Missing values are imputed with
//! the training mean, every input is standardised (LBFGS converges badly on raw price and
//! count scales), non-negative target-derived columns enter as `log1p` (the chance of a
//! sale saturates in the recent level, it does not grow linearly with it), small
//! categorical columns are one-hot coded and large ones (items, event names) left out.

use linfa::prelude::*;
use linfa_logistic::LogisticRegression;
use ndarray::{Array1, Array2};
use serde::{Deserialize, Serialize};
use tsforge_features::FeatureMatrix;

use crate::error::{AutomlError, Result};

/// Hyperparameters of the logistic-regression classifier.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogisticParams {
    /// L2 penalty on the weights (the loss is summed over rows).
    pub alpha: f64,
    /// LBFGS iterations at most.
    pub max_iterations: u64,
    /// LBFGS stops when the gradient norm of the mean (per-row) loss falls below this
    /// (linfa's loss is summed over rows, so its tolerance is this times the row count).
    pub gradient_tolerance: f64,
    /// Categorical columns with at most this many codes in training are one-hot coded;
    /// larger ones are left out.
    pub max_onehot: usize,
}

impl Default for LogisticParams {
    fn default() -> Self {
        LogisticParams { alpha: 1.0, max_iterations: 200, gradient_tolerance: 1e-4, max_onehot: 16 }
    }
}

impl LogisticParams {
    /// Range checks, before anything runs.
    pub fn validate(&self) -> Result<()> {
        let bad = |reason: String| Err(AutomlError::Logistic { reason });
        if !(self.alpha.is_finite() && self.alpha >= 0.0) {
            return bad(format!("alpha must be finite and >= 0, got {}", self.alpha));
        }
        if self.max_iterations == 0 {
            return bad("max_iterations must be at least 1".into());
        }
        if !(self.gradient_tolerance.is_finite() && self.gradient_tolerance > 0.0) {
            return bad(format!("gradient_tolerance must be finite and > 0, got {}", self.gradient_tolerance));
        }
        Ok(())
    }
}

/// How an input is derived from its feature column.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Transform {
    Identity,
    Log1p,
    /// 1 where the column equals `code`, else 0 (one-hot of a categorical column).
    Is {
        code: f32,
    },
}

/// One standardised input of the regression and its learned weight.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogitInput {
    /// Name of the feature column it reads (checked at prediction).
    pub feature: String,
    pub column: usize,
    pub transform: Transform,
    pub mean: f64,
    pub scale: f64,
    pub weight: f64,
}

impl LogitInput {
    fn raw(&self, v: f32) -> f64 {
        match self.transform {
            Transform::Identity => f64::from(v),
            Transform::Log1p => f64::from(v).ln_1p(),
            Transform::Is { .. } if v.is_nan() => f64::NAN,
            Transform::Is { code } => f64::from(u8::from(v == code)),
        }
    }

    /// Standardised value; a missing value sits at the training mean (0).
    fn z(&self, v: f32) -> f64 {
        let r = self.raw(v);
        if r.is_finite() { (r - self.mean) / self.scale } else { 0.0 }
    }
}

/// A fitted logistic regression over feature-matrix columns.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogitModel {
    pub inputs: Vec<LogitInput>,
    pub intercept: f64,
}

/// Candidate inputs of each column, before their statistics are known.
fn candidates(x: &FeatureMatrix, categorical: &[usize], target_derived: &[bool], max_onehot: usize) -> Vec<(usize, Transform)> {
    let mut out = Vec::new();
    for j in 0..x.n_cols() {
        let col = x.column(j);
        if categorical.contains(&j) {
            let mut codes: Vec<f32> = col.iter().copied().filter(|v| !v.is_nan()).collect();
            codes.sort_by(f32::total_cmp);
            codes.dedup();
            if (2..=max_onehot).contains(&codes.len()) {
                out.extend(codes.into_iter().map(|code| (j, Transform::Is { code })));
            }
        } else {
            let nonneg = col.iter().all(|v| v.is_nan() || *v >= 0.0);
            let log = target_derived.get(j).copied().unwrap_or(false) && nonneg;
            out.push((j, if log { Transform::Log1p } else { Transform::Identity }));
        }
    }
    out
}

/// Mean and standard deviation of the finite values (`None` when constant or empty).
fn moments(values: impl Iterator<Item = f64>) -> Option<(f64, f64)> {
    let (mut n, mut sum, mut sq) = (0usize, 0.0, 0.0);
    for v in values.filter(|v| v.is_finite()) {
        n += 1;
        sum += v;
        sq += v * v;
    }
    if n == 0 {
        return None;
    }
    let mean = sum / n as f64;
    let var = (sq / n as f64 - mean * mean).max(0.0);
    (var.sqrt() > 1e-9 * mean.abs().max(1.0)).then_some((mean, var.sqrt()))
}

impl LogitModel {
    /// Fits P(positive) on the rows of `x`. `categorical` lists the categorical columns,
    /// `target_derived[j]` whether column `j` is computed from past values of the target.
    /// Both classes must occur.
    pub fn fit(x: &FeatureMatrix, categorical: &[usize], target_derived: &[bool], positive: &[bool], params: &LogisticParams) -> Result<LogitModel> {
        params.validate()?;
        if positive.len() != x.n_rows {
            return Err(AutomlError::Shape { what: "classifier labels".into(), expected: x.n_rows, got: positive.len() });
        }
        let mut inputs = Vec::new();
        for (column, transform) in candidates(x, categorical, target_derived, params.max_onehot) {
            let mut input = LogitInput { feature: x.names[column].clone(), column, transform, mean: 0.0, scale: 1.0, weight: 0.0 };
            if let Some((mean, scale)) = moments(x.column(column).iter().map(|&v| input.raw(v))) {
                (input.mean, input.scale) = (mean, scale);
                inputs.push(input);
            }
        }
        let n = x.n_rows;
        let mut records = Array2::<f64>::zeros((n, inputs.len()));
        for (k, input) in inputs.iter().enumerate() {
            for (r, &v) in x.column(input.column).iter().enumerate() {
                records[[r, k]] = input.z(v);
            }
        }
        let data = Dataset::new(records, Array1::from(positive.to_vec()));
        let fitted = LogisticRegression::default()
            .alpha(params.alpha)
            .max_iterations(params.max_iterations)
            .gradient_tolerance(params.gradient_tolerance * n.max(1) as f64)
            .fit(&data)
            .map_err(|e| AutomlError::Logistic { reason: e.to_string() })?;
        // linfa models P of its "positive" class, which is the more frequent label, not
        // `true`: flip the signs when y > 0 is the minority
        let sign = if fitted.labels().pos.class { 1.0 } else { -1.0 };
        for (input, &w) in inputs.iter_mut().zip(fitted.params().iter()) {
            input.weight = sign * w;
        }
        Ok(LogitModel { inputs, intercept: sign * fitted.intercept() })
    }

    /// P(positive) for every row of `x` (built with the same spec as in training).
    pub fn predict(&self, x: &FeatureMatrix) -> Result<Vec<f64>> {
        let mut score = vec![self.intercept; x.n_rows];
        for input in &self.inputs {
            match x.names.get(input.column) {
                Some(name) if *name == input.feature => {}
                _ => return Err(AutomlError::Shape { what: format!("feature columns (no '{}' at {})", input.feature, input.column), expected: input.column + 1, got: x.n_cols() }),
            }
            for (s, &v) in score.iter_mut().zip(x.column(input.column)) {
                *s += input.weight * input.z(v);
            }
        }
        Ok(score.into_iter().map(|s| 1.0 / (1.0 + (-s).exp())).collect())
    }

    /// Absolute standardised weight per feature (one-hot inputs summed), in column order.
    pub fn importance(&self, names: &[String]) -> Vec<(String, f64)> {
        let mut imp = vec![0.0; names.len()];
        for input in &self.inputs {
            if let Some(v) = imp.get_mut(input.column) {
                *v += input.weight.abs();
            }
        }
        names.iter().cloned().zip(imp).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix(cols: Vec<Vec<f32>>, names: &[&str]) -> FeatureMatrix {
        let n_rows = cols[0].len();
        FeatureMatrix { names: names.iter().map(|s| s.to_string()).collect(), n_rows, columns: cols.concat(), rows: (0..n_rows).map(|r| (0, r)).collect() }
    }

    #[test]
    fn learns_a_monotone_relation_with_missing_values_and_one_hot() {
        let n = 400;
        let level: Vec<f32> = (0..n).map(|r| if r % 17 == 0 { f32::NAN } else { (r % 10) as f32 }).collect();
        let store: Vec<f32> = (0..n).map(|r| (r % 3) as f32).collect();
        let item: Vec<f32> = (0..n).map(|r| r as f32).collect(); // too many codes: left out
        let positive: Vec<bool> = (0..n).map(|r| (r % 10) >= 5 || (r % 3 == 2 && r % 10 >= 3)).collect();
        let x = matrix(vec![level, store, item], &["lag28", "store", "item"]);
        let m = LogitModel::fit(&x, &[1, 2], &[true, false, false], &positive, &LogisticParams::default()).unwrap_or_else(|e| panic!("{e}"));
        assert!(m.inputs.iter().all(|i| i.feature != "item"));
        assert_eq!(m.inputs.iter().filter(|i| i.feature == "store").count(), 3);
        let p = m.predict(&x).unwrap_or_else(|e| panic!("{e}"));
        assert!(p.iter().all(|v| v.is_finite() && (0.0..=1.0).contains(v)));
        // higher level → higher P(y>0), missing level → in between
        assert!(p[9] > p[1] && p[19] > p[11]);
        let q = crate::quality::classifier_quality(&p, &positive);
        assert!(q.auc > 0.85 && q.log_loss < q.base_log_loss, "{q:?}");
        // the same with y > 0 as the minority class: still P(true)
        let rare: Vec<bool> = positive.iter().map(|b| !b).collect();
        assert!(rare.iter().filter(|&&b| b).count() < n / 2);
        let m = LogitModel::fit(&x, &[1, 2], &[true, false, false], &rare, &LogisticParams::default()).unwrap_or_else(|e| panic!("{e}"));
        let q = crate::quality::classifier_quality(&m.predict(&x).unwrap_or_else(|e| panic!("{e}")), &rare);
        assert!(q.auc > 0.85 && q.log_loss < q.base_log_loss, "{q:?}");
    }
}
