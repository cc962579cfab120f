//! The examples every subcommand's `--help` ends with.

/// `azspeech tts`.
pub(crate) const TTS: &str = "Examples:
  azspeech tts 'Hello world' -o hello.wav
  azspeech tts 'Great news!' --voice en-US-AriaNeural --style cheerful --style-degree 1.5 --volume +20%
  azspeech tts --ssml speech.xml --format audio-24khz-48kbitrate-mono-mp3 -o speech.mp3
  azspeech tts --list-formats";

/// `azspeech stt`.
pub(crate) const STT: &str = "Examples:
  azspeech stt meeting.wav
  azspeech stt meeting.wav --format srt > meeting.srt
  azspeech stt interview.wav --languages en-US,de-DE,fr-FR --lid-mode continuous
  azspeech stt --mic --once";

/// `azspeech transcribe`.
pub(crate) const TRANSCRIBE: &str = "Examples:
  azspeech transcribe meeting.wav --diarize --max-speakers 4
  azspeech transcribe calls/*.wav -j 4 -o transcripts --format all
  azspeech transcribe stereo-call.wav --channels 0,1 --format json
  azspeech transcribe interview.mp3 --locale en-US --locale de-DE --format srt > interview.srt

Files over fast transcription's limits (300 MB, 2 hours) need batch transcription: see `azspeech batch`.";

/// `azspeech batch`.
pub(crate) const BATCH: &str = "Examples:
  azspeech batch submit https://acct.blob.core.windows.net/audio/call1.wav --locale en-US --diarize
  azspeech batch submit --container 'https://acct.blob.core.windows.net/audio?sp=rl&sig=...'
  azspeech batch wait 0f7a6c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b
  azspeech batch results 0f7a6c1e-2b3d-4e5f-8a9b-0c1d2e3f4a5b -o transcripts --format srt
  azspeech batch list

SAS URLs are secrets: their sig is never printed or logged, and result files are fetched from
storage without the Speech key or token.";

/// `azspeech voices`.
pub(crate) const VOICES: &str = "Examples:
  azspeech voices --locale de-DE
  azspeech voices --gender female --style cheerful --json";

/// `azspeech doctor`.
pub(crate) const DOCTOR: &str = "Examples:
  azspeech doctor
  azspeech doctor --profile work --probe
  azspeech doctor --json";

/// `azspeech config`.
pub(crate) const CONFIG: &str = "Examples:
  azspeech config set SPEECH_REGION westeurope
  azspeech config set --profile work SPEECH_ENDPOINT https://contoso.cognitiveservices.azure.com
  azspeech config list
  azspeech stt meeting.wav --profile work   (or SPEECH_PROFILE=work)

Precedence: a flag beats an environment variable, which beats the profile. Secrets (SPEECH_KEY...)
are never stored: keep them in the environment, use a credential source or Microsoft Entra ID.";

/// `azspeech token`.
pub(crate) const TOKEN: &str = "Examples:
  azspeech token
  azspeech token --service tts --auth entra";

/// `azspeech emulator`.
pub(crate) const EMULATOR: &str = "Examples:
  azspeech emulator --port 5000
  azspeech emulator --port 5443 --tls --ca-file emulator-ca.pem";

/// `azspeech demo`.
pub(crate) const DEMO: &str = "Examples:
  azspeech demo
  azspeech demo 'Any sentence you like.' --output demo.wav";

/// `azspeech component`.
pub(crate) const COMPONENT: &str = "Examples:
  azspeech component --wasm azspeech-core.wasm --wit azspeech.wit";

/// `azspeech completions`.
pub(crate) const COMPLETIONS: &str = "Examples:
  azspeech completions bash > ~/.local/share/bash-completion/completions/azspeech
  azspeech completions zsh > \"${fpath[1]}/_azspeech\"
  azspeech completions fish > ~/.config/fish/completions/azspeech.fish
  azspeech completions powershell >> $PROFILE";

/// `azspeech man`.
pub(crate) const MAN: &str = "Examples:
  azspeech man | man -l -
  azspeech man --dir /usr/local/share/man/man1";
