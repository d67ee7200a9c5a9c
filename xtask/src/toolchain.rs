//! Installing what the build and the tests need on a fresh machine, and nothing on a machine
//! that already has it (`~/.cargo/bin` survives between sessions, a fresh machine has nothing).
//!
//! The recipe and its pitfalls are recorded in `/work/shared/TOOLCHAIN.md`.

use std::fmt;
use std::path::Path;

use anyhow::{bail, ensure, Context};

use crate::exec;

/// The compilation target of the browser build.
pub const WASM_TARGET: &str = "wasm32-unknown-unknown";
/// Where Debian's `chromium` package puts the browser.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Where Debian's `chromium-driver` package puts the driver `wasm-bindgen-test-runner` uses.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// What one check found: the tool was there already, or we installed it.
#[derive(Debug)]
pub struct Provision {
    tool: String,
    installed: bool,
}

impl Provision {
    fn present(tool: impl Into<String>) -> Self {
        Provision {
            tool: tool.into(),
            installed: false,
        }
    }

    fn installed(tool: impl Into<String>) -> Self {
        Provision {
            tool: tool.into(),
            installed: true,
        }
    }
}

impl fmt::Display for Provision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let how = if self.installed {
            "installed now"
        } else {
            "already present"
        };
        write!(f, "{}: {how}", self.tool)
    }
}

/// Everything `cargo xtask test` needs: the wasm target, the test browser and the
/// wasm-bindgen CLI. Prints what was installed and what was already there.
pub fn ensure_all() -> anyhow::Result<()> {
    let provisions = [
        ensure_wasm_target()?,
        ensure_browser()?,
        ensure_wasm_bindgen_cli()?,
        ensure_postgres()?,
    ];
    for provision in &provisions {
        println!("    {provision}");
    }
    Ok(())
}

/// Adds the wasm32 target to the active toolchain unless it is installed.
pub fn ensure_wasm_target() -> anyhow::Result<Provision> {
    let installed = exec::stdout_of("rustup", &["target", "list", "--installed"])
        .context("`rustup target list --installed` failed; is rustup installed?")?;
    let tool = format!("{WASM_TARGET} target");
    if installed.lines().any(|line| line.trim() == WASM_TARGET) {
        return Ok(Provision::present(tool));
    }
    exec::run(exec::command("rustup").args(["target", "add", WASM_TARGET]))?;
    Ok(Provision::installed(tool))
}

/// Adds the standard library's source to the active toolchain unless it is there: the
/// widgets' release build compiles std itself, for size (`web::build_site`).
pub fn ensure_rust_src() -> anyhow::Result<Provision> {
    let tool = "rust-src component".to_string();
    // What cargo reads to build std; rustup's list of components has been seen to forget
    // the component while its files stay (and `component add` then refuses the conflict).
    let sysroot = exec::stdout_of("rustc", &["--print", "sysroot"])
        .context("`rustc --print sysroot` failed; is Rust installed?")?;
    let std_lock = Path::new(sysroot.trim()).join("lib/rustlib/src/rust/library/Cargo.lock");
    if std_lock.exists() {
        return Ok(Provision::present(tool));
    }
    exec::run(exec::command("rustup").args(["component", "add", "rust-src"]))?;
    Ok(Provision::installed(tool))
}

/// Installs Chromium and chromedriver from Debian's packages unless both are in `/usr/bin`.
///
/// The browser tests need both; Playwright cannot download browsers on this network, so the
/// distribution's packages are the source.
pub fn ensure_browser() -> anyhow::Result<Provision> {
    let tool = "chromium + chromedriver";
    if Path::new(CHROMIUM).exists() && Path::new(CHROMEDRIVER).exists() {
        return Ok(Provision::present(tool));
    }
    println!("    {CHROMIUM} or {CHROMEDRIVER} is missing; installing them with apt-get");
    ensure!(
        exec::stdout_of("apt-get", &["--version"]).is_some(),
        "{CHROMIUM} and {CHROMEDRIVER} are needed for the browser tests, and apt-get is not \
         available to install them: install Chromium and chromedriver by hand, or run with \
         --skip-browser"
    );
    exec::run(&mut as_root(&["apt-get", "update"])?)?;
    exec::run(&mut as_root(&[
        "apt-get",
        "install",
        "-y",
        "chromium",
        "chromium-driver",
    ])?)?;
    for path in [CHROMIUM, CHROMEDRIVER] {
        ensure!(
            Path::new(path).exists(),
            "apt-get finished but {path} is still missing"
        );
    }
    Ok(Provision::installed(tool))
}

/// Installs Debian's PostgreSQL server unless its binaries are there. The server tests start
/// their own cluster from them (on 127.0.0.1, under `target/`), so no system service is needed.
pub fn ensure_postgres() -> anyhow::Result<Provision> {
    let tool = "postgresql server";
    let installed = std::fs::read_dir("/usr/lib/postgresql")
        .map(|versions| {
            versions.filter_map(Result::ok).any(|v| {
                v.path().join("bin/postgres").exists() && v.path().join("bin/pgbench").exists()
            })
        })
        .unwrap_or(false);
    if installed {
        return Ok(Provision::present(tool));
    }
    println!("    PostgreSQL is missing; installing it with apt-get");
    ensure!(
        exec::stdout_of("apt-get", &["--version"]).is_some(),
        "the PostgreSQL tests need Debian's postgresql package, and apt-get is not available"
    );
    exec::run(&mut as_root(&["apt-get", "update"])?)?;
    exec::run(&mut as_root(&[
        "apt-get",
        "install",
        "-y",
        "postgresql",
        "postgresql-contrib",
    ])?)?;
    Ok(Provision::installed(tool))
}

/// A command that runs as root: directly when we are root (as in CI containers), through
/// `sudo` otherwise.
fn as_root(argv: &[&str]) -> anyhow::Result<std::process::Command> {
    let is_root = exec::stdout_of("id", &["-u"]).is_some_and(|uid| uid == "0");
    let mut cmd = if is_root {
        let mut cmd = exec::command(argv[0]);
        cmd.args(&argv[1..]);
        cmd
    } else if exec::stdout_of("sudo", &["--version"]).is_some() {
        let mut cmd = exec::command("sudo");
        cmd.args(argv);
        cmd
    } else {
        bail!(
            "`{}` needs root, and we are neither root nor have sudo: run it as root, then retry",
            argv.join(" ")
        );
    };
    // apt-get must never stop to ask a question in CI.
    cmd.env("DEBIAN_FRONTEND", "noninteractive");
    Ok(cmd)
}

/// Installs `wasm-bindgen` and `wasm-bindgen-test-runner` at exactly the version of the
/// `wasm-bindgen` crate in `Cargo.lock`, unless they are installed at that version.
///
/// The CLI refuses to process a wasm file built by a different `wasm-bindgen` version, so
/// "some version" is not enough.
pub fn ensure_wasm_bindgen_cli() -> anyhow::Result<Provision> {
    let wanted = locked_wasm_bindgen_version()?;
    let tool = format!("wasm-bindgen-cli {wanted}");
    let runner = exec::cargo_bin_dir()?.join("wasm-bindgen-test-runner");
    let problem = cli_problem(&wanted, &runner);
    let Some(problem) = problem else {
        return Ok(Provision::present(tool));
    };
    println!("    {problem}; installing wasm-bindgen-cli {wanted} (takes a few minutes)");
    // No `--locked`: the CLI's own lock pins a `webpki-roots` version the registry here lacks.
    exec::run(exec::cargo().args(["install", "wasm-bindgen-cli", "--version", &wanted]))?;
    if let Some(problem) = cli_problem(&wanted, &runner) {
        bail!(
            "installed wasm-bindgen-cli {wanted}, but {problem}: is {} first on PATH?",
            runner.parent().unwrap_or(&runner).display()
        );
    }
    Ok(Provision::installed(tool))
}

/// Why the installed wasm-bindgen CLI does not do, or `None` if it does.
fn cli_problem(wanted: &str, runner: &Path) -> Option<String> {
    let version_of = |program: &str| {
        exec::stdout_of(program, &["--version"])
            .and_then(|out| out.split_whitespace().last().map(str::to_owned))
    };
    if !runner.exists() {
        return Some(format!("{} is missing", runner.display()));
    }
    for program in ["wasm-bindgen", "wasm-bindgen-test-runner"] {
        match version_of(program) {
            None => return Some(format!("`{program}` is not on PATH")),
            Some(found) if found != wanted => {
                return Some(format!(
                    "`{program}` is version {found}, Cargo.lock has {wanted}"
                ))
            }
            Some(_) => {}
        }
    }
    None
}

/// The version of the `wasm-bindgen` crate in `Cargo.lock`, resolving the lock first if it is
/// missing or does not list the crate yet.
fn locked_wasm_bindgen_version() -> anyhow::Result<String> {
    let lock_path = exec::repo_root().join("Cargo.lock");
    let read_lock = || std::fs::read_to_string(&lock_path).unwrap_or_default();
    let mut versions = lock_versions(&read_lock(), "wasm-bindgen");
    if versions.is_empty() {
        println!("    Cargo.lock does not list wasm-bindgen yet; resolving the workspace");
        // `cargo metadata` writes the lock file without updating what is already locked.
        exec::run(
            exec::cargo()
                .args(["metadata", "--format-version", "1"])
                .stdout(std::process::Stdio::null()),
        )?;
        versions = lock_versions(&read_lock(), "wasm-bindgen");
    }
    match versions.as_slice() {
        [version] => Ok(version.clone()),
        [] => bail!(
            "{} does not list the wasm-bindgen crate, so there is no version for the CLI to match",
            lock_path.display()
        ),
        several => bail!(
            "{} lists several wasm-bindgen versions ({}); the CLI can match only one",
            lock_path.display(),
            several.join(", ")
        ),
    }
}

/// The versions of `package` in the text of a `Cargo.lock`.
///
/// A hand-written reader rather than a TOML dependency: the lock format is fixed (`name` then
/// `version` inside each `[[package]]` table), and xtask should build fast.
fn lock_versions(lock: &str, package: &str) -> Vec<String> {
    let mut versions = Vec::new();
    let mut in_package = false;
    for line in lock.lines().map(str::trim) {
        if line.starts_with('[') {
            // A table header: only a `[[package]]` table can name our crate.
            in_package = false;
        }
        if let Some(name) = quoted_value(line, "name") {
            in_package = name == package;
        } else if let Some(version) = quoted_value(line, "version") {
            if in_package {
                versions.push(version.to_owned());
                in_package = false;
            }
        }
    }
    versions
}

/// The value of a `key = "value"` line, if `line` is one for `key`.
fn quoted_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    let value = line.strip_prefix(key)?.trim_start().strip_prefix('=')?;
    value.trim().strip_prefix('"')?.strip_suffix('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
# This file is automatically @generated by Cargo.
# It is not intended for manual editing.
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "abc"
dependencies = [
 "cfg-if",
 "wasm-bindgen-macro",
]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"

[[package]]
name = "xtask"
version = "0.1.0"
"#;

    #[test]
    fn the_locked_wasm_bindgen_version_is_found() {
        assert_eq!(lock_versions(LOCK, "wasm-bindgen"), ["0.2.130"]);
    }

    #[test]
    fn crates_whose_name_only_starts_the_same_are_not_confused() {
        assert_eq!(lock_versions(LOCK, "wasm-bindgen-macro"), ["0.2.130"]);
        assert!(lock_versions(LOCK, "wasm").is_empty());
    }

    #[test]
    fn the_lock_format_version_is_not_a_package_version() {
        assert!(lock_versions(LOCK, "").is_empty());
        assert!(lock_versions("", "wasm-bindgen").is_empty());
    }

    #[test]
    fn every_locked_version_of_a_package_is_listed() {
        let lock = format!("{LOCK}\n[[package]]\nname = \"wasm-bindgen\"\nversion = \"0.2.100\"\n");
        assert_eq!(lock_versions(&lock, "wasm-bindgen"), ["0.2.130", "0.2.100"]);
    }
}
