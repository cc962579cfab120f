//! The STS exchange: a resource key traded at `issueToken` for a 10-minute token, so the key
//! itself only travels to the token endpoint.

use super::CredentialError;
use super::token_cache::CachedToken;
use crate::secret::Secret;
use crate::transport::proxy_router::ProxyRouter;

/// POST the key to `url` with `http` (whose requests `proxy` routes); the token is kept for at
/// most `max_age_ms` from `now_ms`.
pub async fn exchange(
    http: &reqwest::Client,
    proxy: Option<&ProxyRouter>,
    url: String,
    key: &Secret,
    now_ms: u64,
    max_age_ms: u64,
) -> Result<CachedToken, CredentialError> {
    let sts_error = |status: Option<u16>, message: String| CredentialError::Sts {
        url: url.clone(),
        status,
        message,
    };
    let key_header = super::AuthHeader::subscription_key(key);
    let key_value = key_header
        .header_value()
        .map_err(|error| sts_error(None, error.to_string()))?;
    let sent = http
        .post(&url)
        .header(key_header.name, key_value)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("content-length", "0")
        .send()
        .await;
    let response = match (sent, proxy) {
        (Ok(response), _) => response,
        (Err(error), Some(proxy)) if error.is_connect() => {
            return Err(match proxy.explain_connect_failure(&url).await {
                Some(explained) => {
                    let detail = explained.detail();
                    sts_error(None, format!("{} (fix: {})", detail.message, detail.hint))
                }
                None => sts_error(None, error.without_url().to_string()),
            });
        }
        (Err(error), _) => return Err(sts_error(None, error.without_url().to_string())),
    };
    let status = response.status();
    let body = response
        .text()
        .await
        .map_err(|error| sts_error(Some(status.as_u16()), error.without_url().to_string()))?;
    if !status.is_success() {
        let excerpt: String = body.chars().take(200).collect();
        return Err(sts_error(Some(status.as_u16()), format!("HTTP {status}: {excerpt}")));
    }
    let token = body.trim();
    if token.is_empty() {
        return Err(sts_error(
            Some(status.as_u16()),
            "the service returned an empty token".into(),
        ));
    }
    Ok(CachedToken {
        token: Secret::new(token),
        expires_at_ms: now_ms.saturating_add(max_age_ms),
    })
}
