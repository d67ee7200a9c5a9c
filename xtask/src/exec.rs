//! Running child processes: announced steps with timing, plain runs, and tee-style runs whose
//! output is both shown live and kept for parsing.

use std::io::{self, BufRead, BufReader, IsTerminal, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::thread;
use std::time::Instant;

use anyhow::{bail, Context};

/// The workspace root; every command runs there, whatever directory `cargo xtask` was run from.
pub fn repo_root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask lives one folder below the workspace root")
}

/// A `cargo` command at the workspace root.
///
/// Uses the `cargo` that launched us (`$CARGO`) so that every step uses the same toolchain.
/// Tee'd output goes through a pipe, where cargo would drop its colours; when we are on a
/// terminal we ask for them back.
pub fn cargo() -> Command {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let mut cmd = command(cargo);
    if io::stdout().is_terminal() && std::env::var_os("CARGO_TERM_COLOR").is_none() {
        cmd.env("CARGO_TERM_COLOR", "always");
    }
    cmd
}

/// Any program, at the workspace root.
pub fn command(program: impl AsRef<std::ffi::OsStr>) -> Command {
    let mut cmd = Command::new(program);
    cmd.current_dir(repo_root());
    cmd
}

/// `program arg arg…`, for messages.
pub fn display(cmd: &Command) -> String {
    let mut shown = cmd.get_program().to_string_lossy().into_owned();
    // `$CARGO` is a long toolchain path; the reader only needs to know it is cargo.
    if Path::new(&shown)
        .file_stem()
        .is_some_and(|stem| stem == "cargo")
    {
        shown = "cargo".to_owned();
    }
    for arg in cmd.get_args() {
        shown.push(' ');
        shown.push_str(&arg.to_string_lossy());
    }
    shown
}

/// Runs a named step between a `==> name` line and a line with its outcome and duration.
pub fn step<T>(name: &str, body: impl FnOnce() -> anyhow::Result<T>) -> anyhow::Result<T> {
    println!("==> {name}");
    let started = Instant::now();
    let result = body();
    let seconds = started.elapsed().as_secs_f64();
    match &result {
        Ok(_) => println!("==> {name}: ok ({seconds:.1}s)"),
        Err(_) => println!("==> {name}: FAILED ({seconds:.1}s)"),
    }
    result.with_context(|| format!("step `{name}` failed"))
}

/// Runs `cmd` with inherited stdio; a non-zero exit is an error.
pub fn run(cmd: &mut Command) -> anyhow::Result<()> {
    let shown = display(cmd);
    println!("$ {shown}");
    let status = cmd
        .status()
        .with_context(|| format!("could not start `{shown}`"))?;
    check(status, &shown)
}

/// Runs `cmd`, streaming its stdout and stderr to ours as they arrive and keeping every line.
///
/// Returns the lines even when the command fails, so that a failing test run still counts.
pub fn run_tee(cmd: &mut Command) -> anyhow::Result<(ExitStatus, Vec<String>)> {
    let shown = display(cmd);
    println!("$ {shown}");
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start `{shown}`"))?;
    let stdout = child.stdout.take().expect("stdout is piped");
    let stderr = child.stderr.take().expect("stderr is piped");
    // One thread per stream: reading them in turn could deadlock once the other pipe fills.
    let err_lines = thread::spawn(move || tee_lines(stderr, io::stderr()));
    let mut lines = tee_lines(stdout, io::stdout());
    lines.extend(err_lines.join().expect("stderr reader does not panic"));
    let status = child
        .wait()
        .with_context(|| format!("could not wait for `{shown}`"))?;
    Ok((status, lines))
}

/// Copies `from` to `to` line by line, byte for byte (colours included), and returns the lines.
fn tee_lines(from: impl Read, mut to: impl Write) -> Vec<String> {
    let mut reader = BufReader::new(from);
    let mut lines = Vec::new();
    let mut line = Vec::new();
    loop {
        line.clear();
        match reader.read_until(b'\n', &mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {
                // Our own stdout closing (e.g. `| head`) must not stop the child's run.
                let _ = to.write_all(&line).and_then(|()| to.flush());
                lines.push(String::from_utf8_lossy(&line).trim_end().to_owned());
            }
        }
    }
    lines
}

/// Turns a non-zero exit into an error that names the command.
pub fn check(status: ExitStatus, shown: &str) -> anyhow::Result<()> {
    if !status.success() {
        bail!("`{shown}` failed ({status})");
    }
    Ok(())
}

/// The trimmed stdout of `program args…`, or `None` when the program is not installed.
pub fn stdout_of(program: impl AsRef<std::ffi::OsStr>, args: &[&str]) -> Option<String> {
    let output = command(program)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Cargo's `bin` folder, where `cargo install` puts tools.
pub fn cargo_bin_dir() -> anyhow::Result<PathBuf> {
    if let Some(home) = std::env::var_os("CARGO_HOME") {
        return Ok(PathBuf::from(home).join("bin"));
    }
    let home = std::env::var_os("HOME").context("neither CARGO_HOME nor HOME is set")?;
    Ok(PathBuf::from(home).join(".cargo").join("bin"))
}
