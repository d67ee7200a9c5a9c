#![cfg(not(target_arch = "wasm32"))]
//! The sync protocol's wire shapes and the client's rebase.

mod common;

use common::{at, op};
use serde_json::json;
use siyu_core::op::{apply, decide, Actor, Context, Op};
use siyu_core::protocol::{
    rebase, Cursor, OpResult, OpStatus, ProtocolError, SyncRequest, PROTOCOL_VERSION,
    SYNC_BATCH_OPS_MAX,
};
use siyu_core::Rejection;

#[test]
fn a_sync_request_decodes_from_its_documented_shape() {
    let request: SyncRequest = serde_json::from_value(json!({
        "version": 1,
        "campaign": "glow-skin",
        "cursor": 17,
        "ops": [
            {"id": "op-1", "occurred_at": 1_796_000_000_000i64, "op": {"type": "checkin"}},
            {"id": "op-2", "occurred_at": 1_796_000_000_000i64, "op": {"type": "makeup_checkin", "day": "2026-11-20"}},
            {"id": "op-3", "occurred_at": 1_796_000_000_000i64, "op": {"type": "redeem", "reward": "sample-serum"}},
            {"id": "op-4", "occurred_at": 1_796_000_000_000i64, "op": {"type": "submit_quiz", "answers": {"q1": {"choice": "a"}, "q2": {"choices": ["x", "y"]}, "q3": {"scale": 4}}}}
        ]
    }))
    .unwrap();
    assert_eq!(request.cursor, Some(Cursor(17)));
    assert_eq!(request.ops.len(), 4);
    assert_eq!(request.check(), Ok(()));
}

#[test]
fn the_envelope_is_checked_before_any_operation() {
    let mut request = SyncRequest {
        version: 2,
        campaign: "c".parse().unwrap(),
        cursor: None,
        ops: Vec::new(),
    };
    assert_eq!(
        request.check(),
        Err(ProtocolError::UnsupportedVersion { found: 2 })
    );
    request.version = PROTOCOL_VERSION;
    let one = op("x", siyu_core::Timestamp::from_millis(0), Op::Checkin {});
    request.ops = vec![one; SYNC_BATCH_OPS_MAX + 1];
    assert_eq!(
        request.check(),
        Err(ProtocolError::BatchTooLarge {
            found: SYNC_BATCH_OPS_MAX + 1
        })
    );
    let unknown = serde_json::from_value::<SyncRequest>(
        json!({"version": 1, "campaign": "c", "ops": [], "since": 3}),
    );
    assert!(unknown
        .unwrap_err()
        .to_string()
        .contains("unknown field `since`"));
}

#[test]
fn per_operation_results_serialise_flat_with_their_status() {
    let rejected = OpResult {
        id: "op-9".parse().unwrap(),
        status: OpStatus::rejected(Rejection::InsufficientBalance {
            balance: 3,
            needed: 100,
        }),
    };
    assert_eq!(
        serde_json::to_value(&rejected).unwrap(),
        json!({"id": "op-9", "status": "rejected", "code": "insufficient_balance", "message": "not enough points: 3 available, 100 needed",
               "rejection": {"rule": "insufficient_balance", "balance": 3, "needed": 100}})
    );
    let duplicate = OpResult {
        id: "op-1".parse().unwrap(),
        status: OpStatus::Duplicate {
            original: Box::new(OpStatus::Accepted {
                events: vec![],
                points_delta: 5,
            }),
        },
    };
    assert_eq!(
        serde_json::to_value(&duplicate).unwrap(),
        json!({"id": "op-1", "status": "duplicate", "original": {"status": "accepted", "events": [], "points_delta": 5}})
    );
}

#[test]
fn rebase_drops_what_the_server_applied_and_replays_the_rest_on_its_state() {
    let c = common::shanghai();
    let now = at(&c, "2026-03-02", 10, 0);
    let device = Context::new(now, Actor::Customer);
    // The device did three things offline.
    let pending = vec![
        op("a", at(&c, "2026-03-01", 9, 0), Op::Checkin {}),
        op("b", now, Op::Checkin {}),
        op(
            "c",
            now,
            Op::Redeem {
                reward: "mask".parse().unwrap(),
            },
        ),
    ];
    // The server has applied "a" (and, from another device, credited nothing).
    let mut server = common::member(&c);
    apply(
        &c,
        &mut server,
        &pending[0],
        &Context::new(now, Actor::Customer),
    )
    .unwrap();
    let rebased = rebase(&c, &server, &pending, &device);
    assert_eq!(
        rebased
            .pending
            .iter()
            .map(|o| o.id.as_str())
            .collect::<Vec<_>>(),
        ["b", "c"]
    );
    // "b" applies on top (5 + 10 = 15 points); "c" costs 40, which the member lacks: it stays
    // pending as a conflict for the server to decide, and the optimistic state leaves it out.
    assert_eq!(rebased.state.ledger.balance(), 15);
    assert_eq!(
        rebased.conflicts,
        vec![(
            "c".parse().unwrap(),
            Rejection::InsufficientBalance {
                balance: 15,
                needed: 40
            }
        )]
    );
    // Rebasing on the same state twice gives the same view.
    assert_eq!(rebase(&c, &server, &pending, &device), rebased);
    // The optimistic state equals what the server will compute for the same operations.
    let mut truth = server.clone();
    truth.commit(&decide(&c, &server, &pending[1], &device).unwrap());
    assert_eq!(truth, rebased.state);
}
