//! Siyu's browser widgets: a thin yew adapter over `siyu-core`.
//!
//! Empty on purpose: the widgets come with a later issue. The crate exists now so that the
//! workspace layout (one folder per job) is in place from the start.
