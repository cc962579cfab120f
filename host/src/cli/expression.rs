//! `tts --style --style-degree --role --volume` and `tts --list-formats`: voice expression and
//! the output formats. The core builds, escapes and validates the SSML; this carries the flags
//! over and prints the core's format list.

use clap::Args;

use super::context::SetupFailure;
use azspeech_host::artifact_cache::ArtifactCache;
use azspeech_host::core_runtime::{AudioEncoding, CoreRuntime};
use azspeech_host::exit_code::ExitCode;

/// Voice expression flags (plain text only; with --ssml, write the elements yourself).
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct ExpressionFlags {
    /// Speaking style of the voice (SSML mstts:express-as), e.g. cheerful or sad; `azspeech
    /// voices --style NAME` lists the voices that have it.
    #[arg(long, conflicts_with = "ssml")]
    pub style: Option<String>,
    /// Intensity of the style, 0.01 to 2 (1 = default).
    #[arg(long, value_name = "0.01-2", requires = "style")]
    pub style_degree: Option<f32>,
    /// Role the voice plays: Girl, Boy, YoungAdultFemale, YoungAdultMale, OlderAdultFemale,
    /// OlderAdultMale, SeniorFemale, SeniorMale.
    #[arg(long, requires = "style")]
    pub role: Option<String>,
    /// Volume (SSML prosody): silent, x-soft..x-loud, 0-100, or a change like +10 or -20%.
    #[arg(long, conflicts_with = "ssml", allow_hyphen_values = true)]
    pub volume: Option<String>,
}

/// `azspeech tts --list-formats`: every output format the core knows, one per line with its
/// encoding and sample rate.
pub(crate) fn print_formats() -> Result<ExitCode, SetupFailure> {
    let runtime = CoreRuntime::load(&ArtifactCache::from_environment())?;
    let formats = runtime.instantiate()?.synthesis_list_formats()?;
    for format in formats {
        let container = if format.needs_riff_header { ", WAV" } else { "" };
        println!(
            "{:<40} {} {} Hz{container}",
            format.name,
            encoding_name(format.encoding),
            format.sample_rate
        );
    }
    Ok(ExitCode::Ok)
}

fn encoding_name(encoding: AudioEncoding) -> &'static str {
    match encoding {
        AudioEncoding::Pcm => "pcm",
        AudioEncoding::Mulaw => "mulaw",
        AudioEncoding::Alaw => "alaw",
        AudioEncoding::Mp3 => "mp3",
        AudioEncoding::OggOpus => "ogg-opus",
        AudioEncoding::WebmOpus => "webm-opus",
        AudioEncoding::RawOpus => "raw-opus",
        AudioEncoding::Silk => "silk",
        AudioEncoding::Siren => "siren",
        AudioEncoding::AmrWb => "amr-wb",
        AudioEncoding::G722 => "g722",
        AudioEncoding::Flac => "flac",
    }
}
