//! One planned REST call: the core's plan, the credential from the broker, the request, and on
//! failure the core's classification and retry decision. Waits count against a [`RetryBudget`].

use std::time::Duration;

use crate::client::{Error, Speech};
use crate::core_runtime::{ConnectionPlan, RequestIds, SessionFailure, SpeechError, TranscriptionCall};
use crate::speech::SessionError;

/// How long one call may spend waiting for retries in total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBudget {
    /// Total wait, in milliseconds (0 = never retry).
    pub total_ms: u64,
}

impl Default for RetryBudget {
    /// Two minutes.
    fn default() -> Self {
        Self { total_ms: 120_000 }
    }
}

/// A successful answer.
#[derive(Debug)]
pub struct Answer {
    /// The status.
    pub status: u16,
    /// `Retry-After`, if given.
    pub retry_after: Option<String>,
    /// `Location`, if given.
    pub location: Option<String>,
    /// The body.
    pub body: String,
}

/// What a call sends.
pub enum Payload<'a> {
    /// Nothing.
    Empty,
    /// JSON, built again for each attempt (it may hold revealed secrets).
    Json(&'a (dyn Fn() -> crate::secret::Secret + Sync)),
    /// A multipart upload, opened again for each attempt.
    Multipart(
        &'a (
                dyn Fn() -> futures_util::future::BoxFuture<'static, std::io::Result<super::multipart::MultipartBody>>
                    + Sync
            ),
    ),
}

fn header(value: &str) -> Option<http::HeaderValue> {
    http::HeaderValue::from_str(value).ok()
}

impl Speech {
    /// The plan of a transcription call (URL, headers, auth plan), with a fresh connection id.
    pub fn transcription_plan(&self, call: &TranscriptionCall) -> Result<ConnectionPlan, Error> {
        let mut core = self.core().instantiate()?;
        let ids = RequestIds {
            connection_id: uuid::Uuid::new_v4().simple().to_string(),
        };
        core.transcription_plan(self.settings(), call, &ids)?
            .map_err(Error::Configuration)
    }

    /// Make one call, retrying as the core decides within `budget`.
    pub(crate) async fn transcription_call(
        &self,
        call: &TranscriptionCall,
        payload: Payload<'_>,
        budget: RetryBudget,
    ) -> Result<Answer, Error> {
        let mut waited_ms = 0u64;
        let mut tried = Vec::new();
        for attempt in 1u32.. {
            let plan = self.transcription_plan(call)?;
            let auth = self
                .credentials()
                .header_for(&plan.auth)
                .await
                .map_err(SessionError::from)?;
            let method = http::Method::from_bytes(plan.method.as_bytes())
                .map_err(|_| SessionError::Configuration(format!("the core planned method {:?}", plan.method)))?;
            let mut request = self.http_client().request(method, &plan.url);
            for (name, value) in &plan.headers {
                if let Some(value) = header(value) {
                    request = request.header(name.as_str(), value);
                }
            }
            let auth_value = auth
                .header_value()
                .map_err(|error| SessionError::Configuration(error.to_string()))?;
            request = request.header(auth.name, auth_value);
            request = match &payload {
                Payload::Empty => request,
                Payload::Json(body) => request.body(body().expose().to_owned()),
                Payload::Multipart(open) => {
                    let body = open().await.map_err(|error| {
                        SessionError::Input(crate::audio::input::AudioInputError::Io {
                            source_name: "the upload".to_owned(),
                            error,
                        })
                    })?;
                    request
                        .header("content-type", body.content_type)
                        .header("content-length", body.content_length)
                        .body(body.body)
                }
            };
            let response = request.send().await.map_err(|error| {
                SessionError::Network(format!(
                    "cannot reach {}: {}",
                    plan.url.split('?').next().unwrap_or_default(),
                    error_chain(&error.without_url())
                ))
            })?;
            let status = response.status().as_u16();
            let text_header = |name: &str| {
                response
                    .headers()
                    .get(name)
                    .and_then(|v| v.to_str().ok())
                    .map(str::to_owned)
            };
            let retry_after = text_header("retry-after");
            let location = text_header("location");
            let body = response.text().await.map_err(|error| {
                SessionError::Network(format!(
                    "reading the answer failed: {}",
                    error_chain(&error.without_url())
                ))
            })?;
            if (200..300).contains(&status) {
                return Ok(Answer {
                    status,
                    retry_after,
                    location,
                    body,
                });
            }
            // An error body may quote a storage URL back, signature and all: the core, messages and
            // logs only see it with every `sig` redacted.
            let body = super::sas::redacted(&body);
            let mut core = self.core().instantiate()?;
            let error = core.transcription_classify(self.settings(), status, retry_after.as_deref(), &body)?;
            tried.push(format!("attempt {attempt}: {}", error.detail().message));
            let delay = core.transcription_retry_delay(&error, retry_after.as_deref(), attempt)?;
            match delay {
                Some(delay) if waited_ms.saturating_add(delay) <= budget.total_ms => {
                    tracing::warn!(
                        "{} (HTTP {status}): retrying in {:.1} s",
                        error.kind(),
                        delay as f64 / 1000.0
                    );
                    waited_ms += delay;
                    tokio::time::sleep(Duration::from_millis(delay)).await;
                }
                _ => return Err(gave_up(error, attempt, tried, delay, budget)),
            }
        }
        unreachable!("the attempt loop only ends by returning")
    }
}

fn gave_up(error: SpeechError, attempts: u32, tried: Vec<String>, delay: Option<u64>, budget: RetryBudget) -> Error {
    let mut failure = SessionFailure { error, attempts, tried };
    if let Some(delay) = delay {
        let detail = failure.error.detail_mut();
        detail.hint = format!(
            "{}; the next retry ({:.0} s) would exceed the retry budget of {:.0} s (raise it with --retry-budget)",
            detail.hint,
            delay as f64 / 1000.0,
            budget.total_ms as f64 / 1000.0
        );
    }
    SessionError::gave_up(failure).into()
}

/// The error and its sources, one clause each.
pub(crate) fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !text.contains(&cause_text) {
            text.push_str(": ");
            text.push_str(&cause_text);
        }
        source = cause.source();
    }
    text
}
