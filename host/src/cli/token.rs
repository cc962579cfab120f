//! `azspeech token`: the auth header a request would carry, masked (first 4 characters and the
//! length), so a user can see which credential and which format is used without leaking it.

use clap::{Args, ValueEnum};

use super::ConfigFlags;
use super::TransportFlags;
use super::context::{self, SetupFailure};
use azspeech_host::core_runtime::RequestKind;
use azspeech_host::exit_code::ExitCode;

/// Which request's header to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Service {
    /// Speech-to-text WebSocket.
    Stt,
    /// Text-to-speech WebSocket.
    Tts,
    /// Text-to-speech REST.
    TtsRest,
    /// The voices list.
    Voices,
}

impl From<Service> for RequestKind {
    fn from(service: Service) -> Self {
        match service {
            Service::Stt => RequestKind::SttWebsocket,
            Service::Tts => RequestKind::TtsWebsocket,
            Service::TtsRest => RequestKind::TtsRest,
            Service::Voices => RequestKind::VoicesList,
        }
    }
}

/// Arguments of `azspeech token`.
#[derive(Debug, Args)]
pub(crate) struct TokenArgs {
    /// Which request.
    #[arg(long, value_enum, default_value = "stt")]
    pub service: Service,
    /// Settings that override the environment.
    #[command(flatten)]
    pub config: ConfigFlags,
    /// Transport overrides.
    #[command(flatten)]
    pub transport: TransportFlags,
}

/// Run `azspeech token`.
pub(super) fn run(args: &TokenArgs) -> ExitCode {
    match token(args) {
        Ok(line) => {
            println!("{line}");
            ExitCode::Ok
        }
        Err(failure) => {
            eprintln!("{}", failure.message);
            failure.code
        }
    }
}

fn token(args: &TokenArgs) -> Result<String, SetupFailure> {
    let speech = context::speech(&args.config, &args.transport, Default::default())?;
    let plan = context::plan(&speech, args.service.into())?;
    let runtime = context::tokio_runtime()?;
    let header = runtime
        .block_on(speech.credentials().header_for(&plan.auth))
        .map_err(|error| SetupFailure {
            message: format!("azspeech token: {error}"),
            code: ExitCode::Authentication,
        })?;
    Ok(header.masked())
}
