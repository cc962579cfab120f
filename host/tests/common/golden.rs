//! Golden files of the transcript printers: one run's outputs in every format against the files
//! kept in `tests/fixtures`.

use std::path::Path;

/// The formats `--format all` writes.
pub const EXTENSIONS: [&str; 4] = ["txt", "json", "srt", "vtt"];

/// `out/{out_stem}.{ext}` equals `golden/{golden_stem}.{ext}` for every format. With
/// `AZSPEECH_BLESS` set, the golden files are rewritten from this run first (review the diff).
pub fn assert_matches_golden(out: &Path, out_stem: &str, golden: &Path, golden_stem: &str) {
    let read = |p: &Path| std::fs::read_to_string(p).unwrap_or_else(|e| panic!("read {}: {e}", p.display()));
    for ext in EXTENSIONS {
        let produced = out.join(format!("{out_stem}.{ext}"));
        let kept = golden.join(format!("{golden_stem}.{ext}"));
        if std::env::var_os("AZSPEECH_BLESS").is_some() {
            std::fs::copy(&produced, &kept).expect("bless");
        }
        assert_eq!(
            read(&produced),
            read(&kept),
            "{} matches {}",
            produced.display(),
            kept.display()
        );
    }
}
