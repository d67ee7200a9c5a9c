//! The member as the widgets see it: the server's last word, the operations still waiting in
//! the outbox, and the local state those make together.
//!
//! Pure: no DOM, no storage, no clock (every `now` is an argument), so it is tested natively and
//! in the browser alike. [`crate::store`] wraps it with persistence and the network.
//!
//! ## Guarantees
//! - An action changes the local state only through `core::decide` + `MemberState::commit`, and
//!   only when the rules accept it; an accepted action is in the outbox before `perform` returns.
//! - `local` is always `rebase(server, outbox)`: after a sync answer, operations the server has
//!   taken (accepted or duplicate) leave the outbox, rejected ones leave it too and are reported,
//!   so their optimistic effect disappears with the next rebase (the rollback).
//! - The outbox keeps its order; a batch is its oldest operations, at most
//!   [`SYNC_BATCH_OPS_MAX`].

use std::rc::Rc;

use serde::Deserialize;
use siyu_core::ids::{MemberId, OpId};
use siyu_core::op::{decide, Actor, Context, StockTaken};
use siyu_core::protocol::{rebase, Cursor, SYNC_BATCH_OPS_MAX};
use siyu_core::{Applied, Campaign, ClientOp, MemberState, Rejection, Timestamp};

/// What the server last said: the member's authoritative state and the shared figures.
///
/// Read from the sync answer's JSON (also as persisted on the device: the answer's text is
/// kept as it came, so the wasm never needs to serialise a member state).
#[derive(Debug, Clone, PartialEq)]
pub struct ServerSnapshot {
    /// The member's authoritative state.
    pub state: MemberState,
    /// Stock taken per reward, across members.
    pub stock_taken: StockTaken,
    /// The cursor of the last answer.
    pub cursor: Option<Cursor>,
    /// The server's clock at that answer.
    pub server_time: Timestamp,
}

/// The rule an operation broke, as the wire names it (`{"rule": "insufficient_balance",
/// "balance": 5, "needed": 30}`), with the figures an explanation uses.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Rule {
    /// The rule's code, e.g. `insufficient_balance`.
    pub rule: String,
    /// `claimed_time_outside_grace`: the window.
    #[serde(default)]
    pub grace_hours: u64,
    /// `insufficient_balance`: the balance.
    #[serde(default)]
    pub balance: u64,
    /// `insufficient_balance`: the points needed.
    #[serde(default)]
    pub needed: u64,
    /// `redemption_limit_reached`: the limit.
    #[serde(default)]
    pub limit: u64,
    /// `makeup_limit_reached`: the limit.
    #[serde(default)]
    pub per_cycle_max: u64,
}

impl Rule {
    /// The rule of a rejection `core::decide` returned on this device.
    ///
    /// A match rather than `Rejection::code()`, which goes through `serde_json::Value` and
    /// would add its whole serialiser to the wasm; a test checks both agree.
    pub fn of(rejection: &Rejection) -> Self {
        let rule = |name: &str| Rule {
            rule: name.to_owned(),
            ..Rule::default()
        };
        match rejection {
            Rejection::AlreadyApplied { .. } => rule("already_applied"),
            Rejection::OpIdConflict { .. } => rule("op_id_conflict"),
            Rejection::NotPermitted { .. } => rule("not_permitted"),
            Rejection::ClaimedTimeInFuture { .. } => rule("claimed_time_in_future"),
            Rejection::ClaimedTimeBeforeLastContact => rule("claimed_time_before_last_contact"),
            Rejection::ClaimedTimeOutsideGrace { grace_hours } => Rule {
                grace_hours: u64::from(*grace_hours),
                ..rule("claimed_time_outside_grace")
            },
            Rejection::CampaignNotRunning { .. } => rule("campaign_not_running"),
            Rejection::NoCheckin => rule("no_checkin"),
            Rejection::AlreadyCheckedInToday { .. } => rule("already_checked_in_today"),
            Rejection::MakeupNotOffered => rule("makeup_not_offered"),
            Rejection::MakeupForTodayOrFuture { .. } => rule("makeup_for_today_or_future"),
            Rejection::MakeupOutsideWindow { .. } => rule("makeup_outside_window"),
            Rejection::MakeupOutsideCycle { .. } => rule("makeup_outside_cycle"),
            Rejection::MakeupDayAlreadyChecked { .. } => rule("makeup_day_already_checked"),
            Rejection::MakeupLimitReached { per_cycle_max } => Rule {
                per_cycle_max: u64::from(*per_cycle_max),
                ..rule("makeup_limit_reached")
            },
            Rejection::InsufficientBalance { balance, needed } => Rule {
                balance: *balance,
                needed: *needed,
                ..rule("insufficient_balance")
            },
            Rejection::UnknownReward { .. } => rule("unknown_reward"),
            Rejection::OutOfStock { .. } => rule("out_of_stock"),
            Rejection::RedemptionLimitReached { limit, .. } => Rule {
                limit: u64::from(*limit),
                ..rule("redemption_limit_reached")
            },
            Rejection::NoQuiz => rule("no_quiz"),
            Rejection::QuizAlreadyCompleted => rule("quiz_already_completed"),
            Rejection::InvalidAnswers(_) => rule("invalid_answers"),
            Rejection::NoPurchaseRate => rule("no_purchase_rate"),
            Rejection::PurchaseAlreadyCredited { .. } => rule("purchase_already_credited"),
            Rejection::InvalidAmount { .. } => rule("invalid_amount"),
        }
    }
}

/// How the server took one operation, as far as the client cares: taken (accepted, or a
/// duplicate of something taken), or refused with the rule (`{"rule": "…", …}`).
#[derive(Debug, Clone, PartialEq)]
pub struct OpOutcome {
    /// The operation.
    pub id: OpId,
    /// The rule, when refused.
    pub refused: Option<Rule>,
}

/// A `POST /v1/sync` answer as the client reads it.
///
/// Deliberately not `core::protocol::SyncResponse`: the client does not need the per-op
/// events (the state says it all) nor the typed rejection (it explains the rule from its code
/// and fields), and skipping their decoders keeps the widgets' wasm far smaller.
#[derive(Debug, Clone, PartialEq)]
pub struct SyncAnswer {
    /// One outcome per pushed operation.
    pub results: Vec<OpOutcome>,
    /// The new server snapshot.
    pub snapshot: ServerSnapshot,
}

#[derive(Deserialize)]
struct WireAnswer {
    #[serde(default)]
    results: Vec<WireResult>,
    state: MemberState,
    #[serde(default)]
    stock_taken: StockTaken,
    cursor: Cursor,
    server_time: Timestamp,
}

#[derive(Deserialize)]
struct WireResult {
    id: OpId,
    status: String,
    #[serde(default)]
    rejection: Option<Rule>,
    /// A duplicate's first answer.
    #[serde(default)]
    original: Option<WireStatus>,
}

#[derive(Deserialize)]
struct WireStatus {
    status: String,
    #[serde(default)]
    rejection: Option<Rule>,
}

impl WireResult {
    /// The rule, when the server refused the operation: now, or the first time it came (its
    /// answer then lost on the way, a retry is answered `duplicate` of that refusal, which is
    /// explained all the same).
    fn refused(self) -> Option<Rule> {
        match (self.status.as_str(), self.original) {
            ("rejected", _) => Some(self.rejection.unwrap_or_default()),
            ("duplicate", Some(original)) if original.status == "rejected" => {
                Some(original.rejection.unwrap_or_default())
            }
            _ => None,
        }
    }
}

impl SyncAnswer {
    /// Reads an answer's JSON.
    pub fn parse(json: &str) -> Result<Self, String> {
        // An answer stored by an older release may carry 64-bit fingerprints.
        let wire: WireAnswer = crate::browser::from_json(json).or_else(|refused| {
            crate::browser::from_json_cutting_long_integers(json).map_err(|_| refused)
        })?;
        Ok(SyncAnswer {
            results: wire
                .results
                .into_iter()
                .map(|r| OpOutcome {
                    id: r.id.clone(),
                    refused: r.refused(),
                })
                .collect(),
            snapshot: ServerSnapshot {
                state: wire.state,
                stock_taken: wire.stock_taken,
                cursor: Some(wire.cursor),
                server_time: wire.server_time,
            },
        })
    }
}

/// An operation the server refused, to explain to the customer.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    /// The operation as it was sent.
    pub op: ClientOp,
    /// The rule it broke, as the server sent it.
    pub rejection: Rule,
}

/// The member: server state, outbox, and the local state they make.
#[derive(Debug, Clone)]
pub struct Member {
    campaign: Rc<Campaign>,
    server: Option<ServerSnapshot>,
    outbox: Vec<ClientOp>,
    local: MemberState,
}

/// The member id a device shows before the server has named it.
const UNSYNCED_MEMBER: &str = "device:unsynced";

impl Member {
    /// A member from what the device has stored (both parts may be empty).
    pub fn new(
        campaign: Rc<Campaign>,
        server: Option<ServerSnapshot>,
        outbox: Vec<ClientOp>,
        now: Timestamp,
    ) -> Self {
        let placeholder = MemberState::new(
            campaign.id.clone(),
            MemberId::parse(UNSYNCED_MEMBER).unwrap_or_else(|_| unreachable!("a valid id")),
        );
        let mut member = Member {
            campaign,
            server,
            outbox,
            local: placeholder,
        };
        member.rebuild(now);
        member
    }

    /// The campaign.
    pub fn campaign(&self) -> &Rc<Campaign> {
        &self.campaign
    }

    /// The state the widgets show: the server's, with the outbox applied on top.
    pub fn local(&self) -> &MemberState {
        &self.local
    }

    /// The server's last word, if the device has heard it.
    pub fn server(&self) -> Option<&ServerSnapshot> {
        self.server.as_ref()
    }

    /// Operations waiting to be sent, oldest first.
    pub fn outbox(&self) -> &[ClientOp] {
        &self.outbox
    }

    /// Stock taken per reward, as last heard.
    pub fn stock_taken(&self) -> &StockTaken {
        static NONE: StockTaken = StockTaken::new();
        self.server.as_ref().map_or(&NONE, |s| &s.stock_taken)
    }

    /// The context the device decides in: its own (corrected) clock, as a customer.
    fn context(&self, now: Timestamp) -> Context<'_> {
        Context {
            now,
            actor: Actor::Customer,
            last_contact: None,
            stock_taken: self.stock_taken(),
            handed_over: false,
        }
    }

    /// Decides `op` on the local state without changing anything.
    pub fn check(&self, op: &ClientOp, now: Timestamp) -> Result<Applied, Rejection> {
        decide(&self.campaign, &self.local, op, &self.context(now))
    }

    /// Applies an action at once and queues it: the optimistic half of an operation.
    pub fn perform(&mut self, op: ClientOp, now: Timestamp) -> Result<Applied, Rejection> {
        let applied = self.check(&op, now)?;
        self.local.commit(&applied);
        self.outbox.push(op);
        Ok(applied)
    }

    /// The oldest pending operations, as one sync batch.
    pub fn batch(&self) -> Vec<ClientOp> {
        self.outbox
            .iter()
            .take(SYNC_BATCH_OPS_MAX)
            .cloned()
            .collect()
    }

    /// Replaces the outbox (another tab changed it) and rebases.
    pub fn set_outbox(&mut self, outbox: Vec<ClientOp>, now: Timestamp) {
        self.outbox = outbox;
        self.rebuild(now);
    }

    /// Replaces the server snapshot (another tab synced) and rebases.
    pub fn set_server(&mut self, server: Option<ServerSnapshot>, now: Timestamp) {
        self.server = server;
        self.rebuild(now);
    }

    /// Takes the server's answer to a batch: drops what it took, reports what it refused, and
    /// rebases what is left on its state. Operations queued since the batch was sent stay.
    pub fn acknowledge(&mut self, answer: SyncAnswer, now: Timestamp) -> Vec<Refusal> {
        let mut refusals = Vec::new();
        for result in &answer.results {
            if let Some(rejection) = &result.refused {
                if let Some(op) = self.outbox.iter().find(|op| op.id == result.id) {
                    refusals.push(Refusal {
                        op: op.clone(),
                        rejection: rejection.clone(),
                    });
                }
            }
        }
        let state = &answer.snapshot.state;
        // Also drop anything the server's state already contains (sent by another tab).
        self.outbox.retain(|op| {
            !answer.results.iter().any(|r| r.id == op.id) && !state.applied.contains_key(&op.id)
        });
        self.server = Some(answer.snapshot);
        self.rebuild(now);
        refusals
    }

    /// Recomputes the local state: the server's, with the outbox rebased on top.
    pub fn rebuild(&mut self, now: Timestamp) {
        let base = match &self.server {
            Some(server) => server.state.clone(),
            None => MemberState::new(
                self.campaign.id.clone(),
                MemberId::parse(UNSYNCED_MEMBER).unwrap_or_else(|_| unreachable!("a valid id")),
            ),
        };
        let ctx = self.context(now);
        let rebased = rebase(&self.campaign, &base, &self.outbox, &ctx);
        self.local = rebased.state;
        self.outbox = rebased.pending;
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use siyu_core::op::Op;
    use siyu_core::protocol::{OpResult, OpStatus, SyncResponse, PROTOCOL_VERSION};

    const DAY_MS: i64 = 86_400_000;
    /// 2026-11-29 10:13 in Shanghai.
    const NOW: Timestamp = Timestamp::from_millis(1_796_000_000_000);

    fn campaign() -> Rc<Campaign> {
        Rc::new(siyu_core::demo::beauty())
    }

    fn op(id: &str, at: Timestamp, op: Op) -> ClientOp {
        ClientOp {
            id: id.parse().unwrap(),
            occurred_at: at,
            op,
        }
    }

    /// What the server would answer: the same rules applied to its own state.
    fn server_answer(
        campaign: &Campaign,
        server: &mut MemberState,
        ops: &[ClientOp],
        now: Timestamp,
    ) -> SyncAnswer {
        let ctx = Context::new(now, Actor::Customer);
        let results = ops
            .iter()
            .map(|op| OpResult {
                id: op.id.clone(),
                status: match siyu_core::apply(campaign, server, op, &ctx) {
                    Ok(applied) => OpStatus::accepted(&applied),
                    Err(rejection) => OpStatus::rejected(rejection),
                },
            })
            .collect();
        answer_of(results, server, now)
    }

    /// The server's answer with these `results` and its state, as the client reads it.
    fn answer_of(results: Vec<OpResult>, server: &MemberState, now: Timestamp) -> SyncAnswer {
        let response = SyncResponse {
            version: PROTOCOL_VERSION,
            results,
            state: server.clone(),
            stock_taken: StockTaken::new(),
            cursor: Cursor(1),
            server_time: now,
        };
        SyncAnswer::parse(&serde_json::to_string(&response).unwrap()).expect("answers parse")
    }

    /// A member who checked in offline three days ago: outside the 48-hour grace now.
    fn back_after_three_days_offline() -> (Rc<Campaign>, Member) {
        let campaign = campaign();
        let mut member = Member::new(campaign.clone(), None, Vec::new(), NOW);
        let long_ago = NOW.plus_days(-3);
        member
            .perform(op("old", long_ago, Op::Checkin {}), long_ago)
            .unwrap();
        (campaign, member)
    }

    #[test]
    fn the_rule_of_a_local_rejection_is_the_code_the_server_sends() {
        use siyu_core::ids::RewardId;
        let day = siyu_core::LocalDay::parse("2026-11-24").unwrap();
        let reward: RewardId = "r".parse().unwrap();
        let every = [
            Rejection::AlreadyApplied {
                op: "o".parse().unwrap(),
            },
            Rejection::OpIdConflict {
                op: "o".parse().unwrap(),
            },
            Rejection::NotPermitted { what: "x".into() },
            Rejection::ClaimedTimeInFuture { ahead_seconds: 1 },
            Rejection::ClaimedTimeBeforeLastContact,
            Rejection::ClaimedTimeOutsideGrace { grace_hours: 48 },
            Rejection::CampaignNotRunning { day },
            Rejection::NoCheckin,
            Rejection::AlreadyCheckedInToday { day },
            Rejection::MakeupNotOffered,
            Rejection::MakeupForTodayOrFuture { day },
            Rejection::MakeupOutsideWindow {
                day,
                window_days: 3,
            },
            Rejection::MakeupOutsideCycle { day },
            Rejection::MakeupDayAlreadyChecked { day },
            Rejection::MakeupLimitReached { per_cycle_max: 2 },
            Rejection::InsufficientBalance {
                balance: 5,
                needed: 30,
            },
            Rejection::UnknownReward {
                reward: reward.clone(),
            },
            Rejection::OutOfStock {
                reward: reward.clone(),
            },
            Rejection::RedemptionLimitReached { reward, limit: 1 },
            Rejection::NoQuiz,
            Rejection::QuizAlreadyCompleted,
            Rejection::InvalidAnswers(siyu_core::quiz::AnswerError::MissingRequired {
                question: "q".parse().unwrap(),
            }),
            Rejection::NoPurchaseRate,
            Rejection::PurchaseAlreadyCredited {
                reference: "p".parse().unwrap(),
            },
            Rejection::InvalidAmount { reason: "x".into() },
        ];
        for rejection in &every {
            let wire: Rule =
                serde_json::from_value(serde_json::to_value(rejection).unwrap()).unwrap();
            assert_eq!(Rule::of(rejection), wire, "{rejection:?}");
        }
    }

    #[test]
    fn an_action_applies_at_once_and_waits_in_the_outbox() {
        let mut member = Member::new(campaign(), None, Vec::new(), NOW);
        let applied = member
            .perform(op("a", NOW, Op::Checkin {}), NOW)
            .expect("a first check-in is accepted");
        assert_eq!(applied.points_delta(), 5);
        assert_eq!(member.local().ledger.balance(), 5);
        assert_eq!(member.outbox().len(), 1);
    }

    #[test]
    fn a_refused_action_changes_nothing_and_is_not_queued() {
        let mut member = Member::new(campaign(), None, Vec::new(), NOW);
        member.perform(op("a", NOW, Op::Checkin {}), NOW).unwrap();
        let refused = member.perform(op("b", NOW, Op::Checkin {}), NOW);
        assert!(matches!(
            refused,
            Err(Rejection::AlreadyCheckedInToday { .. })
        ));
        assert_eq!(member.outbox().len(), 1);
        assert_eq!(member.local().ledger.balance(), 5);
    }

    #[test]
    fn the_outbox_survives_a_reload_as_the_same_local_state() {
        let mut member = Member::new(campaign(), None, Vec::new(), NOW);
        member.perform(op("a", NOW, Op::Checkin {}), NOW).unwrap();
        let reloaded = Member::new(campaign(), None, member.outbox().to_vec(), NOW);
        assert_eq!(reloaded.local(), member.local());
    }

    #[test]
    fn an_accepted_batch_leaves_the_outbox_and_the_server_state_is_the_truth() {
        let campaign = campaign();
        let mut member = Member::new(campaign.clone(), None, Vec::new(), NOW);
        member.perform(op("a", NOW, Op::Checkin {}), NOW).unwrap();
        let mut server = MemberState::new(campaign.id.clone(), "device:d1".parse().unwrap());
        let answer = server_answer(&campaign, &mut server, &member.batch(), NOW);
        let refusals = member.acknowledge(answer, NOW);
        assert!(refusals.is_empty());
        assert!(member.outbox().is_empty());
        assert_eq!(member.local(), &server);
    }

    #[test]
    fn a_server_refusal_is_reported_and_its_optimistic_effect_rolled_back() {
        let (campaign, mut member) = back_after_three_days_offline();
        let mut server = MemberState::new(campaign.id.clone(), "device:d1".parse().unwrap());
        let answer = server_answer(&campaign, &mut server, &member.batch(), NOW);
        let refusals = member.acknowledge(answer, NOW);
        assert_eq!(refusals.len(), 1);
        assert_eq!(refusals[0].rejection.rule, "claimed_time_outside_grace");
        assert_eq!(refusals[0].rejection.grace_hours, 48);
        assert!(member.outbox().is_empty());
        assert_eq!(member.local().ledger.balance(), 0, "rolled back");
    }

    #[test]
    fn a_refusal_whose_answer_was_lost_is_explained_when_its_retry_is_a_duplicate() {
        let (campaign, mut member) = back_after_three_days_offline();
        // The server refused it the first time; that answer never arrived, the retry's says
        // `duplicate` of the refusal.
        let mut server = MemberState::new(campaign.id.clone(), "device:d1".parse().unwrap());
        let mut first = server_answer(&campaign, &mut server, &member.batch(), NOW);
        let refused = first.results.remove(0);
        assert!(refused.refused.is_some());
        let original =
            OpStatus::rejected(siyu_core::Rejection::ClaimedTimeOutsideGrace { grace_hours: 48 });
        let retry = answer_of(
            vec![OpResult {
                id: refused.id,
                status: OpStatus::Duplicate {
                    original: Box::new(original),
                },
            }],
            &server,
            NOW,
        );
        let refusals = member.acknowledge(retry, NOW);
        assert_eq!(refusals.len(), 1, "explained, not silently undone");
        assert_eq!(refusals[0].rejection.rule, "claimed_time_outside_grace");
        assert_eq!(member.local().ledger.balance(), 0, "rolled back");
    }

    #[test]
    fn operations_queued_during_a_sync_stay_pending_on_top_of_the_answer() {
        let campaign = campaign();
        let mut member = Member::new(campaign.clone(), None, Vec::new(), NOW);
        member.perform(op("a", NOW, Op::Checkin {}), NOW).unwrap();
        let sent = member.batch();
        // Queued while the batch was in flight: tomorrow's check-in.
        let tomorrow = NOW.plus_seconds(DAY_MS / 1_000);
        member
            .perform(op("b", tomorrow, Op::Checkin {}), tomorrow)
            .unwrap();
        let mut server = MemberState::new(campaign.id.clone(), "device:d1".parse().unwrap());
        let answer = server_answer(&campaign, &mut server, &sent, NOW);
        member.acknowledge(answer, tomorrow);
        assert_eq!(member.outbox().len(), 1);
        assert_eq!(member.outbox()[0].id.as_str(), "b");
        assert_eq!(member.local().checkins.days.len(), 2);
    }

    #[test]
    fn an_operation_another_tab_already_sent_is_not_sent_again() {
        let campaign = campaign();
        let mut member = Member::new(campaign.clone(), None, Vec::new(), NOW);
        member.perform(op("a", NOW, Op::Checkin {}), NOW).unwrap();
        let mut server = MemberState::new(campaign.id.clone(), "device:d1".parse().unwrap());
        let other_tab = server_answer(&campaign, &mut server, &member.batch(), NOW);
        // This tab pulls (an empty batch) and learns the server already has "a".
        let mut pulled = other_tab.clone();
        pulled.results.clear();
        member.acknowledge(pulled, NOW);
        assert!(member.outbox().is_empty());
        assert_eq!(member.local().ledger.balance(), 5);
    }
}
