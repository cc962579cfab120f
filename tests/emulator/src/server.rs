//! The HTTP server: accept loop (plain and TLS on one port), routing, REST endpoints and the
//! WebSocket upgrade.

use std::sync::Arc;

use http::{HeaderMap, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::auth::{self, AuthKind, Checker, Service};
use crate::config::Verbosity;
use crate::emulator::Shared;
use crate::faults::{Armed, FaultAction, RequestKind};
use crate::formats::{self, Lookup};
use crate::hosts::{self, HostInfo, Route};
use crate::log::RequestRecord;
use crate::storm::Strike;
use crate::{batch, fast, identity, limits, ssml, stats, stt, tts, ws};

pub(crate) type Body = Full<Bytes>;

/// A request answered by closing the TCP connection without a response (a `refuse` storm hit):
/// returned to hyper as the service's error, which makes it drop the connection unanswered.
#[derive(Debug, thiserror::Error)]
#[error("connection dropped without an answer (fault)")]
pub(crate) struct Dropped;

/// Build a response.
pub(crate) fn respond(status: u16, content_type: Option<&str>, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    if let Some(ct) = content_type
        && let Ok(value) = HeaderValue::from_str(ct)
    {
        response.headers_mut().insert(header::CONTENT_TYPE, value);
    }
    response
}

/// A JSON error in the service's shape.
pub(crate) fn error_json(status: u16, message: &str) -> Response<Body> {
    respond(
        status,
        Some("application/json; charset=utf-8"),
        auth::error_body(&status.to_string(), message),
    )
}

pub(crate) async fn accept_loop(shared: Arc<Shared>, listener: TcpListener) {
    let mut shutdown = shared.shutdown.clone();
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = shutdown.changed() => break,
        };
        let (stream, peer) = match accepted {
            Ok(pair) => pair,
            Err(e) => {
                tracing::warn!("accept failed: {e}");
                continue;
            }
        };
        if shared.faults.take(RequestKind::Tcp).contains(&FaultAction::Refuse) {
            tracing::warn!(%peer, "fault: refusing the connection");
            stats::bump(&shared.stats.faults_injected);
            shared.log.push(RequestRecord {
                seq: 0,
                unix_ms: shared.now_ms(),
                method: String::new(),
                path: String::new(),
                query: String::new(),
                host: String::new(),
                form: shared.config.default_form,
                tls: false,
                auth: AuthKind::NotApplicable,
                auth_in_query: false,
                status: 0,
                connection_id: None,
                close_code: None,
                note: Some("connection refused (fault)".to_owned()),
            });
            drop(stream);
            continue;
        }
        let task_shared = shared.clone();
        shared.spawn(async move { serve_connection(task_shared, stream).await });
    }
}

async fn serve_connection(shared: Arc<Shared>, stream: TcpStream) {
    let _ = stream.set_nodelay(true);
    if let Some(pki) = &shared.pki {
        let mut first = [0u8; 1];
        let is_tls = matches!(stream.peek(&mut first).await, Ok(1) if first[0] == 0x16);
        if is_tls {
            let acceptor = tokio_rustls::TlsAcceptor::from(pki.server.clone());
            match acceptor.accept(stream).await {
                Ok(tls) => serve_http(shared, TokioIo::new(tls), true).await,
                Err(e) => tracing::warn!("TLS handshake failed: {e}"),
            }
            return;
        }
    }
    serve_http(shared, TokioIo::new(stream), false).await;
}

async fn serve_http<I>(shared: Arc<Shared>, io: I, tls: bool)
where
    I: hyper::rt::Read + hyper::rt::Write + Unpin + Send + 'static,
{
    let service = service_fn(move |req| handle(shared.clone(), tls, req));
    if let Err(e) = hyper::server::conn::http1::Builder::new()
        .serve_connection(io, service)
        .with_upgrades()
        .await
    {
        tracing::debug!("HTTP connection ended: {e}");
    }
}

fn host_header(req: &Request<Incoming>) -> Option<String> {
    req.headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| req.uri().authority().map(|a| a.to_string()))
}

fn log_request(shared: &Shared, record: &RequestRecord) {
    let line = format_args!(
        "{} {} host={} form={} auth={}{} -> {}{}",
        record.method,
        record.path,
        record.host,
        record.form.name(),
        record.auth.name(),
        if record.auth_in_query { " (query)" } else { "" },
        record.status,
        record.note.as_deref().map(|n| format!(" ({n})")).unwrap_or_default()
    );
    if record.status >= 400 {
        tracing::warn!("{line}");
    } else if shared.config.verbosity >= Verbosity::Requests {
        tracing::info!("{line}");
    }
}

async fn handle(shared: Arc<Shared>, tls: bool, mut req: Request<Incoming>) -> Result<Response<Body>, Dropped> {
    let host = hosts::classify(host_header(&req).as_deref(), &shared.config);
    let path = req.uri().path().to_owned();
    let query = auth::parse_query(req.uri().query());
    let mut record = RequestRecord {
        seq: 0,
        unix_ms: shared.now_ms(),
        method: req.method().to_string(),
        path: path.clone(),
        query: auth::redact_query(req.uri().query()),
        host: host.name.clone(),
        form: host.form,
        tls,
        auth: AuthKind::NotApplicable,
        auth_in_query: false,
        status: 0,
        connection_id: None,
        close_code: None,
        note: None,
    };
    let route = hosts::route(&path);
    let response = if !hosts::serves(host.form, &route) {
        record.note = Some(match route {
            Route::NotFound => "no such path".to_owned(),
            _ => format!("path not served on a {} host", host.form.name()),
        });
        error_json(404, "Resource not found")
    } else {
        match &route {
            Route::Stt { .. } | Route::TtsWebSocket { .. } => {
                return websocket(&shared, &mut req, &host, &route, &query, record);
            }
            Route::Sts => sts(&shared, req, &host, &query, &mut record).await,
            Route::TtsRest { .. } => tts_rest(&shared, req, &host, &query, &mut record).await,
            Route::Voices { .. } => voices(&shared, &req, &host, &query, &mut record),
            Route::FastTranscription => fast::handle(&shared, req, &host, &query, &mut record).await,
            Route::Batch(batch_route) => {
                batch::handle(&shared, req, batch_route, &host, tls, &query, &mut record).await
            }
            Route::StorageResult => batch::serve_result(&shared, &req, &path, &query, &mut record),
            Route::MsiToken | Route::ImdsToken | Route::EntraToken { .. } | Route::OpenIdConfiguration { .. } => {
                if let Some(r) = fault_status(&shared, RequestKind::Identity, &mut record) {
                    r
                } else {
                    identity::handle(&shared, req, &route, &query, tls, &mut record).await
                }
            }
            Route::NotFound => error_json(404, "Resource not found"),
        }
    };
    record.status = response.status().as_u16();
    shared.stats.status(record.status);
    log_request(&shared, &record);
    shared.log.push(record);
    Ok(response)
}

/// An HTTP-status fault for this request, if one applies (other actions are returned to the
/// caller through `rest`).
fn take_faults(shared: &Shared, kind: RequestKind, record: &mut RequestRecord) -> (Option<Response<Body>>, Vec<Armed>) {
    let mut rest = Vec::new();
    let mut response = None;
    for action in shared.faults.take(kind) {
        match action {
            FaultAction::HttpStatus {
                status,
                retry_after_secs,
                body,
            } if response.is_none() => {
                record.note = Some(format!("fault: HTTP {status}"));
                stats::bump(&shared.stats.faults_injected);
                response = Some(status_response(status, retry_after_secs, body));
            }
            FaultAction::HttpStatus { .. } => {}
            other => rest.push(Armed::one(other)),
        }
    }
    (response, rest)
}

/// An error status with `Retry-After` (if given) and `body` (default: the service-style JSON
/// error for that status).
fn status_response(status: u16, retry_after_secs: Option<u64>, body: Option<String>) -> Response<Body> {
    let body = body.unwrap_or_else(|| default_fault_body(status, retry_after_secs));
    let mut r = respond(status, Some("application/json; charset=utf-8"), body);
    if let Some(secs) = retry_after_secs
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}

pub(crate) fn fault_status(shared: &Shared, kind: RequestKind, record: &mut RequestRecord) -> Option<Response<Body>> {
    take_faults(shared, kind, record).0
}

fn default_fault_body(status: u16, retry_after: Option<u64>) -> String {
    let message = match status {
        401 => auth::INVALID_KEY_MESSAGE.to_owned(),
        403 => "Forbidden. Public access is disabled or the request is not allowed by the resource's network rules."
            .to_owned(),
        429 => format!(
            "Requests to the Speech API have exceeded the rate limit of your current tier. Please retry after {} seconds.",
            retry_after.unwrap_or(1)
        ),
        500 => "Internal server error.".to_owned(),
        502 => "Bad gateway.".to_owned(),
        503 => "The service is temporarily unavailable. Please retry later.".to_owned(),
        504 => "Gateway timeout.".to_owned(),
        _ => format!("Injected failure ({status})."),
    };
    auth::error_body(&status.to_string(), &message)
}

pub(crate) fn check_auth(
    shared: &Shared,
    headers: &HeaderMap,
    query: &[(String, String)],
    host: &HostInfo,
    service: Service,
    record: &mut RequestRecord,
) -> Option<Response<Body>> {
    let checker = Checker {
        config: &shared.config,
        tokens: &shared.tokens,
        keys: &shared.keys,
        now_secs: shared.now_secs(),
    };
    let outcome = checker.check(headers, query, host, service);
    record.auth = outcome.kind;
    record.auth_in_query = outcome.from_query;
    match outcome.result {
        Ok(_) => None,
        Err(denial) => {
            if denial.expired {
                stats::bump(&shared.stats.expired_tokens_presented);
            }
            record.note = Some(denial.reason);
            Some(respond(
                denial.status,
                Some("application/json; charset=utf-8"),
                denial.body,
            ))
        }
    }
}

async fn read_body(body: Incoming, limit: usize) -> Result<Bytes, Response<Body>> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(_) => Err(error_json(413, "Request body too large or unreadable.")),
    }
}

async fn sts(
    shared: &Shared,
    req: Request<Incoming>,
    host: &HostInfo,
    query: &[(String, String)],
    record: &mut RequestRecord,
) -> Response<Body> {
    if req.method() != Method::POST {
        let mut r = error_json(405, "The issueToken endpoint accepts POST only.");
        r.headers_mut().insert(header::ALLOW, HeaderValue::from_static("POST"));
        return r;
    }
    if let Some(r) = fault_status(shared, RequestKind::Sts, record) {
        return r;
    }
    if let Some(r) = check_auth(shared, req.headers(), query, host, Service::Sts, record) {
        return r;
    }
    if record.auth != AuthKind::Key {
        record.note = Some("issueToken needs a key".to_owned());
        return error_json(401, auth::INVALID_KEY_MESSAGE);
    }
    if let Err(r) = read_body(req.into_body(), 64 * 1024).await {
        return r;
    }
    respond(200, Some("text/plain; charset=utf-8"), shared.mint_sts(host))
}

fn voices(
    shared: &Shared,
    req: &Request<Incoming>,
    host: &HostInfo,
    query: &[(String, String)],
    record: &mut RequestRecord,
) -> Response<Body> {
    if req.method() != Method::GET {
        return error_json(405, "The voices list accepts GET only.");
    }
    if let Some(r) = fault_status(shared, RequestKind::Rest, record) {
        return r;
    }
    if let Some(r) = check_auth(shared, req.headers(), query, host, Service::Tts, record) {
        return r;
    }
    let body = serde_json::to_string(&shared.voices).unwrap_or_else(|_| "[]".to_owned());
    respond(200, Some("application/json; charset=utf-8"), body)
}

async fn tts_rest(
    shared: &Shared,
    req: Request<Incoming>,
    host: &HostInfo,
    query: &[(String, String)],
    record: &mut RequestRecord,
) -> Response<Body> {
    if req.method() != Method::POST {
        return error_json(405, "Text-to-speech REST accepts POST only.");
    }
    if let Some(r) = fault_status(shared, RequestKind::Rest, record) {
        return r;
    }
    if let Some(r) = check_auth(shared, req.headers(), query, host, Service::Tts, record) {
        return r;
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !content_type
        .split(';')
        .next()
        .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ssml+xml"))
    {
        record.note = Some(format!("Content-Type `{content_type}` is not application/ssml+xml"));
        return error_json(
            415,
            "Unsupported media type: the body must be SSML with Content-Type application/ssml+xml.",
        );
    }
    let format_name = req
        .headers()
        .get("x-microsoft-outputformat")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let format = match formats::lookup(&format_name) {
        Lookup::Supported(f) => f,
        Lookup::NotEmulated(name) => {
            record.note = Some(format!("output format {name} not emulated"));
            return error_json(
                400,
                &format!("Output format {name} is not supported by the emulator (PCM and G.711 formats only)."),
            );
        }
        Lookup::Unknown if format_name.is_empty() => {
            record.note = Some("no X-Microsoft-OutputFormat".to_owned());
            return error_json(400, "The X-Microsoft-OutputFormat header is required.");
        }
        Lookup::Unknown => {
            record.note = Some(format!("unknown output format {format_name}"));
            return error_json(400, &format!("Unsupported output format: {format_name}."));
        }
    };
    let body = match read_body(req.into_body(), 1024 * 1024).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let Ok(text) = std::str::from_utf8(&body) else {
        return error_json(400, "The SSML is not valid UTF-8.");
    };
    let segments = match ssml::parse(text, &shared.voices) {
        Ok(s) => s,
        Err(e) => {
            record.note = Some(e.clone());
            return error_json(400, &e);
        }
    };
    match tts::synthesize(shared, &segments, format).await {
        Ok(synthesized) => {
            let mut audio = if format.riff {
                format.riff_header(synthesized.bytes.len())
            } else {
                Vec::new()
            };
            audio.extend_from_slice(&synthesized.bytes);
            respond(200, Some(format.mime()), audio)
        }
        Err(e) => {
            record.note = Some(e);
            error_json(500, "Synthesis failed.")
        }
    }
}

fn websocket(
    shared: &Arc<Shared>,
    req: &mut Request<Incoming>,
    host: &HostInfo,
    route: &Route,
    query: &[(String, String)],
    mut record: RequestRecord,
) -> Result<Response<Body>, Dropped> {
    let (kind, service) = match route {
        Route::Stt { .. } => (RequestKind::Stt, Service::Stt),
        _ => (RequestKind::Tts, Service::Tts),
    };
    let finish = |mut record: RequestRecord, response: Response<Body>| {
        record.status = response.status().as_u16();
        shared.stats.status(record.status);
        stats::bump(&shared.stats.rejected_upgrades);
        log_request(shared, &record);
        shared.log.push(record);
        Ok(response)
    };
    let (fault_response, mut stream_faults) = take_faults(shared, kind, &mut record);
    if let Some(r) = fault_response {
        return finish(record, r);
    }
    let mut storm_faults = Vec::new();
    for (strike, what) in shared.storms.take(kind) {
        match strike {
            Strike::Refuse => {
                stats::bump(&shared.stats.faults_injected);
                stats::bump(&shared.stats.rejected_upgrades);
                record.note = Some(what);
                log_request(shared, &record);
                shared.log.push(record);
                return Err(Dropped);
            }
            Strike::Status(status, retry_after) => {
                stats::bump(&shared.stats.faults_injected);
                record.note = Some(what);
                return finish(record, status_response(status, retry_after, None));
            }
            Strike::MidStream(actions) => storm_faults.push((actions, what)),
        }
    }
    if let Some(r) = check_auth(shared, req.headers(), query, host, service, &mut record) {
        return finish(record, r);
    }
    let connection_id = req
        .headers()
        .get("x-connectionid")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| auth::query_value(query, "X-ConnectionId").map(str::to_owned));
    record.connection_id = connection_id.clone();
    let Some(connection_id) = connection_id.filter(|id| azspeech_component::usp::is_request_id(id)) else {
        record.note = Some("missing or malformed X-ConnectionId".to_owned());
        return finish(
            record,
            error_json(
                400,
                "Invalid request. X-ConnectionId header value was not specified in no-dash UUID format.",
            ),
        );
    };
    let headers = req.headers();
    let has_token = |name: header::HeaderName, token: &str| {
        headers.get_all(name).iter().any(|v| {
            v.to_str()
                .is_ok_and(|s| s.split(',').any(|t| t.trim().eq_ignore_ascii_case(token)))
        })
    };
    let key = headers
        .get(header::SEC_WEBSOCKET_KEY)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let is_upgrade = req.method() == Method::GET
        && has_token(header::CONNECTION, "upgrade")
        && has_token(header::UPGRADE, "websocket");
    let Some(key) = key.filter(|_| is_upgrade) else {
        record.note = Some("not a WebSocket upgrade".to_owned());
        return finish(
            record,
            error_json(400, "This endpoint accepts WebSocket connections only."),
        );
    };
    if headers.get(header::SEC_WEBSOCKET_VERSION).and_then(|v| v.to_str().ok()) != Some("13") {
        record.note = Some("Sec-WebSocket-Version is not 13".to_owned());
        let mut r = error_json(426, "Upgrade required: WebSocket version 13.");
        r.headers_mut()
            .insert(header::SEC_WEBSOCKET_VERSION, HeaderValue::from_static("13"));
        return finish(record, r);
    }
    let Some(slot) = shared.quota.acquire() else {
        record.note = Some(format!(
            "concurrency quota of {} connections reached",
            shared.config.max_concurrent_connections.unwrap_or(0)
        ));
        return finish(record, status_response(429, Some(1), None));
    };
    let lifetime = limits::lifetime(shared.config.max_connection, query);
    let mut notes = Vec::new();
    for (actions, what) in storm_faults {
        stream_faults.extend(Armed::group(actions));
        notes.push(what);
    }
    if !notes.is_empty() {
        record.note = Some(notes.join("; "));
    }
    let wants_usp = has_token(header::SEC_WEBSOCKET_PROTOCOL, "USP");
    let upgrade = hyper::upgrade::on(req);
    let mut response = respond(101, None, Bytes::new());
    let h = response.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(v) = HeaderValue::from_str(&derive_accept_key(key.as_bytes())) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, v);
    }
    if wants_usp {
        h.insert(header::SEC_WEBSOCKET_PROTOCOL, HeaderValue::from_static("USP"));
    }
    record.status = 101;
    log_request(shared, &record);
    let seq = shared.log.push(record);
    shared.upgrade_accepted(kind);
    let session_shared = shared.clone();
    let route = route.clone();
    let query = query.to_vec();
    shared.spawn(async move {
        let upgraded = match upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::warn!("WebSocket upgrade failed: {e}");
                session_shared.log.update(seq, |r| {
                    r.close_code = Some(1006);
                    r.note = Some(format!("upgrade failed: {e}"));
                });
                return;
            }
        };
        let mut config = WebSocketConfig::default();
        config.max_message_size = Some(4 << 20);
        config.max_frame_size = Some(4 << 20);
        // Clients send audio in messages of a few KiB; tungstenite's default 128-KiB read buffer
        // per connection would be 128 MB at a thousand concurrent sessions (the load benchmark).
        config.read_buffer_size = 16 * 1024;
        let stream = WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config)).await;
        let conn = ws::Conn::new(stream, session_shared.clone(), seq, connection_id, stream_faults)
            .with_limits(lifetime, slot);
        match route {
            Route::Stt { mode, .. } => stt::run(conn, session_shared, mode, query).await,
            _ => tts::run(conn, session_shared).await,
        }
    });
    Ok(response)
}
