//! Connection planning: URL, non-secret headers and an auth plan for each request.
//!
//! A plan never carries a credential: the URL has no key or token in its query, the headers are
//! non-secret, and the [`AuthPlan`](crate::bindings::exports::azspeech::core::connection::AuthPlan)
//! tells the host which credential to attach and how to format it.
//!
//! - [`target`]: where a resolved configuration's requests go (re-checked, since a host may build
//!   a `settings` record itself);
//! - [`urls`]: the URL of each request kind per endpoint kind;
//! - [`auth`]: the auth plan, including the Entra token format decision.

pub mod auth;
pub mod target;
pub mod urls;

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::connection::{ConnectionPlan, RequestIds, RequestKind};
use crate::bindings::exports::azspeech::core::types::{ConfigError, ConfigErrorCode};
use crate::config::config_error;

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("azspeech/", env!("CARGO_PKG_VERSION"));

/// Plan one request.
pub fn plan(settings: &Settings, kind: RequestKind, ids: &RequestIds) -> Result<ConnectionPlan, ConfigError> {
    check_connection_id(&ids.connection_id)?;
    let target = target::Target::of(settings)?;
    let location = urls::location(&target, kind, &settings.language);
    let auth = auth::plan(settings, &target, kind, &location)?;
    let mut headers = vec![
        ("X-ConnectionId".to_owned(), ids.connection_id.clone()),
        ("User-Agent".to_owned(), USER_AGENT.to_owned()),
    ];
    match kind {
        RequestKind::VoicesList => headers.push(("Accept".to_owned(), "application/json".to_owned())),
        RequestKind::TtsRest => headers.push(("Content-Type".to_owned(), "application/ssml+xml".to_owned())),
        RequestKind::StsToken => headers.push((
            "Content-Type".to_owned(),
            "application/x-www-form-urlencoded".to_owned(),
        )),
        RequestKind::SttWebsocket | RequestKind::TtsWebsocket => {}
    }
    let websocket = matches!(kind, RequestKind::SttWebsocket | RequestKind::TtsWebsocket);
    Ok(ConnectionPlan {
        url: location.url(),
        method: match kind {
            RequestKind::TtsRest | RequestKind::StsToken => "POST",
            RequestKind::SttWebsocket | RequestKind::TtsWebsocket | RequestKind::VoicesList => "GET",
        }
        .to_owned(),
        headers,
        subprotocol: websocket.then(|| "USP".to_owned()),
        auth,
    })
}

/// `X-ConnectionId` must be 32 hex digits (a UUID without dashes); anything else could smuggle
/// characters into a header.
pub fn check_connection_id(id: &str) -> Result<(), ConfigError> {
    if id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Ok(());
    }
    Err(config_error(
        ConfigErrorCode::InvalidValue,
        None,
        "request-ids.connection-id is not 32 hex digits",
        "pass a fresh UUID v4 without dashes as the connection id (a bug in the host program)",
    ))
}
