//! `azspeech tts` against the emulator: output formats, stdout, SSML, long text split into
//! several requests with one seamless timeline, subtitles, and an interrupted synthesis that
//! leaves no file behind.

mod common;

use azspeech_emulator::{Emulator, EmulatorConfig, Fault, FaultAction, FaultTarget, HostForm, Trigger, Verbosity};
use common::emulator::{Running, azspeech};

fn path_arg(path: &std::path::Path) -> &str {
    path.to_str().expect("utf8")
}

#[test]
fn formats_stdout_and_ssml() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");

    let riff = dir.path().join("a.wav");
    let (code, _, stderr) = azspeech(&env, &["tts", "Formats matter.", "-o", path_arg(&riff)]);
    assert_eq!(code, Some(0), "{stderr}");
    let reader = hound::WavReader::open(&riff).expect("a valid WAV file");
    assert_eq!((reader.spec().sample_rate, reader.spec().channels), (24_000, 1));
    assert!(reader.duration() > 2_400, "some audio");

    let raw = dir.path().join("a.pcm");
    let (code, _, stderr) = azspeech(
        &env,
        &[
            "tts",
            "Formats matter.",
            "--format",
            "raw-16khz-16bit-mono-pcm",
            "-o",
            path_arg(&raw),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let bytes = std::fs::read(&raw).expect("raw audio");
    assert!(bytes.len() > 3_200 && &bytes[..4] != b"RIFF", "raw PCM has no header");

    let (code, stdout_bytes, stderr) = {
        let home = tempfile::tempdir().expect("tempdir");
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_azspeech"))
            .args(["tts", "Straight to a pipe.", "-o", "-"])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("AZSPEECH_CACHE_DIR", home.path())
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .output()
            .expect("runs");
        (
            output.status.code(),
            output.stdout,
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(&stdout_bytes[..4], b"RIFF", "a streaming WAV on stdout");
    assert!(stdout_bytes.len() > 4_800);

    let ssml = dir.path().join("in.ssml");
    std::fs::write(
        &ssml,
        "<speak version='1.0' xmlns='http://www.w3.org/2001/10/synthesis' xml:lang='en-US'>\
         <voice name='en-US-AvaMultilingualNeural'>Tea &amp; biscuits.</voice></speak>",
    )
    .expect("write");
    let out = dir.path().join("ssml.wav");
    let (code, _, stderr) = azspeech(&env, &["tts", "--ssml", path_arg(&ssml), "-o", path_arg(&out)]);
    assert_eq!(code, Some(0), "{stderr}");
    std::fs::write(&ssml, "<speak><voice name='x'>unclosed</speak>").expect("write");
    let (code, _, stderr) = azspeech(&env, &["tts", "--ssml", path_arg(&ssml), "-o", path_arg(&out)]);
    assert_eq!(code, Some(5), "malformed SSML is a bad request: {stderr}");

    let (code, _, stderr) = azspeech(&env, &["tts", "x", "--format", "riff-7khz-3bit", "-o", path_arg(&out)]);
    assert_eq!(code, Some(2), "an unknown format is a configuration error: {stderr}");
}

#[test]
fn long_text_is_split_into_requests_on_one_timeline_with_subtitles() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let sentence = "Each sentence of this long text is spoken in order without gaps or overlaps. ";
    let text: String = sentence.repeat(45); // ~3.5 thousand characters: more than one request
    let text_file = dir.path().join("long.txt");
    std::fs::write(&text_file, &text).expect("write");
    let out = dir.path().join("long.wav");
    let srt = dir.path().join("long.srt");
    let (code, _, stderr) = azspeech(
        &env,
        &[
            "tts",
            "--text-file",
            path_arg(&text_file),
            "-o",
            path_arg(&out),
            "--events",
            "json",
            "--srt",
            path_arg(&srt),
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let sentences: Vec<serde_json::Value> = stderr
        .lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter(|event| event["type"] == "sentence")
        .collect();
    assert_eq!(sentences.len(), 45, "every sentence reported once");
    let offsets: Vec<u64> = sentences
        .iter()
        .map(|s| s["audio_offset"].as_u64().expect("offset"))
        .collect();
    assert!(
        offsets.windows(2).all(|w| w[0] < w[1]),
        "one increasing timeline across requests: {offsets:?}"
    );
    let audio_ticks = hound::WavReader::open(&out).expect("wav").duration() as u64 * 10_000_000 / 24_000;
    assert!(
        *offsets.last().expect("sentences") < audio_ticks,
        "the last sentence lies inside the audio"
    );
    let subtitles = std::fs::read_to_string(&srt).expect("srt written");
    assert!(subtitles.starts_with("1\n00:00:00,"), "{subtitles}");
    assert!(subtitles.matches(" --> ").count() >= 45);
}

#[test]
fn an_interrupted_synthesis_leaves_no_file_behind() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("rt");
    let fault = Fault::new(
        FaultAction::Close {
            after: Trigger::SentFrames(4),
            code: 1011,
            reason: "emulated internal error".into(),
        },
        FaultTarget::Tts,
    );
    let emulator = runtime
        .block_on(Emulator::start(
            EmulatorConfig::new().verbosity(Verbosity::Quiet).fault(fault),
        ))
        .expect("emulator");
    let dir = tempfile::tempdir().expect("tempdir");
    let out = dir.path().join("broken.wav");
    let (code, _, stderr) = azspeech(
        &emulator.env_vars(),
        &["tts", "This synthesis is cut short.", "-o", path_arg(&out)],
    );
    assert!(
        matches!(code, Some(4 | 5)),
        "a service or network failure: {code:?} {stderr}"
    );
    assert!(stderr.contains("1011"), "the close code is kept: {stderr}");
    assert!(!out.exists(), "no corrupt WAV at the destination");
    assert_eq!(
        std::fs::read_dir(dir.path()).expect("dir").count(),
        0,
        "no partial file left"
    );
    runtime.block_on(emulator.shutdown());
}
