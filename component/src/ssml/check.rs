//! A small, strict XML well-formedness checker for SSML documents.
//!
//! It checks what the service needs and what a typo breaks: legal characters, balanced and
//! properly nested tags, quoted attributes without duplicates, valid entity and character
//! references, comments, CDATA and processing instructions, a single `<speak>` root, and at
//! least one `<voice name="...">`. Document type declarations are refused (SSML has none, and
//! they are the door to entity-expansion attacks). It does not validate SSML semantics
//! (which elements may nest where): the service does that.

use super::{SsmlError, is_xml_char};

/// Deepest element nesting accepted.
pub const MAX_DEPTH: usize = 256;

/// Largest caller's document accepted (bytes): the service refuses SSML requests over 64 KiB.
/// (Documents azspeech builds from text are split far below it.)
pub const MAX_SSML_BYTES: usize = 64 * 1024;

/// [`check`] for a caller's document: also refuses one larger than [`MAX_SSML_BYTES`].
pub fn check_document(ssml: &str) -> Result<Summary, SsmlError> {
    if ssml.len() > MAX_SSML_BYTES {
        return Err(SsmlError::at(
            MAX_SSML_BYTES,
            format!(
                "the document is {} bytes; the service takes at most {MAX_SSML_BYTES} bytes (64 KiB) of SSML per request: split it into several documents, or pass plain text, which azspeech splits itself",
                ssml.len()
            ),
        ));
    }
    check(ssml)
}

/// What a successful check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Summary {
    /// Number of `<voice name=...>` elements.
    pub voices: usize,
    /// Number of elements.
    pub elements: usize,
}

struct Scanner<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Scanner<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.at..).unwrap_or("")
    }

    fn starts_with(&self, prefix: &str) -> bool {
        self.rest().starts_with(prefix)
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn advance(&mut self, bytes: usize) {
        self.at = self.at.saturating_add(bytes).min(self.text.len());
    }

    fn skip_whitespace(&mut self) -> bool {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches([' ', '\t', '\r', '\n']);
        let skipped = rest.len().saturating_sub(trimmed.len());
        self.advance(skipped);
        skipped > 0
    }

    /// Advance past `terminator`, or fail with `what` at the current offset.
    fn skip_past(&mut self, terminator: &str, what: &str) -> Result<&'a str, SsmlError> {
        let start = self.at;
        let rest = self.rest();
        let end = rest
            .find(terminator)
            .ok_or_else(|| SsmlError::at(start, format!("{what} is not closed by `{terminator}`")))?;
        let inside = rest.get(..end).unwrap_or("");
        self.advance(end.saturating_add(terminator.len()));
        Ok(inside)
    }

    /// An XML name (`speak`, `xml:lang`, `mstts:express-as`).
    fn name(&mut self) -> Result<&'a str, SsmlError> {
        let start = self.at;
        let rest = self.rest();
        let mut end = 0usize;
        for (index, c) in rest.char_indices() {
            let ok = if index == 0 {
                c.is_alphabetic() || c == '_' || c == ':'
            } else {
                c.is_alphanumeric() || matches!(c, '_' | ':' | '-' | '.' | '\u{B7}')
            };
            if !ok {
                break;
            }
            end = index.saturating_add(c.len_utf8());
        }
        if end == 0 {
            return Err(SsmlError::at(start, "expected a name"));
        }
        self.advance(end);
        Ok(rest.get(..end).unwrap_or(""))
    }
}

/// Check references (`&lt;`, `&#60;`, `&#x3C;`) and characters in text or an attribute value
/// starting at byte `base`.
fn check_content(content: &str, base: usize, in_attribute: bool) -> Result<(), SsmlError> {
    let mut rest = content;
    let mut offset = base;
    while let Some(index) = rest.find(['&', '<']) {
        let at = offset.saturating_add(index);
        let tail = rest.get(index..).unwrap_or("");
        if tail.starts_with('<') {
            // Only attribute values reach here with `<` (text stops at `<`).
            return Err(SsmlError::at(
                at,
                "`<` is not allowed in an attribute value; write &lt;",
            ));
        }
        let end = tail
            .get(1..)
            .and_then(|after| after.find(';'))
            .filter(|end| *end <= 10)
            .ok_or_else(|| SsmlError::at(at, "`&` does not start an entity; write &amp;"))?;
        let name = tail.get(1..end.saturating_add(1)).unwrap_or("");
        let valid = match name {
            "lt" | "gt" | "amp" | "apos" | "quot" => true,
            _ => {
                let code = if let Some(hex) = name.strip_prefix("#x") {
                    u32::from_str_radix(hex, 16)
                        .ok()
                        .filter(|_| !hex.is_empty() && !hex.starts_with('+'))
                } else if let Some(decimal) = name.strip_prefix('#') {
                    decimal.parse::<u32>().ok().filter(|_| !decimal.starts_with('+'))
                } else {
                    None
                };
                code.and_then(char::from_u32).is_some_and(is_xml_char)
            }
        };
        if !valid {
            return Err(SsmlError::at(
                at,
                format!("`&{name};` is not a valid reference (use &lt; &gt; &amp; &apos; &quot; or &#N;)"),
            ));
        }
        let consumed = index.saturating_add(end).saturating_add(2);
        rest = rest.get(consumed..).unwrap_or("");
        offset = offset.saturating_add(consumed);
    }
    if !in_attribute && let Some(index) = content.find("]]>") {
        return Err(SsmlError::at(
            base.saturating_add(index),
            "`]]>` is not allowed in text; write ]]&gt;",
        ));
    }
    Ok(())
}

/// Check that `ssml` is a well-formed document with a `<speak>` root and at least one
/// `<voice name=...>`; errors say where (byte offset) and what.
///
/// ```
/// use azspeech_component::ssml::check;
/// assert!(check("<speak version='1.0'><voice name='en-US-AvaMultilingualNeural'>Hi</voice></speak>").is_ok());
/// let error = check("<speak><voice name='x'>a < b</voice></speak>").unwrap_err();
/// assert_eq!(error.offset, 25);
/// ```
pub fn check(ssml: &str) -> Result<Summary, SsmlError> {
    if let Some((offset, c)) = ssml.char_indices().find(|(_, c)| !is_xml_char(*c)) {
        return Err(SsmlError::at(
            offset,
            format!("character U+{:04X} is not allowed in XML", u32::from(c)),
        ));
    }
    let mut scanner = Scanner { text: ssml, at: 0 };
    if scanner.starts_with("\u{FEFF}") {
        scanner.advance(3);
    }
    let mut stack: Vec<(&str, usize)> = Vec::new();
    let mut root_seen = false;
    let mut summary = Summary { voices: 0, elements: 0 };
    while scanner.at < ssml.len() {
        let start = scanner.at;
        if scanner.starts_with("<?") {
            scanner.advance(2);
            let inside = scanner.skip_past("?>", "processing instruction")?;
            if inside.starts_with("xml") && inside.get(3..4).is_none_or(|c| c.trim().is_empty()) && start != 0 {
                return Err(SsmlError::at(start, "the XML declaration must come first"));
            }
        } else if scanner.starts_with("<!--") {
            scanner.advance(4);
            let body_start = scanner.at;
            let inside = scanner.skip_past("-->", "comment")?;
            if let Some(index) = inside.find("--") {
                return Err(SsmlError::at(
                    body_start.saturating_add(index),
                    "`--` is not allowed inside a comment",
                ));
            }
            if inside.ends_with('-') {
                return Err(SsmlError::at(
                    scanner.at.saturating_sub(4),
                    "a comment may not end with `--->`",
                ));
            }
        } else if scanner.starts_with("<![CDATA[") {
            if stack.is_empty() {
                return Err(SsmlError::at(start, "CDATA outside the root element"));
            }
            scanner.advance(9);
            scanner.skip_past("]]>", "CDATA section")?;
        } else if scanner.starts_with("<!") {
            return Err(SsmlError::at(
                start,
                "document type declarations are not allowed in SSML",
            ));
        } else if scanner.starts_with("</") {
            scanner.advance(2);
            let name = scanner.name()?;
            scanner.skip_whitespace();
            if !scanner.starts_with(">") {
                return Err(SsmlError::at(scanner.at, format!("expected `>` to close `</{name}`")));
            }
            scanner.advance(1);
            match stack.pop() {
                Some((open, _)) if open == name => {}
                Some((open, opened_at)) => {
                    return Err(SsmlError::at(
                        start,
                        format!("`</{name}>` does not match `<{open}>` opened at byte {opened_at}"),
                    ));
                }
                None => return Err(SsmlError::at(start, format!("`</{name}>` closes nothing"))),
            }
        } else if scanner.starts_with("<") {
            scanner.advance(1);
            let name = scanner
                .name()
                .map_err(|_| SsmlError::at(start, "`<` does not start a tag; write &lt; for a literal <"))?;
            if stack.is_empty() {
                if root_seen {
                    return Err(SsmlError::at(start, "only one root element is allowed"));
                }
                if name != "speak" {
                    return Err(SsmlError::at(
                        start,
                        format!("the root element must be <speak>, not <{name}>"),
                    ));
                }
                root_seen = true;
            }
            summary.elements = summary.elements.saturating_add(1);
            let mut attributes: Vec<&str> = Vec::new();
            let mut voice_name = false;
            let self_closing = loop {
                let had_space = scanner.skip_whitespace();
                if scanner.starts_with("/>") {
                    scanner.advance(2);
                    break true;
                }
                if scanner.starts_with(">") {
                    scanner.advance(1);
                    break false;
                }
                if scanner.peek().is_none() {
                    return Err(SsmlError::at(start, format!("tag <{name}> is not closed by `>`")));
                }
                if !had_space {
                    return Err(SsmlError::at(
                        scanner.at,
                        format!("expected whitespace, `>` or `/>` in <{name}>"),
                    ));
                }
                let attribute_at = scanner.at;
                let attribute = scanner.name()?;
                if attributes.contains(&attribute) {
                    return Err(SsmlError::at(
                        attribute_at,
                        format!("attribute `{attribute}` is repeated"),
                    ));
                }
                attributes.push(attribute);
                scanner.skip_whitespace();
                if !scanner.starts_with("=") {
                    return Err(SsmlError::at(
                        scanner.at,
                        format!("expected `=` after attribute `{attribute}`"),
                    ));
                }
                scanner.advance(1);
                scanner.skip_whitespace();
                let quote = match scanner.peek() {
                    Some(quote @ ('\'' | '"')) => quote,
                    _ => {
                        return Err(SsmlError::at(
                            scanner.at,
                            format!("the value of `{attribute}` must be in quotes"),
                        ));
                    }
                };
                scanner.advance(1);
                let value_at = scanner.at;
                let value = scanner.skip_past(quote.encode_utf8(&mut [0u8; 4]), "attribute value")?;
                check_content(value, value_at, true)?;
                if name == "voice" && attribute == "name" && !value.trim().is_empty() {
                    voice_name = true;
                }
            };
            if voice_name {
                summary.voices = summary.voices.saturating_add(1);
            }
            if !self_closing {
                if stack.len() >= MAX_DEPTH {
                    return Err(SsmlError::at(
                        start,
                        format!("elements are nested deeper than {MAX_DEPTH}"),
                    ));
                }
                stack.push((name, start));
            }
        } else {
            let rest = scanner.rest();
            let end = rest.find('<').unwrap_or(rest.len());
            let content = rest.get(..end).unwrap_or("");
            if stack.is_empty() {
                if let Some(offset) = content.find(|c: char| !matches!(c, ' ' | '\t' | '\r' | '\n')) {
                    return Err(SsmlError::at(
                        start.saturating_add(offset),
                        "text outside the root element",
                    ));
                }
            } else {
                check_content(content, start, false)?;
            }
            scanner.advance(end);
        }
    }
    if let Some((open, opened_at)) = stack.last() {
        return Err(SsmlError::at(
            ssml.len(),
            format!("`<{open}>` opened at byte {opened_at} is not closed"),
        ));
    }
    if !root_seen {
        return Err(SsmlError::at(0, "no <speak> root element"));
    }
    if summary.voices == 0 {
        return Err(SsmlError::at(
            0,
            "no <voice name=\"...\"> element: the service needs a voice",
        ));
    }
    Ok(summary)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    const SDK: &str = "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xmlns:mstts='http://www.w3.org/2001/mstts' xmlns:emo='http://www.w3.org/2009/10/emotionml' xml:lang='en-US'><voice name='en-US-AriaNeural'>Hello &lt;world&gt; &amp; friends</voice></speak>";

    #[test]
    fn accepts() {
        let documents = [
            SDK,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<speak version=\"1.0\" xml:lang=\"en-US\">\n  <voice name=\"a\"><mstts:express-as style=\"cheerful\">Hi!</mstts:express-as></voice>\n</speak>\n",
            "<!-- c --><speak><voice name='a'>x<break time='500ms'/>y<bookmark mark='m1'/></voice><voice name='b'><![CDATA[a < b & c]]></voice></speak>",
            "\u{FEFF}<speak><voice name='a'>&#60;&#x3c;&#x1F600;</voice></speak>",
            "<speak><voice name = 'a' >x</voice ></speak>",
            "<speak><voice name='a'>😀 é 中文</voice></speak>",
        ];
        for document in documents {
            assert!(check(document).is_ok(), "{document}: {:?}", check(document));
        }
        let summary = check(documents[2]).unwrap_or(Summary { voices: 0, elements: 0 });
        assert_eq!(summary.voices, 2);
        assert_eq!(summary.elements, 5);
    }

    #[test]
    fn rejects_with_offsets() {
        let cases: &[(&str, usize, &str)] = &[
            ("", 0, "no <speak>"),
            ("   ", 0, "no <speak>"),
            ("<speak></speak>", 0, "no <voice"),
            ("<speak><voice>x</voice></speak>", 0, "no <voice"),
            ("<speak><voice name=''>x</voice></speak>", 0, "no <voice"),
            ("<voice name='a'>x</voice>", 0, "root element must be <speak>"),
            ("<speak><voice name='a'>x</voice></speak><speak/>", 40, "only one root"),
            ("hello<speak/>", 0, "text outside"),
            ("<speak><voice name='a'>x</voice></speak>junk", 40, "text outside"),
            (
                "<speak><voice name='a'>x</speak>",
                24,
                "does not match `<voice>` opened at byte 7",
            ),
            (
                "<speak><voice name='a'>x</voice>",
                32,
                "`<speak>` opened at byte 0 is not closed",
            ),
            ("<speak><voice name=a>x</voice></speak>", 19, "must be in quotes"),
            (
                "<speak><voice name='a\">x</voice></speak>",
                20,
                "attribute value is not closed",
            ),
            ("<speak><voice name='a' name='b'>x</voice></speak>", 23, "repeated"),
            (
                "<speak><voice name='a'name='b'>x</voice></speak>",
                22,
                "expected whitespace",
            ),
            (
                "<speak><voice name='a'>a & b</voice></speak>",
                25,
                "does not start an entity",
            ),
            (
                "<speak><voice name='a'>&nbsp;</voice></speak>",
                23,
                "not a valid reference",
            ),
            (
                "<speak><voice name='a'>&#0;</voice></speak>",
                23,
                "not a valid reference",
            ),
            (
                "<speak><voice name='a'>&#xD800;</voice></speak>",
                23,
                "not a valid reference",
            ),
            ("<speak><voice name='a'>x ]]> y</voice></speak>", 25, "]]>"),
            ("<speak><voice name='a<'>x</voice></speak>", 21, "`<` is not allowed"),
            ("<speak><voice name='a'>\u{1}</voice></speak>", 23, "U+0001"),
            ("<!DOCTYPE speak [<!ENTITY x 'y'>]><speak/>", 0, "document type"),
            ("<speak><voice name='a'><!-- a -- b --></voice></speak>", 30, "`--`"),
            (
                "<speak><voice name='a'><!-- open</voice></speak>",
                27,
                "comment is not closed",
            ),
            (
                "<speak><voice name='a'><![CDATA[x</voice></speak>",
                32,
                "CDATA section is not closed",
            ),
            (
                "<speak><voice name='a'>x</voice></speak><?xml version='1.0'?>",
                40,
                "must come first",
            ),
            ("<speak><1voice/></speak>", 7, "does not start a tag"),
            (
                "<speak><voice name='a'>1 < 2</voice></speak>",
                25,
                "does not start a tag",
            ),
            ("<speak><voice name='a'>x</ voice></speak>", 26, "expected a name"),
            ("<speak><voice name='a'>x</voice></speak></x>", 40, "closes nothing"),
            ("<speak", 0, "not closed by `>`"),
        ];
        for (document, offset, message) in cases {
            match check(document) {
                Ok(summary) => panic!("{document:?} accepted: {summary:?}"),
                Err(error) => {
                    assert!(error.message.contains(message), "{document:?}: {error}");
                    assert_eq!(error.offset, *offset, "{document:?}: {error}");
                }
            }
        }
    }

    #[test]
    fn depth_is_bounded() {
        let deep = format!(
            "<speak><voice name='a'>{}x{}</voice></speak>",
            "<p>".repeat(MAX_DEPTH),
            "</p>".repeat(MAX_DEPTH)
        );
        assert!(check(&deep).unwrap_err().message.contains("nested deeper"));
    }

    #[test]
    fn size_is_bounded_like_the_service() {
        let body = "a".repeat(MAX_SSML_BYTES);
        let huge = format!("<speak><voice name='a'>{body}</voice></speak>");
        let error = check_document(&huge).unwrap_err();
        assert!(error.message.contains("at most 65536 bytes"), "{}", error.message);
        let fits = format!(
            "<speak><voice name='a'>{}</voice></speak>",
            &body[..MAX_SSML_BYTES - 40]
        );
        assert!(check_document(&fits).is_ok());
        assert!(check(&huge).is_ok(), "the size bound is for callers' documents only");
    }

    #[test]
    fn never_panics_on_prefixes() {
        let document = "<?xml version='1.0'?><speak a='&amp;'><!-- c --><voice name='é'><![CDATA[x]]>&#x1F600;<b/></voice></speak>";
        for (end, _) in document.char_indices() {
            let _ = check(document.get(..end).unwrap_or(""));
            let _ = check(document.get(end..).unwrap_or(""));
        }
    }
}
