#![cfg(not(target_arch = "wasm32"))]
//! Property tests: random operation sequences (several members sharing stock, drifting device
//! clocks, retries, reused ids, brand credits and corrections) against a simple reference
//! model, checking the guarantees after every step.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use proptest::prelude::*;
use serde_json::json;
use siyu_core::op::{apply, Actor, ClientOp, Context, Op, StockTaken, CLOCK_SKEW_TOLERANCE_MS};
use siyu_core::{Campaign, LocalDay, MemberState, Rejection, Timestamp};

/// One random step.
#[derive(Debug, Clone)]
enum Step {
    /// Let time pass.
    Wait { hours: i64 },
    /// A customer's operation, with the device clock off by `skew_minutes`.
    Customer {
        member: usize,
        skew_minutes: i64,
        action: Action,
    },
    /// A brand credit or correction.
    Brand { member: usize, action: BrandAction },
    /// Resend an earlier operation unchanged (a retry).
    Retry { index: usize },
    /// Reuse an earlier id for another operation.
    ReuseId { index: usize },
}

#[derive(Debug, Clone)]
enum Action {
    Checkin,
    Makeup { days_ago: i32 },
    Redeem { reward: usize },
    Quiz { valid: bool },
}

#[derive(Debug, Clone)]
enum BrandAction {
    Purchase { order: u8, amount_minor: u64 },
    Adjust { points: i64 },
}

fn step() -> impl Strategy<Value = Step> {
    let action = prop_oneof![
        4 => Just(Action::Checkin),
        1 => (1..6i32).prop_map(|days_ago| Action::Makeup { days_ago }),
        2 => (0..4usize).prop_map(|reward| Action::Redeem { reward }),
        1 => any::<bool>().prop_map(|valid| Action::Quiz { valid }),
    ];
    let brand = prop_oneof![
        (0..20u8, 1..50_000u64).prop_map(|(order, amount_minor)| BrandAction::Purchase {
            order,
            amount_minor
        }),
        (-80..80i64).prop_map(|points| BrandAction::Adjust { points }),
    ];
    prop_oneof![
        3 => (1..40i64).prop_map(|hours| Step::Wait { hours }),
        // Mostly honest clocks; sometimes a device set days forward or back.
        8 => (0..3usize, prop_oneof![6 => -30..1i64, 1 => -4_000..4_000i64], action)
            .prop_map(|(member, skew_minutes, action)| Step::Customer { member, skew_minutes, action }),
        2 => (0..3usize, brand).prop_map(|(member, action)| Step::Brand { member, action }),
        1 => any::<prop::sample::Index>().prop_map(|i| Step::Retry { index: i.index(1_000) }),
        1 => any::<prop::sample::Index>().prop_map(|i| Step::ReuseId { index: i.index(1_000) }),
    ]
}

/// The reference model: what a simple bookkeeper would predict.
#[derive(Debug, Default, Clone)]
struct Model {
    balance: i64,
    checked_days: BTreeSet<LocalDay>,
    quiz_done: bool,
    orders: BTreeSet<String>,
    redeemed: BTreeMap<String, u32>,
}

const REWARDS: [&str; 4] = ["sample", "mask", "facial", "ghost"];

fn campaign() -> Campaign {
    // No expiry, so the model's balance is exact.
    let mut doc = common::campaign_json("Asia/Shanghai");
    doc["points"]["expiry"] = json!({"kind": "never"});
    common::parse(&doc)
}

fn valid_answers() -> siyu_core::quiz::Answers {
    serde_json::from_value(
        json!({"shine": {"choice": "often"}, "tzone": {"choice": "yes"}, "sting": {"scale": 2}}),
    )
    .unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn guarantees_hold_after_every_step(steps in prop::collection::vec(step(), 1..120)) {
        let c = campaign();
        let zone = c.zone().clone();
        let mut members: Vec<MemberState> = (0..3).map(|i| MemberState::new(c.id.clone(), format!("m{i}").parse().unwrap())).collect();
        let mut models: Vec<Model> = vec![Model::default(); 3];
        let mut stock: StockTaken = StockTaken::new();
        let mut sent: Vec<(usize, ClientOp, Actor)> = Vec::new();
        let mut now = common::at(&c, "2026-02-01", 8, 0);

        for (n, step) in steps.iter().enumerate() {
            let (member, op, actor) = match step {
                Step::Wait { hours } => { now = now.plus_seconds(hours * 3_600); continue; }
                Step::Customer { member, skew_minutes, action } => {
                    let claimed = now.plus_seconds(skew_minutes * 60);
                    let op = match action {
                        Action::Checkin => Op::Checkin {},
                        Action::Makeup { days_ago } => Op::MakeupCheckin { day: zone.local_day(now).plus(-days_ago) },
                        Action::Redeem { reward } => Op::Redeem { reward: REWARDS[*reward].parse().unwrap() },
                        Action::Quiz { valid: true } => Op::SubmitQuiz { answers: valid_answers() },
                        Action::Quiz { valid: false } => Op::SubmitQuiz { answers: Default::default() },
                    };
                    (*member, ClientOp { id: format!("op-{n}").parse().unwrap(), occurred_at: claimed, op }, Actor::Customer)
                }
                Step::Brand { member, action } => {
                    let op = match action {
                        BrandAction::Purchase { order, amount_minor } => Op::CreditPurchase { reference: format!("order-{order}").parse().unwrap(), amount_minor: *amount_minor },
                        BrandAction::Adjust { points } => Op::Adjust { points: *points, note: "fix".into() },
                    };
                    (*member, ClientOp { id: format!("op-{n}").parse().unwrap(), occurred_at: now, op }, Actor::Brand)
                }
                Step::Retry { index } if !sent.is_empty() => sent[index % sent.len()].clone(),
                Step::ReuseId { index } if !sent.is_empty() => {
                    let (member, original, actor) = sent[index % sent.len()].clone();
                    let other = if original.op == (Op::Checkin {}) { Op::Redeem { reward: "mask".parse().unwrap() } } else { Op::Checkin {} };
                    (member, ClientOp { op: other, ..original }, actor)
                }
                Step::Retry { .. } | Step::ReuseId { .. } => continue,
            };
            let before = members[member].clone();
            let model = &mut models[member];
            let ctx = Context { stock_taken: &stock, ..Context::new(now, actor) };
            let result = apply(&c, &mut members[member], &op, &ctx);
            let state = &members[member];

            match &result {
                Err(rejection) => {
                    // A rejected operation changes nothing.
                    prop_assert_eq!(state, &before, "rejected {:?} changed the state", rejection);
                    let seen = before.applied.get(&op.id);
                    match rejection {
                        Rejection::AlreadyApplied { .. } => prop_assert_eq!(seen, Some(&op.fingerprint())),
                        Rejection::OpIdConflict { .. } => prop_assert!(seen.is_some_and(|f| *f != op.fingerprint())),
                        _ => prop_assert!(seen.is_none()),
                    }
                }
                Ok(applied) => {
                    prop_assert!(!before.applied.contains_key(&op.id), "an id applies at most once");
                    model.balance += applied.points_delta();
                    sent.push((member, op.clone(), actor));
                    // The claimed time was plausible.
                    if actor == Actor::Customer {
                        prop_assert!(op.occurred_at.as_millis() <= now.as_millis() + CLOCK_SKEW_TOLERANCE_MS);
                        prop_assert!(now.as_millis() - op.occurred_at.as_millis() <= 48 * 3_600_000);
                    }
                    match &op.op {
                        Op::Checkin {} | Op::MakeupCheckin { .. } => {
                            let checked = match &op.op { Op::MakeupCheckin { day } => *day, _ => applied.day };
                            prop_assert!(model.checked_days.insert(checked), "one check-in per day");
                            if let Op::MakeupCheckin { day } = &op.op {
                                prop_assert!(*day < c.zone().local_day(now), "make-ups only for past days");
                            }
                        }
                        Op::SubmitQuiz { .. } => { prop_assert!(!model.quiz_done); model.quiz_done = true; prop_assert_eq!(applied.points_delta(), 50); }
                        Op::CreditPurchase { reference, amount_minor } => {
                            prop_assert!(model.orders.insert(reference.to_string()), "an order is credited once");
                            prop_assert_eq!(applied.points_delta(), (*amount_minor / 100) as i64);
                        }
                        Op::Redeem { reward } => {
                            let r = c.reward(reward).expect("only known rewards are redeemed");
                            prop_assert_eq!(applied.points_delta(), -(r.cost as i64));
                            let count = model.redeemed.entry(reward.to_string()).or_default();
                            *count += 1;
                            if let Some(limit) = r.per_member_limit { prop_assert!(*count <= limit); }
                            *stock.get_or_insert_with(reward.clone(), || 0) += 1;
                        }
                        Op::Adjust { points, .. } => prop_assert_eq!(applied.points_delta(), *points),
                    }
                }
            }
            // The guarantees, after every step.
            prop_assert!(model.balance >= 0);
            prop_assert_eq!(state.ledger.balance() as i64, model.balance, "balance equals the model");
            prop_assert!(state.ledger.check_consistency().is_ok(), "cached totals equal the fold");
            let days: BTreeSet<LocalDay> = state.checkins.days.keys().copied().collect();
            prop_assert_eq!(&days, &model.checked_days);
            for r in &c.rewards {
                if let Some(limit) = r.stock { prop_assert!(stock.get(&r.id).copied().unwrap_or(0) <= limit, "stock never below zero"); }
            }
            // Predictable rejections agree with the model.
            if let (Err(Rejection::InsufficientBalance { balance, .. }), Op::Redeem { .. }) = (&result, &op.op) {
                prop_assert_eq!(*balance as i64, model.balance);
            }
            if let Op::Redeem { reward } = &op.op {
                if let Some(r) = c.reward(reward) {
                    let affordable = before.ledger.balance() >= r.cost;
                    let limited = r.per_member_limit.is_some_and(|l| before.redemptions_of(reward) >= l);
                    if result.is_ok() { prop_assert!(affordable && !limited); }
                }
            }
        }
        // The state survives a round trip through its wire form unchanged.
        for m in &members {
            let json = serde_json::to_string(m).unwrap();
            let back: MemberState = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(&back, m);
        }
    }

    #[test]
    fn balances_never_go_negative_with_expiry_and_concurrent_style_redemptions(
        credits in prop::collection::vec((1..5_000u64, 0..90i64), 1..30),
        redeems in prop::collection::vec((0..3usize, 0..120i64), 0..60),
    ) {
        let c = common::shanghai(); // 30-day lots
        let mut m = common::member(&c);
        let start = common::at(&c, "2026-02-01", 8, 0);
        let mut events: Vec<(i64, Option<usize>, u64)> = credits.iter().map(|(amount, day)| (*day, None, *amount * 10)).collect();
        events.extend(redeems.iter().map(|(reward, day)| (*day, Some(*reward), 0)));
        events.sort_by_key(|e| e.0);
        for (n, (day, reward, amount)) in events.into_iter().enumerate() {
            let now: Timestamp = start.plus_days(day);
            let ctx_actor = if reward.is_some() { Actor::Customer } else { Actor::Brand };
            let op = match reward {
                Some(r) => Op::Redeem { reward: REWARDS[r].parse().unwrap() },
                None => Op::CreditPurchase { reference: format!("o{n}").parse().unwrap(), amount_minor: amount },
            };
            let _ = apply(&c, &mut m, &ClientOp { id: format!("x{n}").parse().unwrap(), occurred_at: now, op }, &Context::new(now, ctx_actor));
            prop_assert!(m.ledger.check_consistency().is_ok());
            let open: u64 = m.ledger.open_lots().map(|l| l.remaining).sum();
            prop_assert_eq!(open, m.ledger.balance());
            // Nothing still in a lot is past its last day once the state is settled.
            let today = c.zone().local_day(now);
            let settled = m.settled(&c, now);
            prop_assert!(settled.ledger.open_lots().all(|l| l.expires_on.is_none_or(|d| d >= today)));
        }
    }
}
