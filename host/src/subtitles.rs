//! Subtitles (SRT and WebVTT) from word timings: speech-to-text words or text-to-speech word
//! boundaries.
//!
//! Words are grouped into cues of one line. A cue ends after sentence punctuation (`.`, `?`,
//! `!`), before a pause of more than [`MAX_GAP_TICKS`], when the line would exceed
//! [`MAX_LINE_CHARS`] characters, or when it would last longer than [`MAX_CUE_TICKS`].
//! Times are 100-ns ticks, as the service reports them, rounded to milliseconds.

/// 100-ns ticks per millisecond.
pub const TICKS_PER_MS: u64 = 10_000;
/// Longest line of a cue, in characters.
pub const MAX_LINE_CHARS: usize = 42;
/// A pause longer than this (1 s) starts a new cue.
pub const MAX_GAP_TICKS: u64 = 10_000_000;
/// A cue lasts at most this long (6 s).
pub const MAX_CUE_TICKS: u64 = 60_000_000;

/// One timed word: text, start and duration in ticks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimedWord<'a> {
    /// The word as displayed.
    pub text: &'a str,
    /// Start, in ticks from the start of the audio.
    pub offset: u64,
    /// Duration in ticks.
    pub duration: u64,
}

/// One subtitle cue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Start, in ticks.
    pub start: u64,
    /// End, in ticks.
    pub end: u64,
    /// The line.
    pub text: String,
}

/// Group words into cues.
pub fn cues(words: &[TimedWord<'_>]) -> Vec<Cue> {
    let mut cues: Vec<Cue> = Vec::new();
    let mut current: Option<Cue> = None;
    for word in words.iter().filter(|w| !w.text.trim().is_empty()) {
        let text = word.text.trim();
        let end = word.offset.saturating_add(word.duration);
        if let Some(cue) = current.as_mut() {
            let too_long = cue.text.chars().count() + 1 + text.chars().count() > MAX_LINE_CHARS;
            let paused = word.offset.saturating_sub(cue.end) > MAX_GAP_TICKS;
            let too_slow = end.saturating_sub(cue.start) > MAX_CUE_TICKS;
            if too_long || paused || too_slow {
                cues.extend(current.take());
            }
        }
        match current.as_mut() {
            Some(cue) => {
                cue.text.push(' ');
                cue.text.push_str(text);
                cue.end = cue.end.max(end);
            }
            None => {
                current = Some(Cue {
                    start: word.offset,
                    end,
                    text: text.to_owned(),
                })
            }
        }
        if text.ends_with(['.', '?', '!']) {
            cues.extend(current.take());
        }
    }
    cues.extend(current);
    cues
}

/// Pair display tokens with lexical word timings when they line up one to one, so subtitles
/// get punctuation and capitals ("Hello," instead of "hello"); otherwise keep the lexical words.
pub fn with_display_text<'a>(display: &'a str, words: &[TimedWord<'a>]) -> Vec<TimedWord<'a>> {
    let tokens: Vec<&str> = display.split_whitespace().collect();
    if tokens.len() != words.len() {
        return words.to_vec();
    }
    tokens
        .iter()
        .zip(words)
        .map(|(token, word)| TimedWord { text: token, ..*word })
        .collect()
}

fn timestamp(ticks: u64, separator: char) -> String {
    let ms = (ticks + TICKS_PER_MS / 2) / TICKS_PER_MS;
    let (hours, rest) = (ms / 3_600_000, ms % 3_600_000);
    let (minutes, rest) = (rest / 60_000, rest % 60_000);
    let (seconds, millis) = (rest / 1000, rest % 1000);
    format!("{hours:02}:{minutes:02}:{seconds:02}{separator}{millis:03}")
}

/// One SubRip cue, numbered `index` (from 1).
pub fn srt_cue(index: usize, cue: &Cue) -> String {
    format!(
        "{index}\n{} --> {}\n{}\n\n",
        timestamp(cue.start, ','),
        timestamp(cue.end, ','),
        cue.text
    )
}

/// One WebVTT cue.
pub fn vtt_cue(cue: &Cue) -> String {
    // "-->" inside a cue would end its timing line; WebVTT has no escape for it.
    let text = cue.text.replace("-->", "->");
    format!(
        "{} --> {}\n{}\n\n",
        timestamp(cue.start, '.'),
        timestamp(cue.end, '.'),
        text
    )
}

/// SubRip (`.srt`) text for `cues`.
pub fn srt(cues: &[Cue]) -> String {
    cues.iter()
        .enumerate()
        .map(|(index, cue)| srt_cue(index + 1, cue))
        .collect()
}

/// WebVTT (`.vtt`) text for `cues`.
pub fn vtt(cues: &[Cue]) -> String {
    let mut out = String::from("WEBVTT\n\n");
    out.extend(cues.iter().map(vtt_cue));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: u64 = TICKS_PER_MS;

    fn words(spec: &[(&'static str, u64, u64)]) -> Vec<TimedWord<'static>> {
        spec.iter()
            .map(|&(text, start_ms, dur_ms)| TimedWord {
                text,
                offset: start_ms * MS,
                duration: dur_ms * MS,
            })
            .collect()
    }

    fn sample() -> Vec<TimedWord<'static>> {
        words(&[
            ("Hello", 100, 400),
            ("world.", 520, 480),
            ("This", 1_200, 200),
            ("is", 1_420, 120),
            ("a", 1_560, 60),
            ("longer", 1_640, 300),
            ("sentence", 1_960, 420),
            ("that", 2_400, 180),
            ("keeps", 2_600, 260),
            ("going", 2_880, 300),
            ("past", 3_200, 260),
            ("forty-two", 3_480, 500),
            ("characters", 4_000, 560),
            ("after", 6_200, 300),
            ("a", 6_520, 80),
            ("pause", 6_620, 400),
        ])
    }

    #[test]
    fn srt_matches_the_golden_file() {
        assert_eq!(
            srt(&cues(&sample())),
            include_str!("../../tests/fixtures/subtitles/sample.srt")
        );
    }

    #[test]
    fn vtt_matches_the_golden_file() {
        assert_eq!(
            vtt(&cues(&sample())),
            include_str!("../../tests/fixtures/subtitles/sample.vtt")
        );
    }

    #[test]
    fn timestamps_round_ticks_to_milliseconds_and_roll_over_hours() {
        assert_eq!(timestamp(0, ','), "00:00:00,000");
        assert_eq!(timestamp(4_999, '.'), "00:00:00.000");
        assert_eq!(timestamp(5_000, '.'), "00:00:00.001");
        assert_eq!(timestamp(36_610_000_000 + 1234 * MS, ','), "01:01:02,234");
    }

    #[test]
    fn display_text_replaces_lexical_words_only_when_they_line_up() {
        let lexical = words(&[("hello", 0, 100), ("world", 100, 100)]);
        let paired = with_display_text("Hello, world.", &lexical);
        assert_eq!(paired.iter().map(|w| w.text).collect::<Vec<_>>(), ["Hello,", "world."]);
        assert_eq!(paired[1].offset, 100 * MS);
        let unpaired = with_display_text("Hello world, 2 times.", &lexical);
        assert_eq!(unpaired, lexical);
    }

    #[test]
    fn empty_input_gives_empty_files() {
        assert_eq!(srt(&cues(&[])), "");
        assert_eq!(vtt(&cues(&[])), "WEBVTT\n\n");
    }
}
