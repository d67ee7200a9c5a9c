//! Native benchmarks (criterion): `cargo xtask bench core`.
//! The same replay in wasm32 is `benches/wasm.rs`.

#[cfg(not(target_arch = "wasm32"))]
mod workload;

#[cfg(not(target_arch = "wasm32"))]
mod native {
    use std::hint::black_box;

    use criterion::{criterion_group, BatchSize, Criterion, Throughput};
    use siyu_core::ledger::{Ledger, LedgerTotals};
    use siyu_core::op::{apply, decide, Actor, ClientOp, Context, Op};
    use siyu_core::quiz;

    use super::workload;

    fn replay(c: &mut Criterion) {
        let entries = workload::ledger_entries(workload::REPLAY_ENTRIES);
        let mut group = c.benchmark_group("ledger");
        group.sample_size(20);
        group.throughput(Throughput::Elements(entries.len() as u64));
        group.bench_function("replay_1m_entries_to_balance", |b| {
            b.iter(|| LedgerTotals::fold(black_box(&entries)).unwrap().balance)
        });
        group.bench_function("rebuild_1m_entries_with_key_index", |b| {
            b.iter_batched(
                || entries.clone(),
                |e| Ledger::try_from(e).unwrap().balance(),
                BatchSize::LargeInput,
            )
        });
        group.finish();
    }

    fn apply_op(c: &mut Criterion) {
        let (campaign, member, next) = workload::member_with_history(60);
        let checkin = ClientOp {
            id: "bench-checkin".parse().unwrap(),
            occurred_at: next,
            op: Op::Checkin {},
        };
        let redeem = ClientOp {
            id: "bench-redeem".parse().unwrap(),
            occurred_at: next,
            op: Op::Redeem {
                reward: "mask-3pack".parse().unwrap(),
            },
        };
        let ctx = Context::new(next, Actor::Customer);
        let mut group = c.benchmark_group("apply");
        group.bench_function("decide_checkin_60_days_history", |b| {
            b.iter(|| decide(&campaign, black_box(&member), &checkin, &ctx).unwrap())
        });
        group.bench_function("decide_redeem_60_days_history", |b| {
            b.iter(|| decide(&campaign, black_box(&member), &redeem, &ctx).unwrap())
        });
        group.bench_function("apply_checkin_with_commit", |b| {
            b.iter_batched(
                || member.clone(),
                |mut m| apply(&campaign, &mut m, &checkin, &ctx).unwrap(),
                BatchSize::SmallInput,
            )
        });
        group.finish();
    }

    fn quiz_scoring(c: &mut Criterion) {
        let (campaign, answers) = workload::twelve_question_quiz();
        let q = campaign.quiz.as_ref().unwrap();
        let mut group = c.benchmark_group("quiz");
        group.bench_function("score_12_questions", |b| {
            b.iter(|| quiz::score(q, black_box(&answers)))
        });
        group.bench_function("check_and_score_12_questions", |b| {
            b.iter(|| {
                quiz::check_answers(q, black_box(&answers)).unwrap();
                quiz::score(q, &answers)
            })
        });
        group.finish();
    }

    criterion_group!(benches, replay, apply_op, quiz_scoring);
}

#[cfg(not(target_arch = "wasm32"))]
criterion::criterion_main!(native::benches);

#[cfg(target_arch = "wasm32")]
fn main() {}
