//! `tts --style --style-degree --role --volume` through the emulator and back (its SSML checker
//! accepts what the core builds, and the speech is recognized), bad values with the fix,
//! `voices --gender --locale --style --json`, and `tts --list-formats`.

mod common;

use azspeech_emulator::HostForm;
use common::emulator::{Running, azspeech};

#[test]
fn expressive_speech_round_trips_and_bad_values_name_the_fix() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let wav = dir.path().join("cheerful.wav");
    let wav_arg = wav.to_str().expect("utf8");
    let sentence = "What a wonderful surprise this is.";
    let (code, _, stderr) = azspeech(
        &env,
        &[
            "tts",
            sentence,
            "--voice",
            "en-US-AriaNeural",
            "--style",
            "cheerful",
            "--style-degree",
            "1.5",
            "--role",
            "YoungAdultFemale",
            "--volume",
            "+20%",
            "--format",
            "riff-16khz-16bit-mono-pcm",
            "-o",
            wav_arg,
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stdout, stderr) = azspeech(&env, &["stt", wav_arg]);
    assert_eq!((code, stdout.trim()), (Some(0), sentence), "{stderr}");

    for (flags, says) in [
        (&["--style", "cheer ful"][..], "style must be a style name"),
        (&["--style", "sad", "--style-degree", "5"][..], "between 0.01 and 2"),
        (&["--style", "sad", "--role", "Grandma"][..], "YoungAdultFemale"),
        (&["--volume", "deafening"][..], "volume must be"),
    ] {
        let (code, _, stderr) = azspeech(&env, &[&["tts", "Hi", "-o", wav_arg], flags].concat());
        assert_eq!(code, Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(says), "{flags:?}: {stderr}");
    }
    let (code, _, stderr) = azspeech(&env, &["tts", "Hi", "--role", "Girl", "-o", wav_arg]);
    assert_eq!(code, Some(2), "a role needs a style: {stderr}");
}

#[test]
fn voices_are_filtered_by_gender_locale_and_style() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let names = |flags: &[&str]| -> Vec<String> {
        let (code, stdout, stderr) = azspeech(&env, &[&["voices", "--json"], flags].concat());
        assert_eq!(code, Some(0), "{stderr}");
        let voices: Vec<serde_json::Value> = serde_json::from_str(&stdout).expect("json");
        voices
            .iter()
            .map(|v| v["ShortName"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        names(&["--style", "cheerful", "--gender", "female", "--locale", "en-US"]),
        ["en-US-AriaNeural"]
    );
    assert_eq!(
        names(&["--style", "cheerful"]),
        ["en-US-AriaNeural", "en-GB-SoniaNeural", "fr-FR-DeniseNeural"]
    );
    assert_eq!(
        names(&["--gender", "male", "--locale", "en"]),
        ["en-US-GuyNeural", "en-US-AndrewMultilingualNeural"]
    );
    assert!(names(&["--style", "newscast", "--gender", "female"]).is_empty());
    let (code, table, _) = azspeech(&env, &["voices", "--style", "sad"]);
    assert_eq!(code, Some(0));
    assert!(
        table
            .lines()
            .any(|l| l.starts_with("en-US-AriaNeural") && l.ends_with("chat,cheerful,empathetic,sad")),
        "{table}"
    );
}

#[test]
fn list_formats_prints_the_core_s_formats() {
    let (code, stdout, stderr) = azspeech(&[], &["tts", "--list-formats"]);
    assert_eq!(code, Some(0), "{stderr}");
    let names: Vec<&str> = stdout.lines().filter_map(|l| l.split_whitespace().next()).collect();
    assert!(names.len() >= 40, "{stdout}");
    for name in [
        "riff-24khz-16bit-mono-pcm",
        "audio-24khz-48kbitrate-mono-mp3",
        "ogg-48khz-16bit-mono-opus",
    ] {
        assert!(names.contains(&name), "{name}: {stdout}");
    }
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("riff-24khz-16bit-mono-pcm") && l.contains("pcm 24000 Hz, WAV")),
        "{stdout}"
    );
}
