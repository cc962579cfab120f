//! Saved profiles: `azspeech config set|get|list|unset`, `--profile` / `SPEECH_PROFILE`, the
//! precedence flag > environment > profile (as `doctor` reports it), and secrets refused both
//! when saved and when found in a hand-edited profile.

mod common;

use common::emulator::azspeech;

fn env(config_home: &std::path::Path, extra: &[(&str, &str)]) -> Vec<(String, String)> {
    let mut vars = vec![(
        "XDG_CONFIG_HOME".to_owned(),
        config_home.to_str().expect("utf8").to_owned(),
    )];
    vars.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
    vars
}

fn doctor(env: &[(String, String)], flags: &[&str]) -> serde_json::Value {
    let (code, stdout, stderr) = azspeech(env, &[&["doctor", "--json"], flags].concat());
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    serde_json::from_str(&stdout).expect("json")
}

#[test]
fn config_saves_settings_and_refuses_secrets() {
    let home = tempfile::tempdir().expect("tempdir");
    let env = env(home.path(), &[]);
    let file = home.path().join("azspeech/profiles/default.env");

    let (code, _, stderr) = azspeech(&env, &["config", "set", "SPEECH_REGION", "westeurope"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = azspeech(&env, &["config", "set", "SPEECH_VOICE", "de-DE-KatjaNeural"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        std::fs::read_to_string(&file)
            .expect("saved")
            .contains("SPEECH_REGION=westeurope\n")
    );
    let (code, stdout, _) = azspeech(&env, &["config", "get", "SPEECH_REGION"]);
    assert_eq!((code, stdout.as_str()), (Some(0), "westeurope\n"));
    let (code, stdout, _) = azspeech(&env, &["config", "list"]);
    assert_eq!(
        (code, stdout.as_str()),
        (Some(0), "SPEECH_REGION=westeurope\nSPEECH_VOICE=de-DE-KatjaNeural\n")
    );

    for secret in ["SPEECH_KEY", "SPEECH_KEY_SECONDARY", "AZURE_CLIENT_SECRET"] {
        let (code, _, stderr) = azspeech(&env, &["config", "set", secret, "sentinel-hunter2"]);
        assert_eq!(code, Some(2), "{secret}: {stderr}");
        assert!(
            stderr.contains("never stored in a profile") && stderr.contains("environment") && stderr.contains("Entra"),
            "{stderr}"
        );
        assert!(!stderr.contains("sentinel-hunter2"), "{stderr}");
    }
    assert!(
        !std::fs::read_to_string(&file).expect("saved").contains("sentinel"),
        "no secret was written"
    );
    let (code, _, stderr) = azspeech(&env, &["config", "set", "region", "x"]);
    assert_eq!(code, Some(2), "{stderr}");

    let (code, _, _) = azspeech(&env, &["config", "unset", "SPEECH_VOICE"]);
    assert_eq!(code, Some(0));
    let (code, _, _) = azspeech(&env, &["config", "get", "SPEECH_VOICE"]);
    assert_eq!(code, Some(1), "an unset setting");

    let (code, _, stderr) = azspeech(&env, &["config", "set", "--profile", "work", "SPEECH_REGION", "eastus"]);
    assert_eq!(code, Some(0), "{stderr}");
    let (_, stdout, _) = azspeech(&env, &["config", "list", "--profiles"]);
    assert_eq!(stdout, "default\nwork\n");
    let work = [&env[..], &[("SPEECH_PROFILE".to_owned(), "work".to_owned())]].concat();
    let (_, stdout, _) = azspeech(&work, &["config", "get", "SPEECH_REGION"]);
    assert_eq!(stdout, "eastus\n", "SPEECH_PROFILE picks the profile");
}

#[test]
fn a_flag_beats_the_environment_which_beats_the_profile() {
    let home = tempfile::tempdir().expect("tempdir");
    let base = env(home.path(), &[("SPEECH_KEY", "sentinel-key-1234")]);
    for (name, value) in [("SPEECH_REGION", "northeurope"), ("SPEECH_LANGUAGE", "de-DE")] {
        let (code, _, stderr) = azspeech(&base, &["config", "set", name, value]);
        assert_eq!(code, Some(0), "{stderr}");
    }
    let (code, _, stderr) = azspeech(
        &base,
        &["config", "set", "--profile", "work", "SPEECH_REGION", "swedencentral"],
    );
    assert_eq!(code, Some(0), "{stderr}");

    let report = doctor(&base, &[]);
    assert_eq!(report["region"], "northeurope");
    assert_eq!(report["language"], "de-DE");
    assert_eq!(report["profile"]["name"], "default");
    assert_eq!(report["origins"]["SPEECH_REGION"], "profile default");
    assert_eq!(report["origins"]["SPEECH_KEY"], "environment");

    let with_env = [&base[..], &[("SPEECH_REGION".to_owned(), "westeurope".to_owned())]].concat();
    let report = doctor(&with_env, &[]);
    assert_eq!(report["region"], "westeurope", "the environment beats the profile");
    assert_eq!(report["origins"]["SPEECH_REGION"], "environment");
    assert_eq!(report["language"], "de-DE", "the profile still fills in the rest");
    assert_eq!(report["origins"]["SPEECH_LANGUAGE"], "profile default");

    let report = doctor(&with_env, &["--region", "eastus"]);
    assert_eq!(report["region"], "eastus", "a flag beats both");
    assert_eq!(report["origins"]["SPEECH_REGION"], "flag");

    let report = doctor(&base, &["--profile", "work"]);
    assert_eq!(report["region"], "swedencentral");
    assert_eq!(report["origins"]["SPEECH_REGION"], "profile work");
    assert!(
        report["language"] != "de-DE",
        "another profile's settings do not leak in"
    );

    let (code, stdout, _) = azspeech(&base, &["doctor"]);
    assert_eq!(code, Some(0));
    assert!(stdout.contains("profile:    default ("), "{stdout}");
    assert!(
        stdout
            .lines()
            .any(|l| l.contains("SPEECH_REGION") && l.ends_with("profile default")),
        "{stdout}"
    );

    let (code, _, stderr) = azspeech(&base, &["doctor", "--profile", "missing"]);
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("does not exist") && stderr.contains("config set --profile missing"),
        "{stderr}"
    );
}

#[test]
fn a_secret_in_a_hand_edited_profile_is_refused_and_never_shown() {
    let home = tempfile::tempdir().expect("tempdir");
    let dir = home.path().join("azspeech/profiles");
    std::fs::create_dir_all(&dir).expect("dir");
    std::fs::write(
        dir.join("default.env"),
        "SPEECH_REGION=westeurope\nSPEECH_KEY=sentinel-hunter2\n",
    )
    .expect("write");
    let env = env(home.path(), &[("SPEECH_KEY", "sentinel-env-key")]);
    let (code, stdout, stderr) = azspeech(&env, &["doctor"]);
    assert_eq!(code, Some(2), "{stdout}{stderr}");
    assert!(
        stderr.contains("SPEECH_KEY is a secret") && stderr.contains("default.env"),
        "{stderr}"
    );
    assert!(!format!("{stdout}{stderr}").contains("sentinel"), "{stdout}{stderr}");
}
