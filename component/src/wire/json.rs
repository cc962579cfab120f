//! Reading service JSON bodies: fields by exact name, unknown fields ignored, numbers accepted as
//! JSON numbers or numeric strings (the service's REST twin sends `"Offset":"5800000"`).

use serde_json::Value;

use crate::bindings::exports::azspeech::core::types::SpeechError;

/// Parse the JSON body of a `path` message. An empty body counts as `{}`; anything else that is
/// not a JSON object is a `protocol` error.
pub fn body(path: &str, body: &str) -> Result<Value, SpeechError> {
    if body.trim().is_empty() {
        return Ok(Value::Object(serde_json::Map::new()));
    }
    match serde_json::from_str::<Value>(body) {
        Ok(value @ Value::Object(_)) => Ok(value),
        Ok(_) => Err(bad_body(path, "is not a JSON object")),
        Err(error) => Err(bad_body(path, &format!("is not valid JSON ({error})"))),
    }
}

/// A `protocol` error about the body of a `path` message.
pub fn bad_body(path: &str, what: &str) -> SpeechError {
    super::protocol(
        format!("the body of service message `{path}` {what}"),
        "the service sent a result azspeech cannot read: report it with the message",
    )
}

/// A non-negative integer field (ticks, ids). Missing or `null` is `Ok(None)`; a number that is
/// negative, fractional or too large, or a string that is not all digits, is an error naming
/// the field.
pub fn uint(object: &Value, field: &str) -> Result<Option<u64>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number
            .as_u64()
            .or_else(|| {
                number
                    .as_f64()
                    .filter(|f| f.is_finite() && *f >= 0.0 && f.fract() == 0.0 && *f < 1.8e19)
                    .map(|f| f as u64)
            })
            .map(Some)
            .ok_or_else(|| format!("`{field}` is not a non-negative integer")),
        Some(Value::String(text)) if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) => text
            .parse::<u64>()
            .map(Some)
            .map_err(|_| format!("`{field}` is too large")),
        Some(_) => Err(format!("`{field}` is not a non-negative integer")),
    }
}

/// A number field (confidence). Missing or `null` is `Ok(None)`.
pub fn number(object: &Value, field: &str) -> Result<Option<f64>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(number)) => number
            .as_f64()
            .map(Some)
            .ok_or_else(|| format!("`{field}` is not a number")),
        Some(Value::String(text)) => text
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|f| f.is_finite())
            .map(Some)
            .ok_or_else(|| format!("`{field}` is not a number")),
        Some(_) => Err(format!("`{field}` is not a number")),
    }
}

/// A string field. Missing or `null` is `Ok(None)`; another type is an error.
pub fn string<'a>(object: &'a Value, field: &str) -> Result<Option<&'a str>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(text)) => Ok(Some(text)),
        Some(_) => Err(format!("`{field}` is not a string")),
    }
}

/// A boolean field; also accepts the strings `"true"`/`"false"` (the JavaScript SDK's form).
pub fn boolean(object: &Value, field: &str) -> Result<Option<bool>, String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Bool(flag)) => Ok(Some(*flag)),
        Some(Value::String(text)) if text.eq_ignore_ascii_case("true") => Ok(Some(true)),
        Some(Value::String(text)) if text.eq_ignore_ascii_case("false") => Ok(Some(false)),
        Some(_) => Err(format!("`{field}` is not a boolean")),
    }
}

/// An array field; missing or `null` is an empty slice.
pub fn array<'a>(object: &'a Value, field: &str) -> Result<&'a [Value], String> {
    match object.get(field) {
        None | Some(Value::Null) => Ok(&[]),
        Some(Value::Array(items)) => Ok(items),
        Some(_) => Err(format!("`{field}` is not an array")),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fields() {
        let value: Value = serde_json::from_str(
            r#"{"a":5,"b":"6","c":-1,"d":1.5,"e":2.0,"f":"x","g":null,"h":"0.5","i":true,"j":"false","k":[1],"l":18446744073709551615,"m":"99999999999999999999"}"#,
        )
        .unwrap();
        assert_eq!(uint(&value, "a"), Ok(Some(5)));
        assert_eq!(uint(&value, "b"), Ok(Some(6)));
        assert!(uint(&value, "c").is_err());
        assert!(uint(&value, "d").is_err());
        assert_eq!(uint(&value, "e"), Ok(Some(2)));
        assert!(uint(&value, "f").is_err());
        assert_eq!(uint(&value, "g"), Ok(None));
        assert_eq!(uint(&value, "missing"), Ok(None));
        assert_eq!(uint(&value, "l"), Ok(Some(u64::MAX)));
        assert!(uint(&value, "m").is_err());
        assert_eq!(number(&value, "h"), Ok(Some(0.5)));
        assert_eq!(number(&value, "a"), Ok(Some(5.0)));
        assert!(number(&value, "f").is_err());
        assert_eq!(string(&value, "f"), Ok(Some("x")));
        assert!(string(&value, "a").is_err());
        assert_eq!(boolean(&value, "i"), Ok(Some(true)));
        assert_eq!(boolean(&value, "j"), Ok(Some(false)));
        assert_eq!(array(&value, "k").unwrap().len(), 1);
        assert!(array(&value, "a").is_err());
    }

    #[test]
    fn bodies() {
        assert!(body("turn.end", "").is_ok());
        assert!(body("turn.end", " {} ").is_ok());
        assert!(body("turn.end", "[]").is_err());
        assert!(body("turn.end", "{").is_err());
        assert!(body("turn.end", "null").is_err());
    }
}
