//! Log lines from the core to the host (`azspeech:core/diagnostics`).
//!
//! On wasm32 the lines go to the host's `log` import. Natively (unit tests, fuzzing) there is no
//! host, so they are dropped.

pub use crate::bindings::azspeech::core::diagnostics::LogLevel;

/// Send one line to the host's log. The core holds no secret, so no line can carry one.
pub fn log(level: LogLevel, message: &str) {
    #[cfg(target_arch = "wasm32")]
    crate::bindings::azspeech::core::diagnostics::log(level, message);
    #[cfg(not(target_arch = "wasm32"))]
    let _ = (level, message);
}

/// Route panic messages to the host log before the module traps, so a host sees why.
pub fn install_panic_hook() {
    #[cfg(target_arch = "wasm32")]
    {
        static ONCE: std::sync::Once = std::sync::Once::new();
        ONCE.call_once(|| {
            std::panic::set_hook(Box::new(|info| {
                log(LogLevel::Error, &format!("azspeech core panicked: {info}"));
            }));
        });
    }
}
