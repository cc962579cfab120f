//! The voices list (`GET .../cognitiveservices/voices/list`), on regional and custom-domain
//! endpoints, in every auth mode.

use serde::{Deserialize, Serialize};

use crate::core_runtime::ConnectionPlan;
use crate::credentials::AuthHeader;
use crate::transport::proxy_router::ProxyRouter;

/// One voice, as the service lists it (unknown fields are kept in `extra`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Voice {
    /// Full name, e.g. `Microsoft Server Speech Text to Speech Voice (en-US, AvaNeural)`.
    #[serde(default)]
    pub name: String,
    /// The name to use in SSML and `--voice`, e.g. `en-US-AvaNeural`.
    pub short_name: String,
    /// Display name.
    #[serde(default)]
    pub display_name: String,
    /// `Female`, `Male`, `Neutral`.
    #[serde(default)]
    pub gender: String,
    /// Locale, e.g. `en-US`.
    #[serde(default)]
    pub locale: String,
    /// `Neural`, ...
    #[serde(default)]
    pub voice_type: String,
    /// Speaking styles (`mstts:express-as style`), e.g. `cheerful`; absent for voices without.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub style_list: Vec<String>,
    /// Every other field, passed through for `--json`.
    #[serde(flatten)]
    pub extra: serde_json::Map<String, serde_json::Value>,
}

/// Why the list could not be fetched.
#[derive(Debug, thiserror::Error)]
pub enum VoicesError {
    /// The request failed before an answer (DNS, TCP, TLS).
    #[error("cannot reach the voices endpoint: {0}")]
    Network(String),
    /// The request went through a proxy, which refused it or cannot be reached: the error names
    /// the proxy and the fix.
    #[error("{}", .0.detail().message)]
    Proxy(crate::core_runtime::SpeechError),
    /// The service answered with an error status.
    #[error("the voices endpoint answered HTTP {status}")]
    Status {
        /// The status.
        status: u16,
        /// `Retry-After`, if any.
        retry_after: Option<String>,
        /// The body (at most 4 KiB).
        body: String,
    },
    /// The body is not the documented JSON array.
    #[error("the voices endpoint returned an unexpected body: {0}")]
    Body(String),
}

/// Fetch the voices list with `http`, whose requests `proxy` routes.
pub async fn fetch(
    http: &reqwest::Client,
    proxy: &ProxyRouter,
    plan: &ConnectionPlan,
    auth: &AuthHeader,
) -> Result<Vec<Voice>, VoicesError> {
    let mut request = http.get(&plan.url);
    for (name, value) in &plan.headers {
        request = request.header(name.as_str(), value.as_str());
    }
    let auth_value = auth
        .header_value()
        .map_err(|error| VoicesError::Network(error.to_string()))?;
    let response = match request.header(auth.name, auth_value).send().await {
        Ok(response) => response,
        Err(error) if error.is_connect() => match proxy.explain_connect_failure(&plan.url).await {
            Some(explanation) => return Err(VoicesError::Proxy(explanation)),
            None => return Err(VoicesError::Network(error.without_url().to_string())),
        },
        Err(error) => return Err(VoicesError::Network(error.without_url().to_string())),
    };
    let status = response.status();
    let retry_after = response
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let body = response
        .text()
        .await
        .map_err(|error| VoicesError::Network(error.without_url().to_string()))?;
    if !status.is_success() {
        let body: String = body.chars().take(4096).collect();
        return Err(VoicesError::Status {
            status: status.as_u16(),
            retry_after,
            body,
        });
    }
    parse(&body)
}

/// Which voices to keep: every given criterion must match (ASCII case-insensitive).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VoiceFilter {
    /// A locale (`en-US`) or a language (`en`).
    pub locale: Option<String>,
    /// `Female`, `Male` or `Neutral`.
    pub gender: Option<String>,
    /// A style the voice has, e.g. `cheerful`.
    pub style: Option<String>,
}

impl VoiceFilter {
    /// Whether `voice` passes.
    pub fn matches(&self, voice: &Voice) -> bool {
        let locale_ok = self.locale.as_deref().is_none_or(|locale| {
            voice.locale.eq_ignore_ascii_case(locale)
                || voice
                    .locale
                    .split('-')
                    .next()
                    .is_some_and(|language| language.eq_ignore_ascii_case(locale))
        });
        let gender_ok = self
            .gender
            .as_deref()
            .is_none_or(|gender| voice.gender.eq_ignore_ascii_case(gender));
        let style_ok = self
            .style
            .as_deref()
            .is_none_or(|style| voice.style_list.iter().any(|s| s.eq_ignore_ascii_case(style)));
        locale_ok && gender_ok && style_ok
    }
}

/// Parse the voices JSON array.
pub fn parse(body: &str) -> Result<Vec<Voice>, VoicesError> {
    serde_json::from_str(body).map_err(|error| VoicesError::Body(error.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_shape_and_keeps_unknown_fields() {
        let body = r#"[{"Name":"Microsoft Server Speech Text to Speech Voice (en-US, AvaNeural)","DisplayName":"Ava",
            "LocalName":"Ava","ShortName":"en-US-AvaNeural","Gender":"Female","Locale":"en-US","LocaleName":"English (United States)",
            "StyleList":["chat"],"SampleRateHertz":"24000","VoiceType":"Neural","Status":"GA","WordsPerMinute":"152"}]"#;
        let voices = parse(body).expect("parses");
        assert_eq!(voices[0].short_name, "en-US-AvaNeural");
        assert_eq!(voices[0].gender, "Female");
        assert_eq!(voices[0].extra["SampleRateHertz"], "24000");
    }

    #[test]
    fn filters_combine() {
        let body = r#"[{"ShortName":"en-US-AriaNeural","Gender":"Female","Locale":"en-US","StyleList":["cheerful","sad"]},
            {"ShortName":"en-US-GuyNeural","Gender":"Male","Locale":"en-US","StyleList":["newscast"]},
            {"ShortName":"de-DE-KatjaNeural","Gender":"Female","Locale":"de-DE"}]"#;
        let voices = parse(body).expect("parses");
        let names = |filter: VoiceFilter| -> Vec<&str> {
            voices
                .iter()
                .filter(|v| filter.matches(v))
                .map(|v| v.short_name.as_str())
                .collect()
        };
        let f = |locale: Option<&str>, gender: Option<&str>, style: Option<&str>| VoiceFilter {
            locale: locale.map(str::to_owned),
            gender: gender.map(str::to_owned),
            style: style.map(str::to_owned),
        };
        assert_eq!(names(f(None, None, None)).len(), 3);
        assert_eq!(names(f(Some("en"), Some("female"), None)), ["en-US-AriaNeural"]);
        assert_eq!(names(f(None, None, Some("Cheerful"))), ["en-US-AriaNeural"]);
        assert_eq!(names(f(Some("de-de"), None, None)), ["de-DE-KatjaNeural"]);
        assert!(names(f(Some("de-DE"), None, Some("cheerful"))).is_empty());
        assert_eq!(voices[0].style_list, ["cheerful", "sad"]);
    }

    #[test]
    fn a_non_array_body_is_an_error() {
        assert!(matches!(parse("<html>oops</html>"), Err(VoicesError::Body(_))));
        assert!(matches!(parse(r#"{"error":"x"}"#), Err(VoicesError::Body(_))));
    }
}
