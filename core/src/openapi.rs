//! OpenAPI schemas (feature `openapi`) for the types whose serde is written by hand, so that
//! the server's document says what serde really writes. The other wire types derive
//! `utoipa::ToSchema` next to their serde derives.

use std::borrow::Cow;

use utoipa::openapi::schema::{
    ArrayBuilder, KnownFormat, ObjectBuilder, OneOfBuilder, Schema, SchemaFormat, Type,
};
use utoipa::openapi::RefOr;
use utoipa::{PartialSchema, ToSchema};

use crate::ledger::{Entry, Ledger};
use crate::locale::{Locale, Text};
use crate::quiz::Answer;
use crate::sorted_map::{SortedMap, SortedSet};
use crate::time::LocalDay;

type Schemas = Vec<(String, RefOr<Schema>)>;

/// A day of the campaign's calendar: `"YYYY-MM-DD"`.
impl PartialSchema for LocalDay {
    fn schema() -> RefOr<Schema> {
        ObjectBuilder::new()
            .schema_type(Type::String)
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .description(Some("a day of the campaign's calendar, YYYY-MM-DD"))
            .examples(["2026-11-20"])
            .into()
    }
}

impl ToSchema for LocalDay {}

/// A text per locale: `{"zh-CN": "…", "en": "…"}` (the locales present).
impl PartialSchema for Text {
    fn schema() -> RefOr<Schema> {
        let mut object = ObjectBuilder::new()
            .schema_type(Type::Object)
            .description(Some("a text per locale"))
            .additional_properties(Some(
                utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
            ));
        for locale in Locale::ALL {
            object = object.property(locale.tag(), ObjectBuilder::new().schema_type(Type::String));
        }
        object.into()
    }
}

impl ToSchema for Text {}

/// A map is written as a JSON object whose keys are the (string) keys. (`PartialSchema`
/// comes from `ComposeSchema`.)
impl<K: ToSchema, V: ToSchema> utoipa::__dev::ComposeSchema for SortedMap<K, V> {
    fn compose(generics: Vec<RefOr<Schema>>) -> RefOr<Schema> {
        let value = generics.get(1).cloned().unwrap_or_else(V::schema);
        ObjectBuilder::new()
            .schema_type(Type::Object)
            .property_names(Some(generics.first().cloned().unwrap_or_else(K::schema)))
            .additional_properties(Some(value))
            .into()
    }
}

impl<K: ToSchema, V: ToSchema> ToSchema for SortedMap<K, V> {
    /// utoipa appends the key and value types' names (`Map_BadgeId_LocalDay`). A field typed
    /// through an alias (`Answers`, `StockTaken`) shows no generics to it, so those fields are
    /// inlined (`schema(inline)`) rather than all referencing one `Map`.
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Map")
    }

    fn schemas(schemas: &mut Schemas) {
        K::schemas(schemas);
        V::schemas(schemas);
    }
}

/// A set is written as a JSON array in order.
impl<T: ToSchema> utoipa::__dev::ComposeSchema for SortedSet<T> {
    fn compose(generics: Vec<RefOr<Schema>>) -> RefOr<Schema> {
        let item = generics.first().cloned().unwrap_or_else(T::schema);
        ArrayBuilder::new().items(item).unique_items(true).into()
    }
}

impl<T: ToSchema> ToSchema for SortedSet<T> {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Set")
    }

    fn schemas(schemas: &mut Schemas) {
        T::schemas(schemas);
    }
}

/// An answer is an object with exactly one key: `{"choice": id}`, `{"choices": [id]}` or
/// `{"scale": n}`.
impl PartialSchema for Answer {
    fn schema() -> RefOr<Schema> {
        let one = |key: &str, value: RefOr<Schema>| {
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .property(key, value)
                .required(key)
                .additional_properties(Some(
                    utoipa::openapi::schema::AdditionalProperties::FreeForm(false),
                ))
        };
        let id = || RefOr::from(ObjectBuilder::new().schema_type(Type::String).build());
        OneOfBuilder::new()
            .description(Some(
                "an answer: {\"choice\": option} (single or image choice), {\"choices\": [option]} \
                 (multiple choice) or {\"scale\": n}",
            ))
            .item(one("choice", id()))
            .item(one("choices", ArrayBuilder::new().items(id()).into()))
            .item(one(
                "scale",
                ObjectBuilder::new().schema_type(Type::Integer).into(),
            ))
            .into()
    }
}

impl ToSchema for Answer {}

/// A ledger is written as its entries, oldest first.
impl PartialSchema for Ledger {
    fn schema() -> RefOr<Schema> {
        ArrayBuilder::new()
            .items(RefOr::Ref(utoipa::openapi::Ref::from_schema_name(
                Entry::name(),
            )))
            .description(Some("the ledger's entries, in booking order"))
            .into()
    }
}

impl ToSchema for Ledger {
    fn schemas(schemas: &mut Schemas) {
        schemas.push((Entry::name().into_owned(), Entry::schema()));
        Entry::schemas(schemas);
    }
}

/// The milestones a member reached: `[cycle start, check-ins]` pairs.
pub(crate) fn milestones_reached() -> ArrayBuilder {
    let pair = ArrayBuilder::new()
        .prefix_items([
            LocalDay::schema(),
            ObjectBuilder::new()
                .schema_type(Type::Integer)
                .minimum(Some(0))
                .into(),
        ])
        .items(utoipa::openapi::schema::ArrayItems::False)
        .min_items(Some(2))
        .max_items(Some(2));
    ArrayBuilder::new()
        .items(pair)
        .description(Some("milestones reached: [cycle start, check-ins] pairs"))
}
