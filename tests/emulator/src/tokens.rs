//! Tokens the emulator issues and later accepts: JWT-shaped (`header.payload.signature`,
//! base64url), signed with HMAC-SHA256 under a secret drawn fresh for every emulator, so a token
//! from another emulator, an edited payload or a made-up string is rejected.
//!
//! Two kinds share the format and differ by the `xms_emu` claim:
//! - **Entra** (`"entra"`): issued by the managed-identity and Entra token endpoints, with `aud`,
//!   `iss`, `iat`/`nbf`/`exp`, `oid`, `tid`, `appid`, `idtyp` and `roles`. Real Entra tokens do
//!   not carry Azure RBAC role assignments (the service looks them up by `oid`); the emulator puts
//!   the Speech role in `roles` instead so that "identity without role" needs no extra state.
//! - **STS** (`"sts"`): issued by `issueToken`, valid 10 minutes (configurable), with the claims a real STS
//!   token has (`region`, `subscription-id`, `product-id`, `azure-resource-id`, `scope`, `aud`,
//!   `iss`) plus `xms_emu_host`, the host form that issued it (a token is valid only there).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};
use serde::{Deserialize, Serialize};

/// `n` random bytes as lowercase hex.
pub(crate) fn random_hex(n: usize) -> String {
    let mut bytes = vec![0u8; n];
    // SystemRandom only fails if the OS has no randomness at all; fall back to the clock then.
    if SystemRandom::new().fill(&mut bytes).is_err() {
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        for (i, b) in bytes.iter_mut().enumerate() {
            *b = (seed >> ((i % 16) * 8)) as u8 ^ (i as u8).wrapping_mul(151);
        }
    }
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Default lifetime of STS tokens, in seconds (the service's 10 minutes, usp.md §8); see
/// [`EmulatorConfig::sts_token_lifetime`](crate::EmulatorConfig::sts_token_lifetime).
pub const STS_LIFETIME_SECS: u64 = 600;

/// Claims of an Entra (or managed-identity) token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EntraClaims {
    /// Audience (`https://cognitiveservices.azure.com`).
    pub aud: String,
    /// Issuer (`https://sts.windows.net/{tenant}/`).
    pub iss: String,
    /// Issued at, unix seconds.
    pub iat: u64,
    /// Not before, unix seconds.
    pub nbf: u64,
    /// Expires, unix seconds.
    pub exp: u64,
    /// Object id of the principal.
    pub oid: String,
    /// Tenant.
    pub tid: String,
    /// Client id.
    pub appid: String,
    /// `app` for apps and managed identities.
    pub idtyp: String,
    /// Azure RBAC roles the principal holds on the resource (emulator-specific, see module docs).
    #[serde(default)]
    pub roles: Vec<String>,
    /// Always `entra`.
    pub xms_emu: String,
}

/// Claims of an STS token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StsClaims {
    pub(crate) region: String,
    #[serde(rename = "subscription-id")]
    pub(crate) subscription_id: String,
    #[serde(rename = "product-id")]
    pub(crate) product_id: String,
    #[serde(rename = "cognitive-services-endpoint")]
    pub(crate) endpoint: String,
    #[serde(rename = "azure-resource-id")]
    pub(crate) resource_id: String,
    pub(crate) scope: String,
    pub(crate) aud: String,
    pub(crate) exp: u64,
    pub(crate) iss: String,
    pub(crate) xms_emu: String,
    /// The host form binding (`regional:westeurope:public`, `custom:contoso:public`, `loopback`).
    pub(crate) xms_emu_host: String,
}

/// A verified token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Verified {
    Entra(EntraClaims),
    Sts(StsClaims),
}

/// Why a token was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenError {
    /// Not three base64url parts of JSON.
    Malformed,
    /// The signature does not verify (forged, edited, or from another emulator).
    BadSignature,
    /// Past `exp`.
    Expired,
    /// Before `nbf`.
    NotYetValid,
}

/// Mints and verifies tokens with this emulator's secret.
pub(crate) struct TokenService {
    key: hmac::Key,
}

impl std::fmt::Debug for TokenService {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TokenService { key: <redacted> }")
    }
}

const HEADER: &str = r#"{"alg":"HS256","typ":"JWT","kid":"azspeech-emulator"}"#;

impl TokenService {
    pub(crate) fn new() -> Self {
        let secret = random_hex(32);
        TokenService {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()),
        }
    }

    fn sign<T: Serialize>(&self, claims: &T) -> String {
        let payload = serde_json::to_vec(claims).unwrap_or_default();
        let mut token = URL_SAFE_NO_PAD.encode(HEADER);
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(payload));
        let tag = hmac::sign(&self.key, token.as_bytes());
        token.push('.');
        token.push_str(&URL_SAFE_NO_PAD.encode(tag.as_ref()));
        token
    }

    pub(crate) fn mint_entra(&self, claims: &EntraClaims) -> String {
        self.sign(claims)
    }

    pub(crate) fn mint_sts(&self, claims: &StsClaims) -> String {
        self.sign(claims)
    }

    /// Verify signature and validity at `now_secs`.
    pub(crate) fn verify(&self, token: &str, now_secs: u64) -> Result<Verified, TokenError> {
        let mut parts = token.split('.');
        let (Some(header), Some(payload), Some(signature), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(TokenError::Malformed);
        };
        let signature = URL_SAFE_NO_PAD.decode(signature).map_err(|_| TokenError::Malformed)?;
        let signed = &token[..header.len() + 1 + payload.len()];
        hmac::verify(&self.key, signed.as_bytes(), &signature).map_err(|_| TokenError::BadSignature)?;
        let payload = URL_SAFE_NO_PAD.decode(payload).map_err(|_| TokenError::Malformed)?;
        let value: serde_json::Value = serde_json::from_slice(&payload).map_err(|_| TokenError::Malformed)?;
        let verified = match value.get("xms_emu").and_then(|v| v.as_str()) {
            Some("entra") => Verified::Entra(serde_json::from_value(value).map_err(|_| TokenError::Malformed)?),
            Some("sts") => Verified::Sts(serde_json::from_value(value).map_err(|_| TokenError::Malformed)?),
            _ => return Err(TokenError::Malformed),
        };
        let (nbf, exp) = match &verified {
            Verified::Entra(c) => (c.nbf, c.exp),
            Verified::Sts(c) => (0, c.exp),
        };
        if now_secs >= exp {
            return Err(TokenError::Expired);
        }
        if now_secs + 300 < nbf {
            return Err(TokenError::NotYetValid);
        }
        Ok(verified)
    }
}

/// Decode the payload of a JWT-shaped token without verifying it (for tests and logs).
pub fn decode_payload(token: &str) -> Option<serde_json::Value> {
    let payload = token.split('.').nth(1)?;
    let bytes = URL_SAFE_NO_PAD.decode(payload).ok()?;
    serde_json::from_slice(&bytes).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(exp: u64) -> EntraClaims {
        EntraClaims {
            aud: "https://cognitiveservices.azure.com".into(),
            iss: "iss".into(),
            iat: 100,
            nbf: 100,
            exp,
            oid: "oid".into(),
            tid: "tid".into(),
            appid: "app".into(),
            idtyp: "app".into(),
            roles: vec![],
            xms_emu: "entra".into(),
        }
    }

    #[test]
    fn round_trip_and_rejections() {
        let service = TokenService::new();
        let token = service.mint_entra(&claims(1000));
        assert!(matches!(service.verify(&token, 500), Ok(Verified::Entra(_))));
        assert_eq!(service.verify(&token, 1000), Err(TokenError::Expired));
        let other = TokenService::new();
        assert_eq!(other.verify(&token, 500), Err(TokenError::BadSignature));
        // An edited payload (a longer exp) no longer verifies.
        let forged = {
            let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
            parts[1] = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&claims(99_999)).expect("json"));
            parts.join(".")
        };
        assert_eq!(service.verify(&forged, 500), Err(TokenError::BadSignature));
        assert_eq!(service.verify("abc", 500), Err(TokenError::Malformed));
        assert_eq!(decode_payload(&token).and_then(|v| v["exp"].as_u64()), Some(1000));
    }
}
