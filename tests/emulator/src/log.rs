//! The request log: one record per HTTP request or WebSocket connection, secrets redacted.

use std::sync::{Arc, Mutex};

use crate::auth::AuthKind;
use crate::config::HostForm;

/// One request as the emulator saw it. Holds no secret: credentials appear only as their
/// [`AuthKind`], and secret query parameters as `***`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestRecord {
    /// Sequence number (0-based) in this emulator.
    pub seq: u64,
    /// When (emulator clock), unix milliseconds.
    pub unix_ms: u64,
    /// HTTP method.
    pub method: String,
    /// Path without query.
    pub path: String,
    /// Query with secret values replaced by `***`.
    pub query: String,
    /// `Host` header (without port).
    pub host: String,
    /// Host form the request was treated as.
    pub form: HostForm,
    /// Whether the request came over TLS.
    pub tls: bool,
    /// The credential kind.
    pub auth: AuthKind,
    /// The credential was in the query string.
    pub auth_in_query: bool,
    /// HTTP status answered (101 for an accepted WebSocket upgrade; 0 for a refused TCP
    /// connection).
    pub status: u16,
    /// `X-ConnectionId` of a WebSocket upgrade.
    pub connection_id: Option<String>,
    /// How the WebSocket ended: close code sent or received (1006: dropped without close frame).
    pub close_code: Option<u16>,
    /// Close reason, or why the request was refused.
    pub note: Option<String>,
}

/// The shared log.
#[derive(Debug, Clone, Default)]
pub(crate) struct RequestLog {
    records: Arc<Mutex<Vec<RequestRecord>>>,
}

impl RequestLog {
    /// Append a record; returns its sequence number.
    pub(crate) fn push(&self, mut record: RequestRecord) -> u64 {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        record.seq = records.len() as u64;
        let seq = record.seq;
        records.push(record);
        seq
    }

    /// Change a record (e.g. to add the WebSocket close code).
    pub(crate) fn update(&self, seq: u64, f: impl FnOnce(&mut RequestRecord)) {
        let mut records = self.records.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(record) = records.get_mut(seq as usize) {
            f(record);
        }
    }

    pub(crate) fn snapshot(&self) -> Vec<RequestRecord> {
        self.records.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}
