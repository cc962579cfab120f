//! Synthesis produces real audio, and recognition recognizes exactly what was synthesized (or
//! registered), with correct offsets; anything else is NoMatch.

mod common;
use common::*;

const VOICE: &str = "en-US-AvaMultilingualNeural";

#[tokio::test]
async fn synthesize_then_recognize_interactive() {
    let emulator = start(config()).await;
    let text = "Hello world, this is the emulator speaking.";
    let (samples, synthesis) = synthesize(&emulator, VOICE, text, "raw-16khz-16bit-mono-pcm").await;
    assert!(samples.len() > 16000, "real audio: {} samples", samples.len());
    let replies = recognize(&emulator, INTERACTIVE, CONTEXT, 16000, &samples).await;
    let paths: Vec<&str> = replies.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths.first(), Some(&"turn.start"), "{paths:?}");
    assert_eq!(paths.last(), Some(&"turn.end"));
    let phrase = phrases(&replies)[0];
    assert_eq!(phrase.body["RecognitionStatus"], "Success");
    assert_eq!(phrase.body["DisplayText"], text);
    // Offset: where speech starts in the audio (after the synthesizer's leading silence).
    let first_word = synthesis
        .texts
        .iter()
        .find(|p| p.path == "audio.metadata" && p.body["Metadata"][0]["Type"] == "WordBoundary")
        .map(|p| p.body["Metadata"][0]["Data"]["Offset"].as_u64().expect("offset"))
        .expect("word boundaries were sent");
    let offset = phrase.body["Offset"].as_u64().expect("offset");
    assert!(
        offset.abs_diff(first_word) < 300_000,
        "phrase offset {offset} vs first word {first_word}"
    );
    // The interactive order: endDetected right before the phrase, turn.end right after.
    let at = paths.iter().position(|p| *p == "speech.phrase").expect("phrase");
    assert_eq!(paths[at - 1], "speech.endDetected");
    assert_eq!(paths[at + 1], "turn.end");
}

#[tokio::test]
async fn every_reply_follows_the_crash_hazard_rules() {
    let emulator = start(config()).await;
    let (samples, _) = synthesize(&emulator, VOICE, "Rules are rules.", "raw-16khz-16bit-mono-pcm").await;
    let mut ws = connect_key(&Target::loopback(&emulator), CONVERSATION, emulator.primary_key()).await;
    assert_eq!(ws.protocol.as_deref(), Some("USP"));
    ws.send_text(speech_config(16000)).await;
    // Mixed-case id: it must come back byte-identical.
    let id = "AbCdEf0123456789abcdef0123456789";
    let replies = recognize_turn(&mut ws, id, CONTEXT, 16000, &samples).await;
    for reply in &replies {
        let names: Vec<&str> = reply.headers.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(
            names,
            ["X-RequestId", "Content-Type", "X-Timestamp", "Path"],
            "{}",
            reply.raw
        );
        assert_eq!(reply.header("X-RequestId"), Some(id));
        assert_eq!(reply.header("Content-Type"), Some("application/json; charset=utf-8"));
        assert!(reply.raw.contains("\r\n\r\n"));
        let stamp = reply.header("X-Timestamp").expect("stamp");
        assert!(azspeech_component::usp::parse_timestamp(stamp).is_ok(), "{stamp}");
    }
    assert_eq!(replies[0].path, "turn.start");
    assert!(replies[0].body["context"]["serviceTag"].is_string());
    let last_phrase = replies.iter().rposition(|p| p.path == "speech.phrase").expect("phrase");
    assert!(last_phrase < replies.len() - 1);
    assert_eq!(replies.last().map(|p| p.path.as_str()), Some("turn.end"));
}

/// The host's converter: rubato's polynomial resampler, as `azspeech stt` uses it on 24 kHz input.
fn host_style_resample(input: &[i16], from: u32) -> Vec<i16> {
    use rubato::audioadapter_buffers::direct::InterleavedSlice;
    use rubato::{Async, FixedAsync, Indexing, PolynomialDegree, Resampler};
    const CHUNK: usize = 1024;
    let ratio = 16000.0 / f64::from(from);
    let mut resampler =
        Async::<f32>::new_poly(ratio, 1.0, PolynomialDegree::Septic, CHUNK, 1, FixedAsync::Input).expect("resampler");
    let mut delay = resampler.output_delay();
    let expected = (input.len() as f64 * ratio).round() as usize;
    let mut out: Vec<i16> = Vec::new();
    let samples: Vec<f32> = input.iter().map(|&s| f32::from(s) / 32768.0).collect();
    let mut position = 0;
    let mut buffer = vec![0f32; CHUNK];
    let mut output = vec![0f32; resampler.output_frames_max()];
    while out.len() < expected {
        let take = (samples.len().saturating_sub(position)).min(CHUNK);
        buffer.fill(0.0);
        buffer[..take].copy_from_slice(&samples[position..position + take]);
        position += take;
        let input = InterleavedSlice::new(&buffer[..], 1, CHUNK).expect("in");
        let frames = output.len();
        let mut out_buf = InterleavedSlice::new_mut(&mut output[..], 1, frames).expect("out");
        let indexing = Indexing::new().partial_len(take);
        let (_, written) = resampler
            .process_into_buffer(&input, &mut out_buf, Some(&indexing))
            .expect("process");
        let skip = delay.min(written);
        delay -= skip;
        for &s in &output[skip..written] {
            if out.len() < expected {
                out.push((s * 32767.0).round().clamp(-32768.0, 32767.0) as i16);
            }
        }
    }
    out
}

#[tokio::test]
async fn a_24khz_synthesis_resampled_by_the_client_is_recognized() {
    let emulator = start(config()).await;
    let text = "Twenty four kilohertz audio, converted by the client.";
    let (samples, _) = synthesize(&emulator, VOICE, text, "raw-24khz-16bit-mono-pcm").await;
    let converted = host_style_resample(&samples, 24000);
    let replies = recognize(&emulator, INTERACTIVE, CONTEXT, 16000, &converted).await;
    assert_eq!(phrases(&replies)[0].body["DisplayText"], text);
    // The client may also send 24 kHz audio as is: the emulator resamples it itself.
    let replies = recognize_24k(&emulator, &samples).await;
    assert_eq!(phrases(&replies)[0].body["DisplayText"], text);
}

async fn recognize_24k(emulator: &RunningEmulator, samples: &[i16]) -> Vec<Parsed> {
    let mut ws = connect_key(&Target::loopback(emulator), INTERACTIVE, emulator.primary_key()).await;
    ws.send_text(speech_config(24000)).await;
    recognize_turn(&mut ws, &new_id(), CONTEXT, 24000, samples).await
}

#[tokio::test]
async fn espeak_synthesis_round_trip_when_installed() {
    let emulator = start(EmulatorConfig::new().verbosity(Verbosity::Quiet)).await;
    if emulator.synthesizer() != "espeak-ng" {
        eprintln!("espeak-ng is not installed: only the built-in synthesizer is tested");
        return;
    }
    let text = "The quick brown fox jumps over the lazy dog.";
    let (samples, synthesis) = synthesize(&emulator, VOICE, text, "raw-16khz-16bit-mono-pcm").await;
    let words: Vec<String> = synthesis
        .texts
        .iter()
        .filter(|p| p.path == "audio.metadata")
        .flat_map(|p| p.body["Metadata"].as_array().cloned().unwrap_or_default())
        .filter(|m| m["Type"] == "WordBoundary")
        .map(|m| m["Data"]["text"]["Text"].as_str().unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        words,
        ["The", "quick", "brown", "fox", "jumps", "over", "the", "lazy", "dog"]
    );
    let replies = recognize(&emulator, INTERACTIVE, DETAILED_CONTEXT, 16000, &samples).await;
    let phrase = phrases(&replies)[0];
    assert_eq!(phrase.body["DisplayText"], text);
    assert_eq!(phrase.body["NBest"][0]["Display"], text);
    assert_eq!(
        phrase.body["NBest"][0]["Lexical"],
        "the quick brown fox jumps over the lazy dog"
    );
    // The `azspeech demo` path: 24 kHz synthesis converted to 16 kHz by the client.
    let text = "Speech at twenty four kilohertz from espeak.";
    let (samples, _) = synthesize(&emulator, VOICE, text, "raw-24khz-16bit-mono-pcm").await;
    let replies = recognize(
        &emulator,
        INTERACTIVE,
        CONTEXT,
        16000,
        &host_style_resample(&samples, 24000),
    )
    .await;
    assert_eq!(phrases(&replies)[0].body["DisplayText"], text);
}

#[tokio::test]
async fn noise_is_no_match_and_silence_is_initial_silence_timeout() {
    let emulator = start(config()).await;
    // Make sure the registry is not empty, so a false match would be possible.
    let _ = synthesize(&emulator, VOICE, "Something known.", "raw-16khz-16bit-mono-pcm").await;
    let replies = recognize(&emulator, INTERACTIVE, CONTEXT, 16000, &noise(32000, 8000, 7)).await;
    let phrase = phrases(&replies)[0];
    assert_eq!(phrase.body["RecognitionStatus"], "NoMatch");
    assert_eq!(phrase.body["DisplayText"], "");
    assert!(
        replies.iter().all(|p| p.path != "speech.hypothesis"),
        "no invented hypothesis"
    );

    let replies = recognize(&emulator, INTERACTIVE, CONTEXT, 16000, &vec![0i16; 16000 * 2]).await;
    let phrase = phrases(&replies)[0];
    assert_eq!(phrase.body["RecognitionStatus"], "InitialSilenceTimeout");
    assert_eq!(phrase.body["Offset"], 0);
    assert_eq!(phrase.body["Duration"], 20_000_000);
}

#[tokio::test]
async fn continuous_recognition_of_several_utterances_with_offsets() {
    let emulator = start(config()).await;
    let a = "First sentence of the stream.";
    let b = "And here comes the second one, which is a little longer than the first.";
    let (sa, _) = synthesize(&emulator, VOICE, a, "raw-16khz-16bit-mono-pcm").await;
    let (sb, _) = synthesize(&emulator, VOICE, b, "raw-16khz-16bit-mono-pcm").await;
    let lead = 8000; // 0.5 s of silence first
    let gap = 16000; // 1 s between
    let mut stream = vec![0i16; lead];
    stream.extend_from_slice(&sa);
    stream.extend(std::iter::repeat_n(0, gap));
    let b_start = stream.len();
    stream.extend_from_slice(&sb);
    stream.extend(std::iter::repeat_n(0, 4000));
    let replies = recognize(&emulator, CONVERSATION, DETAILED_CONTEXT, 16000, &stream).await;
    let p = phrases(&replies);
    assert_eq!(p.len(), 3, "{p:#?}");
    assert_eq!(p[0].body["DisplayText"], a);
    assert_eq!(p[1].body["DisplayText"], b);
    assert_eq!(p[2].body["RecognitionStatus"], "EndOfDictation");
    // Offsets count from the start of the turn's audio (ticks of 100 ns; 625 per sample).
    let (sa_onset, _) = recognize_alone_offset(&emulator, &sa).await;
    let (sb_onset, _) = recognize_alone_offset(&emulator, &sb).await;
    assert_eq!(p[0].body["Offset"].as_u64(), Some(lead as u64 * 625 + sa_onset));
    assert_eq!(p[1].body["Offset"].as_u64(), Some(b_start as u64 * 625 + sb_onset));
    // Detailed format: NBest[0].Display == DisplayText, words inside the phrase, in order.
    for phrase in &p[..2] {
        assert_eq!(phrase.body["NBest"][0]["Display"], phrase.body["DisplayText"]);
        let start = phrase.body["Offset"].as_u64().expect("offset");
        let end = start + phrase.body["Duration"].as_u64().expect("duration");
        let words = phrase.body["NBest"][0]["Words"].as_array().expect("words");
        let mut last = start;
        for w in words {
            let o = w["Offset"].as_u64().expect("word offset");
            assert!(o >= last && o + w["Duration"].as_u64().expect("d") <= end, "{w}");
            last = o;
        }
    }
    // The phrases and the final EndOfDictation cover all the audio.
    let end = p[2].body["Offset"].as_u64().expect("o") + p[2].body["Duration"].as_u64().expect("d");
    assert_eq!(end, stream.len() as u64 * 625);
    // The longer utterance got hypotheses (progressive acknowledgement), growing.
    let hypotheses: Vec<&str> = replies
        .iter()
        .filter(|r| r.path == "speech.hypothesis")
        .map(|r| r.body["Text"].as_str().expect("text"))
        .collect();
    assert!(hypotheses.len() >= 2, "{hypotheses:?}");
    assert!(
        hypotheses
            .windows(2)
            .any(|w| w[1].starts_with(w[0]) && w[1].len() > w[0].len())
    );
    assert!(
        hypotheses
            .iter()
            .all(|h| b.to_lowercase().replace(',', "").contains(h) || a.to_lowercase().contains(h))
    );
}

/// Offset of the phrase when the utterance is sent alone (its own onset).
async fn recognize_alone_offset(emulator: &RunningEmulator, samples: &[i16]) -> (u64, u64) {
    let replies = recognize(emulator, INTERACTIVE, CONTEXT, 16000, samples).await;
    let p = phrases(&replies)[0];
    (
        p.body["Offset"].as_u64().expect("offset"),
        p.body["Duration"].as_u64().expect("duration"),
    )
}

#[tokio::test]
async fn a_second_turn_on_the_same_connection_counts_from_zero() {
    let emulator = start(config()).await;
    let (s, _) = synthesize(&emulator, VOICE, "Same words twice.", "raw-16khz-16bit-mono-pcm").await;
    let mut ws = connect_key(&Target::loopback(&emulator), CONVERSATION, emulator.primary_key()).await;
    ws.send_text(speech_config(16000)).await;
    let first = recognize_turn(&mut ws, &new_id(), CONTEXT, 16000, &s).await;
    // Telemetry after turn.end is accepted and never answered.
    let id = new_id();
    ws.send_text(text_frame(
        "telemetry",
        Some(&id),
        Some("application/json; charset=utf-8"),
        "{}",
    ))
    .await;
    let second = recognize_turn(&mut ws, &id, CONTEXT, 16000, &s).await;
    assert_eq!(phrases(&first)[0].body["Offset"], phrases(&second)[0].body["Offset"]);
    assert_eq!(phrases(&second)[0].body["DisplayText"], "Same words twice.");
}

#[tokio::test]
async fn registered_fixtures_are_recognized() {
    let emulator = start(config()).await;
    // A fixture: chirps with pauses, written as a 22.05 kHz stereo WAV file.
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 22050,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut cursor = std::io::Cursor::new(Vec::new());
    let mut mono = Vec::new();
    {
        let mut writer = hound::WavWriter::new(&mut cursor, spec).expect("writer");
        for i in 0..22050 * 2 {
            let t = i as f64 / 22050.0;
            let on = ((t * 4.0) as usize).is_multiple_of(2) && t > 0.2;
            let f = 300.0 + 200.0 * (t * 3.0).sin();
            let v = if on {
                (9000.0 * (2.0 * std::f64::consts::PI * f * t).sin()) as i16
            } else {
                0
            };
            writer.write_sample(v).expect("l");
            writer.write_sample(v).expect("r");
            mono.push(v);
        }
        writer.finalize().expect("finalize");
    }
    emulator
        .register_fixture(&cursor.into_inner(), "Chirp chirp, fixture.")
        .expect("fixture registered");
    let replies = recognize(&emulator, CONVERSATION, CONTEXT, 22050, &mono).await;
    let p = phrases(&replies);
    assert_eq!(p[0].body["DisplayText"], "Chirp chirp, fixture.");
    assert_eq!(p[0].body["RecognitionStatus"], "Success");
}

#[tokio::test]
async fn fixtures_from_the_configuration() {
    let dir = std::env::temp_dir().join(format!("azspeech-emu-fixture-{}", new_id()));
    std::fs::create_dir_all(&dir).expect("dir");
    let path = dir.join("tone.wav");
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: 16000,
        bits_per_sample: 16,
        sample_format: hound::SampleFormat::Int,
    };
    let mut writer = hound::WavWriter::create(&path, spec).expect("create");
    let mut tone = Vec::new();
    for i in 0..16000 {
        let t = i as f64 / 16000.0;
        let v = if t > 0.1 && t < 0.9 {
            (8000.0 * (2.0 * std::f64::consts::PI * 440.0 * t).sin()) as i16
        } else {
            0
        };
        writer.write_sample(v).expect("sample");
        tone.push(v);
    }
    writer.finalize().expect("finalize");
    let emulator = start(config().fixture_file(&path, "A beep.")).await;
    assert_eq!(emulator.known_utterances(), 1);
    let replies = recognize(&emulator, INTERACTIVE, CONTEXT, 16000, &tone).await;
    assert_eq!(phrases(&replies)[0].body["DisplayText"], "A beep.");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn long_texts_are_recognized_sentence_by_sentence() {
    // With a short longest segment, a two-sentence synthesis is only known sentence by sentence.
    let tuning = RecognitionTuning {
        max_segment_ms: 2000,
        ..RecognitionTuning::default()
    };
    let emulator = start(config().recognition(tuning)).await;
    let text = "The first sentence is here. And then a second sentence follows it.";
    let (samples, _) = synthesize(&emulator, VOICE, text, "raw-16khz-16bit-mono-pcm").await;
    assert!(samples.len() > 2 * 16000);
    let replies = recognize(&emulator, CONVERSATION, CONTEXT, 16000, &samples).await;
    let texts: Vec<&str> = phrases(&replies)
        .iter()
        .filter(|p| p.body["RecognitionStatus"] == "Success")
        .map(|p| p.body["DisplayText"].as_str().expect("text"))
        .collect();
    assert_eq!(
        texts,
        ["The first sentence is here.", "And then a second sentence follows it."]
    );
    // With the default (20 s), the same text is one phrase.
    let emulator = start(config()).await;
    let (samples, _) = synthesize(&emulator, VOICE, text, "raw-16khz-16bit-mono-pcm").await;
    let replies = recognize(&emulator, CONVERSATION, CONTEXT, 16000, &samples).await;
    assert_eq!(phrases(&replies)[0].body["DisplayText"], text);
}

#[tokio::test]
async fn espeak_sentences_are_recognized_one_by_one_when_installed() {
    let tuning = RecognitionTuning {
        max_segment_ms: 2000,
        ..RecognitionTuning::default()
    };
    let emulator = start(EmulatorConfig::new().verbosity(Verbosity::Quiet).recognition(tuning)).await;
    if emulator.synthesizer() != "espeak-ng" {
        return;
    }
    let text = "Espeak reads the first sentence. Then it reads another one, with a comma. And a third.";
    let (samples, _) = synthesize(&emulator, VOICE, text, "raw-16khz-16bit-mono-pcm").await;
    let replies = recognize(&emulator, CONVERSATION, CONTEXT, 16000, &samples).await;
    let texts: Vec<&str> = phrases(&replies)
        .iter()
        .filter(|p| p.body["RecognitionStatus"] == "Success")
        .map(|p| p.body["DisplayText"].as_str().expect("text"))
        .collect();
    assert_eq!(
        texts,
        [
            "Espeak reads the first sentence.",
            "Then it reads another one, with a comma.",
            "And a third."
        ]
    );
}
