#![cfg(not(target_arch = "wasm32"))]
//! Local calendar days: civil date arithmetic, zone rules, DST.

use proptest::prelude::*;
use siyu_core::time::{CivilDate, LocalDay, Timestamp, ZoneRules, ZoneRulesError, ZoneTransition};

fn utc(date: &str, hh: i64, mm: i64) -> Timestamp {
    Timestamp::from_millis(
        (i64::from(LocalDay::parse(date).unwrap().0) * 86_400 + hh * 3_600 + mm * 60) * 1_000,
    )
}

fn check_local_day(rules: &ZoneRules, instant: Timestamp, expected: &str) {
    assert_eq!(
        rules.local_day(instant).to_string(),
        expected,
        "local day of {instant:?}"
    );
}

#[test]
fn dates_parse_and_print_round_trip() {
    for (text, day) in [
        ("1970-01-01", 0),
        ("2026-11-27", 20_784),
        ("2000-02-29", 11_016),
        ("1969-12-31", -1),
    ] {
        let parsed = LocalDay::parse(text).unwrap();
        assert_eq!(parsed.0, day, "{text}");
        assert_eq!(parsed.to_string(), text);
    }
}

#[test]
fn malformed_dates_are_refused() {
    for bad in [
        "2026-02-30",
        "2026-13-01",
        "2026-1-01",
        "20261101",
        "2026-11-01T00:00",
        "",
        "abcd-ef-gh",
        "+026-01-01",
        "2025-02-29",
    ] {
        assert!(CivilDate::parse(bad).is_err(), "{bad:?} should be refused");
    }
    assert!(CivilDate::parse("2024-02-29").is_ok());
}

#[test]
fn dates_on_the_wire_are_written_as_displayed_and_read_back() {
    for (year, month, day) in [
        (0, 1, 1),
        (7, 3, 9),
        (999, 12, 31),
        (2026, 11, 28),
        (9_999, 12, 31),
    ] {
        let date = CivilDate::new(year, month, day).unwrap();
        let json = serde_json::to_string(&date).unwrap();
        assert_eq!(json, format!("\"{date}\""));
        assert_eq!(serde_json::from_str::<CivilDate>(&json).unwrap(), date);
    }
    // Beyond four digits (only a hand-built value can be) the text still matches Display.
    let far = CivilDate {
        year: 12_345,
        month: 1,
        day: 2,
    };
    assert_eq!(serde_json::to_string(&far).unwrap(), "\"12345-01-02\"");
    // Map keys and escaped text read like any string; a wrong type says what was expected.
    let days: std::collections::BTreeMap<LocalDay, u8> =
        serde_json::from_str(r#"{"2026-11-28": 1, "2026\u002d11-29": 2}"#).unwrap();
    assert_eq!(days.len(), 2);
    let error = serde_json::from_str::<CivilDate>("20261128")
        .unwrap_err()
        .to_string();
    assert!(error.contains("YYYY-MM-DD"), "{error}");
}

#[test]
fn month_boundaries_are_computed_from_the_calendar() {
    let day = LocalDay::parse("2024-02-17").unwrap();
    assert_eq!(day.first_of_month().to_string(), "2024-02-01");
    assert_eq!(day.first_of_next_month().to_string(), "2024-03-01");
    assert_eq!(
        LocalDay::parse("2026-12-31")
            .unwrap()
            .first_of_next_month()
            .to_string(),
        "2027-01-01"
    );
}

proptest! {
    #[test]
    fn every_day_round_trips_through_its_date(n in -700_000i32..800_000) {
        let day = LocalDay(n);
        prop_assert_eq!(LocalDay::from_date(day.date()), day);
        prop_assert_eq!(LocalDay::parse(&day.to_string()).unwrap(), day);
    }

    #[test]
    fn start_of_day_is_the_first_instant_of_that_day_in_new_york(n in 19_000i32..24_000) {
        let rules = ZoneRules::from_iana("America/New_York", 2020, 2036).unwrap();
        let day = LocalDay(n);
        let start = rules.start_of_day(day);
        prop_assert_eq!(rules.local_day(start), day);
        prop_assert_eq!(rules.local_day(start.plus_seconds(-1)), day.plus(-1));
    }
}

#[test]
fn shanghai_is_utc_plus_eight_without_transitions() {
    let rules = ZoneRules::from_iana("Asia/Shanghai", 2025, 2056).unwrap();
    assert_eq!(rules, ZoneRules::fixed(8 * 3_600));
    check_local_day(&rules, utc("2026-11-27", 15, 59), "2026-11-27");
    check_local_day(&rules, utc("2026-11-27", 16, 0), "2026-11-28");
}

#[test]
fn new_york_days_follow_daylight_saving_time() {
    let rules = ZoneRules::from_iana("America/New_York", 2025, 2056).unwrap();
    // 2026-03-08: clocks jump from 02:00 EST to 03:00 EDT (07:00Z). Local midnight before the
    // jump is 05:00Z, after it (Mar 9) 04:00Z.
    check_local_day(&rules, utc("2026-03-08", 4, 59), "2026-03-07");
    check_local_day(&rules, utc("2026-03-08", 5, 0), "2026-03-08");
    check_local_day(&rules, utc("2026-03-09", 3, 59), "2026-03-08");
    check_local_day(&rules, utc("2026-03-09", 4, 0), "2026-03-09");
    // 2026-11-01: back from EDT to EST at 06:00Z; that local day lasts 25 hours.
    check_local_day(&rules, utc("2026-11-01", 3, 59), "2026-10-31");
    check_local_day(&rules, utc("2026-11-01", 4, 0), "2026-11-01");
    check_local_day(&rules, utc("2026-11-02", 4, 59), "2026-11-01");
    check_local_day(&rules, utc("2026-11-02", 5, 0), "2026-11-02");
    let short = rules
        .start_of_day(LocalDay::parse("2026-03-09").unwrap())
        .as_seconds()
        - rules
            .start_of_day(LocalDay::parse("2026-03-08").unwrap())
            .as_seconds();
    let long = rules
        .start_of_day(LocalDay::parse("2026-11-02").unwrap())
        .as_seconds()
        - rules
            .start_of_day(LocalDay::parse("2026-11-01").unwrap())
            .as_seconds();
    assert_eq!((short, long), (23 * 3_600, 25 * 3_600));
}

#[test]
fn zone_rules_cost_a_few_kilobytes_in_a_published_campaign() {
    let rules = ZoneRules::from_iana("America/New_York", 2025, 2056).unwrap();
    assert_eq!(rules.transitions.len(), 62, "two transitions a year");
    let bytes = serde_json::to_string(&rules).unwrap().len();
    println!(
        "America/New_York 2025–2055 rules: {} transitions, {bytes} bytes of JSON",
        rules.transitions.len()
    );
    assert!(bytes < 3_000, "{bytes} bytes");
    let fixed =
        serde_json::to_string(&ZoneRules::from_iana("Asia/Shanghai", 2025, 2056).unwrap()).unwrap();
    assert_eq!(fixed, r#"{"initial_offset":28800,"transitions":[]}"#);
}

#[test]
fn unknown_zones_and_broken_rules_are_refused() {
    assert_eq!(
        ZoneRules::from_iana("Mars/Olympus_Mons", 2025, 2030),
        Err(ZoneRulesError::UnknownZone("Mars/Olympus_Mons".into()))
    );
    let out_of_order = ZoneRules {
        initial_offset: 0,
        transitions: vec![
            ZoneTransition {
                at: 10,
                offset: 3_600,
            },
            ZoneTransition { at: 5, offset: 0 },
        ],
    };
    assert_eq!(
        out_of_order.check(),
        Err(ZoneRulesError::TransitionsOutOfOrder(1))
    );
    assert_eq!(
        ZoneRules::fixed(20 * 3_600).check(),
        Err(ZoneRulesError::OffsetOutOfRange(72_000))
    );
}
