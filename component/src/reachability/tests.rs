//! Assessment vectors: resolution × outcome → verdict and advice.

use super::*;
use crate::bindings::exports::azspeech::core::config::{Setting, SettingSource, SettingValue};
use crate::bindings::exports::azspeech::core::link::NetworkFailure;

fn resolved(vars: &[(&str, &str)]) -> Settings {
    let mut settings: Vec<Setting> = vars
        .iter()
        .map(|(name, value)| Setting {
            name: (*name).to_owned(),
            value: SettingValue::Text((*value).to_owned()),
            source: SettingSource::Environment,
        })
        .collect();
    settings.push(Setting {
        name: "SPEECH_KEY".into(),
        value: SettingValue::Secret(true),
        source: SettingSource::Environment,
    });
    crate::config::resolve(&settings).expect("settings resolve")
}

fn custom_domain() -> Settings {
    resolved(&[("SPEECH_ENDPOINT", "https://contoso-speech.cognitiveservices.azure.com/")])
}

const HOST: &str = "contoso-speech.cognitiveservices.azure.com";

fn failed(kind: NetworkErrorKind) -> ConnectOutcome {
    ConnectOutcome::Failed(NetworkFailure {
        kind,
        message: "Network is unreachable (os error 101)".into(),
    })
}

fn causes(report: &ReachabilityReport) -> String {
    report
        .advice
        .iter()
        .map(|a| format!("{} | {}", a.cause, a.check))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_private_address_means_a_private_endpoint_and_a_failure_means_outside_the_network() {
    let resolution = Resolution::Resolved(vec!["10.1.2.3".into()]);
    let report = assess(&custom_domain(), HOST, &resolution, &failed(NetworkErrorKind::Timeout));
    assert_eq!(report.verdict, Verdict::PrivateEndpoint);
    assert_eq!(report.addresses[0].class, AddressClass::Private);
    assert!(
        report
            .summary
            .contains("private address 10.1.2.3: a private endpoint is in use"),
        "{}",
        report.summary
    );
    assert!(report.summary.contains("connecting failed"), "{}", report.summary);
    let causes = causes(&report);
    assert!(causes.contains("outside the virtual network"), "{causes}");
    assert!(
        causes.contains("az cognitiveservices account show -n contoso-speech"),
        "{causes}"
    );
    assert!(causes.contains("port 443"), "{causes}");
    // Reachable: the verdict stays, the advice goes.
    let report = assess(&custom_domain(), HOST, &resolution, &ConnectOutcome::Answered);
    assert_eq!(report.verdict, Verdict::PrivateEndpoint);
    assert!(report.advice.is_empty());
}

#[test]
fn a_public_address_with_a_failure_points_at_network_rules_and_unlinked_dns() {
    let resolution = Resolution::Overridden("20.50.1.2".into());
    let report = assess(&custom_domain(), HOST, &resolution, &failed(NetworkErrorKind::Refused));
    assert_eq!(report.verdict, Verdict::PublicEndpoint);
    assert!(
        report
            .summary
            .contains("overridden (--connect-to) to the public address 20.50.1.2"),
        "{}",
        report.summary
    );
    let causes = causes(&report);
    assert!(causes.contains("selected networks"), "{causes}");
    assert!(
        causes.contains("not linked to the private zone privatelink.cognitiveservices.azure.com"),
        "{causes}"
    );
    assert!(causes.contains(&format!("nslookup {HOST}")), "{causes}");
    assert!(!causes.contains("regional host"), "{causes}");
}

#[test]
fn a_regional_host_is_told_to_use_the_custom_domain() {
    let settings = resolved(&[
        ("SPEECH_REGION", "westeurope"),
        (
            "SPEECH_RESOURCE_ID",
            "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/g/providers/Microsoft.CognitiveServices/accounts/contoso-speech",
        ),
    ]);
    let host = "westeurope.stt.speech.microsoft.com";
    let resolution = Resolution::Resolved(vec!["20.50.1.2".into()]);
    let report = assess(&settings, host, &resolution, &failed(NetworkErrorKind::Timeout));
    let first = &report.advice[0];
    assert!(
        first
            .cause
            .contains("a regional host (`westeurope.stt.speech.microsoft.com`) is used"),
        "{}",
        first.cause
    );
    assert!(
        first
            .check
            .contains("SPEECH_ENDPOINT=https://contoso-speech.cognitiveservices.azure.com/"),
        "{}",
        first.check
    );
}

#[test]
fn loopback_unresolved_mixed_and_proxied() {
    let settings = custom_domain();
    let loopback = assess(
        &settings,
        HOST,
        &Resolution::Overridden("127.0.0.1".into()),
        &ConnectOutcome::Answered,
    );
    assert_eq!(loopback.verdict, Verdict::Loopback);
    assert!(loopback.summary.contains("on this machine"), "{}", loopback.summary);
    assert!(loopback.advice.is_empty());

    let unresolved = assess(
        &settings,
        HOST,
        &Resolution::Unresolved("failed to lookup address information".into()),
        &ConnectOutcome::NotTried,
    );
    assert_eq!(unresolved.verdict, Verdict::Unresolved);
    assert!(causes(&unresolved).contains("typo"));
    assert!(causes(&unresolved).contains("168.63.129.16") || causes(&unresolved).contains("custom DNS server"));

    let mixed = assess(
        &settings,
        HOST,
        &Resolution::Resolved(vec!["10.0.0.5".into(), "20.50.1.2".into()]),
        &ConnectOutcome::Answered,
    );
    assert_eq!(mixed.verdict, Verdict::Mixed);
    assert!(causes(&mixed).contains("DNS servers disagree"));

    let proxied = assess(
        &settings,
        HOST,
        &Resolution::ViaProxy("http://proxy:3128".into()),
        &failed(NetworkErrorKind::Other),
    );
    assert_eq!(proxied.verdict, Verdict::ViaProxy);
    assert!(proxied.addresses.is_empty());
    assert!(causes(&proxied).contains("NO_PROXY"));

    let unusable = assess(
        &settings,
        HOST,
        &Resolution::Overridden("203.0.113.9".into()),
        &ConnectOutcome::Answered,
    );
    assert_eq!(unusable.verdict, Verdict::Unusable);
}

#[test]
fn a_tls_failure_names_an_inspecting_proxy_first() {
    let report = assess(
        &custom_domain(),
        HOST,
        &Resolution::Resolved(vec!["20.50.1.2".into()]),
        &failed(NetworkErrorKind::Tls),
    );
    assert!(report.advice[0].cause.contains("TLS-inspecting"), "{}", causes(&report));
}
