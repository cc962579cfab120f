//! Honest recognition: the emulator recognizes only audio it synthesized itself or that was
//! registered as a fixture; anything else is `NoMatch`, never an invented transcript.
//!
//! # Fingerprints
//!
//! Every known utterance is stored as a 16 kHz fingerprint: the sequence of 10 ms frame features
//! (energies of four sub-bands between 125 Hz and 7 kHz, in dB, floored at −65 dB) starting at its
//! *onset*, up to the end of its last voiced frame. A synthesized utterance is fingerprinted from
//! the exact bytes sent to the client, decoded and resampled to 16 kHz by the emulator's own
//! band-limited resampler (identity when the output is already 16 kHz).
//!
//! The onset is the first sample whose magnitude reaches 400 and that is followed, within the
//! next 100 ms, by at least three 10 ms frames louder than −45 dBFS. It is defined by the signal
//! alone, not by a frame grid, so the same audio gets the same onset however much silence precedes
//! it or how it was chunked.
//!
//! # Matching
//!
//! Incoming audio (resampled to 16 kHz if needed) is scanned for an onset; from there each 10 ms
//! frame is compared with frame *k* of every known utterance (mean absolute dB difference over the
//! bands). A candidate is dropped when its mean difference exceeds 6 dB (after 100 ms), its last
//! 200 ms average more than 10 dB, or more than a quarter of its frames differ by more than 12 dB.
//! A candidate that reaches its end within those bounds is recognized; if several do, the longest
//! wins (so "hello world" beats a registered "hello"). Sample-exact copies match with a distance
//! of 0; copies resampled by a good band-limited resampler (e.g. 24 kHz output converted to 16 kHz
//! by the client) stay within about 1–3 dB, since sub-band energies below 8 kHz survive resampling.
//! Gain changes, noise, or re-recordings are *not* matched: that is the honest part.
//!
//! # Segmentation
//!
//! Unknown sound is segmented by energy: it ends after `segmentation_silence_ms` (500 ms) of
//! frames quieter than −45 dBFS, or after `max_segment_ms` (20 s) and is answered with a `NoMatch`
//! phrase covering it. A matching candidate overrides the silence rule, so an utterance with long
//! internal pauses is still one phrase.

use std::collections::VecDeque;
use std::sync::{Arc, RwLock};

use crate::config::RecognitionTuning;
use crate::dsp::{self, BANDS, FRAME, TICKS_PER_SAMPLE};
use crate::synth::Timed;

/// Magnitude a sample must reach to start an utterance.
const ONSET_AMPLITUDE: i32 = 400;
/// A 10 ms frame louder than this (RMS, dBFS) is voiced.
const VOICED_DB: f32 = -45.0;
/// Frames after an onset candidate that are checked for voicing.
const CONFIRM_FRAMES: usize = 10;
/// Voiced frames among them needed to confirm.
const CONFIRM_VOICED: usize = 3;
/// Most utterances kept (oldest dropped first).
const MAX_ENTRIES: usize = 2000;

/// A word of a known utterance, timed relative to the utterance's onset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// Lexical form (lowercase, no punctuation).
    pub(crate) lexical: String,
    pub(crate) offset_ticks: u64,
    pub(crate) duration_ticks: u64,
}

/// Where an utterance came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Synthesized,
    Fixture,
}

/// A known utterance.
#[derive(Debug)]
pub(crate) struct Entry {
    pub(crate) display: String,
    pub(crate) lexical: String,
    pub(crate) words: Vec<Word>,
    features: Vec<[f32; BANDS]>,
    /// Samples (16 kHz) from onset to the end of the last voiced frame.
    speech_len: usize,
    pub(crate) source: Source,
    /// The locale it was spoken in (the synthesis voice's), when known: what language
    /// identification reports for it.
    pub(crate) locale: Option<String>,
    /// The short name of the voice that spoke it, when the emulator synthesized it: what
    /// diarization reports as the speaker.
    pub(crate) voice: Option<String>,
}

/// The registry of known utterances.
#[derive(Debug, Default)]
pub(crate) struct Registry {
    entries: RwLock<Vec<Arc<Entry>>>,
}

/// Lexical form of a text: lowercase words without surrounding punctuation.
pub(crate) fn lexical_words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|t| t.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

/// Where speech starts in `samples` at or after `from`.
enum Onset {
    Found(usize),
    /// No onset before this position (more audio is needed to decide beyond it).
    NotBefore(usize),
}

fn find_onset(samples: &[i16], from: usize, end_of_audio: bool) -> Onset {
    let mut i = from;
    while i < samples.len() {
        if i32::from(samples[i]).abs() >= ONSET_AMPLITUDE {
            let need = i + CONFIRM_FRAMES * FRAME;
            if need > samples.len() && !end_of_audio {
                return Onset::NotBefore(i);
            }
            let end = need.min(samples.len());
            let voiced = samples[i..end]
                .chunks(FRAME)
                .filter(|f| f.len() == FRAME && dsp::level_db(f) > VOICED_DB)
                .count();
            if voiced >= CONFIRM_VOICED {
                return Onset::Found(i);
            }
            i += FRAME;
        } else {
            i += 1;
        }
    }
    Onset::NotBefore(samples.len())
}

impl Registry {
    /// Fingerprint and remember an utterance (16 kHz mono samples; word timings in samples of
    /// `samples`) spoken in `locale` by `voice`, if known. Returns `false` if it contains no
    /// speech.
    pub(crate) fn register(
        &self,
        samples: &[i16],
        display: &str,
        words: &[Timed],
        source: Source,
        locale: Option<&str>,
        voice: Option<&str>,
    ) -> bool {
        let Onset::Found(onset) = find_onset(samples, 0, true) else {
            return false;
        };
        let frames: Vec<&[i16]> = samples[onset..].chunks_exact(FRAME).collect();
        let Some(last_voiced) = frames.iter().rposition(|f| dsp::level_db(f) > VOICED_DB) else {
            return false;
        };
        let frames = &frames[..=last_voiced];
        let features: Vec<[f32; BANDS]> = frames.iter().map(|f| dsp::band_features(f)).collect();
        let speech_len = frames.len() * FRAME;
        let words = words
            .iter()
            .filter_map(|w| {
                let lexical = lexical_words(&w.text).join(" ");
                if lexical.is_empty() {
                    return None;
                }
                let start = w.start.saturating_sub(onset).min(speech_len);
                let end = (w.start + w.len).saturating_sub(onset).min(speech_len).max(start);
                Some(Word {
                    lexical,
                    offset_ticks: start as u64 * TICKS_PER_SAMPLE,
                    duration_ticks: (end - start) as u64 * TICKS_PER_SAMPLE,
                })
            })
            .collect();
        let display = display.split_whitespace().collect::<Vec<_>>().join(" ");
        let entry = Entry {
            lexical: lexical_words(&display).join(" "),
            display,
            words,
            features,
            speech_len,
            source,
            locale: locale.map(str::to_owned),
            voice: voice.map(str::to_owned),
        };
        let mut entries = self.entries.write().unwrap_or_else(|e| e.into_inner());
        let duplicate = entries
            .iter()
            .any(|e| e.display == entry.display && e.features == entry.features);
        if !duplicate {
            if entries.len() >= MAX_ENTRIES {
                entries.remove(0);
            }
            entries.push(Arc::new(entry));
        }
        true
    }

    pub(crate) fn snapshot(&self) -> Vec<Arc<Entry>> {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub(crate) fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|e| e.into_inner()).len()
    }
}

/// `RecognitionStatus` values the emulator sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Status {
    Success,
    NoMatch,
    InitialSilenceTimeout,
    EndOfDictation,
}

impl Status {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Status::Success => "Success",
            Status::NoMatch => "NoMatch",
            Status::InitialSilenceTimeout => "InitialSilenceTimeout",
            Status::EndOfDictation => "EndOfDictation",
        }
    }
}

/// A final result, timed in ticks from the start of the turn's audio.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Phrase {
    pub(crate) status: Status,
    pub(crate) offset: u64,
    pub(crate) duration: u64,
    pub(crate) display: String,
    pub(crate) lexical: String,
    /// (lexical word, offset, duration), turn-relative ticks.
    pub(crate) words: Vec<(String, u64, u64)>,
    pub(crate) confidence: f64,
    /// The locale the utterance was spoken in, when known (recognized phrases only).
    pub(crate) locale: Option<String>,
    /// The voice that spoke it, when the emulator synthesized it (recognized phrases only).
    pub(crate) voice: Option<String>,
}

/// What the detector found.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Event {
    StartDetected { offset: u64 },
    Hypothesis { text: String, offset: u64, duration: u64 },
    Phrase(Phrase),
}

#[derive(Debug)]
struct Candidate {
    entry: Arc<Entry>,
    n: usize,
    sum: f32,
    bad: usize,
    recent: VecDeque<f32>,
    recent_sum: f32,
}

impl Candidate {
    fn mean(&self) -> f32 {
        if self.n == 0 { 0.0 } else { self.sum / self.n as f32 }
    }

    fn len(&self) -> usize {
        self.entry.features.len()
    }

    /// Compare incoming frame `k`; returns false if the candidate is out.
    fn compare(&mut self, k: usize, features: &[f32; BANDS]) -> bool {
        let reference = &self.entry.features[k];
        let d = features.iter().zip(reference).map(|(a, b)| (a - b).abs()).sum::<f32>() / BANDS as f32;
        self.n += 1;
        self.sum += d;
        if d > 12.0 {
            self.bad += 1;
        }
        self.recent.push_back(d);
        self.recent_sum += d;
        if self.recent.len() > 20
            && let Some(old) = self.recent.pop_front()
        {
            self.recent_sum -= old;
        }
        let n = self.n as f32;
        !((self.n >= 10 && self.sum / n > 6.0)
            || (self.recent.len() >= 20 && self.recent_sum / 20.0 > 10.0)
            || (self.n >= 10 && self.bad as f32 / n > 0.25))
    }

    fn accepted_at_end(&self) -> bool {
        self.n == self.len() && self.mean() <= 6.0 && (self.bad as f32) <= 0.25 * self.n as f32
    }
}

#[derive(Debug)]
struct Segment {
    onset: usize,
    frames: usize,
    live: Vec<Candidate>,
    completed: Vec<Candidate>,
    last_voiced_end: usize,
    unvoiced_run: usize,
    last_hypothesis_frames: usize,
    last_hypothesis: String,
}

/// Streaming recognizer for one turn (16 kHz mono input).
#[derive(Debug)]
pub(crate) struct Detector {
    registry: Arc<Registry>,
    tuning: RecognitionTuning,
    continuous: bool,
    /// Samples from absolute index `base` on (older ones are dropped when no longer needed).
    samples: Vec<i16>,
    base: usize,
    covered: usize,
    scan: usize,
    segment: Option<Segment>,
    start_sent: bool,
    phrases: usize,
    /// Interactive turn ended (first phrase sent).
    pub(crate) done: bool,
}

fn ticks(samples: usize) -> u64 {
    samples as u64 * TICKS_PER_SAMPLE
}

fn ms_to_samples(ms: u32) -> usize {
    ms as usize * dsp::RATE as usize / 1000
}

impl Detector {
    pub(crate) fn new(registry: Arc<Registry>, tuning: RecognitionTuning, continuous: bool) -> Self {
        Detector {
            registry,
            tuning,
            continuous,
            samples: Vec::new(),
            base: 0,
            covered: 0,
            scan: 0,
            segment: None,
            start_sent: false,
            phrases: 0,
            done: false,
        }
    }

    /// Total audio received, in ticks.
    pub(crate) fn received_ticks(&self) -> u64 {
        ticks(self.total())
    }

    /// Samples received so far (absolute count).
    fn total(&self) -> usize {
        self.base + self.samples.len()
    }

    /// Drop samples before `keep` (absolute) once more than a second could go.
    fn trim(&mut self, keep: usize) {
        let drop = keep.saturating_sub(self.base).min(self.samples.len());
        if drop >= dsp::RATE as usize {
            self.samples.drain(..drop);
            self.base += drop;
        }
    }

    /// Feed 16 kHz samples.
    pub(crate) fn push(&mut self, samples: &[i16]) -> Vec<Event> {
        if self.done {
            return Vec::new();
        }
        self.samples.extend_from_slice(samples);
        let mut events = Vec::new();
        self.step(false, &mut events);
        events
    }

    /// End of the turn's audio: flush.
    pub(crate) fn finish(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        if self.done {
            return events;
        }
        self.step(true, &mut events);
        if self.done {
            return events;
        }
        let total = self.total();
        if self.phrases == 0 {
            // Only silence (or nothing): the service's answer to leading silence.
            self.emit_silence(self.covered, total, Status::InitialSilenceTimeout, &mut events);
        } else if total > self.covered && self.continuous {
            self.emit_silence(self.covered, total, Status::EndOfDictation, &mut events);
        }
        if !self.continuous {
            self.done = true;
        }
        events
    }

    fn emit_silence(&mut self, from: usize, to: usize, status: Status, events: &mut Vec<Event>) {
        events.push(Event::Phrase(Phrase {
            status,
            offset: ticks(from),
            duration: ticks(to.saturating_sub(from)),
            display: String::new(),
            lexical: String::new(),
            words: Vec::new(),
            confidence: 0.0,
            locale: None,
            voice: None,
        }));
        self.covered = to.max(self.covered);
        self.scan = self.scan.max(self.covered);
        self.phrases += 1;
        if !self.continuous {
            self.done = true;
        }
    }

    fn emit_phrase(&mut self, phrase: Phrase, end: usize, events: &mut Vec<Event>) {
        events.push(Event::Phrase(phrase));
        self.phrases += 1;
        self.covered = end;
        self.scan = end;
        self.segment = None;
        if !self.continuous {
            self.done = true;
        }
    }

    fn step(&mut self, end_of_audio: bool, events: &mut Vec<Event>) {
        while !self.done {
            match self.segment.take() {
                None => match find_onset(&self.samples, self.scan - self.base, end_of_audio) {
                    Onset::Found(relative) => {
                        let onset = relative + self.base;
                        if !self.start_sent {
                            self.start_sent = true;
                            events.push(Event::StartDetected { offset: ticks(onset) });
                        }
                        let live = self
                            .registry
                            .snapshot()
                            .into_iter()
                            .map(|entry| Candidate {
                                entry,
                                n: 0,
                                sum: 0.0,
                                bad: 0,
                                recent: VecDeque::new(),
                                recent_sum: 0.0,
                            })
                            .collect();
                        self.segment = Some(Segment {
                            onset,
                            frames: 0,
                            live,
                            completed: Vec::new(),
                            last_voiced_end: onset,
                            unvoiced_run: 0,
                            last_hypothesis_frames: 0,
                            last_hypothesis: String::new(),
                        });
                    }
                    Onset::NotBefore(relative) => {
                        let position = relative + self.base;
                        self.scan = position;
                        self.trim(position);
                        let silent = position.saturating_sub(self.covered);
                        if !self.continuous && self.phrases == 0 && !self.start_sent {
                            let limit = ms_to_samples(self.tuning.initial_silence_timeout_ms);
                            if position >= limit {
                                self.emit_silence(0, limit, Status::InitialSilenceTimeout, events);
                            }
                        } else if self.continuous && silent >= ms_to_samples(self.tuning.silence_ack_ms) {
                            let from = self.covered;
                            self.emit_silence(from, position, Status::InitialSilenceTimeout, events);
                        }
                        return;
                    }
                },
                Some(segment) => {
                    if let Some(segment) = self.advance(segment, end_of_audio, events) {
                        self.segment = Some(segment);
                        return;
                    }
                }
            }
        }
    }

    /// Process available frames of a segment; `None` when the segment ended (a phrase was sent).
    fn advance(&mut self, mut seg: Segment, end_of_audio: bool, events: &mut Vec<Event>) -> Option<Segment> {
        let silence_frames = (self.tuning.segmentation_silence_ms as usize).div_ceil(10);
        let max_segment = ms_to_samples(self.tuning.max_segment_ms);
        let hypothesis_frames = (self.tuning.hypothesis_interval_ms as usize).div_ceil(10).max(1);
        loop {
            let start = seg.onset + seg.frames * FRAME;
            if start + FRAME > self.total() {
                break;
            }
            let frame = &self.samples[start - self.base..start - self.base + FRAME];
            if dsp::level_db(frame) > VOICED_DB {
                seg.last_voiced_end = start + FRAME;
                seg.unvoiced_run = 0;
            } else {
                seg.unvoiced_run += 1;
            }
            let k = seg.frames;
            seg.frames += 1;
            if !seg.live.is_empty() {
                let features = dsp::band_features(frame);
                let mut still = Vec::with_capacity(seg.live.len());
                for mut c in seg.live.drain(..) {
                    if c.compare(k, &features) {
                        if c.n == c.len() {
                            if c.accepted_at_end() {
                                seg.completed.push(c);
                            }
                        } else {
                            still.push(c);
                        }
                    }
                }
                seg.live = still;
                // Hypotheses from the best live candidate.
                if seg.frames - seg.last_hypothesis_frames >= hypothesis_frames {
                    seg.last_hypothesis_frames = seg.frames;
                    if let Some(best) = seg.live.iter().min_by(|a, b| a.mean().total_cmp(&b.mean())) {
                        let progress = ticks(seg.frames * FRAME);
                        let text = best
                            .entry
                            .words
                            .iter()
                            .filter(|w| w.offset_ticks + w.duration_ticks <= progress)
                            .map(|w| w.lexical.as_str())
                            .collect::<Vec<_>>()
                            .join(" ");
                        if !text.is_empty() && text != seg.last_hypothesis {
                            seg.last_hypothesis = text.clone();
                            events.push(Event::Hypothesis {
                                text,
                                offset: ticks(seg.onset),
                                duration: progress,
                            });
                        }
                    }
                }
            }
            if seg.live.is_empty() {
                if !seg.completed.is_empty() {
                    self.recognized(&seg, events);
                    return None;
                }
                if seg.unvoiced_run >= silence_frames || seg.frames * FRAME >= max_segment {
                    let end = if seg.unvoiced_run >= silence_frames {
                        seg.last_voiced_end
                    } else {
                        start + FRAME
                    };
                    self.no_match(seg.onset, end, events);
                    return None;
                }
            }
        }
        if end_of_audio {
            if !seg.completed.is_empty() {
                self.recognized(&seg, events);
            } else {
                let end = seg.last_voiced_end.max(seg.onset);
                self.no_match(seg.onset, end, events);
            }
            return None;
        }
        Some(seg)
    }

    fn no_match(&mut self, onset: usize, end: usize, events: &mut Vec<Event>) {
        let phrase = Phrase {
            status: Status::NoMatch,
            offset: ticks(onset),
            duration: ticks(end.saturating_sub(onset)),
            display: String::new(),
            lexical: String::new(),
            words: Vec::new(),
            confidence: 0.0,
            locale: None,
            voice: None,
        };
        self.emit_phrase(phrase, end.max(onset), events);
    }

    fn recognized(&mut self, seg: &Segment, events: &mut Vec<Event>) {
        let Some(best) = seg
            .completed
            .iter()
            .max_by(|a, b| a.len().cmp(&b.len()).then(b.mean().total_cmp(&a.mean())))
        else {
            return;
        };
        let onset = ticks(seg.onset);
        let entry = &best.entry;
        tracing::debug!(text = %entry.display, source = ?entry.source, distance = best.mean(), "recognized");
        let phrase = Phrase {
            status: Status::Success,
            offset: onset,
            duration: ticks(entry.speech_len),
            display: entry.display.clone(),
            lexical: entry.lexical.clone(),
            words: entry
                .words
                .iter()
                .map(|w| (w.lexical.clone(), onset + w.offset_ticks, w.duration_ticks))
                .collect(),
            confidence: f64::from((1.0 - best.mean() / 15.0).clamp(0.5, 0.98)),
            locale: entry.locale.clone(),
            voice: entry.voice.clone(),
        };
        self.emit_phrase(phrase, seg.onset + entry.speech_len, events);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::synth;

    fn utterance(text: &str) -> (Vec<i16>, Vec<Timed>) {
        let (samples, words) = synth::builtin(text, 24000);
        let samples16 = dsp::resample(&samples, 24000, 16000);
        let words = words
            .into_iter()
            .map(|w| Timed {
                start: w.start * 2 / 3,
                len: w.len * 2 / 3,
                text: w.text,
            })
            .collect();
        (samples16, words)
    }

    fn phrases(events: &[Event]) -> Vec<&Phrase> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Phrase(p) => Some(p),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn recognizes_registered_audio_in_a_stream() {
        let registry = Arc::new(Registry::default());
        let (a, wa) = utterance("Hello world.");
        let (b, wb) = utterance("How are you today?");
        assert!(registry.register(&a, "Hello world.", &wa, Source::Synthesized, None, None));
        assert!(registry.register(&b, "How are you today?", &wb, Source::Synthesized, None, None));
        let mut stream = vec![0i16; 8000];
        stream.extend_from_slice(&a);
        stream.extend(std::iter::repeat_n(0, 16000));
        stream.extend_from_slice(&b);
        let mut detector = Detector::new(registry, RecognitionTuning::default(), true);
        let mut events = Vec::new();
        for chunk in stream.chunks(1600) {
            events.extend(detector.push(chunk));
        }
        events.extend(detector.finish());
        let p = phrases(&events);
        assert_eq!(p[0].display, "Hello world.");
        assert_eq!(p[1].display, "How are you today?");
        assert!(p[0].offset >= 5_000_000 && p[0].offset < 6_500_000, "{}", p[0].offset);
        assert!(p[1].offset > p[0].offset + p[0].duration);
        assert!(matches!(events[0], Event::StartDetected { .. }));
        assert!(p.last().is_some_and(|p| p.status == Status::EndOfDictation));
    }

    #[test]
    fn noise_is_no_match_and_silence_is_initial_silence() {
        let registry = Arc::new(Registry::default());
        let (a, wa) = utterance("Hello world.");
        registry.register(&a, "Hello world.", &wa, Source::Synthesized, None, None);
        let mut seed = 12345u64;
        let noise: Vec<i16> = (0..32000)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                ((seed % 20001) as i32 - 10000) as i16
            })
            .collect();
        let mut d = Detector::new(registry.clone(), RecognitionTuning::default(), false);
        let mut events = d.push(&noise);
        events.extend(d.finish());
        let p = phrases(&events);
        assert_eq!(p.len(), 1);
        assert_eq!(p[0].status, Status::NoMatch);

        let mut d = Detector::new(registry, RecognitionTuning::default(), false);
        let mut events = d.push(&[0; 16000]);
        events.extend(d.finish());
        let p = phrases(&events);
        assert_eq!(p[0].status, Status::InitialSilenceTimeout);
        assert_eq!(p[0].duration, 10_000_000);
    }

    #[test]
    fn long_silence_is_acknowledged_and_offsets_stay_absolute() {
        let registry = Arc::new(Registry::default());
        let (a, wa) = utterance("After a long pause.");
        registry.register(&a, "After a long pause.", &wa, Source::Synthesized, None, None);
        let mut detector = Detector::new(registry, RecognitionTuning::default(), true);
        let mut events = Vec::new();
        let silence = vec![0i16; 16000];
        for _ in 0..45 {
            events.extend(detector.push(&silence));
        }
        for chunk in a.chunks(3200) {
            events.extend(detector.push(chunk));
        }
        events.extend(detector.finish());
        let p = phrases(&events);
        // Two acknowledgements of 20 s of silence, then the utterance at 45 s + its onset.
        assert_eq!(p[0].status, Status::InitialSilenceTimeout);
        assert_eq!(p[0].offset, 0);
        assert!(p[0].duration >= 200_000_000);
        assert_eq!(p[1].status, Status::InitialSilenceTimeout);
        let success = p.iter().find(|p| p.status == Status::Success).expect("recognized");
        assert_eq!(success.display, "After a long pause.");
        assert!(
            success.offset > 450_000_000 && success.offset < 452_000_000,
            "{}",
            success.offset
        );
        assert!(detector.samples.len() < 16000 * 10, "old audio was dropped");
    }
}
