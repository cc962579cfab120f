//! `azspeech stt` on real files against the emulator: a multi-utterance file, a 44.1 kHz stereo
//! file, a file of more than ten minutes (all utterances, in order, with offsets), subtitles,
//! and bad input.

mod common;

use azspeech_emulator::HostForm;
use azspeech_host::spoken_words;
use common::audio::{joined, synthesized_pcm, write_wav};
use common::emulator::{Running, azspeech};

const SENTENCES: [&str; 3] = [
    "The quick brown fox jumps over the lazy dog.",
    "Azure speech works offline with the emulator.",
    "Every utterance arrives in order with its offset.",
];

fn json_lines(stdout: &str) -> Vec<serde_json::Value> {
    stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("one JSON object per line"))
        .collect()
}

#[test]
fn multi_utterance_files_in_every_output_format() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let pcm = synthesized_pcm(&env, dir.path(), &SENTENCES);
    let file = write_wav(&dir.path().join("three.wav"), 16_000, 1, &joined(&pcm, 0..3));
    let file = file.to_str().expect("utf8");

    let (code, stdout, stderr) = azspeech(&env, &["stt", file]);
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<Vec<String>> = stdout.lines().map(spoken_words).collect();
    assert_eq!(lines, SENTENCES.iter().map(|s| spoken_words(s)).collect::<Vec<_>>());

    let (code, stdout, stderr) = azspeech(&env, &["stt", file, "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let phrases = json_lines(&stdout);
    assert_eq!(phrases.len(), 3);
    let offsets: Vec<u64> = phrases.iter().map(|p| p["offset"].as_u64().expect("offset")).collect();
    let first_end = offsets[0] + phrases[0]["duration"].as_u64().expect("duration");
    assert!(
        offsets[1] >= first_end + 9_000_000,
        "the second utterance starts after a second of silence: {offsets:?}"
    );
    // Offsets are absolute: the third starts after both earlier utterances and two pauses.
    let expected_third = (pcm[0].len() + pcm[1].len() + 32_000) as u64 * 10_000_000 / 16_000;
    assert!(
        offsets[2].abs_diff(expected_third) < 10_000_000,
        "{} vs {expected_third}",
        offsets[2]
    );
    assert!(
        phrases
            .iter()
            .all(|p| p["words"].as_array().is_some_and(|w| !w.is_empty())),
        "word timings"
    );

    let (code, srt, stderr) = azspeech(&env, &["stt", file, "--format", "srt"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(srt.starts_with("1\n00:00:0"), "{srt}");
    assert!(srt.contains(" --> "), "{srt}");
    let (code, vtt, stderr) = azspeech(&env, &["stt", file, "--format", "vtt"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(vtt.starts_with("WEBVTT\n\n00:00:0"), "{vtt}");
    assert_eq!(
        srt.matches(" --> ").count(),
        vtt.matches(" --> ").count(),
        "same cues in both formats"
    );

    let (code, stdout, stderr) = azspeech(&env, &["stt", file, "--once"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stdout.lines().map(spoken_words).collect::<Vec<_>>(),
        vec![spoken_words(SENTENCES[0])],
        "--once: the first utterance"
    );
}

#[test]
fn a_44_1_khz_stereo_file_is_converted() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let pcm = synthesized_pcm(&env, dir.path(), &SENTENCES);
    // Upsample 16 kHz mono to 44.1 kHz stereo by linear interpolation.
    let source = &pcm[1];
    let frames = source.len() * 44_100 / 16_000;
    let mut stereo = Vec::with_capacity(frames * 2);
    for frame in 0..frames {
        let position = frame as f64 * 16_000.0 / 44_100.0;
        let index = position as usize;
        let fraction = position - index as f64;
        let a = f64::from(source[index.min(source.len() - 1)]);
        let b = f64::from(source[(index + 1).min(source.len() - 1)]);
        let sample = (a + (b - a) * fraction).round() as i16;
        stereo.extend([sample, sample]);
    }
    let file = write_wav(&dir.path().join("stereo.wav"), 44_100, 2, &stereo);
    let (code, stdout, stderr) = azspeech(&env, &["stt", file.to_str().expect("utf8")]);
    assert_eq!(
        (code, spoken_words(&stdout)),
        (Some(0), spoken_words(SENTENCES[1])),
        "{stderr}"
    );
}

#[test]
fn a_file_longer_than_ten_minutes_is_streamed_completely_and_in_order() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let pcm = synthesized_pcm(&env, dir.path(), &SENTENCES);
    let mut order = Vec::new();
    let mut samples = 0usize;
    while samples < 16_000 * 610 {
        let index = order.len() % 3;
        samples += pcm[index].len() + 16_000;
        order.push(index);
    }
    let file = write_wav(
        &dir.path().join("long.wav"),
        16_000,
        1,
        &joined(&pcm, order.iter().copied()),
    );
    let (code, stdout, stderr) = azspeech(&env, &["stt", file.to_str().expect("utf8"), "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    let phrases = json_lines(&stdout);
    let heard: Vec<Vec<String>> = phrases
        .iter()
        .map(|p| spoken_words(p["text"].as_str().expect("text")))
        .collect();
    let expected: Vec<Vec<String>> = order.iter().map(|&i| spoken_words(SENTENCES[i])).collect();
    assert_eq!(
        heard.len(),
        expected.len(),
        "every utterance of the {} s file",
        samples / 16_000
    );
    assert_eq!(heard, expected, "in order");
    let offsets: Vec<u64> = phrases.iter().map(|p| p["offset"].as_u64().expect("offset")).collect();
    assert!(offsets.windows(2).all(|w| w[0] < w[1]), "offsets increase");
    assert!(
        *offsets.last().expect("phrases") > 590 * 10_000_000,
        "the last utterance is near the end"
    );
}

#[test]
fn bad_files_and_flags_get_clear_errors() {
    let dir = tempfile::tempdir().expect("tempdir");
    let env = vec![
        ("SPEECH_KEY".to_owned(), "k".repeat(32)),
        ("SPEECH_ENDPOINT".to_owned(), "http://127.0.0.1:9".to_owned()),
    ];
    let not_wav = dir.path().join("notes.txt");
    std::fs::write(&not_wav, "not audio at all").expect("write");
    let (code, _, stderr) = azspeech(&env, &["stt", not_wav.to_str().expect("utf8")]);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(
        stderr.contains("Supported:"),
        "the error says what is supported: {stderr}"
    );

    let truncated = write_wav(&dir.path().join("t.wav"), 16_000, 1, &vec![1000i16; 16_000]);
    let bytes = std::fs::read(&truncated).expect("read");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).expect("truncate");
    let (code, _, stderr) = azspeech(&env, &["stt", truncated.to_str().expect("utf8")]);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(stderr.contains("truncated"), "{stderr}");

    let (code, _, stderr) = azspeech(&env, &["stt", "/no/such/file.wav"]);
    assert_eq!(code, Some(6), "{stderr}");
    let (code, _, _) = azspeech(&env, &["stt", "x.wav", "--format", "docx"]);
    assert_eq!(code, Some(2), "an unknown --format is a usage error");
}
