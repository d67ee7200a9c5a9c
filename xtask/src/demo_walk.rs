//! The scripted demo walk behind `cargo xtask demo`.
//!
//! Kept in its own file because its body is written alongside `siyu-core`.

/// Walks through the demo.
pub fn run() -> anyhow::Result<()> {
    println!("demo walk: coming");
    Ok(())
}
