//! Exit codes: 0 ok, 1 the run failed, 2 bad usage, recipe or input, 3 `tsforge monitor`
//! raised an alarm.

use tsforge_automl::AutomlError;
use tsforge_data::DataError;
use tsforge_store::StoreError;

/// An error the user can fix by changing the command, the recipe or the input.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct UsageError(pub String);

pub fn usage(msg: impl Into<String>) -> anyhow::Error {
    anyhow::Error::new(UsageError(msg.into()))
}

pub fn code_for(err: &anyhow::Error) -> u8 {
    for cause in err.chain() {
        if cause.is::<UsageError>() {
            return 2;
        }
        if cause.is::<crate::monitor::AlarmFired>() {
            return crate::monitor::ALARM_EXIT;
        }
        if let Some(s) = cause.downcast_ref::<tsforge_serve::ServeError>() {
            return if s.is_user_error() { 2 } else { 1 };
        }
        if let Some(s) = cause.downcast_ref::<tsforge_store::StoreError>() {
            return if s.is_user_error() { 2 } else { 1 };
        }
        if let Some(a) = cause.downcast_ref::<AutomlError>() {
            return if a.is_user_error() { 2 } else { 1 };
        }
        if let Some(s) = cause.downcast_ref::<StoreError>() {
            return if s.is_user_error() { 2 } else { 1 };
        }
        if let Some(d) = cause.downcast_ref::<DataError>() {
            return if d.is_input_error() { 2 } else { 1 };
        }
    }
    1
}
