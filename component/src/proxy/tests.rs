//! ProxyRoute vectors: (settings, url) → (proxy, reason), and the settings that are refused.

use super::*;
use crate::bindings::exports::azspeech::core::link::ProxyRefusal;
use crate::bindings::exports::azspeech::core::types::SpeechError;

fn settings(variables: &[(&str, &str)]) -> ProxySettings {
    ProxySettings {
        variables: variables
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
        proxy_flag: None,
        no_proxy_flag: false,
        managed_identity_endpoints: vec![],
    }
}

/// `(variables, url, expected proxy url or None, expected reason)`.
type Vector = (
    &'static [(&'static str, &'static str)],
    &'static str,
    Option<&'static str>,
    RouteReason,
);

const VECTORS: &[Vector] = &[
    // Which variable applies to which scheme.
    (
        &[],
        "wss://westeurope.stt.speech.microsoft.com/x",
        None,
        RouteReason::NotConfigured,
    ),
    (
        &[("HTTPS_PROXY", "http://p:3128")],
        "wss://a.b/x",
        Some("http://p:3128"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "http://p:3128")],
        "https://a.b/x",
        Some("http://p:3128"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "http://p:3128")],
        "ws://a.b/x",
        None,
        RouteReason::NotConfigured,
    ),
    (
        &[("HTTP_PROXY", "http://p:3128")],
        "ws://a.b/x",
        Some("http://p:3128"),
        RouteReason::Variable,
    ),
    (
        &[("HTTP_PROXY", "http://p:3128")],
        "https://a.b/x",
        None,
        RouteReason::NotConfigured,
    ),
    (
        &[("ALL_PROXY", "http://all:1")],
        "https://a.b",
        Some("http://all:1"),
        RouteReason::Variable,
    ),
    (
        &[("all_proxy", "http://all:1")],
        "http://a.b",
        Some("http://all:1"),
        RouteReason::Variable,
    ),
    // Lower case wins; the scheme's own variable wins over ALL_PROXY; empty is unset.
    (
        &[("HTTPS_PROXY", "http://upper:1"), ("https_proxy", "http://lower:2")],
        "https://a.b",
        Some("http://lower:2"),
        RouteReason::Variable,
    ),
    (
        &[("ALL_PROXY", "http://all:1"), ("HTTPS_PROXY", "http://s:2")],
        "https://a.b",
        Some("http://s:2"),
        RouteReason::Variable,
    ),
    (
        &[("https_proxy", ""), ("HTTPS_PROXY", "http://upper:1")],
        "https://a.b",
        Some("http://upper:1"),
        RouteReason::Variable,
    ),
    // Proxy URL forms: no scheme, no port (1080 as curl), trailing slash, IPv6.
    (
        &[("HTTPS_PROXY", "proxy.corp:8080")],
        "https://a.b",
        Some("http://proxy.corp:8080"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "http://proxy.corp")],
        "https://a.b",
        Some("http://proxy.corp:1080"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "http://Proxy.Corp:3128/")],
        "https://a.b",
        Some("http://proxy.corp:3128"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "http://[::1]:3128")],
        "https://a.b",
        Some("http://[::1]:3128"),
        RouteReason::Variable,
    ),
    // NO_PROXY: names and subdomains, leading dot, `*`, ports, IPs, CIDR, case, lower wins.
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "contoso.com")],
        "https://contoso.com",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "contoso.com")],
        "https://x.contoso.com",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "contoso.com")],
        "https://notcontoso.com",
        Some("http://p:1"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", ".contoso.com")],
        "https://contoso.com",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", ".Contoso.COM")],
        "https://a.b.contoso.com/x",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "*")],
        "https://anything",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "*.contoso.com")],
        "https://x.contoso.com",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "*.contoso.com")],
        "https://xcontoso.com",
        Some("http://p:1"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "a.b, contoso.com:8443")],
        "https://contoso.com:8443",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "contoso.com:8443")],
        "https://contoso.com",
        Some("http://p:1"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "10.1.2.3")],
        "https://10.1.2.3:443",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "10.0.0.0/8")],
        "https://10.200.0.1",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "10.0.0.0/8")],
        "https://11.0.0.1",
        Some("http://p:1"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "10.0.0.0/8")],
        "https://ten.example",
        Some("http://p:1"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "fd00::/8")],
        "https://[fd12::1]:443",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "::1")],
        "https://[::1]:8443",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "[::1]:8443")],
        "https://[::1]:8443",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "127.0.0.0/8")],
        "https://[::ffff:127.0.0.1]",
        None,
        RouteReason::NoProxyMatch,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "a.b"), ("no_proxy", "c.d")],
        "https://a.b",
        Some("http://p:1"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "a.b c.d")],
        "https://c.d",
        None,
        RouteReason::NoProxyMatch,
    ),
    // Loopback is not special (as curl): the emulator can be reached through a proxy.
    (
        &[("HTTPS_PROXY", "p:1")],
        "https://127.0.0.1:8443",
        Some("http://p:1"),
        RouteReason::Variable,
    ),
    (
        &[("HTTPS_PROXY", "p:1")],
        "https://localhost:8443",
        Some("http://p:1"),
        RouteReason::Variable,
    ),
    // IMDS is always direct.
    (
        &[("HTTP_PROXY", "p:1"), ("ALL_PROXY", "p:2")],
        "http://169.254.169.254/metadata/identity/oauth2/token?api-version=2019-08-01",
        None,
        RouteReason::ManagedIdentity,
    ),
];

#[test]
fn route_vectors() {
    for (variables, url, proxy, reason) in VECTORS {
        let route = route(&settings(variables), url).unwrap_or_else(|e| panic!("{variables:?} {url}: {e:?}"));
        assert_eq!(
            (route.proxy.as_ref().map(|p| p.url.as_str()), route.reason),
            (*proxy, *reason),
            "{variables:?} {url}: {}",
            route.why
        );
    }
}

#[test]
fn flags_win_over_the_variables() {
    let mut with_flag = settings(&[("HTTPS_PROXY", "http://env:1"), ("NO_PROXY", "bypass.me")]);
    with_flag.proxy_flag = Some("http://flag:2".into());
    let route_of = |s: &ProxySettings, url| route(s, url).expect("route");
    let flagged = route_of(&with_flag, "https://a.b");
    assert_eq!(
        flagged.proxy.as_ref().map(|p| (p.url.as_str(), p.source.as_str())),
        Some(("http://flag:2", "--proxy"))
    );
    assert_eq!(flagged.reason, RouteReason::ProxyFlag);
    // --proxy also serves plain http, and NO_PROXY still applies to it (as curl).
    assert_eq!(route_of(&with_flag, "ws://a.b").reason, RouteReason::ProxyFlag);
    assert_eq!(
        route_of(&with_flag, "https://bypass.me").reason,
        RouteReason::NoProxyMatch
    );
    with_flag.no_proxy_flag = true;
    let direct = route_of(&with_flag, "https://a.b");
    assert_eq!(
        (direct.proxy.is_none(), direct.reason),
        (true, RouteReason::NoProxyFlag)
    );
    // --no-proxy also gets past a malformed variable.
    let mut broken = settings(&[("HTTPS_PROXY", "socks5://p:1")]);
    broken.no_proxy_flag = true;
    assert_eq!(route_of(&broken, "https://a.b").reason, RouteReason::NoProxyFlag);
}

#[test]
fn managed_identity_endpoints_are_direct() {
    let mut s = settings(&[("ALL_PROXY", "http://p:1")]);
    s.managed_identity_endpoints = vec!["http://127.0.0.1:41234/msi/token".into()];
    let route_of = |url| route(&s, url).expect("route").reason;
    assert_eq!(
        route_of("http://127.0.0.1:41234/msi/token?resource=x"),
        RouteReason::ManagedIdentity
    );
    assert_eq!(route_of("http://127.0.0.1:41235/msi/token"), RouteReason::Variable);
    // The same address with another scheme is another origin (the emulator serves both).
    assert_eq!(route_of("wss://127.0.0.1:41234/speech"), RouteReason::Variable);
    assert_eq!(
        route_of("https://login.microsoftonline.com/t/oauth2/v2.0/token"),
        RouteReason::Variable
    );
}

#[test]
fn the_reason_says_which_variable_and_entry() {
    let s = settings(&[("https_proxy", "p:1"), ("no_proxy", ".contoso.com")]);
    assert_eq!(route(&s, "https://a.b").expect("route").why, "https_proxy is set");
    assert_eq!(
        route(&s, "https://x.contoso.com").expect("route").why,
        "no_proxy entry `.contoso.com` matches x.contoso.com:443"
    );
    assert_eq!(
        route(&settings(&[]), "https://a.b").expect("route").why,
        "neither HTTPS_PROXY nor ALL_PROXY is set"
    );
}

#[test]
fn malformed_settings_are_refused_with_the_variable_and_a_fix() {
    for (variables, variable, says) in [
        (&[("HTTPS_PROXY", "https://p:1")][..], "HTTPS_PROXY", "https:// proxy"),
        (&[("ALL_PROXY", "socks5://p:1")], "ALL_PROXY", "SOCKS"),
        (&[("HTTPS_PROXY", "ftp://p:1")], "HTTPS_PROXY", "unsupported scheme"),
        (&[("HTTPS_PROXY", "http://p:0")], "HTTPS_PROXY", "invalid port"),
        (&[("HTTPS_PROXY", "http://p:1/path")], "HTTPS_PROXY", "path"),
        (&[("HTTPS_PROXY", "http://u:pw@p:1")], "HTTPS_PROXY", "credentials"),
        // A bad setting fails even requests it would not apply to.
        (&[("HTTP_PROXY", "http://p:x")], "HTTP_PROXY", "invalid port"),
        (
            &[("HTTPS_PROXY", "p:1"), ("NO_PROXY", "10.0.0.0/33")],
            "NO_PROXY",
            "CIDR",
        ),
        (&[("NO_PROXY", "a..b")], "NO_PROXY", "not a host"),
    ] {
        let error = route(&settings(variables), "https://a.b").expect_err(variable);
        assert_eq!(error.variable.as_deref(), Some(variable), "{variables:?}");
        assert!(error.message.contains(says), "{variables:?}: {}", error.message);
        assert!(!error.fix.is_empty());
    }
    // Credentials that slipped through are never echoed.
    let leaked = route(&settings(&[("HTTPS_PROXY", "http://u:hunter2@p:1")]), "https://a.b").expect_err("refused");
    assert!(!format!("{leaked:?}").contains("hunter2"));
}

#[test]
fn refusals_name_the_proxy_and_are_not_retried_unless_the_proxy_is_in_trouble() {
    let refusal = |status, sent_credentials| ProxyRefusal {
        proxy: "http://proxy.corp:3128".into(),
        source: "HTTPS_PROXY".into(),
        target: "contoso.cognitiveservices.azure.com:443".into(),
        status,
        sent_credentials,
    };
    for (status, sent, transient, hint) in [
        (407, false, false, "requires authentication"),
        (407, true, false, "rejected the credentials"),
        (401, true, false, "rejected the credentials"),
        (403, false, false, "forbids"),
        (502, false, true, "could not reach"),
        (405, false, false, "CONNECT"),
    ] {
        let error = refusal::classify(&refusal(status, sent));
        assert_eq!(matches!(error, SpeechError::Transient(_)), transient, "{status}");
        let (SpeechError::Configuration(detail) | SpeechError::Transient(detail)) = &error else {
            panic!("{status}: {error:?}")
        };
        assert!(detail.message.contains("http://proxy.corp:3128"), "{}", detail.message);
        assert_eq!(detail.http_status, Some(status));
        assert!(detail.hint.contains(hint), "{status}: {}", detail.hint);
        if status == 407 {
            assert!(detail.hint.contains("in HTTPS_PROXY"), "{}", detail.hint);
        }
    }
}
