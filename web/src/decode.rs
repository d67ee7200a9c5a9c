//! Reads what the browser's `JSON.parse` built into the core's types: a serde `Deserializer`
//! over a parsed `JsValue`, made for that input and for a small wasm.
//!
//! Why not serde-wasm-bindgen, which this replaces: its deserializer is made for any value
//! JavaScript can hold (`Map`, iterables, `BigInt`, typed arrays), and every branch for those
//! is compiled into each of the core's types it reads. Its error type also writes serde's full
//! messages ("invalid type: floating point `1.5`, expected struct Entry"), which keeps serde's
//! float formatting and every derived visitor's `expecting` text in the wasm. Measured with
//! `wasm-opt -Oz`: those messages alone were 47 KB raw, 17.5 KB of gzip.
//!
//! `JSON.parse` makes only null, booleans, numbers, strings, arrays and plain objects, so
//! this reads exactly those, and its errors say what went wrong and which field or variant,
//! without the expectations: "missing field `starts_on`", "invalid type: found a string",
//! "unknown variant `teleport`". Messages of the core's own checks (`custom`) are kept whole.
//!
//! The rules, the same as serde-wasm-bindgen's for this input (browser tests compare what it
//! reads of the demo campaign and of a busy member's sync answer with serde_json's reading):
//! - integers only from numbers that are safe integers (below 2^53): larger ones were
//!   already rounded by `JSON.parse`, so they are refused, never rounded;
//! - a struct reads its own fields and passes over others (a newer server may add some; the
//!   server is where unknown fields are refused);
//! - an enum is `"variant"` or `{"variant": payload}`, as serde_json writes it.

use std::borrow::Cow;
use std::fmt;

use js_sys::{Array, Number, Object};
use serde::de::{self, DeserializeOwned, IntoDeserializer, Unexpected};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};

/// Reads `value` (the result of `JSON.parse`) as a `T`.
pub fn from_value<T: DeserializeOwned>(value: JsValue) -> Result<T, DecodeError> {
    T::deserialize(Value(value))
}

/// Why a parsed value is not a `T`.
///
/// One pointer wide: a `Result` carrying it is passed along at every field of every value
/// read, and a three-word error made the wasm 27 KB larger.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecodeError(Box<Cow<'static, str>>);

impl DecodeError {
    fn new(message: impl Into<Cow<'static, str>>) -> Self {
        DecodeError(Box::new(message.into()))
    }

    /// `what` followed by a field or variant name in backquotes, written without `format!`
    /// (see the module's documentation for why formatting is avoided here).
    fn naming(what: &str, name: &str) -> Self {
        DecodeError::new([what, " `", name, "`"].concat())
    }

    fn found(what: &'static str, unexpected: &Unexpected<'_>) -> Self {
        let kind = match unexpected {
            Unexpected::Bool(_) => "a boolean",
            Unexpected::Unsigned(_) | Unexpected::Signed(_) | Unexpected::Float(_) => "a number",
            Unexpected::Char(_) | Unexpected::Str(_) => "a string",
            Unexpected::Unit | Unexpected::Option => "null",
            Unexpected::Seq => "an array",
            Unexpected::Map => "an object",
            _ => "another kind of value",
        };
        DecodeError::new([what, ": found ", kind].concat())
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for DecodeError {}

/// Every constructor serde's derived code calls is overridden: their default bodies format
/// the unexpected value and the visitor's expectation, which is what this module avoids.
impl de::Error for DecodeError {
    fn custom<T: fmt::Display>(message: T) -> Self {
        DecodeError::new(message.to_string())
    }

    fn invalid_type(unexpected: Unexpected<'_>, _: &dyn de::Expected) -> Self {
        DecodeError::found("invalid type", &unexpected)
    }

    fn invalid_value(unexpected: Unexpected<'_>, _: &dyn de::Expected) -> Self {
        DecodeError::found("invalid value", &unexpected)
    }

    /// Serde's sequence reader of a struct says a field is missing this way ([`Fields`]).
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        match ABSENT_FIELD.with(std::cell::Cell::take) {
            Some(field) => DecodeError::naming("missing field", field),
            None => DecodeError::new("invalid length"),
        }
    }

    fn unknown_variant(variant: &str, _: &'static [&'static str]) -> Self {
        DecodeError::naming("unknown variant", variant)
    }

    fn unknown_field(field: &str, _: &'static [&'static str]) -> Self {
        DecodeError::naming("unknown field", field)
    }

    fn missing_field(field: &'static str) -> Self {
        DecodeError::naming("missing field", field)
    }

    fn duplicate_field(field: &'static str) -> Self {
        DecodeError::naming("duplicate field", field)
    }
}

#[wasm_bindgen]
extern "C" {
    /// A plain object read by key without `Reflect.get`'s error path: `JSON.parse`'s objects
    /// have no getters that could throw.
    type PlainObject;

    #[wasm_bindgen(method, indexing_getter)]
    fn get(this: &PlainObject, key: &str) -> JsValue;
}

/// `Deserializer` methods that read their value the way `target` does.
macro_rules! forward_to {
    ($target:ident: $($method:ident)*) => {$(
        fn $method<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
            self.$target(visitor)
        }
    )*};
}

/// One parsed value, as a serde `Deserializer`.
struct Value(JsValue);

impl Value {
    /// The kind of value this is, for an error (`JSON.parse` makes no other kinds).
    #[cold]
    fn unexpected(&self) -> Unexpected<'static> {
        if self.is_null() {
            Unexpected::Unit
        } else if let Some(b) = self.0.as_bool() {
            Unexpected::Bool(b)
        } else if self.0.as_f64().is_some() {
            Unexpected::Float(0.0)
        } else if self.0.is_string() {
            Unexpected::Str("")
        } else if Array::is_array(&self.0) {
            Unexpected::Seq
        } else {
            Unexpected::Map
        }
    }

    #[cold]
    fn invalid_type(&self) -> DecodeError {
        DecodeError::found("invalid type", &self.unexpected())
    }

    fn is_null(&self) -> bool {
        self.0.is_null() || self.0.is_undefined()
    }

    /// A unit (`null`, or a unit variant's absent payload).
    fn unit(&self) -> Result<(), DecodeError> {
        if self.is_null() {
            Ok(())
        } else {
            Err(self.invalid_type())
        }
    }

    /// The number as an integer, if it is one that `JSON.parse` held exactly.
    fn safe_integer(&self) -> Result<i64, DecodeError> {
        if Number::is_safe_integer(&self.0) {
            Ok(self.0.as_f64().unwrap_or_default() as i64)
        } else {
            Err(self.invalid_type())
        }
    }

    fn string(self) -> Result<String, DecodeError> {
        self.0.as_string().ok_or_else(|| self.invalid_type())
    }

    fn object(&self) -> Result<&Object, DecodeError> {
        if self.0.is_object() && !Array::is_array(&self.0) {
            Ok(self.0.unchecked_ref())
        } else {
            Err(self.invalid_type())
        }
    }

    fn array(&self) -> Result<&Array, DecodeError> {
        self.0.dyn_ref::<Array>().ok_or_else(|| self.invalid_type())
    }

    // The readers' set-up below does not depend on the type being read; out of line, it is
    // one copy instead of one in every derived reader (serde's code is generic per type).

    /// A struct's fields, read by name.
    #[inline(never)]
    fn fields(self, fields: &'static [&'static str]) -> Result<Fields, DecodeError> {
        self.object()?;
        Ok(Fields {
            object: self.0.unchecked_into(),
            fields: fields.iter(),
            absent: None,
        })
    }

    /// A map's entries, in the object's order.
    #[inline(never)]
    fn entries(self) -> Result<Entries, DecodeError> {
        let entries = Object::entries(self.object()?);
        Ok(Entries {
            len: entries.length(),
            entries,
            next: 0,
            value: None,
        })
    }

    /// An array's elements.
    #[inline(never)]
    fn items(self) -> Result<Items, DecodeError> {
        let array: Array = self.array()?.clone();
        Ok(Items {
            len: array.length(),
            array,
            next: 0,
        })
    }

    /// An enum's variant name and payload: `"variant"` or `{"variant": payload}`.
    #[inline(never)]
    fn variant(self) -> Result<Variant, DecodeError> {
        if self.0.is_string() {
            return Ok(Variant {
                tag: self,
                payload: Value(JsValue::UNDEFINED),
            });
        }
        let entries = Object::entries(self.object()?);
        if entries.length() != 1 {
            return Err(DecodeError::new(
                "an enum's object must have exactly one key, its variant",
            ));
        }
        let (tag, payload) = entry(&entries, 0);
        Ok(Variant { tag, payload })
    }
}

/// An array's elements, in order.
struct Items {
    array: Array,
    next: u32,
    len: u32,
}

impl Items {
    #[inline(never)]
    fn next_item(&mut self) -> Option<Value> {
        if self.next == self.len {
            // A short array is reported by its length, not by a struct's field read earlier.
            ABSENT_FIELD.with(std::cell::Cell::take);
        }
        (self.next < self.len).then(|| {
            self.next += 1;
            Value(self.array.get(self.next - 1))
        })
    }

    /// Checks that the reader took every element.
    fn end(&self) -> Result<(), DecodeError> {
        if self.next == self.len {
            Ok(())
        } else {
            Err(DecodeError::new("invalid length"))
        }
    }
}

impl<'de> de::SeqAccess<'de> for Items {
    type Error = DecodeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        self.next_item()
            .map(|item| seed.deserialize(item))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some((self.len - self.next) as usize)
    }
}

impl<'de> de::Deserializer<'de> for Value {
    type Error = DecodeError;

    /// For values serde reads without naming a type (a derived internally tagged enum or
    /// flattened field; the core reads its own tagged enums field by name, `core::flat`).
    fn deserialize_any<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        if self.is_null() {
            visitor.visit_unit()
        } else if let Some(b) = self.0.as_bool() {
            visitor.visit_bool(b)
        } else if let Some(n) = self.0.as_f64() {
            if Number::is_safe_integer(&self.0) {
                visitor.visit_i64(n as i64)
            } else {
                visitor.visit_f64(n)
            }
        } else if let Some(s) = self.0.as_string() {
            visitor.visit_string(s)
        } else if Array::is_array(&self.0) {
            self.deserialize_seq(visitor)
        } else {
            self.deserialize_map(visitor)
        }
    }

    fn deserialize_bool<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_bool(self.0.as_bool().ok_or_else(|| self.invalid_type())?)
    }

    fn deserialize_i64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_i64(self.safe_integer()?)
    }

    fn deserialize_u64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        match self.safe_integer()? {
            n @ 0.. => visitor.visit_u64(n as u64),
            _ => Err(self.invalid_type()),
        }
    }

    // Serde converts between integer widths with range checks; one path each for signed and
    // unsigned keeps a single copy per visitor.
    forward_to!(deserialize_i64: deserialize_i8 deserialize_i16 deserialize_i32);
    forward_to!(deserialize_u64: deserialize_u8 deserialize_u16 deserialize_u32);
    forward_to!(deserialize_f64: deserialize_f32);
    forward_to!(deserialize_string: deserialize_char deserialize_str deserialize_identifier);
    forward_to!(deserialize_bytes: deserialize_byte_buf);

    fn deserialize_f64<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_f64(self.0.as_f64().ok_or_else(|| self.invalid_type())?)
    }

    fn deserialize_string<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_string(self.string()?)
    }

    /// JSON has no bytes; the core has no byte fields.
    fn deserialize_bytes<V: de::Visitor<'de>>(self, _: V) -> Result<V::Value, DecodeError> {
        Err(self.invalid_type())
    }

    fn deserialize_option<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        if self.is_null() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        self.unit()?;
        visitor.visit_unit()
    }

    fn deserialize_unit_struct<V: de::Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_unit(visitor)
    }

    fn deserialize_newtype_struct<V: de::Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_seq<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        let mut items = self.items()?;
        let value = visitor.visit_seq(&mut items)?;
        items.end()?;
        Ok(value)
    }

    fn deserialize_tuple<V: de::Visitor<'de>>(
        self,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    fn deserialize_tuple_struct<V: de::Visitor<'de>>(
        self,
        _: &'static str,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        self.deserialize_seq(visitor)
    }

    /// A map (or an object the core reads field by field): every entry, in the object's order.
    fn deserialize_map<V: de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, DecodeError> {
        visitor.visit_map(self.entries()?)
    }

    /// A struct reads its own fields by name, so that fields it does not know cost nothing and
    /// are passed over; they go to serde's sequence reader ([`Fields`] says why).
    fn deserialize_struct<V: de::Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_seq(self.fields(fields)?)
    }

    fn deserialize_enum<V: de::Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_enum(self.variant()?)
    }

    /// Passes over a value without looking at it.
    fn deserialize_ignored_any<V: de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! { i128 u128 }
}

impl<'de> IntoDeserializer<'de, DecodeError> for Value {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

/// The key and the value of `Object.entries`'s entry at `index`.
fn entry(entries: &Array, index: u32) -> (Value, Value) {
    let pair: Array = entries.get(index).unchecked_into();
    (Value(pair.get(0)), Value(pair.get(1)))
}

/// A map's entries, from `Object.entries`.
struct Entries {
    entries: Array,
    next: u32,
    len: u32,
    value: Option<Value>,
}

impl Entries {
    /// The next entry's key, its value kept for `next_value_seed` (out of line: see
    /// [`Value::fields`]).
    #[inline(never)]
    fn next_key(&mut self) -> Option<Value> {
        if self.next == self.len {
            return None;
        }
        let (key, value) = entry(&self.entries, self.next);
        self.next += 1;
        self.value = Some(value);
        Some(key)
    }
}

impl<'de> de::MapAccess<'de> for Entries {
    type Error = DecodeError;

    fn next_key_seed<K: de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, DecodeError> {
        self.next_key().map(|key| seed.deserialize(key)).transpose()
    }

    fn next_value_seed<V: de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, DecodeError> {
        read_pending(&mut self.value, seed)
    }
}

/// Reads the value whose key or field name was just read (serde asks for them in turn).
fn read_pending<'de, V: de::DeserializeSeed<'de>>(
    pending: &mut Option<Value>,
    seed: V,
) -> Result<V::Value, DecodeError> {
    seed.deserialize(take_pending(pending)?)
}

fn take_pending(pending: &mut Option<Value>) -> Result<Value, DecodeError> {
    pending
        .take()
        .ok_or_else(|| DecodeError::new("a value was read before its key"))
}

/// A struct's own fields, looked up by name and handed to serde's derived reader in the
/// order the struct declares them.
///
/// Why a sequence and not a map: serde derives two readers for every struct, one for maps
/// (it matches each key against the field names, checks for duplicates and for missing
/// fields) and one for sequences (each field in turn). Only the one this deserializer calls
/// is compiled; the sequence reader is the smaller by far, and the names are already known
/// here, so the struct's field-name matching and its duplicate checks never reach the wasm.
///
/// An absent field (`undefined`) is offered to its type as an absent value: an `Option`
/// reads it as `None`; any other type refuses it, and then the field is reported missing to
/// serde, which takes the field's `#[serde(default)]` or says which field is missing.
struct Fields {
    object: PlainObject,
    fields: std::slice::Iter<'static, &'static str>,
    /// The field just read, when the object lacks it.
    absent: Option<&'static str>,
}

impl Fields {
    /// The next field's value (`undefined` when the object lacks it), and whether the object
    /// lacks it. Not generic, and kept out of line: inlined, the lookups into JavaScript were
    /// copied into every struct's derived reader.
    #[inline(never)]
    fn next_field(&mut self) -> Option<Value> {
        let field = self.fields.next()?;
        let value = self.object.get(field);
        // `JSON.parse` never makes `undefined`: it means the key is absent.
        self.absent = value.is_undefined().then_some(field);
        Some(Value(value))
    }

    /// What the field's type said of its value: when the field is absent and its type does
    /// not take an absent value (only `Option` does), the field is missing (`Ok`), for serde
    /// to take its default or to say it is missing; otherwise the error stands. Out of line for
    /// the same reason as [`Fields::next_field`].
    #[inline(never)]
    fn missing_or(&self, error: DecodeError) -> Result<(), DecodeError> {
        match self.absent {
            Some(field) => {
                ABSENT_FIELD.with(|absent| absent.set(Some(field)));
                Ok(())
            }
            None => Err(error),
        }
    }
}

thread_local! {
    /// The last field found missing, for the "missing field" message: serde's sequence
    /// reader reports a missing field by its position only (`invalid_length`).
    static ABSENT_FIELD: std::cell::Cell<Option<&'static str>> = const { std::cell::Cell::new(None) };
}

impl<'de> de::SeqAccess<'de> for Fields {
    type Error = DecodeError;

    fn next_element_seed<T: de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, DecodeError> {
        let Some(value) = self.next_field() else {
            return Ok(None);
        };
        match seed.deserialize(value) {
            Ok(read) => Ok(Some(read)),
            Err(error) => self.missing_or(error).map(|()| None),
        }
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len())
    }
}

/// An enum's variant name and its payload (`undefined` for a unit variant).
struct Variant {
    tag: Value,
    payload: Value,
}

impl<'de> de::EnumAccess<'de> for Variant {
    type Error = DecodeError;
    type Variant = Value;

    fn variant_seed<V: de::DeserializeSeed<'de>>(
        self,
        seed: V,
    ) -> Result<(V::Value, Value), DecodeError> {
        Ok((seed.deserialize(self.tag)?, self.payload))
    }
}

impl<'de> de::VariantAccess<'de> for Value {
    type Error = DecodeError;

    fn unit_variant(self) -> Result<(), DecodeError> {
        self.unit()
    }

    fn newtype_variant_seed<T: de::DeserializeSeed<'de>>(
        self,
        seed: T,
    ) -> Result<T::Value, DecodeError> {
        seed.deserialize(self)
    }

    fn tuple_variant<V: de::Visitor<'de>>(
        self,
        _: usize,
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        de::Deserializer::deserialize_seq(self, visitor)
    }

    fn struct_variant<V: de::Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, DecodeError> {
        de::Deserializer::deserialize_struct(self, "", fields, visitor)
    }
}
