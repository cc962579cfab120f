//! Fuzz what fast and batch transcription return: result bodies (fast: milliseconds; batch result
//! files: ISO 8601 durations and ticks), job, job-list, file-list and report bodies, error bodies
//! with their status and `Retry-After`, and storage URLs. The first byte picks the parser; the
//! next two are the status. No input panics, every error has a message and a hint, and every
//! poll delay is within the core's bounds.
#![no_main]

#[path = "shared/failure_detail.rs"]
mod failure_detail;
#[path = "shared/session_input.rs"]
mod session_input;

use azspeech_component::bindings::exports::azspeech::core::types::SpeechError;
use azspeech_component::transcription::{errors, jobs, results, sas};
use libfuzzer_sys::fuzz_target;

fn explained<T>(outcome: Result<T, SpeechError>) {
    if let Err(error) = outcome {
        let detail = failure_detail::of(&error);
        assert!(!detail.message.is_empty() && !detail.hint.is_empty(), "{detail:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    if data.len() < 3 {
        return;
    }
    let status = u16::from_le_bytes([data[1], data[2]]);
    let Ok(text) = std::str::from_utf8(&data[3..]) else {
        return;
    };
    match data[0] % 8 {
        0 => explained(results::fast(text)),
        1 => explained(results::batch(text)),
        2 => explained(jobs::parse_job(text)),
        3 => explained(jobs::parse_jobs(text)),
        4 => explained(jobs::parse_files(text)),
        5 => explained(jobs::parse_report(text)),
        6 => {
            // First line: Retry-After (empty: none); the rest: the error body.
            let (retry_after, body) = text.split_once('\n').unwrap_or(("", text));
            let retry_after = (!retry_after.is_empty()).then_some(retry_after);
            let error = errors::classify(&session_input::settings(), status, retry_after, body);
            explained::<()>(Err(error.clone()));
            // Any delay is allowed here: the host's retry budget bounds what it waits.
            let _ = errors::retry_delay(&error, retry_after, u32::from(data[1] % 8));
            assert!(errors::POLL_MS.contains(&errors::poll_delay(retry_after)));
        }
        _ => {
            let _ = sas::check(text);
            let _ = sas::is_placeholder(text);
        }
    }
});
