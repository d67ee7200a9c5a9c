//! Siyu's storage and sync endpoint.
//!
//! Empty on purpose: the endpoint arrives with its issue. `main.rs` will stay a shim over this
//! library so that integration tests build the same app the binary serves.
