//! The two demo campaigns shipped in the repository (`campaigns/`), published: their zone
//! rules are embedded in the JSON (so this works without the `tzdb` feature, in wasm too).

use crate::campaign::Campaign;

/// The published beauty-brand campaign (skin quiz, 7-day check-in, catalogue).
pub const BEAUTY_JSON: &str = include_str!("../../campaigns/glow-skin.json");
/// The published furniture-brand campaign (room-style quiz, 28-day challenge, purchases).
pub const FURNITURE_JSON: &str = include_str!("../../campaigns/nest-room.json");

/// The beauty campaign.
pub fn beauty() -> Campaign {
    Campaign::parse(BEAUTY_JSON).expect("the demo beauty campaign is valid")
}

/// The furniture campaign.
pub fn furniture() -> Campaign {
    Campaign::parse(FURNITURE_JSON).expect("the demo furniture campaign is valid")
}
