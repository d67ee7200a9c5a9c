//! Identifiers. Each is a newtype checked once at the edge (`parse`), so nothing deeper
//! re-validates: 1–64 characters of `A–Z a–z 0–9 _ - . :`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The longest identifier accepted, in bytes.
pub const ID_BYTES_MAX: usize = 64;

/// Why a string is not an identifier.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IdError {
    /// The empty string.
    #[error("an id must not be empty")]
    Empty,
    /// Longer than [`ID_BYTES_MAX`].
    #[error("an id must be at most {ID_BYTES_MAX} characters, this one has {0}")]
    TooLong(usize),
    /// A character outside the allowed set.
    // The character and its code point rather than `{0:?}`: char's Debug escaping brings
    // std's tables of printable characters into the widgets' wasm (3 KB raw).
    #[error(
        "an id may only contain letters, digits, '_', '-', '.', ':' (found '{0}', U+{code:04X})",
        code = u32::from(*.0)
    )]
    BadCharacter(char),
}

fn check_id(text: &str) -> Result<(), IdError> {
    if text.is_empty() {
        return Err(IdError::Empty);
    }
    if text.len() > ID_BYTES_MAX {
        return Err(IdError::TooLong(text.len()));
    }
    match text
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':')))
    {
        Some(bad) => Err(IdError::BadCharacter(bad)),
        None => Ok(()),
    }
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Checks and wraps an identifier.
            pub fn parse(text: &str) -> Result<Self, IdError> {
                check_id(text).map(|()| Self(text.to_owned()))
            }

            /// The identifier's text.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = String::deserialize(deserializer)?;
                Self::parse(&text).map_err(serde::de::Error::custom)
            }
        }

        impl std::str::FromStr for $name {
            type Err = IdError;
            fn from_str(text: &str) -> Result<Self, IdError> {
                Self::parse(text)
            }
        }
    };
}

id_type!(
    /// A campaign, unique across tenants (e.g. `glow-skin-2026`).
    CampaignId
);
id_type!(
    /// A brand (tenant) running campaigns.
    TenantId
);
id_type!(
    /// A member (customer) of a brand, as the brand's back end names it, or an anonymous device.
    MemberId
);
id_type!(
    /// The id a client gives an operation; applying the same id twice changes nothing.
    OpId
);
id_type!(
    /// A quiz question.
    QuestionId
);
id_type!(
    /// An option of a quiz question.
    OptionId
);
id_type!(
    /// A quiz outcome (e.g. `oily`).
    OutcomeId
);
id_type!(
    /// A scoring dimension of a quiz (e.g. `dry`, `nordic`).
    DimensionId
);
id_type!(
    /// A reward of the catalogue.
    RewardId
);
id_type!(
    /// A member tier (e.g. `gold`).
    TierId
);
id_type!(
    /// A badge.
    BadgeId
);
id_type!(
    /// A tag pushed to the brand's CRM, `namespace:value` (e.g. `skin:oily`).
    Tag
);
id_type!(
    /// The brand's own reference of a purchase (order number); crediting it twice is refused.
    PurchaseReference
);
