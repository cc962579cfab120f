//! The resource's two keys, which a test (or a configured trigger) can regenerate while the
//! emulator runs, as `az cognitiveservices account keys regenerate` does: from then on the old
//! value of that key is refused with 401 and a new random value takes its place.

use std::sync::RwLock;

use serde::Deserialize;

use crate::tokens::random_hex;

/// Which of the two resource keys.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeySlot {
    /// Key 1 (`SPEECH_KEY`).
    Primary,
    /// Key 2 (`SPEECH_KEY_SECONDARY`).
    Secondary,
}

/// The keys in force.
#[derive(Debug)]
pub(crate) struct Keys {
    keys: RwLock<[String; 2]>,
}

impl Keys {
    pub(crate) fn new(primary: String, secondary: String) -> Self {
        Keys {
            keys: RwLock::new([primary, secondary]),
        }
    }

    fn index(slot: KeySlot) -> usize {
        match slot {
            KeySlot::Primary => 0,
            KeySlot::Secondary => 1,
        }
    }

    /// The current value of `slot`.
    pub(crate) fn get(&self, slot: KeySlot) -> String {
        self.keys.read().unwrap_or_else(|e| e.into_inner())[Self::index(slot)].clone()
    }

    /// Replace `slot` by a new random value (32 hex digits, like the service's keys); returns it.
    pub(crate) fn regenerate(&self, slot: KeySlot) -> String {
        let mut keys = self.keys.write().unwrap_or_else(|e| e.into_inner());
        let old = &keys[Self::index(slot)];
        let mut new = random_hex(16);
        while &new == old {
            new = random_hex(16);
        }
        keys[Self::index(slot)] = new.clone();
        new
    }

    /// Whether `key` is one of the keys in force (compares every byte of both keys).
    pub(crate) fn accepts(&self, key: &str) -> bool {
        let eq = |a: &str, b: &str| {
            a.len() == b.len() && a.bytes().zip(b.bytes()).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
        };
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner());
        eq(key, &keys[0]) | eq(key, &keys[1])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regeneration_replaces_one_key() {
        let keys = Keys::new("a".repeat(32), "b".repeat(32));
        assert!(keys.accepts(&"a".repeat(32)));
        let new = keys.regenerate(KeySlot::Primary);
        assert_eq!(new.len(), 32);
        assert_eq!(keys.get(KeySlot::Primary), new);
        assert!(!keys.accepts(&"a".repeat(32)));
        assert!(keys.accepts(&new));
        assert!(keys.accepts(&"b".repeat(32)));
    }
}
