//! A strict `multipart/form-data` reader (RFC 7578) for the fast-transcription upload.
//!
//! The body is held in memory (the route caps its size first). Parts are slices of it, not
//! copies. Each part needs a `Content-Disposition: form-data; name="…"` header; `filename` and
//! `Content-Type` are optional. The delimiter must be followed by CRLF (another part) or `--`
//! (the end); a body without the closing delimiter is refused.

use hyper::body::Bytes;

/// One part of a form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Part {
    /// The form field name.
    pub(crate) name: String,
    /// The `filename` parameter, when the part is a file.
    pub(crate) filename: Option<String>,
    /// The part's `Content-Type`, when given.
    pub(crate) content_type: Option<String>,
    /// The part's bytes.
    pub(crate) data: Bytes,
}

/// The boundary of a `multipart/form-data` content type, or why there is none.
pub(crate) fn boundary(content_type: &str) -> Result<String, String> {
    let mut pieces = content_type.split(';');
    let media = pieces.next().unwrap_or("").trim();
    if !media.eq_ignore_ascii_case("multipart/form-data") {
        return Err(format!(
            "the Content-Type is `{media}`; the request must be multipart/form-data"
        ));
    }
    for piece in pieces {
        if let Some((key, value)) = piece.split_once('=')
            && key.trim().eq_ignore_ascii_case("boundary")
        {
            let value = value.trim().trim_matches('"');
            if value.is_empty() || value.len() > 70 {
                return Err("the multipart boundary must be 1 to 70 characters".to_owned());
            }
            return Ok(value.to_owned());
        }
    }
    Err("the multipart/form-data Content-Type has no boundary parameter".to_owned())
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    let first = needle[0];
    let last_start = haystack.len() - needle.len();
    let mut i = from;
    while i <= last_start {
        match haystack[i..=last_start].iter().position(|&b| b == first) {
            None => return None,
            Some(p) => {
                let at = i + p;
                if &haystack[at..at + needle.len()] == needle {
                    return Some(at);
                }
                i = at + 1;
            }
        }
    }
    None
}

/// A header parameter (`name="value"` or `name=value`) of a `Content-Disposition` value.
fn parameter(value: &str, name: &str) -> Option<String> {
    let mut rest = value;
    while let Some(semi) = rest.find(';') {
        rest = rest[semi + 1..].trim_start();
        let (key, tail) = rest.split_once('=')?;
        let (found, after) = if let Some(quoted) = tail.strip_prefix('"') {
            let end = quoted.find('"')?;
            (quoted[..end].to_owned(), &quoted[end + 1..])
        } else {
            let end = tail.find(';').unwrap_or(tail.len());
            (tail[..end].trim().to_owned(), &tail[end..])
        };
        if key.trim().eq_ignore_ascii_case(name) {
            return Some(found);
        }
        rest = after;
    }
    None
}

/// Split a `multipart/form-data` body into its parts.
pub(crate) fn parse(body: &Bytes, boundary: &str) -> Result<Vec<Part>, String> {
    let opening = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let mut pos = if body.starts_with(opening.as_bytes()) {
        opening.len()
    } else {
        // A preamble is allowed before the first delimiter.
        find(body, delimiter.as_bytes(), 0)
            .map(|p| p + delimiter.len())
            .ok_or("the body does not contain the multipart boundary")?
    };
    let mut parts = Vec::new();
    loop {
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        if !rest.starts_with(b"\r\n") {
            return Err("a multipart delimiter is not followed by CRLF or `--`".to_owned());
        }
        let headers_start = pos + 2;
        let headers_end = find(body, b"\r\n\r\n", headers_start)
            .filter(|&end| end >= headers_start)
            .ok_or("a multipart part has no blank line after its headers")?;
        let head = std::str::from_utf8(&body[headers_start..headers_end])
            .map_err(|_| "multipart part headers are not UTF-8".to_owned())?;
        let mut disposition = None;
        let mut content_type = None;
        for line in head.split("\r\n").filter(|l| !l.is_empty()) {
            let (name, value) = line
                .split_once(':')
                .ok_or_else(|| format!("malformed multipart header line `{line}`"))?;
            if name.trim().eq_ignore_ascii_case("content-disposition") {
                disposition = Some(value.trim().to_owned());
            } else if name.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_owned());
            }
        }
        let disposition = disposition.ok_or("a multipart part has no Content-Disposition header")?;
        if !disposition
            .split(';')
            .next()
            .is_some_and(|d| d.trim().eq_ignore_ascii_case("form-data"))
        {
            return Err(format!(
                "a multipart part's Content-Disposition is `{disposition}`, not form-data"
            ));
        }
        let name = parameter(&disposition, "name").ok_or("a multipart part has no name")?;
        let data_start = headers_end + 4;
        let data_end = find(body, delimiter.as_bytes(), data_start)
            .ok_or_else(|| format!("the multipart part `{name}` is not closed by the boundary (truncated body?)"))?;
        parts.push(Part {
            filename: parameter(&disposition, "filename"),
            name,
            content_type,
            data: body.slice(data_start..data_end),
        });
        pos = data_end + delimiter.len();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_and_parameters() {
        let body = Bytes::from_static(
            b"--xyz\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a;b.wav\"\r\nContent-Type: audio/wav\r\n\r\nRIFF\r\n--x\r\n--xyz\r\nContent-Disposition: form-data; name=definition\r\n\r\n{\"locales\":[]}\r\n--xyz--\r\n",
        );
        let parts = parse(&body, "xyz").expect("parses");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "audio");
        assert_eq!(parts[0].filename.as_deref(), Some("a;b.wav"));
        assert_eq!(parts[0].content_type.as_deref(), Some("audio/wav"));
        assert_eq!(&parts[0].data[..], b"RIFF\r\n--x");
        assert_eq!(parts[1].name, "definition");
        assert_eq!(parts[1].filename, None);
        assert_eq!(&parts[1].data[..], b"{\"locales\":[]}");
        assert_eq!(boundary("multipart/form-data; boundary=\"xyz\"").as_deref(), Ok("xyz"));
        assert!(boundary("application/json").is_err());
        assert!(boundary("multipart/form-data").is_err());
    }

    #[test]
    fn truncated_bodies_are_refused() {
        let body = Bytes::from_static(b"--b\r\nContent-Disposition: form-data; name=\"audio\"\r\n\r\nRIFF....");
        assert!(parse(&body, "b").err().is_some_and(|e| e.contains("not closed")));
        let body = Bytes::from_static(b"--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--");
        assert!(
            parse(&body, "b")
                .err()
                .is_some_and(|e| e.contains("Content-Disposition"))
        );
    }
}
