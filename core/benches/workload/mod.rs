//! Workloads shared by the native (criterion) and wasm32 (wasm-bindgen-test) benchmarks, so
//! their figures compare the same work.
#![allow(dead_code)]

use serde_json::json;
use siyu_core::ledger::{Entry, Movement, Reason};
use siyu_core::op::{apply, Actor, ClientOp, Context, Op};
use siyu_core::quiz::Answers;
use siyu_core::{Campaign, LocalDay, MemberState, Timestamp};
use std::sync::Arc;

/// Entries in the replay benchmark.
pub const REPLAY_ENTRIES: usize = 1_000_000;

/// A million-entry ledger: daily earnings in expiring lots, a spend every third entry.
pub fn ledger_entries(count: usize) -> Vec<Entry> {
    let start = LocalDay::parse("2026-01-01").unwrap();
    (0..count)
        .map(|i| {
            let day = start.plus((i / 100) as i32);
            let spend = i % 3 == 2;
            Entry {
                seq: i as u32,
                key: format!("e:{i}"),
                at: Timestamp::from_millis(1_767_225_600_000 + i as i64 * 1_000),
                day,
                points: if spend { 7 } else { 10 },
                movement: if spend {
                    Movement::Spend
                } else {
                    Movement::Earn {
                        expires_on: Some(day.plus(365)),
                    }
                },
                reason: if spend {
                    Reason::Redemption {
                        reward: "r".parse().unwrap(),
                    }
                } else {
                    Reason::Checkin { day }
                },
            }
        })
        .collect()
}

/// The beauty quiz grown to 12 questions (two more single-choice questions), and a full set
/// of answers through its branches.
pub fn twelve_question_quiz() -> (Campaign, Answers) {
    let mut campaign = siyu_core::demo::beauty();
    let quiz = Arc::make_mut(campaign.quiz.as_mut().unwrap());
    let template = quiz
        .questions
        .iter()
        .find(|q| q.id.as_str() == "breakouts")
        .unwrap()
        .clone();
    for suffix in ["-2", "-3"] {
        let mut extra = template.clone();
        extra.id = format!("breakouts{suffix}").parse().unwrap();
        quiz.questions.push(extra);
    }
    assert_eq!(quiz.questions.len(), 12);
    let answers = serde_json::from_value(json!({
        "after-cleanse": {"choice": "shiny-tzone"}, "midday": {"choice": "shiny-tzone"},
        "tzone-shine": {"choice": "cheeks-normal"}, "pores": {"choice": "large-tzone"},
        "reaction": {"choice": "sometimes-stings"}, "redness": {"scale": 4},
        "concerns": {"choices": ["pores", "redness"]}, "tightness": {"scale": 2},
        "breakouts": {"choice": "monthly"}, "breakouts-2": {"choice": "monthly"},
        "breakouts-3": {"choice": "often"}, "spf": {"choice": "sunny-days"}
    }))
    .unwrap();
    siyu_core::quiz::check_answers(campaign.quiz.as_ref().unwrap(), &answers)
        .expect("bench answers are valid");
    (campaign, answers)
}

/// A member of the beauty campaign with `days` of daily check-ins, and the instant of the
/// next morning.
pub fn member_with_history(days: i32) -> (Campaign, MemberState, Timestamp) {
    let campaign = siyu_core::demo::beauty();
    let mut member = MemberState::new(campaign.id.clone(), "bench".parse().unwrap());
    let start = LocalDay::parse("2026-01-05").unwrap();
    for d in 0..days {
        let now = campaign
            .zone()
            .start_of_day(start.plus(d))
            .plus_seconds(9 * 3_600);
        let op = ClientOp {
            id: format!("c{d}").parse().unwrap(),
            occurred_at: now,
            op: Op::Checkin {},
        };
        apply(
            &campaign,
            &mut member,
            &op,
            &Context::new(now, Actor::Customer),
        )
        .unwrap();
    }
    let next = campaign
        .zone()
        .start_of_day(start.plus(days))
        .plus_seconds(9 * 3_600);
    (campaign, member, next)
}
