//! Writes the widgets' stylesheet without its comments and line breaks: it ships inside the
//! wasm to phones, and the comments are for the people who edit `src/widgets.css`.

use std::{env, fs, path::PathBuf};

fn main() {
    let source = "src/widgets.css";
    println!("cargo::rerun-if-changed={source}");
    let css = fs::read_to_string(source).expect("src/widgets.css is readable");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    fs::write(out.join("widgets.min.css"), minify(&css)).expect("OUT_DIR is writable");
}

/// Drops `/* … */` comments, folds every run of white space into one space, and drops the
/// space around `{`, `}`, `;` and `,`, where CSS never needs it. Quoted strings (`content:
/// "● "`) are kept as they are.
fn minify(css: &str) -> String {
    let tight = |c: char| matches!(c, '{' | '}' | ';' | ',');
    let mut out = String::with_capacity(css.len());
    let mut chars = css.chars().peekable();
    let mut pending_space = false;
    while let Some(c) = chars.next() {
        if c == '/' && chars.peek() == Some(&'*') {
            chars.next();
            let mut last = ' ';
            for inside in chars.by_ref() {
                if last == '*' && inside == '/' {
                    break;
                }
                last = inside;
            }
            pending_space = true;
            continue;
        }
        if c.is_whitespace() {
            pending_space = true;
            continue;
        }
        if pending_space && !out.is_empty() && !tight(c) && !out.ends_with(tight) {
            out.push(' ');
        }
        pending_space = false;
        out.push(c);
        if c == '"' || c == '\'' {
            let mut escaped = false;
            for inside in chars.by_ref() {
                out.push(inside);
                match inside {
                    '\\' if !escaped => escaped = true,
                    q if q == c && !escaped => break,
                    _ => escaped = false,
                }
            }
        }
    }
    out
}
