//! Counting tests from the summary lines test harnesses print, so that `cargo xtask test` can
//! end with one machine-readable total across native and browser runs.
//!
//! libtest prints, per test binary (and per doc-test run):
//! `test result: ok. 3 passed; 0 failed; 0 ignored; 0 measured; 0 filtered out; finished in 0.00s`
//! and `wasm-bindgen-test-runner` prints the same shape without `measured`.
//!
//! Node's test runner (`node --test`), which runs the JavaScript package's tests, is run with
//! its TAP reporter (`--test-reporter=tap`; Node 20 picks `spec`, whose lines start with `ℹ`,
//! only on a terminal), which ends with one line per figure, unindented:
//! `# tests 12`, `# pass 11`, `# fail 1`, `# cancelled 0`, `# skipped 0`, `# todo 0`.
//! `pass` counts as passed; `fail` and `cancelled` (a test stopped by a timeout or a failing
//! parent) count as failed.

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
    if let Some(counts) = parse_tap_line(&line) {
        return Some(counts);
    }
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

/// The counts of one of the closing `# pass N` / `# fail N` / `# cancelled N` lines of Node's
/// TAP reporter. Only unindented lines: nested TAP (a subtest's diagnostics) is indented.
fn parse_tap_line(line: &str) -> Option<Counts> {
    let rest = line.trim_end().strip_prefix("# ")?;
    let (label, number) = rest.split_once(' ')?;
    let number = number.parse::<u64>().ok()?;
    match label {
        "pass" => Some(Counts {
            passed: number,
            failed: 0,
        }),
        "fail" | "cancelled" => Some(Counts {
            passed: 0,
            failed: number,
        }),
        _ => None,
    }
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
    fn node_tap_summary_lines_are_counted() {
        check("# pass 11", Some((11, 0)));
        check("# fail 2", Some((0, 2)));
        check("# cancelled 1", Some((0, 1)));
        check("# tests 13", None);
        check("# skipped 0", None);
        check("# todo 0", None);
        check("# duration_ms 812.5", None);
        check("    # pass 3", None);
        check("# Subtest: pass 3", None);
        check("# pass three", None);
    }

    #[test]
    fn a_node_run_adds_its_passes_and_failures() {
        let mut counts = Counts::default();
        counts.add_lines([
            "TAP version 13",
            "# Subtest: replays the fixed log",
            "ok 1 - replays the fixed log",
            "1..3",
            "# tests 3",
            "# suites 0",
            "# pass 2",
            "# fail 1",
            "# cancelled 0",
            "# skipped 0",
            "# todo 0",
            "# duration_ms 1500.1",
        ]);
        assert_eq!(
            counts,
            Counts {
                passed: 2,
                failed: 1
            }
        );
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
