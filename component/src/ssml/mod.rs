//! SSML for synthesis: escaping plain text, building the document the Speech SDK builds for
//! `speak_text`, and checking a caller's SSML for well-formedness before it is sent.
//!
//! - [`escape_text`] / [`escape_attribute`]: XML escaping; characters XML cannot carry are
//!   removed from plain text (they have no spoken form).
//! - [`build`]: `<speak ...><voice name='...'>[<prosody ...>]text[</prosody>]</voice></speak>`.
//! - [`check`](mod@check): a small well-formedness checker with errors that give the byte offset.

pub mod check;
pub mod expression;

use core::fmt;

pub use check::check;
pub use expression::Expression;

/// The root element's namespaces, exactly as the Speech SDK writes them.
pub const SPEAK_OPEN_PREFIX: &str = "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xmlns:mstts='http://www.w3.org/2001/mstts' xmlns:emo='http://www.w3.org/2009/10/emotionml' xml:lang='";

/// What is wrong with SSML or with the values put into it, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SsmlError {
    /// Byte offset in the document (or in the value) where the problem is.
    pub offset: usize,
    /// What is wrong.
    pub message: String,
}

impl SsmlError {
    /// An error at `offset`.
    pub fn at(offset: usize, message: impl Into<String>) -> Self {
        Self {
            offset,
            message: message.into(),
        }
    }
}

impl fmt::Display for SsmlError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "at byte {}: {}", self.offset, self.message)
    }
}

impl std::error::Error for SsmlError {}

/// Whether XML 1.0 can carry `c` (`#x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]`).
pub fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Escape plain text for an XML text node: `&`, `<`, `>`, `'`, `"` become entities; characters
/// XML cannot carry (control characters other than tab, CR and LF; U+FFFE, U+FFFF) are removed.
///
/// ```
/// use azspeech_component::ssml::escape_text;
/// assert_eq!(escape_text("Hello <world> & friends"), "Hello &lt;world&gt; &amp; friends");
/// ```
pub fn escape_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len().saturating_add(16));
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\'' => out.push_str("&apos;"),
            '"' => out.push_str("&quot;"),
            c if is_xml_char(c) => out.push(c),
            _ => {}
        }
    }
    out
}

/// Escape a value for a single-quoted attribute (same rules as [`escape_text`]; CR, LF and tab
/// become character references so that attribute normalization keeps them).
pub fn escape_attribute(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\t' => out.push_str("&#9;"),
            '\n' => out.push_str("&#10;"),
            '\r' => out.push_str("&#13;"),
            c => out.push_str(&escape_text(c.encode_utf8(&mut [0u8; 4]))),
        }
    }
    out
}

/// What goes into a document built for plain text.
#[derive(Debug, Clone, Copy)]
pub struct Voice<'a> {
    /// Voice name, e.g. `en-US-AvaMultilingualNeural`.
    pub name: &'a str,
    /// `xml:lang` of the document.
    pub language: &'a str,
    /// `<prosody rate>`, already validated ([`check_rate`]).
    pub rate: Option<&'a str>,
    /// `<prosody pitch>`, already validated ([`check_pitch`]).
    pub pitch: Option<&'a str>,
    /// `<prosody volume>`, already validated ([`expression::check_volume`]).
    pub volume: Option<&'a str>,
    /// `<mstts:express-as>`, already validated ([`expression::check`]).
    pub expression: Option<Expression<'a>>,
}

/// The SSML document for plain `text`, as the Speech SDK builds it, with optional
/// `<mstts:express-as>` and `<prosody>` elements inside `<voice>` (in that order).
///
/// ```
/// use azspeech_component::ssml::{build, Voice};
/// let voice = Voice { name: "en-US-AriaNeural", language: "en-US", rate: None, pitch: None, volume: None, expression: None };
/// assert!(build(&voice, "Hi & bye").ends_with("<voice name='en-US-AriaNeural'>Hi &amp; bye</voice></speak>"));
/// ```
pub fn build(voice: &Voice<'_>, text: &str) -> String {
    let mut out = String::with_capacity(text.len().saturating_add(300));
    out.push_str(SPEAK_OPEN_PREFIX);
    out.push_str(&escape_attribute(voice.language));
    out.push_str("'><voice name='");
    out.push_str(&escape_attribute(voice.name));
    out.push_str("'>");
    let attribute = |out: &mut String, name: &str, value: &str| {
        out.push_str(&format!(" {name}='{}'", escape_attribute(value)));
    };
    if let Some(expression) = &voice.expression {
        out.push_str("<mstts:express-as");
        attribute(&mut out, "style", expression.style);
        if let Some(degree) = expression.degree {
            attribute(&mut out, "styledegree", &degree.to_string());
        }
        if let Some(role) = expression.role {
            attribute(&mut out, "role", role);
        }
        out.push('>');
    }
    let prosody = [("rate", voice.rate), ("pitch", voice.pitch), ("volume", voice.volume)];
    let has_prosody = prosody.iter().any(|(_, value)| value.is_some());
    if has_prosody {
        out.push_str("<prosody");
        for (name, value) in prosody {
            if let Some(value) = value {
                attribute(&mut out, name, value);
            }
        }
        out.push('>');
    }
    out.push_str(&escape_text(text));
    if has_prosody {
        out.push_str("</prosody>");
    }
    if voice.expression.is_some() {
        out.push_str("</mstts:express-as>");
    }
    out.push_str("</voice></speak>");
    out
}

/// `[+-]?digits[.digits]` followed by exactly `unit`; returns whether it matched.
pub(crate) fn is_number_with(value: &str, unit: &str, signed: bool) -> bool {
    let Some(number) = value.strip_suffix(unit) else {
        return false;
    };
    let number = if signed {
        number.strip_prefix(['+', '-']).unwrap_or(number)
    } else {
        number
    };
    let (whole, fraction) = number.split_once('.').unwrap_or((number, "0"));
    !whole.is_empty()
        && !fraction.is_empty()
        && whole.len() <= 6
        && fraction.len() <= 6
        && whole.bytes().all(|b| b.is_ascii_digit())
        && fraction.bytes().all(|b| b.is_ascii_digit())
}

/// Check a `<prosody rate>` value: `x-slow`, `slow`, `medium`, `fast`, `x-fast`, `default`, a
/// relative change (`+10%`, `-20%`) or a factor (`0.5`, `1.2`).
pub fn check_rate(value: &str) -> Result<(), SsmlError> {
    let ok = matches!(value, "x-slow" | "slow" | "medium" | "fast" | "x-fast" | "default")
        || is_number_with(value, "%", true)
        || is_number_with(value, "", false);
    ok.then_some(()).ok_or_else(|| {
        SsmlError::at(
            0,
            "rate must be x-slow, slow, medium, fast, x-fast, default, a change like +10% or a factor like 1.2",
        )
    })
}

/// Check a `<prosody pitch>` value: `x-low`, `low`, `medium`, `high`, `x-high`, `default`, a
/// relative change (`+10%`, `-2st`, `+50Hz`) or an absolute frequency (`600Hz`).
pub fn check_pitch(value: &str) -> Result<(), SsmlError> {
    let ok = matches!(value, "x-low" | "low" | "medium" | "high" | "x-high" | "default")
        || is_number_with(value, "%", true)
        || is_number_with(value, "st", true)
        || is_number_with(value, "Hz", true);
    ok.then_some(()).ok_or_else(|| {
        SsmlError::at(
            0,
            "pitch must be x-low, low, medium, high, x-high, default, a change like +10%, -2st or +50Hz, or a frequency like 600Hz",
        )
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn escaping_table() {
        let cases: &[(&str, &str)] = &[
            ("Hello <world> & friends", "Hello &lt;world&gt; &amp; friends"),
            ("it's \"quoted\"", "it&apos;s &quot;quoted&quot;"),
            ("]]>", "]]&gt;"),
            ("&amp; already", "&amp;amp; already"),
            ("&#60;", "&amp;#60;"),
            ("emoji 😀 and é", "emoji 😀 and é"),
            ("bell\u{7}null\u{0}esc\u{1b}", "bellnullesc"),
            ("line\r\nbreak\ttab", "line\r\nbreak\ttab"),
            ("\u{FFFE}\u{FFFF}\u{FFFD}", "\u{FFFD}"),
            (
                "<speak><voice name='x'>",
                "&lt;speak&gt;&lt;voice name=&apos;x&apos;&gt;",
            ),
            ("\u{85}\u{2028}", "\u{85}\u{2028}"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(escape_text(input), *expected, "{input:?}");
            let built = build(
                &Voice {
                    name: "v",
                    language: "en-US",
                    rate: None,
                    pitch: None,
                    volume: None,
                    expression: None,
                },
                input,
            );
            assert_eq!(check(&built).map(|_| ()), Ok(()), "{built}");
        }
        assert_eq!(escape_attribute("a'b\nc"), "a&apos;b&#10;c");
    }

    #[test]
    fn very_long_input_stays_well_formed() {
        let text = "<&>'\"".repeat(50_000);
        let built = build(
            &Voice {
                name: "en-US-AvaMultilingualNeural",
                language: "en-US",
                rate: Some("+10%"),
                pitch: Some("-2st"),
                volume: Some("+20%"),
                expression: Some(Expression {
                    style: "cheerful",
                    degree: Some(1.5),
                    role: Some("Girl"),
                }),
            },
            &text,
        );
        assert!(built.contains("<voice name='en-US-AvaMultilingualNeural'><mstts:express-as style='cheerful' styledegree='1.5' role='Girl'><prosody rate='+10%' pitch='-2st' volume='+20%'>&lt;"));
        assert!(built.ends_with("</prosody></mstts:express-as></voice></speak>"));
        assert_eq!(check(&built).map(|_| ()), Ok(()));
    }

    #[test]
    fn rates_and_pitches() {
        for good in ["slow", "x-fast", "default", "+10%", "-20.5%", "1.2", "0.5", "2"] {
            assert!(check_rate(good).is_ok(), "{good}");
        }
        for bad in ["", "fast ", "+1.2", "%", "+%", "1.", ".5", "1e3", "'><x", "+10 %"] {
            assert!(check_rate(bad).is_err(), "{bad}");
        }
        for good in ["x-low", "high", "+10%", "-2st", "+50Hz", "600Hz", "0.5st"] {
            assert!(check_pitch(good).is_ok(), "{good}");
        }
        for bad in ["", "600", "+50hz", "high!", "1.2", "st", "+st"] {
            assert!(check_pitch(bad).is_err(), "{bad}");
        }
    }
}
