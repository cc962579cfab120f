//! Resource keys, read from the environment in the host and never passed to the core.

use super::{CredentialError, key_variable};
use crate::core_runtime::KeySlot;
use crate::secret::Secret;

/// The configured resource keys.
#[derive(Debug, Default, Clone)]
pub struct KeyRing {
    primary: Option<Secret>,
    secondary: Option<Secret>,
}

impl KeyRing {
    /// Keys from `SPEECH_KEY` and `SPEECH_KEY_SECONDARY` (blank values count as unset).
    pub fn from_environment() -> Self {
        let read = |name: &str| {
            std::env::var(name)
                .ok()
                .map(|value| value.trim().to_owned())
                .filter(|v| !v.is_empty())
                .map(Secret::new)
        };
        Self {
            primary: read("SPEECH_KEY"),
            secondary: read("SPEECH_KEY_SECONDARY"),
        }
    }

    /// Keys given directly.
    pub fn new(primary: Option<Secret>, secondary: Option<Secret>) -> Self {
        Self { primary, secondary }
    }

    /// These keys, with `primary` / `secondary` replacing the ones already there when given.
    pub fn with_overrides(self, primary: Option<Secret>, secondary: Option<Secret>) -> Self {
        Self {
            primary: primary.or(self.primary),
            secondary: secondary.or(self.secondary),
        }
    }

    /// The key in `slot`.
    pub fn get(&self, slot: KeySlot) -> Result<&Secret, CredentialError> {
        let key = match slot {
            KeySlot::Primary => self.primary.as_ref(),
            KeySlot::Secondary => self.secondary.as_ref(),
        };
        key.ok_or(CredentialError::MissingKey {
            variable: key_variable(slot),
        })
    }
}
