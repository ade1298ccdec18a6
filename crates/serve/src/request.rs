//! `POST /v1/forecast` bodies, checked field by field: every mistake is answered with
//! the field's path (`history[2].values[7]`) and what was expected.
//!
//! ```json
//! {"series": ["FOODS_3_090_CA_1"],                       // ids in the server's data
//!  "history": [{"id": "FOODS_3_586_TX_2", "values": [3, 0, 5]}],
//!  "horizon": 7, "model": "challenger", "as_of": "2016-03-27"}
//! ```
//! `series` and `history` may both be given; `history` values are the latest observations
//! of a series, ending at the forecast origin: they replace the server's values of a known
//! series there, or make a new series (long-format bundles without covariates).

use serde_json::{Map, Value};

use crate::error::ApiError;

/// The request's limits (`tsforge serve --max-series`, `--max-body-mb`).
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub max_series: usize,
    /// Values per history entry.
    pub max_history: usize,
}

/// A series given by value.
#[derive(Debug, Clone, PartialEq)]
pub struct History {
    pub id: String,
    pub values: Vec<f32>,
}

/// A checked forecast request.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ForecastRequest {
    pub series: Vec<String>,
    pub history: Vec<History>,
    pub horizon: Option<usize>,
    pub model: Option<String>,
    pub as_of: Option<String>,
}

const FIELDS: [&str; 5] = ["series", "history", "horizon", "model", "as_of"];

/// Parses and checks a body.
pub fn parse(body: &[u8], limits: Limits) -> Result<ForecastRequest, ApiError> {
    let value: Value = serde_json::from_slice(body).map_err(|e| ApiError::new(axum::http::StatusCode::BAD_REQUEST, "bad_json", None, format!("the body is not JSON: {e}")))?;
    let Value::Object(obj) = value else {
        return Err(ApiError::field("body", format!("expected a JSON object with {}, got {}", FIELDS.join(", "), kind(&value))));
    };
    if let Some(unknown) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(ApiError::field(unknown.clone(), format!("unknown field '{unknown}'; a forecast request has {}", FIELDS.join(", "))));
    }
    let mut req = ForecastRequest { series: strings(&obj, "series", limits)?, ..ForecastRequest::default() };
    if let Some(h) = obj.get("history").filter(|v| !v.is_null()) {
        req.history = histories(h, limits)?;
    }
    if req.series.is_empty() && req.history.is_empty() {
        return Err(ApiError::field("series", "name at least one series (\"series\": [ids]) or give one by value (\"history\": [{\"id\", \"values\"}])"));
    }
    if req.series.len() + req.history.len() > limits.max_series {
        return Err(ApiError::too_large(
            Some("series".into()),
            format!("{} series in one request; this server answers at most {} (--max-series)", req.series.len() + req.history.len(), limits.max_series),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    for (k, id) in req.series.iter().enumerate() {
        if !seen.insert(id.as_str()) {
            return Err(ApiError::field(format!("series[{k}]"), format!("series '{id}' is named twice")));
        }
    }
    for (k, h) in req.history.iter().enumerate() {
        if req.series.contains(&h.id) || req.history[..k].iter().any(|o| o.id == h.id) {
            return Err(ApiError::field(format!("history[{k}].id"), format!("series '{}' is given twice", h.id)));
        }
    }
    req.horizon = match obj.get("horizon") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_u64().filter(|&h| h >= 1).and_then(|h| usize::try_from(h).ok()).ok_or_else(|| ApiError::field("horizon", format!("expected a whole number of periods ≥ 1, got {v}")))?),
    };
    req.model = optional_string(&obj, "model")?;
    req.as_of = optional_string(&obj, "as_of")?;
    Ok(req)
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn optional_string(obj: &Map<String, Value>, field: &str) -> Result<Option<String>, ApiError> {
    match obj.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.trim().to_string())),
        Some(v) => Err(ApiError::field(field, format!("expected a non-empty string, got {}", kind(v)))),
    }
}

fn strings(obj: &Map<String, Value>, field: &str, limits: Limits) -> Result<Vec<String>, ApiError> {
    let items = match obj.get(field) {
        None | Some(Value::Null) => return Ok(Vec::new()),
        Some(Value::Array(items)) => items,
        Some(v) => return Err(ApiError::field(field, format!("expected an array of series ids, got {}", kind(v)))),
    };
    if items.len() > limits.max_series {
        return Err(ApiError::too_large(Some(field.into()), format!("{} series in one request; this server answers at most {} (--max-series)", items.len(), limits.max_series)));
    }
    items
        .iter()
        .enumerate()
        .map(|(k, v)| match v {
            Value::String(s) if !s.is_empty() => Ok(s.clone()),
            other => Err(ApiError::field(format!("{field}[{k}]"), format!("expected a series id (a non-empty string), got {}", kind(other)))),
        })
        .collect()
}

fn histories(value: &Value, limits: Limits) -> Result<Vec<History>, ApiError> {
    let Value::Array(items) = value else {
        return Err(ApiError::field("history", format!("expected an array of {{\"id\", \"values\"}} objects, got {}", kind(value))));
    };
    if items.len() > limits.max_series {
        return Err(ApiError::too_large(Some("history".into()), format!("{} series in one request; this server answers at most {} (--max-series)", items.len(), limits.max_series)));
    }
    let mut out = Vec::with_capacity(items.len());
    for (k, item) in items.iter().enumerate() {
        let at = |f: &str| format!("history[{k}]{f}");
        let Value::Object(o) = item else {
            return Err(ApiError::field(at(""), format!("expected an object {{\"id\", \"values\"}}, got {}", kind(item))));
        };
        if let Some(unknown) = o.keys().find(|f| f.as_str() != "id" && f.as_str() != "values") {
            return Err(ApiError::field(at(&format!(".{unknown}")), format!("unknown field '{unknown}'; a history entry has id and values")));
        }
        let id = match o.get("id") {
            Some(Value::String(s)) if !s.is_empty() => s.clone(),
            Some(v) => return Err(ApiError::field(at(".id"), format!("expected a series id (a non-empty string), got {}", kind(v)))),
            None => return Err(ApiError::field(at(".id"), "missing: the series' id")),
        };
        let values = match o.get("values") {
            Some(Value::Array(v)) => v,
            Some(v) => return Err(ApiError::field(at(".values"), format!("expected an array of numbers, got {}", kind(v)))),
            None => return Err(ApiError::field(at(".values"), "missing: the series' latest observations, oldest first")),
        };
        if values.is_empty() {
            return Err(ApiError::field(at(".values"), "empty: give at least one observation"));
        }
        if values.len() > limits.max_history {
            return Err(ApiError::too_large(Some(at(".values")), format!("{} values; a history entry holds at most {}", values.len(), limits.max_history)));
        }
        let mut parsed = Vec::with_capacity(values.len());
        for (j, v) in values.iter().enumerate() {
            // JSON has no NaN or infinity; a number too large for f32 is refused too
            match v.as_f64().map(|x| x as f32).filter(|x| x.is_finite()) {
                Some(x) => parsed.push(x),
                None => {
                    return Err(ApiError::field(
                        at(&format!(".values[{j}]")),
                        format!("expected a finite number, got {}", if v.is_number() { "a number out of range".to_string() } else { kind(v).to_string() }),
                    ));
                }
            }
        }
        out.push(History { id, values: parsed });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: Limits = Limits { max_series: 3, max_history: 5 };

    fn field_of(body: &str) -> (u16, Option<String>) {
        let e = parse(body.as_bytes(), LIMITS).err().unwrap_or_else(|| panic!("{body} was accepted"));
        (e.status.as_u16(), e.field)
    }

    #[test]
    fn good_requests_parse() {
        let r = parse(br#"{"series": ["a", "b"], "history": [{"id": "c", "values": [1, 2.5]}], "horizon": 7, "model": "x", "as_of": "d_1885"}"#, LIMITS).unwrap_or_else(|e| panic!("{e:?}"));
        assert_eq!(r.series, ["a", "b"]);
        assert_eq!(r.history, [History { id: "c".into(), values: vec![1.0, 2.5] }]);
        assert_eq!((r.horizon, r.model.as_deref(), r.as_of.as_deref()), (Some(7), Some("x"), Some("d_1885")));
    }

    #[test]
    fn every_mistake_names_its_field() {
        let cases: [(&str, u16, Option<&str>); 16] = [
            ("{", 400, None),
            ("[1]", 422, Some("body")),
            (r#"{"series": "a"}"#, 422, Some("series")),
            (r#"{"series": ["a", 3]}"#, 422, Some("series[1]")),
            (r#"{"series": []}"#, 422, Some("series")),
            (r#"{"series": ["a", "a"]}"#, 422, Some("series[1]")),
            (r#"{"series": ["a", "b", "c", "d"]}"#, 413, Some("series")),
            (r#"{"series": ["a"], "horizon": -1}"#, 422, Some("horizon")),
            (r#"{"series": ["a"], "horizon": 0}"#, 422, Some("horizon")),
            (r#"{"series": ["a"], "horizon": 2.5}"#, 422, Some("horizon")),
            (r#"{"series": ["a"], "colour": 1}"#, 422, Some("colour")),
            (r#"{"history": [{"id": "a", "values": [1, null]}]}"#, 422, Some("history[0].values[1]")),
            (r#"{"history": [{"id": "a", "values": [1, 1e300]}]}"#, 422, Some("history[0].values[1]")),
            (r#"{"history": [{"values": [1]}]}"#, 422, Some("history[0].id")),
            (r#"{"history": [{"id": "a", "values": [1, 2, 3, 4, 5, 6]}]}"#, 413, Some("history[0].values")),
            (r#"{"series": ["a"], "model": 3}"#, 422, Some("model")),
        ];
        for (body, status, field) in cases {
            assert_eq!(field_of(body), (status, field.map(str::to_string)), "{body}");
        }
    }

    /// Any JSON value (a few levels deep), with the request's field names likely.
    fn json_value() -> impl proptest::strategy::Strategy<Value = Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|v| json!(v)),
            any::<f64>().prop_map(|v| serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number)),
            "[a-z_0-9]{0,12}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 32, 6, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec(
                    (
                        prop_oneof![
                            Just("series".to_string()),
                            Just("history".to_string()),
                            Just("horizon".to_string()),
                            Just("id".to_string()),
                            Just("values".to_string()),
                            Just("model".to_string()),
                            Just("as_of".to_string()),
                            "[a-z]{1,6}"
                        ],
                        inner
                    ),
                    0..5
                )
                .prop_map(|kv| Value::Object(kv.into_iter().collect())),
            ]
        })
    }

    use serde_json::json;

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 2000, ..Default::default() })]

        /// Arbitrary bytes never panic; a refusal is always a 4xx with a message.
        #[test]
        fn any_bytes_are_parsed_or_refused_with_a_4xx(body in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
            if let Err(e) = parse(&body, LIMITS) {
                proptest::prop_assert!(e.status.is_client_error() && !e.message.is_empty());
            }
        }

        /// Arbitrary JSON never panics; what parses keeps the limits and names a series.
        #[test]
        fn any_json_is_parsed_or_refused_with_a_4xx(v in json_value()) {
            match parse(v.to_string().as_bytes(), LIMITS) {
                Ok(r) => {
                    proptest::prop_assert!(!r.series.is_empty() || !r.history.is_empty());
                    proptest::prop_assert!(r.series.len() + r.history.len() <= LIMITS.max_series);
                    proptest::prop_assert!(r.history.iter().all(|h| !h.values.is_empty() && h.values.len() <= LIMITS.max_history && h.values.iter().all(|x| x.is_finite())));
                    proptest::prop_assert!(r.horizon.is_none_or(|h| h >= 1));
                }
                Err(e) => proptest::prop_assert!(e.status.is_client_error() && !e.message.is_empty()),
            }
        }
    }
}
