//! WebSocket close codes the service sends after the socket opened (usp.md §6.2).
//!
//! | code | case | why |
//! |---|---|---|
//! | 1000, 1001 | transient | a normal close in the middle of a turn (the 10-minute limit, idle timeout): reconnect |
//! | 1002 | protocol | missing or malformed header |
//! | 1003, 1009 | bad request | unsupported or oversized data |
//! | 1006, 1011, 1012, 1014 | transient | dropped, internal error, restart, bad gateway |
//! | 1007 | bad request, or throttled when the reason says quota / throttled | bad payload or audio format |
//! | 1008 | forbidden | policy violation |
//! | 1013 | transient, or throttled when the reason says resources are exhausted | try again later |
//! | 4000 | configuration | the service refused the session's parameters |
//! | 4429 | throttled | concurrent request limit |
//! | other | protocol | unknown code: report it |

use super::excerpt;
use crate::bindings::exports::azspeech::core::types::{FailureDetail, SpeechError, ThrottleDetail};

/// Classify a close code and its reason.
pub fn classify(code: u16, reason: &str) -> SpeechError {
    let detail = |hint: &str| FailureDetail {
        http_status: None,
        close_code: Some(code),
        message: message(code, reason),
        hint: hint.to_owned(),
    };
    let throttled = |hint: &str| {
        SpeechError::Throttled(ThrottleDetail {
            detail: detail(hint),
            retry_after_ms: None,
        })
    };
    match code {
        1000 | 1001 => SpeechError::Transient(detail(
            "the service closed the connection normally in the middle of a turn (connection lifetime or idle limit): reconnect and replay unacknowledged audio",
        )),
        1002 => SpeechError::Protocol(detail(
            "the service says a message broke the protocol (a missing or malformed header or request id): report it; retrying sends the same frames",
        )),
        1003 | 1009 => SpeechError::BadRequest(detail(
            "the service refused the data (unsupported type or too large): check the audio format and message size",
        )),
        1007 if mentions_throttling(reason) => {
            throttled("the resource is over its quota or request rate: back off and retry, or raise the quota")
        }
        1007 => SpeechError::BadRequest(detail(
            "the service could not use the payload (audio format, SSML, voice or language): fix the request; retrying fails the same way",
        )),
        1008 => SpeechError::Forbidden(detail(
            "the service closed the connection for a policy violation: check the resource's access rules and the request",
        )),
        1013 if mentions_throttling(reason) => {
            throttled("the service is out of capacity for this resource: back off and retry")
        }
        1006 | 1011 | 1012 | 1013 | 1014 => SpeechError::Transient(detail(
            "the connection dropped or the service failed transiently: reconnect with backoff and replay unacknowledged audio",
        )),
        4000 => SpeechError::Configuration(detail(
            "the service refused the session's parameters: check SPEECH_LANGUAGE, the output format and the endpoint",
        )),
        4429 => throttled(
            "too many concurrent requests for this resource: back off and retry, or raise the concurrency quota",
        ),
        _ => SpeechError::Protocol(detail(
            "the service closed the connection with a code azspeech does not know: report it with the reason",
        )),
    }
}

fn mentions_throttling(reason: &str) -> bool {
    let lower = reason.to_lowercase();
    [
        "quota",
        "throttl",
        "too many requests",
        "resourceexhausted",
        "rate limit",
    ]
    .iter()
    .any(|word| lower.contains(word))
}

fn message(code: u16, reason: &str) -> String {
    let reason = excerpt(reason);
    if reason.is_empty() {
        format!("WebSocket closed with code {code} (no reason)")
    } else {
        format!("WebSocket closed with code {code}: {reason}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn case_of(error: &SpeechError) -> (&'static str, &FailureDetail, Option<u64>) {
        match error {
            SpeechError::Configuration(d) => ("configuration", d, None),
            SpeechError::Authentication(d) => ("authentication", d, None),
            SpeechError::Forbidden(d) => ("forbidden", d, None),
            SpeechError::Throttled(t) => ("throttled", &t.detail, t.retry_after_ms),
            SpeechError::Transient(d) => ("transient", d, None),
            SpeechError::BadRequest(d) => ("bad-request", d, None),
            SpeechError::Protocol(d) => ("protocol", d, None),
            SpeechError::NotImplemented(d) => ("not-implemented", d, None),
        }
    }

    #[test]
    fn close_codes() {
        let cases: &[(u16, &str, &str)] = &[
            (1000, "", "transient"),
            (1000, "Normal closure", "transient"),
            (1001, "Going away", "transient"),
            (1002, "Missing/Empty header. X-RequestId.", "protocol"),
            (1003, "", "bad-request"),
            (1006, "", "transient"),
            (
                1007,
                "Incorrect message format. Binary message has invalid header size prefix.",
                "bad-request",
            ),
            (
                1007,
                "Status(StatusCode=\"FailedPrecondition\", Detail=\"Voice does not match\")",
                "bad-request",
            ),
            (1007, "Quota exceeded", "throttled"),
            (1007, "Throttled due to too many requests", "throttled"),
            (1008, "", "forbidden"),
            (1009, "", "bad-request"),
            (1011, "Internal server error", "transient"),
            (1012, "Instance is shutting down", "transient"),
            (1013, "Try again later", "transient"),
            (
                1013,
                "Status(StatusCode=\"ResourceExhausted\", Detail=\"...\")",
                "throttled",
            ),
            (1014, "", "transient"),
            (4000, "", "configuration"),
            (
                4429,
                "The request is throttled because you have exceeded the concurrent request limit allowed for your sub",
                "throttled",
            ),
            (4429, "", "throttled"),
            (0, "", "protocol"),
            (1005, "", "protocol"),
            (3000, "", "protocol"),
            (4999, "", "protocol"),
            (u16::MAX, "", "protocol"),
        ];
        for (code, reason, expected) in cases {
            let error = classify(*code, reason);
            let (case, detail, retry) = case_of(&error);
            assert_eq!(case, *expected, "{code} {reason:?}");
            assert_eq!(detail.close_code, Some(*code), "{code}");
            assert_eq!(detail.http_status, None, "{code}");
            assert!(detail.message.contains(&code.to_string()), "{code}");
            assert!(detail.message.contains(reason.trim()), "{code}: {}", detail.message);
            assert!(!detail.hint.is_empty(), "{code}");
            assert_eq!(retry, None, "{code}");
        }
    }
}
