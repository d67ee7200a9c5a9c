//! One member's log, as both stores use it: decide each incoming operation with the core
//! against the member's state, answer retries with their original result, and record what
//! was decided. The stores only add persistence and locking around it.

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use siyu_core::ids::OpId;
use siyu_core::op::{fingerprint_bits, Actor, Applied, ClientOp, Context};
use siyu_core::protocol::{OpResult, OpStatus};
use siyu_core::{decide, Campaign, MemberState, Rejection, Timestamp};

use super::{MemberKey, StoreError, StoreResult};

/// A stored log row, as both backends keep it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LogRow {
    /// Position in the member's log (1, 2, 3 …).
    pub seq: u64,
    /// The operation as received.
    pub op: ClientOp,
    /// Its fingerprint.
    pub fingerprint: u64,
    /// Its result.
    pub status: OpStatus,
    /// What it changed, when accepted.
    pub applied: Option<Applied>,
    /// The server's time when it was received.
    pub received_at: Timestamp,
    /// The device that sent it (none for the brand's back end).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<String>,
}

/// What was decided for one incoming operation.
#[derive(Debug, Clone)]
pub struct Decided {
    /// The operation.
    pub op: ClientOp,
    /// The answer to send.
    pub status: OpStatus,
    /// The change, when accepted.
    pub applied: Option<Applied>,
    /// Whether it is new (to be recorded): retries and id conflicts are not.
    pub new: bool,
    /// The operation's fingerprint (hashing it is not free: computed once).
    pub fingerprint: u64,
}

/// A member's state and the results of every operation it sent.
#[derive(Debug, Clone)]
pub struct MemberLog {
    /// Who.
    pub key: MemberKey,
    /// The fold of the accepted operations. Shared with the answers that carry it, so an
    /// answer costs no copy; the next change copies it only if an answer still holds it.
    pub state: Arc<MemberState>,
    /// Rows recorded so far (the cursor).
    pub seq: u64,
    /// Erasures of the member before this log (PostgreSQL: a log from before an erasure that
    /// another instance made is not built on).
    pub epoch: i64,
    results: HashMap<OpId, (u64, OpStatus)>,
}

impl MemberLog {
    /// A member with no operations.
    pub fn empty(key: MemberKey) -> Self {
        let state = Arc::new(MemberState::new(key.campaign.clone(), key.core_member_id()));
        Self {
            key,
            state,
            seq: 0,
            epoch: 0,
            results: HashMap::new(),
        }
    }

    /// Rebuilds a member from its rows, in order.
    pub fn replay(key: MemberKey, rows: impl IntoIterator<Item = LogRow>) -> StoreResult<Self> {
        Self::replay_after_erasure(key, None, rows)
    }

    /// Rebuilds a member from its rows, in order, starting from what its last erasure kept
    /// ([`MemberState::erased`], stored as JSON), if it was ever erased.
    pub fn replay_after_erasure(
        key: MemberKey,
        erased: Option<&str>,
        rows: impl IntoIterator<Item = LogRow>,
    ) -> StoreResult<Self> {
        let mut log = Self::empty(key);
        if let Some(kept) = erased {
            let kept: MemberState =
                serde_json::from_str(kept).map_err(|e| StoreError::Corrupt(e.to_string()))?;
            log.state = Arc::new(kept);
        }
        log.catch_up(rows)?;
        Ok(log)
    }

    /// Applies rows recorded after this log's position (by another instance), in order.
    pub fn catch_up(&mut self, rows: impl IntoIterator<Item = LogRow>) -> StoreResult<()> {
        let log = self;
        for row in rows {
            if row.seq != log.seq + 1 {
                return Err(StoreError::Corrupt(format!(
                    "{}: row {} follows {}",
                    log.key.member, row.seq, log.seq
                )));
            }
            if let Some(applied) = &row.applied {
                if log.state.applied.contains_key(&applied.op) {
                    return Err(StoreError::Corrupt(format!(
                        "{}: operation {} applied twice",
                        log.key.member, applied.op
                    )));
                }
                Arc::make_mut(&mut log.state).commit(applied);
            }
            let status = match (row.status, &row.applied) {
                (OpStatus::Accepted { .. }, Some(applied)) => OpStatus::accepted(applied),
                (status, _) => status,
            };
            log.results.insert(
                row.op.id.clone(),
                (fingerprint_bits(row.fingerprint), status),
            );
            log.seq = row.seq;
        }
        Ok(())
    }

    /// Decides one operation (does not change the log; see [`Self::record`]).
    pub fn decide(&self, campaign: &Campaign, op: ClientOp, ctx: &Context<'_>) -> Decided {
        let fingerprint = op.fingerprint();
        if let Some((seen, original)) = self.results.get(&op.id) {
            let status = if *seen == fingerprint {
                OpStatus::Duplicate {
                    original: Box::new(original.clone()),
                }
            } else {
                OpStatus::rejected(Rejection::OpIdConflict { op: op.id.clone() })
            };
            return Decided {
                op,
                status,
                applied: None,
                new: false,
                fingerprint,
            };
        }
        match decide(campaign, &self.state, &op, ctx) {
            Ok(applied) => Decided {
                op,
                status: OpStatus::accepted(&applied),
                applied: Some(applied),
                new: true,
                fingerprint,
            },
            Err(rejection) => Decided {
                op,
                status: OpStatus::rejected(rejection),
                applied: None,
                // A device's refused operation is recorded, so that its retries get the same
                // answer. The brand's is not: it changed nothing, and the brand sends it again
                // corrected under the same order reference (the op id comes from it), which a
                // recorded refusal would answer as a conflict forever.
                new: ctx.actor == Actor::Customer,
                fingerprint,
            },
        }
    }

    /// Records a decision: returns the answer for the operation and, when it is new, the row
    /// to persist. The decision moves into them; only the remembered result is a copy.
    pub fn record(
        &mut self,
        decided: Decided,
        received_at: Timestamp,
        device: Option<&str>,
    ) -> (OpResult, Option<LogRow>) {
        let Decided {
            op,
            status,
            applied,
            new,
            fingerprint,
        } = decided;
        let result = OpResult {
            id: op.id.clone(),
            status,
        };
        if !new {
            return (result, None);
        }
        if let Some(applied) = &applied {
            Arc::make_mut(&mut self.state).commit(applied);
        }
        self.seq += 1;
        self.results
            .insert(op.id.clone(), (fingerprint, result.status.clone()));
        // Stored rows keep an accepted op's events once, in `applied`; `catch_up` puts them back.
        let stored_status = match (&result.status, &applied) {
            (OpStatus::Accepted { points_delta, .. }, Some(_)) => OpStatus::Accepted {
                events: Vec::new(),
                points_delta: *points_delta,
            },
            (status, _) => status.clone(),
        };
        let row = LogRow {
            seq: self.seq,
            op,
            fingerprint,
            status: stored_status,
            applied,
            received_at,
            device: device.map(str::to_owned),
        };
        (result, Some(row))
    }

    /// Whether an operation id was seen.
    pub fn has_seen(&self, id: &OpId) -> bool {
        self.results.contains_key(id)
    }
}

#[cfg(test)]
mod tests {
    use siyu_core::demo;
    use siyu_core::op::Op;

    use super::*;

    #[test]
    fn a_retry_of_an_op_recorded_with_a_64_bit_fingerprint_is_a_duplicate() {
        let campaign = demo::beauty();
        let key = MemberKey::device(&campaign.id, "d0192a3b4c5d6e7f8091a2b3");
        let now = campaign
            .zone()
            .start_of_day(campaign.starts_on)
            .plus_seconds(10 * 3_600);
        let ctx = Context::new(now, Actor::Customer);
        let op = ClientOp {
            id: "checkin-1".parse().unwrap(),
            occurred_at: now,
            op: Op::Checkin {},
        };

        let mut log = MemberLog::empty(key.clone());
        let decided = log.decide(&campaign, op.clone(), &ctx);
        let (first, row) = log.record(decided, now, None);
        let mut row = row.expect("a new op is recorded");
        // As rows were written before fingerprints kept 53 bits.
        row.fingerprint |= 0x7ff << 53;
        if let Some(applied) = &mut row.applied {
            applied.fingerprint |= 0x7ff << 53;
        }

        let replayed = MemberLog::replay(key, [row]).unwrap();
        let retry = replayed.decide(&campaign, op, &ctx);
        assert!(!retry.new);
        assert_eq!(
            retry.status,
            OpStatus::Duplicate {
                original: Box::new(first.status)
            }
        );
    }
}
