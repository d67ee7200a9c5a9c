//! Repository hygiene: the rules ARCHITECTURE.md states, checked.

use std::fs;
use std::path::{Path, PathBuf};

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ sits in the repository root")
        .to_path_buf()
}

fn read(relative: &str) -> String {
    fs::read_to_string(root().join(relative)).unwrap_or_else(|e| panic!("{relative}: {e}"))
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn core_depends_only_on_pure_crates() {
    let manifest: toml::Table = read("core/Cargo.toml")
        .parse()
        .expect("core/Cargo.toml is TOML");
    // utoipa (optional, the server's `openapi` feature) only describes types as schemas.
    let allowed = ["serde", "serde_json", "thiserror", "jiff", "utoipa"];
    let deps: Vec<&String> = manifest["dependencies"]
        .as_table()
        .expect("a [dependencies] table")
        .keys()
        .collect();
    assert!(!deps.is_empty(), "core has dependencies to check");
    for dep in deps {
        assert!(
            allowed.contains(&dep.as_str()),
            "core must not depend on {dep}: it does no I/O"
        );
    }
}

#[test]
fn core_source_uses_no_clock_randomness_network_storage_or_async() {
    let forbidden = [
        "std::fs",
        "std::net",
        "std::env",
        "std::thread",
        "SystemTime",
        "Instant::now",
        "rand::",
        "tokio",
        "async fn",
        ".await",
        "std::process",
    ];
    let mut files = Vec::new();
    rust_files(&root().join("core/src"), &mut files);
    assert!(files.len() > 5);
    for file in files {
        let text = fs::read_to_string(&file).unwrap();
        for word in forbidden {
            assert!(
                !text.contains(word),
                "{} uses {word}; core does no I/O",
                file.display()
            );
        }
    }
}

#[test]
fn the_codemap_names_every_crate_and_folder() {
    let map = read("ARCHITECTURE.md");
    let manifest: toml::Table = read("Cargo.toml").parse().expect("Cargo.toml is TOML");
    let members: Vec<&str> = manifest["workspace"]["members"]
        .as_array()
        .expect("workspace members")
        .iter()
        .filter_map(|m| m.as_str())
        .collect();
    assert!(members.len() >= 5);
    for folder in members.iter().copied().chain(["www", "campaigns"]) {
        assert!(
            map.contains(&format!("### `{folder}/`")),
            "ARCHITECTURE.md has no section for {folder}/"
        );
    }
}

#[test]
fn the_readme_opens_with_the_two_commands_and_ci_runs_the_test_one() {
    let readme = read("README.md");
    let head: String = readme.lines().take(8).collect::<Vec<_>>().join("\n");
    assert!(
        head.contains("cargo xtask demo") && head.contains("cargo xtask test"),
        "README must start with the two commands"
    );
    let ci = read(".ci/run");
    let commands: Vec<&str> = ci
        .lines()
        .map(str::trim)
        .filter(|l| {
            !l.is_empty() && !l.starts_with('#') && !l.starts_with("set ") && !l.starts_with("cd ")
        })
        .collect();
    assert_eq!(
        commands,
        ["cargo xtask test"],
        ".ci/run must run exactly the README's test command"
    );
}
