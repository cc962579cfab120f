//! Fast and batch transcription on the Speech REST API (bulk.md §1, §2), sans-IO.
//!
//! - [`plan`]: the URL, headers and auth plan of each call, with the refusals of the WebSocket
//!   services (keys only to Azure hosts or loopback) and one of its own: the REST API takes a
//!   Microsoft Entra token only on a custom domain;
//! - [`definition`]: fast transcription's `definition` and the batch submit body;
//! - [`results`]: fast transcription answers and batch result files as typed values (ticks);
//! - [`jobs`]: batch job entities, job and file lists, `report.json`;
//! - [`errors`]: the flat `{code, message, innerError}` body classified, the upload limits, and
//!   the retry and polling delays;
//! - [`sas`]: the placeholder rule for storage URLs (their `sig` never enters the core).

pub mod definition;
pub mod errors;
pub mod jobs;
pub mod results;
pub mod sas;

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::connection::{ConnectionPlan, RequestIds, RequestKind};
use crate::bindings::exports::azspeech::core::transcription::TranscriptionCall;
use crate::bindings::exports::azspeech::core::types::{AuthMode, ConfigError, ConfigErrorCode};
use crate::config::{cloud, config_error};
use crate::connection::target::Target;
use crate::connection::urls::{Location, authority, percent_encode};
use crate::connection::{self, USER_AGENT};

/// The `api-version` of every call: 2025-10-15 (GA; adds `phraseList`), the newest stable one.
pub const API_VERSION: &str = "2025-10-15";
/// The path every call lives under.
pub const BASE_PATH: &str = "/speechtotext/transcriptions";

/// Plan one call.
pub fn plan(settings: &Settings, call: &TranscriptionCall, ids: &RequestIds) -> Result<ConnectionPlan, ConfigError> {
    connection::check_connection_id(&ids.connection_id)?;
    let target = Target::of(settings)?;
    if settings.auth == AuthMode::Entra && matches!(target, Target::Regional(_)) {
        return Err(config_error(
            ConfigErrorCode::UnsupportedCombination,
            Some("SPEECH_ENDPOINT"),
            "fast and batch transcription accept a Microsoft Entra token only on a custom domain (a regional host refuses it)",
            format!(
                "set SPEECH_ENDPOINT=https://<name>.{}/ (the resource's custom subdomain), or use a key (SPEECH_KEY)",
                cloud::custom_domain_suffix(settings.cloud)
            ),
        ));
    }
    let location = location(&target, call)?;
    // For the auth decision these REST calls are speech-to-text requests: key, an STS token
    // valid only for this host, or a raw Entra token.
    let auth = connection::auth::plan(settings, &target, RequestKind::SttWebsocket, &location)?;
    let mut headers = vec![
        ("X-ConnectionId".to_owned(), ids.connection_id.clone()),
        ("User-Agent".to_owned(), USER_AGENT.to_owned()),
        ("Accept".to_owned(), "application/json".to_owned()),
    ];
    if matches!(call, TranscriptionCall::Submit) {
        headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
    }
    let method = match call {
        TranscriptionCall::Transcribe | TranscriptionCall::Submit => "POST",
        TranscriptionCall::Delete(_) => "DELETE",
        TranscriptionCall::Get(_)
        | TranscriptionCall::ListFiles(_)
        | TranscriptionCall::ListJobs
        | TranscriptionCall::NextPage(_) => "GET",
    };
    Ok(ConnectionPlan {
        url: location.url(),
        method: method.to_owned(),
        headers,
        subprotocol: None,
        auth,
    })
}

/// Where a call goes: `https://{region}.api.cognitive.{sfx}`, the custom domain, or loopback,
/// then `/speechtotext/transcriptions...?api-version=`.
pub fn location(target: &Target, call: &TranscriptionCall) -> Result<Location, ConfigError> {
    let (scheme, host, authority) = match target {
        Target::Regional(region) => {
            let host = format!("{}.{}", region.name, cloud::api_suffix(region.cloud));
            ("https", host.clone(), host)
        }
        Target::Custom { host, port, .. } => ("https", host.to_string(), authority(&host.url_form(), *port)),
        Target::Loopback { host, port, secure } => (
            if *secure { "https" } else { "http" },
            host.to_string(),
            authority(&host.url_form(), *port),
        ),
    };
    let version = format!("api-version={API_VERSION}");
    let (path, query) = match call {
        TranscriptionCall::Transcribe => (format!("{BASE_PATH}:transcribe"), version),
        TranscriptionCall::Submit => (format!("{BASE_PATH}:submit"), version),
        TranscriptionCall::ListJobs => (BASE_PATH.to_owned(), version),
        TranscriptionCall::Get(id) | TranscriptionCall::Delete(id) => (format!("{BASE_PATH}/{}", job_id(id)?), version),
        TranscriptionCall::ListFiles(id) => (format!("{BASE_PATH}/{}/files", job_id(id)?), version),
        TranscriptionCall::NextPage(url) => return next_page(scheme, &host, &authority, url),
    };
    Ok(Location {
        scheme,
        host,
        authority,
        path,
        query,
    })
}

/// A job id as the service makes them: a UUID. Anything else could change the path.
fn job_id(id: &str) -> Result<&str, ConfigError> {
    let id = id.trim();
    let groups: Vec<&str> = id.split('-').collect();
    let lengths_ok = groups.iter().map(|g| g.len()).eq([8, 4, 4, 4, 12]);
    if lengths_ok && id.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return Ok(id);
    }
    Err(config_error(
        ConfigErrorCode::InvalidValue,
        Some("ID"),
        format!("{:?} is not a transcription id", crate::failures::excerpt(id)),
        "pass the id `azspeech batch submit` or `azspeech batch list` printed (a UUID such as 0f7a6c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b)",
    ))
}

/// A `@nextLink` is followed only on the planned endpoint and under the API path, so the
/// credential attached to it goes where every other call goes.
fn next_page(scheme: &'static str, host: &str, authority: &str, url: &str) -> Result<Location, ConfigError> {
    let refused = || {
        config_error(
            ConfigErrorCode::UntrustedHost,
            None,
            "the service's @nextLink does not point at the configured endpoint's transcription API; it was not followed",
            "list with a larger page, or report the service answer",
        )
    };
    let rest = url
        .strip_prefix(scheme)
        .and_then(|r| r.strip_prefix("://"))
        .ok_or_else(refused)?;
    let rest = rest.strip_prefix(authority).ok_or_else(refused)?;
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    let path_ok = path == BASE_PATH || path.strip_prefix(BASE_PATH).is_some_and(|tail| tail.starts_with('/'));
    let clean = |text: &str| {
        text.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~/:%=&+',$!*()@".contains(&b))
    };
    if !path_ok || path.contains("..") || !clean(path) || !clean(query) || query.contains("sig=") {
        return Err(refused());
    }
    let query = if query.split('&').any(|pair| pair.starts_with("api-version=")) {
        query.to_owned()
    } else if query.is_empty() {
        format!("api-version={}", percent_encode(API_VERSION))
    } else {
        format!("{query}&api-version={}", percent_encode(API_VERSION))
    };
    Ok(Location {
        scheme,
        host: host.to_owned(),
        authority: authority.to_owned(),
        path: path.to_owned(),
        query,
    })
}

#[cfg(test)]
mod tests;
