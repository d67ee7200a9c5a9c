//! The JavaScript package (`js/`, crate `siyu-js`): builds it into `js/pkg`, reports its size,
//! type-checks its declarations and runs its Node tests (`js/tests/*.test.mjs`, among them the
//! ones against the real server). One step of `cargo xtask test`.
//!
//! The package is `wasm-bindgen --target web` output plus the hand-written files of
//! `js/pkg-src`. Two small, checked edits make the generated glue fit a mini-program: it takes
//! `TextEncoder` / `TextDecoder` from the package's `text-codec.js` (the host's own when it has
//! them, a UTF-8 polyfill otherwise) instead of globals, and it exports the two loader steps
//! `initWx` needs to instantiate through `WXWebAssembly`. The build fails if wasm-bindgen
//! ever emits glue these edits do not fit.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::{ensure, Context};

use crate::exec::{self, cargo};
use crate::summary::Counts;
use crate::toolchain;

/// The package folder (build output, ignored by git).
const PKG_DIR: &str = "js/pkg";
/// Hand-written package files copied as they are.
const PKG_SOURCES: [&str; 3] = ["siyu.js", "siyu.d.ts", "text-codec.js"];
/// The wasm is built with size settings (below), in its own target folder so that it never
/// invalidates the workspace's release builds.
const TARGET_DIR: &str = "target/js";
/// Profile settings for the package's wasm only: optimise everything for size, in one unit.
/// (wasm-opt was measured too: it makes the file smaller but its gzip larger, so it is not
/// used.)
const SIZE_PROFILE: [(&str, &str); 3] = [
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "z"),
    ("CARGO_PROFILE_RELEASE_LTO", "fat"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "1"),
];
/// The first lines wasm-bindgen's glue gets.
const GLUE_HEADER: &str = "\
// Edited by `cargo xtask test` (xtask/src/js_pkg.rs): UTF-8 codecs that need no globals, and
// the two loader steps initWx() needs (siyu.js).
import { TextEncoder, TextDecoder } from './text-codec.js';
";
/// The last line wasm-bindgen's glue gets.
const GLUE_FOOTER: &str = "\nexport { __wbg_get_imports, __wbg_finalize_init };\n";

/// Builds the package, type-checks it and runs the Node tests, adding their counts.
pub fn test(counts: &mut Counts) -> anyhow::Result<()> {
    let figures = build()?;
    println!("{figures}");
    typecheck()?;
    // The server tests start the real endpoint binary.
    exec::run(cargo().args(["build", "-p", "siyu-server", "--bin", "siyu-server"]))?;
    run_node_tests(counts)
}

/// Builds `js/pkg` and measures it.
fn build() -> anyhow::Result<Figures> {
    let root = exec::repo_root();
    let mut build = cargo();
    build.args([
        "build",
        "-p",
        "siyu-js",
        "--target",
        toolchain::WASM_TARGET,
        "--release",
        "--target-dir",
        TARGET_DIR,
    ]);
    for (key, value) in SIZE_PROFILE {
        build.env(key, value);
    }
    exec::run(&mut build)?;
    let wasm = root
        .join(TARGET_DIR)
        .join(toolchain::WASM_TARGET)
        .join("release/siyu_js.wasm");
    let pkg = root.join(PKG_DIR);
    if pkg.exists() {
        fs::remove_dir_all(&pkg).with_context(|| format!("removing {}", pkg.display()))?;
    }
    fs::create_dir_all(&pkg)?;
    exec::run(
        exec::command("wasm-bindgen")
            .args([
                "--target",
                "web",
                // No `import.meta.url` default: mini-programs have no such thing.
                "--omit-default-module-path",
                "--remove-name-section",
                "--remove-producers-section",
                "--out-name",
                "engine",
                "--out-dir",
            ])
            .arg(&pkg)
            .arg(&wasm),
    )?;
    let glue = pkg.join("engine.js");
    let patched = patch_glue(&read(&glue)?)?;
    fs::write(&glue, patched)?;
    let sources = root.join("js/pkg-src");
    for file in PKG_SOURCES {
        fs::copy(sources.join(file), pkg.join(file)).with_context(|| format!("copying {file}"))?;
    }
    let version = crate_version(&read(&root.join("js/Cargo.toml"))?)?;
    let manifest = read(&sources.join("package.json"))?;
    ensure!(
        manifest.contains("\"version\": \"0.0.0\""),
        "js/pkg-src/package.json must carry the placeholder version 0.0.0"
    );
    fs::write(
        pkg.join("package.json"),
        manifest.replace(
            "\"version\": \"0.0.0\"",
            &format!("\"version\": \"{version}\""),
        ),
    )?;
    fs::copy(root.join("js/README.md"), pkg.join("README.md"))?;
    // wasm-bindgen writes a package.json and .gitignore of its own for `--target web`.
    let _ = fs::remove_file(pkg.join(".gitignore"));
    Figures::measure(&pkg)
}

/// The glue with the codec import and the loader exports; refuses glue they do not fit.
fn patch_glue(glue: &str) -> anyhow::Result<String> {
    for needed in [
        "function __wbg_get_imports(",
        "function __wbg_finalize_init(",
        "new TextDecoder(",
        "new TextEncoder(",
    ] {
        ensure!(
            glue.contains(needed),
            "wasm-bindgen's glue no longer has `{needed}`: update xtask/src/js_pkg.rs"
        );
    }
    ensure!(
        !glue.contains("import.meta"),
        "wasm-bindgen's glue uses import.meta, which mini-programs lack"
    );
    // A `/* @ts-self-types=… */` directive must stay the first line.
    let (first, rest) = match glue.split_once('\n') {
        Some((first, rest)) if first.starts_with("/* @ts-self-types") => {
            (format!("{first}\n"), rest)
        }
        _ => (String::new(), glue),
    };
    Ok(format!("{first}{GLUE_HEADER}{rest}{GLUE_FOOTER}"))
}

/// `version = "x.y.z"` of a Cargo manifest's `[package]`.
fn crate_version(manifest: &str) -> anyhow::Result<String> {
    manifest
        .lines()
        .find_map(|line| {
            let value = line.trim().strip_prefix("version")?.trim_start();
            let value = value.strip_prefix('=')?.trim();
            Some(value.trim_matches('"').to_owned())
        })
        .context("js/Cargo.toml has no version")
}

/// Type-checks the package's declarations and a host written against them (`js/tests/types.ts`).
fn typecheck() -> anyhow::Result<()> {
    let js = exec::repo_root().join("js");
    let tsc = js.join("node_modules/.bin/tsc");
    if !tsc.exists() {
        exec::run(
            exec::command("npm")
                .args(["ci", "--no-audit", "--no-fund"])
                .current_dir(&js),
        )?;
    }
    exec::run(exec::command(&tsc).args(["-p", "js/tsconfig.json"]))
}

/// `node --test` over `js/tests/*.test.mjs`, with the TAP reporter whose `# pass N` /
/// `# fail N` lines `summary.rs` counts.
fn run_node_tests(counts: &mut Counts) -> anyhow::Result<()> {
    let root = exec::repo_root();
    let mut files: Vec<PathBuf> = fs::read_dir(root.join("js/tests"))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.to_string_lossy().ends_with(".test.mjs"))
        .collect();
    files.sort();
    ensure!(!files.is_empty(), "js/tests has no *.test.mjs files");
    let mut cmd = exec::command("node");
    cmd.args(["--test", "--test-reporter=tap"])
        .args(&files)
        .env("SIYU_SERVER_BIN", root.join("target/debug/siyu-server"));
    let shown = exec::display(&cmd);
    let (status, lines) = exec::run_tee(&mut cmd)?;
    let mut these = Counts::default();
    these.add_lines(lines.iter().map(String::as_str));
    println!("    {} passed, {} failed", these.passed, these.failed);
    counts.passed += these.passed;
    counts.failed += these.failed;
    exec::check(status, &shown)
}

fn read(path: &Path) -> anyhow::Result<String> {
    fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))
}

/// The package's size: the wasm and the JavaScript a host loads, raw and gzipped.
#[derive(Debug)]
struct Figures {
    wasm: (u64, u64),
    js: (u64, u64),
}

impl Figures {
    fn measure(pkg: &Path) -> anyhow::Result<Self> {
        let wasm = sizes(&pkg.join("engine_bg.wasm"))?;
        let mut js = (0, 0);
        for file in ["engine.js", "siyu.js", "text-codec.js"] {
            let (raw, gzip) = sizes(&pkg.join(file))?;
            js.0 += raw;
            js.1 += gzip;
        }
        Ok(Self { wasm, js })
    }
}

/// Raw and `gzip -9` bytes of a file.
fn sizes(path: &Path) -> anyhow::Result<(u64, u64)> {
    let raw = fs::metadata(path)
        .with_context(|| format!("{}", path.display()))?
        .len();
    let output = exec::command("gzip")
        .args(["-9", "-c"])
        .arg(path)
        .output()
        .context("running gzip")?;
    ensure!(output.status.success(), "gzip failed on {}", path.display());
    Ok((raw, output.stdout.len() as u64))
}

impl fmt::Display for Figures {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (raw, gzip) = (self.wasm.0 + self.js.0, self.wasm.1 + self.js.1);
        write!(
            f,
            "    {PKG_DIR}: wasm {} B (gzip {}) + JS {} B (gzip {}) = {} B (gzip {})",
            self.wasm.0, self.wasm.1, self.js.0, self.js.1, raw, gzip
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_glue_gets_the_codec_import_and_the_loader_exports() {
        let glue = "/* @ts-self-types=\"./engine.d.ts\" */\n\
            function __wbg_get_imports() {}\nfunction __wbg_finalize_init() {}\n\
            let d = new TextDecoder('utf-8');\nconst e = new TextEncoder();\n";
        let patched = patch_glue(glue).unwrap();
        assert!(patched.starts_with("/* @ts-self-types=\"./engine.d.ts\" */\n// Edited"));
        assert!(patched.contains("import { TextEncoder, TextDecoder } from './text-codec.js';"));
        assert!(patched.ends_with("export { __wbg_get_imports, __wbg_finalize_init };\n"));
    }

    #[test]
    fn glue_the_edits_do_not_fit_is_refused() {
        assert!(patch_glue("function __wbg_get_imports() {}").is_err());
        let with_meta = "function __wbg_get_imports(\nfunction __wbg_finalize_init(\n\
            new TextDecoder(\nnew TextEncoder(\nnew URL('x', import.meta.url)";
        assert!(patch_glue(with_meta).is_err());
    }

    #[test]
    fn the_crate_version_is_read_from_the_manifest() {
        let manifest = "[package]\nname = \"siyu-js\"\nversion = \"0.3.1\"\n";
        assert_eq!(crate_version(manifest).unwrap(), "0.3.1");
    }
}
