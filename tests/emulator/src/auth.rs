//! Which credentials a request carries and whether the service would accept them.
//!
//! Rules (auth.md §1.1, §1.6; usp.md §2, §10; sdk-capture-detailed §10 item 2):
//!
//! | credential | regional forms | custom domain | loopback |
//! |---|---|---|---|
//! | `Ocp-Apim-Subscription-Key` (header, or query as the browser JS SDK sends it) | ok unless local auth is disabled | same | same |
//! | STS token (`Authorization: Bearer <jwt>`) | only if issued by a regional host of the resource, < 10 min old, local auth enabled | only if issued by the custom domain | only if issued on loopback |
//! | raw Entra token | **401** | ok (403 without role) | ok (403 without role) |
//! | `aad#{resourceId}#{entra token}` | ok if the resource id matches (403 without role) | same | same |
//! | nothing, wrong key, forged or expired token | 401 | 401 | 401 |
//!
//! A host naming another resource (other region, custom-domain name or cloud) refuses every
//! credential with 401. The `Bearer` scheme is matched case-insensitively (the native REST TTS
//! adapter sends `bearer`).

use http::HeaderMap;

use crate::config::{EmulatorConfig, HostForm, SPEECH_ROLE};
use crate::hosts::HostInfo;
use crate::keys::Keys;
use crate::tokens::{TokenError, TokenService, Verified, decode_payload};

/// Which kind of credential a request carried (never the credential itself).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AuthKind {
    /// No credential.
    None,
    /// A resource key.
    Key,
    /// A bearer token issued by this emulator's STS endpoint.
    StsToken,
    /// A raw Entra token issued by this emulator.
    EntraToken,
    /// `aad#{resourceId}#{entra token}`.
    AadResourceToken,
    /// A bearer value that is none of the above (forged, foreign, malformed).
    UnknownToken,
    /// Not an authenticated endpoint (identity endpoints), or not checked.
    NotApplicable,
}

impl AuthKind {
    /// A short name for logs.
    pub fn name(self) -> &'static str {
        match self {
            AuthKind::None => "none",
            AuthKind::Key => "key",
            AuthKind::StsToken => "sts-token",
            AuthKind::EntraToken => "entra-token",
            AuthKind::AadResourceToken => "aad#resource-id#token",
            AuthKind::UnknownToken => "unknown-token",
            AuthKind::NotApplicable => "-",
        }
    }
}

/// The service's answer to a bad key or a missing / wrong credential on a regional host.
pub(crate) const INVALID_KEY_MESSAGE: &str = "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource.";
/// API Management's answer when no credential is present.
pub(crate) const MISSING_KEY_MESSAGE: &str = "Access denied due to missing subscription key. Make sure to include subscription key when making requests to an API.";

fn entra_message(config: &EmulatorConfig) -> String {
    format!(
        "Unauthorized. Access token is missing, invalid, audience is incorrect ({}), or have expired.",
        config.cloud.audience()
    )
}

/// A JSON error body in the service's shape.
pub(crate) fn error_body(code: &str, message: &str) -> String {
    serde_json::json!({"error": {"code": code, "message": message}}).to_string()
}

/// A refused credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Denial {
    pub(crate) status: u16,
    pub(crate) body: String,
    /// Why, for the log (no secret).
    pub(crate) reason: String,
    /// The credential was a token of this emulator past its expiry.
    pub(crate) expired: bool,
}

/// The authenticated principal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Principal {
    pub(crate) kind: AuthKind,
}

/// The result of checking a request's credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct AuthOutcome {
    pub(crate) kind: AuthKind,
    /// The credential came from the query string (browser JS SDK style).
    pub(crate) from_query: bool,
    pub(crate) result: Result<Principal, Denial>,
}

/// The credential found in a request.
enum Presented {
    None,
    Key(String),
    Bearer(String),
}

/// Percent-decode a query component (`+` is a space).
pub(crate) fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                match hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Parse a query string into decoded pairs.
pub(crate) fn parse_query(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, v)) => (percent_decode(k), percent_decode(v)),
            None => (percent_decode(pair), String::new()),
        })
        .collect()
}

/// The first value of query parameter `name` (case-insensitive name).
pub(crate) fn query_value<'a>(query: &'a [(String, String)], name: &str) -> Option<&'a str> {
    query
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

fn presented(headers: &HeaderMap, query: &[(String, String)]) -> (Presented, bool) {
    if let Some(key) = header(headers, "ocp-apim-subscription-key") {
        return (Presented::Key(key.trim().to_owned()), false);
    }
    if let Some(auth) = header(headers, "authorization") {
        return (bearer(auth), false);
    }
    if let Some(key) = query_value(query, "Ocp-Apim-Subscription-Key") {
        return (Presented::Key(key.trim().to_owned()), true);
    }
    if let Some(auth) = query_value(query, "Authorization") {
        return (bearer(auth), true);
    }
    (Presented::None, false)
}

fn bearer(value: &str) -> Presented {
    let value = value.trim();
    match value.split_once(' ') {
        Some((scheme, token)) if scheme.eq_ignore_ascii_case("bearer") && !token.trim().is_empty() => {
            Presented::Bearer(token.trim().to_owned())
        }
        _ => Presented::Bearer(String::new()),
    }
}

/// Which service a request is for (the #2890 legacy rule needs it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Service {
    Stt,
    Tts,
    Sts,
}

/// The checker, with what it needs.
pub(crate) struct Checker<'a> {
    pub(crate) config: &'a EmulatorConfig,
    pub(crate) tokens: &'a TokenService,
    /// The keys in force (they can be regenerated while running).
    pub(crate) keys: &'a Keys,
    pub(crate) now_secs: u64,
}

impl Checker<'_> {
    fn key_ok(&self, key: &str) -> bool {
        self.keys.accepts(key)
    }

    fn deny(&self, status: u16, message: &str, reason: impl Into<String>) -> Result<Principal, Denial> {
        Err(Denial {
            status,
            body: error_body(&status.to_string(), message),
            reason: reason.into(),
            expired: false,
        })
    }

    fn entra(
        &self,
        token: &str,
        kind: AuthKind,
        host: &HostInfo,
        service: Service,
    ) -> (AuthKind, Result<Principal, Denial>) {
        match self.tokens.verify(token, self.now_secs) {
            Ok(Verified::Entra(claims)) => {
                if claims.aud.trim_end_matches('/') != self.config.cloud.audience() {
                    let r = self.deny(
                        401,
                        &entra_message(self.config),
                        format!("token audience {} is not {}", claims.aud, self.config.cloud.audience()),
                    );
                    return (kind, r);
                }
                if claims.tid != self.config.tenant_id {
                    return (
                        kind,
                        self.deny(401, &entra_message(self.config), "token from another tenant"),
                    );
                }
                if kind == AuthKind::EntraToken {
                    if host.form.is_regional() {
                        return (
                            kind,
                            self.deny(
                                401,
                                INVALID_KEY_MESSAGE,
                                "raw Entra token on a regional host (needs aad#{resourceId}#{token} or the custom domain)",
                            ),
                        );
                    }
                    if host.form == HostForm::CustomDomain
                        && service == Service::Tts
                        && self.config.reject_raw_entra_for_custom_domain_tts
                    {
                        return (
                            kind,
                            self.deny(
                                401,
                                &entra_message(self.config),
                                "raw Entra token on custom-domain TTS (legacy #2890 behaviour)",
                            ),
                        );
                    }
                }
                if !claims.roles.iter().any(|r| {
                    r == SPEECH_ROLE || r == "Cognitive Services User" || r == "Cognitive Services Speech Contributor"
                }) {
                    let message = format!(
                        "The principal `{}` lacks the required data action `Microsoft.CognitiveServices/accounts/SpeechServices/*` to perform this operation. Assign it the {SPEECH_ROLE} role on the resource.",
                        claims.oid
                    );
                    let r = Err(Denial {
                        status: 403,
                        body: error_body("PermissionDenied", &message),
                        reason: "identity holds no Speech role".to_owned(),
                        expired: false,
                    });
                    return (kind, r);
                }
                (kind, Ok(Principal { kind }))
            }
            Ok(Verified::Sts(_)) if kind == AuthKind::AadResourceToken => (
                kind,
                self.deny(
                    401,
                    &entra_message(self.config),
                    "aad# wraps an STS token, not an Entra token",
                ),
            ),
            Ok(Verified::Sts(_)) => (
                AuthKind::StsToken,
                Ok(Principal {
                    kind: AuthKind::StsToken,
                }),
            ),
            Err(TokenError::Expired) => {
                // The signature verified, so the payload is ours: say which kind expired.
                let sts = decode_payload(token).is_some_and(|c| c["xms_emu"] == "sts");
                let (kind, reason) = if sts && kind == AuthKind::EntraToken {
                    (AuthKind::StsToken, "STS token expired")
                } else {
                    (kind, "token expired")
                };
                let denial = self
                    .deny(401, &entra_message(self.config), reason)
                    .map_err(|d| Denial { expired: true, ..d });
                (kind, denial)
            }
            Err(e) => (
                AuthKind::UnknownToken,
                self.deny(401, &entra_message(self.config), format!("token rejected: {e:?}")),
            ),
        }
    }

    /// Check the credential of a request for `service` on `host`.
    pub(crate) fn check(
        &self,
        headers: &HeaderMap,
        query: &[(String, String)],
        host: &HostInfo,
        service: Service,
    ) -> AuthOutcome {
        let (presented, from_query) = presented(headers, query);
        let (kind, result) = match presented {
            Presented::None => (AuthKind::None, self.deny(401, MISSING_KEY_MESSAGE, "no credential")),
            Presented::Key(key) => {
                let r = if host.foreign {
                    self.deny(401, INVALID_KEY_MESSAGE, "host names another resource")
                } else if self.config.local_auth_disabled {
                    self.deny(401, INVALID_KEY_MESSAGE, "key auth is disabled (disableLocalAuth)")
                } else if !self.key_ok(&key) {
                    self.deny(401, INVALID_KEY_MESSAGE, "wrong key")
                } else {
                    Ok(Principal { kind: AuthKind::Key })
                };
                (AuthKind::Key, r)
            }
            Presented::Bearer(token) if token.is_empty() => (
                AuthKind::UnknownToken,
                self.deny(401, INVALID_KEY_MESSAGE, "Authorization is not `Bearer <token>`"),
            ),
            Presented::Bearer(token) => {
                if let Some(rest) = token.strip_prefix("aad#") {
                    match rest.rsplit_once('#') {
                        Some((resource_id, inner)) => {
                            if host.foreign {
                                (
                                    AuthKind::AadResourceToken,
                                    self.deny(401, INVALID_KEY_MESSAGE, "host names another resource"),
                                )
                            } else if !resource_id.eq_ignore_ascii_case(&self.config.resource_id) {
                                (
                                    AuthKind::AadResourceToken,
                                    self.deny(
                                        401,
                                        &entra_message(self.config),
                                        "aad# resource id is not this resource's",
                                    ),
                                )
                            } else {
                                self.entra(inner, AuthKind::AadResourceToken, host, service)
                            }
                        }
                        None => (
                            AuthKind::AadResourceToken,
                            self.deny(401, &entra_message(self.config), "aad# without resource id and token"),
                        ),
                    }
                } else {
                    let (kind, result) = self.entra(&token, AuthKind::EntraToken, host, service);
                    if kind == AuthKind::StsToken && result.is_ok() {
                        (kind, self.sts(&token, host))
                    } else if host.foreign {
                        (kind, self.deny(401, INVALID_KEY_MESSAGE, "host names another resource"))
                    } else {
                        (kind, result)
                    }
                }
            }
        };
        AuthOutcome {
            kind,
            from_query,
            result,
        }
    }

    fn sts(&self, token: &str, host: &HostInfo) -> Result<Principal, Denial> {
        let Ok(Verified::Sts(claims)) = self.tokens.verify(token, self.now_secs) else {
            return self.deny(401, INVALID_KEY_MESSAGE, "STS token rejected");
        };
        if host.foreign {
            return self.deny(401, INVALID_KEY_MESSAGE, "host names another resource");
        }
        if self.config.local_auth_disabled {
            return self.deny(
                401,
                INVALID_KEY_MESSAGE,
                "key-derived STS token while key auth is disabled",
            );
        }
        let here = host.sts_binding(self.config);
        if claims.xms_emu_host != here {
            return self.deny(
                401,
                INVALID_KEY_MESSAGE,
                format!("STS token issued for {} used on {here}", claims.xms_emu_host),
            );
        }
        Ok(Principal {
            kind: AuthKind::StsToken,
        })
    }
}

/// Replace secret query values (keys, tokens, client secrets and assertions, SAS signatures) by
/// `***`.
pub(crate) fn redact_query(query: Option<&str>) -> String {
    const SECRET: [&str; 6] = [
        "ocp-apim-subscription-key",
        "authorization",
        "client_secret",
        "client_assertion",
        "access_token",
        "sig",
    ];
    query
        .unwrap_or("")
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| match pair.split_once('=') {
            Some((k, _)) if SECRET.contains(&percent_decode(k).to_ascii_lowercase().as_str()) => {
                format!("{k}=***")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_decoding_and_redaction() {
        let q = parse_query(Some("Authorization=Bearer%20abc.def&X-ConnectionId=AB&x=%zz+y"));
        assert_eq!(query_value(&q, "authorization"), Some("Bearer abc.def"));
        assert_eq!(query_value(&q, "x"), Some("%zz y"));
        assert_eq!(
            redact_query(Some(
                "language=en-US&Ocp-Apim-Subscription-Key=secret&Authorization=Bearer%20t&se=x&sig=s"
            )),
            "language=en-US&Ocp-Apim-Subscription-Key=***&Authorization=***&se=x&sig=***"
        );
    }
}
