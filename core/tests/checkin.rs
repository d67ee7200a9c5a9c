#![cfg(not(target_arch = "wasm32"))]
//! Check-in streaks, cycles, milestones, make-ups, freezes and the calendar, on the local
//! calendar of Shanghai and New York (DST).

mod common;

use common::{at, check_in, customer, day};
use serde_json::json;
use siyu_core::checkin::DayStatus;
use siyu_core::op::{Event, Op};
use siyu_core::{view, Rejection};

fn statuses(calendar: &siyu_core::checkin::Calendar) -> Vec<DayStatus> {
    calendar.days.iter().map(|d| d.status).collect()
}

#[test]
fn daily_points_escalate_per_consecutive_day_up_to_the_cap() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let points: Vec<i64> = [
        "2026-03-01",
        "2026-03-02",
        "2026-03-03",
        "2026-03-04",
        "2026-03-05",
    ]
    .iter()
    .map(|d| {
        check_in(&c, &mut m, d)
            .entries
            .iter()
            .filter(|e| e.key.starts_with("checkin:"))
            .map(|e| e.points as i64)
            .sum()
    })
    .collect();
    assert_eq!(points, [5, 10, 15, 20, 20]);
    // A gap restarts the escalation.
    let after_gap = check_in(&c, &mut m, "2026-03-07");
    assert_eq!(
        after_gap.events.iter().find_map(|e| match e {
            Event::CheckedIn { streak, points, .. } => Some((*streak, *points)),
            _ => None,
        }),
        Some((1, 5))
    );
}

#[test]
fn one_check_in_per_local_day() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    check_in(&c, &mut m, "2026-03-01");
    let again = customer(
        &c,
        &mut m,
        "second",
        at(&c, "2026-03-01", 23, 59),
        Op::Checkin {},
    );
    assert_eq!(
        again,
        Err(Rejection::AlreadyCheckedInToday {
            day: day("2026-03-01")
        })
    );
    // One minute later it is the next day in Shanghai.
    assert!(customer(
        &c,
        &mut m,
        "third",
        at(&c, "2026-03-02", 0, 0),
        Op::Checkin {}
    )
    .is_ok());
}

#[test]
fn new_york_check_ins_count_on_the_local_day_across_dst() {
    let c = common::new_york();
    let mut m = common::member(&c);
    // 23:30 on Saturday 2026-03-07 (EST) and 00:30 on Sunday 2026-03-08 are two days; so are
    // 00:30 and 23:30 of the 23-hour Sunday and the next Monday's 00:10 (EDT).
    for (id, date, hh, mm) in [
        ("a", "2026-03-07", 23, 30),
        ("b", "2026-03-08", 0, 30),
        ("c", "2026-03-09", 0, 10),
    ] {
        customer(&c, &mut m, id, at(&c, date, hh, mm), Op::Checkin {}).unwrap();
    }
    let again = customer(
        &c,
        &mut m,
        "d",
        at(&c, "2026-03-08", 22, 30),
        Op::Checkin {},
    );
    assert_eq!(
        again.map(|_| ()),
        Err(Rejection::AlreadyCheckedInToday {
            day: day("2026-03-08")
        })
    );
    let days: Vec<String> = m.checkins.days.keys().map(ToString::to_string).collect();
    assert_eq!(days, ["2026-03-07", "2026-03-08", "2026-03-09"]);
    assert_eq!(m.checkins.current_streak(day("2026-03-09")), 3);
    // The 25-hour day in November: 00:30 EDT and 23:30 EST are the same day.
    customer(&c, &mut m, "e", at(&c, "2026-11-01", 0, 30), Op::Checkin {}).unwrap();
    let late = customer(
        &c,
        &mut m,
        "f",
        at(&c, "2026-11-01", 24, 30),
        Op::Checkin {},
    );
    assert_eq!(
        late.map(|_| ()),
        Err(Rejection::AlreadyCheckedInToday {
            day: day("2026-11-01")
        })
    );
}

#[test]
fn milestones_pay_once_per_cycle_and_cycles_restart() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let mut milestone_points = Vec::new();
    for n in 1..=14 {
        let applied = check_in(&c, &mut m, &format!("2026-04-{n:02}"));
        for e in &applied.events {
            if let Event::MilestoneReached {
                checkins,
                points,
                cycle_start,
                ..
            } = e
            {
                milestone_points.push((n, cycle_start.to_string(), *checkins, *points));
            }
        }
    }
    assert_eq!(
        milestone_points,
        [
            (3, "2026-04-01".into(), 3, 20),
            (7, "2026-04-01".into(), 7, 50),
            (10, "2026-04-08".into(), 3, 20),
            (14, "2026-04-08".into(), 7, 50)
        ]
    );
    assert_eq!(m.checkins.cycles.len(), 2);
}

#[test]
fn a_missed_day_can_be_made_up_inside_the_window_for_its_price() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    for d in ["2026-05-01", "2026-05-02", "2026-05-04"] {
        check_in(&c, &mut m, d);
    }
    // Balance: 5 + 10 + milestone? (3 check-ins → +20) + 5 (streak restarted) = 40.
    assert_eq!(m.ledger.balance(), 40);
    let cal = view::calendar(&c, &m, at(&c, "2026-05-04", 12, 0)).unwrap();
    assert_eq!(
        &statuses(&cal)[..5],
        [
            DayStatus::Done,
            DayStatus::Done,
            DayStatus::Missed,
            DayStatus::Done,
            DayStatus::Upcoming
        ]
    );
    assert!(cal.days[2].can_make_up);
    assert_eq!((cal.streak, cal.makeups_left, cal.makeup_cost), (1, 2, 30));

    let made_up = customer(
        &c,
        &mut m,
        "makeup-3",
        at(&c, "2026-05-04", 12, 0),
        Op::MakeupCheckin {
            day: day("2026-05-03"),
        },
    )
    .unwrap();
    assert_eq!(
        made_up.points_delta(),
        -30,
        "costs 30, earns no daily reward in this campaign"
    );
    assert_eq!(m.ledger.balance(), 10);
    let cal = view::calendar(&c, &m, at(&c, "2026-05-04", 12, 0)).unwrap();
    assert_eq!(statuses(&cal)[2], DayStatus::MadeUp);
    assert_eq!(
        (cal.streak, cal.checkins_in_cycle, cal.makeups_left),
        (4, 4, 1)
    );
}

#[test]
fn make_ups_are_refused_outside_their_rules() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    for d in ["2026-06-01", "2026-06-02", "2026-06-03"] {
        check_in(&c, &mut m, d);
    }
    // Balance 5 + 10 + 15 + 20 = 50: enough for one make-up.
    let now = at(&c, "2026-06-07", 10, 0);
    let makeup = |m: &mut _, id: &str, d: &str| {
        customer(&c, m, id, now, Op::MakeupCheckin { day: day(d) }).map(|_| ())
    };
    assert_eq!(
        makeup(&mut m, "a", "2026-06-07"),
        Err(Rejection::MakeupForTodayOrFuture {
            day: day("2026-06-07")
        })
    );
    assert_eq!(
        makeup(&mut m, "b", "2026-06-09"),
        Err(Rejection::MakeupForTodayOrFuture {
            day: day("2026-06-09")
        })
    );
    assert_eq!(
        makeup(&mut m, "c", "2026-06-03"),
        Err(Rejection::MakeupOutsideWindow {
            day: day("2026-06-03"),
            window_days: 3
        })
    );
    assert_eq!(
        makeup(&mut m, "d", "2026-05-31"),
        Err(Rejection::MakeupOutsideWindow {
            day: day("2026-05-31"),
            window_days: 3
        })
    );
    assert_eq!(makeup(&mut m, "e", "2026-06-04"), Ok(()));
    assert_eq!(
        makeup(&mut m, "f", "2026-06-04"),
        Err(Rejection::MakeupDayAlreadyChecked {
            day: day("2026-06-04")
        })
    );
    assert_eq!(
        makeup(&mut m, "g", "2026-06-05"),
        Err(Rejection::InsufficientBalance {
            balance: 20,
            needed: 30
        })
    );
    let before = m.clone();
    assert!(makeup(&mut m, "h", "2026-06-06").is_err());
    assert_eq!(m, before, "a rejected make-up changes nothing");
}

#[test]
fn make_ups_are_limited_per_cycle() {
    let mut doc = common::campaign_json("Asia/Shanghai");
    doc["checkin"]["makeup"] = json!({"window_days": 6, "cost": 1, "per_cycle_max": 2});
    let c = common::parse(&doc);
    let mut m = common::member(&c);
    check_in(&c, &mut m, "2026-07-01");
    let now = at(&c, "2026-07-06", 10, 0);
    for (id, d) in [("a", "2026-07-02"), ("b", "2026-07-03")] {
        customer(&c, &mut m, id, now, Op::MakeupCheckin { day: day(d) }).unwrap();
    }
    assert_eq!(
        customer(
            &c,
            &mut m,
            "c",
            now,
            Op::MakeupCheckin {
                day: day("2026-07-04")
            }
        )
        .map(|_| ()),
        Err(Rejection::MakeupLimitReached { per_cycle_max: 2 })
    );
    // Not in a started cycle: before the member's first check-in.
    assert_eq!(
        customer(
            &c,
            &mut m,
            "d",
            at(&c, "2026-07-01", 10, 0),
            Op::MakeupCheckin {
                day: day("2026-06-30")
            }
        )
        .map(|_| ()),
        Err(Rejection::MakeupOutsideCycle {
            day: day("2026-06-30")
        })
    );
}

#[test]
fn freezes_bridge_missed_days_up_to_the_allowance() {
    let mut doc = common::campaign_json("Asia/Shanghai");
    doc["checkin"]["freeze"] = json!({"per_cycle_max": 1});
    let c = common::parse(&doc);
    let mut m = common::member(&c);
    for d in ["2026-08-01", "2026-08-02", "2026-08-04"] {
        check_in(&c, &mut m, d);
    }
    // 08-03 was frozen: the streak runs on, without counting the frozen day.
    assert_eq!(m.checkins.current_streak(day("2026-08-04")), 3);
    let cal = view::calendar(&c, &m, at(&c, "2026-08-06", 9, 0)).unwrap();
    assert_eq!(
        &statuses(&cal)[..6],
        [
            DayStatus::Done,
            DayStatus::Done,
            DayStatus::Frozen,
            DayStatus::Done,
            DayStatus::Missed,
            DayStatus::Open
        ]
    );
    assert_eq!(cal.freezes_left, 0);
    // The second missed day is not covered: the streak is over.
    assert_eq!(cal.streak, 0);
    assert_eq!(cal.longest_streak, 3);
}

#[test]
fn calendar_month_cycles_follow_the_calendar() {
    let mut doc = common::campaign_json("Asia/Shanghai");
    doc["checkin"]["cycle"] = json!({"kind": "calendar_month"});
    doc["checkin"]["milestones"] = json!([{"checkins": 2, "points": 7}]);
    let c = common::parse(&doc);
    let mut m = common::member(&c);
    for d in ["2026-02-27", "2026-02-28", "2026-03-01", "2026-03-02"] {
        check_in(&c, &mut m, d);
    }
    let cycles: Vec<(String, String)> = m
        .checkins
        .cycles
        .iter()
        .map(|c| (c.start.to_string(), c.end.to_string()))
        .collect();
    assert_eq!(
        cycles,
        [
            ("2026-02-01".into(), "2026-03-01".into()),
            ("2026-03-01".into(), "2026-04-01".into())
        ]
    );
    assert_eq!(m.checkins.milestones.len(), 2, "one milestone per month");
    let cal = view::calendar(&c, &m, at(&c, "2026-03-02", 9, 0)).unwrap();
    assert_eq!(cal.days.len(), 31);
}

#[test]
fn the_calendar_shows_milestones_ahead_and_the_next_one() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    check_in(&c, &mut m, "2026-09-01");
    let cal = view::calendar(&c, &m, at(&c, "2026-09-02", 8, 0)).unwrap();
    assert_eq!(cal.days.len(), 7);
    let marks: Vec<(String, u16, bool)> = cal
        .days
        .iter()
        .filter_map(|d| {
            d.milestone
                .as_ref()
                .map(|mm| (d.day.to_string(), mm.checkins, mm.reached))
        })
        .collect();
    assert_eq!(
        marks,
        [
            ("2026-09-03".into(), 3, false),
            ("2026-09-07".into(), 7, false)
        ]
    );
    let next = cal.next_milestone.unwrap();
    assert_eq!((next.checkins_left, next.milestone.points), (2, 20));
    assert_eq!((cal.points_today, cal.checked_today), (10, false));
}

#[test]
fn a_revised_campaign_applies_from_the_members_next_cycle() {
    let c1 = common::shanghai();
    let mut m = common::member(&c1);
    check_in(&c1, &mut m, "2026-10-01");
    let mut doc = common::campaign_json("Asia/Shanghai");
    doc["revision"] = json!(2);
    doc["checkin"]["daily"] = json!({"base": 100});
    doc["checkin"]["milestones"] = json!([]);
    let c2 = common::parse(&doc);
    // Mid-cycle: the pinned rules of revision 1 still pay 10 on the second day.
    assert_eq!(check_in(&c2, &mut m, "2026-10-02").points_delta(), 10);
    // The next cycle (from 10-08) runs on revision 2.
    assert_eq!(check_in(&c2, &mut m, "2026-10-08").points_delta(), 100);
    assert_eq!(
        m.checkins
            .cycles
            .iter()
            .map(|c| c.revision)
            .collect::<Vec<_>>(),
        [1, 2]
    );
}

#[test]
fn the_last_days_of_a_cycle_can_be_made_up_from_the_next_one() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    for d in [
        "2026-06-01",
        "2026-06-02",
        "2026-06-03",
        "2026-06-04",
        "2026-06-05",
    ] {
        check_in(&c, &mut m, d);
    }
    // The cycle's last two days were missed; the next day starts no cycle until a check-in.
    let now = at(&c, "2026-06-08", 10, 0);
    let cal = view::calendar(&c, &m, now).unwrap();
    let earlier: Vec<_> = cal
        .days
        .iter()
        .take_while(|d| d.day < day("2026-06-08"))
        .map(|d| (d.day, d.can_make_up))
        .collect();
    assert_eq!(
        earlier,
        [(day("2026-06-06"), true), (day("2026-06-07"), true)],
        "shown first, so that the customer can reach them"
    );
    // What the calendar offers, the rules take.
    customer(
        &c,
        &mut m,
        "makeup-last",
        now,
        Op::MakeupCheckin {
            day: day("2026-06-07"),
        },
    )
    .unwrap();
    // After today's check-in starts the new cycle, the other day is still offered.
    check_in(&c, &mut m, "2026-06-08");
    let cal = view::calendar(&c, &m, at(&c, "2026-06-08", 11, 0)).unwrap();
    let offered: Vec<_> = cal
        .days
        .iter()
        .filter(|d| d.can_make_up)
        .map(|d| d.day)
        .collect();
    assert_eq!(offered, [day("2026-06-06")]);
    assert_eq!(cal.days.last().unwrap().day, day("2026-06-14"));
}
