//! Auth acceptance rules: host form × credential → HTTP status on the WebSocket upgrade (and on
//! REST), as the service answers (auth.md §1.1, §1.6; usp.md §10).

mod common;
use common::*;

const STT_REGIONAL: &str = "/speech/recognition/conversation/cognitiveservices/v1?language=en-US";
const STT_CUSTOM: &str = "/stt/speech/universal/v2";

#[derive(Clone, Copy, Debug)]
enum Cred {
    None,
    Key1,
    Key2,
    WrongKey,
    KeyInQuery,
    StsRegional,
    StsCustom,
    StsLoopback,
    RawEntra,
    RawEntraNoRole,
    Aad,
    AadWrongResource,
    AadNoRole,
    ForgedToken,
    ExpiredEntra,
    WrongAudience,
}

fn credential(emulator: &RunningEmulator, cred: Cred) -> (Vec<(String, String)>, String) {
    let bearer = |t: String| (vec![("Authorization".to_owned(), format!("Bearer {t}"))], String::new());
    let rid = emulator.config().resource_id.clone();
    match cred {
        Cred::None => (vec![], String::new()),
        Cred::Key1 => (
            vec![("Ocp-Apim-Subscription-Key".into(), emulator.primary_key().into())],
            String::new(),
        ),
        Cred::Key2 => (
            vec![("Ocp-Apim-Subscription-Key".into(), emulator.secondary_key().into())],
            String::new(),
        ),
        Cred::WrongKey => (
            vec![(
                "Ocp-Apim-Subscription-Key".into(),
                "0123456789abcdef0123456789abcdef".into(),
            )],
            String::new(),
        ),
        Cred::KeyInQuery => (vec![], format!("Ocp-Apim-Subscription-Key={}", emulator.primary_key())),
        Cred::StsRegional => bearer(emulator.mint_sts_token(HostForm::RegionalApi)),
        Cred::StsCustom => bearer(emulator.mint_sts_token(HostForm::CustomDomain)),
        Cred::StsLoopback => bearer(emulator.mint_sts_token(HostForm::Loopback)),
        Cred::RawEntra => bearer(emulator.mint_entra_token(MintOptions::default())),
        Cred::RawEntraNoRole => bearer(emulator.mint_entra_token(MintOptions {
            has_role: false,
            ..MintOptions::default()
        })),
        Cred::Aad => bearer(format!(
            "aad#{rid}#{}",
            emulator.mint_entra_token(MintOptions::default())
        )),
        Cred::AadWrongResource => bearer(format!(
            "aad#/subscriptions/1/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/other#{}",
            emulator.mint_entra_token(MintOptions::default())
        )),
        Cred::AadNoRole => bearer(format!(
            "aad#{rid}#{}",
            emulator.mint_entra_token(MintOptions {
                has_role: false,
                ..MintOptions::default()
            })
        )),
        Cred::ForgedToken => {
            // A token with a valid shape from another emulator's secret.
            bearer("eyJhbGciOiJIUzI1NiJ9.eyJ4bXNfZW11IjoiZW50cmEifQ.c2lnbmF0dXJl".to_owned())
        }
        Cred::ExpiredEntra => bearer(emulator.mint_entra_token(MintOptions {
            lifetime: Some(std::time::Duration::from_secs(0)),
            ..MintOptions::default()
        })),
        Cred::WrongAudience => bearer(emulator.mint_entra_token(MintOptions {
            audience: Some("https://storage.azure.com".to_owned()),
            ..MintOptions::default()
        })),
    }
}

async fn upgrade_status(emulator: &RunningEmulator, host: &str, path: &str, cred: Cred) -> (u16, String) {
    let (headers, query) = credential(emulator, cred);
    let id = new_id();
    let mut all: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    all.push(("X-ConnectionId", &id));
    let path = if query.is_empty() {
        path.to_owned()
    } else if path.contains('?') {
        format!("{path}&{query}")
    } else {
        format!("{path}?{query}")
    };
    match upgrade(&Target::host(emulator, host), &path, &all).await {
        Ok(mut ws) => {
            let _ = ws.stream.close(None).await;
            (101, String::new())
        }
        Err(refused) => (refused.status, refused.body),
    }
}

#[tokio::test]
async fn host_form_by_credential_table() {
    let emulator = start(config()).await;
    let regional = "westeurope.stt.speech.microsoft.com";
    let custom = "contoso-speech.cognitiveservices.azure.com";
    let loopback = "127.0.0.1";
    let other_region = "eastus.stt.speech.microsoft.com";
    let sovereign = "westeurope.stt.speech.azure.us";
    use Cred::*;
    #[rustfmt::skip]
    let table: &[(&str, &str, Cred, u16)] = &[
        (regional, STT_REGIONAL, None, 401),
        (regional, STT_REGIONAL, Key1, 101),
        (regional, STT_REGIONAL, Key2, 101),
        (regional, STT_REGIONAL, WrongKey, 401),
        (regional, STT_REGIONAL, KeyInQuery, 101),
        (regional, STT_REGIONAL, StsRegional, 101),
        (regional, STT_REGIONAL, StsCustom, 401),
        (regional, STT_REGIONAL, StsLoopback, 401),
        (regional, STT_REGIONAL, RawEntra, 401),
        (regional, STT_REGIONAL, Aad, 101),
        (regional, STT_REGIONAL, AadWrongResource, 401),
        (regional, STT_REGIONAL, AadNoRole, 403),
        (regional, STT_REGIONAL, ForgedToken, 401),
        (regional, "/stt/speech/universal/v2", Key1, 101),
        (custom, STT_CUSTOM, None, 401),
        (custom, STT_CUSTOM, Key1, 101),
        (custom, STT_CUSTOM, WrongKey, 401),
        (custom, STT_CUSTOM, StsRegional, 401),
        (custom, STT_CUSTOM, StsCustom, 101),
        (custom, STT_CUSTOM, RawEntra, 101),
        (custom, STT_CUSTOM, RawEntraNoRole, 403),
        (custom, STT_CUSTOM, Aad, 101),
        (custom, STT_CUSTOM, AadNoRole, 403),
        (custom, STT_CUSTOM, ExpiredEntra, 401),
        (custom, STT_CUSTOM, WrongAudience, 401),
        (custom, STT_CUSTOM, ForgedToken, 401),
        (loopback, STT_REGIONAL, Key1, 101),
        (loopback, STT_REGIONAL, None, 401),
        (loopback, STT_REGIONAL, RawEntra, 101),
        (loopback, STT_REGIONAL, StsLoopback, 101),
        (loopback, STT_REGIONAL, StsRegional, 401),
        (loopback, STT_REGIONAL, Aad, 101),
        (other_region, STT_REGIONAL, Key1, 401),
        (other_region, STT_REGIONAL, Aad, 401),
        (sovereign, STT_REGIONAL, Key1, 401),
        // Paths by form: custom domains need the /stt/ prefix, regional hosts do not serve it
        // for v1, TTS hosts do not serve STT.
        (custom, STT_REGIONAL, Key1, 404),
        (regional, "/stt/speech/recognition/conversation/cognitiveservices/v1", Key1, 404),
        ("westeurope.tts.speech.microsoft.com", STT_REGIONAL, Key1, 404),
        ("westeurope.tts.speech.microsoft.com", "/cognitiveservices/websocket/v1", Key1, 101),
        ("westeurope.tts.speech.microsoft.com", "/tts/cognitiveservices/websocket/v1", RawEntra, 401),
        ("westeurope.tts.speech.microsoft.com", "/tts/cognitiveservices/websocket/v1", Aad, 101),
        (custom, "/tts/cognitiveservices/websocket/v1", RawEntra, 101),
        (custom, "/cognitiveservices/websocket/v1", Key1, 404),
    ];
    let mut failures = Vec::new();
    for &(host, path, cred, expected) in table {
        let (status, body) = upgrade_status(&emulator, host, path, cred).await;
        if status != expected {
            failures.push(format!(
                "{host}{path} with {cred:?}: expected {expected}, got {status} {body}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[tokio::test]
async fn refusals_carry_the_service_messages() {
    let emulator = start(config()).await;
    let (status, body) = upgrade_status(&emulator, "127.0.0.1", STT_REGIONAL, Cred::WrongKey).await;
    assert_eq!(status, 401);
    let json: serde_json::Value = serde_json::from_str(&body).expect("json");
    assert_eq!(json["error"]["code"], "401");
    assert_eq!(
        json["error"]["message"],
        "Access denied due to invalid subscription key or wrong API endpoint. Make sure to provide a valid key for an active subscription and use a correct regional API endpoint for your resource."
    );
    let (_, body) = upgrade_status(&emulator, "127.0.0.1", STT_REGIONAL, Cred::None).await;
    assert!(body.contains("missing subscription key"), "{body}");
    let (status, body) = upgrade_status(&emulator, "127.0.0.1", STT_REGIONAL, Cred::ExpiredEntra).await;
    assert_eq!(status, 401);
    assert!(body.contains("expired"), "{body}");
    let (status, body) = upgrade_status(&emulator, "127.0.0.1", STT_REGIONAL, Cred::RawEntraNoRole).await;
    assert_eq!(status, 403);
    assert!(body.contains("lacks the required data action"), "{body}");
}

#[tokio::test]
async fn disabled_local_auth_rejects_keys_and_key_derived_tokens() {
    let emulator = start(config().local_auth_disabled(true)).await;
    let custom = "contoso-speech.cognitiveservices.azure.com";
    for (cred, expected) in [
        (Cred::Key1, 401),
        (Cred::KeyInQuery, 401),
        (Cred::StsCustom, 401),
        (Cred::RawEntra, 101),
        (Cred::Aad, 101),
    ] {
        let (status, body) = upgrade_status(&emulator, custom, STT_CUSTOM, cred).await;
        assert_eq!(status, expected, "{cred:?}: {body}");
    }
    let sts = http(
        &Target::host(&emulator, custom),
        "POST",
        "/sts/v1.0/issueToken",
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("Content-Length", "0"),
        ],
        b"",
    )
    .await;
    assert_eq!(sts.status, 401);
}

#[tokio::test]
async fn legacy_custom_domain_tts_rejects_raw_entra_when_asked() {
    let emulator = start(config().reject_raw_entra_for_custom_domain_tts(true)).await;
    let custom = "contoso-speech.cognitiveservices.azure.com";
    let (status, _) = upgrade_status(&emulator, custom, "/tts/cognitiveservices/websocket/v1", Cred::RawEntra).await;
    assert_eq!(status, 401);
    let (status, _) = upgrade_status(&emulator, custom, "/tts/cognitiveservices/websocket/v1", Cred::Aad).await;
    assert_eq!(status, 101);
    let (status, _) = upgrade_status(&emulator, custom, STT_CUSTOM, Cred::RawEntra).await;
    assert_eq!(status, 101);
}

#[tokio::test]
async fn connection_id_is_required_and_may_come_in_the_query() {
    let emulator = start(config()).await;
    let target = Target::loopback(&emulator);
    let key = emulator.primary_key();
    let missing = upgrade(&target, STT_REGIONAL, &[("Ocp-Apim-Subscription-Key", key)]).await;
    assert_eq!(missing.err().map(|r| r.status), Some(400));
    let dashed = upgrade(
        &target,
        STT_REGIONAL,
        &[
            ("Ocp-Apim-Subscription-Key", key),
            ("X-ConnectionId", "1f1abfba-15da-4f9c-9772-ae6d954839f1"),
        ],
    )
    .await;
    assert_eq!(dashed.err().map(|r| r.status), Some(400));
    // The browser JS SDK: key and ids only in the query, no subprotocol.
    let id = "812FE6F882394F70811063B0261A6A71";
    let path =
        format!("{STT_REGIONAL}&format=simple&Ocp-Apim-Subscription-Key={key}&X-ConnectionId={id}&connectionId={id}");
    let ws = upgrade(&target, &path, &[]).await.expect("accepted");
    assert_eq!(ws.protocol, Option::None);
    let log = emulator.request_log();
    let last = log.last().expect("logged");
    assert_eq!(last.status, 101);
    assert!(last.auth_in_query);
    assert_eq!(last.auth, AuthKind::Key);
    assert_eq!(last.connection_id.as_deref(), Some(id));
}

#[tokio::test]
async fn the_request_log_never_holds_a_secret() {
    let emulator = start(config()).await;
    let token = emulator.mint_entra_token(MintOptions::default());
    let _ = upgrade_status(&emulator, "127.0.0.1", STT_REGIONAL, Cred::KeyInQuery).await;
    let _ = upgrade_status(&emulator, "127.0.0.1", STT_REGIONAL, Cred::Key1).await;
    let _ = upgrade(
        &Target::loopback(&emulator),
        STT_REGIONAL,
        &[
            ("Authorization", &format!("Bearer {token}")),
            ("X-ConnectionId", &new_id()),
        ],
    )
    .await;
    let log = emulator.request_log();
    assert_eq!(log.len(), 3);
    let dump = format!("{log:?}");
    assert!(!dump.contains(emulator.primary_key()), "{dump}");
    assert!(!dump.contains(&token[..20]), "{dump}");
    assert!(
        log[0].query.contains("Ocp-Apim-Subscription-Key=***"),
        "{}",
        log[0].query
    );
    assert_eq!(log[2].auth, AuthKind::EntraToken);
    assert!(log.iter().all(|r| r.form == HostForm::Loopback && r.status == 101));
}

#[tokio::test]
async fn rest_endpoints_follow_the_same_rules() {
    let emulator = start(config()).await;
    let tts = Target::host(&emulator, "westeurope.tts.speech.microsoft.com");
    let key = emulator.primary_key();
    let voices = http(
        &tts,
        "GET",
        "/cognitiveservices/voices/list",
        &[("Ocp-Apim-Subscription-Key", key)],
        b"",
    )
    .await;
    assert_eq!(voices.status, 200);
    let no_key = http(&tts, "GET", "/cognitiveservices/voices/list", &[], b"").await;
    assert_eq!(no_key.status, 401);
    let entra = emulator.mint_entra_token(MintOptions::default());
    let raw = http(
        &tts,
        "GET",
        "/cognitiveservices/voices/list",
        &[("Authorization", &format!("Bearer {entra}"))],
        b"",
    )
    .await;
    assert_eq!(raw.status, 401, "raw Entra on a regional host");
    let custom = Target::host(&emulator, "contoso-speech.cognitiveservices.azure.com");
    let ok = http(
        &custom,
        "GET",
        "/tts/cognitiveservices/voices/list",
        &[("Authorization", &format!("bearer {entra}"))],
        b"",
    )
    .await;
    assert_eq!(
        ok.status, 200,
        "custom domain, lowercase bearer as the native REST adapter sends"
    );
}

#[tokio::test]
async fn sovereign_cloud_hosts_and_audience() {
    let emulator = start(config().cloud(Cloud::UsGov).region("usgovvirginia")).await;
    let gov = "usgovvirginia.stt.speech.azure.us";
    assert_eq!(upgrade_status(&emulator, gov, STT_REGIONAL, Cred::Key1).await.0, 101);
    assert_eq!(
        upgrade_status(
            &emulator,
            "usgovvirginia.stt.speech.microsoft.com",
            STT_REGIONAL,
            Cred::Key1
        )
        .await
        .0,
        401
    );
    let sts = http(
        &Target::host(&emulator, "usgovvirginia.api.cognitive.microsoft.us"),
        "POST",
        "/sts/v1.0/issueToken",
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("Content-Length", "0"),
        ],
        b"",
    )
    .await;
    assert_eq!(sts.status, 200);
    let custom = "contoso-speech.cognitiveservices.azure.us";
    // Tokens must carry the cloud's audience.
    assert_eq!(
        upgrade_status(&emulator, custom, STT_CUSTOM, Cred::RawEntra).await.0,
        101
    );
    let public = emulator.mint_entra_token(MintOptions {
        audience: Some("https://cognitiveservices.azure.com".to_owned()),
        ..MintOptions::default()
    });
    let id = new_id();
    let refused = upgrade(
        &Target::host(&emulator, custom),
        STT_CUSTOM,
        &[("Authorization", &format!("Bearer {public}")), ("X-ConnectionId", &id)],
    )
    .await
    .err()
    .map(|r| r.status);
    assert_eq!(refused, Some(401));
}
