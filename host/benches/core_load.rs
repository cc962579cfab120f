//! What loading and calling the core costs: compile vs cached load, instantiation, calls.
//!
//! Run: `cargo bench -p azspeech-host --bench core_load`. Prints the minimum and median of
//! several batches per measurement; record the figures in BENCHMARKS.md with that command.

use std::hint::black_box;
use std::time::{Duration, Instant};

use azspeech_host::artifact_cache::ArtifactCache;
use azspeech_host::core_runtime::{
    AudioFormat, CoreRuntime, KeySlot, OutputFormat, Pace, RecognitionMode, RecognitionOptions, SessionPolicy, Setting,
    SettingSource, SettingValue, Transmit, WsMessage,
};

fn measure(name: &str, batches: usize, per_batch: usize, mut f: impl FnMut()) {
    let mut times: Vec<Duration> = (0..batches)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            start.elapsed() / per_batch as u32
        })
        .collect();
    times.sort();
    println!(
        "{name:<48} min {:>12?}   median {:>12?}",
        times[0],
        times[times.len() / 2]
    );
}

fn main() {
    println!(
        "core component: {} bytes; wasmtime {}",
        azspeech_host::CORE_COMPONENT.len(),
        azspeech_host::WASMTIME_VERSION
    );
    measure("load, compiling (no cache)", 7, 1, || {
        black_box(CoreRuntime::load(&ArtifactCache::disabled()).expect("load"));
    });
    let dir = std::env::temp_dir().join(format!("azspeech-bench-{}", std::process::id()));
    let cache = ArtifactCache::in_dir(&dir);
    CoreRuntime::load(&cache).expect("warm the cache");
    measure("load from the on-disk artifact cache", 9, 20, || {
        black_box(CoreRuntime::load(&cache).expect("load"));
    });
    let runtime = CoreRuntime::load(&cache).expect("load");
    measure("instantiate (Store::new + InstancePre)", 9, 1000, || {
        black_box(runtime.instantiate().expect("instantiate"));
    });
    let mut core = runtime.instantiate().expect("instantiate");
    measure("call config.secret-names", 9, 10_000, || {
        black_box(core.secret_names().expect("call"));
    });
    let settings = vec![
        Setting {
            name: "SPEECH_KEY".into(),
            value: SettingValue::Secret(true),
            source: SettingSource::Environment,
        },
        Setting {
            name: "SPEECH_REGION".into(),
            value: SettingValue::Text("westeurope".into()),
            source: SettingSource::Environment,
        },
    ];
    measure("call config.resolve (key + region)", 9, 10_000, || {
        let _ = black_box(core.resolve(&settings).expect("call"));
    });
    recognizer_per_chunk(&runtime);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The core's cost per 100-ms audio chunk through wasmtime, as the Rust pump pays it:
/// `push-audio`, `poll-transmit` (the audio frame's header; the PCM stays in the host),
/// `poll-event`, `acknowledged-bytes` and `poll-timeout`, plus one `speech.phrase` every 30
/// chunks (a 3-s utterance) so the unacknowledged window keeps moving.
fn recognizer_per_chunk(runtime: &CoreRuntime) {
    let mut core = runtime.instantiate().expect("instantiate");
    let vars = vec![
        Setting {
            name: "SPEECH_KEY".into(),
            value: SettingValue::Secret(true),
            source: SettingSource::Environment,
        },
        Setting {
            name: "SPEECH_ENDPOINT".into(),
            value: SettingValue::Text("http://127.0.0.1:5000".into()),
            source: SettingSource::Environment,
        },
    ];
    let settings = core.resolve(&vars).expect("call").expect("resolves");
    let options = RecognitionOptions {
        mode: RecognitionMode::Conversation,
        language: String::new(),
        format: OutputFormat::Simple,
        profanity: None,
        word_timestamps: false,
        phrase_list: vec![],
        audio: AudioFormat {
            sample_rate: 16_000,
            bits_per_sample: 16,
            channels: 1,
        },
        max_unacknowledged_ms: None,
        language_id: None,
    };
    let policy = SessionPolicy {
        seed: 1,
        max_attempts: None,
        backoff_initial_ms: None,
        backoff_max_ms: None,
        max_connection_ms: Some(u64::MAX / 4),
        idle_ms: None,
        response_timeout_ms: None,
        pace: Pace::Max,
        key_slot: KeySlot::Primary,
    };
    let recognizer = core.recognizer(&settings, &options, &policy).expect("constructor");
    recognizer.poll_connect(&mut core, 0).expect("call").expect("connect");
    recognizer.handle_connected(&mut core, 0).expect("call");
    let mut request_id = String::new();
    while let Some(transmit) = recognizer.poll_transmit(&mut core, 0).expect("call") {
        if let Transmit::Message(WsMessage::Text(text)) = transmit
            && let Some(id) = text.lines().find_map(|l| l.strip_prefix("X-RequestId:"))
        {
            request_id = id.trim().to_owned();
        }
    }
    let mut chunk: u64 = 0;
    measure("recognizer: one 100-ms chunk (push, poll x4)", 9, 3000, || {
        chunk += 1;
        let now = chunk * 100;
        recognizer
            .push_audio(&mut core, now, 3200)
            .expect("call")
            .expect("accepted");
        black_box(recognizer.poll_transmit(&mut core, now).expect("call"));
        if chunk.is_multiple_of(30) {
            let phrase = WsMessage::Text(format!(
                "X-RequestId:{request_id}\r\nPath:speech.phrase\r\n\r\n{{\"RecognitionStatus\":\"Success\",\"DisplayText\":\"Hi.\",\"Offset\":{},\"Duration\":10000000}}",
                (chunk - 30) * 1_000_000
            ));
            recognizer.handle_message(&mut core, now, &phrase).expect("call");
        }
        while black_box(recognizer.poll_event(&mut core).expect("call")).is_some() {}
        black_box(recognizer.acknowledged_bytes(&mut core).expect("call"));
        black_box(recognizer.poll_timeout(&mut core).expect("call"));
    });
}
