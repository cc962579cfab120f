//! Batch transcription, api-version `2024-11-15` / `2025-10-15` (bulk.md §2):
//!
//! | op | call | answer |
//! |---|---|---|
//! | submit | `POST /speechtotext/transcriptions:submit` | 201, the entity, `Location` |
//! | get | `GET /speechtotext/transcriptions/{id}` | 200, `Retry-After` while not finished; 404 |
//! | list | `GET /speechtotext/transcriptions?skip=&top=` | 200 `{"values":[…],"@nextLink"}` |
//! | files | `GET /speechtotext/transcriptions/{id}/files?sasLifetimeMinutes=` | 200 `{"values":[File]}` |
//! | file | `GET /speechtotext/transcriptions/{id}/files/{fileId}` | 200 |
//! | delete | `DELETE /speechtotext/transcriptions/{id}` | 204, whether it existed or not |
//!
//! Auth, `api-version` checks, faults (target `transcription`) and the per-minute quota are the
//! fast-transcription ones. A job is `NotStarted` for [`EmulatorConfig::batch_queue_time`], then
//! `Running` for at least [`EmulatorConfig::batch_processing_time`] and until its audio is
//! transcribed, then `Succeeded` (at least one input transcribed) or `Failed` (none), all on the
//! injectable [`Clock`](crate::Clock). It is deleted `timeToLiveHours` after it finished.
//!
//! Inputs: `contentUrls` (each fetched with GET) or `contentContainerUrl` (listed with
//! `?restype=container&comp=list`, the Blob service's XML, then each blob fetched with the
//! container's query, i.e. its SAS); loopback `http`/`https` only — any other host is refused at
//! submission (400) without being contacted. An input that cannot be fetched or decoded fails in
//! `report.json` with `errorKind`/`errorMessage` (`InvalidUri` "The recordings URI is invalid.",
//! `AuthenticationFailed` "Authentication failed for recordings URI." on 401/403, `Timeout`,
//! `InvalidData` "The recordings URI contains invalid data." for undecodable audio or stereo with
//! diarization); a job with no success is `Failed` with `properties.error` of its first failure.
//!
//! Outputs: one `Transcription` file per transcribed input (`contenturl_{n}.json`, or
//! `{blob}.json` for a container) and a `TranscriptionReport` (`report.json`), each with a
//! `links.contentUrl` the emulator serves itself behind a SAS-like signature ([`crate::storage`]),
//! never behind Speech auth. With `destinationContainerUrl` the files are also PUT there
//! (`x-ms-blob-type: BlockBlob`) and the `contentUrl`s point there, without SAS. Result files are
//! in ticks (`offsetInTicks`, `durationInTicks`), speakers numbered from 1, `locale` only with
//! language identification, `words` only with `wordLevelTimestampsEnabled`, `displayWords` only
//! with `displayFormWordLevelTimestampsEnabled`.
//!
//! [`EmulatorConfig::batch_queue_time`]: crate::EmulatorConfig::batch_queue_time
//! [`EmulatorConfig::batch_processing_time`]: crate::EmulatorConfig::batch_processing_time

use std::sync::{Arc, Mutex};

use http::{HeaderValue, Method, Request, Response, header};
use hyper::body::{Bytes, Incoming};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::auth::{self, Service};
use crate::content_fetch::{self, FetchError, LoopbackUrl, StorageClient};
use crate::datetime::{iso_duration, iso_utc};
use crate::emulator::Shared;
use crate::faults::RequestKind;
use crate::hosts::HostInfo;
use crate::log::RequestRecord;
use crate::server::{Body, check_auth, fault_status, respond};
use crate::storage::{self, Signer};
use crate::tokens::random_hex;
use crate::transcription::{self, Options, Transcript, error};

/// The batch `api-version`s the emulator accepts.
pub(crate) const BATCH_API_VERSIONS: [&str; 2] = ["2024-11-15", "2025-10-15"];
/// The largest input file (QUOTA: 1 GB).
const MAX_INPUT_BYTES: usize = 1 << 30;
/// The most `contentUrls` (QUOTA).
const MAX_CONTENT_URLS: usize = 1000;
/// The default lifetime of result URLs (12 h).
const DEFAULT_SAS_MINUTES: u64 = 12 * 60;

/// What a batch path asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum BatchRoute {
    Submit,
    List,
    Job(String),
    Files(String),
    File(String, String),
}

/// Parse a `/speechtotext/transcriptions…` path.
pub(crate) fn route(path: &str) -> Option<BatchRoute> {
    let rest = path.strip_prefix("/speechtotext/transcriptions")?;
    if rest == ":submit" || rest == "%3Asubmit" || rest == "%3asubmit" {
        return Some(BatchRoute::Submit);
    }
    if rest.is_empty() || rest == "/" {
        return Some(BatchRoute::List);
    }
    let segments: Vec<&str> = rest.strip_prefix('/')?.split('/').collect();
    match segments.as_slice() {
        [id] if !id.is_empty() && !id.contains(':') && *id != "locales" => Some(BatchRoute::Job((*id).to_owned())),
        [id, "files"] if !id.is_empty() => Some(BatchRoute::Files((*id).to_owned())),
        [id, "files", file] if !id.is_empty() && !file.is_empty() => {
            Some(BatchRoute::File((*id).to_owned(), (*file).to_owned()))
        }
        _ => None,
    }
}

/// A random UUID (version 4 layout).
fn uuid() -> String {
    let h = random_hex(16);
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubmitBody {
    display_name: Option<String>,
    #[serde(default)]
    description: Option<String>,
    locale: Option<String>,
    #[serde(default)]
    content_urls: Option<Vec<String>>,
    #[serde(default)]
    content_container_url: Option<String>,
    #[serde(default)]
    dataset: Option<Value>,
    #[serde(default)]
    model: Option<Value>,
    #[serde(default)]
    custom_properties: Option<serde_json::Map<String, Value>>,
    #[serde(default)]
    properties: Option<SubmitProperties>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubmitProperties {
    time_to_live_hours: Option<i64>,
    #[serde(default)]
    word_level_timestamps_enabled: Option<bool>,
    #[serde(default)]
    display_form_word_level_timestamps_enabled: Option<bool>,
    #[serde(default)]
    channels: Option<Vec<i64>>,
    #[serde(default)]
    punctuation_mode: Option<String>,
    #[serde(default)]
    profanity_filter_mode: Option<String>,
    #[serde(default)]
    diarization: Option<DiarizationProperties>,
    #[serde(default)]
    language_identification: Option<LanguageIdentification>,
    #[serde(default)]
    destination_container_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct DiarizationProperties {
    #[serde(default)]
    enabled: Option<bool>,
    #[serde(default)]
    max_speakers: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LanguageIdentification {
    #[serde(default)]
    candidate_locales: Vec<String>,
    #[serde(default)]
    mode: Option<String>,
}

/// Where a job's audio comes from.
#[derive(Debug, Clone)]
enum Inputs {
    Urls(Vec<LoopbackUrl>),
    Container(LoopbackUrl),
}

/// A result or report file.
#[derive(Debug, Clone)]
struct ResultFile {
    id: String,
    name: String,
    report: bool,
    body: Bytes,
    duration_ms: Option<u64>,
    /// With a destination container: where it was written (no SAS).
    destination: Option<String>,
}

/// What processing produced.
#[derive(Debug, Clone)]
struct Outcome {
    finished_ms: u64,
    files: Vec<ResultFile>,
    /// `Some((code, message))` when no input was transcribed.
    error: Option<(String, String)>,
    duration_ms: u64,
}

#[derive(Debug, Clone)]
struct Job {
    id: String,
    created_ms: u64,
    display_name: String,
    description: Option<String>,
    locale: String,
    model: Option<Value>,
    custom_properties: Option<serde_json::Map<String, Value>>,
    /// The echoed properties (defaults filled in).
    properties: Value,
    ttl_hours: u64,
    outcome: Option<Outcome>,
}

/// Status of a job at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Status {
    NotStarted,
    Running,
    Succeeded,
    Failed,
}

impl Status {
    fn name(self) -> &'static str {
        match self {
            Status::NotStarted => "NotStarted",
            Status::Running => "Running",
            Status::Succeeded => "Succeeded",
            Status::Failed => "Failed",
        }
    }
}

/// The job store.
pub(crate) struct Store {
    jobs: Mutex<Vec<Job>>,
    signer: Signer,
    client: StorageClient,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").finish_non_exhaustive()
    }
}

impl Store {
    pub(crate) fn new(ca_der: Option<&[u8]>, fetch_timeout: std::time::Duration) -> Self {
        Store {
            jobs: Mutex::new(Vec::new()),
            signer: Signer::new(),
            client: StorageClient::new(ca_der, fetch_timeout),
        }
    }

    /// The loopback storage client (also used for fast transcription's `audioUrl`).
    pub(crate) fn storage_client(&self) -> &StorageClient {
        &self.client
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<Job>> {
        self.jobs.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// When a job finishes on the clock (`None`: not yet known).
fn terminal_ms(shared: &Shared, job: &Job) -> Option<u64> {
    let earliest = job.created_ms
        + shared.config.batch_queue_time.as_millis() as u64
        + shared.config.batch_processing_time.as_millis() as u64;
    job.outcome.as_ref().map(|o| o.finished_ms.max(earliest))
}

fn status(shared: &Shared, job: &Job, now: u64) -> Status {
    if now < job.created_ms + shared.config.batch_queue_time.as_millis() as u64 {
        return Status::NotStarted;
    }
    match (terminal_ms(shared, job), &job.outcome) {
        (Some(t), Some(o)) if now >= t => {
            if o.error.is_some() {
                Status::Failed
            } else {
                Status::Succeeded
            }
        }
        _ => Status::Running,
    }
}

/// Drop jobs whose time to live has passed.
fn purge(shared: &Shared, now: u64) {
    let mut jobs = shared.batch.lock();
    jobs.retain(|job| terminal_ms(shared, job).is_none_or(|t| now < t + job.ttl_hours * 3_600_000));
}

struct Ctx<'a> {
    shared: &'a Arc<Shared>,
    /// `https://host` of the request, for `self` links.
    base: String,
    /// `http(s)://127.0.0.1:port`, for result URLs.
    storage_base: String,
    api_version: String,
    query: &'a [(String, String)],
}

impl Ctx<'_> {
    fn job_url(&self, id: &str) -> String {
        format!(
            "{}/speechtotext/transcriptions/{id}?api-version={}",
            self.base, self.api_version
        )
    }

    fn files_url(&self, id: &str) -> String {
        format!(
            "{}/speechtotext/transcriptions/{id}/files?api-version={}",
            self.base, self.api_version
        )
    }

    fn entity(&self, job: &Job, now: u64) -> Value {
        let status = status(self.shared, job, now);
        let last_action = match status {
            Status::NotStarted => job.created_ms,
            Status::Running => job.created_ms + self.shared.config.batch_queue_time.as_millis() as u64,
            _ => terminal_ms(self.shared, job).unwrap_or(job.created_ms),
        };
        let mut properties = job.properties.clone();
        if let Some(outcome) = &job.outcome
            && matches!(status, Status::Succeeded | Status::Failed)
        {
            if let Some((code, message)) = &outcome.error {
                properties["error"] = json!({"code": code, "message": message});
            } else {
                properties["durationMilliseconds"] = json!(outcome.duration_ms);
            }
        }
        let mut entity = json!({
            "self": self.job_url(&job.id),
            "displayName": job.display_name,
            "locale": job.locale,
            "createdDateTime": iso_utc(job.created_ms),
            "lastActionDateTime": iso_utc(last_action),
            "links": {"files": self.files_url(&job.id)},
            "properties": properties,
            "status": status.name(),
        });
        if let Some(d) = &job.description {
            entity["description"] = json!(d);
        }
        if let Some(m) = &job.model {
            entity["model"] = m.clone();
        }
        if let Some(c) = &job.custom_properties {
            entity["customProperties"] = Value::Object(c.clone());
        }
        entity
    }

    fn file_entity(&self, job: &Job, file: &ResultFile, finished_ms: u64, now: u64) -> Value {
        let minutes = auth::query_value(self.query, "sasLifetimeMinutes")
            .and_then(|v| v.parse::<u64>().ok())
            .unwrap_or(DEFAULT_SAS_MINUTES);
        let content_url = file.destination.clone().unwrap_or_else(|| {
            self.shared
                .batch
                .signer
                .url(&self.storage_base, &job.id, &file.name, now + minutes * 60_000)
        });
        let mut properties = json!({"size": file.body.len()});
        if let Some(d) = file.duration_ms {
            properties["durationMilliseconds"] = json!(d);
        }
        json!({
            "self": format!("{}/speechtotext/transcriptions/{}/files/{}?api-version={}", self.base, job.id, file.id, self.api_version),
            "name": file.name,
            "kind": if file.report { "TranscriptionReport" } else { "Transcription" },
            "links": {"contentUrl": content_url},
            "properties": properties,
            "createdDateTime": iso_utc(finished_ms),
        })
    }
}

fn json_response(status: u16, body: &Value) -> Response<Body> {
    let mut r = respond(status, Some("application/json; charset=utf-8"), body.to_string());
    transcription::add_service_headers(&mut r);
    r
}

fn not_found(id: &str) -> Response<Body> {
    error(
        404,
        "NotFound",
        &format!("The transcription '{id}' does not exist (or was deleted)."),
        Some("EntityNotFound"),
    )
}

fn bad(message: &str, inner: &str) -> Response<Body> {
    error(400, "InvalidRequest", message, Some(inner))
}

/// Handle a batch route.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn handle(
    shared: &Arc<Shared>,
    req: Request<Incoming>,
    route: &BatchRoute,
    host: &HostInfo,
    tls: bool,
    query: &[(String, String)],
    record: &mut RequestRecord,
) -> Response<Body> {
    let allowed: &[Method] = match route {
        BatchRoute::Submit => &[Method::POST],
        BatchRoute::Job(_) => &[Method::GET, Method::DELETE],
        _ => &[Method::GET],
    };
    if !allowed.contains(req.method()) {
        return error(
            405,
            "NotAllowed",
            &format!("{} is not allowed on this path.", req.method()),
            None,
        );
    }
    let api_version = match auth::query_value(query, "api-version") {
        None => {
            record.note = Some("no api-version".to_owned());
            return bad(
                "The api-version query parameter is required (e.g. api-version=2025-10-15).",
                "MissingApiVersion",
            );
        }
        Some(v) if !BATCH_API_VERSIONS.contains(&v) => {
            record.note = Some(format!("api-version {v} not supported"));
            return bad(
                &format!(
                    "The api-version '{v}' is not supported for this operation. Supported versions: {}.",
                    BATCH_API_VERSIONS.join(", ")
                ),
                "UnsupportedApiVersion",
            );
        }
        Some(v) => v.to_owned(),
    };
    if let Some(r) = fault_status(shared, RequestKind::Transcription, record) {
        return r;
    }
    if let Some(r) = check_auth(shared, req.headers(), query, host, Service::Stt, record) {
        return r;
    }
    let now = shared.now_ms();
    if let Err((retry_after, limit)) = shared.transcription_rate.admit(now) {
        record.note = Some(format!("over {limit} transcription requests per minute"));
        return transcription::too_many_requests(retry_after, limit);
    }
    purge(shared, now);
    let scheme = if tls { "https" } else { "http" };
    let host_header = req
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("127.0.0.1")
        .to_owned();
    let ctx = Ctx {
        shared,
        base: format!("{scheme}://{host_header}"),
        storage_base: format!("{scheme}://{}", shared.addr),
        api_version,
        query,
    };
    match route {
        BatchRoute::Submit => submit(&ctx, req, record, now).await,
        BatchRoute::List => list(&ctx, now),
        BatchRoute::Job(id) if req.method() == Method::DELETE => {
            shared.batch.lock().retain(|j| j.id != *id);
            let mut r = respond(204, None, Bytes::new());
            transcription::add_service_headers(&mut r);
            r
        }
        BatchRoute::Job(id) => {
            let jobs = shared.batch.lock();
            let Some(job) = jobs.iter().find(|j| j.id == *id) else {
                return not_found(id);
            };
            let entity = ctx.entity(job, now);
            let mut r = json_response(200, &entity);
            if matches!(status(shared, job, now), Status::NotStarted | Status::Running) {
                r.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            }
            r
        }
        BatchRoute::Files(id) => {
            let jobs = shared.batch.lock();
            let Some(job) = jobs.iter().find(|j| j.id == *id) else {
                return not_found(id);
            };
            let values: Vec<Value> = match (&job.outcome, status(shared, job, now)) {
                (Some(o), Status::Succeeded | Status::Failed) => {
                    let finished = terminal_ms(shared, job).unwrap_or(o.finished_ms);
                    o.files.iter().map(|f| ctx.file_entity(job, f, finished, now)).collect()
                }
                _ => Vec::new(),
            };
            json_response(200, &json!({"values": values}))
        }
        BatchRoute::File(id, file_id) => {
            let jobs = shared.batch.lock();
            let Some(job) = jobs.iter().find(|j| j.id == *id) else {
                return not_found(id);
            };
            let found = match (&job.outcome, status(shared, job, now)) {
                (Some(o), Status::Succeeded | Status::Failed) => o
                    .files
                    .iter()
                    .find(|f| f.id == *file_id)
                    .map(|f| ctx.file_entity(job, f, terminal_ms(shared, job).unwrap_or(o.finished_ms), now)),
                _ => None,
            };
            match found {
                Some(entity) => json_response(200, &entity),
                None => error(
                    404,
                    "NotFound",
                    &format!("The file '{file_id}' does not exist."),
                    Some("EntityNotFound"),
                ),
            }
        }
    }
}

fn list(ctx: &Ctx<'_>, now: u64) -> Response<Body> {
    let skip = auth::query_value(ctx.query, "skip")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(0);
    let top = auth::query_value(ctx.query, "top")
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(100)
        .clamp(1, 100);
    let jobs = ctx.shared.batch.lock();
    let values: Vec<Value> = jobs
        .iter()
        .rev()
        .skip(skip)
        .take(top)
        .map(|j| ctx.entity(j, now))
        .collect();
    let mut body = json!({"values": values});
    if skip + top < jobs.len() {
        body["@nextLink"] = json!(format!(
            "{}/speechtotext/transcriptions?api-version={}&skip={}&top={top}",
            ctx.base,
            ctx.api_version,
            skip + top
        ));
    }
    json_response(200, &body)
}

/// A submission that passed the checks.
struct Validated {
    inputs: Inputs,
    options: Options,
    /// The properties as the entity echoes them.
    echo: Value,
    ttl_hours: u64,
    destination: Option<LoopbackUrl>,
    format: ResultFormat,
}

/// Why a submission is refused: the message and the inner error code.
type Refusal = (String, &'static str);

fn refuse(message: &str, inner: &'static str) -> Refusal {
    (message.to_owned(), inner)
}

fn validate(body: &SubmitBody) -> Result<Validated, Refusal> {
    let missing = |field: &str| refuse(&format!("The property '{field}' is required."), "MissingProperty");
    if body.display_name.as_deref().is_none_or(|n| n.trim().is_empty()) {
        return Err(missing("displayName"));
    }
    let Some(locale) = body.locale.as_deref() else {
        return Err(missing("locale"));
    };
    if locale.len() < 4 || !locale.contains('-') {
        return Err(refuse(
            &format!("The locale '{locale}' is not supported."),
            "InvalidLocale",
        ));
    }
    let properties = body.properties.as_ref();
    let Some(ttl) = properties.and_then(|p| p.time_to_live_hours) else {
        return Err(missing("properties.timeToLiveHours"));
    };
    if !(6..=744).contains(&ttl) {
        return Err(refuse(
            &format!("properties.timeToLiveHours is {ttl}; it must be between 6 and 744."),
            "InvalidParameterValue",
        ));
    }
    let given = [
        body.content_urls.is_some(),
        body.content_container_url.is_some(),
        body.dataset.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(refuse(
            "Exactly one of contentUrls, contentContainerUrl or dataset must be given.",
            "OnlyOneOfUrlsOrContainerOrDataset",
        ));
    }
    if body.dataset.is_some() {
        return Err(refuse(
            "Datasets are not supported by the emulator.",
            "InvalidParameterValue",
        ));
    }
    let refused = |e: String| refuse(&format!("Invalid content URL: {e}."), "InvalidUri");
    let inputs = if let Some(urls) = &body.content_urls {
        if urls.is_empty() || urls.len() > MAX_CONTENT_URLS {
            return Err(refuse(
                &format!("contentUrls must hold 1 to {MAX_CONTENT_URLS} URLs."),
                "InvalidParameterValue",
            ));
        }
        Inputs::Urls(
            urls.iter()
                .map(|u| content_fetch::parse(u))
                .collect::<Result<_, _>>()
                .map_err(refused)?,
        )
    } else {
        let url = body.content_container_url.as_deref().unwrap_or_default();
        Inputs::Container(content_fetch::parse(url).map_err(refused)?)
    };
    let default = SubmitProperties::default();
    let p = properties.unwrap_or(&default);
    let channels = p.channels.clone().unwrap_or_else(|| vec![0, 1]);
    if channels.is_empty() || channels.len() > 2 || channels.iter().any(|c| !(0..=1).contains(c)) {
        return Err(refuse(
            "properties.channels must be [0], [1] or [0, 1].",
            "InvalidParameterValue",
        ));
    }
    let punctuation = p
        .punctuation_mode
        .clone()
        .unwrap_or_else(|| "DictatedAndAutomatic".to_owned());
    if !["None", "Dictated", "Automatic", "DictatedAndAutomatic"].contains(&punctuation.as_str()) {
        return Err(refuse(
            &format!("The punctuation mode '{punctuation}' is not valid."),
            "InvalidParameterValue",
        ));
    }
    let profanity = p.profanity_filter_mode.clone().unwrap_or_else(|| "Masked".to_owned());
    if !["None", "Removed", "Tags", "Masked"].contains(&profanity.as_str()) {
        return Err(refuse(
            &format!("The profanity filter mode '{profanity}' is not valid."),
            "InvalidParameterValue",
        ));
    }
    let diarization = match &p.diarization {
        Some(d) if d.enabled == Some(true) => {
            let max = d.max_speakers.unwrap_or(2);
            if !(2..=35).contains(&max) {
                return Err(refuse(
                    &format!("diarization.maxSpeakers is {max}; it must be between 2 and 35."),
                    "InvalidParameterValue",
                ));
            }
            Some(max as u32)
        }
        Some(_) => {
            return Err(refuse(
                "diarization needs \"enabled\": true (maxSpeakers alone does not enable it).",
                "InvalidParameterValue",
            ));
        }
        None => None,
    };
    let mut locales = vec![locale.to_owned()];
    if let Some(lid) = &p.language_identification {
        let n = lid.candidate_locales.len();
        let continuous = lid.mode.as_deref().is_none_or(|m| m.eq_ignore_ascii_case("Continuous"));
        if (continuous && !(2..=10).contains(&n)) || n == 0 {
            return Err(refuse(
                &format!("languageIdentification needs 2 to 10 candidateLocales in Continuous mode ({n} given)."),
                "InvalidParameterValue",
            ));
        }
        locales = lid.candidate_locales.clone();
    }
    let destination = match &p.destination_container_url {
        Some(url) => Some(
            content_fetch::parse(url)
                .map_err(|e| refuse(&format!("Invalid destinationContainerUrl: {e}."), "InvalidUri"))?,
        ),
        None => None,
    };
    let words = p.word_level_timestamps_enabled.unwrap_or(false);
    let display_words = p.display_form_word_level_timestamps_enabled.unwrap_or(false);
    let mut echo = json!({
        "wordLevelTimestampsEnabled": words,
        "displayFormWordLevelTimestampsEnabled": display_words,
        "channels": channels,
        "punctuationMode": punctuation,
        "profanityFilterMode": profanity,
        "timeToLiveHours": ttl,
    });
    if let Some(max) = diarization {
        echo["diarization"] = json!({"enabled": true, "maxSpeakers": max});
    }
    if let Some(lid) = &p.language_identification {
        echo["languageIdentification"] = json!({
            "candidateLocales": lid.candidate_locales,
            "mode": lid.mode.clone().unwrap_or_else(|| "Continuous".to_owned()),
        });
    }
    let options = Options {
        locales,
        diarization,
        channels: channels.iter().map(|&c| c as usize).collect(),
    };
    Ok(Validated {
        inputs,
        options,
        echo,
        ttl_hours: ttl as u64,
        destination,
        format: ResultFormat {
            words,
            display_words,
            lid: p.language_identification.is_some(),
        },
    })
}

async fn submit(ctx: &Ctx<'_>, req: Request<Incoming>, record: &mut RequestRecord, now: u64) -> Response<Body> {
    let body = match http_body_util::BodyExt::collect(http_body_util::Limited::new(req.into_body(), 4 << 20)).await {
        Ok(b) => b.to_bytes(),
        Err(_) => return bad("The request body is too large or unreadable.", "InvalidPayload"),
    };
    let parsed: SubmitBody = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => {
            record.note = Some(format!("submit body: {e}"));
            return bad(
                &format!("The request body is not a valid transcription: {e}."),
                "InvalidPayload",
            );
        }
    };
    let Validated {
        inputs,
        options,
        echo,
        ttl_hours,
        destination,
        format,
    } = match validate(&parsed) {
        Ok(v) => v,
        Err((message, inner)) => {
            record.note = Some(format!("submit refused: {inner}"));
            return bad(&message, inner);
        }
    };
    let job = Job {
        id: uuid(),
        created_ms: now,
        display_name: parsed.display_name.clone().unwrap_or_default(),
        description: parsed.description.clone(),
        locale: parsed.locale.clone().unwrap_or_default(),
        model: parsed.model.clone(),
        custom_properties: parsed.custom_properties.clone(),
        properties: echo,
        ttl_hours,
        outcome: None,
    };
    let entity = ctx.entity(&job, now);
    let id = job.id.clone();
    let location = ctx.job_url(&id);
    ctx.shared.batch.lock().push(job);
    record.note = Some(format!("transcription {id} submitted"));
    let shared = ctx.shared.clone();
    ctx.shared.spawn(async move {
        let outcome = process(&shared, inputs, &options, format, destination).await;
        let mut jobs = shared.batch.lock();
        if let Some(job) = jobs.iter_mut().find(|j| j.id == id) {
            job.outcome = Some(outcome);
        }
    });
    let mut r = json_response(201, &entity);
    if let Ok(v) = HeaderValue::from_str(&location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// What the result files contain beyond the phrases.
#[derive(Debug, Clone, Copy)]
struct ResultFormat {
    words: bool,
    display_words: bool,
    lid: bool,
}

/// One failed input: `(errorKind, errorMessage)`.
type Failure = (String, String);

fn fetch_failure(url: &LoopbackUrl, e: &FetchError) -> Failure {
    let shown = url.without_query();
    match e {
        FetchError::Status(401 | 403) => (
            "AuthenticationFailed".to_owned(),
            format!("Authentication failed for recordings URI. {shown} answered HTTP 401/403 (missing or wrong SAS?)."),
        ),
        FetchError::Status(s) => (
            "InvalidUri".to_owned(),
            format!("The recordings URI is invalid. {shown} answered HTTP {s}."),
        ),
        FetchError::Unreachable(why) => (
            "InvalidUri".to_owned(),
            format!("The recordings URI is invalid. {shown} could not be reached: {why}."),
        ),
        FetchError::Timeout => (
            "Timeout".to_owned(),
            format!("Timeout when downloading recordings URI {shown}."),
        ),
        FetchError::TooLarge => (
            "InvalidData".to_owned(),
            format!("The recordings file at {shown} is larger than 1 GB."),
        ),
    }
}

/// The blob names of a Blob service `List Blobs` answer.
fn blob_names(xml: &str) -> Vec<String> {
    let mut names = Vec::new();
    let mut rest = xml;
    while let Some(start) = rest.find("<Blob>") {
        rest = &rest[start + 6..];
        let end = rest.find("</Blob>").unwrap_or(rest.len());
        let blob = &rest[..end];
        if let (Some(a), Some(b)) = (blob.find("<Name>"), blob.find("</Name>"))
            && a + 6 <= b
        {
            names.push(
                blob[a + 6..b]
                    .replace("&amp;", "&")
                    .replace("&lt;", "<")
                    .replace("&gt;", ">"),
            );
        }
        rest = &rest[end..];
    }
    names
}

async fn process(
    shared: &Arc<Shared>,
    inputs: Inputs,
    options: &Options,
    format: ResultFormat,
    destination: Option<LoopbackUrl>,
) -> Outcome {
    let client = &shared.batch.client;
    let mut sources: Vec<(LoopbackUrl, String)> = Vec::new();
    let mut failures: Vec<(String, Failure)> = Vec::new();
    match inputs {
        Inputs::Urls(urls) => {
            for (i, u) in urls.into_iter().enumerate() {
                sources.push((u, format!("contenturl_{i}.json")));
            }
        }
        Inputs::Container(container) => {
            let listing = container.with_query("restype=container&comp=list");
            match client.request(Method::GET, &listing, &[], Bytes::new(), 64 << 20).await {
                Ok((_, body)) => {
                    for name in blob_names(&String::from_utf8_lossy(&body)) {
                        let json_name = format!("{name}.json");
                        sources.push((container.blob(&name), json_name));
                    }
                }
                Err(e) => failures.push((container.without_query(), fetch_failure(&container, &e))),
            }
        }
    }
    let mut files = Vec::new();
    let mut successes: Vec<String> = Vec::new();
    let mut total_ms = 0;
    for (url, name) in sources {
        let source = url.without_query();
        let bytes = match client
            .request(Method::GET, &url, &[], Bytes::new(), MAX_INPUT_BYTES)
            .await
        {
            Ok((_, b)) => b,
            Err(e) => {
                failures.push((source, fetch_failure(&url, &e)));
                continue;
            }
        };
        let wav = match transcription::decode(&bytes) {
            Ok(w) => w,
            Err(e) => {
                failures.push((
                    source,
                    (
                        "InvalidData".to_owned(),
                        format!(
                            "The recordings URI contains invalid data: {e} (the emulator decodes 16-bit PCM WAV only)."
                        ),
                    ),
                ));
                continue;
            }
        };
        if options.diarization.is_some() && wav.channels.len() > 1 {
            failures.push((
                source,
                (
                    "InvalidData".to_owned(),
                    "The recordings URI contains invalid data: diarization needs mono audio.".to_owned(),
                ),
            ));
            continue;
        }
        let registry = shared.registry.clone();
        let tuning = shared.config.recognition;
        let opts = options.clone();
        let Ok(transcript) =
            tokio::task::spawn_blocking(move || transcription::recognize(&registry, &tuning, &wav, &opts)).await
        else {
            failures.push((
                source,
                ("InternalServerError".to_owned(), "Transcription failed.".to_owned()),
            ));
            continue;
        };
        let body = result_file(&source, shared.now_ms(), &transcript, format);
        let duration_ms = transcript.duration_ticks / 10_000;
        total_ms += duration_ms;
        files.push(ResultFile {
            id: uuid(),
            name,
            report: false,
            body: Bytes::from(body.to_string()),
            duration_ms: Some(duration_ms),
            destination: None,
        });
        successes.push(source);
    }
    let mut details: Vec<Value> = successes
        .iter()
        .map(|s| json!({"source": s, "status": "Succeeded"}))
        .collect();
    details.extend(failures.iter().map(|(source, (kind, message))| {
        json!({"source": source, "status": "Failed", "errorKind": kind, "errorMessage": message})
    }));
    let report = json!({
        "successfulTranscriptionsCount": successes.len(),
        "failedTranscriptionsCount": failures.len(),
        "details": details,
    });
    files.push(ResultFile {
        id: uuid(),
        name: "report.json".to_owned(),
        report: true,
        body: Bytes::from(report.to_string()),
        duration_ms: None,
        destination: None,
    });
    let mut error = if successes.is_empty() {
        Some(failures.first().map_or_else(
            || ("InvalidData".to_owned(), "No audio was found to transcribe.".to_owned()),
            |(_, f)| f.clone(),
        ))
    } else {
        None
    };
    if let Some(dest) = destination {
        for file in &mut files {
            let blob = dest.blob(&file.name);
            let headers = [
                ("x-ms-blob-type", "BlockBlob".to_owned()),
                ("content-type", "application/json".to_owned()),
            ];
            match client
                .request(Method::PUT, &blob, &headers, file.body.clone(), 1 << 20)
                .await
            {
                Ok(_) => file.destination = Some(blob.without_query()),
                Err(e) => {
                    error = Some((
                        "InvalidData".to_owned(),
                        format!(
                            "The results could not be written to the destination container {}: {e:?}.",
                            dest.without_query()
                        ),
                    ));
                    break;
                }
            }
        }
    }
    Outcome {
        finished_ms: shared.now_ms(),
        files,
        error,
        duration_ms: total_ms,
    }
}

/// A result file (bulk.md §2.4): ticks as floats for phrases and words, as the service writes.
fn result_file(source: &str, now_ms: u64, t: &Transcript, format: ResultFormat) -> Value {
    let channel_of = |c: Option<usize>| c.unwrap_or(0);
    let combined: Vec<Value> = t
        .channels
        .iter()
        .map(|c| {
            let phrases: Vec<_> = t.phrases.iter().filter(|p| p.channel == *c).collect();
            let lexical = phrases.iter().map(|p| p.lexical.as_str()).collect::<Vec<_>>().join(" ");
            let display = phrases.iter().map(|p| p.display.as_str()).collect::<Vec<_>>().join(" ");
            json!({"channel": channel_of(*c), "lexical": lexical, "itn": lexical, "maskedITN": lexical, "display": display})
        })
        .collect();
    let phrases: Vec<Value> = t
        .phrases
        .iter()
        .map(|p| {
            let mut best = json!({
                "confidence": p.confidence,
                "lexical": p.lexical,
                "itn": p.lexical,
                "maskedITN": p.lexical,
                "display": p.display,
            });
            if format.words {
                best["words"] = json!(
                    p.words
                        .iter()
                        .map(|w| json!({
                            "word": w.lexical,
                            "offset": iso_duration(w.offset_ticks),
                            "duration": iso_duration(w.duration_ticks),
                            "offsetInTicks": w.offset_ticks as f64,
                            "durationInTicks": w.duration_ticks as f64,
                            "confidence": p.confidence,
                        }))
                        .collect::<Vec<_>>()
                );
            }
            if format.display_words {
                best["displayWords"] = json!(
                    p.words
                        .iter()
                        .map(|w| json!({
                            "displayText": w.display,
                            "offset": iso_duration(w.offset_ticks),
                            "duration": iso_duration(w.duration_ticks),
                            "offsetInTicks": w.offset_ticks as f64,
                            "durationInTicks": w.duration_ticks as f64,
                        }))
                        .collect::<Vec<_>>()
                );
            }
            let mut phrase = json!({
                "recognitionStatus": "Success",
                "channel": channel_of(p.channel),
                "offset": iso_duration(p.offset_ticks),
                "duration": iso_duration(p.duration_ticks),
                "offsetInTicks": p.offset_ticks as f64,
                "durationInTicks": p.duration_ticks as f64,
                "nBest": [best],
            });
            if let Some(s) = p.speaker {
                phrase["speaker"] = json!(s + 1);
            }
            if format.lid
                && let Some(l) = &p.locale
            {
                phrase["locale"] = json!(l);
            }
            phrase
        })
        .collect();
    json!({
        "source": source,
        "timestamp": iso_utc(now_ms),
        "durationInTicks": t.duration_ticks,
        "durationMilliseconds": t.duration_ticks / 10_000,
        "duration": iso_duration(t.duration_ticks),
        "combinedRecognizedPhrases": combined,
        "recognizedPhrases": phrases,
    })
}

/// `GET /storage/transcriptions/{job}/{file}?…&sig=…`: a result file, by signature only.
pub(crate) fn serve_result(
    shared: &Shared,
    req: &Request<Incoming>,
    path: &str,
    query: &[(String, String)],
    record: &mut RequestRecord,
) -> Response<Body> {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        return storage::storage_error(
            405,
            "UnsupportedHttpVerb",
            "The resource doesn't support the specified HTTP verb.",
        );
    }
    if let Some(header_name) = storage::speech_credential(req.headers()) {
        record.note = Some(format!("a Speech credential ({header_name}) was sent to storage"));
        return storage::storage_error(
            403,
            "AuthenticationFailed",
            &format!(
                "Server failed to authenticate the request. The {header_name} header is a Speech credential: it must not be sent to storage (the URL's SAS is the credential)."
            ),
        );
    }
    let now = shared.now_ms();
    if let Err(why) = shared.batch.signer.verify(path, query, now) {
        record.note = Some(why.clone());
        return storage::storage_error(
            403,
            "AuthenticationFailed",
            &format!("Server failed to authenticate the request: {why}."),
        );
    }
    purge(shared, now);
    let Some((job_id, name)) = storage::parse_path(path) else {
        return storage::storage_error(404, "BlobNotFound", "The specified blob does not exist.");
    };
    let jobs = shared.batch.lock();
    let body = jobs
        .iter()
        .find(|j| j.id == job_id)
        .and_then(|j| j.outcome.as_ref())
        .and_then(|o| o.files.iter().find(|f| f.name == name))
        .map(|f| f.body.clone());
    match body {
        Some(b) => {
            let mut r = respond(200, Some("application/json"), b);
            r.headers_mut()
                .insert("x-ms-blob-type", HeaderValue::from_static("BlockBlob"));
            r
        }
        None => storage::storage_error(404, "BlobNotFound", "The specified blob does not exist."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes() {
        assert_eq!(route("/speechtotext/transcriptions:submit"), Some(BatchRoute::Submit));
        assert_eq!(route("/speechtotext/transcriptions"), Some(BatchRoute::List));
        assert_eq!(
            route("/speechtotext/transcriptions/abc"),
            Some(BatchRoute::Job("abc".into()))
        );
        assert_eq!(
            route("/speechtotext/transcriptions/abc/files/f1"),
            Some(BatchRoute::File("abc".into(), "f1".into()))
        );
        assert_eq!(route("/speechtotext/transcriptions:transcribe"), None);
        assert_eq!(route("/speechtotext/v3.2/transcriptions"), None);
    }

    #[test]
    fn blob_listing() {
        let xml = "<?xml version=\"1.0\"?><EnumerationResults><Blobs><Blob><Name>a.wav</Name><Properties/></Blob><Blob><Name>b &amp; c.wav</Name></Blob></Blobs></EnumerationResults>";
        assert_eq!(blob_names(xml), ["a.wav", "b & c.wav"]);
    }
}
