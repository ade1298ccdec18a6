//! Errors: [`ServeError`] (the server could not start or reload) and [`ApiError`] (what a
//! client did wrong, or what failed, as the HTTP status and the JSON error body
//! `{"error": {"kind", "field", "message"}}`).

use axum::http::StatusCode;
use serde_json::json;

/// A request error: never a panic, always a status and a message naming the field.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiError {
    pub status: StatusCode,
    /// Stable machine-readable kind (`bad_json`, `invalid_field`, `unknown_series`, …),
    /// also the label of `tsforge_errors_total`.
    pub kind: &'static str,
    /// The field at fault (`series[3]`, `history[0].values[5]`), when there is one.
    pub field: Option<String>,
    pub message: String,
}

impl ApiError {
    pub fn new(status: StatusCode, kind: &'static str, field: Option<String>, message: impl Into<String>) -> ApiError {
        ApiError { status, kind, field, message: message.into() }
    }

    /// 422: the JSON is well formed but a field is wrong.
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", Some(field.into()), message)
    }

    pub fn unknown_series(field: impl Into<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "unknown_series", Some(field.into()), message)
    }

    /// 413: more than the server accepts in one request.
    pub fn too_large(field: Option<String>, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "too_large", field, message)
    }

    /// 500: the model failed on valid input.
    pub fn internal(message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "forecast_failed", None, message)
    }

    pub fn body(&self) -> String {
        json!({"error": {"kind": self.kind, "field": self.field, "message": self.message}}).to_string()
    }
}

/// Why the server could not start (or reload): the user's to fix (exit code 2) unless a
/// failure of the machine.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] tsforge_store::StoreError),
    #[error("{0}")]
    Io(String),
}

impl ServeError {
    pub fn is_user_error(&self) -> bool {
        match self {
            ServeError::Usage(_) => true,
            ServeError::Store(e) => e.is_user_error(),
            ServeError::Io(_) => false,
        }
    }
}
