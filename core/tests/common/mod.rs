//! Shared test fixtures: a compact campaign in any zone, instants on its local calendar, and
//! operation builders. Each test file uses some of them.
#![allow(dead_code)]

use serde_json::{json, Value};
use siyu_core::op::{apply, Actor, ClientOp, Context, Op};
use siyu_core::{Applied, Campaign, LocalDay, MemberState, Rejection, Timestamp};

/// A small but complete campaign as JSON, for tests to mutate.
pub fn campaign_json(zone: &str) -> Value {
    let t = |zh: &str, en: &str| json!({"zh-CN": zh, "en": en});
    let option = |id: &str, scores: Value, tags: Value| json!({"id": id, "label": t(id, id), "scores": scores, "tags": tags});
    json!({
        "schema_version": 1,
        "id": "test-campaign",
        "tenant": "test-brand",
        "revision": 1,
        "locales": ["zh-CN", "en"],
        "default_locale": "zh-CN",
        "name": t("测试", "Test"),
        "time_zone": zone,
        "starts_on": "2026-01-01",
        "quiz": {
            "title": t("测验", "Quiz"),
            "dimensions": [
                {"id": "oily", "label": t("油", "oily")},
                {"id": "dry", "label": t("干", "dry")},
                {"id": "sensitive", "label": t("敏感", "sensitive")}
            ],
            "questions": [
                {"id": "shine", "kind": "single_choice", "prompt": t("出油?", "Shiny?"), "options": [
                    option("often", json!({"oily": 3}), json!(["shine:often"])),
                    option("never", json!({"dry": 2, "oily": -1}), json!([]))
                ]},
                {"id": "tzone", "kind": "single_choice", "prompt": t("T区?", "T-zone?"),
                 "show_if": {"any_of": {"question": "shine", "options": ["often"]}},
                 "options": [option("yes", json!({"oily": 2}), json!(["zone:t"])), option("no", json!({}), json!([]))]},
                {"id": "sting", "kind": "scale", "prompt": t("刺痛?", "Stings?"),
                 "scale": {"min": 1, "max": 5, "min_label": t("从不", "never"), "max_label": t("总是", "always"),
                           "scores": {"sensitive": 2}, "tags": [{"at_least": 4, "tag": "concern:redness"}]}},
                {"id": "goals", "kind": "multiple_choice", "prompt": t("目标", "Goals"), "max_choices": 2, "required": false,
                 "options": [
                    option("hydrate", json!({"dry": 1}), json!(["goal:hydrate"])),
                    option("matte", json!({"oily": 1}), json!(["goal:matte"])),
                    {"id": "calm", "label": t("舒缓", "calm"), "scores": {"sensitive": 1},
                     "show_if": {"at_least": {"question": "sting", "value": 3}}}
                 ]}
            ],
            "outcomes": [
                {"id": "oily", "dimension": "oily", "title": t("油性", "Oily"), "description": t("油", "oily"), "tags": ["skin:oily"],
                 "excludes": {"at_least": {"question": "sting", "value": 5}}},
                {"id": "dry", "dimension": "dry", "title": t("干性", "Dry"), "description": t("干", "dry"), "tags": ["skin:dry"]},
                {"id": "sensitive", "dimension": "sensitive", "title": t("敏感", "Sensitive"), "description": t("敏", "sens"),
                 "tags": ["skin:sensitive"], "requires": {"at_least": {"question": "sting", "value": 3}}},
                {"id": "normal", "dimension": "oily", "title": t("中性", "Normal"), "description": t("中", "normal"), "tags": ["skin:normal"],
                 "requires": {"all": [{"at_least": {"question": "sting", "value": 99}}]}}
            ],
            "fallback_outcome": "normal",
            "completion_points": 50
        },
        "points": {"purchase": {"points": 1, "per_minor_units": 100}, "expiry": {"kind": "after_days", "days": 30}},
        "checkin": {
            "cycle": {"kind": "days", "length": 7},
            "daily": {"base": 5, "step": 5, "cap": 20},
            "milestones": [{"checkins": 3, "points": 20}, {"checkins": 7, "points": 50, "gift": t("小样", "sample")}],
            "makeup": {"window_days": 3, "cost": 30, "per_cycle_max": 2}
        },
        "rewards": [
            {"id": "sample", "name": t("小样", "Sample"), "cost": 100, "stock": 2, "per_member_limit": 1},
            {"id": "mask", "name": t("面膜", "Mask"), "cost": 40},
            {"id": "facial", "name": t("护理", "Facial"), "cost": 100, "stock": 1}
        ],
        "tiers": {"window_days": 30, "levels": [
            {"id": "silver", "name": t("银", "Silver"), "min_earned": 0},
            {"id": "gold", "name": t("金", "Gold"), "min_earned": 200}
        ]},
        "badges": [
            {"id": "first-checkin", "name": t("首签", "First"), "rule": {"kind": "first_checkin"}},
            {"id": "streak-7", "name": t("七天", "7 days"), "rule": {"kind": "streak", "days": 7}},
            {"id": "quiz", "name": t("测完", "Quiz"), "rule": {"kind": "quiz_completed"}},
            {"id": "first-reward", "name": t("首兑", "Redeemed"), "rule": {"kind": "first_redemption"}}
        ]
    })
}

/// Parses (and publishes, filling zone rules) a campaign document.
pub fn parse(value: &Value) -> Campaign {
    Campaign::parse(&value.to_string()).unwrap_or_else(|e| panic!("test campaign invalid: {e}"))
}

/// The test campaign in `Asia/Shanghai`.
pub fn shanghai() -> Campaign {
    parse(&campaign_json("Asia/Shanghai"))
}

/// The test campaign in `America/New_York`.
pub fn new_york() -> Campaign {
    parse(&campaign_json("America/New_York"))
}

/// The instant `hh:mm` local time on `date` in the campaign's zone.
pub fn at(campaign: &Campaign, date: &str, hh: i64, mm: i64) -> Timestamp {
    let day = LocalDay::parse(date).expect("test date");
    campaign
        .zone()
        .start_of_day(day)
        .plus_seconds(hh * 3_600 + mm * 60)
}

/// A day.
pub fn day(date: &str) -> LocalDay {
    LocalDay::parse(date).expect("test date")
}

/// A fresh member.
pub fn member(campaign: &Campaign) -> MemberState {
    MemberState::new(campaign.id.clone(), "member-1".parse().unwrap())
}

/// A client operation.
pub fn op(id: &str, occurred_at: Timestamp, op: Op) -> ClientOp {
    ClientOp {
        id: id.parse().unwrap(),
        occurred_at,
        op,
    }
}

/// Applies a customer's operation that happened "now".
pub fn customer(
    campaign: &Campaign,
    state: &mut MemberState,
    id: &str,
    now: Timestamp,
    o: Op,
) -> Result<Applied, Rejection> {
    apply(
        campaign,
        state,
        &op(id, now, o),
        &Context::new(now, Actor::Customer),
    )
}

/// Applies a brand operation at `now`.
pub fn brand(
    campaign: &Campaign,
    state: &mut MemberState,
    id: &str,
    now: Timestamp,
    o: Op,
) -> Result<Applied, Rejection> {
    apply(
        campaign,
        state,
        &op(id, now, o),
        &Context::new(now, Actor::Brand),
    )
}

/// Checks in at 09:00 on `date`, panicking on rejection.
pub fn check_in(campaign: &Campaign, state: &mut MemberState, date: &str) -> Applied {
    customer(
        campaign,
        state,
        &format!("checkin-{date}"),
        at(campaign, date, 9, 0),
        Op::Checkin {},
    )
    .unwrap_or_else(|r| panic!("check-in {date}: {r}"))
}
