//! Fast transcription of one local file: the core checks the limits and builds the
//! `definition`; the file is streamed from disk in a multipart body; the answer is parsed by the
//! core into a [`TranscriptionResult`].

use std::path::Path;

use super::exchange::{Payload, RetryBudget};
use super::multipart;
use crate::audio::input::{AudioInputError, PcmSource};
use crate::client::{Error, Speech};
use crate::core_runtime::{TranscriptionCall, TranscriptionOptions, TranscriptionResult, Upload};
use crate::speech::SessionError;

impl Speech {
    /// Transcribe the audio file `path` with fast transcription (one request, much faster than
    /// real time; diarization and channels as `options` say). Files over the service's limits
    /// fail before anything is sent, with a pointer to batch transcription.
    pub async fn transcribe_file(
        &self,
        path: &Path,
        options: &TranscriptionOptions,
    ) -> Result<TranscriptionResult, Error> {
        self.transcribe_file_with_budget(path, options, RetryBudget::default())
            .await
    }

    /// [`Speech::transcribe_file`] with a retry budget of its own.
    pub async fn transcribe_file_with_budget(
        &self,
        path: &Path,
        options: &TranscriptionOptions,
        budget: RetryBudget,
    ) -> Result<TranscriptionResult, Error> {
        let io_error = |error| {
            Error::from(SessionError::Input(AudioInputError::Io {
                source_name: path.display().to_string(),
                error,
            }))
        };
        let metadata = std::fs::metadata(path).map_err(io_error)?;
        if !metadata.is_file() {
            return Err(io_error(std::io::Error::other("it is not a regular file")));
        }
        // The duration, when the container says (a format the host cannot decode may still be
        // one the service takes).
        let duration_ms = PcmSource::open(path)
            .ok()
            .map(|source| source.announced_duration_ms())
            .filter(|ms| *ms > 0);
        let mut core = self.core().instantiate()?;
        core.transcription_check_upload(Upload {
            size_bytes: metadata.len(),
            duration_ms,
            diarization: options.max_speakers.is_some(),
        })?
        .map_err(SessionError::service)?;
        let definition = core.transcription_definition(options)?.map_err(SessionError::service)?;
        let owned_path = path.to_path_buf();
        let open = move || -> futures_util::future::BoxFuture<'static, std::io::Result<multipart::MultipartBody>> {
            let path = owned_path.clone();
            let definition = definition.clone();
            Box::pin(async move {
                let boundary = format!("azspeech-{}", uuid::Uuid::new_v4().simple());
                multipart::body(&path, &definition, &boundary).await
            })
        };
        let answer = self
            .transcription_call(&TranscriptionCall::Transcribe, Payload::Multipart(&open), budget)
            .await?;
        Ok(core
            .transcription_parse_result(&answer.body)?
            .map_err(SessionError::service)?)
    }
}
