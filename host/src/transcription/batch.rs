//! Batch transcription: jobs over storage URLs, run on Azure's fleet.
//!
//! SAS URLs given by the user and the content URLs the service returns go through a
//! [`SasVault`]: the core, logs and messages only ever see placeholders. Result and report files
//! live in storage, so they are fetched with a plain request that carries no Speech credential.

use std::time::Duration;

use super::exchange::{Payload, RetryBudget};
use super::sas::{SasVault, redacted};
use crate::client::{Error, Speech};
use crate::core_runtime::{
    BatchJob, BatchRequest, CoreInstance, JobFile, JobStatus, ReportEntry, TranscriptionCall, TranscriptionOptions,
    TranscriptionResult,
};
use crate::speech::SessionError;

/// A job to submit, with the storage URLs as the user gave them (SAS and all).
#[derive(Debug, Clone)]
pub struct BatchSubmission {
    /// `displayName`.
    pub display_name: String,
    /// Audio URLs; exclusive with `container`.
    pub content_urls: Vec<String>,
    /// A container SAS URL (read and list).
    pub container: Option<String>,
    /// A container SAS URL (write) for the results.
    pub destination: Option<String>,
    /// Hours the job is kept after it completes (6 to 744).
    pub time_to_live_hours: u32,
    /// Locale, diarization, channels, profanity.
    pub options: TranscriptionOptions,
}

/// Batch transcription calls for one [`Speech`]: [`Speech::batch`].
#[derive(Debug)]
pub struct BatchClient {
    speech: Speech,
    vault: SasVault,
    budget: RetryBudget,
}

impl Speech {
    /// The batch transcription client.
    pub fn batch(&self) -> BatchClient {
        BatchClient {
            speech: self.clone(),
            vault: SasVault::new(),
            budget: RetryBudget::default(),
        }
    }
}

fn service(error: crate::core_runtime::SpeechError) -> Error {
    SessionError::service(error).into()
}

impl BatchClient {
    /// Use this retry budget for each call.
    pub fn with_budget(mut self, budget: RetryBudget) -> Self {
        self.budget = budget;
        self
    }

    /// The vault holding the signatures seen so far (to redact text of your own).
    pub fn vault(&self) -> &SasVault {
        &self.vault
    }

    /// Submit a job; returns it as created (usually `NotStarted`).
    pub async fn submit(&self, submission: &BatchSubmission) -> Result<BatchJob, Error> {
        let request = BatchRequest {
            display_name: submission.display_name.clone(),
            content_urls: submission.content_urls.iter().map(|u| self.vault.redact(u)).collect(),
            content_container_url: submission.container.as_deref().map(|u| self.vault.redact(u)),
            destination_container_url: submission.destination.as_deref().map(|u| self.vault.redact(u)),
            time_to_live_hours: submission.time_to_live_hours,
            options: submission.options.clone(),
        };
        let mut core = self.speech.core().instantiate()?;
        let body = core.transcription_submit_body(&request)?.map_err(service)?;
        let reveal = || self.vault.reveal(&body);
        let answer = self
            .speech
            .transcription_call(&TranscriptionCall::Submit, Payload::Json(&reveal), self.budget)
            .await?;
        core.transcription_parse_job(&self.vault.redact(&answer.body))?
            .map_err(service)
    }

    /// The job's current state, and the `Retry-After` the service gave with it.
    pub async fn get(&self, id: &str) -> Result<(BatchJob, Option<String>), Error> {
        let answer = self
            .speech
            .transcription_call(&TranscriptionCall::Get(id.to_owned()), Payload::Empty, self.budget)
            .await?;
        let mut core = self.speech.core().instantiate()?;
        let job = core
            .transcription_parse_job(&self.vault.redact(&answer.body))?
            .map_err(service)?;
        Ok((job, answer.retry_after))
    }

    /// Poll until the job succeeds or fails, waiting as `Retry-After` says (the core decides
    /// the delay); `on_status` sees every state.
    pub async fn wait(&self, id: &str, mut on_status: impl FnMut(&BatchJob)) -> Result<BatchJob, Error> {
        loop {
            let (job, retry_after) = self.get(id).await?;
            on_status(&job);
            if matches!(job.status, JobStatus::Succeeded | JobStatus::Failed) {
                return Ok(job);
            }
            let mut core = self.speech.core().instantiate()?;
            let delay = core.transcription_poll_delay(retry_after.as_deref())?;
            tokio::time::sleep(Duration::from_millis(delay)).await;
        }
    }

    /// Every job of the resource (following `@nextLink`, on the same endpoint only).
    pub async fn list(&self) -> Result<Vec<BatchJob>, Error> {
        self.all_pages(TranscriptionCall::ListJobs, |core, body| {
            let page = core.transcription_parse_jobs(body)?.map_err(service)?;
            Ok((page.jobs, page.next_link))
        })
        .await
    }

    /// The job's files (results and report); content URLs hold placeholders.
    pub async fn files(&self, id: &str) -> Result<Vec<JobFile>, Error> {
        self.all_pages(TranscriptionCall::ListFiles(id.to_owned()), |core, body| {
            let page = core.transcription_parse_files(body)?.map_err(service)?;
            Ok((page.files, page.next_link))
        })
        .await
    }

    /// Every item of a paged listing, from `first` on through each page's `@nextLink`: `parse`
    /// reads one page (its SAS values already swapped for placeholders) into its items and the
    /// next link.
    async fn all_pages<T>(
        &self,
        first: TranscriptionCall,
        parse: impl Fn(&mut CoreInstance, &str) -> Result<(Vec<T>, Option<String>), Error>,
    ) -> Result<Vec<T>, Error> {
        let mut items = Vec::new();
        let mut call = first;
        loop {
            let answer = self
                .speech
                .transcription_call(&call, Payload::Empty, self.budget)
                .await?;
            let mut core = self.speech.core().instantiate()?;
            let (page, next) = parse(&mut core, &self.vault.redact(&answer.body))?;
            items.extend(page);
            match next {
                Some(next) => call = TranscriptionCall::NextPage(next),
                None => return Ok(items),
            }
        }
    }

    /// Delete the job (and its result files in the service's storage).
    pub async fn delete(&self, id: &str) -> Result<(), Error> {
        self.speech
            .transcription_call(&TranscriptionCall::Delete(id.to_owned()), Payload::Empty, self.budget)
            .await?;
        Ok(())
    }

    /// Download a file's content from storage. No Speech credential is sent: the URL's own
    /// SAS is the only authorization.
    pub async fn download(&self, file: &JobFile) -> Result<String, Error> {
        let shown = redacted(&file.content_url);
        let lower = file.content_url.to_ascii_lowercase();
        let loopback = ["http://127.0.0.1", "http://localhost", "http://[::1]"]
            .iter()
            .any(|prefix| lower.starts_with(prefix));
        if !lower.starts_with("https://") && !loopback {
            return Err(SessionError::Configuration(format!(
                "the service gave a content URL that is not https ({shown}); it was not fetched"
            ))
            .into());
        }
        let url = self.vault.reveal(&file.content_url);
        let response = self
            .speech
            .http_client()
            .get(url.expose())
            .send()
            .await
            .map_err(|error| {
                SessionError::Network(format!(
                    "cannot download {shown}: {}",
                    super::exchange::error_chain(&error.without_url())
                ))
            })?;
        let status = response.status();
        let body = response.text().await.map_err(|error| {
            SessionError::Network(format!(
                "reading {shown} failed: {}",
                super::exchange::error_chain(&error.without_url())
            ))
        })?;
        if !status.is_success() {
            return Err(SessionError::Network(format!(
                "storage answered HTTP {} for {shown}: the SAS of the file may have expired (files list again for fresh links)",
                status.as_u16()
            ))
            .into());
        }
        Ok(self.vault.redact(&body))
    }

    /// Download and parse one result file.
    pub async fn result(&self, file: &JobFile) -> Result<TranscriptionResult, Error> {
        let body = self.download(file).await?;
        let mut core = self.speech.core().instantiate()?;
        core.transcription_parse_batch_result(&body)?.map_err(service)
    }

    /// Download and parse the job's report.
    pub async fn report(&self, file: &JobFile) -> Result<Vec<ReportEntry>, Error> {
        let body = self.download(file).await?;
        let mut core = self.speech.core().instantiate()?;
        core.transcription_parse_report(&body)?.map_err(service)
    }
}
