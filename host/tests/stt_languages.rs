//! `azspeech stt --languages`: language identification over syntheses in three languages on the
//! emulator (which knows the voice, and so the locale, of every synthesis it made), in both
//! modes and every output format, and the service's limits.

mod common;

use azspeech_emulator::HostForm;
use common::audio::{joined, synthesized_pcm_in_voices, write_wav};
use common::emulator::{Running, azspeech};

/// German first, so that identification at the start of the audio says German throughout.
const VOICED: [(&str, Option<&str>); 3] = [
    ("Guten Morgen, wie geht es dir heute?", Some("de-DE-KatjaNeural")),
    ("The weather is lovely this morning.", Some("en-US-AriaNeural")),
    ("Bonjour, je voudrais un grand café.", Some("fr-FR-DeniseNeural")),
];
const CANDIDATES: &str = "en-US,de-DE,fr-FR";

fn labels(stdout: &str) -> Vec<String> {
    stdout
        .lines()
        .map(|line| {
            line.strip_prefix('[')
                .and_then(|rest| rest.split_once("] "))
                .map_or_else(|| format!("no label: {line}"), |(label, _)| label.to_owned())
        })
        .collect()
}

#[test]
fn languages_of_three_syntheses_are_identified_in_every_format() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let pcm = synthesized_pcm_in_voices(&env, dir.path(), &VOICED);
    let file = write_wav(&dir.path().join("three.wav"), 16_000, 1, &joined(&pcm, 0..3));
    let file = file.to_str().expect("utf8");

    let continuous = ["stt", file, "--languages", CANDIDATES, "--lid-mode", "continuous"];
    let (code, stdout, stderr) = azspeech(&env, &continuous);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(labels(&stdout), ["de-DE", "en-US", "fr-FR"], "{stdout}");
    assert!(
        stdout
            .lines()
            .nth(1)
            .is_some_and(|l| l.to_lowercase().contains("weather")),
        "{stdout}"
    );

    let (code, stdout, stderr) = azspeech(&env, &["stt", file, "--languages", CANDIDATES]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        labels(&stdout),
        ["de-DE", "de-DE", "de-DE"],
        "at the start: the first language holds"
    );

    let (code, stdout, stderr) = azspeech(&env, &[&continuous[..], &["--format", "json"]].concat());
    assert_eq!(code, Some(0), "{stderr}");
    let languages: Vec<String> = stdout
        .lines()
        .map(|line| {
            let phrase: serde_json::Value = serde_json::from_str(line).expect("json");
            phrase["language"].as_str().unwrap_or("none").to_owned()
        })
        .collect();
    assert_eq!(languages, ["de-DE", "en-US", "fr-FR"], "{stdout}");

    let (code, srt, stderr) = azspeech(&env, &[&continuous[..], &["--format", "srt"]].concat());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(srt.starts_with("1\n00:00:0"), "{srt}");
    assert!(srt.contains("\n[de-DE] ") && srt.contains("\n[fr-FR] "), "{srt}");
    let (code, vtt, stderr) = azspeech(&env, &[&continuous[..], &["--format", "vtt"]].concat());
    assert_eq!(code, Some(0), "{stderr}");
    assert!(vtt.contains("\n<lang en-US>") && vtt.contains("</lang>\n"), "{vtt}");

    // Without --languages nothing is labelled.
    let (code, stdout, stderr) = azspeech(&env, &["stt", file]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stdout.contains('['), "{stdout}");
}

#[test]
fn the_service_limits_on_candidates_are_errors_with_the_fix() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let pcm = synthesized_pcm_in_voices(&env, dir.path(), &VOICED[1..2]);
    let file = write_wav(&dir.path().join("one.wav"), 16_000, 1, &pcm[0]);
    let file = file.to_str().expect("utf8");

    // The core refuses what the service would: five candidates at the start, eleven continuously.
    let five = "en-US,de-DE,fr-FR,es-ES,it-IT";
    let (code, _, stderr) = azspeech(&env, &["stt", file, "--languages", five]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("1 to 4 candidate languages") && stderr.contains("at most 10"),
        "{stderr}"
    );
    let (code, _, stderr) = azspeech(&env, &["stt", file, "--languages", five, "--lid-mode", "continuous"]);
    assert_eq!(code, Some(0), "five candidates are fine continuously: {stderr}");
    let eleven = format!("{five},ja-JP,ko-KR,pt-BR,nl-NL,sv-SE,da-DK");
    let (code, _, stderr) = azspeech(&env, &["stt", file, "--languages", &eleven, "--lid-mode", "continuous"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("1 to 10 candidate languages"), "{stderr}");
    let (code, _, stderr) = azspeech(&env, &["stt", file, "--languages", "en-US,en_GB"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("en_GB") && stderr.contains("locale such as"),
        "{stderr}"
    );
    let (code, _, stderr) = azspeech(
        &env,
        &[
            "stt",
            file,
            "--once",
            "--languages",
            "en-US",
            "--lid-mode",
            "continuous",
        ],
    );
    assert_eq!(code, Some(2), "{stderr}");

    // A well-formed locale the service does not support: the emulator refuses it as the service
    // does (1007), and that is not retried.
    let (code, _, stderr) = azspeech(&env, &["stt", file, "--languages", "en-US,xx-YY"]);
    assert_eq!(code, Some(5), "{stderr}");
    assert!(stderr.contains("xx-YY") && stderr.contains("not supported"), "{stderr}");
}
