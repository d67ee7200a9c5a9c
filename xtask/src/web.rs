//! The web side of the workflows: the toolchain that builds the widgets' site (Trunk,
//! wasm-opt from npm's binaryen, the npm packages of `e2e/`), the site build itself (Trunk,
//! then esbuild minifies the JS glue and the loader), and the `widgets` step of
//! `cargo xtask test` (wasm-bindgen-test units in headless Chromium, then the Playwright
//! end-to-end suite against the real server).
//!
//! The recipe and its pitfalls are recorded in `/work/shared/TOOLCHAIN.md`.

use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{bail, ensure, Context};

use crate::exec::{self, cargo};
use crate::summary::Counts;
use crate::toolchain;

/// The Trunk release known to build here (0.22 needs a newer rustc).
pub const TRUNK_VERSION: &str = "0.21.14";
/// What `wasm-opt --version` of npm's binaryen 132 prints; `Trunk.toml` names the same.
pub const WASM_OPT_VERSION: &str = "version_132";
/// The Node folder: end-to-end tests, the web benchmark, and binaryen's wasm-opt.
pub const NODE_DIR: &str = "e2e";
/// Where the site is built.
pub const DIST: &str = "www/dist";
/// Seconds `wasm-bindgen-test-runner` waits for the widget tests.
const BROWSER_TEST_TIMEOUT_SECONDS: &str = "120";

/// Everything the web build needs: the wasm target, wasm-bindgen-cli matching Cargo.lock,
/// Trunk, Node packages (with wasm-opt). Prints what was installed and what was there.
pub fn ensure_build_tools() -> anyhow::Result<()> {
    let wasm_target = toolchain::ensure_wasm_target()?;
    let rust_src = toolchain::ensure_rust_src()?;
    let bindgen = toolchain::ensure_wasm_bindgen_cli()?;
    println!("    {wasm_target}");
    println!("    {rust_src}");
    println!("    {bindgen}");
    ensure_trunk()?;
    ensure_node_packages()?;
    Ok(())
}

/// Installs Trunk at [`TRUNK_VERSION`] unless `trunk --version` already says so.
pub fn ensure_trunk() -> anyhow::Result<()> {
    let wanted = format!("trunk {TRUNK_VERSION}");
    let found = exec::stdout_of("trunk", &["--version"]);
    if found.as_deref() == Some(wanted.as_str()) {
        println!("    {wanted}: already present");
        return Ok(());
    }
    println!(
        "    trunk is {}; installing {wanted} (about 7 minutes, once)",
        found.as_deref().unwrap_or("missing")
    );
    exec::run(cargo().args(["install", "trunk", "--version", TRUNK_VERSION, "--locked"]))?;
    let found = exec::stdout_of("trunk", &["--version"]);
    ensure!(
        found.as_deref() == Some(wanted.as_str()),
        "installed {wanted}, but `trunk --version` says {found:?}: is ~/.cargo/bin first on PATH?"
    );
    println!("    {wanted}: installed now");
    Ok(())
}

/// `npm ci` in `e2e/` unless its `node_modules` matches the lock file already.
pub fn ensure_node_packages() -> anyhow::Result<()> {
    let dir = exec::repo_root().join(NODE_DIR);
    ensure!(
        exec::stdout_of("node", &["--version"]).is_some()
            && exec::stdout_of("npm", &["--version"]).is_some(),
        "Node.js (20 or newer) and npm are needed for wasm-opt and the browser tests; install them \
         (e.g. Debian's `nodejs` and `npm`, or NodeSource's Node 20)"
    );
    let lock = dir.join("package-lock.json");
    let installed = dir.join("node_modules/.package-lock.json");
    let fresh = match (modified(&lock), modified(&installed)) {
        (Some(lock), Some(installed)) => installed >= lock,
        _ => false,
    };
    if fresh && wasm_opt_bin().exists() && node_bin().join("esbuild").exists() {
        println!("    {NODE_DIR}/node_modules: already present");
        return Ok(());
    }
    let mut npm = exec::command("npm");
    npm.current_dir(&dir)
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
    exec::run(&mut npm)?;
    println!("    {NODE_DIR}/node_modules: installed now");
    Ok(())
}

fn modified(path: &Path) -> Option<std::time::SystemTime> {
    path.metadata().and_then(|m| m.modified()).ok()
}

fn node_bin() -> PathBuf {
    exec::repo_root().join(NODE_DIR).join("node_modules/.bin")
}

fn wasm_opt_bin() -> PathBuf {
    node_bin().join("wasm-opt")
}

/// PATH with npm's binaries first, so Trunk finds binaryen's wasm-opt (Debian's is too old).
fn path_with_node_bin() -> OsString {
    let mut paths = vec![node_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        paths.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(paths).expect("PATH entries have no separators")
}

/// Builds the site (`www/` → `www/dist`) with Trunk in release, offline after `cargo fetch`.
pub fn build_site() -> anyhow::Result<()> {
    let version = Command::new(wasm_opt_bin())
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    ensure!(
        version.contains(WASM_OPT_VERSION),
        "{} is not binaryen {WASM_OPT_VERSION} (found {version:?}); run `npm ci` in {NODE_DIR}/",
        wasm_opt_bin().display()
    );
    exec::run(cargo().args(["fetch"]))?;
    let size_tuned = exec::run(with_size_tuned_std(cargo().args([
        "fetch",
        "--target",
        toolchain::WASM_TARGET,
    ])))
    .and_then(|()| exec::run(with_size_tuned_std(&mut trunk_release_build())));
    if let Err(e) = size_tuned {
        println!(
            "    warning: the build with a size-tuned standard library failed ({e:#}); building \
             with the standard library as shipped instead (the wasm comes out ~15 KB gzip larger)"
        );
        exec::run(&mut trunk_release_build())?;
    }
    for file in WIDGET_FILES.iter().chain(&["beauty.html"]) {
        let path = exec::repo_root().join(DIST).join(file);
        ensure!(
            path.exists(),
            "the site build did not produce {}",
            path.display()
        );
    }
    // wasm-bindgen's import names (`__wbg_<name>_<hash>`) cut to a letter or two in the wasm
    // and the glue alike (wasm_names.rs).
    crate::wasm_names::shorten(
        &wasm_opt_bin(),
        &exec::repo_root().join(DIST).join("siyu-web_bg.wasm"),
        &exec::repo_root().join(DIST).join("siyu-web.js"),
    )?;
    // Trunk minifies neither wasm-bindgen's glue nor the copied loader: every landing page
    // downloads both (glue 8.5 -> 6.2 KB gzip, loader 1.4 -> 0.7 KB).
    for file in ["siyu-web.js", "siyu.js"] {
        let path = exec::repo_root().join(DIST).join(file);
        exec::run(
            Command::new(node_bin().join("esbuild"))
                .arg(&path)
                .args([
                    "--minify",
                    "--format=esm",
                    "--allow-overwrite",
                    "--log-level=warning",
                ])
                .arg(format!("--outfile={}", path.display())),
        )?;
    }
    // Brotli and gzip variants at their highest levels beside each file, which the server
    // sends as they are: compressing on the fly runs at a fast level (the wasm went out as
    // 240 KB of brotli instead of 204 KB) and costs CPU on every page view.
    exec::run(
        exec::command("node")
            .arg(exec::repo_root().join(NODE_DIR).join("lib/precompress.mjs"))
            .arg(exec::repo_root().join(DIST)),
    )?;
    report_widget_bytes();
    Ok(())
}

/// What a landing page downloads for the three widgets: the loader, wasm-bindgen's glue and
/// the wasm (with its CSS).
const WIDGET_FILES: [&str; 3] = ["siyu.js", "siyu-web.js", "siyu-web_bg.wasm"];

/// The issue's Must: at most this many bytes of gzip for [`WIDGET_FILES`] as the server sends
/// them.
const WIDGET_GZIP_BUDGET: u64 = 150_000;

/// Prints what the three widgets' files weigh as sent, and warns when the gzip is over budget
/// (`cargo xtask bench web` measures the same bytes, fetched from the server).
fn report_widget_bytes() {
    let dir = exec::repo_root().join(DIST);
    let sent = |suffix: &str| -> u64 {
        WIDGET_FILES
            .iter()
            .map(|file| {
                // A file that compression would not shrink is sent as it is.
                std::fs::metadata(dir.join(format!("{file}{suffix}")))
                    .or_else(|_| std::fs::metadata(dir.join(file)))
                    .map_or(0, |m| m.len())
            })
            .sum()
    };
    let (gzip, brotli) = (sent(".gz"), sent(".br"));
    let kb = |bytes: u64| bytes as f64 / 1000.0;
    println!(
        "    the three widgets as sent: {:.1} KB gzip, {:.1} KB brotli (budget {:.0} KB gzip)",
        kb(gzip),
        kb(brotli),
        kb(WIDGET_GZIP_BUDGET)
    );
    if gzip > WIDGET_GZIP_BUDGET {
        println!(
            "    warning: the widgets are {:.1} KB of gzip over budget",
            kb(gzip - WIDGET_GZIP_BUDGET)
        );
    }
}

fn trunk_release_build() -> Command {
    let mut trunk = exec::command("trunk");
    trunk
        .args(["build", "--release", "--offline"])
        .env("PATH", path_with_node_bin());
    trunk
}

/// Has cargo compile the standard library with the widgets (Trunk passes the wasm target, and
/// RUSTFLAGS for that target do not reach build scripts), so that whole-program LTO and
/// `opt-level = "z"` reach std too, and with panics that stop at once: no panic machinery,
/// messages or source locations are shipped (a panic traps as before, when its message went to
/// a stderr the browser does not have). The wasm: -15 KB gzip as sent. These are unstable cargo and
/// rustc options, switched on for this one build with `RUSTC_BOOTSTRAP`, as the Linux kernel
/// and Firefox build Rust; `build_site` falls back to the shipped std if this rustc refuses.
fn with_size_tuned_std(cmd: &mut Command) -> &mut Command {
    cmd.env("RUSTC_BOOTSTRAP", "1")
        .env("CARGO_UNSTABLE_BUILD_STD", "std,panic_abort")
        .env("CARGO_UNSTABLE_BUILD_STD_FEATURES", "optimize_for_size")
        .env(
            "CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS",
            "-Zunstable-options -Cpanic=immediate-abort",
        )
}

/// Builds the server binary the demo and the end-to-end tests run (debug: it shares the
/// artifacts of the native tests, and the demo's load is a handful of people).
pub fn build_server() -> anyhow::Result<PathBuf> {
    build_debug(&["--bin", "siyu-server"], "target/debug/siyu-server")
}

/// Builds the same server with a clock the end-to-end tests move (`server/examples/e2e_server.rs`).
fn build_clock_server() -> anyhow::Result<PathBuf> {
    build_debug(
        &["--example", "e2e_server"],
        "target/debug/examples/e2e_server",
    )
}

/// Builds one of `siyu-server`'s targets in debug and checks that `binary` came out.
fn build_debug(target: &[&str], binary: &str) -> anyhow::Result<PathBuf> {
    exec::run(cargo().args(["build", "-p", "siyu-server"]).args(target))?;
    let binary = exec::repo_root().join(binary);
    ensure!(binary.exists(), "{} was not built", binary.display());
    Ok(binary)
}

/// Installs Debian's CJK fonts unless present: the Chinese screenshots need glyphs.
fn ensure_cjk_fonts() -> anyhow::Result<()> {
    let has_fonts = exec::stdout_of("fc-list", &[":lang=zh-cn", "family"])
        .is_some_and(|list| !list.trim().is_empty());
    if has_fonts {
        println!("    CJK fonts: already present");
        return Ok(());
    }
    println!("    CJK fonts are missing; installing fonts-noto-cjk with apt-get");
    let is_root = exec::stdout_of("id", &["-u"]).is_some_and(|uid| uid == "0");
    let mut apt = if is_root {
        exec::command("apt-get")
    } else {
        let mut sudo = exec::command("sudo");
        sudo.arg("apt-get");
        sudo
    };
    apt.args(["install", "-y", "fonts-noto-cjk"])
        .env("DEBIAN_FRONTEND", "noninteractive");
    if exec::run(&mut apt).is_err() {
        // Screenshots in Chinese then show boxes; nothing else depends on the fonts.
        println!("    could not install fonts-noto-cjk; Chinese screenshots will lack glyphs");
    }
    Ok(())
}

/// The `widgets` step of `cargo xtask test`: widget units in headless Chromium, the site
/// build, and the end-to-end suite against the real server. Adds every count to `counts`.
pub fn test(skip_browser: bool, no_install: bool, counts: &mut Counts) -> anyhow::Result<()> {
    if skip_browser {
        println!("    skipped (--skip-browser)");
        return Ok(());
    }
    if !no_install {
        ensure_build_tools()?;
        ensure_cjk_fonts()?;
    }
    run_counted(
        cargo()
            .args(["test", "-p", "siyu-web", "--target", toolchain::WASM_TARGET])
            .env("CHROMEDRIVER", toolchain::CHROMEDRIVER)
            .env("WASM_BINDGEN_TEST_TIMEOUT", BROWSER_TEST_TIMEOUT_SECONDS),
        counts,
    )?;
    build_site()?;
    let server = build_server()?;
    let clock_server = build_clock_server()?;
    let mut node = exec::command("node");
    node.current_dir(exec::repo_root().join(NODE_DIR))
        .args(["--test", "--test-concurrency=1", "--test-reporter=spec"])
        .arg("tests/")
        .env("SIYU_SERVER", &server)
        .env("SIYU_CLOCK_SERVER", &clock_server)
        .env("SIYU_WWW", exec::repo_root().join(DIST))
        .env(
            "SIYU_ARTIFACTS",
            exec::repo_root().join("target/artifacts/screenshots"),
        );
    run_counted(&mut node, counts)
}

/// Runs a test command and adds its totals (libtest's or `node --test`'s) to `counts`.
fn run_counted(cmd: &mut Command, counts: &mut Counts) -> anyhow::Result<()> {
    let shown = exec::display(cmd);
    let (status, lines) = exec::run_tee(cmd)?;
    let mut these = Counts::default();
    these.add_lines(lines.iter().map(String::as_str));
    let (passed, failed) = node_totals(lines.iter().map(String::as_str));
    these.passed += passed;
    these.failed += failed;
    println!("    {} passed, {} failed", these.passed, these.failed);
    counts.passed += these.passed;
    counts.failed += these.failed;
    exec::check(status, &shown)
}

/// The totals `node --test` prints at the end: `ℹ pass 12` / `ℹ fail 0` (spec reporter) or
/// `# pass 12` / `# fail 0` (TAP).
pub fn node_totals<'a>(lines: impl IntoIterator<Item = &'a str>) -> (u64, u64) {
    let (mut passed, mut failed) = (0, 0);
    for line in lines {
        let line = line.trim();
        let Some(rest) = line.strip_prefix("ℹ ").or_else(|| line.strip_prefix("# ")) else {
            continue;
        };
        let mut words = rest.split_whitespace();
        match (
            words.next(),
            words.next().and_then(|n| n.parse::<u64>().ok()),
            words.next(),
        ) {
            (Some("pass"), Some(n), None) => passed += n,
            (Some("fail"), Some(n), None) => failed += n,
            _ => {}
        }
    }
    (passed, failed)
}

/// A free TCP port on 127.0.0.1: `preferred` when it is free, else one the OS picks.
pub fn free_port(preferred: u16) -> anyhow::Result<u16> {
    if std::net::TcpListener::bind(("127.0.0.1", preferred)).is_ok() {
        return Ok(preferred);
    }
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
        .context("cannot bind any port on 127.0.0.1")?;
    Ok(listener.local_addr()?.port())
}

/// `cargo xtask bench web`: bytes and time to the first quiz question, against SurveyJS.
pub fn bench() -> anyhow::Result<()> {
    toolchain::ensure_browser()?;
    ensure_build_tools()?;
    build_site()?;
    let server = build_server()?;
    let mut node = exec::command("node");
    node.current_dir(exec::repo_root().join(NODE_DIR))
        .arg("bench/web.mjs")
        .env("SIYU_SERVER", &server)
        .env("SIYU_WWW", exec::repo_root().join(DIST));
    let status = node.status().context("could not start node")?;
    if !status.success() {
        bail!("the web benchmark failed ({status})");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_test_totals_are_read_from_the_spec_and_tap_summaries() {
        let spec = [
            "ℹ tests 7",
            "ℹ suites 0",
            "ℹ pass 6",
            "ℹ fail 1",
            "ℹ cancelled 0",
        ];
        assert_eq!(node_totals(spec), (6, 1));
        let tap = ["# tests 3", "# pass 3", "# fail 0", "# todo 0"];
        assert_eq!(node_totals(tap), (3, 0));
    }

    #[test]
    fn lines_that_only_look_like_totals_are_ignored() {
        let noise = [
            "# pass the salt",
            "ℹ fail fast 3",
            "pass 4",
            "✔ pass 2 (3ms)",
        ];
        assert_eq!(node_totals(noise), (0, 0));
    }
}
