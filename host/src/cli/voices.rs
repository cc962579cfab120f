//! `azspeech voices`: list the voices of the configured resource.

use clap::Args;

use super::context::{self, SetupFailure};
use super::{ConfigFlags, TransportFlags};
use azspeech_host::core_runtime::RequestKind;
use azspeech_host::exit_code::ExitCode;
use azspeech_host::voices::{self, VoicesError};

/// Arguments of `azspeech voices`.
#[derive(Debug, Args)]
pub(crate) struct VoicesArgs {
    /// Only voices of this locale (e.g. en-US), or of this language (e.g. en).
    #[arg(long)]
    pub locale: Option<String>,
    /// Only voices of this gender: female, male or neutral.
    #[arg(long)]
    pub gender: Option<String>,
    /// Only voices that have this speaking style (for `tts --style`), e.g. cheerful.
    #[arg(long)]
    pub style: Option<String>,
    /// Print the service's JSON entries instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Settings that override the environment.
    #[command(flatten)]
    pub config: ConfigFlags,
    /// Transport overrides.
    #[command(flatten)]
    pub transport: TransportFlags,
}

/// Run `azspeech voices`.
pub(super) fn run(args: &VoicesArgs) -> ExitCode {
    match list(args) {
        Ok(()) => ExitCode::Ok,
        Err(failure) => {
            eprintln!("{}", failure.message);
            failure.code
        }
    }
}

fn list(args: &VoicesArgs) -> Result<(), SetupFailure> {
    let speech = context::speech(&args.config, &args.transport, Default::default())?;
    let plan = context::plan(&speech, RequestKind::VoicesList)?;
    let runtime = context::tokio_runtime()?;
    let fetched = runtime.block_on(async {
        let header = speech
            .credentials()
            .header_for(&plan.auth)
            .await
            .map_err(|error| SetupFailure {
                message: format!("azspeech voices: {error}"),
                code: ExitCode::Authentication,
            })?;
        Ok::<_, SetupFailure>(voices::fetch(speech.http_client(), speech.proxy_router(), &plan, &header).await)
    })?;
    let mut list = match fetched {
        Ok(list) => list,
        Err(VoicesError::Status {
            status,
            retry_after,
            body,
        }) => {
            let error =
                speech
                    .core()
                    .instantiate()?
                    .classify_http(speech.settings(), status, retry_after.as_deref(), &body)?;
            let (kind, detail) = (error.kind(), error.detail());
            return Err(SetupFailure {
                message: format!(
                    "azspeech voices: HTTP {status} ({kind}): {}\n  likely cause and fix: {}",
                    detail.message, detail.hint
                ),
                code: ExitCode::for_speech_error(&error),
            });
        }
        Err(VoicesError::Proxy(error)) => {
            let detail = error.detail();
            return Err(SetupFailure {
                message: format!(
                    "azspeech voices: {}\n  likely cause and fix: {}",
                    detail.message, detail.hint
                ),
                code: ExitCode::for_speech_error(&error),
            });
        }
        Err(error @ VoicesError::Network(_)) => {
            return Err(SetupFailure {
                message: format!("azspeech voices: {error}"),
                code: ExitCode::Network,
            });
        }
        Err(error) => {
            return Err(SetupFailure {
                message: format!("azspeech voices: {error}"),
                code: ExitCode::Service,
            });
        }
    };
    let filter = voices::VoiceFilter {
        locale: args.locale.clone(),
        gender: args.gender.clone(),
        style: args.style.clone(),
    };
    list.retain(|voice| filter.matches(voice));
    if args.json {
        let json = serde_json::to_string_pretty(&list).unwrap_or_else(|_| "[]".into());
        println!("{json}");
    } else {
        for voice in &list {
            println!(
                "{:<40} {:<8} {:<8} {:<8} {}",
                voice.short_name,
                voice.locale,
                voice.gender,
                voice.voice_type,
                voice.style_list.join(",")
            );
        }
        eprintln!("{} voices", list.len());
    }
    Ok(())
}
