//! HTTP proxies against a real one: Debian's `tinyproxy`, started per test on 127.0.0.1 with its
//! own configuration. STT and TTS go over `wss` through a `CONNECT` tunnel to the emulator's TLS
//! listener, REST (the voices list) through the HTTP client's tunnel; basic auth right and
//! wrong; `NO_PROXY` bypasses (the proxy's own log shows no `CONNECT`); and the proxy password
//! never reaches output, even at `--log-level trace`.
//!
//! Without `tinyproxy` these tests print why and pass, unless `CI` is set: then they fail.

mod common;

use azspeech_host::spoken_words;
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use azspeech_emulator::HostForm;
use common::closed_port;
use common::emulator::{Running, azspeech};

const USER: &str = "alice";
const PASSWORD: &str = "sentinelPROXYPASSWORDz9y8x7w6";
const WRONG_PASSWORD: &str = "sentinelWRONGPROXYPASSWORDq1w2";
const SENTENCE: &str = "The proxy carries every word.";

/// A tinyproxy on a free loopback port, stopped on drop.
struct Tinyproxy {
    child: Child,
    port: u16,
    dir: tempfile::TempDir,
}

impl Tinyproxy {
    /// Start one, with basic auth when `auth` is given. `None` (after saying why) when
    /// tinyproxy is not installed and `CI` is unset.
    fn start(auth: bool) -> Option<Self> {
        let installed = Command::new("tinyproxy")
            .arg("-v")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok();
        if !installed {
            assert!(
                std::env::var_os("CI").is_none(),
                "tinyproxy is not installed but CI is set: install it (scripts/setup.sh does: apt-get install tinyproxy)"
            );
            eprintln!("skipping: tinyproxy is not installed (apt-get install tinyproxy; scripts/setup.sh does it)");
            return None;
        }
        let dir = tempfile::tempdir().expect("tempdir");
        let port = closed_port();
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nTimeout 60\nMaxClients 50\nLogLevel Connect\nLogFile \"{}\"\n",
            dir.path().join("tinyproxy.log").display()
        );
        if auth {
            conf.push_str(&format!("BasicAuth {USER} {PASSWORD}\n"));
        }
        let conf_path = dir.path().join("tinyproxy.conf");
        std::fs::write(&conf_path, conf).expect("write tinyproxy.conf");
        let child = Command::new("tinyproxy")
            .arg("-d")
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tinyproxy starts");
        let proxy = Self { child, port, dir };
        let deadline = Instant::now() + Duration::from_secs(20);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "tinyproxy did not listen on {port}: {}",
                proxy.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(proxy)
    }

    /// `http://[credentials@]127.0.0.1:PORT`.
    fn url(&self, credentials: Option<(&str, &str)>) -> String {
        match credentials {
            Some((user, password)) => format!("http://{user}:{password}@127.0.0.1:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("tinyproxy.log")).unwrap_or_default()
    }

    /// The `CONNECT` requests the proxy logged, e.g. `CONNECT 127.0.0.1:4433`.
    fn connects(&self) -> Vec<String> {
        self.log()
            .lines()
            .filter_map(|line| line.split("): ").nth(1))
            .filter(|request| request.starts_with("CONNECT "))
            .map(|request| request.trim_end_matches(" HTTP/1.1").to_owned())
            .collect()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The emulator's environment (https://127.0.0.1:PORT and its CA) with `extra` on top.
fn env_with(running: &Running, extra: &[(&str, String)]) -> Vec<(String, String)> {
    let mut env = running.emulator().env_vars();
    for (name, value) in extra {
        env.retain(|(k, _)| k != name);
        env.push(((*name).to_owned(), value.clone()));
    }
    env
}

/// `127.0.0.1:PORT` of the emulator.
fn emulator_authority(env: &[(String, String)]) -> String {
    let endpoint = &env.iter().find(|(k, _)| k == "SPEECH_ENDPOINT").expect("endpoint").1;
    assert!(endpoint.starts_with("https://127.0.0.1:"), "{endpoint}");
    endpoint.trim_start_matches("https://").trim_end_matches('/').to_owned()
}

/// tts to a WAV file, stt of it, and the voices list: all must succeed.
fn tts_stt_voices(env: &[(String, String)], dir: &Path) -> PathBuf {
    let wav = dir.join("proxied.wav");
    let wav_arg = wav.to_str().expect("utf8");
    let (code, _, stderr) = azspeech(env, &["tts", SENTENCE, "-o", wav_arg]);
    assert_eq!(code, Some(0), "tts: {stderr}");
    let (code, stdout, stderr) = azspeech(env, &["stt", wav_arg]);
    assert_eq!(code, Some(0), "stt: {stderr}");
    assert_eq!(spoken_words(&stdout), spoken_words(SENTENCE), "stt heard: {stdout}");
    let (code, stdout, stderr) = azspeech(env, &["voices", "--json"]);
    assert_eq!(code, Some(0), "voices: {stderr}");
    assert!(stdout.trim_start().starts_with('['), "{stdout}");
    wav
}

#[test]
fn stt_tts_and_rest_go_through_the_proxy() {
    let Some(proxy) = Tinyproxy::start(false) else { return };
    let running = Running::start(HostForm::Loopback, true);
    let env = env_with(&running, &[("HTTPS_PROXY", proxy.url(None))]);
    let dir = tempfile::tempdir().expect("tempdir");
    tts_stt_voices(&env, dir.path());
    // tts (WebSocket), stt (WebSocket) and voices (REST): three tunnels to the emulator.
    let target = format!("CONNECT {}", emulator_authority(&env));
    let connects = proxy.connects();
    assert!(
        connects.iter().filter(|c| **c == target).count() >= 3,
        "expected 3 tunnels to {target}, the proxy logged {connects:?}\n{}",
        proxy.log()
    );
    // The same through --proxy, with the variable pointing at nothing.
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let env = env_with(&running, &[("HTTPS_PROXY", dead)]);
    let before = proxy.connects().len();
    let (code, _, stderr) = azspeech(&env, &["voices", "--proxy", &proxy.url(None)]);
    assert_eq!(code, Some(0), "voices --proxy: {stderr}");
    assert!(proxy.connects().len() > before, "--proxy was not used: {}", proxy.log());
}

#[test]
fn basic_auth_right_and_wrong() {
    let Some(proxy) = Tinyproxy::start(true) else { return };
    let running = Running::start(HostForm::Loopback, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let right = env_with(&running, &[("HTTPS_PROXY", proxy.url(Some((USER, PASSWORD))))]);
    let wav = tts_stt_voices(&right, dir.path());
    let wav_arg = wav.to_str().expect("utf8");
    let right_sts = env_with(
        &running,
        &[
            ("HTTPS_PROXY", proxy.url(Some((USER, PASSWORD)))),
            ("SPEECH_AUTH", "sts".into()),
        ],
    );
    let (code, stdout, stderr) = azspeech(&right_sts, &["stt", wav_arg]);
    assert_eq!(code, Some(0), "stt with STS through the proxy: {stderr}");
    assert_eq!(spoken_words(&stdout), spoken_words(SENTENCE));

    let proxy_url = proxy.url(None);
    // tinyproxy answers a CONNECT without credentials with 407, and one with wrong credentials
    // with 401.
    for (label, credentials, status) in [("wrong", Some((USER, WRONG_PASSWORD)), 401), ("none", None, 407)] {
        let wrong = env_with(&running, &[("HTTPS_PROXY", proxy.url(credentials))]);
        let wrong_sts = env_with(
            &running,
            &[("HTTPS_PROXY", proxy.url(credentials)), ("SPEECH_AUTH", "sts".into())],
        );
        for (env, args) in [
            (&wrong, &["stt", wav_arg][..]),
            (&wrong, &["tts", "hello", "-o", "-"]),
            (&wrong, &["voices"]),
            // The STS token exchange fails at the proxy before any WebSocket.
            (&wrong_sts, &["tts", "hello", "-o", "-"]),
        ] {
            let (code, stdout, stderr) = azspeech(env, args);
            assert_ne!(code, Some(0), "{label} {args:?} succeeded: {stdout}");
            assert!(
                stderr.contains(&format!("proxy {proxy_url}")) && stderr.contains(&format!("HTTP {status}")),
                "{label} {args:?}: the error must name the proxy and its {status}:\n{stderr}"
            );
            let fix = if credentials.is_some() {
                "rejected the credentials"
            } else {
                "requires authentication"
            };
            assert!(stderr.contains(fix), "{label} {args:?}: no fix in:\n{stderr}");
            for secret in [PASSWORD, WRONG_PASSWORD] {
                assert!(
                    !stdout.contains(secret) && !stderr.contains(secret),
                    "{label} {args:?} leaked"
                );
            }
        }
    }
}

#[test]
fn no_proxy_matches_bypass_the_proxy() {
    let Some(proxy) = Tinyproxy::start(false) else { return };
    let running = Running::start(HostForm::Loopback, true);
    let dir = tempfile::tempdir().expect("tempdir");
    for no_proxy in ["127.0.0.1", "127.0.0.0/8", "localhost,127.0.0.1", "*"] {
        for name in ["NO_PROXY", "no_proxy"] {
            let env = env_with(
                &running,
                &[("HTTPS_PROXY", proxy.url(None)), (name, no_proxy.to_owned())],
            );
            tts_stt_voices(&env, dir.path());
        }
    }
    assert_eq!(proxy.connects(), Vec::<String>::new(), "{}", proxy.log());
    // `--no-proxy` ignores a proxy that refuses every connection.
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let env = env_with(&running, &[("HTTPS_PROXY", dead.clone()), ("ALL_PROXY", dead)]);
    let (code, _, stderr) = azspeech(&env, &["voices", "--no-proxy"]);
    assert_eq!(code, Some(0), "{stderr}");
    // A NO_PROXY entry for another host does not bypass.
    let env = env_with(
        &running,
        &[
            ("HTTPS_PROXY", proxy.url(None)),
            ("NO_PROXY", "127.0.0.2,example.com".into()),
        ],
    );
    let (code, _, stderr) = azspeech(&env, &["voices"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(proxy.connects().len(), 1, "{}", proxy.log());
}

#[test]
fn a_dead_or_malformed_proxy_is_named() {
    let running = Running::start(HostForm::Loopback, true);
    let dead = format!("http://127.0.0.1:{}", closed_port());
    let env = env_with(&running, &[("HTTPS_PROXY", dead.clone())]);
    // (REST, which fails at once; a WebSocket would spend its reconnect budget first.)
    let (code, _, stderr) = azspeech(&env, &["voices"]);
    assert_eq!(code, Some(4), "{stderr}");
    assert!(
        stderr.contains(&format!("the proxy {dead} (from HTTPS_PROXY)")) && stderr.contains("is running and reachable"),
        "{stderr}"
    );
    let env = env_with(&running, &[("HTTPS_PROXY", "socks5://127.0.0.1:1080".into())]);
    let (code, _, stderr) = azspeech(&env, &["voices"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("HTTPS_PROXY") && stderr.contains("SOCKS"), "{stderr}");
    // doctor shows it in its proxy section and exits with the configuration code.
    let (code, stdout, stderr) = azspeech(&env, &["doctor", "--json"]);
    assert_eq!(code, Some(2), "{stdout}\n{stderr}");
    let doctor: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let error = doctor["proxy"]["error"].as_str().expect("proxy.error");
    assert!(
        error.contains("HTTPS_PROXY names a SOCKS proxy") && error.contains("fix:"),
        "{error}"
    );
}

#[test]
fn doctor_shows_the_route_of_each_request_with_credentials_masked() {
    let running = Running::start(HostForm::Loopback, true);
    let proxy = format!("http://{USER}:{PASSWORD}@127.0.0.1:{}", closed_port());
    let env = env_with(
        &running,
        &[("https_proxy", proxy), ("NO_PROXY", "login.microsoftonline.com".into())],
    );
    let (code, stdout, stderr) = azspeech(&env, &["doctor", "--json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let doctor: serde_json::Value = serde_json::from_str(&stdout).expect("json");
    let routes = doctor["proxy"]["routes"].as_array().expect("routes");
    let services: Vec<&str> = routes.iter().filter_map(|r| r["request"].as_str()).collect();
    for service in ["stt", "tts", "rest"] {
        assert!(services.contains(&service), "{service} missing: {doctor}");
    }
    for route in routes {
        assert!(
            route["proxy"]
                .as_str()
                .is_some_and(|p| p.starts_with("http://127.0.0.1:")),
            "{route}"
        );
        assert_eq!(route["reason"], "variable", "{route}");
        assert_eq!(route["why"], "https_proxy is set", "{route}");
        assert_eq!(route["credentials"], "sent", "{route}");
    }
    let (code, text, stderr) = azspeech(&env, &["doctor"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(text.contains("proxy:") && text.contains("https_proxy is set"), "{text}");
    for output in [&stdout, &text, &stderr] {
        assert!(
            !output.contains(PASSWORD) && !output.contains(&format!("{USER}:")),
            "{output}"
        );
    }
}

#[test]
fn the_proxy_password_never_reaches_output_even_at_trace() {
    let Some(proxy) = Tinyproxy::start(true) else { return };
    let running = Running::start(HostForm::Loopback, true);
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("trace.wav");
    let wav_arg = wav.to_str().expect("utf8");
    for password in [PASSWORD, WRONG_PASSWORD] {
        let url = proxy.url(Some((USER, password)));
        let by_variable = env_with(&running, &[("HTTPS_PROXY", url.clone())]);
        let by_flag = env_with(&running, &[]);
        let runs: Vec<(&Env, Vec<&str>)> = vec![
            (&by_variable, vec!["tts", SENTENCE, "-o", wav_arg]),
            (&by_variable, vec!["stt", wav_arg]),
            (&by_variable, vec!["voices"]),
            (&by_variable, vec!["doctor"]),
            (&by_variable, vec!["doctor", "--json"]),
            (&by_variable, vec!["doctor", "--probe"]),
            (&by_flag, vec!["voices", "--proxy", &url]),
            (&by_flag, vec!["doctor", "--probe", "--proxy", &url]),
        ];
        for (env, args) in runs {
            let mut traced = vec!["--log-level", "trace"];
            traced.extend(args.iter().copied());
            let (code, stdout, stderr) = azspeech(env, &traced);
            for secret in [PASSWORD, WRONG_PASSWORD] {
                assert!(
                    !stdout.contains(secret) && !stderr.contains(secret),
                    "the proxy password leaked from {traced:?} (exit {code:?})"
                );
            }
            // The Basic header is the password too, only encoded.
            for header in [basic(PASSWORD), basic(WRONG_PASSWORD)] {
                assert!(
                    !stdout.contains(&header) && !stderr.contains(&header),
                    "Basic header leaked: {traced:?}"
                );
            }
        }
    }
}

type Env = Vec<(String, String)>;

fn basic(password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{password}"))
}

#[test]
fn entra_token_requests_use_the_proxy_and_managed_identity_goes_direct() {
    let Some(proxy) = Tinyproxy::start(false) else { return };
    let running = Running::start(HostForm::Loopback, true);
    let emulator = running.emulator();
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("entra.wav");
    let wav_arg = wav.to_str().expect("utf8");
    let entra = |extra: Vec<(String, String)>, credential: &str| {
        let mut env: Vec<(String, String)> = emulator
            .env_vars()
            .into_iter()
            .filter(|(k, _)| !k.starts_with("SPEECH_KEY"))
            .collect();
        env.extend(extra);
        env.push(("SPEECH_CREDENTIAL".into(), credential.into()));
        env.push(("HTTPS_PROXY".into(), proxy.url(None)));
        env.push(("HTTP_PROXY".into(), proxy.url(None)));
        env
    };

    // A service principal: azure_identity's token request to the authority is tunnelled too.
    let env = entra(emulator.service_principal_env_vars(), "service-principal");
    let authority = &env
        .iter()
        .find(|(k, _)| k == "AZURE_AUTHORITY_HOST")
        .expect("authority")
        .1;
    assert!(authority.starts_with("https://127.0.0.1:"), "{authority}");
    let (code, _, stderr) = azspeech(&env, &["tts", SENTENCE, "-o", wav_arg]);
    assert_eq!(
        code,
        Some(0),
        "tts with a service principal through the proxy: {stderr}"
    );
    let target = format!("CONNECT {}", emulator_authority(&env));
    let tunnels = proxy.connects().iter().filter(|c| **c == target).count();
    assert!(
        tunnels >= 2,
        "expected the token request and the WebSocket to be tunnelled: {}",
        proxy.log()
    );

    // Managed identity (App Service's IDENTITY_ENDPOINT on loopback): direct, even with
    // HTTP_PROXY set; only the WebSocket goes through the proxy.
    let before = proxy.log().lines().count();
    let env = entra(emulator.managed_identity_env_vars(false), "managed-identity");
    let endpoint = &env.iter().find(|(k, _)| k == "IDENTITY_ENDPOINT").expect("endpoint").1;
    assert!(endpoint.starts_with("http://127.0.0.1:"), "{endpoint}");
    let (code, _, stderr) = azspeech(&env, &["tts", SENTENCE, "-o", wav_arg]);
    assert_eq!(code, Some(0), "tts with managed identity: {stderr}");
    let log = proxy.log();
    let requests: Vec<&str> = log
        .lines()
        .skip(before)
        .filter_map(|line| line.split("): ").nth(1))
        .collect();
    let requests: Vec<&str> = requests.into_iter().filter(|r| r.contains(" HTTP/1.")).collect();
    assert_eq!(requests, [format!("{target} HTTP/1.1")], "before={before}\n{log}");
}
