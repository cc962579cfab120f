//! SSML checking and text extraction (sdk-capture-detailed §10 item 12).
//!
//! The document must be well-formed XML with a `<speak>` root; all text must be inside
//! `<voice name="…">` elements naming a known voice. `<break>` adds a pause, `<sub alias>`
//! replaces its content; other elements (`prosody`, `say-as`, `s`, `p`, `lang`,
//! `mstts:express-as`, ...) contribute their text. Everything else about SSML is ignored.

use crate::voices::Voice;

/// A piece of the document to speak.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Segment {
    /// Text in one voice.
    Text { voice: Box<Voice>, text: String },
    /// A pause.
    Break { ms: u32 },
}

#[derive(Debug)]
struct Element {
    name: String,
    attrs: Vec<(String, String)>,
    children: Vec<Node>,
}

#[derive(Debug)]
enum Node {
    Element(Element),
    Text(String),
}

struct Parser<'a> {
    s: &'a str,
    pos: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        &self.s[self.pos..]
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("SSML is not well-formed XML: {what} at byte {}", self.pos))
    }

    fn skip_ws(&mut self) {
        let trimmed = self.rest().trim_start();
        self.pos = self.s.len() - trimmed.len();
    }

    fn skip_misc(&mut self) -> Result<(), String> {
        loop {
            self.skip_ws();
            if self.rest().starts_with("<?") {
                match self.rest().find("?>") {
                    Some(end) => self.pos += end + 2,
                    None => return self.err("unterminated processing instruction"),
                }
            } else if self.rest().starts_with("<!--") {
                match self.rest()[4..].find("-->") {
                    Some(end) => self.pos += 4 + end + 3,
                    None => return self.err("unterminated comment"),
                }
            } else if self.rest().starts_with("<!DOCTYPE") {
                return self.err("DOCTYPE is not allowed");
            } else {
                return Ok(());
            }
        }
    }

    fn name(&mut self) -> Result<String, String> {
        let end = self
            .rest()
            .find(|c: char| c.is_whitespace() || c == '>' || c == '/' || c == '=')
            .unwrap_or(self.rest().len());
        let name = &self.rest()[..end];
        let valid_start = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_' || c == ':');
        if !valid_start || !name.chars().all(|c| c.is_alphanumeric() || "_:-.".contains(c)) {
            return self.err("invalid name");
        }
        self.pos += end;
        Ok(name.to_owned())
    }

    fn element(&mut self) -> Result<Element, String> {
        // at '<'
        self.pos += 1;
        let name = self.name()?;
        let mut attrs = Vec::new();
        loop {
            self.skip_ws();
            if self.rest().starts_with("/>") {
                self.pos += 2;
                return Ok(Element {
                    name,
                    attrs,
                    children: Vec::new(),
                });
            }
            if self.rest().starts_with('>') {
                self.pos += 1;
                break;
            }
            if self.rest().is_empty() {
                return self.err("unterminated start tag");
            }
            let attr = self.name()?;
            self.skip_ws();
            if !self.rest().starts_with('=') {
                return self.err("attribute without value");
            }
            self.pos += 1;
            self.skip_ws();
            let quote = match self.rest().chars().next() {
                Some(q @ ('"' | '\'')) => q,
                _ => return self.err("unquoted attribute value"),
            };
            self.pos += 1;
            let Some(end) = self.rest().find(quote) else {
                return self.err("unterminated attribute value");
            };
            let raw = &self.rest()[..end];
            if raw.contains('<') {
                return self.err("'<' in attribute value");
            }
            let value = unescape(raw).map_err(|e| format!("SSML is not well-formed XML: {e}"))?;
            self.pos += end + 1;
            if attrs.iter().any(|(a, _)| *a == attr) {
                return self.err("duplicate attribute");
            }
            attrs.push((attr, value));
        }
        let mut children = Vec::new();
        loop {
            if self.rest().starts_with("</") {
                self.pos += 2;
                let close = self.name()?;
                self.skip_ws();
                if close != name || !self.rest().starts_with('>') {
                    return self.err(&format!("</{close}> does not close <{name}>"));
                }
                self.pos += 1;
                return Ok(Element { name, attrs, children });
            }
            if self.rest().starts_with("<!--") {
                match self.rest()[4..].find("-->") {
                    Some(end) => self.pos += 4 + end + 3,
                    None => return self.err("unterminated comment"),
                }
                continue;
            }
            if self.rest().starts_with("<![CDATA[") {
                match self.rest()[9..].find("]]>") {
                    Some(end) => {
                        children.push(Node::Text(self.rest()[9..9 + end].to_owned()));
                        self.pos += 9 + end + 3;
                    }
                    None => return self.err("unterminated CDATA"),
                }
                continue;
            }
            if self.rest().starts_with('<') {
                children.push(Node::Element(self.element()?));
                continue;
            }
            if self.rest().is_empty() {
                return self.err(&format!("<{name}> is not closed"));
            }
            let end = self.rest().find('<').unwrap_or(self.rest().len());
            let text = unescape(&self.rest()[..end]).map_err(|e| format!("SSML is not well-formed XML: {e}"))?;
            children.push(Node::Text(text));
            self.pos += end;
        }
    }
}

fn unescape(s: &str) -> Result<String, String> {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let Some(end) = after.find(';') else {
            return Err("'&' without entity".to_owned());
        };
        let entity = &after[..end];
        let c = match entity {
            "lt" => '<',
            "gt" => '>',
            "amp" => '&',
            "quot" => '"',
            "apos" => '\'',
            _ => {
                let code = if let Some(hex) = entity.strip_prefix("#x").or_else(|| entity.strip_prefix("#X")) {
                    u32::from_str_radix(hex, 16).ok()
                } else if let Some(dec) = entity.strip_prefix('#') {
                    dec.parse().ok()
                } else {
                    None
                };
                match code.and_then(char::from_u32) {
                    Some(c) => c,
                    None => return Err(format!("unknown entity &{entity};")),
                }
            }
        };
        out.push(c);
        rest = &after[end + 1..];
    }
    out.push_str(rest);
    Ok(out)
}

fn local(name: &str) -> &str {
    name.rsplit(':').next().unwrap_or(name)
}

fn attr<'a>(e: &'a Element, name: &str) -> Option<&'a str> {
    e.attrs.iter().find(|(a, _)| a == name).map(|(_, v)| v.as_str())
}

fn break_ms(e: &Element) -> u32 {
    if let Some(time) = attr(e, "time") {
        let time = time.trim();
        if let Some(ms) = time.strip_suffix("ms") {
            return ms
                .trim()
                .parse::<f64>()
                .map(|v| v.clamp(0.0, 20_000.0) as u32)
                .unwrap_or(0);
        }
        if let Some(s) = time.strip_suffix('s') {
            return s
                .trim()
                .parse::<f64>()
                .map(|v| (v * 1000.0).clamp(0.0, 20_000.0) as u32)
                .unwrap_or(0);
        }
    }
    match attr(e, "strength") {
        Some("none") => 0,
        Some("x-weak") => 250,
        Some("weak") => 500,
        Some("strong") => 1000,
        Some("x-strong") => 1250,
        _ => 750,
    }
}

fn find_voice(voices: &[Voice], name: &str) -> Option<Voice> {
    let name = name.trim();
    voices
        .iter()
        .find(|v| v.short_name.eq_ignore_ascii_case(name) || v.name.eq_ignore_ascii_case(name))
        .cloned()
}

fn collect(node: &Node, voice: &Voice, out: &mut Vec<Segment>) -> Result<(), String> {
    match node {
        Node::Text(t) => {
            if !t.trim().is_empty() {
                match out.last_mut() {
                    Some(Segment::Text { voice: v, text }) if **v == *voice => {
                        text.push_str(t);
                    }
                    _ => out.push(Segment::Text {
                        voice: Box::new(voice.clone()),
                        text: t.clone(),
                    }),
                }
            } else if let Some(Segment::Text { text, .. }) = out.last_mut() {
                text.push(' ');
            }
        }
        Node::Element(e) => match local(&e.name) {
            "break" | "silence" => {
                let ms = if local(&e.name) == "silence" {
                    attr(e, "value")
                        .map(|v| v.trim_end_matches("ms").trim().parse().unwrap_or(0))
                        .unwrap_or(0)
                } else {
                    break_ms(e)
                };
                out.push(Segment::Break { ms });
            }
            "voice" => return Err("<voice> elements cannot be nested".to_owned()),
            "sub" => {
                let alias = attr(e, "alias").unwrap_or("");
                collect(&Node::Text(alias.to_owned()), voice, out)?;
            }
            "bookmark" | "mark" | "audio" | "viseme" | "backgroundaudio" => {}
            _ => {
                for child in &e.children {
                    collect(child, voice, out)?;
                }
                if matches!(local(&e.name), "s" | "p")
                    && let Some(Segment::Text { text, .. }) = out.last_mut()
                {
                    text.push(' ');
                }
            }
        },
    }
    Ok(())
}

/// Check an SSML document and extract what to speak.
pub(crate) fn parse(ssml: &str, voices: &[Voice]) -> Result<Vec<Segment>, String> {
    let mut p = Parser { s: ssml, pos: 0 };
    p.skip_misc()?;
    if !p.rest().starts_with('<') {
        return p.err("expected the <speak> element");
    }
    let root = p.element()?;
    p.skip_misc()?;
    if !p.rest().is_empty() {
        return p.err("content after the root element");
    }
    if local(&root.name) != "speak" || root.name.contains(':') {
        return Err(format!("the SSML root element must be <speak>, not <{}>", root.name));
    }
    let mut out = Vec::new();
    let mut voice_seen = false;
    for child in &root.children {
        match child {
            Node::Text(t) if t.trim().is_empty() => {}
            Node::Text(t) => {
                return Err(format!(
                    "text outside a <voice> element: \"{}\"",
                    t.trim().chars().take(40).collect::<String>()
                ));
            }
            Node::Element(e) if local(&e.name) == "voice" => {
                voice_seen = true;
                let Some(name) = attr(e, "name") else {
                    return Err("<voice> without a name attribute".to_owned());
                };
                let Some(voice) = find_voice(voices, name) else {
                    return Err(format!("Unsupported voice {name}."));
                };
                for c in &e.children {
                    collect(c, &voice, &mut out)?;
                }
                out.push(Segment::Break { ms: 0 });
            }
            Node::Element(e) if matches!(local(&e.name), "break" | "bookmark" | "mark") => {}
            Node::Element(e) if local(&e.name) == "backgroundaudio" || local(&e.name) == "lexicon" => {}
            Node::Element(e) => {
                return Err(format!("<{}> must be inside a <voice> element", e.name));
            }
        }
    }
    if !voice_seen {
        return Err("the SSML has no <voice name=\"…\"> element".to_owned());
    }
    // Normalize whitespace of text segments; drop empty ones and zero breaks.
    let mut cleaned = Vec::new();
    for s in out {
        match s {
            Segment::Text { voice, text } => {
                let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
                if !text.is_empty() {
                    cleaned.push(Segment::Text { voice, text });
                }
            }
            Segment::Break { ms: 0 } => {}
            b => cleaned.push(b),
        }
    }
    Ok(cleaned)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::voices::builtin;

    #[test]
    fn sdk_ssml_parses() {
        let ssml = "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xmlns:mstts='http://www.w3.org/2001/mstts' xmlns:emo='http://www.w3.org/2009/10/emotionml' xml:lang='en-US'><voice name='en-US-AriaNeural'>Hello &lt;world&gt; &amp; friends</voice></speak>";
        let segments = parse(ssml, &builtin()).expect("parses");
        assert!(
            matches!(&segments[..], [Segment::Text { text, voice }] if text == "Hello <world> & friends" && voice.short_name == "en-US-AriaNeural")
        );
    }

    /// What the core builds for `tts --style --style-degree --role --volume` (and the forms the
    /// service documents) is accepted, and its text spoken.
    #[test]
    fn express_as_and_prosody_volume_are_accepted() {
        let documents = [
            "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xmlns:mstts='http://www.w3.org/2001/mstts' xmlns:emo='http://www.w3.org/2009/10/emotionml' xml:lang='en-US'><voice name='en-US-AriaNeural'><mstts:express-as style='cheerful' styledegree='1.5' role='YoungAdultFemale'><prosody rate='+10%' volume='+20%'>Great news &amp; more</prosody></mstts:express-as></voice></speak>",
            r#"<speak version="1.0" xmlns="http://www.w3.org/2001/10/synthesis" xmlns:mstts="https://www.w3.org/2001/mstts" xml:lang="en-US"><voice name="en-US-AriaNeural"><mstts:express-as style="sad"><prosody volume="x-soft">Great news &amp; more</prosody></mstts:express-as></voice></speak>"#,
        ];
        for ssml in documents {
            let segments = parse(ssml, &builtin()).expect("parses");
            assert!(
                matches!(&segments[..], [Segment::Text { text, .. }] if text == "Great news & more"),
                "{segments:?}"
            );
        }
    }

    #[test]
    fn breaks_and_nesting() {
        let ssml = r#"<?xml version="1.0"?><speak version="1.0" xml:lang="en-US"><voice name="en-US-JennyNeural"><prosody rate="fast">One</prosody><break time="300ms"/><sub alias="two">2</sub> <!-- c --> three</voice></speak>"#;
        let segments = parse(ssml, &builtin()).expect("parses");
        assert_eq!(segments.len(), 3);
        assert!(matches!(&segments[1], Segment::Break { ms: 300 }));
        assert!(matches!(&segments[2], Segment::Text { text, .. } if text == "two three"));
    }

    #[test]
    fn rejections() {
        let voices = builtin();
        for (ssml, needle) in [
            ("<speak><voice name='en-US-AriaNeural'>hi</speak>", "does not close"),
            ("<speak>hi</speak>", "outside a <voice>"),
            ("<root><voice name='en-US-AriaNeural'>hi</voice></root>", "root element"),
            (
                "<speak><voice name='xx-XX-NobodyNeural'>hi</voice></speak>",
                "Unsupported voice",
            ),
            ("<speak><voice>hi</voice></speak>", "without a name"),
            ("<speak><voice name='en-US-AriaNeural'>a & b</voice></speak>", "entity"),
            ("<speak></speak>", "no <voice"),
            ("hello", "expected"),
        ] {
            let e = parse(ssml, &voices).expect_err(ssml);
            assert!(e.contains(needle), "{ssml}: {e}");
        }
    }
}
