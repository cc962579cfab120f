//! Many inputs in one run against the emulator: `stt FILE...` with `-o DIR`, `--format all`
//! (golden files), `-j`, wildcards, `--files-from`, a failing file in the middle, inputs with
//! the same stem refused (also by `transcribe`); and
//! `tts --foreach` over a TSV table.

mod common;

use std::path::PathBuf;

use azspeech_emulator::HostForm;
use common::emulator::{Running, azspeech};
use common::fixture::{path, read};

fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/audio")
}

fn emulator_knowing_the_fixture() -> Running {
    let transcript = std::fs::read_to_string(fixtures().join("transcript.txt")).expect("transcript");
    Running::with(HostForm::Loopback, false, |config| {
        config.fixture_file(fixtures().join("source.wav"), transcript.trim().to_owned())
    })
}

#[test]
fn many_files_with_a_failure_in_the_middle_write_every_format_and_a_summary() {
    let running = emulator_knowing_the_fixture();
    let env = running.emulator().env_vars();
    let out = tempfile::tempdir().expect("tempdir");
    let inputs = [
        fixtures().join("source.wav"),
        fixtures().join("corrupt-truncated.mp3"),
        fixtures().join("mp3-stereo-44khz.mp3"),
    ];
    let mut args = vec!["stt", "--format", "all", "-j", "2", "-o", path(out.path())];
    args.extend(inputs.iter().map(|p| path(p)));
    let (code, stdout, stderr) = azspeech(&env, &args);
    assert_eq!(code, Some(6), "the failing file's exit code (unusable input): {stderr}");
    assert!(stdout.is_empty(), "results go to files: {stdout}");
    assert!(stderr.contains("1 of 3 input(s) failed"), "{stderr}");
    assert!(
        stderr.contains("corrupt-truncated.mp3") && stderr.contains("truncated or damaged") && stderr.contains("fix:"),
        "the summary names the file, the error and the fix: {stderr}"
    );
    common::golden::assert_matches_golden(out.path(), "source", &fixtures().join("golden"), "source");
    // The MP3's timings and confidences differ slightly (lossy); its text does not.
    assert_eq!(
        read(&out.path().join("mp3-stereo-44khz.txt")),
        read(&fixtures().join("golden/source.txt"))
    );
    for stem in ["mp3-stereo-44khz"] {
        for ext in ["json", "srt", "vtt"] {
            assert!(
                !read(&out.path().join(format!("{stem}.{ext}"))).is_empty(),
                "{stem}.{ext}"
            );
        }
    }
    let leftovers: Vec<_> = std::fs::read_dir(out.path())
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with("corrupt"))
        .collect();
    assert!(leftovers.is_empty(), "a failed input leaves no output: {leftovers:?}");

    // Each file's results are those of a one-file run.
    let (code, stdout, stderr) = azspeech(&env, &["stt", path(&inputs[0]), "--format", "json"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(stdout, read(&out.path().join("source.json")));
}

#[test]
fn wildcards_and_list_files_name_the_inputs_and_outputs_go_beside_them() {
    let running = emulator_knowing_the_fixture();
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    for name in ["one.wav", "two.wav"] {
        std::fs::copy(fixtures().join("source.wav"), dir.path().join(name)).expect("copy");
    }
    std::fs::copy(fixtures().join("opus-16khz.opus"), dir.path().join("three.opus")).expect("copy");
    let golden = read(&fixtures().join("golden/source.txt"));

    // A quoted wildcard, as a shell that does not expand it passes it: outputs beside the inputs.
    let pattern = dir.path().join("*.wav");
    let (code, _, stderr) = azspeech(&env, &["stt", path(&pattern)]);
    assert_eq!(code, Some(0), "{stderr}");
    for stem in ["one", "two"] {
        assert_eq!(read(&dir.path().join(format!("{stem}.txt"))), golden, "{stem}");
    }
    assert!(!dir.path().join("three.txt").exists(), "the pattern matched only *.wav");

    let list = dir.path().join("list.txt");
    std::fs::write(&list, format!("# inputs\n{}\n", path(&dir.path().join("three.opus")))).expect("write");
    let out = dir.path().join("out");
    let (code, _, stderr) = azspeech(&env, &["stt", "--files-from", path(&list), "-o", path(&out)]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(read(&out.join("three.txt")), golden);

    let nothing = dir.path().join("*.flac");
    let (code, _, stderr) = azspeech(&env, &["stt", path(&nothing)]);
    assert_eq!(code, Some(6), "a wildcard that matches nothing is an error: {stderr}");
    assert!(stderr.contains("matches no file"), "{stderr}");
}

#[test]
fn tts_foreach_writes_one_output_per_row_like_single_runs() {
    let running = Running::start(HostForm::Loopback, false);
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let first = dir.path().join("first.wav");
    let second = dir.path().join("second.wav");
    let broken = dir.path().join("broken.wav");
    let table = dir.path().join("lines.tsv");
    std::fs::write(
        &table,
        format!(
            "text\toutput\tformat\n\
             Hello from the first row.\t{}\t\n\
             This row asks for a format nobody knows.\t{}\tno-such-format\n\
             The second row asks for 16 kHz.\t{}\triff-16khz-16bit-mono-pcm\n",
            path(&first),
            path(&broken),
            path(&second)
        ),
    )
    .expect("write");
    let (code, _, stderr) = azspeech(&env, &["tts", "--foreach", path(&table), "-j", "2"]);
    assert_eq!(code, Some(2), "the bad row's exit code (configuration): {stderr}");
    assert!(
        stderr.contains("1 of 3 input(s) failed") && stderr.contains("lines.tsv:3"),
        "{stderr}"
    );
    assert!(!broken.exists(), "the failed row wrote nothing");

    let single = dir.path().join("single.wav");
    let (code, _, stderr) = azspeech(&env, &["tts", "Hello from the first row.", "-o", path(&single)]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        std::fs::read(&first).expect("first"),
        std::fs::read(&single).expect("single")
    );
    let wav = hound::WavReader::open(&second).expect("second is a WAV");
    assert_eq!(wav.spec().sample_rate, 16_000, "the row's format column");

    std::fs::write(&table, "words\toutput\nhi\tx.wav\n").expect("write");
    let (code, _, stderr) = azspeech(&env, &["tts", "--foreach", path(&table)]);
    assert_eq!(code, Some(6), "{stderr}");
    assert!(
        stderr.contains("unknown column \"words\"") && stderr.contains("fix:"),
        "{stderr}"
    );
}

/// Two inputs whose outputs would share a name (the same stem) are refused before anything is
/// sent, by `stt` and by `transcribe` alike, with the fix.
#[test]
fn inputs_with_the_same_stem_are_refused_before_any_request() {
    let running = emulator_knowing_the_fixture();
    let env = running.emulator().env_vars();
    let dir = tempfile::tempdir().expect("tempdir");
    let inputs: Vec<PathBuf> = ["one", "two"]
        .iter()
        .map(|sub| {
            std::fs::create_dir(dir.path().join(sub)).expect("mkdir");
            let copy = dir.path().join(sub).join("talk.wav");
            std::fs::copy(fixtures().join("source.wav"), &copy).expect("copy");
            copy
        })
        .collect();
    let out = dir.path().join("out");
    for command in ["stt", "transcribe"] {
        let (code, stdout, stderr) = azspeech(&env, &[command, "-o", path(&out), path(&inputs[0]), path(&inputs[1])]);
        assert_eq!(code, Some(2), "{command}: {stderr}");
        assert!(stdout.is_empty(), "{command}: {stdout}");
        assert!(
            stderr.contains(&format!(
                "azspeech {command}: {} and {} would both write {}",
                inputs[0].display(),
                inputs[1].display(),
                out.join("talk.txt").display()
            )) && stderr.contains("fix: rename one, or run them with different -o directories"),
            "{command}: {stderr}"
        );
    }
    assert!(running.emulator().request_log().is_empty(), "nothing was sent");
    assert_eq!(std::fs::read_dir(&out).expect("out").count(), 0, "nothing was written");
}
