//! Batch job entities, job and file lists and `report.json` (bulk.md §2.3, §2.4). Unknown
//! fields are ignored; `values` and `@nextLink` page the lists.

use serde::Deserialize;

use super::results::protocol;
use crate::bindings::exports::azspeech::core::transcription::{
    BatchJob, FileKind, FilePage, JobFile, JobPage, JobStatus, ReportEntry,
};
use crate::bindings::exports::azspeech::core::types::SpeechError;

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct JobBody {
    #[serde(rename = "self")]
    self_url: String,
    #[serde(default)]
    display_name: String,
    status: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    created_date_time: String,
    #[serde(default)]
    last_action_date_time: String,
    #[serde(default)]
    properties: Option<JobProperties>,
}

#[derive(Deserialize)]
struct JobProperties {
    error: Option<ErrorBody>,
}

#[derive(Deserialize)]
struct ErrorBody {
    #[serde(default)]
    code: String,
    #[serde(default)]
    message: String,
}

/// The id in a `self` URL: its last path segment.
fn id_of(self_url: &str) -> String {
    let path = self_url.split(['?', '#']).next().unwrap_or_default();
    path.rsplit('/').next().unwrap_or_default().to_owned()
}

fn status(text: &str) -> Result<JobStatus, SpeechError> {
    match text {
        "NotStarted" => Ok(JobStatus::NotStarted),
        "Running" => Ok(JobStatus::Running),
        "Succeeded" => Ok(JobStatus::Succeeded),
        "Failed" => Ok(JobStatus::Failed),
        other => Err(protocol(
            "job entity",
            &<serde_json::Error as serde::de::Error>::custom(format!(
                "unknown status {:?}",
                crate::failures::excerpt(other)
            )),
        )),
    }
}

fn job(body: JobBody) -> Result<BatchJob, SpeechError> {
    Ok(BatchJob {
        id: id_of(&body.self_url),
        display_name: body.display_name,
        status: status(&body.status)?,
        locale: body.locale,
        created: body.created_date_time,
        last_action: body.last_action_date_time,
        error: body.properties.and_then(|p| p.error).map(|e| (e.code, e.message)),
    })
}

/// Parse a job entity.
pub fn parse_job(body: &str) -> Result<BatchJob, SpeechError> {
    job(serde_json::from_str(body).map_err(|e| protocol("job entity", &e))?)
}

#[derive(Deserialize)]
struct Page<T> {
    #[serde(default = "Vec::new")]
    values: Vec<T>,
    #[serde(rename = "@nextLink")]
    next_link: Option<String>,
}

/// Parse a list of jobs.
pub fn parse_jobs(body: &str) -> Result<JobPage, SpeechError> {
    let page: Page<JobBody> = serde_json::from_str(body).map_err(|e| protocol("job list", &e))?;
    Ok(JobPage {
        jobs: page.values.into_iter().map(job).collect::<Result<_, _>>()?,
        next_link: page.next_link,
    })
}

#[derive(Deserialize)]
struct FileBody {
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    links: FileLinks,
    properties: Option<FileProperties>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct FileLinks {
    content_url: String,
}

#[derive(Deserialize)]
struct FileProperties {
    size: Option<u64>,
}

/// Parse a list of job files.
pub fn parse_files(body: &str) -> Result<FilePage, SpeechError> {
    let page: Page<FileBody> = serde_json::from_str(body).map_err(|e| protocol("file list", &e))?;
    Ok(FilePage {
        files: page
            .values
            .into_iter()
            .map(|f| JobFile {
                kind: match f.kind.as_str() {
                    "Transcription" => FileKind::Transcription,
                    "TranscriptionReport" => FileKind::TranscriptionReport,
                    _ => FileKind::Other,
                },
                name: f.name,
                content_url: f.links.content_url,
                size: f.properties.and_then(|p| p.size),
            })
            .collect(),
        next_link: page.next_link,
    })
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportBody {
    #[serde(default)]
    details: Vec<ReportDetail>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ReportDetail {
    source: Option<String>,
    source_url: Option<String>,
    #[serde(default)]
    status: String,
    error_kind: Option<String>,
    error_message: Option<String>,
}

/// Parse `report.json` (older payloads name the source `sourceUrl`).
pub fn parse_report(body: &str) -> Result<Vec<ReportEntry>, SpeechError> {
    let report: ReportBody = serde_json::from_str(body).map_err(|e| protocol("transcription report", &e))?;
    Ok(report
        .details
        .into_iter()
        .map(|d| {
            let succeeded = d.status == "Succeeded";
            ReportEntry {
                source: d.source.or(d.source_url).unwrap_or_default(),
                succeeded,
                error: (!succeeded).then(|| (d.error_kind.unwrap_or_default(), d.error_message.unwrap_or_default())),
            }
        })
        .collect())
}
