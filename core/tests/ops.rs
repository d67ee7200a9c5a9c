#![cfg(not(target_arch = "wasm32"))]
//! Operations and the trust rules: facts not amounts, idempotency, claimed times, balances,
//! stock and limits, purchases, corrections, expiry, tiers, badges, lifecycle.

mod common;

use common::{at, brand, check_in, customer, day, op};
use serde_json::json;
use siyu_core::ledger::{Movement, Reason};
use siyu_core::op::{apply, decide, Actor, ClientOp, Context, Op, StockTaken};
use siyu_core::standing::Stage;
use siyu_core::{view, Rejection, Timestamp};

fn quiz_answers() -> siyu_core::quiz::Answers {
    serde_json::from_value(json!({"shine": {"choice": "never"}, "sting": {"scale": 1}})).unwrap()
}

#[test]
fn an_operation_cannot_name_the_points_it_earns() {
    // The wire format has no field for points: a forged op is a decoding error.
    for forged in [
        json!({"id": "x", "occurred_at": 0, "op": {"type": "checkin", "points": 1000}}),
        json!({"id": "x", "occurred_at": 0, "op": {"type": "submit_quiz", "answers": {}, "points": 50}}),
        json!({"id": "x", "occurred_at": 0, "op": {"type": "redeem", "reward": "sample", "cost": 0}}),
        json!({"id": "x", "occurred_at": 0, "points": 5, "op": {"type": "checkin"}}),
    ] {
        let err = serde_json::from_value::<ClientOp>(forged.clone())
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field"), "{forged}: {err}");
    }
}

#[test]
fn brand_operations_need_the_brand_and_customer_operations_the_customer() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-01", 10, 0);
    let credit = Op::CreditPurchase {
        reference: "order-1".parse().unwrap(),
        amount_minor: 10_000,
    };
    assert!(matches!(
        customer(&c, &mut m, "a", now, credit.clone()),
        Err(Rejection::NotPermitted { .. })
    ));
    assert!(matches!(
        customer(
            &c,
            &mut m,
            "b",
            now,
            Op::Adjust {
                points: 1_000,
                note: "free".into()
            }
        ),
        Err(Rejection::NotPermitted { .. })
    ));
    assert!(matches!(
        brand(&c, &mut m, "c", now, Op::Checkin {}),
        Err(Rejection::NotPermitted { .. })
    ));
    assert_eq!(m, common::member(&c));
    assert_eq!(
        brand(&c, &mut m, "d", now, credit).unwrap().points_delta(),
        100
    );
}

#[test]
fn the_same_operation_twice_changes_nothing_and_a_reused_id_conflicts() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-01", 10, 0);
    let ctx = Context::new(now, Actor::Customer);
    let checkin = op("op-1", now, Op::Checkin {});
    apply(&c, &mut m, &checkin, &ctx).unwrap();
    let after_first = m.clone();
    assert_eq!(
        apply(&c, &mut m, &checkin, &ctx),
        Err(Rejection::AlreadyApplied {
            op: "op-1".parse().unwrap()
        })
    );
    let reused = op(
        "op-1",
        now,
        Op::Redeem {
            reward: "mask".parse().unwrap(),
        },
    );
    assert_eq!(
        apply(&c, &mut m, &reused, &ctx),
        Err(Rejection::OpIdConflict {
            op: "op-1".parse().unwrap()
        })
    );
    assert_eq!(m, after_first);
}

#[test]
fn fingerprints_fit_javascript_numbers_and_old_64_bit_ones_still_match() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-01", 10, 0);
    let ctx = Context::new(now, Actor::Customer);
    let checkin = op("op-1", now, Op::Checkin {});
    // Browsers read member states with JSON.parse: integers are exact up to 2^53.
    let fingerprint = checkin.fingerprint();
    assert!(fingerprint < 1 << 53);
    assert_ne!(fingerprint, op("op-2", now, Op::Checkin {}).fingerprint());
    let applied = decide(&c, &m, &checkin, &ctx).unwrap();
    assert_eq!(applied.fingerprint, fingerprint);

    // A row recorded before fingerprints were cut to 53 bits replays with all 64 …
    let mut recorded_long_ago = applied.clone();
    recorded_long_ago.fingerprint |= 0x7ff << 53;
    m.commit(&recorded_long_ago);
    // … and the state keeps only the bits that count,
    assert_eq!(m.applied[&checkin.id], fingerprint);
    // so a retry of that operation is still a retry.
    let after = m.clone();
    assert_eq!(
        apply(&c, &mut m, &checkin, &ctx),
        Err(Rejection::AlreadyApplied {
            op: "op-1".parse().unwrap()
        })
    );
    assert_eq!(m, after);
}

#[test]
fn claimed_times_are_judged_against_the_servers_clock() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-10", 12, 0);
    let server = |last_contact| Context {
        last_contact,
        ..Context::new(now, Actor::Customer)
    };
    let judge = |m: &mut _, id: &str, claimed, ctx: &Context<'_>| {
        apply(&c, m, &op(id, claimed, Op::Checkin {}), ctx).map(|a| a.day.to_string())
    };
    // A device clock set a day ahead earns nothing.
    assert_eq!(
        judge(&mut m, "ahead", now.plus_days(1), &server(None)),
        Err(Rejection::ClaimedTimeInFuture {
            ahead_seconds: 86_400
        })
    );
    // Older than the 48 h grace window.
    assert_eq!(
        judge(
            &mut m,
            "stale",
            now.plus_seconds(-49 * 3_600),
            &server(None)
        ),
        Err(Rejection::ClaimedTimeOutsideGrace { grace_hours: 48 })
    );
    // Earlier than the device's last contact with the server.
    let contact = now.plus_seconds(-3_600);
    assert_eq!(
        judge(
            &mut m,
            "before",
            now.plus_seconds(-7_200),
            &server(Some(contact))
        ),
        Err(Rejection::ClaimedTimeBeforeLastContact)
    );
    assert_eq!(m, common::member(&c), "nothing stored");
    // A plausible offline check-in from yesterday evening counts for yesterday.
    assert_eq!(
        judge(
            &mut m,
            "offline",
            at(&c, "2026-03-09", 21, 0),
            &server(None)
        ),
        Ok("2026-03-09".into())
    );
    // A little clock skew counts as now.
    assert_eq!(
        judge(&mut m, "skew", now.plus_seconds(60), &server(None)),
        Ok("2026-03-10".into())
    );
}

#[test]
fn extreme_numbers_from_a_client_are_refused_without_panicking() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-10", 12, 0);
    let ctx = Context::new(now, Actor::Customer);
    for claimed in [i64::MIN, i64::MAX, 0] {
        let result = apply(
            &c,
            &mut m,
            &op("edge", Timestamp::from_millis(claimed), Op::Checkin {}),
            &ctx,
        );
        assert!(matches!(
            result,
            Err(Rejection::ClaimedTimeInFuture { .. } | Rejection::ClaimedTimeOutsideGrace { .. })
        ));
    }
    for points in [i64::MIN, i64::MAX] {
        let result = brand(
            &c,
            &mut m,
            "adjust",
            now,
            Op::Adjust {
                points,
                note: "x".into(),
            },
        );
        assert!(matches!(result, Err(Rejection::InvalidAmount { .. })));
    }
    let huge = brand(
        &c,
        &mut m,
        "huge",
        now,
        Op::CreditPurchase {
            reference: "o".parse().unwrap(),
            amount_minor: u64::MAX,
        },
    );
    assert!(matches!(huge, Err(Rejection::InvalidAmount { .. })));
    assert_eq!(m, common::member(&c));
}

#[test]
fn the_quiz_pays_once_and_rejects_bad_answers_without_changes() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-01", 10, 0);
    let bad: siyu_core::quiz::Answers =
        serde_json::from_value(json!({"shine": {"choice": "often"}})).unwrap();
    assert!(matches!(
        customer(&c, &mut m, "q0", now, Op::SubmitQuiz { answers: bad }),
        Err(Rejection::InvalidAnswers(_))
    ));
    let applied = customer(
        &c,
        &mut m,
        "q1",
        now,
        Op::SubmitQuiz {
            answers: quiz_answers(),
        },
    )
    .unwrap();
    assert_eq!(applied.points_delta(), 50);
    assert_eq!(
        m.tags().iter().map(|t| t.as_str()).collect::<Vec<_>>(),
        ["skin:dry"]
    );
    assert_eq!(
        customer(
            &c,
            &mut m,
            "q2",
            now,
            Op::SubmitQuiz {
                answers: quiz_answers()
            }
        ),
        Err(Rejection::QuizAlreadyCompleted)
    );
    assert_eq!(m.ledger.balance(), 50);
    assert!(m.badges.contains_key(&"quiz".parse().unwrap()));
}

#[test]
fn redemptions_respect_balance_stock_and_per_member_limits() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-01", 10, 0);
    brand(
        &c,
        &mut m,
        "credit",
        now,
        Op::CreditPurchase {
            reference: "o-1".parse().unwrap(),
            amount_minor: 25_000,
        },
    )
    .unwrap();
    assert_eq!(m.ledger.balance(), 250);
    let redeem = |m: &mut _, id: &str, reward: &str, taken: &StockTaken| {
        let ctx = Context {
            stock_taken: taken,
            handed_over: false,
            ..Context::new(now, Actor::Customer)
        };
        apply(
            &c,
            m,
            &op(
                id,
                now,
                Op::Redeem {
                    reward: reward.parse().unwrap(),
                },
            ),
            &ctx,
        )
        .map(|a| a.points_delta())
    };
    let none = StockTaken::new();
    assert_eq!(redeem(&mut m, "r1", "sample", &none), Ok(-100));
    assert_eq!(
        redeem(&mut m, "r2", "sample", &none),
        Err(Rejection::RedemptionLimitReached {
            reward: "sample".parse().unwrap(),
            limit: 1
        })
    );
    let facial_gone: StockTaken = [("facial".parse().unwrap(), 1)].into();
    assert_eq!(
        redeem(&mut m, "r3", "facial", &facial_gone),
        Err(Rejection::OutOfStock {
            reward: "facial".parse().unwrap()
        })
    );
    assert_eq!(
        redeem(&mut m, "r4", "ghost", &none),
        Err(Rejection::UnknownReward {
            reward: "ghost".parse().unwrap()
        })
    );
    assert_eq!(redeem(&mut m, "r5", "facial", &none), Ok(-100));
    assert_eq!(redeem(&mut m, "r6", "mask", &none), Ok(-40));
    assert_eq!(
        redeem(&mut m, "r7", "mask", &none),
        Err(Rejection::InsufficientBalance {
            balance: 10,
            needed: 40
        })
    );
    assert_eq!(m.ledger.balance(), 10);
    assert_eq!(m.redemptions.len(), 3);
    assert!(m.badges.contains_key(&"first-reward".parse().unwrap()));
}

#[test]
fn purchases_are_credited_once_per_order_at_the_campaigns_rate() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-01", 10, 0);
    let credit = |m: &mut _, id: &str, reference: &str, amount_minor| {
        brand(
            &c,
            m,
            id,
            now,
            Op::CreditPurchase {
                reference: reference.parse().unwrap(),
                amount_minor,
            },
        )
        .map(|a| a.points_delta())
    };
    assert_eq!(
        credit(&mut m, "p1", "o-1", 19_999),
        Ok(199),
        "floor: 199.99 yuan earn 199"
    );
    assert_eq!(
        credit(&mut m, "p2", "o-1", 19_999),
        Err(Rejection::PurchaseAlreadyCredited {
            reference: "o-1".parse().unwrap()
        })
    );
    assert!(matches!(
        credit(&mut m, "p3", "o-2", 0),
        Err(Rejection::InvalidAmount { .. })
    ));
    // 0.99 yuan earns no point: refused (and so refused again), never credited twice.
    for id in ["p4", "p5"] {
        match credit(&mut m, id, "o-3", 99) {
            Err(Rejection::InvalidAmount { reason }) => {
                assert!(reason.contains("smallest that does is 100"), "{reason}")
            }
            other => panic!("a purchase that earns nothing was {other:?}"),
        }
    }
    assert_eq!(credit(&mut m, "p6", "o-3", 100), Ok(1));
    assert!(matches!(
        credit(&mut m, "p7", "o-3", 100),
        Err(Rejection::PurchaseAlreadyCredited { .. })
    ));

    let mut doc = common::campaign_json("Asia/Shanghai");
    doc["points"]["purchase"]["rounding"] = json!("half_up");
    let half_up = common::parse(&doc);
    let mut m2 = common::member(&half_up);
    let got = brand(
        &half_up,
        &mut m2,
        "p",
        now,
        Op::CreditPurchase {
            reference: "o".parse().unwrap(),
            amount_minor: 150,
        },
    )
    .unwrap();
    assert_eq!(got.points_delta(), 2);
}

#[test]
fn corrections_are_compensating_entries_that_never_overdraw() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-01", 10, 0);
    brand(
        &c,
        &mut m,
        "a1",
        now,
        Op::Adjust {
            points: 70,
            note: "goodwill".into(),
        },
    )
    .unwrap();
    brand(
        &c,
        &mut m,
        "a2",
        now,
        Op::Adjust {
            points: -20,
            note: "double credit".into(),
        },
    )
    .unwrap();
    assert_eq!(
        brand(
            &c,
            &mut m,
            "a3",
            now,
            Op::Adjust {
                points: -51,
                note: "too much".into()
            }
        ),
        Err(Rejection::InsufficientBalance {
            balance: 50,
            needed: 51
        })
    );
    assert!(matches!(
        brand(
            &c,
            &mut m,
            "a4",
            now,
            Op::Adjust {
                points: 5,
                note: " ".into()
            }
        ),
        Err(Rejection::InvalidAmount { .. })
    ));
    let reasons: Vec<(i64, &Reason)> = m
        .ledger
        .entries()
        .iter()
        .map(|e| {
            (
                if matches!(e.movement, Movement::Spend) {
                    -(e.points as i64)
                } else {
                    e.points as i64
                },
                &e.reason,
            )
        })
        .collect();
    assert_eq!(
        reasons,
        [
            (
                70,
                &Reason::Correction {
                    note: "goodwill".into()
                }
            ),
            (
                -20,
                &Reason::Correction {
                    note: "double credit".into()
                }
            )
        ]
    );
}

#[test]
fn lots_expire_after_their_days_and_spending_takes_the_oldest_first() {
    let c = common::shanghai(); // lots valid 30 days
    let mut m = common::member(&c);
    brand(
        &c,
        &mut m,
        "p1",
        at(&c, "2026-03-01", 10, 0),
        Op::CreditPurchase {
            reference: "o-1".parse().unwrap(),
            amount_minor: 10_000,
        },
    )
    .unwrap();
    brand(
        &c,
        &mut m,
        "p2",
        at(&c, "2026-03-20", 10, 0),
        Op::CreditPurchase {
            reference: "o-2".parse().unwrap(),
            amount_minor: 10_000,
        },
    )
    .unwrap();
    // Spend 40: taken from the March 1 lot.
    customer(
        &c,
        &mut m,
        "r",
        at(&c, "2026-03-25", 10, 0),
        Op::Redeem {
            reward: "mask".parse().unwrap(),
        },
    )
    .unwrap();
    let wallet = view::wallet(&c, &m, at(&c, "2026-03-25", 12, 0), &StockTaken::new());
    let expiring: Vec<(u64, String)> = wallet
        .expiring
        .iter()
        .map(|e| (e.points, e.last_day.to_string()))
        .collect();
    assert_eq!(
        expiring,
        [(60, "2026-03-31".into()), (100, "2026-04-19".into())]
    );
    // On April 1 the rest of the first lot has expired, in the view and in the next decision.
    let wallet = view::wallet(&c, &m, at(&c, "2026-04-01", 0, 0), &StockTaken::new());
    assert_eq!(wallet.balance, 100);
    let applied = check_in(&c, &mut m, "2026-04-01");
    assert_eq!(applied.entries[0].movement, Movement::Expire { lot: 0 });
    assert_eq!(applied.entries[0].points, 60);
    assert_eq!(m.ledger.balance(), 105);
    assert_eq!(m.ledger.totals().expired, 60);
    m.ledger.check_consistency().unwrap();
}

#[test]
fn fixed_date_and_inactivity_expiry_models() {
    let mut doc = common::campaign_json("Asia/Shanghai");
    doc["points"]["expiry"] = json!({"kind": "fixed_date", "month": 12, "day": 31});
    let c = common::parse(&doc);
    assert_eq!(
        siyu_core::op::lot_expiry(c.points.expiry, day("2026-05-05")),
        Some(day("2026-12-31"))
    );
    assert_eq!(
        siyu_core::op::lot_expiry(c.points.expiry, day("2026-12-31")),
        Some(day("2027-12-31"))
    );

    doc["points"]["expiry"] = json!({"kind": "inactivity", "days": 30});
    let c = common::parse(&doc);
    let mut m = common::member(&c);
    check_in(&c, &mut m, "2026-03-01");
    check_in(&c, &mut m, "2026-03-02");
    let wallet = view::wallet(&c, &m, at(&c, "2026-04-01", 12, 0), &StockTaken::new());
    assert_eq!(wallet.balance, 15);
    assert_eq!(wallet.expiring[0].last_day.to_string(), "2026-04-01");
    let wallet = view::wallet(&c, &m, at(&c, "2026-04-02", 0, 0), &StockTaken::new());
    assert_eq!(wallet.balance, 0);
    assert_eq!(wallet.history[0].reason, Reason::Inactive);
}

#[test]
fn tiers_count_points_earned_in_the_window_and_spending_does_not_demote() {
    let c = common::shanghai(); // gold from 200 earned in 30 days
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-01", 10, 0);
    brand(
        &c,
        &mut m,
        "p",
        now,
        Op::CreditPurchase {
            reference: "o".parse().unwrap(),
            amount_minor: 25_000,
        },
    )
    .unwrap();
    assert_eq!(m.tier(&c, day("2026-03-01")).unwrap().0.as_str(), "gold");
    customer(
        &c,
        &mut m,
        "r",
        now,
        Op::Redeem {
            reward: "sample".parse().unwrap(),
        },
    )
    .unwrap();
    assert_eq!(
        m.tier(&c, day("2026-03-01")).unwrap().0.as_str(),
        "gold",
        "spending does not demote"
    );
    assert_eq!(
        m.tier(&c, day("2026-03-31")).unwrap().0.as_str(),
        "silver",
        "the window moved on"
    );
}

#[test]
fn badges_are_earned_once_when_their_rule_is_first_met() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let badge_events = |a: &siyu_core::Applied| {
        a.events
            .iter()
            .filter_map(|e| match e {
                siyu_core::op::Event::BadgeEarned { badge } => Some(badge.to_string()),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    assert_eq!(
        badge_events(&check_in(&c, &mut m, "2026-03-01")),
        ["first-checkin"]
    );
    for d in 2..=6 {
        assert!(badge_events(&check_in(&c, &mut m, &format!("2026-03-{d:02}"))).is_empty());
    }
    assert_eq!(
        badge_events(&check_in(&c, &mut m, "2026-03-07")),
        ["streak-7"]
    );
    assert!(badge_events(&check_in(&c, &mut m, "2026-03-08")).is_empty());
}

#[test]
fn lifecycle_stage_follows_activity() {
    let c = common::shanghai();
    let mut m = common::member(&c);
    let stage = |m: &siyu_core::MemberState, d: &str| m.stage(&c, day(d));
    assert_eq!(stage(&m, "2026-03-01"), Stage::Prospect);
    check_in(&c, &mut m, "2026-03-01");
    assert_eq!(stage(&m, "2026-03-02"), Stage::New);
    check_in(&c, &mut m, "2026-03-09");
    assert_eq!(stage(&m, "2026-03-10"), Stage::Active);
    assert_eq!(
        stage(&m, "2026-03-12"),
        Stage::AtRisk,
        "3 days without interaction"
    );
    assert_eq!(stage(&m, "2026-04-08"), Stage::Dormant, "30 days");
}

#[test]
fn decide_is_pure_and_commit_applies_exactly_its_decision() {
    let c = common::shanghai();
    let m = common::member(&c);
    let now = at(&c, "2026-03-01", 10, 0);
    let o = op("x", now, Op::Checkin {});
    let ctx = Context::new(now, Actor::Customer);
    let first = decide(&c, &m, &o, &ctx).unwrap();
    assert_eq!(decide(&c, &m, &o, &ctx).unwrap(), first);
    assert_eq!(m, common::member(&c));
    let mut committed = m.clone();
    committed.commit(&first);
    assert_eq!(committed.ledger.balance(), 5);
    assert!(committed.applied.contains_key(&o.id));
}

#[test]
fn rejections_have_stable_codes() {
    assert_eq!(
        Rejection::InsufficientBalance {
            balance: 1,
            needed: 2
        }
        .code(),
        "insufficient_balance"
    );
    assert_eq!(
        Rejection::AlreadyCheckedInToday {
            day: day("2026-01-01")
        }
        .code(),
        "already_checked_in_today"
    );
    assert_eq!(
        Rejection::MakeupOutsideWindow {
            day: day("2026-01-01"),
            window_days: 3
        }
        .code(),
        "makeup_outside_window"
    );
    let json = serde_json::to_value(Rejection::OutOfStock {
        reward: "r".parse().unwrap(),
    })
    .unwrap();
    assert_eq!(json, json!({"rule": "out_of_stock", "reward": "r"}));
}

#[test]
fn a_purchase_whose_points_would_not_fit_is_refused_and_changes_nothing() {
    let mut c = common::shanghai();
    // The most generous rate a campaign may publish: 2^32 − 1 points per fen.
    c.points.purchase = Some(siyu_core::campaign::PurchaseRate {
        points: u32::MAX,
        per_minor_units: 1,
        rounding: siyu_core::campaign::Rounding::Floor,
    });
    let mut m = common::member(&c);
    let now = at(&c, "2026-03-01", 10, 0);
    let result = brand(
        &c,
        &mut m,
        "lavish",
        now,
        Op::CreditPurchase {
            reference: "o-big".parse().unwrap(),
            amount_minor: siyu_core::op::PURCHASE_AMOUNT_MINOR_MAX,
        },
    );
    match result {
        Err(Rejection::InvalidAmount { reason }) => {
            assert!(
                reason.contains("more points than a balance can hold"),
                "{reason}"
            )
        }
        other => panic!("expected invalid_amount, got {other:?}"),
    }
    assert_eq!(m, common::member(&c));
}
