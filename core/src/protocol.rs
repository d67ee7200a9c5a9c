//! The sync protocol's wire types (`POST /v1/sync`), versioned, and the client's rebase.
//!
//! A client pushes a batch of operations with the cursor it last saw; the server answers each
//! operation (accepted / duplicate with the original result / rejected with the rule), the
//! member's authoritative state, and a new cursor. An empty batch is a pull. The client then
//! [`rebase`]s what it still has pending on that state.

use serde::{Deserialize, Serialize};

use crate::campaign::Campaign;
use crate::ids::{CampaignId, OpId};
use crate::member::MemberState;
use crate::op::{decide, Applied, ClientOp, Context, Event, Rejection, StockTaken};
use crate::time::Timestamp;

/// The protocol version this core speaks.
pub const PROTOCOL_VERSION: u32 = 1;
/// Operations in one sync batch.
pub const SYNC_BATCH_OPS_MAX: usize = 100;

/// A position in a member's operation log; opaque to clients.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Cursor(pub u64);

/// `POST /v1/sync` body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct SyncRequest {
    /// Must be [`PROTOCOL_VERSION`].
    pub version: u32,
    /// The campaign.
    pub campaign: CampaignId,
    /// The cursor of the last response seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cursor: Option<Cursor>,
    /// Operations to apply, oldest first (at most [`SYNC_BATCH_OPS_MAX`]).
    #[serde(default)]
    pub ops: Vec<ClientOp>,
}

/// Why a sync request is refused as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtocolError {
    /// Another protocol version.
    #[error("protocol version {found} is not supported; this server speaks {PROTOCOL_VERSION}")]
    UnsupportedVersion {
        /// The version sent.
        found: u32,
    },
    /// Too many operations.
    #[error("{found} operations in one batch; the maximum is {SYNC_BATCH_OPS_MAX}")]
    BatchTooLarge {
        /// How many were sent.
        found: usize,
    },
}

impl SyncRequest {
    /// Checks the envelope (version, batch size). Operations are judged one by one.
    pub fn check(&self) -> Result<(), ProtocolError> {
        if self.version != PROTOCOL_VERSION {
            return Err(ProtocolError::UnsupportedVersion {
                found: self.version,
            });
        }
        if self.ops.len() > SYNC_BATCH_OPS_MAX {
            return Err(ProtocolError::BatchTooLarge {
                found: self.ops.len(),
            });
        }
        Ok(())
    }
}

/// How the server took an operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OpStatus {
    /// Applied now.
    Accepted {
        /// What changed.
        events: Vec<Event>,
        /// Net points moved.
        points_delta: i64,
    },
    /// Seen before; the original result.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    Duplicate {
        /// The original result.
        original: Box<OpStatus>,
    },
    /// Refused; nothing changed.
    Rejected {
        /// Stable code, e.g. `insufficient_balance`.
        code: String,
        /// Human-readable reason.
        message: String,
        /// The rule, with its details.
        rejection: Rejection,
    },
}

impl OpStatus {
    /// The status for an accepted operation: what changed and the net points.
    pub fn accepted(applied: &Applied) -> Self {
        Self::Accepted {
            events: applied.events.clone(),
            points_delta: applied.points_delta(),
        }
    }

    /// The status for a rejection.
    pub fn rejected(rejection: Rejection) -> Self {
        Self::Rejected {
            code: rejection.code(),
            message: rejection.to_string(),
            rejection,
        }
    }
}

/// The result for one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpResult {
    /// The operation.
    pub id: OpId,
    /// How it was taken.
    #[serde(flatten)]
    pub status: OpStatus,
}

/// `POST /v1/sync` answer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SyncResponse {
    /// [`PROTOCOL_VERSION`].
    pub version: u32,
    /// One result per pushed operation, in order.
    pub results: Vec<OpResult>,
    /// The member's authoritative state.
    pub state: MemberState,
    /// Stock taken per reward, so the client can show what is left.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub stock_taken: StockTaken,
    /// The new cursor.
    pub cursor: Cursor,
    /// The server's clock, so the client can judge its own.
    pub server_time: Timestamp,
}

/// The client's view after rebasing on the server's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Rebased {
    /// The server's state with the still-pending operations applied on top.
    pub state: MemberState,
    /// Operations the server has not seen yet, in order.
    pub pending: Vec<ClientOp>,
    /// Pending operations that no longer apply locally (e.g. the reward ran out meanwhile);
    /// they stay pending, and the server will give the final word.
    pub conflicts: Vec<(OpId, Rejection)>,
}

/// Rebases pending operations on the server's state: operations the server has applied are
/// dropped; the others are re-applied on top, optimistically, with the device's context.
pub fn rebase(
    campaign: &Campaign,
    server_state: &MemberState,
    pending: &[ClientOp],
    ctx: &Context<'_>,
) -> Rebased {
    let mut state = server_state.clone();
    let mut still_pending = Vec::new();
    let mut conflicts = Vec::new();
    for op in pending
        .iter()
        .filter(|op| !server_state.applied.contains_key(&op.id))
    {
        match decide(campaign, &state, op, ctx) {
            Ok(applied) => state.commit(&applied),
            Err(rejection) => conflicts.push((op.id.clone(), rejection)),
        }
        still_pending.push(op.clone());
    }
    Rebased {
        state,
        pending: still_pending,
        conflicts,
    }
}
