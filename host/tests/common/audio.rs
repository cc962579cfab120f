//! Test audio: sentences synthesized by the emulator under test (an emulator recognizes only
//! what it synthesized itself), joined into longer files, written as WAV.

use std::path::{Path, PathBuf};

use super::emulator::azspeech;

/// Synthesize each sentence to 16 kHz mono PCM through `azspeech tts` against `env`.
pub fn synthesized_pcm(env: &[(String, String)], dir: &Path, sentences: &[&str]) -> Vec<Vec<i16>> {
    let voiced: Vec<(&str, Option<&str>)> = sentences.iter().map(|sentence| (*sentence, None)).collect();
    synthesized_pcm_in_voices(env, dir, &voiced)
}

/// Synthesize each sentence in its voice (the configured one for none) to 16 kHz mono PCM.
pub fn synthesized_pcm_in_voices(
    env: &[(String, String)],
    dir: &Path,
    sentences: &[(&str, Option<&str>)],
) -> Vec<Vec<i16>> {
    sentences
        .iter()
        .enumerate()
        .map(|(index, (sentence, voice))| {
            let path = dir.join(format!("sentence-{index}.wav"));
            let path_arg = path.to_str().expect("utf8");
            let mut args = vec!["tts", sentence, "--format", "riff-16khz-16bit-mono-pcm", "-o", path_arg];
            if let Some(voice) = voice {
                args.extend(["--voice", voice]);
            }
            let (code, _, stderr) = azspeech(env, &args);
            assert_eq!(code, Some(0), "{stderr}");
            hound::WavReader::open(&path)
                .expect("wav")
                .samples::<i16>()
                .map(|s| s.expect("sample"))
                .collect()
        })
        .collect()
}

/// Write 16-bit PCM `samples` as a WAV file.
pub fn write_wav(path: &Path, rate: u32, channels: u16, samples: &[i16]) -> PathBuf {
    let spec = hound::WavSpec {
        channels,
        sample_rate: rate,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(path, spec).expect("create");
    for &sample in samples {
        writer.write_sample(sample).expect("write");
    }
    writer.finalize().expect("finalize");
    path.to_path_buf()
}

/// Utterances `order` (indexes into `pcm`) joined by one second of silence.
pub fn joined(pcm: &[Vec<i16>], order: impl IntoIterator<Item = usize>) -> Vec<i16> {
    let mut out = Vec::new();
    for (n, index) in order.into_iter().enumerate() {
        if n > 0 {
            out.extend(std::iter::repeat_n(0i16, 16_000));
        }
        out.extend_from_slice(&pcm[index]);
    }
    out
}
