//! `azspeech batch`: batch transcription jobs over audio in storage, run on Azure's fleet.
//! `submit` (audio URLs or a container SAS URL), `status`, `wait` (polling as `Retry-After` asks),
//! `results` (downloads each result file from storage and writes it in the `stt` formats),
//! `list` and `delete`. SAS URLs never appear in output or logs with their `sig`.

use std::path::{Path, PathBuf};

use clap::{Args, Subcommand};

use super::context::{self, SetupFailure};
use super::transcribe::{TranscriptionFlags, parse_budget, write_outputs};
use super::transcript::SttFormatChoice;
use super::{ConfigFlags, TransportFlags};
use azspeech_host::core_runtime::{BatchJob, FileKind, JobStatus};
use azspeech_host::exit_code::ExitCode;
use azspeech_host::transcription::sas::redacted;
use azspeech_host::transcription::{BatchClient, BatchSubmission, RetryBudget};

/// Arguments of `azspeech batch`.
#[derive(Debug, Args)]
pub(crate) struct BatchArgs {
    /// The operation.
    #[command(subcommand)]
    pub command: BatchCommand,
    /// How long one call may wait in total for retries after 429 (honouring Retry-After) or 5xx.
    #[arg(long, global = true, value_name = "SECONDS", default_value = "120", value_parser = parse_budget)]
    pub retry_budget: RetryBudget,
    /// Settings that override the environment.
    #[command(flatten)]
    pub config: ConfigFlags,
    /// Transport overrides.
    #[command(flatten)]
    pub transport: TransportFlags,
}

/// The operations of `azspeech batch`.
#[derive(Debug, Subcommand)]
pub(crate) enum BatchCommand {
    /// Submit a job: audio URLs, or --container with a container SAS URL; prints the job id.
    Submit(SubmitArgs),
    /// Print a job's status.
    Status(IdArgs),
    /// Wait until a job succeeds or fails, printing its progress.
    Wait(IdArgs),
    /// Download a succeeded job's transcriptions into DIR (one file per input and format).
    Results(ResultsArgs),
    /// List the resource's jobs.
    List,
    /// Delete a job and its results.
    Delete(IdArgs),
}

/// `azspeech batch submit`.
#[derive(Debug, Args)]
pub(crate) struct SubmitArgs {
    /// Audio URLs (https; a SAS URL for private blobs).
    #[arg(required_unless_present = "container", conflicts_with = "container")]
    pub urls: Vec<String>,
    /// Transcribe every blob of this container (a SAS URL with read and list permissions).
    #[arg(long, value_name = "SAS_URL")]
    pub container: Option<String>,
    /// Write the results to this container (a SAS URL with write permission).
    #[arg(long, value_name = "SAS_URL")]
    pub destination: Option<String>,
    /// The job's display name.
    #[arg(long, default_value = "azspeech batch")]
    pub name: String,
    /// Delete the job this many hours after it completes (6 to 744).
    #[arg(long, value_name = "HOURS", default_value = "48")]
    pub ttl_hours: u32,
    /// Wait for the job to finish.
    #[arg(long)]
    pub wait: bool,
    /// Diarization, locales, channels, profanity.
    #[command(flatten)]
    pub transcription: TranscriptionFlags,
}

/// A job id.
#[derive(Debug, Args)]
pub(crate) struct IdArgs {
    /// The job id (`azspeech batch list` prints them).
    pub id: String,
}

/// `azspeech batch results`.
#[derive(Debug, Args)]
pub(crate) struct ResultsArgs {
    /// The job id.
    pub id: String,
    /// The directory to write the transcriptions to.
    #[arg(short = 'o', long = "output-dir", value_name = "DIR")]
    pub output_dir: PathBuf,
    /// Output format; `all` writes txt, json, srt and vtt files.
    #[arg(long, value_enum, default_value = "text")]
    pub format: SttFormatChoice,
}

/// Run `azspeech batch`.
pub(super) fn run(args: &BatchArgs) -> ExitCode {
    match run_command(args) {
        Ok(code) => code,
        Err(failure) => {
            eprintln!("{}", redacted(&failure.message));
            failure.code
        }
    }
}

fn failure(error: azspeech_host::Error) -> SetupFailure {
    SetupFailure {
        code: error.exit_code(),
        message: format!("azspeech batch: {}", redacted(&error.to_string())),
    }
}

fn status_name(status: JobStatus) -> &'static str {
    match status {
        JobStatus::NotStarted => "NotStarted",
        JobStatus::Running => "Running",
        JobStatus::Succeeded => "Succeeded",
        JobStatus::Failed => "Failed",
    }
}

fn describe(job: &BatchJob) -> String {
    let mut line = format!(
        "{}\t{}\t{}\t{}",
        job.id,
        status_name(job.status),
        job.created,
        job.display_name
    );
    if let Some((code, message)) = &job.error {
        line.push_str(&format!("\n  error: {code}: {}", redacted(message)));
    }
    line
}

/// A failed job exits like a refused request (the service's verdict; retrying fails the same way).
fn finished(job: &BatchJob) -> ExitCode {
    match job.status {
        JobStatus::Failed => ExitCode::Service,
        _ => ExitCode::Ok,
    }
}

fn run_command(args: &BatchArgs) -> Result<ExitCode, SetupFailure> {
    let speech = context::builder(&args.config, &args.transport)?.build()?;
    let client = speech.batch().with_budget(args.retry_budget);
    let runtime = context::tokio_runtime()?;
    runtime.block_on(async {
        match &args.command {
            BatchCommand::Submit(submit) => {
                let submission = BatchSubmission {
                    display_name: submit.name.clone(),
                    content_urls: submit.urls.clone(),
                    container: submit.container.clone(),
                    destination: submit.destination.clone(),
                    time_to_live_hours: submit.ttl_hours,
                    options: submit.transcription.options(&[]),
                };
                let job = client.submit(&submission).await.map_err(failure)?;
                eprintln!("submitted {} ({})", job.id, status_name(job.status));
                println!("{}", job.id);
                if submit.wait {
                    let job = wait(&client, &job.id).await?;
                    return Ok(finished(&job));
                }
                Ok(ExitCode::Ok)
            }
            BatchCommand::Status(id) => {
                let (job, _) = client.get(&id.id).await.map_err(failure)?;
                println!("{}", describe(&job));
                Ok(ExitCode::Ok)
            }
            BatchCommand::Wait(id) => {
                let job = wait(&client, &id.id).await?;
                println!("{}", describe(&job));
                Ok(finished(&job))
            }
            BatchCommand::Results(results) => download(&client, results).await,
            BatchCommand::List => {
                for job in client.list().await.map_err(failure)? {
                    println!("{}", describe(&job));
                }
                Ok(ExitCode::Ok)
            }
            BatchCommand::Delete(id) => {
                client.delete(&id.id).await.map_err(failure)?;
                eprintln!("deleted {}", id.id);
                Ok(ExitCode::Ok)
            }
        }
    })
}

async fn wait(client: &BatchClient, id: &str) -> Result<BatchJob, SetupFailure> {
    let mut last = None;
    client
        .wait(id, |job| {
            if last != Some(job.status) {
                eprintln!("{id}: {}", status_name(job.status));
                last = Some(job.status);
            }
        })
        .await
        .map_err(failure)
}

/// The output name of a result file: its name without `.json`, made safe as a file name.
fn output_stem(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let base = base.strip_suffix(".json").unwrap_or(base);
    let safe: String = base
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    match safe.trim_matches('.') {
        "" => "result".to_owned(),
        stem => stem.to_owned(),
    }
}

async fn download(client: &BatchClient, args: &ResultsArgs) -> Result<ExitCode, SetupFailure> {
    let (job, _) = client.get(&args.id).await.map_err(failure)?;
    if job.status != JobStatus::Succeeded {
        return Err(SetupFailure {
            message: format!(
                "azspeech batch: job {} is {}, not Succeeded.\n  fix: {}",
                job.id,
                status_name(job.status),
                match job.status {
                    JobStatus::Failed => format!(
                        "see why with `azspeech batch status {}`, fix the input and submit again",
                        job.id
                    ),
                    _ => format!("wait for it: azspeech batch wait {}", job.id),
                }
            ),
            code: ExitCode::Input,
        });
    }
    std::fs::create_dir_all(&args.output_dir).map_err(|error| SetupFailure {
        message: format!("azspeech batch: cannot create {}: {error}", args.output_dir.display()),
        code: ExitCode::Input,
    })?;
    let formats = args.format.formats();
    let files = client.files(&args.id).await.map_err(failure)?;
    let mut code = ExitCode::Ok;
    for file in &files {
        match file.kind {
            FileKind::Transcription => {
                let result = client.result(file).await.map_err(failure)?;
                let stem = output_stem(&file.name);
                let outputs: Vec<PathBuf> = formats
                    .iter()
                    .map(|format| output_path(&args.output_dir, &stem, format.extension()))
                    .collect();
                // The job's locales are not known here: label languages whenever the service reports them.
                let written = write_outputs(&result, &formats, &outputs, true)?;
                eprintln!("{}: wrote {}", redacted(&result.source), written.join(", "));
            }
            FileKind::TranscriptionReport => {
                for entry in client.report(file).await.map_err(failure)? {
                    if let Some((kind, message)) = &entry.error {
                        eprintln!("{}: failed: {kind}: {}", redacted(&entry.source), redacted(message));
                        code = ExitCode::Input;
                    }
                }
            }
            FileKind::Other => {}
        }
    }
    Ok(code)
}

fn output_path(dir: &Path, stem: &str, extension: &str) -> PathBuf {
    dir.join(format!("{stem}.{extension}"))
}
