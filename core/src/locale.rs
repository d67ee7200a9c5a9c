//! Languages and customer-facing text. Every string a customer reads is given in each of the
//! campaign's locales; validation reports a missing translation with its path.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The locales Siyu ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Locale {
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Locale {
    /// The BCP 47 tag.
    pub const fn tag(self) -> &'static str {
        match self {
            Self::ZhCn => "zh-CN",
            Self::En => "en",
        }
    }

    /// The best supported locale for a browser language tag (`zh`, `zh-Hans-CN`, `en-GB` …).
    pub fn negotiate(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.to_ascii_lowercase();
        match primary.as_str() {
            "zh" => Some(Self::ZhCn),
            "en" => Some(Self::En),
            _ => None,
        }
    }
}

/// The longest customer-facing text accepted, in characters.
pub const TEXT_CHARS_MAX: usize = 2_000;

/// A customer-facing string in several locales: `{"zh-CN": "…", "en": "…"}`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Text(pub BTreeMap<Locale, String>);

impl Text {
    /// The text in `locale`, falling back to any locale present (validation makes that rare).
    pub fn get(&self, locale: Locale) -> &str {
        self.0
            .get(&locale)
            .or_else(|| self.0.values().next())
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The locales among `required` that are missing or blank.
    pub fn missing<'a>(&'a self, required: &'a [Locale]) -> impl Iterator<Item = Locale> + 'a {
        required
            .iter()
            .copied()
            .filter(|locale| self.0.get(locale).is_none_or(|text| text.trim().is_empty()))
    }

    /// Whether some translation is longer than [`TEXT_CHARS_MAX`].
    pub fn too_long(&self) -> bool {
        self.0
            .values()
            .any(|text| text.chars().count() > TEXT_CHARS_MAX)
    }

    /// A text with one entry per `(locale, string)` pair (for tests and demos).
    pub fn of(pairs: &[(Locale, &str)]) -> Self {
        Self(pairs.iter().map(|(l, s)| (*l, (*s).to_owned())).collect())
    }
}
