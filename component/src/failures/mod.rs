//! What a failed exchange means for the caller: HTTP statuses and WebSocket close codes mapped to
//! [`SpeechError`] cases, each with the likely cause and the fix.
//!
//! - [`http`]: rejected upgrades and REST calls, with causes tailored to the configuration;
//! - [`close`]: close codes the service sends after the socket opened;
//! - [`retry_after`]: the `Retry-After` header.

pub mod close;
pub mod http;
pub mod retry_after;

use crate::bindings::exports::azspeech::core::config::Settings;
use crate::bindings::exports::azspeech::core::types::SpeechError;

/// Classify a rejected WebSocket upgrade or REST call.
pub fn classify_http(settings: &Settings, status: u16, retry_after: Option<&str>, body: &str) -> SpeechError {
    http::classify(settings, status, retry_after, body)
}

/// Classify a WebSocket close code sent by the service.
pub fn classify_close(code: u16, reason: &str) -> SpeechError {
    close::classify(code, reason)
}

/// At most 200 characters of a service message, on a character boundary, without surrounding
/// whitespace.
pub fn excerpt(text: &str) -> &str {
    let text = text.trim();
    match text.char_indices().nth(200) {
        Some((end, _)) => text.get(..end).unwrap_or(text),
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn excerpts_cut_on_character_boundaries() {
        assert_eq!(excerpt(""), "");
        assert_eq!(excerpt("  short \n"), "short");
        let long = "é".repeat(300);
        assert_eq!(excerpt(&long).chars().count(), 200);
        let mixed = format!("{}{}", "a".repeat(199), "😀😀");
        assert_eq!(excerpt(&mixed), format!("{}😀", "a".repeat(199)));
    }
}
