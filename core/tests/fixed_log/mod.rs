//! One fixed operation log, replayed natively and in wasm32 (headless Chromium) to prove the
//! engine gives the same state in both places. The log and the expected result are files in
//! this folder; `log.json` is what [`generate`] writes, and the native test checks that too.
#![allow(dead_code)]

use serde::{Deserialize, Serialize};
use siyu_core::op::{apply, Actor, ClientOp, Context, Op, StockTaken};
use siyu_core::{Campaign, MemberState, Timestamp};

/// The committed log.
pub const LOG_JSON: &str = include_str!("log.json");
/// The committed result of replaying it.
pub const EXPECTED_JSON: &str = include_str!("expected.json");

/// One logged operation with the context it was applied in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Logged {
    /// The authority's clock.
    pub now: Timestamp,
    /// Who sent it.
    pub actor: Actor,
    /// The operation.
    pub op: ClientOp,
}

/// What replaying gives: the final state and each operation's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Replayed {
    /// `accepted:<points delta>` or the rejection code, per operation.
    pub outcomes: Vec<String>,
    /// The member's final state.
    pub state: MemberState,
}

/// Replays `log` for one member of `campaign` (stock shared with nobody else).
pub fn replay(campaign: &Campaign, log: &[Logged]) -> Replayed {
    let mut state = MemberState::new(campaign.id.clone(), "fixed-log-member".parse().unwrap());
    let mut stock = StockTaken::new();
    let mut outcomes = Vec::with_capacity(log.len());
    for logged in log {
        let ctx = Context {
            stock_taken: &stock,
            handed_over: false,
            ..Context::new(logged.now, logged.actor)
        };
        let outcome = match apply(campaign, &mut state, &logged.op, &ctx) {
            Ok(applied) => {
                if let Some(reward) = applied.stock_taken() {
                    *stock.get_or_insert_with(reward.clone(), || 0) += 1;
                }
                format!("accepted:{}", applied.points_delta())
            }
            Err(rejection) => rejection.code(),
        };
        outcomes.push(outcome);
    }
    Replayed { outcomes, state }
}

/// Generates the log: 520 days of a customer of the beauty campaign — check-ins with gaps and
/// make-ups, the quiz (a bad try first), purchases, redemptions, corrections, retries, clocks
/// set wrong, and expiry of year-old lots. Deterministic (a fixed linear congruential
/// sequence), so it can be regenerated and compared.
pub fn generate(campaign: &Campaign) -> Vec<Logged> {
    let mut seed: u64 = 0x5eed_cafe;
    let mut next = move |n: u64| {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) % n
    };
    let zone = campaign.zone();
    let first = siyu_core::LocalDay::parse("2026-01-05").unwrap();
    let mut log = Vec::new();
    let mut id = 0;
    let mut push =
        |log: &mut Vec<Logged>, now: Timestamp, actor: Actor, occurred_at: Timestamp, op: Op| {
            id += 1;
            log.push(Logged {
                now,
                actor,
                op: ClientOp {
                    id: format!("op-{id:05}").parse().unwrap(),
                    occurred_at,
                    op,
                },
            });
        };
    for d in 0..520 {
        let day = first.plus(d);
        let morning = zone
            .start_of_day(day)
            .plus_seconds(7 * 3_600 + next(3_600) as i64);
        if d == 2 {
            push(
                &mut log,
                morning,
                Actor::Customer,
                morning,
                Op::SubmitQuiz {
                    answers: Default::default(),
                },
            );
            let answers = serde_json::from_str(r#"{"after-cleanse":{"choice":"shiny-tzone"},"midday":{"choice":"shiny-tzone"},"tzone-shine":{"choice":"cheeks-normal"},"pores":{"choice":"large-tzone"},"reaction":{"choice":"never"},"concerns":{"choices":["pores"]},"tightness":{"scale":2},"breakouts":{"choice":"monthly"},"spf":{"choice":"sunny-days"}}"#).unwrap();
            push(
                &mut log,
                morning,
                Actor::Customer,
                morning,
                Op::SubmitQuiz { answers },
            );
        }
        match next(10) {
            // Missed day.
            0 => {}
            // Checked in offline last night, synced this morning.
            1 => push(
                &mut log,
                morning,
                Actor::Customer,
                morning.plus_seconds(-10 * 3_600),
                Op::Checkin {},
            ),
            // A device clock a day ahead.
            2 => push(
                &mut log,
                morning,
                Actor::Customer,
                morning.plus_days(1),
                Op::Checkin {},
            ),
            _ => push(&mut log, morning, Actor::Customer, morning, Op::Checkin {}),
        }
        if next(6) == 0 {
            let missed = day.plus(-(1 + next(4) as i32));
            push(
                &mut log,
                morning,
                Actor::Customer,
                morning,
                Op::MakeupCheckin { day: missed },
            );
        }
        if next(9) == 0 {
            let noon = morning.plus_seconds(5 * 3_600);
            let reference = format!("order-{}", next(300)).parse().unwrap();
            push(
                &mut log,
                noon,
                Actor::Brand,
                noon,
                Op::CreditPurchase {
                    reference,
                    amount_minor: 500 + next(40_000),
                },
            );
        }
        if next(12) == 0 {
            let evening = morning.plus_seconds(12 * 3_600);
            let reward = ["sample-serum", "mask-3pack", "cleanser-full", "vip-facial"]
                [next(4) as usize]
                .parse()
                .unwrap();
            push(
                &mut log,
                evening,
                Actor::Customer,
                evening,
                Op::Redeem { reward },
            );
        }
        if next(50) == 0 {
            let points = next(100) as i64 - 60;
            push(
                &mut log,
                morning,
                Actor::Brand,
                morning,
                Op::Adjust {
                    points,
                    note: "service correction".into(),
                },
            );
        }
        if next(15) == 0 {
            // A retry of the last operation.
            let last = log.last().cloned().expect("log is not empty");
            log.push(last);
        }
    }
    log
}
