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

#[cfg(all(test, feature = "json-cache"))]
mod tests {
    use std::sync::Arc;

    use crate::checkin::CycleRecord;
    use crate::time::LocalDay;

    fn pinned_rules() -> Arc<crate::campaign::CheckinRules> {
        crate::demo::beauty()
            .checkin
            .expect("the demo has check-ins")
    }

    #[test]
    fn a_cycle_writes_the_same_json_before_and_after_its_rules_are_cached() {
        let rules = pinned_rules();
        let plain = serde_json::to_string(&*rules).expect("rules serialise");
        let cycle = CycleRecord::starting(LocalDay(20_000), 1, &rules);
        let first = serde_json::to_string(&cycle).expect("a cycle serialises");
        assert!(
            rules.rendered.json.get().is_some(),
            "the first write fills the cache"
        );
        let second = serde_json::to_string(&cycle).expect("a cycle serialises");
        assert_eq!(first, second);
        assert!(first.contains(&plain), "{first} carries {plain}");
        let read: CycleRecord = serde_json::from_str(&second).expect("reads back");
        assert_eq!(read, cycle);
        // Into a `Value` too (the admin export goes that way).
        let value = serde_json::to_value(&cycle).expect("a cycle becomes a value");
        assert_eq!(
            value["rules"],
            serde_json::to_value(&*rules).expect("rules")
        );
    }

    #[test]
    fn a_changed_clone_writes_its_own_rules() {
        let rules = pinned_rules();
        let _ = serde_json::to_string(&CycleRecord::starting(LocalDay(1), 1, &rules));
        let mut changed = (*rules).clone();
        changed.daily.base += 1;
        let changed = Arc::new(changed);
        let json = serde_json::to_string(&CycleRecord::starting(LocalDay(1), 2, &changed))
            .expect("a cycle serialises");
        let read: CycleRecord = serde_json::from_str(&json).expect("reads back");
        assert_eq!(read.rules.daily.base, rules.daily.base + 1);
    }
}
