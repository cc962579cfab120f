//! Token endpoints: shapes the Rust and Python azure-identity clients accept (auth.md §2.5,
//! §2.7), tokens the Speech endpoints then accept, and validity on an injectable clock.

mod common;
use std::sync::Arc;
use std::time::Duration;

use common::*;

const RESOURCE: &str = "https%3A%2F%2Fcognitiveservices.azure.com";
const STT: &str = "/stt/speech/universal/v2";
const CUSTOM: &str = "contoso-speech.cognitiveservices.azure.com";

async fn upgrade_with(emulator: &RunningEmulator, host: &str, path: &str, authorization: &str) -> u16 {
    let id = new_id();
    match upgrade(
        &Target::host(emulator, host),
        path,
        &[("Authorization", authorization), ("X-ConnectionId", &id)],
    )
    .await
    {
        Ok(_) => 101,
        Err(r) => r.status,
    }
}

#[tokio::test]
async fn app_service_managed_identity() {
    let emulator = start(config()).await;
    let target = Target::loopback(&emulator);
    let header = emulator.config().identity_header.clone();
    let path = format!("/msi/token?api-version=2019-08-01&resource={RESOURCE}");
    let r = http(
        &target,
        "GET",
        &path,
        &[("x-identity-header", &header), ("metadata", "true")],
        b"",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    let body = r.json();
    assert!(body["expires_on"].is_string(), "expires_on must be a string: {body}");
    assert!(body["expires_in"].is_string());
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["resource"], "https://cognitiveservices.azure.com");
    let token = body["access_token"].as_str().expect("token");
    let claims = decode_payload(token).expect("JWT-shaped");
    assert_eq!(claims["aud"], "https://cognitiveservices.azure.com");
    assert_eq!(
        claims["exp"].as_u64().map(|e| e.to_string()).as_deref(),
        body["expires_on"].as_str()
    );
    assert_eq!(
        upgrade_with(&emulator, CUSTOM, STT, &format!("Bearer {token}")).await,
        101
    );

    // Wrong secret header, unknown user-assigned identity, a known one.
    let wrong = http(&target, "GET", &path, &[("x-identity-header", "nope")], b"").await;
    assert_eq!(wrong.status, 401);
    let unknown = http(
        &target,
        "GET",
        &format!("{path}&client_id=99999999-0000-0000-0000-000000000000"),
        &[("x-identity-header", &header)],
        b"",
    )
    .await;
    assert_eq!(unknown.status, 400);
    assert!(unknown.text().contains("No User Assigned"));
    let user = http(
        &target,
        "GET",
        &format!("{path}&client_id={DEFAULT_USER_ASSIGNED_CLIENT_ID}"),
        &[("x-identity-header", &header)],
        b"",
    )
    .await;
    assert_eq!(user.status, 200);
    assert_eq!(user.json()["client_id"], DEFAULT_USER_ASSIGNED_CLIENT_ID);
    let no_version = http(
        &target,
        "GET",
        &format!("/msi/token?resource={RESOURCE}"),
        &[("x-identity-header", &header)],
        b"",
    )
    .await;
    assert_eq!(no_version.status, 400);
}

#[tokio::test]
async fn imds_managed_identity_for_python() {
    let emulator = start(config()).await;
    let path = format!("/metadata/identity/oauth2/token?api-version=2018-02-01&resource={RESOURCE}");
    let target = Target::loopback(&emulator);
    let missing = http(&target, "GET", &path, &[], b"").await;
    assert_eq!(missing.status, 400);
    let r = http(&target, "GET", &path, &[("Metadata", "true")], b"").await;
    assert_eq!(r.status, 200);
    let body = r.json();
    for field in [
        "access_token",
        "expires_in",
        "expires_on",
        "ext_expires_in",
        "not_before",
        "resource",
        "token_type",
    ] {
        assert!(body[field].is_string(), "{field}: {body}");
    }
}

fn form(pairs: &[(&str, &str)]) -> Vec<u8> {
    let enc = |s: &str| {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => (b as char).to_string(),
                _ => format!("%{b:02X}"),
            })
            .collect::<String>()
    };
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
        .collect::<Vec<_>>()
        .join("&")
        .into_bytes()
}

#[tokio::test]
async fn entra_client_credentials_over_tls() {
    let emulator = start(config().tls(true)).await;
    let target = Target::loopback(&emulator).with_tls(&emulator);
    let vars: std::collections::HashMap<String, String> = emulator.service_principal_env_vars().into_iter().collect();
    let tenant = &vars["AZURE_TENANT_ID"];
    let client = &vars["AZURE_CLIENT_ID"];
    let secret = &vars["AZURE_CLIENT_SECRET"];
    assert!(vars["AZURE_AUTHORITY_HOST"].starts_with("https://127.0.0.1:"));
    let path = format!("/{tenant}/oauth2/v2.0/token");
    let ct = [("content-type", "application/x-www-form-urlencoded")];
    let scope = "https://cognitiveservices.azure.com/.default";
    let ok = http(
        &target,
        "POST",
        &path,
        &ct,
        &form(&[
            ("client_id", client),
            ("client_secret", secret),
            ("grant_type", "client_credentials"),
            ("scope", scope),
        ]),
    )
    .await;
    assert_eq!(ok.status, 200, "{}", ok.text());
    let body = ok.json();
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3599);
    assert_eq!(body["ext_expires_in"], 3599);
    let token = body["access_token"].as_str().expect("token").to_owned();
    assert_eq!(
        upgrade_with(&emulator, CUSTOM, STT, &format!("Bearer {token}")).await,
        101
    );
    assert_eq!(
        upgrade_with(
            &emulator,
            "westeurope.stt.speech.microsoft.com",
            STT,
            &format!("Bearer {token}")
        )
        .await,
        401
    );

    let wrong = http(
        &target,
        "POST",
        &path,
        &ct,
        &form(&[
            ("client_id", client),
            ("client_secret", "nope"),
            ("grant_type", "client_credentials"),
            ("scope", scope),
        ]),
    )
    .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json()["error"], "invalid_client");
    assert_eq!(wrong.json()["error_codes"][0], 7000215);

    let assertion = http(
        &target,
        "POST",
        &path,
        &ct,
        &form(&[
            (
                "client_assertion",
                "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJzeXN0ZW06c2EifQ.c2ln",
            ),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_id", client),
            ("grant_type", "client_credentials"),
            ("scope", scope),
        ]),
    )
    .await;
    assert_eq!(assertion.status, 200, "workload identity: {}", assertion.text());

    let bad_scope = http(
        &target,
        "POST",
        &path,
        &ct,
        &form(&[
            ("client_id", client),
            ("client_secret", secret),
            ("grant_type", "client_credentials"),
            ("scope", "https://cognitiveservices.azure.com"),
        ]),
    )
    .await;
    assert_eq!(bad_scope.json()["error"], "invalid_scope");
    let other_tenant = http(&target, "POST", "/common-or-not/oauth2/v2.0/token", &ct, b"").await;
    assert_eq!(other_tenant.status, 400);
    assert_eq!(other_tenant.json()["error_codes"][0], 90002);

    let discovery = http(
        &target,
        "GET",
        &format!("/{tenant}/v2.0/.well-known/openid-configuration"),
        &[],
        b"",
    )
    .await;
    assert_eq!(discovery.status, 200);
    let endpoint = discovery.json()["token_endpoint"]
        .as_str()
        .expect("endpoint")
        .to_owned();
    assert!(
        endpoint.starts_with("https://") && endpoint.ends_with(&path),
        "{endpoint}"
    );
    assert!(discovery.json()["authorization_endpoint"].is_string());
}

#[tokio::test]
async fn identity_without_role_gets_403_on_use() {
    let emulator = start(config().role_assigned(false)).await;
    let header = emulator.config().identity_header.clone();
    let r = http(
        &Target::loopback(&emulator),
        "GET",
        &format!("/msi/token?api-version=2019-08-01&resource={RESOURCE}"),
        &[("x-identity-header", &header)],
        b"",
    )
    .await;
    let token = r.json()["access_token"].as_str().expect("token").to_owned();
    assert_eq!(
        upgrade_with(&emulator, CUSTOM, STT, &format!("Bearer {token}")).await,
        403
    );
}

#[tokio::test]
async fn sts_tokens_last_ten_minutes_on_the_issuing_host_only() {
    let clock = Arc::new(ManualClock::starting_now());
    let emulator = start(config().clock(clock.clone())).await;
    let api = Target::host(&emulator, "westeurope.api.cognitive.microsoft.com");
    let r = http(
        &api,
        "POST",
        "/sts/v1.0/issueToken",
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Content-Length", "0"),
        ],
        b"",
    )
    .await;
    assert_eq!(r.status, 200);
    assert!(
        r.headers["content-type"]
            .to_str()
            .expect("ct")
            .starts_with("text/plain")
    );
    let token = r.text();
    assert_eq!(token.split('.').count(), 3);
    let claims = decode_payload(&token).expect("claims");
    assert_eq!(claims["region"], "westeurope");
    let bearer = format!("Bearer {token}");
    let regional = "westeurope.stt.speech.microsoft.com";
    let path = "/speech/recognition/conversation/cognitiveservices/v1";
    assert_eq!(upgrade_with(&emulator, regional, path, &bearer).await, 101);
    assert_eq!(
        upgrade_with(
            &emulator,
            "westeurope.tts.speech.microsoft.com",
            "/cognitiveservices/websocket/v1",
            &bearer
        )
        .await,
        101
    );
    assert_eq!(
        upgrade_with(&emulator, CUSTOM, STT, &bearer).await,
        401,
        "not valid on the custom domain"
    );
    clock.advance_secs(9 * 60 + 59);
    assert_eq!(
        upgrade_with(&emulator, regional, path, &bearer).await,
        101,
        "still valid at 9:59"
    );
    clock.advance_secs(1);
    assert_eq!(
        upgrade_with(&emulator, regional, path, &bearer).await,
        401,
        "expired at 10:00"
    );

    // issueToken needs a key, and is not served on the speech hosts.
    let no_key = http(&api, "POST", "/sts/v1.0/issueToken", &[("Content-Length", "0")], b"").await;
    assert_eq!(no_key.status, 401);
    let on_stt = http(
        &Target::host(&emulator, regional),
        "POST",
        "/sts/v1.0/issueToken",
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("Content-Length", "0"),
        ],
        b"",
    )
    .await;
    assert_eq!(on_stt.status, 404);
}

#[tokio::test]
async fn entra_token_lifetime_follows_the_clock() {
    let clock = Arc::new(ManualClock::starting_now());
    let emulator = start(config().clock(clock.clone()).token_lifetime(Duration::from_secs(300))).await;
    let header = emulator.config().identity_header.clone();
    let r = http(
        &Target::loopback(&emulator),
        "GET",
        &format!("/msi/token?api-version=2019-08-01&resource={RESOURCE}"),
        &[("x-identity-header", &header)],
        b"",
    )
    .await;
    assert_eq!(r.json()["expires_in"], "300");
    let bearer = format!("Bearer {}", r.json()["access_token"].as_str().expect("token"));
    assert_eq!(upgrade_with(&emulator, CUSTOM, STT, &bearer).await, 101);
    clock.advance_secs(300);
    assert_eq!(upgrade_with(&emulator, CUSTOM, STT, &bearer).await, 401);
}

#[tokio::test]
async fn environment_for_clients() {
    let emulator = start(config()).await;
    let vars: std::collections::HashMap<String, String> = emulator.env_vars().into_iter().collect();
    assert_eq!(vars["SPEECH_ENDPOINT"], emulator.http_url());
    assert_eq!(vars["SPEECH_KEY"], emulator.primary_key());
    assert_eq!(vars["SPEECH_REGION"], "westeurope");
    assert_eq!(vars["SPEECH_RESOURCE_ID"], DEFAULT_RESOURCE_ID);
    let mi: std::collections::HashMap<String, String> = emulator.managed_identity_env_vars(true).into_iter().collect();
    assert_eq!(mi["IDENTITY_ENDPOINT"], format!("{}/msi/token", emulator.http_url()));
    assert_eq!(mi["IDENTITY_HEADER"], emulator.config().identity_header);
    assert_eq!(mi["AZURE_CLIENT_ID"], DEFAULT_USER_ASSIGNED_CLIENT_ID);
    let urls = emulator.token_endpoint_urls();
    assert_eq!(urls.sts, format!("{}/sts/v1.0/issueToken", emulator.http_url()));
}
