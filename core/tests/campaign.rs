#![cfg(not(target_arch = "wasm32"))]
//! Campaign validation: every problem, with its path.

mod common;

use serde_json::{json, Value};
use siyu_core::campaign::{Campaign, CampaignError, CAMPAIGN_JSON_BYTES_MAX};

/// Applies `mutate` to the test campaign and checks the exact problems reported.
fn check(mutate: impl FnOnce(&mut Value), expected: &[&str]) {
    let mut doc = common::campaign_json("Asia/Shanghai");
    mutate(&mut doc);
    let problems = match Campaign::parse(&doc.to_string()) {
        Ok(_) => Vec::new(),
        Err(CampaignError::Invalid(problems)) => problems.iter().map(ToString::to_string).collect(),
        Err(other) => vec![other.to_string()],
    };
    assert_eq!(problems, expected);
}

#[test]
fn the_test_campaign_is_valid() {
    check(|_| {}, &[]);
}

#[test]
fn a_condition_on_an_unknown_question_names_its_path() {
    check(
        |c| {
            c["quiz"]["questions"][3]["options"][1]["show_if"] =
                json!({"any_of": {"question": "q9", "options": ["x"]}})
        },
        &["quiz.questions[3].options[1].show_if: unknown question \"q9\""],
    );
}

#[test]
fn every_problem_is_reported_not_just_the_first() {
    check(
        |c| {
            c["quiz"]["questions"][0]["show_if"] =
                json!({"any_of": {"question": "goals", "options": ["matte"]}});
            c["name"] = json!({"zh-CN": "只有中文"});
            c["rewards"][1]["id"] = json!("sample");
            c["checkin"]["milestones"][1]["checkins"] = json!(8);
            c["tiers"]["levels"][1]["min_earned"] = json!(0);
            c["quiz"]["fallback_outcome"] = json!("combination");
            c["theme"] = json!({"primary": "red; background: url(x)"});
        },
        &[
            "name: missing the \"en\" text",
            "theme.primary: must be a plain CSS value (no ; { } < > \\, at most 100 characters)",
            // A question may only depend on earlier questions.
            "quiz.questions[0].show_if: unknown question \"goals\"",
            "quiz.fallback_outcome: unknown outcome \"combination\"",
            "checkin.milestones[1].checkins: must be 1–7 (the cycle's length)",
            "rewards[1].id: duplicate id \"sample\"",
            "tiers.levels[1].min_earned: must be more than the tier before",
        ],
    );
}

#[test]
fn quiz_shapes_are_checked_per_question_kind() {
    check(
        |c| {
            let q = &mut c["quiz"]["questions"];
            q[0]["kind"] = json!("image_choice");
            q[2]["options"] = json!([{"id": "a", "label": {"zh-CN": "a", "en": "a"}}]);
            q[3]["max_choices"] = json!(9);
            q[3]["options"][0]["scores"] = json!({"shiny": 1});
            q[3]["options"][0]["tags"] = json!(["nocolon"]);
            c["quiz"]["outcomes"][0]["requires"] =
                json!({"any_of": {"question": "sting", "options": ["x"]}});
            c["quiz"]["outcomes"][1]["dimension"] = json!("wet");
        },
        &[
            "quiz.questions[0].options[0].image: an image-choice option needs an image",
            "quiz.questions[0].options[1].image: an image-choice option needs an image",
            "quiz.questions[2].options: a scale question has no options",
            "quiz.questions[3].max_choices: must be between 1 and the number of options",
            "quiz.questions[3].options[0].scores: unknown dimension \"shiny\"",
            "quiz.questions[3].options[0].tags[0]: tag \"nocolon\" must look like namespace:value",
            "quiz.outcomes[0].requires: question \"sting\" is a scale; use at_least / at_most",
            "quiz.outcomes[1].dimension: unknown dimension \"wet\"",
        ],
    );
}

#[test]
fn tag_labels_name_given_tags_once_in_every_locale() {
    let label = |id: &str, label: Value| json!({"id": id, "label": label});
    check(
        |c| {
            c["quiz"]["tag_labels"] = json!([
                label("skin:oily", json!({"zh-CN": "油性肌肤", "en": "Oily skin"})),
                label(
                    "concern:redness",
                    json!({"zh-CN": "容易泛红", "en": "Redness"})
                ),
            ])
        },
        &[],
    );
    check(
        |c| {
            c["quiz"]["tag_labels"] = json!([
                label("skin:oily", json!({"zh-CN": "油性肌肤"})),
                label("skin:oily", json!({"zh-CN": "油性", "en": "Oily"})),
                label("skin:shiny", json!({"zh-CN": "亮", "en": "Shiny"})),
            ])
        },
        &[
            "quiz.tag_labels[1].id: duplicate id \"skin:oily\"",
            "quiz.tag_labels[0].label: missing the \"en\" text",
            "quiz.tag_labels[2].id: no option, scale or outcome gives the tag \"skin:shiny\"",
        ],
    );
    let mut doc = common::campaign_json("Asia/Shanghai");
    doc["quiz"]["tag_labels"] = json!([{"id": "skin:oily", "text": "Oily"}]);
    let refused = Campaign::parse(&doc.to_string()).unwrap_err().to_string();
    assert!(
        refused.contains("unknown field `text`, expected `id` or `label`"),
        "{refused}"
    );
}

#[test]
fn rules_out_of_range_are_refused() {
    check(
        |c| {
            c["schema_version"] = json!(2);
            c["locales"] = json!(["en"]);
            c["ends_on"] = json!("2025-12-31");
            c["points"]["expiry"] = json!({"kind": "fixed_date", "month": 13, "day": 1});
            c["points"]["purchase"]["per_minor_units"] = json!(0);
            c["checkin"]["makeup"]["window_days"] = json!(7);
            c["checkin"]["daily"]["cap"] = json!(1);
            c["rewards"][0]["cost"] = json!(0);
            c["lifecycle"] = json!({"at_risk_days": 10, "dormant_days": 5});
            c["offline"] = json!({"grace_hours": 10000});
        },
        &[
            "schema_version: must be 1, found 2",
            "default_locale: \"zh-CN\" is not among the campaign's locales",
            "ends_on: 2025-12-31 is before starts_on 2026-01-01",
            "points.purchase: points and per_minor_units must both be at least 1",
            "points.expiry: 13-01 is not a month and day",
            "checkin.daily.cap: must be at least base (5)",
            "checkin.makeup.window_days: must be 1–6 (shorter than the cycle)",
            "rewards[0].cost: must be at least 1 point",
            "lifecycle.dormant_days: must be more than at_risk_days (10)",
            "offline.grace_hours: must be at most 720 (30 days)",
        ],
    );
    check(
        |c| c["offline"] = json!({"grace_hours": 0}),
        &["offline.grace_hours: must be at least 1: an operation is always a little old when it reaches the server"],
    );
}

#[test]
fn unknown_fields_wrong_types_and_unknown_zones_are_refused() {
    let mut doc = common::campaign_json("Asia/Shanghai");
    doc["points_per_checkin"] = json!(1000);
    let err = Campaign::parse(&doc.to_string()).unwrap_err();
    assert!(
        matches!(&err, CampaignError::Malformed(m) if m.contains("unknown field `points_per_checkin`")),
        "{err}"
    );

    let mut doc = common::campaign_json("Asia/Shanghai");
    doc["rewards"][0]["cost"] = json!("100");
    assert!(matches!(
        Campaign::parse(&doc.to_string()),
        Err(CampaignError::Malformed(_))
    ));

    check(
        |c| c["time_zone"] = json!("Mars/Base"),
        &[MARS_HAS_NO_RULES],
    );
    // Rules copied from another zone do not make an unknown zone valid.
    check(
        |c| {
            c["time_zone"] = json!("Mars/Base");
            c["zone_rules"] = shanghai_rules();
        },
        &[MARS_HAS_NO_RULES],
    );
    check(
        |c| c["time_zone"] = json!("Asia/Shanghai; drop"),
        &["time_zone: \"Asia/Shanghai; drop\" is not an IANA time zone name"],
    );
}

const MARS_HAS_NO_RULES: &str = "time_zone: \"Mars/Base\" is not a zone of the IANA time zone database (e.g. \"Asia/Shanghai\")";

/// The zone rules publishing gives the test campaign in Shanghai.
fn shanghai_rules() -> Value {
    let doc = common::campaign_json("Asia/Shanghai");
    let campaign = Campaign::parse(&doc.to_string()).unwrap();
    serde_json::to_value(campaign.zone_rules.unwrap()).unwrap()
}

/// A marketer copies a published campaign (rules included) and changes only its zone: its days
/// must count in the new zone, not in the zone the copied rules were made for.
#[test]
fn a_copied_campaign_given_a_new_time_zone_counts_days_in_that_zone() {
    let mut doc = common::campaign_json("Europe/Berlin");
    doc["zone_rules"] = shanghai_rules();
    let berlin = Campaign::parse(&doc.to_string()).unwrap();
    let fresh = Campaign::parse(&common::campaign_json("Europe/Berlin").to_string()).unwrap();
    assert_eq!(berlin.zone_rules, fresh.zone_rules);
    let rules = berlin.zone_rules.unwrap();
    assert_eq!(rules.initial_offset, 3_600, "Berlin is UTC+1 in winter");
    assert!(!rules.transitions.is_empty(), "Berlin has summer time");
}

#[test]
fn oversized_documents_are_refused_before_parsing() {
    let huge = " ".repeat(CAMPAIGN_JSON_BYTES_MAX + 1);
    assert_eq!(
        Campaign::parse(&huge),
        Err(CampaignError::TooLarge(CAMPAIGN_JSON_BYTES_MAX + 1))
    );
}

#[test]
fn published_campaigns_carry_their_zone_rules_and_round_trip() {
    let campaign = common::new_york();
    assert_eq!(
        campaign.zone_rules.as_ref().map(|r| r.transitions.len()),
        Some(62)
    );
    let published = serde_json::to_string(&campaign).unwrap();
    assert_eq!(Campaign::parse(&published).unwrap(), campaign);
}
