//! Short import and export names for the widgets' wasm, in the wasm and its JS glue alike.
//!
//! wasm-bindgen names each import `__wbg_<name>_<16 hex digits>` in the module
//! `./siyu-web_bg.js`, and the glue spells every name once more: ~150 imports, about 4.5 KB of
//! the gzip a landing page downloads across the two files (the hex digits do not compress).
//! binaryen's `--minify-imports-and-exports-and-modules` renames them all to a letter or two
//! (the exports too, which the glue calls as `wasm.<name>`) and prints what it renamed; the
//! glue is rewritten from that list. Runs after Trunk and before esbuild, on the layout of the
//! glue wasm-bindgen writes: every import a `<name>: function(` property of one object that is
//! handed over under the module's name, every export read as `wasm.<name>`. When that layout
//! changes (a wasm-bindgen upgrade), the rewrite finds fewer names than it renamed and fails
//! the build instead of shipping a glue that cannot instantiate.

use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

use anyhow::{bail, ensure, Context};
use serde_json::Value;

/// What binaryen renamed.
#[derive(Debug, Default, PartialEq)]
pub struct Renames {
    /// The import module before, and after.
    pub module: (String, String),
    /// Import names: before → after.
    pub imports: HashMap<String, String>,
    /// Export names: before → after.
    pub exports: HashMap<String, String>,
}

/// Renames the imports and exports of `wasm` (in place) with `wasm_opt`, and `glue` to match.
pub fn shorten(wasm_opt: &Path, wasm: &Path, glue: &Path) -> anyhow::Result<()> {
    let output = Command::new(wasm_opt)
        .arg(wasm)
        .arg("--minify-imports-and-exports-and-modules")
        .arg("-o")
        .arg(wasm)
        .output()
        .with_context(|| format!("could not start {}", wasm_opt.display()))?;
    ensure!(
        output.status.success(),
        "wasm-opt could not shorten the names of {}: {}",
        wasm.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    let listed: Value = serde_json::from_slice(&output.stdout)
        .context("wasm-opt's list of renamed imports and exports is not JSON")?;
    let bytes = std::fs::read(wasm).with_context(|| format!("cannot read {}", wasm.display()))?;
    let renames = renames(&listed, &import_module(&bytes)?)?;
    let text =
        std::fs::read_to_string(glue).with_context(|| format!("cannot read {}", glue.display()))?;
    std::fs::write(glue, rewrite_glue(&text, &renames)?)
        .with_context(|| format!("cannot write {}", glue.display()))
}

/// The module every import now comes from (binaryen gathers them into one).
fn import_module(wasm: &[u8]) -> anyhow::Result<String> {
    for payload in wasmparser::Parser::new(0).parse_all(wasm) {
        if let wasmparser::Payload::ImportSection(section) = payload? {
            let mut modules = Vec::new();
            for import in section.into_imports() {
                let module = import?.module;
                if !modules.contains(&module) {
                    modules.push(module);
                }
            }
            ensure!(
                modules.len() == 1,
                "expected the imports in one module, found {modules:?}"
            );
            return Ok(modules[0].to_owned());
        }
    }
    bail!("the wasm has no imports")
}

/// Reads wasm-opt's list: `{"imports": [[module, name, new name], …], "exports": [[name, new
/// name], …]}`.
fn renames(listed: &Value, new_module: &str) -> anyhow::Result<Renames> {
    let rows = |key: &str| {
        listed[key]
            .as_array()
            .with_context(|| format!("wasm-opt listed no {key}"))
    };
    let text = |row: &Value, at: usize| -> anyhow::Result<String> {
        row[at]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("an unexpected row in wasm-opt's list: {row}"))
    };
    let mut renames = Renames::default();
    for row in rows("imports")? {
        let module = text(row, 0)?;
        if renames.module.0.is_empty() {
            renames.module = (module.clone(), new_module.to_owned());
        }
        ensure!(
            renames.module.0 == module,
            "imports from two modules: {} and {module}",
            renames.module.0
        );
        renames.imports.insert(text(row, 1)?, text(row, 2)?);
    }
    for row in rows("exports")? {
        renames.exports.insert(text(row, 0)?, text(row, 1)?);
    }
    Ok(renames)
}

/// The glue with every import and export renamed, and the import module's new name.
fn rewrite_glue(glue: &str, renames: &Renames) -> anyhow::Result<String> {
    let mut out = String::with_capacity(glue.len());
    let mut imports_renamed = 0;
    for line in glue.split_inclusive('\n') {
        // An import: `    <name>: function(…) {`.
        let indent = line.len() - line.trim_start().len();
        let renamed = line[indent..]
            .split_once(": function(")
            .and_then(|(name, rest)| Some((renames.imports.get(name)?, rest)));
        match renamed {
            Some((new, rest)) => {
                imports_renamed += 1;
                out.push_str(&line[..indent]);
                out.push_str(new);
                out.push_str(": function(");
                out.push_str(rest);
            }
            None => out.push_str(line),
        }
    }
    ensure!(
        imports_renamed == renames.imports.len(),
        "the glue defines {imports_renamed} of the {} imports wasm-opt renamed: has \
         wasm-bindgen's glue changed shape?",
        renames.imports.len()
    );
    let (old_module, new_module) = &renames.module;
    let key = format!("\"{old_module}\": ");
    ensure!(
        out.matches(&key).count() == 1,
        "the glue does not name the import module {old_module} exactly once"
    );
    let out = out.replace(&key, &format!("\"{new_module}\": "));
    Ok(rename_exports(&out, &renames.exports))
}

/// Every `wasm.<export>` read as `wasm.<new name>`.
fn rename_exports(glue: &str, exports: &HashMap<String, String>) -> String {
    let is_ident = |c: char| c.is_ascii_alphanumeric() || c == '_' || c == '$';
    let mut out = String::with_capacity(glue.len());
    let mut rest = glue;
    while let Some(at) = rest.find("wasm.") {
        // `wasm.` itself must start a name (not `siyu_wasm.`).
        let starts_name = !rest[..at].chars().next_back().is_some_and(is_ident);
        let after = &rest[at + "wasm.".len()..];
        let end = after.find(|c: char| !is_ident(c)).unwrap_or(after.len());
        out.push_str(&rest[..at + "wasm.".len()]);
        match exports.get(&after[..end]).filter(|_| starts_name) {
            Some(new) => out.push_str(new),
            None => out.push_str(&after[..end]),
        }
        rest = &after[end..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn renames() -> Renames {
        Renames {
            module: ("./siyu-web_bg.js".into(), "a".into()),
            imports: [("__wbg_get_4ac93f2a57d2214d", "b"), ("__wbg_set_1", "c")]
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .into(),
            exports: [("memory", "d"), ("mount", "e")]
                .map(|(a, b)| (a.to_owned(), b.to_owned()))
                .into(),
        }
    }

    const GLUE: &str = r#"function mount(host) {
    const ret = wasm.mount(host);
    cache = new Uint8Array(wasm.memory.buffer);
    return wasm.mounted_unmount(ret);
}
function __wbg_get_imports() {
    const import0 = {
        __proto__: null,
        __wbg_get_4ac93f2a57d2214d: function(arg0, arg1) {
            return arg0[arg1];
        },
        __wbg_set_1: function(arg0) { siyu_wasm.mount = arg0; },
    };
    return {
        __proto__: null,
        "./siyu-web_bg.js": import0,
    };
}
"#;

    #[test]
    fn imports_exports_and_the_module_are_renamed_and_nothing_else() {
        let out = rewrite_glue(GLUE, &renames()).unwrap();
        assert!(out.contains("        b: function(arg0, arg1) {"), "{out}");
        assert!(out.contains("        c: function(arg0) { siyu_wasm.mount = arg0; },"));
        assert!(out.contains("\"a\": import0,"));
        assert!(out.contains("const ret = wasm.e(host);"));
        assert!(out.contains("new Uint8Array(wasm.d.buffer)"));
        // Not renamed by binaryen, so left alone; the JS function `mount` keeps its name.
        assert!(out.contains("wasm.mounted_unmount(ret)"));
        assert!(out.starts_with("function mount(host) {"));
        assert!(!out.contains("__wbg_get_4ac93f2a57d2214d"));
    }

    #[test]
    fn a_glue_of_another_shape_fails_the_build() {
        let glue = GLUE.replace("__wbg_set_1: function(", "__wbg_set_1(");
        let err = rewrite_glue(&glue, &renames()).unwrap_err();
        assert!(err.to_string().contains("1 of the 2 imports"), "{err}");
        let glue = GLUE.replace("\"./siyu-web_bg.js\": import0", "wbg: import0");
        assert!(rewrite_glue(&glue, &renames()).is_err());
    }

    #[test]
    fn wasm_opts_list_is_read() {
        let listed = serde_json::json!({
            "imports": [["./siyu-web_bg.js", "__wbg_get_4ac93f2a57d2214d", "b"], ["./siyu-web_bg.js", "__wbg_set_1", "c"]],
            "exports": [["memory", "d"], ["mount", "e"]],
        });
        assert_eq!(super::renames(&listed, "a").unwrap(), renames());
        let two_modules = serde_json::json!({
            "imports": [["x", "f", "b"], ["y", "g", "c"]], "exports": [],
        });
        assert!(super::renames(&two_modules, "a").is_err());
    }
}
