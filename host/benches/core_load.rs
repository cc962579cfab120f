//! What loading and calling the core costs: compile vs cached load, instantiation, calls.
//!
//! Run: `cargo bench -p azspeech-host --bench core_load`. Prints the minimum and median of
//! several batches per measurement; record the figures in BENCHMARKS.md with that command.

use std::hint::black_box;
use std::time::{Duration, Instant};

use azspeech_host::artifact_cache::ArtifactCache;
use azspeech_host::core_runtime::{CoreRuntime, Setting, SettingSource, SettingValue};

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
    let _ = std::fs::remove_dir_all(&dir);
}
