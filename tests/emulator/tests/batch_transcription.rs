//! Batch transcription: submit, status on the injectable clock, files behind SAS-like URLs,
//! result files in ticks, loopback-only storage, failures the way the service reports them,
//! time-to-live deletion, and the request checks.

mod common;

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::audio::*;
use common::*;
use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use serde_json::{Value, json};

const AVA: &str = "en-US-AvaMultilingualNeural";
const GUY: &str = "en-US-GuyNeural";
const V: &str = "api-version=2025-10-15";

/// A loopback "blob storage" for the test: GET/HEAD of stored blobs (403 without `sig` under
/// `/private/`), container listing (`?restype=container&comp=list`), PUT.
#[derive(Clone, Default)]
struct Storage {
    blobs: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    /// (method, path, had a Speech credential) of every request.
    seen: Arc<Mutex<Vec<(String, String, bool)>>>,
}

impl Storage {
    fn put(&self, path: &str, bytes: Vec<u8>) {
        self.blobs.lock().expect("lock").insert(path.to_owned(), bytes);
    }

    fn get(&self, path: &str) -> Option<Vec<u8>> {
        self.blobs.lock().expect("lock").get(path).cloned()
    }

    async fn serve(self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    break;
                };
                let storage = self.clone();
                tokio::spawn(async move {
                    let service = hyper::service::service_fn(move |req| storage.clone().answer(req));
                    let _ = hyper::server::conn::http1::Builder::new()
                        .serve_connection(hyper_util::rt::TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        format!("http://{addr}")
    }

    async fn answer(self, req: http::Request<Incoming>) -> Result<http::Response<Full<Bytes>>, Infallible> {
        let method = req.method().to_string();
        let path = req.uri().path().to_owned();
        let query = req.uri().query().unwrap_or("").to_owned();
        let credential =
            req.headers().contains_key("ocp-apim-subscription-key") || req.headers().contains_key("authorization");
        self.seen
            .lock()
            .expect("lock")
            .push((method.clone(), path.clone(), credential));
        let reply = |status: u16, body: Vec<u8>| {
            let mut r = http::Response::new(Full::new(Bytes::from(body)));
            *r.status_mut() = http::StatusCode::from_u16(status).expect("status");
            Ok(r)
        };
        if path.starts_with("/private/") && !query.contains("sig=") {
            return reply(403, b"<Error><Code>AuthenticationFailed</Code></Error>".to_vec());
        }
        match method.as_str() {
            "PUT" => {
                let body = req
                    .into_body()
                    .collect()
                    .await
                    .map(|b| b.to_bytes().to_vec())
                    .unwrap_or_default();
                self.put(&path, body);
                reply(201, Vec::new())
            }
            "GET" if query.contains("comp=list") => {
                let prefix = format!("{}/", path.trim_end_matches('/'));
                let mut names: Vec<String> = self
                    .blobs
                    .lock()
                    .expect("lock")
                    .keys()
                    .filter_map(|k| k.strip_prefix(&prefix).map(str::to_owned))
                    .collect();
                names.sort();
                let blobs: String = names
                    .iter()
                    .map(|n| format!("<Blob><Name>{n}</Name><Properties/></Blob>"))
                    .collect();
                reply(
                    200,
                    format!("<?xml version=\"1.0\" encoding=\"utf-8\"?><EnumerationResults><Blobs>{blobs}</Blobs></EnumerationResults>")
                        .into_bytes(),
                )
            }
            "GET" => match self.get(&path) {
                Some(b) => reply(200, b),
                None => reply(404, b"<Error><Code>BlobNotFound</Code></Error>".to_vec()),
            },
            _ => reply(405, Vec::new()),
        }
    }
}

async fn call(emulator: &RunningEmulator, method: &str, path: &str, body: Option<&Value>) -> HttpResponse {
    let text = body.map(Value::to_string).unwrap_or_default();
    http(
        &Target::loopback(emulator),
        method,
        path,
        &[
            ("Ocp-Apim-Subscription-Key", emulator.primary_key()),
            ("Content-Type", "application/json"),
        ],
        text.as_bytes(),
    )
    .await
}

async fn submit(emulator: &RunningEmulator, body: Value) -> String {
    let r = call(
        emulator,
        "POST",
        &format!("/speechtotext/transcriptions:submit?{V}"),
        Some(&body),
    )
    .await;
    assert_eq!(r.status, 201, "{}", r.text());
    let entity = r.json();
    let location = r
        .headers
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("Location");
    assert_eq!(Some(location), entity["self"].as_str());
    entity["self"]
        .as_str()
        .and_then(|s| s.rsplit('/').next())
        .and_then(|s| s.split('?').next())
        .expect("id")
        .to_owned()
}

async fn get_job(emulator: &RunningEmulator, id: &str) -> HttpResponse {
    call(emulator, "GET", &format!("/speechtotext/transcriptions/{id}?{V}"), None).await
}

/// Poll (in real time) until the job reaches a terminal status at the current clock.
async fn finished(emulator: &RunningEmulator, id: &str) -> Value {
    for _ in 0..400 {
        let entity = get_job(emulator, id).await.json();
        if matches!(entity["status"].as_str(), Some("Succeeded" | "Failed")) {
            return entity;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("transcription {id} did not finish");
}

/// Fetch a file's content URL as a storage client would: no Speech credential.
async fn download(url: &str, extra: &[(&str, &str)]) -> HttpResponse {
    let rest = url.strip_prefix("http://").expect("http URL");
    let (authority, path) = rest.split_at(rest.find('/').expect("path"));
    let target = Target {
        addr: authority.parse().expect("socket address"),
        host: authority.to_owned(),
        tls: None,
    };
    http(&target, "GET", path, extra, b"").await
}

async fn list_files(emulator: &RunningEmulator, id: &str) -> Vec<Value> {
    let r = call(
        emulator,
        "GET",
        &format!("/speechtotext/transcriptions/{id}/files?{V}"),
        None,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.text());
    r.json()["values"].as_array().expect("values").clone()
}

fn manual() -> (Arc<ManualClock>, EmulatorConfig) {
    let clock = Arc::new(ManualClock::new(1_750_000_000_000));
    let config = config()
        .clock(clock.clone())
        .batch_timing(Duration::from_secs(5), Duration::from_secs(10));
    (clock, config)
}

#[tokio::test]
async fn a_job_runs_on_the_clock_and_its_results_are_served_by_sas() {
    let (clock, config) = manual();
    let emulator = start(config).await;
    let storage = Storage::default();
    let a = speak(&emulator, AVA, "Welcome to the weekly meeting.").await;
    let g = speak(&emulator, GUY, "Thanks, glad to be here.").await;
    storage.put("/audio/dialogue.wav", wav(&[sequence(&[&a, &g])]));
    storage.put("/audio/one.wav", wav(&[sequence(&[&g])]));
    let base = storage.clone().serve().await;
    let id = submit(
        &emulator,
        json!({
            "displayName": "meeting", "locale": "en-US",
            "contentUrls": [format!("{base}/audio/dialogue.wav"), format!("{base}/audio/one.wav")],
            "properties": {"timeToLiveHours": 6, "wordLevelTimestampsEnabled": true,
                           "diarization": {"enabled": true, "maxSpeakers": 2}}
        }),
    )
    .await;
    let r = get_job(&emulator, &id).await;
    let entity = r.json();
    assert_eq!(entity["status"], "NotStarted");
    assert_eq!(r.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("1"));
    assert_eq!(entity["properties"]["channels"], json!([0, 1]), "defaults echoed");
    assert_eq!(entity["properties"]["punctuationMode"], "DictatedAndAutomatic");
    assert!(entity.get("contentUrls").is_none(), "content URLs are not echoed");
    assert_eq!(list_files(&emulator, &id).await, Vec::<Value>::new());
    clock.advance_secs(5);
    assert_eq!(get_job(&emulator, &id).await.json()["status"], "Running");
    clock.advance_secs(10);
    let entity = finished(&emulator, &id).await;
    assert_eq!(entity["status"], "Succeeded", "{entity}");
    assert!(entity["properties"]["durationMilliseconds"].as_u64().expect("duration") > 4000);
    let listed = call(&emulator, "GET", &format!("/speechtotext/transcriptions?{V}"), None)
        .await
        .json();
    assert_eq!(listed["values"][0]["self"], entity["self"]);

    let files = list_files(&emulator, &id).await;
    let names: Vec<&str> = files.iter().map(|f| f["name"].as_str().expect("name")).collect();
    assert_eq!(names, ["contenturl_0.json", "contenturl_1.json", "report.json"]);
    assert_eq!(files[2]["kind"], "TranscriptionReport");
    let url = files[0]["links"]["contentUrl"].as_str().expect("contentUrl");
    assert!(url.contains("sig=") && url.contains("se="), "{url}");
    let result = download(url, &[]).await;
    assert_eq!(result.status, 200, "{}", result.text());
    let result = result.json();
    assert_eq!(result["source"], format!("{base}/audio/dialogue.wav"));
    let phrases = result["recognizedPhrases"].as_array().expect("phrases");
    let summary: Vec<(String, u64, u64)> = phrases
        .iter()
        .map(|p| {
            (
                p["nBest"][0]["display"].as_str().expect("display").to_owned(),
                p["speaker"].as_u64().expect("speaker"),
                p["channel"].as_u64().expect("channel"),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("Welcome to the weekly meeting.".to_owned(), 1, 0),
            ("Thanks, glad to be here.".to_owned(), 2, 0)
        ]
    );
    let first = &phrases[0];
    let offset = first["offsetInTicks"].as_f64().expect("ticks");
    assert!((10_000_000.0..15_000_000.0).contains(&offset), "{offset}");
    assert_eq!(
        first["offset"].as_str().map(|s| s.starts_with("PT1.")),
        Some(true),
        "{first}"
    );
    assert!(
        first.get("locale").is_none(),
        "locale only with language identification"
    );
    let words = first["nBest"][0]["words"]
        .as_array()
        .expect("word timestamps requested");
    assert_eq!(words[0]["word"], "welcome");
    assert!(words[0]["offsetInTicks"].as_f64().expect("ticks") >= offset);
    assert_eq!(
        result["combinedRecognizedPhrases"][0]["display"],
        "Welcome to the weekly meeting. Thanks, glad to be here."
    );
    let report = download(files[2]["links"]["contentUrl"].as_str().expect("url"), &[])
        .await
        .json();
    assert_eq!(report["successfulTranscriptionsCount"], 2);
    assert_eq!(report["failedTranscriptionsCount"], 0);

    // Storage never takes a Speech credential, nor an edited signature.
    let key = download(url, &[("Ocp-Apim-Subscription-Key", emulator.primary_key())]).await;
    assert_eq!(key.status, 403);
    assert_eq!(
        key.headers.get("x-ms-error-code").and_then(|v| v.to_str().ok()),
        Some("AuthenticationFailed")
    );
    let tampered = url.replace("contenturl_0", "contenturl_1");
    assert_eq!(download(&tampered, &[]).await.status, 403);
    assert!(
        storage
            .seen
            .lock()
            .expect("lock")
            .iter()
            .all(|(_, _, credential)| !credential)
    );
    let sig = url.split("sig=").nth(1).expect("sig");
    let logged: Vec<_> = emulator
        .request_log()
        .into_iter()
        .filter(|r| r.path.starts_with("/storage/"))
        .collect();
    assert!(
        !logged.is_empty()
            && logged
                .iter()
                .all(|r| !r.query.contains(sig) && r.query.contains("sig=***"))
    );

    // Deleted six hours after it finished.
    clock.advance_secs(6 * 3600);
    assert_eq!(get_job(&emulator, &id).await.status, 404);
    assert_eq!(download(url, &[]).await.status, 404);
}

#[tokio::test]
async fn unreachable_and_refused_content_fails_like_the_service() {
    let (clock, config) = manual();
    let emulator = start(config).await;
    let storage = Storage::default();
    storage.put("/private/a.wav", wav(&[silence(500)]));
    storage.put("/audio/not-audio.wav", b"ID3 an mp3".to_vec());
    let base = storage.clone().serve().await;
    // A port nothing listens on.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let dead = format!("http://{}/a.wav", closed.local_addr().expect("addr"));
    drop(closed);
    let id = submit(
        &emulator,
        json!({"displayName": "dead", "locale": "en-US", "contentUrls": [dead],
               "properties": {"timeToLiveHours": 6}}),
    )
    .await;
    clock.advance_secs(15);
    let entity = finished(&emulator, &id).await;
    assert_eq!(entity["status"], "Failed");
    assert_eq!(entity["properties"]["error"]["code"], "InvalidUri", "{entity}");
    assert!(
        entity["properties"]["error"]["message"]
            .as_str()
            .is_some_and(|m| m.starts_with("The recordings URI is invalid."))
    );
    let files = list_files(&emulator, &id).await;
    assert_eq!(files.len(), 1, "only the report");
    let report = download(files[0]["links"]["contentUrl"].as_str().expect("url"), &[])
        .await
        .json();
    assert_eq!(report["failedTranscriptionsCount"], 1);
    assert_eq!(report["details"][0]["errorKind"], "InvalidUri");

    let id = submit(
        &emulator,
        json!({"displayName": "mixed", "locale": "en-US",
               "contentUrls": [format!("{base}/private/a.wav"), format!("{base}/audio/not-audio.wav"), format!("{base}/private/a.wav?sig=ok")],
               "properties": {"timeToLiveHours": 6}}),
    )
    .await;
    clock.advance_secs(15);
    let entity = finished(&emulator, &id).await;
    assert_eq!(entity["status"], "Succeeded", "one input succeeded: {entity}");
    let files = list_files(&emulator, &id).await;
    let report = files
        .iter()
        .find(|f| f["kind"] == "TranscriptionReport")
        .expect("report");
    let report = download(report["links"]["contentUrl"].as_str().expect("url"), &[])
        .await
        .json();
    let kinds: Vec<&str> = report["details"]
        .as_array()
        .expect("details")
        .iter()
        .filter_map(|d| d["errorKind"].as_str())
        .collect();
    assert_eq!(kinds, ["AuthenticationFailed", "InvalidData"]);
    assert!(
        !report.to_string().contains("sig=ok"),
        "sources are written without their SAS: {report}"
    );
}

#[tokio::test]
async fn containers_and_destinations_on_loopback_only() {
    let (clock, config) = manual();
    let emulator = start(config).await;
    let storage = Storage::default();
    let g = speak(&emulator, GUY, "A recording in a container.").await;
    storage.put("/in/first.wav", wav(&[sequence(&[&g])]));
    let base = storage.clone().serve().await;
    let id = submit(
        &emulator,
        json!({"displayName": "container", "locale": "en-US",
               "contentContainerUrl": format!("{base}/in?sv=1&sig=read"),
               "properties": {"timeToLiveHours": 6, "destinationContainerUrl": format!("{base}/out?sv=1&sig=write")}}),
    )
    .await;
    clock.advance_secs(15);
    let entity = finished(&emulator, &id).await;
    assert_eq!(entity["status"], "Succeeded", "{entity}");
    let files = list_files(&emulator, &id).await;
    assert_eq!(files[0]["name"], "first.wav.json");
    assert_eq!(
        files[0]["links"]["contentUrl"],
        format!("{base}/out/first.wav.json"),
        "destination, no SAS"
    );
    let written: Value = serde_json::from_slice(&storage.get("/out/first.wav.json").expect("written")).expect("json");
    assert_eq!(
        written["recognizedPhrases"][0]["nBest"][0]["display"],
        "A recording in a container."
    );
    assert!(storage.get("/out/report.json").is_some());

    // Storage off the machine is refused at submission, without a connection.
    let r = call(
        &emulator,
        "POST",
        &format!("/speechtotext/transcriptions:submit?{V}"),
        Some(&json!({"displayName": "azure", "locale": "en-US",
                     "contentUrls": ["https://acct.blob.core.windows.net/c/a.wav?sv=1&sig=SECRETSIG"],
                     "properties": {"timeToLiveHours": 6}})),
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.text());
    assert!(
        r.text().contains("loopback") && !r.text().contains("SECRETSIG"),
        "{}",
        r.text()
    );
}

#[tokio::test]
async fn stereo_with_diarization_fails_and_language_identification_reports_locales() {
    let (clock, config) = manual();
    let emulator = start(config).await;
    let storage = Storage::default();
    let german = speak(&emulator, "de-DE-KatjaNeural", "Guten Morgen zusammen.").await;
    let mono = sequence(&[&german]);
    storage.put("/audio/stereo.wav", wav(&[mono.clone(), mono.clone()]));
    storage.put("/audio/mono.wav", wav(&[mono]));
    let base = storage.clone().serve().await;
    let id = submit(
        &emulator,
        json!({"displayName": "stereo", "locale": "en-US", "contentUrls": [format!("{base}/audio/stereo.wav")],
               "properties": {"timeToLiveHours": 6, "diarization": {"enabled": true, "maxSpeakers": 3}}}),
    )
    .await;
    let lid = submit(
        &emulator,
        json!({"displayName": "lid", "locale": "en-US", "contentUrls": [format!("{base}/audio/mono.wav")],
               "properties": {"timeToLiveHours": 6,
                              "languageIdentification": {"candidateLocales": ["en-US", "de-DE"], "mode": "Continuous"}}}),
    )
    .await;
    clock.advance_secs(15);
    let entity = finished(&emulator, &id).await;
    assert_eq!(entity["status"], "Failed");
    assert_eq!(entity["properties"]["error"]["code"], "InvalidData");
    let entity = finished(&emulator, &lid).await;
    assert_eq!(entity["status"], "Succeeded");
    let files = list_files(&emulator, &lid).await;
    let result = download(files[0]["links"]["contentUrl"].as_str().expect("url"), &[])
        .await
        .json();
    assert_eq!(result["recognizedPhrases"][0]["locale"], "de-DE");
    assert_eq!(
        result["recognizedPhrases"][0]["nBest"][0]["display"],
        "Guten Morgen zusammen."
    );
}

#[tokio::test]
async fn submit_checks_auth_and_quota() {
    let clock = Arc::new(ManualClock::new(1_750_000_000_000));
    let emulator = start(
        config()
            .clock(clock.clone())
            .transcriptions_per_minute(Some(8))
            .fault(Fault::http_status(503, Some(7), FaultTarget::Transcription).first(1)),
    )
    .await;
    let submit_path = format!("/speechtotext/transcriptions:submit?{V}");
    // Faults apply to batch routes too (and do not count against the quota).
    let r = call(&emulator, "GET", &format!("/speechtotext/transcriptions?{V}"), None).await;
    assert_eq!(r.status, 503);
    assert_eq!(r.headers.get("retry-after").and_then(|v| v.to_str().ok()), Some("7"));
    let good = json!({"displayName": "x", "locale": "en-US", "contentUrls": ["http://127.0.0.1:9/a.wav"],
                      "properties": {"timeToLiveHours": 6}});
    let r = call(&emulator, "POST", "/speechtotext/transcriptions:submit", Some(&good)).await;
    assert_eq!(
        (r.status, r.json()["innerError"]["code"].clone()),
        (400, json!("MissingApiVersion"))
    );
    let r = call(
        &emulator,
        "POST",
        "/speechtotext/transcriptions:submit?api-version=2024-05-15-preview",
        Some(&good),
    )
    .await;
    assert_eq!(r.json()["innerError"]["code"], "UnsupportedApiVersion");
    let mut both = good.clone();
    both["contentContainerUrl"] = json!("http://127.0.0.1:9/c");
    let mut no_ttl = good.clone();
    no_ttl["properties"] = json!({});
    let mut long_ttl = good.clone();
    long_ttl["properties"]["timeToLiveHours"] = json!(745);
    let mut no_name = good.clone();
    no_name.as_object_mut().expect("object").remove("displayName");
    let mut speakers_only = good.clone();
    speakers_only["properties"]["diarization"] = json!({"maxSpeakers": 3});
    for (body, inner) in [
        (both, "OnlyOneOfUrlsOrContainerOrDataset"),
        (no_ttl, "MissingProperty"),
        (long_ttl, "InvalidParameterValue"),
        (no_name, "MissingProperty"),
        (speakers_only, "InvalidParameterValue"),
    ] {
        let r = call(&emulator, "POST", &submit_path, Some(&body)).await;
        assert_eq!(
            (r.status, r.json()["innerError"]["code"].clone()),
            (400, json!(inner)),
            "{body}: {}",
            r.text()
        );
    }
    let r = http(
        &Target::loopback(&emulator),
        "POST",
        &submit_path,
        &[
            ("Ocp-Apim-Subscription-Key", "wrong"),
            ("Content-Type", "application/json"),
        ],
        good.to_string().as_bytes(),
    )
    .await;
    assert_eq!(r.status, 401);
    let r = call(
        &emulator,
        "GET",
        &format!("/speechtotext/transcriptions/nope?{V}"),
        None,
    )
    .await;
    assert_eq!((r.status, r.json()["code"].clone()), (404, json!("NotFound")));
    let r = call(
        &emulator,
        "DELETE",
        &format!("/speechtotext/transcriptions/nope?{V}"),
        None,
    )
    .await;
    assert_eq!(r.status, 204, "delete of a missing job is 204");
    // The 8 per minute are used up (7 admitted above, this is the 8th); the next is 429.
    assert_eq!(
        call(&emulator, "GET", &format!("/speechtotext/transcriptions?{V}"), None)
            .await
            .status,
        200
    );
    let r = call(&emulator, "GET", &format!("/speechtotext/transcriptions?{V}"), None).await;
    assert_eq!(r.status, 429, "{}", r.text());
    assert!(r.headers.get("retry-after").is_some());
    clock.advance_secs(60);
    assert_eq!(
        call(&emulator, "GET", &format!("/speechtotext/transcriptions?{V}"), None)
            .await
            .status,
        200
    );
}
