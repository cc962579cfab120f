//! No function of the configuration, planning and classification code panics on hostile input,
//! and whatever it returns for such input stays well-formed (no control characters or spaces in a
//! planned URL or header).

use azspeech_component::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue, Settings};
use azspeech_component::bindings::exports::azspeech::core::connection::{RequestIds, RequestKind};
use azspeech_component::bindings::exports::azspeech::core::types::EndpointKind;
use azspeech_component::config::endpoint::{self, AllowList};
use azspeech_component::config::variables::KNOWN_SPEECH_VARIABLES;
use azspeech_component::config::{self, resource_id, url};
use azspeech_component::{connection, failures};

const KINDS: [RequestKind; 5] = [
    RequestKind::SttWebsocket,
    RequestKind::TtsWebsocket,
    RequestKind::TtsRest,
    RequestKind::VoicesList,
    RequestKind::StsToken,
];

const CREDENTIAL_VARIABLES: &[&str] = &[
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_FEDERATED_TOKEN_FILE",
    "IDENTITY_ENDPOINT",
    "IDENTITY_HEADER",
    "MSI_ENDPOINT",
    "IMDS_ENDPOINT",
];

fn weird_inputs() -> Vec<String> {
    let mut inputs: Vec<String> = [
        "",
        " ",
        "\t\n",
        "\0",
        "\u{FEFF}",
        "\u{202E}evil",
        "😀",
        "e\u{0301}",
        "ｈｔｔｐｓ://ｘ",
        "%00",
        "%2e%2e/%2e%2e",
        "https://",
        "https:///",
        "https://:0",
        "https://[",
        "https://[]",
        "https://[::1",
        "https://[::1]:99999",
        "https://[::1]:-1",
        "https://[fe80::1%eth0]",
        "https://::",
        "https://a@b@c",
        "https://a:b:c",
        "https://a/b?c#d",
        "https://x/\u{0085}",
        "https://-.com",
        "https://xn--",
        "https://0x7f000001",
        "https://127.0.0.1.",
        "https://localhost..",
        "http://127.0.0.1:5000/?",
        "wss://westeurope.stt.speech.microsoft.com/../../etc",
        "wss://westeurope.stt.speech.microsoft.com:443:443",
        "HTTPS://WESTEUROPE.API.COGNITIVE.MICROSOFT.COM./STS/V1.0/ISSUETOKEN/",
        "\\\\server\\share",
        "[",
        "]",
        "@",
        "#",
        "?",
        ":",
        "/",
        "//",
        "aad#x#y",
        "/subscriptions/",
        "/subscriptions//resourceGroups//providers//accounts/",
        "Wed, 21 Oct 2015 07:28:00 GMT",
        "-1",
        "18446744073709551616",
        "\r\nX-Injected: yes",
        "en-US\r\nAuthorization: Bearer x",
        "SPEECH_KEY",
        "westeurope ",
        "usgov",
        "china",
    ]
    .iter()
    .map(|s| (*s).to_owned())
    .collect();
    inputs.push("a".repeat(100_000));
    inputs.push("9".repeat(400));
    inputs.push(format!("https://{}com", "a.".repeat(200)));
    inputs.push(format!("https://{}.cognitiveservices.azure.com", "a".repeat(70)));
    inputs.push("é".repeat(10_000));
    inputs.push("/".repeat(1000));
    inputs
}

fn text(name: &str, value: &str) -> Setting {
    Setting {
        name: name.to_owned(),
        value: if config::SECRET_NAMES.contains(&name) {
            SettingValue::Secret(!value.trim().is_empty())
        } else {
            SettingValue::Text(value.to_owned())
        },
        source: SettingSource::Environment,
    }
}

fn exercise(settings: &Settings) {
    let ids = RequestIds {
        connection_id: "0123456789ABCDEF0123456789abcdef".to_owned(),
    };
    for kind in KINDS {
        if let Ok(plan) = connection::plan(settings, kind, &ids) {
            let clean = |s: &str| !s.chars().any(|c| c.is_control() || c.is_whitespace());
            assert!(clean(&plan.url), "{:?}", plan.url);
            for (name, value) in &plan.headers {
                assert!(clean(name) && !value.chars().any(char::is_control), "{name}: {value:?}");
            }
        }
    }
    let _ = config::diagnose(settings);
    for status in [0, 1, 100, 200, 301, 400, 401, 403, 404, 429, 500, 503, 65535] {
        let _ = failures::classify_http(settings, status, Some("5"), "body");
    }
}

#[test]
fn resolve_never_panics_on_weird_values() {
    let baselines: [&[(&str, &str)]; 3] = [
        &[("SPEECH_KEY", "k3y"), ("SPEECH_REGION", "westeurope")],
        &[("SPEECH_ENDPOINT", "https://contoso.cognitiveservices.azure.com")],
        &[("SPEECH_AUTH", "entra"), ("SPEECH_ENDPOINT", "http://127.0.0.1:5000")],
    ];
    let names: Vec<&str> = KNOWN_SPEECH_VARIABLES
        .iter()
        .chain(CREDENTIAL_VARIABLES)
        .copied()
        .collect();
    for weird in weird_inputs() {
        for baseline in baselines {
            for name in &names {
                let mut settings: Vec<Setting> = baseline.iter().map(|(n, v)| text(n, v)).collect();
                settings.push(text(name, &weird));
                if let Ok(resolved) = config::resolve(&settings) {
                    exercise(&resolved);
                }
                // The same value as a flag, and as a secret where a text is expected.
                settings.push(Setting {
                    name: (*name).to_owned(),
                    value: SettingValue::Secret(true),
                    source: SettingSource::Flag,
                });
                let _ = config::resolve(&settings);
            }
            // Weird variable names.
            let mut settings: Vec<Setting> = baseline.iter().map(|(n, v)| text(n, v)).collect();
            settings.push(text(&weird, "value"));
            settings.push(text(&format!("SPEECH_{weird}"), "value"));
            if let Ok(resolved) = config::resolve(&settings) {
                exercise(&resolved);
            }
        }
    }
}

#[test]
fn parsers_never_panic() {
    let allow = AllowList::parse(Some("proxy.example")).unwrap_or_default();
    for weird in weird_inputs() {
        let _ = url::parse(&weird);
        let _ = url::parse_authority(&weird);
        let _ = url::parse_host_name(&weird);
        let _ = endpoint::parse(&weird, &allow);
        let _ = AllowList::parse(Some(&weird));
        let _ = resource_id::parse(&weird);
        for prefix in ["https://", "http://", "wss://", "ws://", "https://[", "https://a.b:"] {
            let _ = endpoint::parse(&format!("{prefix}{weird}"), &allow);
            let _ = endpoint::parse(&format!("{prefix}{weird}/"), &allow);
        }
    }
}

#[test]
fn classifiers_never_panic() {
    let Ok(settings) = config::resolve(&[text("SPEECH_KEY", "k"), text("SPEECH_REGION", "westeurope")]) else {
        panic!("baseline resolves")
    };
    for weird in weird_inputs() {
        for status in [0, 1, 200, 302, 400, 401, 403, 404, 408, 429, 500, 599, 600, u16::MAX] {
            let _ = failures::classify_http(&settings, status, Some(&weird), &weird);
            let _ = failures::classify_http(&settings, status, None, &weird);
        }
        for code in [0, 1000, 1002, 1006, 1007, 1011, 1013, 4000, 4429, u16::MAX] {
            let _ = failures::classify_close(code, &weird);
        }
        let _ = failures::excerpt(&weird);
        let _ = failures::retry_after::parse(&weird);
    }
}

/// A host may build a `settings` record by hand; planning checks it instead of trusting it.
#[test]
fn planning_hand_built_settings_never_panics() {
    let Ok(base) = config::resolve(&[text("SPEECH_KEY", "k"), text("SPEECH_REGION", "westeurope")]) else {
        panic!("baseline resolves")
    };
    let kinds = [
        EndpointKind::Regional,
        EndpointKind::CustomDomain,
        EndpointKind::Loopback,
        EndpointKind::AllowedHost,
    ];
    for weird in weird_inputs() {
        for kind in kinds {
            for secure in [true, false] {
                let mut settings = base.clone();
                settings.endpoint.kind = kind;
                settings.endpoint.secure = secure;
                settings.endpoint.host = weird.clone();
                exercise(&settings);
                let mut settings = base.clone();
                settings.endpoint.kind = kind;
                settings.region = Some(weird.clone());
                settings.resource_id = Some(weird.clone());
                settings.language = weird.clone();
                settings.auth = azspeech_component::bindings::exports::azspeech::core::types::AuthMode::Entra;
                exercise(&settings);
            }
        }
        let ids = RequestIds {
            connection_id: weird.clone(),
        };
        assert!(connection::plan(&base, RequestKind::SttWebsocket, &ids).is_err() || weird.len() == 32);
    }
}

/// Hand-built settings that point a credential somewhere it must not go are refused.
#[test]
fn planning_refuses_inconsistent_settings() {
    let Ok(base) = config::resolve(&[text("SPEECH_KEY", "k"), text("SPEECH_REGION", "westeurope")]) else {
        panic!("baseline resolves")
    };
    let ids = RequestIds {
        connection_id: "0123456789abcdef0123456789abcdef".to_owned(),
    };
    let cases: &[(EndpointKind, bool, &str, Option<&str>)] = &[
        (EndpointKind::CustomDomain, true, "evil.example", None),
        (
            EndpointKind::CustomDomain,
            true,
            "contoso.cognitiveservices.azure.com/evil",
            None,
        ),
        (
            EndpointKind::CustomDomain,
            true,
            "user@contoso.cognitiveservices.azure.com",
            None,
        ),
        (
            EndpointKind::CustomDomain,
            true,
            "contoso.cognitiveservices.azure.us",
            None,
        ),
        (
            EndpointKind::CustomDomain,
            false,
            "contoso.cognitiveservices.azure.com",
            None,
        ),
        (EndpointKind::Loopback, true, "10.0.0.1", None),
        (EndpointKind::Loopback, true, "localhost.evil.example", None),
        (EndpointKind::AllowedHost, false, "proxy.example", None),
        (EndpointKind::AllowedHost, true, "proxy.example?x=", None),
        (
            EndpointKind::Regional,
            true,
            "westeurope.api.cognitive.microsoft.com",
            None,
        ),
        (
            EndpointKind::Regional,
            true,
            "westeurope.api.cognitive.microsoft.com",
            Some("atlantis"),
        ),
        (
            EndpointKind::Regional,
            true,
            "westeurope.api.cognitive.microsoft.com",
            Some("usgovvirginia"),
        ),
    ];
    for (kind, secure, host, region) in cases {
        let mut settings = base.clone();
        settings.endpoint.kind = *kind;
        settings.endpoint.secure = *secure;
        settings.endpoint.host = (*host).to_owned();
        settings.region = region.map(str::to_owned);
        for request in KINDS {
            assert!(
                connection::plan(&settings, request, &ids).is_err(),
                "{kind:?} {host} {region:?} {request:?} must be refused"
            );
        }
    }
}
