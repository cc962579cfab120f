//! The credential chain and pinned sources, through the real `azure_identity` crate, never
//! leaving loopback: managed identity is pointed at a closed loopback port through the App
//! Service variables, so nothing falls through to IMDS; Azure CLI is a fake `az` on PATH.

mod common;

use common::{closed_port, run_azspeech};

const CLI_TOKEN: &str = "eyJhbGciOiJub25lIn0.eyJmYWtlIjoiY2xpIn0.fake-cli-signature-0123456789";

fn entra_env(extra: &[(&'static str, String)]) -> Vec<(&'static str, String)> {
    let mut env = vec![
        ("SPEECH_ENDPOINT", format!("http://127.0.0.1:{}", closed_port())),
        ("SPEECH_AUTH", "entra".to_owned()),
        // App Service managed identity on a closed loopback port: the chain's managed-identity
        // step fails at once instead of probing IMDS.
        (
            "IDENTITY_ENDPOINT",
            format!("http://127.0.0.1:{}/msi/token", closed_port()),
        ),
        ("IDENTITY_HEADER", "test-identity-header".to_owned()),
    ];
    env.extend_from_slice(extra);
    env
}

#[test]
fn the_chain_falls_through_a_failing_managed_identity_to_the_azure_cli() {
    let run = run_azspeech(&entra_env(&[]), CLI_TOKEN, "info", &["token"]);
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    let expected_len = CLI_TOKEN.chars().count();
    assert!(
        run.stdout.trim() == format!("Authorization: Bearer eyJh… ({expected_len} chars)"),
        "the raw CLI token is the bearer: {}",
        run.stdout
    );
    assert!(
        run.stderr.contains("credential chain: using azure-cli"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_pinned_managed_identity_reports_its_own_failure_and_does_not_fall_through() {
    let run = run_azspeech(
        &entra_env(&[("SPEECH_CREDENTIAL", "managed-identity".to_owned())]),
        CLI_TOKEN,
        "warn",
        &["token"],
    );
    assert_eq!(run.code, Some(3), "{}\n{}", run.stdout, run.stderr);
    assert!(run.stderr.contains("managed-identity"), "{}", run.stderr);
    assert!(
        run.stderr.contains("hint:"),
        "the error says what to check: {}",
        run.stderr
    );
    assert!(run.stdout.is_empty());
}

#[test]
fn a_pinned_azure_cli_formats_the_tts_token_with_the_resource_id() {
    let resource_id = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.CognitiveServices/accounts/contoso";
    let run = run_azspeech(
        &entra_env(&[
            ("SPEECH_CREDENTIAL", "azure-cli".to_owned()),
            ("SPEECH_RESOURCE_ID", resource_id.to_owned()),
        ]),
        CLI_TOKEN,
        "warn",
        &["token", "--service", "tts"],
    );
    assert_eq!(run.code, Some(0), "{}", run.stderr);
    assert!(
        run.stdout
            .starts_with(&format!("Authorization: Bearer aad#{resource_id}#eyJh… (")),
        "{}",
        run.stdout
    );
}
