//! Siyu's cross-crate tests: end-to-end checks over real parts and repository hygiene.
//!
//! Empty on purpose: the tests arrive with the crates they exercise.
