//! The committed fixtures (`tests/fixtures`): the source recording and its transcript, and
//! small conveniences for the files tests write and read.

use std::path::{Path, PathBuf};

/// `tests/fixtures`.
pub fn fixtures() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

/// `audio/source.wav`, the recording every emulator in these tests can be told the words of.
pub fn source() -> PathBuf {
    fixtures().join("audio/source.wav")
}

/// What `source()` says (`audio/transcript.txt`, trimmed).
pub fn transcript() -> String {
    std::fs::read_to_string(fixtures().join("audio/transcript.txt"))
        .expect("transcript")
        .trim()
        .to_owned()
}

/// A path as a command-line argument.
pub fn path(p: &Path) -> &str {
    p.to_str().expect("utf8")
}

/// A file's text; a missing or unreadable file fails the test with its name.
pub fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

/// `env` without the variables `names`.
pub fn without(env: Vec<(String, String)>, names: &[&str]) -> Vec<(String, String)> {
    env.into_iter().filter(|(k, _)| !names.contains(&k.as_str())).collect()
}

/// `env` with `name` set to `value` (replacing it if present).
pub fn with(mut env: Vec<(String, String)>, name: &str, value: &str) -> Vec<(String, String)> {
    env.retain(|(k, _)| k != name);
    env.push((name.to_owned(), value.to_owned()));
    env
}
