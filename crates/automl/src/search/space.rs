//! Search spaces: parsing from recipe JSON and mapping the unit cube to configurations.

use std::collections::BTreeMap;

use serde_json::Value;

use super::SearchError;

/// A hyperparameter configuration: name → value (numbers, strings, bools). BTreeMap for a stable order.
pub type Config = BTreeMap<String, Value>;

/// One dimension of a search space, as written in a TOML recipe:
///
/// ```toml
/// learning_rate = { low = 0.02, high = 0.3, log = true }         # Float
/// num_leaves    = { low = 15, high = 127, log = true, int = true } # Int (inclusive bounds)
/// strategy      = { choices = ["direct", "recursive"] }          # Choice (any JSON scalars)
/// objective     = "tweedie"                                      # Fixed (a bare scalar)
/// ```
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum Param {
    Float { low: f64, high: f64, log: bool },
    Int { low: i64, high: i64, log: bool },
    Choice(Vec<Value>),
    Fixed(Value),
}

/// How a sampler should model one non-fixed dimension (in unit space).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DimKind {
    /// Float or Int: a position in [0, 1).
    Continuous,
    /// Choice with this many options: cell `i` is [i/k, (i+1)/k).
    Categorical(usize),
}

/// A checked search space: every parameter by name.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct SearchSpace {
    pub params: BTreeMap<String, Param>,
}

const DIM_KEYS: &str = "low, high, log, int (a range) or choices (a list)";

fn dotted(path: &str, key: &str) -> String {
    if path.is_empty() { key.to_string() } else { format!("{path}.{key}") }
}

/// A short description of a JSON value for error messages.
fn describe(v: &Value) -> String {
    let kind = match v {
        Value::Null => return "nothing (null)".into(),
        Value::Bool(_) => "a bool",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "a list",
        Value::Object(_) => "a table",
    };
    let mut text = v.to_string();
    if text.chars().count() > 60 {
        text = text.chars().take(57).collect::<String>() + "...";
    }
    format!("{kind} {text}")
}

fn space_err(path: String, expected: impl Into<String>, found: impl Into<String>) -> SearchError {
    SearchError::Space { path, expected: expected.into(), found: found.into() }
}

fn is_scalar(v: &Value) -> bool {
    matches!(v, Value::Bool(_) | Value::Number(_) | Value::String(_))
}

fn get_bool(path: &str, table: &serde_json::Map<String, Value>, key: &str) -> Result<bool, SearchError> {
    match table.get(key) {
        None => Ok(false),
        Some(Value::Bool(b)) => Ok(*b),
        Some(other) => Err(space_err(dotted(path, key), "true or false", describe(other))),
    }
}

fn get_number(path: &str, table: &serde_json::Map<String, Value>, key: &str) -> Result<f64, SearchError> {
    match table.get(key) {
        None => Err(space_err(dotted(path, key), "a number (required in a range table)", "nothing")),
        Some(v) => match v.as_f64() {
            Some(x) if x.is_finite() => Ok(x),
            _ => Err(space_err(dotted(path, key), "a finite number", describe(v))),
        },
    }
}

fn get_int(path: &str, table: &serde_json::Map<String, Value>, key: &str) -> Result<i64, SearchError> {
    let x = get_number(path, table, key)?;
    if let Some(i) = table.get(key).and_then(Value::as_i64) {
        return Ok(i);
    }
    // an integral float such as 15.0 is accepted; 15.5 is not
    if x.fract() == 0.0 && x.abs() < 9.0e15 {
        #[allow(clippy::cast_possible_truncation)]
        return Ok(x as i64);
    }
    let found = table.get(key).map_or_else(|| "nothing".to_string(), describe);
    Err(space_err(dotted(path, key), "an integer (int = true)", found))
}

impl Param {
    /// Parses one dimension; `path` is its dotted path (for errors).
    pub fn from_json(path: &str, value: &Value) -> Result<Param, SearchError> {
        let table = match value {
            Value::Object(t) => t,
            v if is_scalar(v) => return Ok(Param::Fixed(v.clone())),
            other => {
                return Err(space_err(path.to_string(), "a scalar (fixed value), a range table { low, high, log, int } or { choices = [...] }", describe(other)));
            }
        };
        for key in table.keys() {
            if !matches!(key.as_str(), "low" | "high" | "log" | "int" | "choices") {
                return Err(space_err(dotted(path, key), format!("one of {DIM_KEYS}"), format!("unknown key `{key}`")));
            }
        }
        if let Some(choices) = table.get("choices") {
            if let Some(other) = ["low", "high", "log", "int"].iter().find(|k| table.contains_key(**k)) {
                return Err(space_err(dotted(path, other), "either choices or a range (low, high, log, int), not both", format!("`{other}` beside `choices`")));
            }
            let cpath = dotted(path, "choices");
            let list = match choices {
                Value::Array(list) => list,
                other => return Err(space_err(cpath, "a list of values", describe(other))),
            };
            if list.is_empty() {
                return Err(space_err(cpath, "at least one choice", "an empty list"));
            }
            for (i, c) in list.iter().enumerate() {
                if !is_scalar(c) {
                    return Err(space_err(format!("{cpath}[{i}]"), "a number, string or bool", describe(c)));
                }
                if list[..i].contains(c) {
                    return Err(space_err(format!("{cpath}[{i}]"), "distinct choices", format!("{c} twice")));
                }
            }
            return Ok(Param::Choice(list.clone()));
        }
        let log = get_bool(path, table, "log")?;
        let int = get_bool(path, table, "int")?;
        let (low, high) = if int {
            let (l, h) = (get_int(path, table, "low")?, get_int(path, table, "high")?);
            #[allow(clippy::cast_precision_loss)]
            (l as f64, h as f64)
        } else {
            (get_number(path, table, "low")?, get_number(path, table, "high")?)
        };
        if low >= high {
            return Err(space_err(dotted(path, "high"), format!("high > low = {low}"), format!("high = {high}")));
        }
        if log && low <= 0.0 {
            return Err(space_err(dotted(path, "low"), "low > 0 when log = true", format!("low = {low}")));
        }
        if int { Ok(Param::Int { low: get_int(path, table, "low")?, high: get_int(path, table, "high")?, log }) } else { Ok(Param::Float { low, high, log }) }
    }

    fn kind(&self) -> Option<DimKind> {
        match self {
            Param::Float { .. } | Param::Int { .. } => Some(DimKind::Continuous),
            Param::Choice(c) => Some(DimKind::Categorical(c.len())),
            Param::Fixed(_) => None,
        }
    }

    /// The value at unit position `u` (clamped to [0, 1)); Fixed ignores `u`.
    fn value_at(&self, u: f64) -> Value {
        let u = if u.is_finite() { u.clamp(0.0, 1.0 - 1e-12) } else { 0.5 };
        match self {
            Param::Float { low, high, log } => {
                let x = if *log { (low.ln() + u * (high.ln() - low.ln())).exp() } else { low + u * (high - low) };
                Value::from(x.clamp(*low, *high))
            }
            Param::Int { low, high, log } => Value::from(int_at(*low, *high, *log, u)),
            Param::Choice(c) => {
                #[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation, clippy::cast_sign_loss)]
                let i = ((u * c.len() as f64).floor() as usize).min(c.len().saturating_sub(1));
                c.get(i).cloned().unwrap_or(Value::Null)
            }
            Param::Fixed(v) => v.clone(),
        }
    }

    /// Where `v` lies in unit space (the centre of its cell for Int and Choice); `None` if it does not fit.
    #[allow(clippy::cast_precision_loss)]
    fn unit_of(&self, v: &Value) -> Option<f64> {
        let u = match self {
            Param::Float { low, high, log } => {
                let x = v.as_f64()?.clamp(*low, *high);
                if *log { (x.ln() - low.ln()) / (high.ln() - low.ln()) } else { (x - low) / (high - low) }
            }
            Param::Int { low, high, log } => {
                let x = v.as_f64()?.round().clamp(*low as f64, *high as f64);
                if *log {
                    let (a, b) = int_log_bounds(*low, *high);
                    (x.ln() - a) / (b - a)
                } else {
                    (x - *low as f64 + 0.5) / ((high - low) as f64 + 1.0)
                }
            }
            Param::Choice(c) => {
                let i = c.iter().position(|x| x == v)?;
                (i as f64 + 0.5) / c.len() as f64
            }
            Param::Fixed(_) => return None,
        };
        Some(u.clamp(0.0, 1.0 - 1e-12))
    }
}

/// log-scale ints are drawn log-uniformly on [low − ½, high + ½] and rounded, so that
/// every integer in [low, high] has a cell (low >= 1 as log requires low > 0).
#[allow(clippy::cast_precision_loss)]
fn int_log_bounds(low: i64, high: i64) -> (f64, f64) {
    ((low as f64 - 0.5).max(1e-9).ln(), (high as f64 + 0.5).ln())
}

#[allow(clippy::cast_precision_loss, clippy::cast_possible_truncation)]
fn int_at(low: i64, high: i64, log: bool, u: f64) -> i64 {
    let x = if log {
        let (a, b) = int_log_bounds(low, high);
        (a + u * (b - a)).exp().round()
    } else {
        low as f64 + (u * ((high - low) as f64 + 1.0)).floor()
    };
    (x as i64).clamp(low, high)
}

impl SearchSpace {
    /// Parses a TOML-derived JSON object (the caller converts `toml::Table` → `serde_json::Value`)
    /// into a checked space. Errors name the dotted path `{path}.{key}` and what was expected:
    /// unknown keys inside a dimension table, low >= high, log with low <= 0, int bounds not
    /// integers, empty choices, wrong types.
    pub fn from_json(path: &str, value: &Value) -> Result<SearchSpace, SearchError> {
        let Value::Object(table) = value else {
            return Err(space_err(path.to_string(), "a table of hyperparameters", describe(value)));
        };
        let mut params = BTreeMap::new();
        for (key, v) in table {
            params.insert(key.clone(), Param::from_json(&dotted(path, key), v)?);
        }
        Ok(SearchSpace { params })
    }

    /// Number of non-Fixed parameters: the dimension of the unit cube.
    pub fn dims(&self) -> usize {
        self.params.values().filter(|p| p.kind().is_some()).count()
    }

    /// How each non-fixed dimension is modelled, in BTreeMap order.
    pub(crate) fn kinds(&self) -> Vec<DimKind> {
        self.params.values().filter_map(Param::kind).collect()
    }

    /// Maps a point of the unit cube [0,1)^d (d = [`dims`](Self::dims), in BTreeMap order) to a
    /// Config (Fixed params included). Coordinates are clamped into [0, 1); missing or
    /// non-finite ones read as 0.5.
    pub fn config_at(&self, unit: &[f64]) -> Config {
        let mut config = Config::new();
        let mut d = 0;
        for (name, p) in &self.params {
            let u = if p.kind().is_some() {
                d += 1;
                unit.get(d - 1).copied().unwrap_or(0.5)
            } else {
                0.5
            };
            config.insert(name.clone(), p.value_at(u));
        }
        config
    }

    /// The inverse of [`config_at`](Self::config_at) up to discretisation: the unit-cube point
    /// of a configuration (cell centres for Int and Choice). `None` when a non-fixed
    /// parameter is missing or its value does not belong to the space.
    pub fn unit_of(&self, config: &Config) -> Option<Vec<f64>> {
        self.params.iter().filter(|(_, p)| p.kind().is_some()).map(|(name, p)| p.unit_of(config.get(name)?)).collect()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: Value) -> Result<SearchSpace, SearchError> {
        SearchSpace::from_json("models.gbdt.space", &v)
    }

    fn err_text(v: Value) -> String {
        match parse(v) {
            Ok(s) => panic!("expected an error, parsed {s:?}"),
            Err(e) => e.to_string(),
        }
    }

    #[test]
    fn parses_each_kind_of_dimension() {
        let s = parse(json!({
            "learning_rate": { "low": 0.02, "high": 0.3, "log": true },
            "num_leaves": { "low": 15, "high": 127, "log": true, "int": true },
            "strategy": { "choices": ["direct", "recursive"] },
            "objective": "tweedie",
            "depth": { "low": 2.0, "high": 8.0, "int": true },
        }))
        .unwrap();
        assert_eq!(s.params["learning_rate"], Param::Float { low: 0.02, high: 0.3, log: true });
        assert_eq!(s.params["num_leaves"], Param::Int { low: 15, high: 127, log: true });
        assert_eq!(s.params["depth"], Param::Int { low: 2, high: 8, log: false });
        assert_eq!(s.params["strategy"], Param::Choice(vec![json!("direct"), json!("recursive")]));
        assert_eq!(s.params["objective"], Param::Fixed(json!("tweedie")));
        assert_eq!(s.dims(), 4);
        let c = s.config_at(&[0.0; 4]);
        assert_eq!(c["objective"], json!("tweedie"));
        assert_eq!(c.len(), 5);
    }

    #[test]
    fn space_errors_name_the_dotted_path() {
        let cases = [
            (json!({"lr": {"low": 0.1, "hgh": 0.3}}), "models.gbdt.space.lr.hgh", "unknown key"),
            (json!({"lr": {"low": 0.3, "high": 0.3}}), "models.gbdt.space.lr.high", "high > low"),
            (json!({"lr": {"low": 0.5, "high": 0.3}}), "models.gbdt.space.lr.high", "high > low"),
            (json!({"lr": {"low": 0.0, "high": 0.3, "log": true}}), "models.gbdt.space.lr.low", "low > 0"),
            (json!({"lr": {"low": -1, "high": 3, "log": true, "int": true}}), "models.gbdt.space.lr.low", "low > 0"),
            (json!({"n": {"low": 1.5, "high": 8, "int": true}}), "models.gbdt.space.n.low", "an integer"),
            (json!({"n": {"low": 1, "high": 8.25, "int": true}}), "models.gbdt.space.n.high", "an integer"),
            (json!({"s": {"choices": []}}), "models.gbdt.space.s.choices", "at least one choice"),
            (json!({"s": {"choices": "direct"}}), "models.gbdt.space.s.choices", "a list"),
            (json!({"s": {"choices": [[1], 2]}}), "models.gbdt.space.s.choices[0]", "a number, string or bool"),
            (json!({"s": {"choices": [1, 1]}}), "models.gbdt.space.s.choices[1]", "distinct"),
            (json!({"s": {"choices": [1, 2], "low": 1}}), "models.gbdt.space.s.low", "not both"),
            (json!({"lr": {"low": "a", "high": 0.3}}), "models.gbdt.space.lr.low", "a finite number"),
            (json!({"lr": {"high": 0.3}}), "models.gbdt.space.lr.low", "required"),
            (json!({"lr": {"low": 0.1, "high": 0.3, "log": "yes"}}), "models.gbdt.space.lr.log", "true or false"),
            (json!({"lr": {"low": 0.1, "high": 0.3, "int": 1}}), "models.gbdt.space.lr.int", "true or false"),
            (json!({"lags": [7, 28]}), "models.gbdt.space.lags", "a scalar"),
            (json!(["lr"]), "models.gbdt.space", "a table of hyperparameters"),
        ];
        for (value, path, expected) in cases {
            let text = err_text(value.clone());
            assert!(text.starts_with(&format!("{path}: ")), "{value}: {text}");
            assert!(text.contains(expected), "{value}: {text}");
        }
    }

    #[test]
    fn config_at_maps_bounds_and_ints_inclusive() {
        let s = parse(json!({
            "a": { "low": -2.0, "high": 3.0 },
            "b": { "low": 1, "high": 4, "int": true },
            "c": { "choices": ["x", "y", "z"] },
        }))
        .unwrap();
        let lo = s.config_at(&[0.0, 0.0, 0.0]);
        assert_eq!((lo["a"].as_f64(), lo["b"].as_i64(), lo["c"].as_str()), (Some(-2.0), Some(1), Some("x")));
        let hi = s.config_at(&[0.999_999, 0.999_999, 0.999_999]);
        assert!((hi["a"].as_f64().unwrap() - 3.0).abs() < 1e-4);
        assert_eq!((hi["b"].as_i64(), hi["c"].as_str()), (Some(4), Some("z")));
        // every int of [1, 4] has a quarter of the unit interval
        let ints: Vec<i64> = (0..8).map(|i| s.config_at(&[0.5, f64::from(i) / 8.0, 0.5])["b"].as_i64().unwrap()).collect();
        assert_eq!(ints, [1, 1, 2, 2, 3, 3, 4, 4]);
        // out-of-range coordinates are clamped, missing ones read 0.5
        let c = s.config_at(&[7.0, -1.0]);
        assert!((c["a"].as_f64().unwrap() - 3.0).abs() < 1e-9);
        assert_eq!((c["b"].as_i64(), c["c"].as_str()), (Some(1), Some("y")));
        // log ints are inclusive too
        let l = parse(json!({"n": {"low": 1, "high": 3, "int": true, "log": true}})).unwrap();
        let seen: std::collections::BTreeSet<i64> = (0..100).map(|i| l.config_at(&[f64::from(i) / 100.0])["n"].as_i64().unwrap()).collect();
        assert_eq!(seen.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn log_scale_median_is_the_geometric_middle() {
        use rand::{Rng, SeedableRng, rngs::StdRng};
        let s = parse(json!({"lr": {"low": 1e-3, "high": 1e-1, "log": true}})).unwrap();
        let mut rng = StdRng::seed_from_u64(7);
        let mut xs: Vec<f64> = (0..2001).map(|_| s.config_at(&[rng.random::<f64>()])["lr"].as_f64().unwrap()).collect();
        xs.sort_by(f64::total_cmp);
        let median = xs[1000];
        assert!((median / 1e-2 - 1.0).abs() < 0.15, "median {median}");
        assert!(xs[0] >= 1e-3 && xs[2000] <= 1e-1);
    }

    #[test]
    fn unit_of_inverts_config_at() {
        let s = parse(json!({
            "a": { "low": 0.01, "high": 10.0, "log": true },
            "b": { "low": 3, "high": 300, "int": true, "log": true },
            "c": { "choices": [1, "two", true] },
            "d": "fixed",
        }))
        .unwrap();
        for u in [[0.1, 0.2, 0.3], [0.9, 0.5, 0.99], [0.0, 0.0, 0.0]] {
            let c = s.config_at(&u);
            let back = s.unit_of(&c).unwrap();
            assert_eq!(s.config_at(&back), c);
            assert!((back[0] - u[0]).abs() < 1e-9);
        }
        let mut c = s.config_at(&[0.5; 3]);
        c.insert("c".into(), json!("three"));
        assert_eq!(s.unit_of(&c), None);
    }
}
