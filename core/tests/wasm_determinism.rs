#![cfg(target_arch = "wasm32")]
//! The wasm32 half of the determinism proof, run in headless Chromium: the fixed log replays
//! to exactly the state the native build committed (see `determinism.rs`).

mod fixed_log;

use fixed_log::{replay, Logged, Replayed};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn the_fixed_log_replays_to_the_committed_state_in_the_browser() {
    // The published demo campaign carries its zone rules: no tz database in this build.
    let campaign = siyu_core::demo::beauty();
    let log: Vec<Logged> = serde_json::from_str(fixed_log::LOG_JSON).unwrap();
    let replayed = replay(&campaign, &log);
    let expected: Replayed = serde_json::from_str(fixed_log::EXPECTED_JSON).unwrap();
    assert_eq!(replayed.outcomes, expected.outcomes);
    assert_eq!(replayed.state, expected.state);
    // Byte for byte, as the native test checks too.
    assert_eq!(
        serde_json::to_string_pretty(&replayed).unwrap() + "\n",
        fixed_log::EXPECTED_JSON
    );
}

#[wasm_bindgen_test]
fn both_demo_campaigns_load_in_the_browser_build() {
    assert_eq!(siyu_core::demo::furniture().quiz.unwrap().outcomes.len(), 4);
    let unpublished =
        siyu_core::demo::BEAUTY_JSON.replace("\"zone_rules\"", "\"zone_rules_removed\"");
    assert!(
        siyu_core::Campaign::parse(&unpublished).is_err(),
        "unknown field refused"
    );
}
