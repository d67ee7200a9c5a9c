#![cfg(not(target_arch = "wasm32"))]
//! The fixed log gives the committed result natively (the wasm32 half of the proof is
//! `wasm_determinism.rs`, run in headless Chromium by `cargo xtask test`).
//!
//! To regenerate after an intended rule change: `SIYU_UPDATE_FIXED_LOG=1 cargo test -p siyu-core
//! --test determinism`, then review the diff of `tests/fixed_log/`.

mod fixed_log;

use fixed_log::{generate, replay, Logged, Replayed};

#[test]
fn the_fixed_log_replays_to_the_committed_state_natively() {
    let campaign = siyu_core::demo::beauty();
    let log = generate(&campaign);
    let replayed = replay(&campaign, &log);
    let log_json = serde_json::to_string_pretty(&log).unwrap() + "\n";
    let result_json = serde_json::to_string_pretty(&replayed).unwrap() + "\n";
    if std::env::var_os("SIYU_UPDATE_FIXED_LOG").is_some() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixed_log");
        std::fs::write(dir.join("log.json"), &log_json).unwrap();
        std::fs::write(dir.join("expected.json"), &result_json).unwrap();
        return;
    }
    assert_eq!(
        log_json,
        fixed_log::LOG_JSON,
        "the generator and log.json drifted apart"
    );
    let committed: Vec<Logged> = serde_json::from_str(fixed_log::LOG_JSON).unwrap();
    assert_eq!(committed, log);
    let expected: Replayed = serde_json::from_str(fixed_log::EXPECTED_JSON).unwrap();
    assert_eq!(replayed.outcomes, expected.outcomes);
    assert_eq!(replayed.state, expected.state);
    if cfg!(feature = "json-cache") {
        // The server's build renders each cycle's rules once and copies them compact, also
        // into pretty output: the same JSON with other whitespace.
        assert_eq!(
            without_whitespace(&result_json),
            without_whitespace(fixed_log::EXPECTED_JSON)
        );
    } else {
        assert_eq!(result_json, fixed_log::EXPECTED_JSON);
    }
}

/// JSON text without the whitespace between its tokens (strings kept as they are).
fn without_whitespace(json: &str) -> String {
    let (mut out, mut in_string, mut escaped) = (String::with_capacity(json.len()), false, false);
    for c in json.chars() {
        if in_string {
            in_string = escaped || c != '"';
            escaped = !escaped && c == '\\';
        } else if c.is_whitespace() {
            continue;
        } else {
            in_string = c == '"';
        }
        out.push(c);
    }
    out
}

#[test]
fn the_fixed_log_exercises_every_kind_of_outcome() {
    let expected: Replayed = serde_json::from_str(fixed_log::EXPECTED_JSON).unwrap();
    let count = |prefix: &str| {
        expected
            .outcomes
            .iter()
            .filter(|o| o.starts_with(prefix))
            .count()
    };
    for outcome in [
        "accepted",
        "already_applied",
        "claimed_time_in_future",
        "invalid_answers",
        "already_checked_in_today",
        "insufficient_balance",
    ] {
        assert!(count(outcome) > 0, "no {outcome} in the fixed log");
    }
    assert!(
        expected.state.ledger.totals().expired > 0,
        "year-old lots expired"
    );
    assert!(expected.state.redemptions.len() > 2);
    assert!(expected.state.checkins.cycles.len() > 20);
}
