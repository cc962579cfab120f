//! `doctor --probe` on private endpoints: the custom domain resolved (through the `--connect-to`
//! override, like curl's `--resolve`) to a private, a public and a loopback address, and not at
//! all; the text and JSON say which, and on a failure the likely causes and how to check each.
//!
//! Nothing may leave loopback, and a connection to 10.x or a public address would: those probes
//! run inside a fresh network namespace (`unshare -n`, which has no interface but a downed `lo`),
//! where every such connection and DNS query fails at once without a packet sent. Without
//! `unshare -n` (not root) they print why and pass, unless `CI` is set: then they fail. The
//! loopback case runs against the emulator's TLS listener outside any namespace.

mod common;

use std::process::Command;

use azspeech_emulator::HostForm;
use common::emulator::{Running, azspeech};

const HOST: &str = "contoso-speech.cognitiveservices.azure.com";

/// Whether this process may create network namespaces; says why not when it may not.
fn namespaces_available() -> bool {
    let works = Command::new("unshare")
        .args(["-n", "true"])
        .status()
        .is_ok_and(|status| status.success());
    if !works {
        assert!(
            std::env::var_os("CI").is_none(),
            "`unshare -n` is unavailable but CI is set: run the tests as root (or with CAP_SYS_ADMIN)"
        );
        eprintln!(
            "skipping: `unshare -n` is unavailable (needs root); it keeps the probe of a 10.x address on this machine"
        );
    }
    works
}

/// `azspeech doctor --probe [--json] args` inside a fresh network namespace, with only a key and
/// the custom domain configured; exit code and stdout.
fn probe_in_namespace(json: bool, args: &[&str]) -> (Option<i32>, String) {
    let home = tempfile::tempdir().expect("tempdir");
    let mut command = Command::new("unshare");
    command
        .arg("-n")
        .arg(env!("CARGO_BIN_EXE_azspeech"))
        .args(["doctor", "--probe"])
        .args(if json { &["--json"][..] } else { &[] })
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("AZSPEECH_CACHE_DIR", common::shared_cache_dir())
        .env("SPEECH_ENDPOINT", format!("https://{HOST}/"))
        .env("SPEECH_KEY", "sentinelKEYprivateendpoints0123");
    let output = command.output().expect("unshare runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(!stdout.contains("sentinelKEY"), "the key leaked: {stdout}");
    (output.status.code(), stdout)
}

fn reachability(stdout: &str) -> serde_json::Value {
    let doctor: serde_json::Value = serde_json::from_str(stdout).expect("doctor --json is JSON");
    let hosts = doctor["reachability"].as_array().expect("reachability").clone();
    assert_eq!(hosts.len(), 1, "one host for STT and TTS on a custom domain: {doctor}");
    hosts[0].clone()
}

fn causes(report: &serde_json::Value) -> String {
    report["advice"]
        .as_array()
        .expect("advice")
        .iter()
        .map(|a| format!("{} | {}", a["cause"], a["check"]))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn a_private_address_is_a_private_endpoint_and_its_failure_is_explained() {
    if !namespaces_available() {
        return;
    }
    let override_flag = format!("{HOST}=10.255.255.1:443");
    let (code, stdout) = probe_in_namespace(true, &["--connect-to", &override_flag]);
    assert_eq!(code, Some(4), "{stdout}");
    let report = reachability(&stdout);
    assert_eq!(report["host"], HOST);
    assert_eq!(report["verdict"], "private-endpoint", "{report}");
    assert_eq!(report["addresses"][0]["address"], "10.255.255.1");
    assert_eq!(report["addresses"][0]["class"], "private");
    let causes = causes(&report);
    assert!(causes.contains("outside the virtual network"), "{causes}");
    assert!(
        causes.contains("az cognitiveservices account show -n contoso-speech"),
        "{causes}"
    );

    let (_, text) = probe_in_namespace(false, &["--connect-to", &override_flag]);
    assert!(
        text.contains(&format!(
            "`{HOST}` is overridden (--connect-to) to the private address 10.255.255.1: a private endpoint is in use"
        )),
        "{text}"
    );
    assert!(
        text.contains("likely cause: this machine is outside the virtual network"),
        "{text}"
    );
    assert!(
        text.contains("check: run `azspeech doctor --probe` from a VM in that virtual network"),
        "{text}"
    );
}

#[test]
fn a_public_address_points_at_network_rules_and_unlinked_private_dns() {
    if !namespaces_available() {
        return;
    }
    let override_flag = format!("{HOST}=20.50.1.2:443");
    let (code, stdout) = probe_in_namespace(true, &["--connect-to", &override_flag]);
    assert_eq!(code, Some(4), "{stdout}");
    let report = reachability(&stdout);
    assert_eq!(report["verdict"], "public-endpoint", "{report}");
    assert_eq!(report["addresses"][0]["class"], "public");
    let causes = causes(&report);
    assert!(causes.contains("allows only selected networks"), "{causes}");
    assert!(
        causes.contains("not linked to the private zone privatelink.cognitiveservices.azure.com"),
        "{causes}"
    );
    assert!(causes.contains(&format!("nslookup {HOST}")), "{causes}");
}

#[test]
fn a_name_that_does_not_resolve_gets_dns_advice() {
    if !namespaces_available() {
        return;
    }
    let (code, stdout) = probe_in_namespace(true, &[]);
    assert_eq!(code, Some(4), "{stdout}");
    let report = reachability(&stdout);
    assert_eq!(report["verdict"], "unresolved", "{report}");
    assert!(report["addresses"].as_array().is_some_and(Vec::is_empty));
    let causes = causes(&report);
    assert!(causes.contains("typo"), "{causes}");
    assert!(causes.contains("private DNS zone"), "{causes}");
}

#[test]
fn loopback_is_classified_as_loopback_and_needs_no_advice() {
    let running = Running::start(HostForm::CustomDomain, true);
    let env = running.emulator().env_vars();
    assert!(
        env.iter()
            .any(|(k, v)| k == "AZSPEECH_CONNECT_TO" && v.contains("=127.0.0.1:")),
        "{env:?}"
    );
    let (code, stdout, stderr) = azspeech(&env, &["doctor", "--probe", "--json"]);
    assert_eq!(code, Some(0), "{stdout}\n{stderr}");
    let report = reachability(&stdout);
    assert_eq!(report["verdict"], "loopback", "{report}");
    assert_eq!(report["addresses"][0]["class"], "loopback");
    assert!(
        report["summary"]
            .as_str()
            .is_some_and(|s| s.ends_with("the service answered")),
        "{report}"
    );
    assert_eq!(report["advice"], serde_json::json!([]));
    let (_, text, _) = azspeech(&env, &["doctor", "--probe"]);
    assert!(text.contains("127.0.0.1 (loopback)"), "{text}");
    // Without --probe, nothing is resolved.
    let (_, plain, _) = azspeech(&env, &["doctor", "--json"]);
    assert!(!plain.contains("\"reachability\""), "{plain}");
}
