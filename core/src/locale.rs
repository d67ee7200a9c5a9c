//! Languages and customer-facing text. Every string a customer reads is given in each of the
//! campaign's locales; validation reports a missing translation with its path.

use serde::{Deserialize, Serialize};

/// The locales Siyu ships.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Locale {
    /// Simplified Chinese.
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Locale {
    /// Every locale Siyu ships, in the order texts are written.
    pub const ALL: [Locale; 2] = [Locale::ZhCn, Locale::En];

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
///
/// One field per locale Siyu ships rather than a map: a `BTreeMap<Locale, String>` here cost the
/// widgets' wasm its own map code for every text in a campaign, for at most two entries.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Text {
    zh_cn: Option<String>,
    en: Option<String>,
}

impl Text {
    /// The text in `locale`, when it has one.
    fn slot(&self, locale: Locale) -> Option<&String> {
        match locale {
            Locale::ZhCn => self.zh_cn.as_ref(),
            Locale::En => self.en.as_ref(),
        }
    }

    fn slot_mut(&mut self, locale: Locale) -> &mut Option<String> {
        match locale {
            Locale::ZhCn => &mut self.zh_cn,
            Locale::En => &mut self.en,
        }
    }

    /// The texts it has, with their locales, in locale order.
    fn present(&self) -> impl Iterator<Item = (Locale, &String)> {
        Locale::ALL
            .into_iter()
            .filter_map(|locale| self.slot(locale).map(|text| (locale, text)))
    }

    /// The text in `locale`, falling back to any locale present (validation makes that rare).
    pub fn get(&self, locale: Locale) -> &str {
        self.slot(locale)
            .or_else(|| self.present().next().map(|(_, text)| text))
            .map(String::as_str)
            .unwrap_or("")
    }

    /// The locales among `required` that are missing or blank.
    pub fn missing<'a>(&'a self, required: &'a [Locale]) -> impl Iterator<Item = Locale> + 'a {
        required
            .iter()
            .copied()
            .filter(|locale| self.slot(*locale).is_none_or(|text| text.trim().is_empty()))
    }

    /// Whether some translation is longer than [`TEXT_CHARS_MAX`].
    pub fn too_long(&self) -> bool {
        self.present()
            .any(|(_, text)| text.chars().count() > TEXT_CHARS_MAX)
    }

    /// A text with one entry per `(locale, string)` pair (for tests and demos).
    pub fn of(pairs: &[(Locale, &str)]) -> Self {
        let mut text = Self::default();
        for (locale, string) in pairs {
            *text.slot_mut(*locale) = Some((*string).to_owned());
        }
        text
    }
}

/// The JSON keys of a text, in the order it is written.
const TEXT_KEYS: &[&str] = &[Locale::ALL[0].tag(), Locale::ALL[1].tag()];

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let mut map = serializer.serialize_map(Some(self.present().count()))?;
        for (locale, text) in self.present() {
            map.serialize_entry(locale.tag(), text)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        crate::flat::deserialize(deserializer)
    }
}

impl crate::flat::Fields for Text {
    const EXPECTING: &'static str = "an object of texts by locale";

    fn read<'de, A: serde::de::MapAccess<'de>>(
        &mut self,
        name: &str,
        map: &mut A,
    ) -> Result<(), A::Error> {
        match Locale::ALL.into_iter().find(|locale| locale.tag() == name) {
            Some(locale) => crate::flat::keep(self.slot_mut(locale), locale.tag(), map),
            // Worded as before, when the keys were read as `Locale`s.
            None => Err(serde::de::Error::unknown_variant(name, TEXT_KEYS)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_is_written_in_locale_order_and_reads_back() {
        let text = Text::of(&[(Locale::En, "Redness"), (Locale::ZhCn, "容易泛红")]);
        let written = serde_json::to_string(&text).unwrap();
        assert_eq!(written, r#"{"zh-CN":"容易泛红","en":"Redness"}"#);
        assert_eq!(serde_json::from_str::<Text>(&written).unwrap(), text);
        let english = Text::of(&[(Locale::En, "Redness")]);
        assert_eq!(
            serde_json::to_string(&english).unwrap(),
            r#"{"en":"Redness"}"#
        );
        assert_eq!(
            english.get(Locale::ZhCn),
            "Redness",
            "falls back to what it has"
        );
        assert_eq!(
            english
                .missing(&[Locale::ZhCn, Locale::En])
                .collect::<Vec<_>>(),
            [Locale::ZhCn]
        );
    }

    #[test]
    fn a_text_refuses_other_locales_repeats_and_other_shapes() {
        let refused = |json: &str| serde_json::from_str::<Text>(json).unwrap_err().to_string();
        assert!(refused(r#"{"fr":"rougeur"}"#)
            .contains("unknown variant `fr`, expected `zh-CN` or `en`"));
        assert!(refused(r#"{"en":"a","en":"b"}"#).contains("duplicate field `en`"));
        assert!(refused(r#"{"en":3}"#).contains("invalid type: integer `3`"));
        assert!(refused(r#"["a","b"]"#).contains("invalid type: sequence"));
        assert_eq!(serde_json::from_str::<Text>("{}").unwrap(), Text::default());
    }
}
