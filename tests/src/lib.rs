//! Siyu's cross-crate tests: end-to-end checks over real parts (they arrive with the server and
//! the widgets) and repository hygiene checks, below.

pub mod pg_cluster;

#[cfg(test)]
mod hygiene;
