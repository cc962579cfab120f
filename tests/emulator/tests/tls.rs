//! TLS with the generated test CA: `wss://` and `https://` on the same port as plain HTTP, for
//! 127.0.0.1, localhost and the emulated Azure host names.

mod common;
use common::*;

#[tokio::test]
async fn wss_and_https_with_the_generated_ca() {
    let ca_file = std::env::temp_dir().join(format!("azspeech-emu-ca-{}.pem", new_id()));
    let emulator = start(
        config()
            .tls(true)
            .ca_file(&ca_file)
            .default_form(HostForm::CustomDomain),
    )
    .await;
    let pem = std::fs::read_to_string(&ca_file).expect("CA written");
    assert_eq!(Some(pem.as_str()), emulator.ca_pem());
    assert!(pem.starts_with("-----BEGIN CERTIFICATE-----"));
    let custom = "contoso-speech.cognitiveservices.azure.com";
    // The custom domain over TLS (server name = the custom domain, connected to 127.0.0.1).
    let target = Target::host(&emulator, custom).with_tls(&emulator);
    let token = emulator.mint_entra_token(MintOptions::default());
    let id = new_id();
    let mut ws = upgrade(
        &target,
        "/stt/speech/universal/v2",
        &[("Authorization", &format!("Bearer {token}")), ("X-ConnectionId", &id)],
    )
    .await
    .expect("wss upgrade");
    ws.send_text(speech_config(16000)).await;
    let replies = recognize_turn(&mut ws, &new_id(), CONTEXT, 16000, &[0; 3200]).await;
    assert_eq!(replies.first().map(|p| p.path.as_str()), Some("turn.start"));
    // https on loopback (served as the default form: the custom domain) and on a regional name.
    for (host, path) in [
        ("127.0.0.1", "/tts/cognitiveservices/voices/list"),
        ("localhost", "/tts/cognitiveservices/voices/list"),
        ("westeurope.tts.speech.microsoft.com", "/cognitiveservices/voices/list"),
    ] {
        let r = http(
            &Target::host(&emulator, host).with_tls(&emulator),
            "GET",
            path,
            &[("Ocp-Apim-Subscription-Key", emulator.primary_key())],
            b"",
        )
        .await;
        assert_eq!(r.status, 200, "{host}");
    }
    assert!(emulator.request_log().iter().all(|r| r.tls));
    // Plain HTTP still works on the same port; loopback now behaves as the default form.
    let plain = http(
        &Target::loopback(&emulator),
        "GET",
        "/tts/cognitiveservices/voices/list",
        &[("Ocp-Apim-Subscription-Key", emulator.primary_key())],
        b"",
    )
    .await;
    assert_eq!(plain.status, 200);
    // The variables point a client at the real custom-domain URL through connect-to.
    let vars: std::collections::HashMap<String, String> = emulator.env_vars().into_iter().collect();
    assert_eq!(vars["SPEECH_ENDPOINT"], format!("https://{custom}/"));
    assert_eq!(vars["AZSPEECH_CONNECT_TO"], format!("{custom}={}", emulator.addr()));
    assert_eq!(vars["AZSPEECH_CA_FILE"], ca_file.display().to_string());
    let _ = std::fs::remove_file(ca_file);
}

#[tokio::test]
async fn clients_without_the_ca_are_refused() {
    let emulator = start(config().tls(true)).await;
    let other = start(config().tls(true)).await;
    // Trusting another emulator's CA is not enough.
    let mut target = Target::loopback(&emulator);
    target.tls = Some(tls_client(&other));
    let stream = tokio::net::TcpStream::connect(emulator.addr()).await.expect("tcp");
    let name = rustls::pki_types::ServerName::try_from("127.0.0.1").expect("name");
    let result = tokio_rustls::TlsConnector::from(target.tls.clone().expect("tls"))
        .connect(name, stream)
        .await;
    assert!(result.is_err());
}

#[tokio::test]
async fn only_loopback_binds() {
    let err = Emulator::start(config().bind("0.0.0.0:0".parse().expect("addr")))
        .await
        .err();
    assert!(
        matches!(err, Some(EmulatorError::Config(ConfigError::NotLoopback(_)))),
        "{err:?}"
    );
    let ok = Emulator::start(config().bind("127.0.0.1:0".parse().expect("addr"))).await;
    assert!(ok.is_ok());
}
