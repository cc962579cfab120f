//! A small raw client for the emulator: HTTP over hyper, WebSocket over tokio-tungstenite, USP
//! frames through the component's codec. Plain or TLS (trusting the emulator's CA).
#![allow(dead_code, unreachable_pub)]

pub mod audio;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use azspeech_component::usp::{self, Headers};
pub use azspeech_emulator::*;
use futures_util::{SinkExt, StreamExt};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;
use rustls::pki_types::{CertificateDer, ServerName};
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::handshake::client::generate_key;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The built-in synthesizer, quiet logs: the default for tests.
pub fn config() -> EmulatorConfig {
    EmulatorConfig::new()
        .synthesizer(SynthesizerChoice::BuiltIn)
        .verbosity(Verbosity::Quiet)
}

pub async fn start(config: EmulatorConfig) -> RunningEmulator {
    Emulator::start(config).await.expect("emulator starts")
}

/// A rustls client config trusting the emulator's CA.
pub fn tls_client(emulator: &RunningEmulator) -> Arc<rustls::ClientConfig> {
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(CertificateDer::from(emulator.ca_der().expect("TLS on").to_vec()))
        .expect("CA");
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Arc::new(
        rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth(),
    )
}

static COUNTER: AtomicU64 = AtomicU64::new(1);

/// A fresh 32-hex id (lowercase, as the Python SDK writes them).
pub fn new_id() -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    format!(
        "{:016x}{:016x}",
        (t as u64).rotate_left(17) ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15),
        n
    )
}

/// Where to connect and as which host.
#[derive(Clone)]
pub struct Target {
    pub addr: SocketAddr,
    /// `Host` header (and TLS server name).
    pub host: String,
    pub tls: Option<Arc<rustls::ClientConfig>>,
}

impl Target {
    pub fn loopback(emulator: &RunningEmulator) -> Self {
        Target {
            addr: emulator.addr(),
            host: emulator.addr().to_string(),
            tls: None,
        }
    }

    pub fn host(emulator: &RunningEmulator, host: &str) -> Self {
        Target {
            addr: emulator.addr(),
            host: host.to_owned(),
            tls: None,
        }
    }

    pub fn with_tls(mut self, emulator: &RunningEmulator) -> Self {
        self.tls = Some(tls_client(emulator));
        self
    }

    async fn connect(&self) -> MaybeTlsStream<TcpStream> {
        let tcp = TcpStream::connect(self.addr).await.expect("connect");
        match &self.tls {
            None => MaybeTlsStream::Plain(tcp),
            Some(config) => {
                let name = self
                    .host
                    .rsplit_once(':')
                    .map_or(self.host.as_str(), |(h, _)| h)
                    .to_owned();
                let server_name = ServerName::try_from(name).expect("server name");
                let stream = tokio_rustls::TlsConnector::from(config.clone())
                    .connect(server_name, tcp)
                    .await
                    .expect("TLS handshake");
                MaybeTlsStream::Rustls(stream)
            }
        }
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: http::HeaderMap,
    pub body: Vec<u8>,
}

impl HttpResponse {
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

/// One HTTP/1.1 request.
pub async fn http(target: &Target, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> HttpResponse {
    let io = TokioIo::new(target.connect().await);
    let (mut sender, connection) = hyper::client::conn::http1::handshake(io).await.expect("handshake");
    tokio::spawn(connection);
    let mut request = http::Request::builder()
        .method(method)
        .uri(path)
        .header("host", &target.host);
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(Full::new(Bytes::copy_from_slice(body))).expect("request");
    let response = sender.send_request(request).await.expect("response");
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let body = response.into_body().collect().await.expect("body").to_bytes().to_vec();
    HttpResponse { status, headers, body }
}

/// What the server answered on the socket.
#[derive(Debug)]
pub enum Reply {
    Text(String),
    Binary(Vec<u8>),
    Close(u16, String),
    /// Closed without a close frame (1006 at the client).
    Dropped(String),
    /// Nothing within the wait.
    Silent,
}

/// A connected WebSocket.
pub struct Ws {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub protocol: Option<String>,
}

/// A refused upgrade.
#[derive(Debug)]
pub struct Refused {
    pub status: u16,
    pub body: String,
    pub retry_after: Option<String>,
}

/// Open a WebSocket with `headers` (no auth added).
pub async fn upgrade(target: &Target, path: &str, headers: &[(&str, &str)]) -> Result<Ws, Refused> {
    let stream = target.connect().await;
    let scheme = if target.tls.is_some() { "wss" } else { "ws" };
    let mut request = http::Request::builder()
        .uri(format!("{scheme}://{}{path}", target.host))
        .header("Host", &target.host)
        .header("Connection", "Upgrade")
        .header("Upgrade", "websocket")
        .header("Sec-WebSocket-Version", "13")
        .header("Sec-WebSocket-Key", generate_key());
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let request = request.body(()).expect("request");
    match tokio_tungstenite::client_async(request, stream).await {
        Ok((stream, response)) => Ok(Ws {
            stream,
            protocol: response
                .headers()
                .get("sec-websocket-protocol")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
        }),
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => Err(Refused {
            status: response.status().as_u16(),
            retry_after: response
                .headers()
                .get("retry-after")
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned),
            body: response
                .body()
                .as_ref()
                .map(|b| String::from_utf8_lossy(b).into_owned())
                .unwrap_or_default(),
        }),
        Err(e) => Err(Refused {
            status: 0,
            body: e.to_string(),
            retry_after: None,
        }),
    }
}

/// Open a WebSocket with a key, a fresh X-ConnectionId and the USP subprotocol.
pub async fn connect_key(target: &Target, path: &str, key: &str) -> Ws {
    let id = new_id();
    upgrade(
        target,
        path,
        &[
            ("Ocp-Apim-Subscription-Key", key),
            ("X-ConnectionId", &id),
            ("Sec-WebSocket-Protocol", "USP"),
        ],
    )
    .await
    .expect("upgrade accepted")
}

impl Ws {
    pub async fn send_text(&mut self, text: String) {
        let _ = self.stream.send(Message::text(text)).await;
    }

    pub async fn send_binary(&mut self, bytes: Vec<u8>) {
        let _ = self.stream.send(Message::binary(bytes)).await;
    }

    /// The next message, waiting at most `wait`.
    pub async fn recv_within(&mut self, wait: Duration) -> Reply {
        loop {
            let next = match tokio::time::timeout(wait, self.stream.next()).await {
                Err(_) => return Reply::Silent,
                Ok(next) => next,
            };
            return match next {
                None => Reply::Dropped("stream ended".to_owned()),
                Some(Err(e)) => Reply::Dropped(e.to_string()),
                Some(Ok(Message::Text(t))) => Reply::Text(t.as_str().to_owned()),
                Some(Ok(Message::Binary(b))) => Reply::Binary(b.to_vec()),
                Some(Ok(Message::Close(frame))) => Reply::Close(
                    frame.as_ref().map(|f| u16::from(f.code)).unwrap_or(1005),
                    frame.map(|f| f.reason.to_string()).unwrap_or_default(),
                ),
                Some(Ok(_)) => continue,
            };
        }
    }

    /// The next message (30 s safety limit so a broken emulator fails the test instead of
    /// hanging it).
    pub async fn recv(&mut self) -> Reply {
        self.recv_within(Duration::from_secs(30)).await
    }

    /// Read until the server closes; returns the close code and reason.
    pub async fn expect_close(&mut self) -> (u16, String) {
        loop {
            match self.recv().await {
                Reply::Close(code, reason) => return (code, reason),
                Reply::Text(_) | Reply::Binary(_) => continue,
                other => panic!("expected a close frame, got {other:?}"),
            }
        }
    }
}

/// A parsed text reply.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Value,
    pub raw: String,
}

impl Parsed {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

pub fn parse(text: &str) -> Parsed {
    let message = usp::parse_text(text).expect("the emulator sends well-formed text messages");
    Parsed {
        path: message.path.to_owned(),
        headers: message
            .headers
            .iter()
            .map(|(n, v)| (n.to_owned(), v.to_owned()))
            .collect(),
        body: serde_json::from_str(message.body).expect("every text body is JSON"),
        raw: text.to_owned(),
    }
}

pub fn stamp() -> String {
    let ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    usp::format_timestamp(ms)
}

/// A text frame as the Python SDK writes it (`Name:value`, X-Timestamp first).
pub fn text_frame(path: &str, id: Option<&str>, content_type: Option<&str>, body: &str) -> String {
    let stamp = stamp();
    let mut headers = Headers::new().with("X-Timestamp", &stamp).with("Path", path);
    if let Some(ct) = content_type {
        headers.push("Content-Type", ct);
    }
    if let Some(id) = id {
        headers.push("X-RequestId", id);
    }
    usp::encode_text(&headers, body).expect("encode")
}

/// A binary audio frame as the Python SDK writes it.
pub fn audio_frame(id: &str, content_type: Option<&str>, payload: &[u8]) -> Vec<u8> {
    let stamp = stamp();
    let mut headers = Headers::new().with("X-Timestamp", &stamp).with("Path", "audio");
    if let Some(ct) = content_type {
        headers.push("Content-Type", ct);
    }
    headers.push("X-RequestId", id);
    headers.push("X-StreamId", "1");
    usp::encode_binary(&headers, payload).expect("encode")
}

pub fn speech_config(rate: u32) -> String {
    let body = format!(
        r#"{{"context":{{"system":{{"version":"1.53.0","name":"SpeechSDK","build":"Linux-x64","lang":"Python"}},"os":{{"name":"Linux","version":"6","platform":"Linux"}},"audio":{{"source":{{"type":"File","model":"","samplerate":"{rate}","bitspersample":"16","channelcount":"1"}}}}}}}}"#
    );
    text_frame("speech.config", None, Some("application/json"), &body)
}

pub fn tts_speech_config() -> String {
    text_frame(
        "speech.config",
        None,
        None,
        r#"{"context":{"system":{"version":"1.53.0","name":"SpeechSDK","build":"Linux-x64"},"os":{"platform":"Linux","name":"Linux","version":"6"}}}"#,
    )
}

pub fn wav_header(rate: u32) -> Vec<u8> {
    usp::wav::wav_header(&usp::wav::WavFormat::pcm(rate, 16, 1), None).to_vec()
}

pub fn pcm_bytes(samples: &[i16]) -> Vec<u8> {
    samples.iter().flat_map(|s| s.to_le_bytes()).collect()
}

pub fn pcm_samples(bytes: &[u8]) -> Vec<i16> {
    bytes
        .chunks_exact(2)
        .map(|c| i16::from_le_bytes([c[0], c[1]]))
        .collect()
}

/// Send one recognition turn (speech.context, header, 3200-byte chunks, empty frame) and
/// collect the replies until `turn.end`.
pub async fn recognize_turn(ws: &mut Ws, id: &str, context: &str, rate: u32, samples: &[i16]) -> Vec<Parsed> {
    ws.send_text(text_frame("speech.context", Some(id), None, context))
        .await;
    ws.send_binary(audio_frame(id, Some("audio/x-wav"), &wav_header(rate)))
        .await;
    let bytes = pcm_bytes(samples);
    for chunk in bytes.chunks((rate as usize / 10) * 2) {
        ws.send_binary(audio_frame(id, None, chunk)).await;
    }
    ws.send_binary(audio_frame(id, None, &[])).await;
    let mut replies = Vec::new();
    loop {
        match ws.recv().await {
            Reply::Text(t) => {
                let p = parse(&t);
                let end = p.path == "turn.end";
                replies.push(p);
                if end {
                    return replies;
                }
            }
            other => panic!("unexpected {other:?} during recognition; so far {replies:#?}"),
        }
    }
}

/// Recognize on a fresh loopback connection (key auth).
pub async fn recognize(
    emulator: &RunningEmulator,
    path: &str,
    context: &str,
    rate: u32,
    samples: &[i16],
) -> Vec<Parsed> {
    let mut ws = connect_key(&Target::loopback(emulator), path, emulator.primary_key()).await;
    ws.send_text(speech_config(rate)).await;
    recognize_turn(&mut ws, &new_id(), context, rate, samples).await
}

pub fn phrases(replies: &[Parsed]) -> Vec<&Parsed> {
    replies.iter().filter(|p| p.path == "speech.phrase").collect()
}

/// The SSML the Python SDK builds for `speak_text`.
pub fn sdk_ssml(voice: &str, text: &str) -> String {
    let escaped = text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    format!(
        "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xmlns:mstts='http://www.w3.org/2001/mstts' xmlns:emo='http://www.w3.org/2009/10/emotionml' xml:lang='en-US'><voice name='{voice}'>{escaped}</voice></speak>"
    )
}

pub fn synthesis_context(format: &str, word_boundaries: bool) -> String {
    format!(
        r#"{{"synthesis":{{"audio":{{"outputFormat":"{format}","metadataOptions":{{"visemeEnabled":false,"bookmarkEnabled":false,"wordBoundaryEnabled":{word_boundaries},"punctuationBoundaryEnabled":false,"sentenceBoundaryEnabled":{word_boundaries},"sessionEndEnabled":true}}}},"language":{{"autoDetection":false}}}}}}"#
    )
}

/// What a synthesis turn returned.
#[derive(Debug, Default)]
pub struct Synthesis {
    pub texts: Vec<Parsed>,
    /// Headers of each binary frame.
    pub audio_headers: Vec<Vec<(String, String)>>,
    pub audio: Vec<u8>,
    /// Order of paths as received (binary frames as `audio`).
    pub order: Vec<String>,
}

/// One synthesis turn on an open TTS socket (speech.config already sent).
pub async fn synthesize_turn(ws: &mut Ws, id: &str, format: &str, ssml: &str, word_boundaries: bool) -> Synthesis {
    ws.send_text(text_frame(
        "synthesis.context",
        Some(id),
        None,
        &synthesis_context(format, word_boundaries),
    ))
    .await;
    ws.send_text(text_frame("ssml", Some(id), Some("application/ssml+xml"), ssml))
        .await;
    let mut out = Synthesis::default();
    loop {
        match ws.recv().await {
            Reply::Text(t) => {
                let p = parse(&t);
                out.order.push(p.path.clone());
                let end = p.path == "turn.end";
                out.texts.push(p);
                if end {
                    return out;
                }
            }
            Reply::Binary(b) => {
                let m = usp::parse_binary(&b).expect("well-formed binary");
                out.order.push(m.path.to_owned());
                out.audio_headers
                    .push(m.headers.iter().map(|(n, v)| (n.to_owned(), v.to_owned())).collect());
                out.audio.extend_from_slice(m.payload);
            }
            other => panic!("unexpected {other:?} during synthesis"),
        }
    }
}

/// Synthesize `text` on a fresh loopback TTS connection; returns raw PCM samples (for PCM
/// formats) and the turn.
pub async fn synthesize(emulator: &RunningEmulator, voice: &str, text: &str, format: &str) -> (Vec<i16>, Synthesis) {
    let mut ws = connect_key(
        &Target::loopback(emulator),
        "/cognitiveservices/websocket/v1",
        emulator.primary_key(),
    )
    .await;
    ws.send_text(tts_speech_config()).await;
    let synthesis = synthesize_turn(&mut ws, &new_id(), format, &sdk_ssml(voice, text), true).await;
    (pcm_samples(&synthesis.audio), synthesis)
}

/// The interactive (v1) path.
pub const INTERACTIVE: &str = "/speech/recognition/interactive/cognitiveservices/v1?language=en-us";
/// The conversation (v1) path.
pub const CONVERSATION: &str = "/speech/recognition/conversation/cognitiveservices/v1?language=en-us";
/// The Python SDK's speech.context.
pub const CONTEXT: &str = r#"{"phraseDetection":{"language":"en-us"},"audio":{"streams":{"1":null}}}"#;
/// speech.context asking for detailed output with word timings.
pub const DETAILED_CONTEXT: &str = r#"{"phraseDetection":{"language":"en-us"},"audio":{"streams":{"1":null}},"phraseOutput":{"format":"Detailed","detailed":{"options":["WordTimings","WordConfidence"]}}}"#;

/// Deterministic white noise.
pub fn noise(len: usize, amplitude: i32, seed: u64) -> Vec<i16> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s % (2 * amplitude as u64 + 1)) as i32 - amplitude) as i16
        })
        .collect()
}
