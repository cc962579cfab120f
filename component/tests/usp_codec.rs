//! The USP frame codec against frames captured from the official Speech SDKs
//! (`reference/sdk-capture-detailed.md`), adversarial inputs, and a fuzz-style loop that checks no
//! input makes a parser panic and that whatever parses re-encodes to the same message.

#![allow(clippy::unwrap_used)]

use azspeech_component::usp::wav::{WavFormat, parse_wav_header, wav_header};
use azspeech_component::usp::{
    self, FrameError, Headers, encode_binary, encode_binary_header, encode_text, parse_binary, parse_text,
};

const PYTHON_RIFF: &str = "524946460000000057415645666d74201000000001000100803e0000007d0000020010006461746100000000";
const REQUEST_ID: &str = "d8bfd5c4bb89478bbaeae93cf2bad660";
const STAMP: &str = "2026-11-23T00:30:03.534Z";

fn unhex(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// The Python SDK's first audio frame of a turn, byte for byte.
fn python_first_audio_frame() -> Vec<u8> {
    let header = format!(
        "X-Timestamp:{STAMP}\r\nPath:audio\r\nContent-Type:audio/x-wav\r\nX-RequestId:{REQUEST_ID}\r\nX-StreamId:1\r\n"
    );
    let mut frame = vec![0x00, 0x88];
    frame.extend_from_slice(header.as_bytes());
    frame.extend_from_slice(&unhex(PYTHON_RIFF));
    frame
}

#[test]
fn python_first_audio_frame_parses() {
    let frame = python_first_audio_frame();
    assert_eq!(&frame[..6], &[0x00, 0x88, 0x58, 0x2d, 0x54, 0x69]);
    let message = parse_binary(&frame).unwrap();
    assert_eq!(message.path, "audio");
    assert_eq!(message.request_id(), Some(REQUEST_ID));
    assert_eq!(message.headers.get("content-type"), Some("audio/x-wav"));
    assert_eq!(message.headers.get("X-StreamId"), Some("1"));
    assert_eq!(message.headers.get("x-timestamp"), Some(STAMP));
    assert_eq!(message.payload_range, 138..182);
    assert_eq!(message.payload, unhex(PYTHON_RIFF).as_slice());
    let wav = parse_wav_header(message.payload).unwrap();
    assert_eq!(wav.format, WavFormat::pcm(16_000, 16, 1));
    assert_eq!(
        usp::parse_timestamp(STAMP).map(usp::format_timestamp).as_deref(),
        Ok(STAMP)
    );
}

#[test]
fn python_first_audio_frame_is_reproduced_byte_for_byte() {
    let headers = Headers::new()
        .with("X-Timestamp", STAMP)
        .with("Path", "audio")
        .with("Content-Type", "audio/x-wav")
        .with("X-RequestId", REQUEST_ID)
        .with("X-StreamId", "1");
    let header = encode_binary_header(&headers).unwrap();
    let riff = wav_header(&WavFormat::pcm(16_000, 16, 1), None);
    let frame = encode_binary(&headers, &riff).unwrap();
    assert_eq!(frame, python_first_audio_frame());
    assert_eq!(&frame[..header.len()], header.as_slice());
}

#[test]
fn python_chunk_and_end_frames() {
    let headers = Headers::new()
        .with("X-Timestamp", STAMP)
        .with("Path", "audio")
        .with("X-RequestId", REQUEST_ID)
        .with("X-StreamId", "1");
    let header = encode_binary_header(&headers).unwrap();
    assert_eq!(u16::from_be_bytes([header[0], header[1]]), 110);
    let mut frame = header.clone();
    frame.extend(std::iter::repeat_n(7u8, 3200));
    let message = parse_binary(&frame).unwrap();
    assert_eq!(message.payload_range, 112..3312);
    assert_eq!(message.payload.len(), 3200);
    let end = parse_binary(&header).unwrap();
    assert!(end.payload.is_empty());
    assert_eq!(end.payload_range, 112..112);
}

#[test]
fn service_tts_audio_frame() {
    let header = "X-RequestId:b22be910ae294fc1a4d73ebc956de9b7\r\nX-Timestamp:2026-11-23T00:32:17.713Z\r\nContent-Type:raw-16khz-16bit-mono-pcm\r\nX-StreamId:B117388C87AE433F99FD7D5C8B2B884A\r\nPath:audio\r\n";
    let mut frame = 180u16.to_be_bytes().to_vec();
    frame.extend_from_slice(header.as_bytes());
    frame.extend((0..8192u32).map(|i| (i % 251) as u8));
    let message = parse_binary(&frame).unwrap();
    assert_eq!(message.path, "audio");
    assert_eq!(
        message.headers.get("x-streamid"),
        Some("B117388C87AE433F99FD7D5C8B2B884A")
    );
    assert_eq!(message.payload_range, 182..182 + 8192);
    assert_eq!(&frame[message.payload_range.clone()], message.payload);
}

#[test]
fn js_style_headers_with_spaces() {
    let text = "Path: speech.context\r\nX-RequestId: FCFE5B07B2D34295AECBADC4AA6A6BEA\r\nX-Timestamp: 2026-11-23T00:35:36.689Z\r\nContent-Type: application/json\r\n\r\n{\"phraseDetection\":{\"mode\":\"Interactive\",\"language\":\"en-US\",\"enrichment\":{}},\"phraseOutput\":{}}";
    let message = parse_text(text).unwrap();
    assert_eq!(message.path, "speech.context");
    assert_eq!(message.request_id(), Some("FCFE5B07B2D34295AECBADC4AA6A6BEA"));
    assert!(usp::is_request_id(message.request_id().unwrap()));
    assert_eq!(message.headers.get("content-type"), Some("application/json"));
    let mut frame = vec![0, 0];
    let block = "Path: audio\r\nX-RequestId: FCFE5B07B2D34295AECBADC4AA6A6BEA\r\nX-Timestamp: 2026-11-23T00:35:36.689Z\r\nContent-Type: audio/x-wav\r\n";
    frame[1] = block.len() as u8;
    frame.extend_from_slice(block.as_bytes());
    frame.extend_from_slice(&unhex(PYTHON_RIFF));
    let message = parse_binary(&frame).unwrap();
    assert_eq!(message.headers.get("Content-Type"), Some("audio/x-wav"));
    assert_eq!(message.payload.len(), 44);
}

#[test]
fn python_text_frames() {
    let config = "X-Timestamp:2026-11-23T00:30:03.534Z\r\nPath:speech.config\r\nContent-Type:application/json\r\n\r\n{\"context\":{}}";
    let message = parse_text(config).unwrap();
    assert_eq!(message.path, "speech.config");
    assert_eq!(message.request_id(), None);
    assert_eq!(message.body, "{\"context\":{}}");
    let turn_end = "X-RequestId:d77862d01797496483a37dd8de98e1db\r\nContent-Type:application/json; charset=utf-8\r\nX-Timestamp:2026-11-23T00:23:25.566Z\r\nPath:turn.end\r\n\r\n{}";
    let message = parse_text(turn_end).unwrap();
    assert_eq!((message.path, message.body), ("turn.end", "{}"));
}

#[test]
fn adversarial_text() {
    let cases: &[(&str, FrameError)] = &[
        ("Path:turn.end\r\n{}", FrameError::MissingSeparator),
        ("\u{FEFF}Path:x\r\n\r\n", FrameError::NonAscii { offset: 0 }),
        ("Path:x\r\nX\u{0}:1\r\n\r\n", FrameError::BadHeaderLine { line: 2 }),
        (
            "Path:x\r\nX-RequestId:a\r\nx-requestid:b\r\n\r\n",
            FrameError::DuplicateHeader { line: 3 },
        ),
        ("Path :x\r\n :y\r\n\r\n", FrameError::BadHeaderLine { line: 2 }),
        ("Pa\rth:x\r\n\r\n", FrameError::BadHeaderLine { line: 1 }),
    ];
    for (text, expected) in cases {
        assert_eq!(parse_text(text), Err(*expected), "{text:?}");
    }
}

#[test]
fn encoders_refuse_header_injection() {
    for value in ["a\r\nPath:evil", "a\rb", "a\nb", "a\u{0}b", "é", " padded", "padded\t"] {
        let headers = Headers::new().with("Path", "audio").with("X-RequestId", value);
        assert_eq!(
            encode_text(&headers, "").unwrap_err(),
            FrameError::InvalidHeaderValue,
            "{value:?}"
        );
        assert_eq!(
            encode_binary_header(&headers).unwrap_err(),
            FrameError::InvalidHeaderValue
        );
    }
    for name in ["", "X Y", "X:Y", "X\r\nY", "é"] {
        let headers = Headers::new().with("Path", "audio").with(name, "v");
        assert_eq!(
            encode_text(&headers, "").unwrap_err(),
            FrameError::InvalidHeaderName,
            "{name:?}"
        );
    }
    assert_eq!(encode_text(&Headers::new(), "{}").unwrap_err(), FrameError::MissingPath);
}

#[test]
fn errors_display_what_went_wrong() {
    let message = FrameError::TruncatedHeader {
        declared: 136,
        available: 4,
    }
    .to_string();
    assert!(message.contains("136") && message.contains('4'), "{message}");
    assert!(FrameError::MissingSeparator.to_string().contains("CRLF"));
}

/// A small deterministic generator (xorshift64*), so the loop needs no extra crate.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn check_binary(frame: &[u8]) {
    if let Ok(message) = parse_binary(frame) {
        assert!(message.payload_range.end <= frame.len());
        assert_eq!(&frame[message.payload_range.clone()], message.payload);
        // Whatever parses re-encodes to the same header block.
        let header = encode_binary_header(&message.headers).expect("parsed headers encode");
        let rebuilt = [header.as_slice(), message.payload].concat();
        let again = parse_binary(&rebuilt).expect("re-encoded parses");
        assert_eq!(again.headers, message.headers);
        assert_eq!(again.payload, message.payload);
    }
}

fn check_text(text: &str) {
    if let Ok(message) = parse_text(text) {
        let encoded = encode_text(&message.headers, message.body).expect("parsed headers encode");
        let again = parse_text(&encoded).expect("re-encoded parses");
        assert_eq!(again, message);
    }
}

#[test]
fn fuzz_binary_frames_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let seed = python_first_audio_frame();
    // Every truncation of a valid frame.
    for len in 0..=seed.len() {
        check_binary(&seed[..len]);
    }
    for _ in 0..20_000 {
        let mut frame = seed.clone();
        for _ in 0..=rng.below(4) {
            match rng.below(4) {
                0 => {
                    let at = rng.below(frame.len());
                    frame[at] = rng.next() as u8;
                }
                1 => frame.truncate(rng.below(frame.len() + 1)),
                2 => {
                    let at = rng.below(frame.len() + 1);
                    let byte = *b"\r\n: \0\xff0".get(rng.below(7)).unwrap_or(&b'x');
                    frame.insert(at, byte);
                }
                _ => {
                    if frame.len() >= 2 {
                        let len = rng.below(200) as u16;
                        frame[..2].copy_from_slice(&len.to_be_bytes());
                    }
                }
            }
            if frame.is_empty() {
                break;
            }
        }
        check_binary(&frame);
    }
    for _ in 0..5_000 {
        let len = rng.below(64);
        let frame: Vec<u8> = (0..len).map(|_| rng.next() as u8).collect();
        check_binary(&frame);
    }
}

#[test]
fn fuzz_text_frames_never_panic() {
    let mut rng = Rng(0xD1B5_4A32_D192_ED03);
    let pieces = [
        "Path",
        ":",
        ": ",
        "\r\n",
        "\r",
        "\n",
        "\r\n\r\n",
        "audio",
        "X-RequestId",
        "é",
        "\0",
        " ",
        "\t",
        "{}",
        "path",
        "😀",
    ];
    for _ in 0..20_000 {
        let count = rng.below(16);
        let text: String = (0..count).map(|_| pieces[rng.below(pieces.len())]).collect();
        check_text(&text);
    }
    let seed = "X-RequestId:d77862d01797496483a37dd8de98e1db\r\nPath:turn.start\r\n\r\n{}";
    for end in 0..=seed.len() {
        check_text(&seed[..end]);
    }
}
