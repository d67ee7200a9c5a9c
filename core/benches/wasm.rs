//! wasm32 benchmarks in headless Chromium (wasm-bindgen-test's criterion subset):
//! `cargo xtask bench core-wasm`. Same workloads as the native `benches/core.rs`, so the
//! figures give the wasm/native ratio.
#![cfg(target_arch = "wasm32")]

mod workload;

use std::hint::black_box;

use siyu_core::ledger::LedgerTotals;
use siyu_core::op::{decide, Actor, ClientOp, Context, Op};
use wasm_bindgen_test::{wasm_bindgen_bench, wasm_bindgen_test_configure, Criterion};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_bench]
fn ledger_replay_1m_entries_to_balance(c: &mut Criterion) {
    let entries = workload::ledger_entries(workload::REPLAY_ENTRIES);
    *c = std::mem::take(c).sample_size(10);
    c.bench_function("ledger/replay_1m_entries_to_balance", |b| {
        b.iter(|| LedgerTotals::fold(black_box(&entries)).unwrap().balance)
    });
}

#[wasm_bindgen_bench]
fn apply_decide_checkin(c: &mut Criterion) {
    let (campaign, member, next) = workload::member_with_history(60);
    let checkin = ClientOp {
        id: "bench-checkin".parse().unwrap(),
        occurred_at: next,
        op: Op::Checkin {},
    };
    let ctx = Context::new(next, Actor::Customer);
    c.bench_function("apply/decide_checkin_60_days_history", |b| {
        b.iter(|| decide(&campaign, black_box(&member), &checkin, &ctx).unwrap())
    });
}

#[wasm_bindgen_bench]
fn quiz_score_12_questions(c: &mut Criterion) {
    let (campaign, answers) = workload::twelve_question_quiz();
    let quiz = campaign.quiz.as_ref().unwrap();
    c.bench_function("quiz/score_12_questions", |b| {
        b.iter(|| siyu_core::quiz::score(quiz, black_box(&answers)))
    });
}
