//! Connection planning: URL, non-secret headers and an auth plan for each request.

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::connection::{ConnectionPlan, RequestIds, RequestKind};
use crate::bindings::exports::azspeech::core::types::{ConfigError, ConfigErrorCode};

/// Plan one request.
pub fn plan(_settings: &Settings, _kind: RequestKind, _ids: &RequestIds) -> Result<ConnectionPlan, ConfigError> {
    Err(ConfigError {
        code: ConfigErrorCode::NotImplemented,
        variable: None,
        message: "connection planning is not implemented yet".into(),
        fix: "see issue #3".into(),
    })
}
