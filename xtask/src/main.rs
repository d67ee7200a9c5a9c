//! `cargo xtask`: Siyu's developer workflows, written in Rust so that they run the same on
//! every machine and in CI (the pattern rust-analyzer and cargo-xtask describe).
//!
//! The alias in `.cargo/config.toml` turns `cargo xtask <command>` into
//! `cargo run --package xtask -- <command>`.

mod bench;
mod bench_server;
mod demo;
mod demo_walk;
mod exec;
mod js_pkg;
mod summary;
mod test_cmd;
mod toolchain;
mod wasm_names;
mod web;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Siyu's developer workflows.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", bin_name = "cargo xtask")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run every check CI runs: toolchain, fmt, clippy, native and browser tests.
    ///
    /// Installs what is missing first, stops at the first failing step, and always ends with
    /// one line `xtask: N passed, M failed`.
    Test(test_cmd::TestArgs),
    /// Build the site, start the server with the demo brands, print the pages' addresses.
    ///
    /// `--walk` prints the scripted 30-day walk through the rules engine instead.
    Demo(demo::DemoArgs),
    /// Run a benchmark suite (criterion); arguments after `--` go to the bench binary.
    Bench(bench::BenchArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        // `test` reports its own errors, because its summary line must be the last one printed.
        Command::Test(args) => test_cmd::run(&args),
        Command::Demo(args) => exit_code(demo::run(&args)),
        Command::Bench(args) => exit_code(bench::run(&args)),
    }
}

fn exit_code(result: anyhow::Result<()>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
