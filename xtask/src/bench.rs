//! `cargo xtask bench`: one entry point for every benchmark suite in the workspace.
//!
//! Each suite is a variant of [`BenchTarget`], so adding the `server` and `web` suites later is
//! one variant plus one match arm.

use clap::{Args, ValueEnum};

use crate::{exec, toolchain};

/// Seconds the wasm-bindgen runner waits for the browser benchmarks (they take about a minute).
const BROWSER_BENCH_TIMEOUT_SECONDS: &str = "600";

/// The benchmark suites the workspace has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchTarget {
    /// `siyu-core`'s criterion suite (`core/benches/core.rs`), native.
    Core,
    /// The same workloads compiled to wasm32 and run in headless Chromium
    /// (`core/benches/wasm.rs`), for the wasm/native ratio.
    CoreWasm,
    /// The server under load (SQLite) against pgbench on PostgreSQL (`bench_server.rs`).
    Server,
    /// The widgets: bytes a landing page downloads, time to the first quiz question, vs SurveyJS.
    Web,
}

impl BenchTarget {
    /// The `cargo bench` arguments that select this suite.
    fn cargo_args(self) -> &'static [&'static str] {
        match self {
            BenchTarget::Core => &["-p", "siyu-core", "--bench", "core"],
            BenchTarget::Server | BenchTarget::Web => &[],
            BenchTarget::CoreWasm => &[
                "-p",
                "siyu-core",
                "--bench",
                "wasm",
                "--target",
                toolchain::WASM_TARGET,
            ],
        }
    }
}

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// Which suite to run.
    #[arg(value_enum, default_value = "core")]
    target: BenchTarget,
    /// Passed to the bench binary, e.g. `-- --save-baseline main`.
    #[arg(last = true)]
    extra: Vec<String>,
}

pub fn run(args: &BenchArgs) -> anyhow::Result<()> {
    if args.target == BenchTarget::Server {
        return crate::bench_server::run();
    }
    if args.target == BenchTarget::Web {
        return crate::web::bench();
    }
    let mut cmd = exec::cargo();
    cmd.arg("bench").args(args.target.cargo_args());
    if args.target == BenchTarget::CoreWasm {
        toolchain::ensure_all()?;
        cmd.env("CHROMEDRIVER", toolchain::CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_TIMEOUT", BROWSER_BENCH_TIMEOUT_SECONDS);
    }
    if !args.extra.is_empty() {
        cmd.arg("--").args(&args.extra);
    }
    exec::run(&mut cmd)
}
