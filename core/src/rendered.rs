//! JSON rendered once, for a value that never changes after it is parsed.
//!
//! A campaign's check-in rules are pinned by every cycle a member starts, and the server
//! writes them out again and again: in the `cycle_started` event and the member's state of
//! each answer, and in the log row. With the feature `json-cache` (the server turns it on) the
//! rules are rendered once per campaign revision and then copied: callgrind counted the
//! rules' serialisation as 11.6% of the server's instructions per new member's check-in.
//!
//! Without the feature (the browser's build, which has no JSON parser and writes small
//! states) this is an empty type and the value is serialised as usual.
//!
//! With the feature, a cached value reaches the serializer as serde_json's raw JSON: only
//! serde_json's serializers (`to_vec`, `to_string`, `to_value`, …) understand it.

use std::fmt;

use serde::{Serialize, Serializer};

/// The cache. It is not part of the value: two values that differ only in it are equal, and a
/// clone starts empty (a clone may then be changed).
#[derive(Default)]
pub(crate) struct RenderedJson {
    #[cfg(feature = "json-cache")]
    json: std::sync::OnceLock<Box<serde_json::value::RawValue>>,
}

impl RenderedJson {
    /// Serialises `value`, the value this cache belongs to: from the cache once it is filled.
    pub(crate) fn serialize<T, S>(&self, value: &T, serializer: S) -> Result<S::Ok, S::Error>
    where
        T: Serialize + ?Sized,
        S: Serializer,
    {
        #[cfg(feature = "json-cache")]
        {
            use serde::ser::Error as _;
            let raw = match self.json.get() {
                Some(raw) => raw,
                None => {
                    let rendered =
                        serde_json::value::to_raw_value(value).map_err(S::Error::custom)?;
                    self.json.get_or_init(|| rendered)
                }
            };
            // Tests run debug builds: a value changed after it was rendered fails here.
            debug_assert_eq!(
                Some(raw.get()),
                serde_json::to_string(value).ok().as_deref(),
                "a value changed after its JSON was cached"
            );
            raw.serialize(serializer)
        }
        #[cfg(not(feature = "json-cache"))]
        value.serialize(serializer)
    }
}

impl Clone for RenderedJson {
    fn clone(&self) -> Self {
        Self::default()
    }
}

impl PartialEq for RenderedJson {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for RenderedJson {}

impl fmt::Debug for RenderedJson {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("RenderedJson")
    }
}
