//! What the readers of the internally tagged enums share ([`crate::op`]'s operations,
//! [`crate::ledger`]'s movements and reasons): each reads its object as one flat set of fields
//! (the tag and every field any variant has), then builds the variant the tag names.
//!
//! Why not serde's `#[serde(tag = "…")]` for reading too: serde decodes an internally tagged
//! enum by first buffering the whole object into its generic `Content` tree, then decoding the
//! variant from that buffer, so every type inside the variant is instantiated a second time for
//! it. In the widgets' wasm that doubled code was 15 KB for operations and 20 KB for the
//! ledger. Writing keeps the derived tagged form, so the JSON is the same both ways; each
//! reader's tests check that every variant reads back as written.

use serde::de;

/// Keeps a field's value, refusing a second one for the same name.
pub(crate) fn keep<T, E: de::Error>(
    slot: &mut Option<T>,
    name: &'static str,
    value: T,
) -> Result<(), E> {
    match slot.replace(value) {
        Some(_) => Err(E::duplicate_field(name)),
        None => Ok(()),
    }
}
