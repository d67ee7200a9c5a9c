//! The device's outbox: operations applied locally at once, kept until the server has
//! answered them, and rebased on every state the server sends.
//!
//! The outbox does no I/O: the JS sync driver (`pkg-src/siyu.js`) stores [`Outbox::save`]'s
//! text, sends [`Outbox::next_batch`] to `POST /v1/sync` and hands the answer's text to
//! [`Outbox::receive`]. Keeping the bookkeeping here shares the rules with the server and
//! keeps fingerprints exact, also the 64-bit ones of operations recorded before fingerprints
//! were cut to 53 bits (they never pass through `JSON.parse`).
//!
//! ## Guarantees
//! - An operation enters the outbox only if the rules accept it on the local state.
//! - Operations are sent oldest first, at most [`SYNC_BATCH_OPS_MAX`] at a time, and leave the
//!   outbox only when the server has answered them (accepted, duplicate or rejected).
//! - The local state is always the server's last state with the pending operations re-applied
//!   on top; a pending operation that no longer applies stays pending (the server decides)
//!   and is reported as a conflict.

use serde::{Deserialize, Serialize};
use siyu_core::ids::{CampaignId, MemberId, OpId};
use siyu_core::op::{decide, Actor, ClientOp, Context, Op, StockTaken};
use siyu_core::protocol::{Cursor, SyncRequest, PROTOCOL_VERSION, SYNC_BATCH_OPS_MAX};
use siyu_core::{Applied, Campaign, MemberState, Rejection, Timestamp};

use crate::convert::{check_state, commit_checked, decode, encode, Failure};

/// Operations a device may hold unsent; a phone offline for weeks has a few dozen.
pub const OUTBOX_OPS_MAX: usize = 1_000;
/// The saved outbox's format.
pub const OUTBOX_FORMAT_VERSION: u32 = 1;
/// The longest device tag (op ids are `<device>-<n>`, and an id has at most 64 characters).
pub const DEVICE_TAG_BYTES_MAX: usize = 40;

/// What is saved between runs of the host.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct Saved {
    version: u32,
    campaign: CampaignId,
    /// The last state the server sent (or a fresh one before the first sync).
    base: MemberState,
    /// Operations the server has not answered yet, oldest first.
    pending: Vec<ClientOp>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    cursor: Option<Cursor>,
    #[serde(default)]
    stock_taken: StockTaken,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    server_time: Option<Timestamp>,
    /// Makes this device's op ids unique: `<device>-<next_op>`.
    device: String,
    next_op: u64,
}

/// A pending operation that no longer applies on the server's latest state.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// The operation.
    pub id: OpId,
    /// The rule it now breaks (or `invalid_state`).
    pub code: String,
    /// Why, for a person.
    pub message: String,
    /// The rule, with its details.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rejection: Option<Rejection>,
}

/// What one sync answer did to the outbox.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Received {
    /// The operations the server answered, in order. (The answers themselves are in the
    /// response; the JS driver hands them to the host as they are.)
    pub answered: Vec<OpId>,
    /// Pending operations that no longer apply locally.
    pub conflicts: Vec<Conflict>,
    /// Operations still pending.
    pub pending: usize,
}

/// The parts of a `SyncResponse` the outbox needs. Reading the per-operation results (events,
/// rejections, nested duplicates) in full would add the decoders of all those types to the
/// package for nothing: only their ids matter here.
#[derive(Debug, Deserialize)]
struct SyncAnswer {
    version: u32,
    results: Vec<AnsweredOp>,
    state: MemberState,
    #[serde(default)]
    stock_taken: StockTaken,
    cursor: Cursor,
    server_time: Timestamp,
}

/// One result of a `SyncResponse`; its other fields are skipped.
#[derive(Debug, Deserialize)]
struct AnsweredOp {
    id: OpId,
}

/// The outbox and the local state it implies.
#[derive(Debug, Clone)]
pub struct Outbox {
    saved: Saved,
    local: MemberState,
    conflicts: Vec<Conflict>,
}

impl Outbox {
    /// A new outbox for `member` (a placeholder until the first session names the member).
    pub fn new(campaign: &Campaign, member: MemberId, device: &str) -> Result<Self, Failure> {
        check_device(device)?;
        let base = MemberState::new(campaign.id.clone(), member);
        Ok(Self {
            local: base.clone(),
            saved: Saved {
                version: OUTBOX_FORMAT_VERSION,
                campaign: campaign.id.clone(),
                base,
                pending: Vec::new(),
                cursor: None,
                stock_taken: StockTaken::new(),
                server_time: None,
                device: device.to_owned(),
                next_op: 1,
            },
            conflicts: Vec::new(),
        })
    }

    /// An outbox saved by [`Outbox::save`], rebased as of `now`.
    pub fn restore(campaign: &Campaign, text: &str, now: Timestamp) -> Result<Self, Failure> {
        let saved: Saved = decode("saved outbox", text).map_err(|failure| {
            Failure::new(
                "invalid_saved_outbox",
                format!("the saved outbox cannot be read: {}", failure.message),
            )
        })?;
        if saved.version != OUTBOX_FORMAT_VERSION {
            return Err(Failure::new(
                "invalid_saved_outbox",
                format!(
                    "the saved outbox has format {}, this package reads {OUTBOX_FORMAT_VERSION}",
                    saved.version
                ),
            ));
        }
        if saved.campaign != campaign.id {
            return Err(Failure::new(
                "invalid_saved_outbox",
                format!(
                    "the saved outbox is for campaign \"{}\", not \"{}\"",
                    saved.campaign, campaign.id
                ),
            ));
        }
        check_device(&saved.device)?;
        check_state(campaign, &saved.base)?;
        let mut outbox = Self {
            local: saved.base.clone(),
            saved,
            conflicts: Vec::new(),
        };
        outbox.rebase(campaign, now);
        Ok(outbox)
    }

    /// The text to store; [`Outbox::restore`] reads it back.
    pub fn save(&self) -> String {
        encode(&self.saved)
    }

    /// The local state: the server's last state with the pending operations on top.
    pub fn state(&self) -> &MemberState {
        &self.local
    }

    /// Operations the server has not answered yet, oldest first.
    pub fn pending(&self) -> &[ClientOp] {
        &self.saved.pending
    }

    /// Pending operations that did not apply on the server's latest state.
    pub fn conflicts(&self) -> &[Conflict] {
        &self.conflicts
    }

    /// Stock taken per reward, as of the last sync.
    pub fn stock_taken(&self) -> &StockTaken {
        &self.saved.stock_taken
    }

    /// The server's clock at the last sync.
    pub fn server_time(&self) -> Option<Timestamp> {
        self.saved.server_time
    }

    /// The cursor of the last answer.
    pub fn cursor(&self) -> Option<Cursor> {
        self.saved.cursor
    }

    /// Forgets the cursor (the session now names another member).
    pub fn forget_cursor(&mut self) {
        self.saved.cursor = None;
    }

    /// Applies `op`, claimed at the device's `now`, to the local state and queues it; refused
    /// operations change nothing and are not queued.
    pub fn record(
        &mut self,
        campaign: &Campaign,
        op: Op,
        now: Timestamp,
    ) -> Result<Applied, Failure> {
        if self.saved.pending.len() >= OUTBOX_OPS_MAX {
            return Err(Failure::new(
                "outbox_full",
                format!("{OUTBOX_OPS_MAX} operations are waiting to be synced; sync first"),
            ));
        }
        let id = format!("{}-{}", self.saved.device, self.saved.next_op);
        let id: OpId = id.parse().map_err(|error| {
            Failure::new("invalid_saved_outbox", format!("op id {id}: {error}"))
        })?;
        let op = ClientOp {
            id,
            occurred_at: now,
            op,
        };
        let ctx = Context {
            stock_taken: &self.saved.stock_taken,
            handed_over: false,
            ..Context::new(now, Actor::Customer)
        };
        let applied =
            decide(campaign, &self.local, &op, &ctx).map_err(|r| Failure::rejected(&r))?;
        commit_checked(&mut self.local, &applied)?;
        self.saved.next_op += 1;
        self.saved.pending.push(op);
        Ok(applied)
    }

    /// The next `POST /v1/sync` body: the oldest pending operations (an empty batch pulls).
    pub fn next_batch(&self) -> SyncRequest {
        let count = self.saved.pending.len().min(SYNC_BATCH_OPS_MAX);
        SyncRequest {
            version: PROTOCOL_VERSION,
            campaign: self.saved.campaign.clone(),
            cursor: self.saved.cursor,
            ops: self.saved.pending[..count].to_vec(),
        }
    }

    /// Takes the server's answer (its exact text): answered operations leave the outbox, the
    /// server's state becomes the base, and what is still pending is re-applied on top.
    pub fn receive(
        &mut self,
        campaign: &Campaign,
        body: &str,
        now: Timestamp,
    ) -> Result<Received, Failure> {
        let invalid = |message: String| Failure::new("invalid_response", message);
        let response: SyncAnswer = decode("sync answer", body)
            .map_err(|failure| invalid(format!("not a SyncResponse: {}", failure.message)))?;
        if response.version != PROTOCOL_VERSION {
            return Err(invalid(format!(
                "the sync answer speaks protocol {}, this package {PROTOCOL_VERSION}",
                response.version
            )));
        }
        check_state(campaign, &response.state)
            .map_err(|failure| invalid(format!("the server's {}", failure.message)))?;
        let answered: Vec<OpId> = response.results.into_iter().map(|r| r.id).collect();
        self.saved.pending.retain(|op| {
            !answered.contains(&op.id) && !response.state.applied.contains_key(&op.id)
        });
        self.saved.base = response.state;
        self.saved.cursor = Some(response.cursor);
        self.saved.stock_taken = response.stock_taken;
        self.saved.server_time = Some(response.server_time);
        self.rebase(campaign, now);
        Ok(Received {
            answered,
            conflicts: self.conflicts.clone(),
            pending: self.saved.pending.len(),
        })
    }

    /// Re-applies the pending operations on the base.
    fn rebase(&mut self, campaign: &Campaign, now: Timestamp) {
        let ctx = Context {
            stock_taken: &self.saved.stock_taken,
            handed_over: false,
            ..Context::new(now, Actor::Customer)
        };
        let (state, conflicts) =
            rebase_checked(campaign, &self.saved.base, &self.saved.pending, &ctx);
        self.local = state;
        self.conflicts = conflicts;
    }
}

/// Re-applies `pending` on `base` as `siyu_core::protocol::rebase` does (operations the base
/// has applied are skipped; the others are applied optimistically, and those that no longer
/// apply are conflicts), but refusing, rather than panicking on, a base whose ledger
/// disagrees with itself.
pub fn rebase_checked(
    campaign: &Campaign,
    base: &MemberState,
    pending: &[ClientOp],
    ctx: &Context<'_>,
) -> (MemberState, Vec<Conflict>) {
    let mut state = base.clone();
    let mut conflicts = Vec::new();
    for op in pending
        .iter()
        .filter(|op| !base.applied.contains_key(&op.id))
    {
        let outcome = match decide(campaign, &state, op, ctx) {
            Ok(applied) => commit_checked(&mut state, &applied).map_err(|f| (f, None)),
            Err(rejection) => Err((Failure::rejected(&rejection), Some(rejection))),
        };
        if let Err((failure, rejection)) = outcome {
            conflicts.push(Conflict {
                id: op.id.clone(),
                code: failure.code,
                message: failure.message,
                rejection,
            });
        }
    }
    (state, conflicts)
}

fn check_device(device: &str) -> Result<(), Failure> {
    let fits = !device.is_empty()
        && device.len() <= DEVICE_TAG_BYTES_MAX
        && device
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '.'));
    if fits {
        Ok(())
    } else {
        Err(Failure::invalid_input(
            "device",
            format!("a device tag is 1–{DEVICE_TAG_BYTES_MAX} letters, digits, '_' or '.'"),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use siyu_core::op::OpKind;
    use siyu_core::protocol::{rebase, OpResult, OpStatus, SyncResponse};

    const DAY_MS: i64 = 86_400_000;
    /// 2026-11-29 in Shanghai, inside the beauty campaign.
    const NOW: Timestamp = Timestamp::from_millis(1_796_000_000_000);

    fn campaign() -> Campaign {
        siyu_core::demo::beauty()
    }

    fn outbox() -> Outbox {
        Outbox::new(&campaign(), "local".parse().unwrap(), "dev1").unwrap()
    }

    /// What a server would answer for `request`: the real rules on `server`'s state.
    fn answer(
        campaign: &Campaign,
        server: &mut MemberState,
        request: &SyncRequest,
        now: Timestamp,
    ) -> String {
        let ctx = Context::new(now, Actor::Customer);
        let results = request
            .ops
            .iter()
            .map(|op| OpResult {
                id: op.id.clone(),
                status: match siyu_core::apply(campaign, server, op, &ctx) {
                    Ok(applied) => OpStatus::accepted(&applied),
                    Err(rejection) => OpStatus::rejected(rejection),
                },
            })
            .collect();
        serde_json::to_string(&SyncResponse {
            version: PROTOCOL_VERSION,
            results,
            state: server.clone(),
            stock_taken: StockTaken::new(),
            cursor: Cursor(request.ops.len() as u64),
            server_time: now,
        })
        .unwrap()
    }

    fn outbox_ids(ids: &[&str]) -> Vec<OpId> {
        ids.iter().map(|id| id.parse().unwrap()).collect()
    }

    #[test]
    fn recorded_operations_apply_locally_and_wait_in_order() {
        let campaign = campaign();
        let mut outbox = outbox();
        let applied = outbox.record(&campaign, Op::Checkin {}, NOW).unwrap();
        assert_eq!(applied.kind, OpKind::Checkin);
        assert_eq!(applied.op.as_str(), "dev1-1");
        assert!(outbox.state().ledger.balance() > 0);
        outbox
            .record(
                &campaign,
                Op::Checkin {},
                Timestamp::from_millis(NOW.as_millis() + DAY_MS),
            )
            .unwrap();
        let ids: Vec<&str> = outbox.pending().iter().map(|op| op.id.as_str()).collect();
        assert_eq!(ids, ["dev1-1", "dev1-2"]);
    }

    #[test]
    fn a_refused_operation_is_not_queued() {
        let campaign = campaign();
        let mut outbox = outbox();
        outbox.record(&campaign, Op::Checkin {}, NOW).unwrap();
        let failure = outbox.record(&campaign, Op::Checkin {}, NOW).unwrap_err();
        assert_eq!(failure.code, "already_checked_in_today");
        assert_eq!(outbox.pending().len(), 1);
        let brand_only = Op::Adjust {
            points: 5,
            note: "x".into(),
        };
        assert_eq!(
            outbox.record(&campaign, brand_only, NOW).unwrap_err().code,
            "not_permitted"
        );
    }

    #[test]
    fn a_sync_answer_empties_the_outbox_and_becomes_the_base() {
        let campaign = campaign();
        let mut outbox = outbox();
        outbox.record(&campaign, Op::Checkin {}, NOW).unwrap();
        let local = outbox.state().clone();
        let mut server = MemberState::new(campaign.id.clone(), "device:abc".parse().unwrap());
        let body = answer(&campaign, &mut server, &outbox.next_batch(), NOW);
        let received = outbox.receive(&campaign, &body, NOW).unwrap();
        assert_eq!(received.answered, outbox_ids(&["dev1-1"]));
        assert_eq!(received.pending, 0);
        assert_eq!(outbox.state(), &server);
        assert_eq!(outbox.state().ledger.entries(), local.ledger.entries());
        assert_eq!(outbox.cursor(), Some(Cursor(1)));
    }

    #[test]
    fn operations_recorded_during_a_sync_stay_pending_and_are_rebased() {
        let campaign = campaign();
        let mut outbox = outbox();
        outbox.record(&campaign, Op::Checkin {}, NOW).unwrap();
        let request = outbox.next_batch();
        let tomorrow = Timestamp::from_millis(NOW.as_millis() + DAY_MS);
        outbox.record(&campaign, Op::Checkin {}, tomorrow).unwrap();
        let mut server = MemberState::new(campaign.id.clone(), "device:abc".parse().unwrap());
        let body = answer(&campaign, &mut server, &request, NOW);
        let received = outbox.receive(&campaign, &body, tomorrow).unwrap();
        assert_eq!(received.pending, 1);
        let expected = rebase(
            &campaign,
            &server,
            outbox.pending(),
            &Context::new(tomorrow, Actor::Customer),
        );
        assert_eq!(outbox.state(), &expected.state);
        assert!(received.conflicts.is_empty());
    }

    #[test]
    fn the_outbox_survives_a_save_and_restore() {
        let campaign = campaign();
        let mut outbox = outbox();
        outbox.record(&campaign, Op::Checkin {}, NOW).unwrap();
        let restored = Outbox::restore(&campaign, &outbox.save(), NOW).unwrap();
        assert_eq!(restored.state(), outbox.state());
        assert_eq!(restored.pending(), outbox.pending());
        assert_eq!(restored.save(), outbox.save());
        let other = siyu_core::demo::furniture();
        assert_eq!(
            Outbox::restore(&other, &outbox.save(), NOW)
                .unwrap_err()
                .code,
            "invalid_saved_outbox"
        );
        assert_eq!(
            Outbox::restore(&campaign, "{}", NOW).unwrap_err().code,
            "invalid_saved_outbox"
        );
    }

    #[test]
    fn batches_hold_at_most_the_protocol_maximum() {
        let campaign = campaign();
        let mut outbox = outbox();
        let ops = (0..SYNC_BATCH_OPS_MAX + 5).map(|i| ClientOp {
            id: format!("dev1-x{i}").parse().unwrap(),
            occurred_at: NOW,
            op: Op::Redeem {
                reward: "nothing".parse().unwrap(),
            },
        });
        outbox.saved.pending.extend(ops);
        let batch = outbox.next_batch();
        assert_eq!(batch.ops.len(), SYNC_BATCH_OPS_MAX);
        assert_eq!(batch.ops[0].id.as_str(), "dev1-x0");
        let _ = campaign;
    }

    #[test]
    fn a_bad_answer_changes_nothing() {
        let campaign = campaign();
        let mut outbox = outbox();
        outbox.record(&campaign, Op::Checkin {}, NOW).unwrap();
        let before = outbox.save();
        for body in ["", "{}", "[1]", r#"{"version": 2}"#] {
            let failure = outbox.receive(&campaign, body, NOW).unwrap_err();
            assert_eq!(failure.code, "invalid_response", "{body}");
        }
        assert_eq!(outbox.save(), before);
    }

    #[test]
    fn device_tags_are_checked() {
        let campaign = campaign();
        for bad in ["", "a-b", "x y", &"d".repeat(41)] {
            assert!(
                Outbox::new(&campaign, "m".parse().unwrap(), bad).is_err(),
                "{bad:?}"
            );
        }
    }
}
