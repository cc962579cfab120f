//! The words of a text as a comparison of speech needs them: what was said against what was heard.

/// The words of `text`, lower case, with punctuation and symbols dropped, in order: a recognizer's
/// display text ("Hello, world.") and the sentence that was synthesized ("hello world") give the
/// same words. For checking a round trip or a transcript, not for display.
///
/// ```
/// assert_eq!(azspeech_host::spoken_words("Hello, World!"), ["hello", "world"]);
/// ```
pub fn spoken_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| {
            w.chars()
                .filter(|c| c.is_alphanumeric())
                .collect::<String>()
                .to_lowercase()
        })
        .filter(|w| !w.is_empty())
        .collect()
}
