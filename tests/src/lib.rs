//! Siyu's cross-crate tests: end-to-end checks over real parts (they arrive with the server and
//! the widgets) and repository hygiene checks, below.

#[cfg(test)]
mod hygiene;
