//! Speech synthesis: `espeak-ng` when installed, else a deterministic built-in synthesizer.
//!
//! **Word timing.** The built-in synthesizer knows exactly where each word starts and ends (it
//! lays the words out). For espeak-ng, which does not report word positions on its command line,
//! timings come from *pause-anchored proportional alignment*: the audio is split into voiced
//! regions at pauses of 120 ms or more; if there are as many regions as punctuation-separated
//! phrases in the text, each phrase is aligned to its region, else the whole text is aligned to
//! the voiced span; within a region each word gets a share proportional to its letters + 1.
//! Offsets are therefore exact at phrase boundaries and approximate (tens of ms) inside phrases.
//!
//! **Built-in voice.** Each syllable is a short burst of noise per consonant and a vowel made of
//! harmonics of a pitch shaped by two formants chosen by the vowel letter; pitch, loudness and
//! length depend on a hash of the syllable, so the same text always gives the same samples and
//! different texts give different sounds. It is not intelligible, and does not need to be: the
//! emulator recognizes its own audio by fingerprint, not by listening.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::dsp;
use crate::ssml::Segment;

/// A timed word or sentence, in samples of the rendered audio.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Timed {
    pub(crate) text: String,
    pub(crate) start: usize,
    pub(crate) len: usize,
}

/// Synthesized audio with its timing.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Rendered {
    pub(crate) rate: u32,
    pub(crate) samples: Vec<i16>,
    pub(crate) words: Vec<Timed>,
    pub(crate) sentences: Vec<Timed>,
    /// The spoken text (segments joined by spaces).
    pub(crate) text: String,
    /// The locale of the first voice that spoke (what language identification reports).
    pub(crate) locale: Option<String>,
    /// The short name of the first voice that spoke (what diarization reports).
    pub(crate) voice: Option<String>,
}

/// Which engine renders.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Engine {
    Espeak,
    BuiltIn,
}

impl Engine {
    /// Whether `espeak-ng` can be run.
    pub(crate) fn espeak_available() -> bool {
        std::process::Command::new("espeak-ng")
            .arg("--version")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|s| s.success())
    }

    pub(crate) fn rate(&self) -> u32 {
        match self {
            Engine::Espeak => 22_050,
            Engine::BuiltIn => 24_000,
        }
    }

    pub(crate) fn name(&self) -> &'static str {
        match self {
            Engine::Espeak => "espeak-ng",
            Engine::BuiltIn => "built-in",
        }
    }

    /// Render SSML segments.
    pub(crate) async fn render(&self, segments: &[Segment]) -> Result<Rendered, String> {
        let rate = self.rate();
        let mut out = Rendered {
            rate,
            samples: Vec::new(),
            words: Vec::new(),
            sentences: Vec::new(),
            text: String::new(),
            locale: None,
            voice: None,
        };
        for segment in segments {
            match segment {
                Segment::Break { ms } => {
                    out.samples
                        .extend(std::iter::repeat_n(0, (*ms as usize) * rate as usize / 1000));
                }
                Segment::Text { voice, text } => {
                    if out.locale.is_none() {
                        out.locale = Some(voice.locale.clone());
                        out.voice = Some(voice.short_name.clone());
                    }
                    let (samples, words) = match self {
                        Engine::BuiltIn => builtin(text, rate),
                        Engine::Espeak => espeak(text, &voice.espeak_voice(), rate).await?,
                    };
                    let base = out.samples.len();
                    out.samples.extend_from_slice(&samples);
                    let words: Vec<Timed> = words
                        .into_iter()
                        .map(|w| Timed {
                            start: w.start + base,
                            ..w
                        })
                        .collect();
                    out.sentences.extend(sentences(text, &words));
                    out.words.extend(words.into_iter().filter(|w| !w.text.is_empty()));
                    if !out.text.is_empty() {
                        out.text.push(' ');
                    }
                    out.text.push_str(text);
                }
            }
        }
        Ok(out)
    }
}

/// A token of the text: the word without surrounding punctuation, and the punctuation after it.
struct Token {
    word: String,
    trailing: Option<char>,
}

fn tokens(text: &str) -> Vec<Token> {
    text.split_whitespace()
        .map(|t| {
            let word = t.trim_matches(|c: char| !c.is_alphanumeric()).to_owned();
            let trailing = t.chars().rev().find(|c| ",.;:!?".contains(*c));
            Token { word, trailing }
        })
        .collect()
}

fn is_sentence_end(c: Option<char>) -> bool {
    matches!(c, Some('.' | '!' | '?'))
}

/// Sentence timings from word timings (one per token, empty words included).
fn sentences(text: &str, words: &[Timed]) -> Vec<Timed> {
    let raw: Vec<&str> = text.split_whitespace().collect();
    let toks = tokens(text);
    let mut out = Vec::new();
    let mut first = 0;
    for i in 0..toks.len().min(words.len()) {
        if is_sentence_end(toks[i].trailing) || i + 1 == toks.len().min(words.len()) {
            let start = words[first].start;
            let end = words[i].start + words[i].len;
            out.push(Timed {
                text: raw[first..=i].join(" "),
                start,
                len: end.saturating_sub(start),
            });
            first = i + 1;
        }
    }
    out
}

fn fnv(s: &str, salt: u64) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ salt;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

fn is_vowel(c: char) -> bool {
    "aeiouyàáâäèéêëìíîïòóôöùúûüæøå".contains(c.to_ascii_lowercase())
}

fn syllables(word: &str) -> Vec<String> {
    let chars: Vec<char> = word.chars().collect();
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut i = 0;
    while i < chars.len() {
        current.push(chars[i]);
        if is_vowel(chars[i]) && !(i + 1 < chars.len() && is_vowel(chars[i + 1])) {
            out.push(std::mem::take(&mut current));
        }
        i += 1;
    }
    if !current.is_empty() {
        match out.last_mut() {
            Some(last) => last.push_str(&current),
            None => out.push(current),
        }
    }
    out
}

fn formants(vowel: char) -> (f64, f64) {
    match vowel.to_ascii_lowercase() {
        'a' | 'à' | 'á' | 'â' | 'ä' | 'æ' | 'å' => (730.0, 1090.0),
        'e' | 'è' | 'é' | 'ê' | 'ë' => (530.0, 1840.0),
        'i' | 'ì' | 'í' | 'î' | 'ï' => (270.0, 2290.0),
        'o' | 'ò' | 'ó' | 'ô' | 'ö' | 'ø' => (570.0, 840.0),
        'u' | 'ù' | 'ú' | 'û' | 'ü' => (300.0, 870.0),
        _ => (400.0, 2000.0),
    }
}

/// The built-in synthesizer: samples and one timing per token (empty text for punctuation-only
/// tokens, which are not words).
pub(crate) fn builtin(text: &str, rate: u32) -> (Vec<i16>, Vec<Timed>) {
    let ms = |m: f64| (m * f64::from(rate) / 1000.0) as usize;
    let mut samples: Vec<i16> = vec![0; ms(100.0)];
    let mut words = Vec::new();
    for (index, token) in tokens(text).iter().enumerate() {
        let start = samples.len();
        let spoken = if token.word.is_empty() {
            String::new()
        } else {
            token.word.to_lowercase()
        };
        for (s_index, syllable) in syllables(&spoken).iter().enumerate() {
            let h = fnv(syllable, (index as u64) << 8 | s_index as u64);
            let mut rng = h | 1;
            let mut next = move || {
                rng ^= rng << 13;
                rng ^= rng >> 7;
                rng ^= rng << 17;
                rng
            };
            let loud = 0.25 + 0.5 * ((h >> 8) % 100) as f64 / 100.0;
            // Consonants: noise bursts.
            let consonants = syllable.chars().filter(|c| !is_vowel(*c)).count().min(3);
            for c in 0..consonants {
                let n = ms(18.0 + (h >> (16 + c)) as f64 % 12.0);
                let amp = 3000.0 + ((h >> (24 + c)) % 4000) as f64;
                for i in 0..n {
                    let env = (std::f64::consts::PI * i as f64 / n as f64).sin();
                    let noise = (next() % 2001) as f64 / 1000.0 - 1.0;
                    samples.push((noise * amp * env * loud) as i16);
                }
            }
            // Vowel: harmonics under two formants.
            let vowel = syllable.chars().find(|c| is_vowel(*c)).unwrap_or('y');
            let (f1, f2) = formants(vowel);
            let f0 = 95.0 + (h % 90) as f64;
            let len = ms(90.0 + 12.0 * syllable.chars().count() as f64 + ((h >> 40) % 40) as f64);
            let attack = ms(12.0);
            let mut phase = 0.0f64;
            for i in 0..len {
                let t = i as f64 / f64::from(rate);
                let glide = 1.0 + 0.08 * (t * 6.0).sin();
                phase += 2.0 * std::f64::consts::PI * f0 * glide / f64::from(rate);
                let mut v = 0.0;
                for k in 1..=24 {
                    let f = f0 * k as f64;
                    if f > 7000.0 {
                        break;
                    }
                    let g = 1.0 / (1.0 + ((f - f1) / 90.0).powi(2)) + 0.6 / (1.0 + ((f - f2) / 120.0).powi(2));
                    v += g * (phase * k as f64).sin();
                }
                let env = if i < attack {
                    i as f64 / attack as f64
                } else if i + attack > len {
                    (len - i) as f64 / attack as f64
                } else {
                    1.0
                };
                samples.push((v * 9000.0 * loud * env).clamp(-32000.0, 32000.0) as i16);
            }
        }
        let len = samples.len() - start;
        words.push(Timed {
            text: token.word.clone(),
            start,
            len,
        });
        let pause = match token.trailing {
            Some('.' | '!' | '?') => 400.0,
            Some(',' | ';' | ':') => 200.0,
            _ => 50.0,
        };
        samples.extend(std::iter::repeat_n(0, ms(pause)));
    }
    samples.extend(std::iter::repeat_n(0, ms(100.0)));
    (samples, words)
}

/// espeak-ng's samples and word timings for one (text, voice, rate).
type Spoken = Result<(Vec<i16>, Vec<Timed>), String>;

/// At most this many renderings are kept; beyond it the cache starts over.
const ESPEAK_CACHE_ENTRIES: usize = 256;

/// espeak-ng is deterministic, and one run costs tens of milliseconds of CPU and a process: the
/// same text in the same voice is rendered once per emulator process (a thousand concurrent
/// sessions synthesizing one paragraph start one espeak-ng, not a thousand, so a load test
/// measures the client, not the emulator). Concurrent requests for the same key wait for the
/// one rendering.
async fn espeak(text: &str, voice: &str, rate: u32) -> Spoken {
    type Key = (String, String, u32);
    type Cell = std::sync::Arc<tokio::sync::OnceCell<(Vec<i16>, Vec<Timed>)>>;
    type Cache = std::sync::Mutex<std::collections::HashMap<Key, Cell>>;
    static CACHE: std::sync::LazyLock<Cache> = std::sync::LazyLock::new(Default::default);
    let cell = {
        let mut cache = CACHE.lock().unwrap_or_else(|e| e.into_inner());
        if cache.len() >= ESPEAK_CACHE_ENTRIES {
            cache.clear();
        }
        cache
            .entry((text.to_owned(), voice.to_owned(), rate))
            .or_default()
            .clone()
    };
    // A failure is not kept: the next request runs espeak-ng again.
    cell.get_or_try_init(|| run_espeak(text, voice, rate)).await.cloned()
}

/// Run espeak-ng and align words (see the module documentation).
async fn run_espeak(text: &str, voice: &str, rate: u32) -> Spoken {
    let mut child = tokio::process::Command::new("espeak-ng")
        .args(["--stdout", "--stdin", "-b", "1", "-v", voice])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot run espeak-ng: {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        stdin
            .write_all(text.as_bytes())
            .await
            .map_err(|e| format!("espeak-ng stdin: {e}"))?;
        stdin
            .write_all(b"\n")
            .await
            .map_err(|e| format!("espeak-ng stdin: {e}"))?;
    }
    let output = tokio::time::timeout(Duration::from_secs(60), child.wait_with_output())
        .await
        .map_err(|_| "espeak-ng took more than 60 s".to_owned())?
        .map_err(|e| format!("espeak-ng: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "espeak-ng failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        ));
    }
    let wav = dsp::read_wav(&output.stdout).map_err(|e| format!("espeak-ng output: {e}"))?;
    let samples = dsp::resample(&wav.samples, wav.rate, rate);
    let words = align(text, &samples, rate);
    Ok((samples, words))
}

/// Pause-anchored proportional alignment of `text`'s tokens to `samples`.
pub(crate) fn align(text: &str, samples: &[i16], rate: u32) -> Vec<Timed> {
    let toks = tokens(text);
    if toks.is_empty() {
        return Vec::new();
    }
    let frame = (rate / 100) as usize;
    let voiced: Vec<bool> = samples.chunks(frame).map(|f| dsp::level_db(f) > -45.0).collect();
    // Voiced regions separated by >= 120 ms of silence.
    let mut regions: Vec<(usize, usize)> = Vec::new();
    let mut gap = usize::MAX;
    for (i, &v) in voiced.iter().enumerate() {
        if v {
            match regions.last_mut() {
                Some(last) if gap < 12 => last.1 = i + 1,
                _ => regions.push((i, i + 1)),
            }
            gap = 0;
        } else {
            gap = gap.saturating_add(1);
        }
    }
    let to_samples = |(a, b): (usize, usize)| (a * frame, (b * frame).min(samples.len()));
    if regions.is_empty() {
        regions.push((0, voiced.len()));
    }
    // Phrases: token index ranges ended by punctuation.
    let mut phrases: Vec<(usize, usize)> = Vec::new();
    let mut first = 0;
    for (i, t) in toks.iter().enumerate() {
        if t.trailing.is_some() || i + 1 == toks.len() {
            phrases.push((first, i + 1));
            first = i + 1;
        }
    }
    let spans: Vec<((usize, usize), (usize, usize))> = if phrases.len() == regions.len() {
        phrases.into_iter().zip(regions.into_iter().map(to_samples)).collect()
    } else {
        let start = regions.first().map(|r| r.0).unwrap_or(0);
        let end = regions.last().map(|r| r.1).unwrap_or(0);
        vec![((0, toks.len()), to_samples((start, end)))]
    };
    let mut out = Vec::new();
    for ((t0, t1), (s0, s1)) in spans {
        let weights: Vec<usize> = toks[t0..t1].iter().map(|t| t.word.chars().count() + 1).collect();
        let total: usize = weights.iter().sum::<usize>().max(1);
        let span = s1.saturating_sub(s0);
        let mut acc = 0;
        for (k, t) in toks[t0..t1].iter().enumerate() {
            let start = s0 + span * acc / total;
            acc += weights[k];
            let end = s0 + span * acc / total;
            out.push(Timed {
                text: t.word.clone(),
                start,
                len: end - start,
            });
        }
    }
    out
}

/// Resample a rendering to `rate`, scaling its timings.
pub(crate) fn to_rate(r: &Rendered, rate: u32) -> Rendered {
    if r.rate == rate {
        return r.clone();
    }
    let scale = |n: usize| (n as u64 * u64::from(rate) / u64::from(r.rate)) as usize;
    let map = |t: &Timed| Timed {
        text: t.text.clone(),
        start: scale(t.start),
        len: scale(t.len),
    };
    Rendered {
        rate,
        samples: dsp::resample(&r.samples, r.rate, rate),
        words: r.words.iter().map(map).collect(),
        sentences: r.sentences.iter().map(map).collect(),
        text: r.text.clone(),
        locale: r.locale.clone(),
        voice: r.voice.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_is_deterministic_and_timed() {
        let (a, wa) = builtin("Hello world. How are you?", 24000);
        let (b, _) = builtin("Hello world. How are you?", 24000);
        let (c, _) = builtin("Hello there. How are you?", 24000);
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(
            wa.iter().map(|w| w.text.as_str()).collect::<Vec<_>>(),
            ["Hello", "world", "How", "are", "you"]
        );
        for pair in wa.windows(2) {
            assert!(pair[0].start + pair[0].len <= pair[1].start);
        }
        let s = sentences("Hello world. How are you?", &wa);
        assert_eq!(s.len(), 2);
        assert_eq!(s[1].text, "How are you?");
    }

    #[test]
    fn alignment_uses_pauses() {
        let (samples, truth) = builtin("One two, three four.", 24000);
        let aligned = align("One two, three four.", &samples, 24000);
        assert_eq!(aligned.len(), 4);
        // The phrase boundary lands within 30 ms of the truth.
        let tolerance = 24000 * 30 / 1000;
        assert!(
            aligned[2].start.abs_diff(truth[2].start) < tolerance,
            "{aligned:?} vs {truth:?}"
        );
    }
}
