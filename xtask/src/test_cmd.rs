//! `cargo xtask test`: the README's test command and exactly what CI runs (`.ci/run`).
//!
//! The steps run in order and stop at the first failure, cheapest first so that a formatting
//! slip is reported in seconds rather than after the browser tests. The last line printed is
//! always `xtask: N passed, M failed`, summed over the native and browser test runs, because
//! CI tooling reads it.

use std::process::{Command, ExitCode};

use clap::Args;

use crate::exec::{self, cargo};
use crate::summary::Counts;
use crate::toolchain;

#[derive(Debug, Args)]
pub struct TestArgs {
    /// Skip the browser tests (wasm-bindgen-test in headless Chromium), for quick local runs.
    #[arg(long)]
    skip_browser: bool,
    /// Do not check or install the toolchain (wasm target, Chromium, wasm-bindgen-cli).
    #[arg(long)]
    no_install: bool,
}

/// Seconds `wasm-bindgen-test-runner` waits for a browser test binary to finish; its default
/// (20) is too short for a cold Chromium start on a small CI machine.
const BROWSER_TEST_TIMEOUT_SECONDS: &str = "120";

pub fn run(args: &TestArgs) -> ExitCode {
    let mut counts = Counts::default();
    let result = run_steps(args, &mut counts);
    if let Err(error) = &result {
        eprintln!("xtask: error: {error:#}");
    }
    println!("{counts}");
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(_) => ExitCode::FAILURE,
    }
}

fn run_steps(args: &TestArgs, counts: &mut Counts) -> anyhow::Result<()> {
    if args.no_install {
        println!("==> toolchain: skipped (--no-install)");
    } else {
        exec::step("toolchain", toolchain::ensure_all)?;
    }
    exec::step("fmt", || {
        exec::run(cargo().args(["fmt", "--all", "--", "--check"]))
    })?;
    exec::step("clippy", || {
        exec::run(cargo().args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ]))
    })?;
    // Plain `cargo test`, not nextest: a fresh machine may not have cargo-nextest.
    exec::step("native tests", || {
        run_tests(cargo().args(["test", "--workspace"]), counts)
    })?;
    exec::step("wasm build", || {
        exec::run(cargo().args([
            "build",
            "-p",
            "siyu-core",
            "--target",
            toolchain::WASM_TARGET,
            "--release",
        ]))
    })?;
    if args.skip_browser {
        println!("==> browser tests: skipped (--skip-browser)");
    } else {
        // `.cargo/config.toml` makes `wasm-bindgen-test-runner` the runner for wasm32; it
        // drives headless Chromium through the chromedriver named here.
        exec::step("browser tests", || {
            run_tests(
                cargo()
                    .args([
                        "test",
                        "-p",
                        "siyu-core",
                        "--target",
                        toolchain::WASM_TARGET,
                    ])
                    .env("CHROMEDRIVER", toolchain::CHROMEDRIVER)
                    .env("WASM_BINDGEN_TEST_TIMEOUT", BROWSER_TEST_TIMEOUT_SECONDS),
                counts,
            )
        })?;
    }
    // The JavaScript package: build, size, declarations, and its Node tests (some against the
    // real server).
    exec::step("js package", || crate::js_pkg::test(counts))?;
    exec::step("widgets", || {
        crate::web::test(args.skip_browser, args.no_install, counts)
    })?;
    Ok(())
}

/// Runs a test command, showing its output live, and adds its summary lines to `counts`, also
/// when it fails, so that the final line reports the failures.
fn run_tests(cmd: &mut Command, counts: &mut Counts) -> anyhow::Result<()> {
    let shown = exec::display(cmd);
    let (status, lines) = exec::run_tee(cmd)?;
    let mut these = Counts::default();
    these.add_lines(lines.iter().map(String::as_str));
    println!("    {} passed, {} failed", these.passed, these.failed);
    counts.passed += these.passed;
    counts.failed += these.failed;
    exec::check(status, &shown)
}
