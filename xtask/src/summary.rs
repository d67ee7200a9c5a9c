//! Counting tests from the summary lines test harnesses print, so that `cargo xtask test` can
//! end with one machine-readable total across native and browser runs.
//!
//! libtest prints, per test binary (and per doc-test run):
//! `test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s`
//! and `wasm-bindgen-test-runner` prints the same shape without `measured`.

use std::fmt;

/// Passed and failed counts from one or more summary lines.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub passed: u64,
    pub failed: u64,
}

impl Counts {
    /// Adds every summary line found in `lines`; other lines are ignored.
    pub fn add_lines<'a>(&mut self, lines: impl IntoIterator<Item = &'a str>) {
        for counts in lines.into_iter().filter_map(parse_line) {
            self.passed += counts.passed;
            self.failed += counts.failed;
        }
    }
}

/// The form CI tooling reads: `xtask: 123 passed, 0 failed`.
impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "xtask: {} passed, {} failed", self.passed, self.failed)
    }
}

/// The counts of one `test result: …` line, or `None` if `line` is not one.
///
/// Both `passed` and `failed` must be present, so that a test that merely prints
/// "test result:" in its own output is not counted.
pub fn parse_line(line: &str) -> Option<Counts> {
    let line = strip_ansi(line);
    let rest = line.trim().strip_prefix("test result: ")?;
    // "ok. 3 passed; 0 failed; …" or "FAILED. 2 passed; 1 failed; …"
    let (_status, fields) = rest.split_once(". ")?;
    let (mut passed, mut failed) = (None, None);
    for field in fields.split(';') {
        let mut words = field.split_whitespace();
        let (Some(number), Some(label)) = (words.next(), words.next()) else {
            continue;
        };
        let Ok(number) = number.parse::<u64>() else {
            continue;
        };
        match label {
            "passed" => passed = Some(number),
            "failed" => failed = Some(number),
            _ => {}
        }
    }
    Some(Counts {
        passed: passed?,
        failed: failed?,
    })
}

/// Removes ANSI colour sequences (`ESC [ … letter`), which harnesses add on a terminal.
fn strip_ansi(line: &str) -> String {
    let mut plain = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else {
            plain.push(c);
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(line: &str, expected: Option<(u64, u64)>) {
        let parsed = parse_line(line).map(|c| (c.passed, c.failed));
        assert_eq!(parsed, expected, "line: {line:?}");
    }

    #[test]
    fn libtest_success_line_is_counted() {
        check(
            "test result: ok. 12 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.03s",
            Some((12, 0)),
        );
    }

    #[test]
    fn libtest_failure_line_is_counted() {
        check(
            "test result: FAILED. 7 passed; 2 failed; 1 ignored; 0 measured; 0 filtered out; finished in 1.20s",
            Some((7, 2)),
        );
    }

    #[test]
    fn doc_test_line_with_no_tests_counts_zero() {
        check(
            "test result: ok. 0 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s",
            Some((0, 0)),
        );
    }

    #[test]
    fn wasm_bindgen_test_runner_line_is_counted() {
        check(
            "test result: ok. 5 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.12s",
            Some((5, 0)),
        );
        check(
            "test result: FAILED. 4 passed; 1 failed; 0 ignored; 0 filtered out",
            Some((4, 1)),
        );
    }

    #[test]
    fn coloured_and_indented_lines_are_counted() {
        check(
            "  test result: \u{1b}[32mok\u{1b}[0m. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out",
            Some((3, 0)),
        );
    }

    #[test]
    fn other_lines_are_ignored() {
        check("running 3 tests", None);
        check("test ids::tests::parse ... ok", None);
        check("xtask: 3 passed, 0 failed", None);
        check("test result: this is prose a test printed", None);
        check("   Doc-tests siyu_core", None);
        check("", None);
    }

    #[test]
    fn lines_are_summed_across_runs() {
        let mut counts = Counts::default();
        counts.add_lines([
            "test result: ok. 10 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "noise",
            "test result: FAILED. 2 passed; 3 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.01s",
            "test result: ok. 4 passed; 0 failed; 0 ignored; 0 filtered out; finished in 0.50s",
        ]);
        assert_eq!(
            counts,
            Counts {
                passed: 16,
                failed: 3
            }
        );
        assert_eq!(counts.to_string(), "xtask: 16 passed, 3 failed");
    }
}
