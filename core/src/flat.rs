//! Reading an object field by field into a struct of slots, the way the readers of the
//! internally tagged enums ([`crate::op`]'s operations, [`crate::ledger`]'s movements and
//! reasons, the campaign's kinds) and [`crate::locale::Text`] do: the object's fields go into
//! [`Fields`], and the reader then builds its value from them (for a tagged enum, the variant
//! its tag names).
//!
//! Why not serde's `#[serde(tag = "…")]` for reading too: serde decodes an internally tagged
//! enum by first buffering the whole object into its generic `Content` tree, then decoding the
//! variant from that buffer, so every type inside the variant is instantiated a second time for
//! it. In the widgets' wasm that doubled code was 15 KB for operations and 20 KB for the
//! ledger. Writing keeps the derived tagged form, so the JSON is the same both ways; each
//! reader's tests check that every variant reads back as written. And unlike a derived struct,
//! a [`Fields`] is read only from an object, never from an array of its values.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, Visitor};

/// The slots an object's fields are read into.
pub(crate) trait Fields: Default {
    /// What the object is, for the message when the value is not an object.
    const EXPECTING: &'static str;

    /// Reads the value of the field `name` from `map` into its slot. A name it does not know is
    /// refused ([`de::Error::unknown_field`]) or passed over ([`pass_over`]).
    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error>;
}

/// Reads `F` from an object.
pub(crate) fn deserialize<'de, D: Deserializer<'de>, F: Fields>(
    deserializer: D,
) -> Result<F, D::Error> {
    deserializer.deserialize_map(FieldsVisitor(PhantomData))
}

struct FieldsVisitor<F>(PhantomData<F>);

impl<'de, F: Fields> Visitor<'de> for FieldsVisitor<F> {
    type Value = F;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(F::EXPECTING)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<F, A::Error> {
        let mut fields = F::default();
        while let Some(name) = map.next_key::<String>()? {
            fields.read(&name, &mut map)?;
        }
        Ok(fields)
    }
}

/// Reads the field's value into `slot`, refusing a second value for the same name.
pub(crate) fn keep<'de, T: Deserialize<'de>, A: MapAccess<'de>>(
    slot: &mut Option<T>,
    name: &'static str,
    map: &mut A,
) -> Result<(), A::Error> {
    if slot.is_some() {
        return Err(de::Error::duplicate_field(name));
    }
    *slot = Some(map.next_value()?);
    Ok(())
}

/// Reads a field's value and drops it.
pub(crate) fn pass_over<'de, A: MapAccess<'de>>(map: &mut A) -> Result<(), A::Error> {
    map.next_value::<IgnoredAny>().map(drop)
}
