//! `--languages` / `--lid-mode`: language identification among candidate languages. The core
//! checks the candidates against the service's limits; this only carries the flags over.

use clap::{Args, ValueEnum};

use azspeech_host::core_runtime::{LanguageId, LanguageIdMode};

/// When the language is identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum LidModeFlag {
    /// Once, from the start of the audio (up to 4 candidates).
    AtStart,
    /// For every phrase (up to 10 candidates; not with --once).
    Continuous,
}

/// Language identification flags.
#[derive(Debug, Clone, Default, Args)]
pub(crate) struct LanguageIdFlags {
    /// Identify the spoken language among these candidates (comma-separated locales, e.g.
    /// en-US,de-DE,fr-FR); each result is labelled with the language found.
    #[arg(long, value_name = "LOCALES", value_delimiter = ',')]
    pub languages: Vec<String>,
    /// When to identify the language: at-start (once, up to 4 candidates) or continuous
    /// (every phrase, up to 10).
    #[arg(long, value_enum, value_name = "MODE", requires = "languages")]
    pub lid_mode: Option<LidModeFlag>,
}

impl LanguageIdFlags {
    /// The recognition option these flags ask for; none without `--languages`.
    pub(crate) fn language_id(&self) -> Option<LanguageId> {
        if self.languages.is_empty() {
            return None;
        }
        Some(LanguageId {
            languages: self.languages.clone(),
            mode: match self.lid_mode.unwrap_or(LidModeFlag::AtStart) {
                LidModeFlag::AtStart => LanguageIdMode::AtStart,
                LidModeFlag::Continuous => LanguageIdMode::Continuous,
            },
        })
    }
}
