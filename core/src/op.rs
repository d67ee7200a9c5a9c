//! Operations and the one transition function.
//!
//! A client sends *facts* (checked in, made up a day, answered the quiz, redeem a reward);
//! the brand's back end sends purchases and corrections. No operation names the points it
//! earns: [`decide`] derives them from the campaign's rules. [`decide`] is pure: it reads the
//! state and returns what would change ([`Applied`]) or the rule it breaks ([`Rejection`]);
//! [`MemberState::commit`] then changes the state. The browser runs it for instant feedback,
//! the server for the truth, with the same result for the same inputs.
//!
//! Before the operation itself, points whose expiry has passed (by the server's `now`) are
//! expired, so every decision sees the balance as it truly is.

use serde::{Deserialize, Serialize};

mod read;

use crate::campaign::{Campaign, CheckinRules, Expiry, PurchaseRate, Rounding};
use crate::checkin::{CheckinState, CycleRecord, Mark};
use crate::ids::{BadgeId, OpId, PurchaseReference, RewardId};
use crate::ledger::{EntryDraft, Movement, Reason, BALANCE_POINTS_MAX};
use crate::member::MemberState;
use crate::quiz::{self, AnswerError, Answers, QuizResult};
use crate::standing::{badge_earned, Achievements};
use crate::time::{LocalDay, Timestamp};

/// The largest purchase amount accepted, in minor units (10 billion yuan).
pub const PURCHASE_AMOUNT_MINOR_MAX: u64 = 1_000_000_000_000;
/// The largest correction, in points, either way.
pub const ADJUST_POINTS_MAX: i64 = 10_000_000;
/// The longest correction note, in characters.
pub const NOTE_CHARS_MAX: usize = 200;
/// How far ahead of the server's clock a claimed time may be and still count as "now"
/// (phones drift a little); further ahead is a device clock set forward.
pub const CLOCK_SKEW_TOLERANCE_MS: i64 = 2 * 60 * 1_000;
/// How far before the device's last contact a claim may be and still count: operations made
/// while a sync was in flight, and phone clocks a little behind the server's, are honest.
pub const LAST_CONTACT_TOLERANCE_MS: i64 = 5 * 60 * 1_000;

/// What happened, as a fact. Never an amount of points a client claims.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case", try_from = "read::OpFields")]
pub enum Op {
    /// Check in for the day of the claimed time. (A struct variant, so that unknown fields
    /// such as a forged `points` are refused like everywhere else.)
    Checkin {},
    /// Make up a missed day (补签).
    MakeupCheckin {
        /// The missed day.
        day: LocalDay,
    },
    /// Submit the quiz.
    SubmitQuiz {
        /// The answers.
        #[cfg_attr(feature = "openapi", schema(inline))]
        answers: Answers,
    },
    /// Redeem a reward.
    Redeem {
        /// The reward.
        reward: RewardId,
    },
    /// Brand only: a purchase, credited at the campaign's rate.
    CreditPurchase {
        /// The brand's order reference (crediting it twice is refused).
        reference: PurchaseReference,
        /// Amount paid, in minor units.
        amount_minor: u64,
    },
    /// Brand only: a compensating correction (positive or negative).
    Adjust {
        /// Points to add (negative: remove).
        points: i64,
        /// Why, for the member's history.
        note: String,
    },
}

/// The kind of an operation, without its data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OpKind {
    /// [`Op::Checkin`].
    Checkin,
    /// [`Op::MakeupCheckin`].
    MakeupCheckin,
    /// [`Op::SubmitQuiz`].
    SubmitQuiz,
    /// [`Op::Redeem`].
    Redeem,
    /// [`Op::CreditPurchase`].
    CreditPurchase,
    /// [`Op::Adjust`].
    Adjust,
}

impl OpKind {
    /// Whether the operation is the member interacting (for the lifecycle stage).
    pub fn is_interaction(self) -> bool {
        !matches!(self, Self::Adjust)
    }

    /// Whether only the brand's back end may send it.
    pub fn brand_only(self) -> bool {
        matches!(self, Self::CreditPurchase | Self::Adjust)
    }
}

impl Op {
    /// Its kind.
    pub fn kind(&self) -> OpKind {
        match self {
            Self::Checkin {} => OpKind::Checkin,
            Self::MakeupCheckin { .. } => OpKind::MakeupCheckin,
            Self::SubmitQuiz { .. } => OpKind::SubmitQuiz,
            Self::Redeem { .. } => OpKind::Redeem,
            Self::CreditPurchase { .. } => OpKind::CreditPurchase,
            Self::Adjust { .. } => OpKind::Adjust,
        }
    }
}

/// An operation as a client sends it: its id, when it says it happened, and the fact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ClientOp {
    /// Client-made id; applying it twice changes nothing.
    pub id: OpId,
    /// When the client says it happened (its own clock; judged, not trusted).
    pub occurred_at: Timestamp,
    /// The fact.
    pub op: Op,
}

impl ClientOp {
    /// A fingerprint of the content, to tell a retry from a different operation reusing an id.
    /// 53 bits of it: see [`fingerprint_bits`].
    pub fn fingerprint(&self) -> u64 {
        // FNV-1a over the canonical JSON: stable across platforms and releases of std.
        // (`unreachable!` rather than `expect`: `expect` needs the error's `Debug`, which for
        // serde_json's error drags its formatting into the widgets' wasm.)
        let json =
            serde_json::to_vec(self).unwrap_or_else(|_| unreachable!("ops always serialise"));
        fingerprint_bits(json.iter().fold(0xcbf2_9ce4_8422_2325_u64, |hash, byte| {
            (hash ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3)
        }))
    }
}

/// The bits of a fingerprint that count: the low 53.
///
/// Member states carry fingerprints (`applied`), and browsers read them with `JSON.parse`,
/// whose numbers hold integers exactly only up to 2^53. Fingerprints recorded before they
/// were cut to 53 bits are compared through this too, so an old operation's retry is still
/// recognised as a retry. 53 bits only tell one operation's retry from a reused id with
/// other content, which a collision cannot turn into anything the member gains.
pub const fn fingerprint_bits(fingerprint: u64) -> u64 {
    fingerprint & ((1 << 53) - 1)
}

/// Who sends the operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Actor {
    /// The customer's device or app.
    Customer,
    /// The brand's back end (tenant key).
    Brand,
}

/// Units of a reward taken by all members so far.
pub type StockTaken = crate::sorted_map::SortedMap<RewardId, u32>;

static NO_STOCK_TAKEN: StockTaken = StockTaken::new();

/// What the transition needs from the world: the clock, who acts, and shared figures.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The authority's clock: the server's, or the device's for optimistic local apply.
    pub now: Timestamp,
    /// Who sends the operation.
    pub actor: Actor,
    /// When the sending device last reached the server; offline claims earlier than that
    /// are refused.
    pub last_contact: Option<Timestamp>,
    /// Stock taken per reward, across members.
    pub stock_taken: &'a StockTaken,
    /// The operation was accepted before and its reward handed over: a device's history
    /// merged into its member's when it signs in. The per-person limit and the stock are not
    /// judged again (nothing acknowledged is lost); the points still are.
    pub handed_over: bool,
}

impl Context<'static> {
    /// A context with no shared stock figures (stock is then judged by the config alone).
    pub fn new(now: Timestamp, actor: Actor) -> Self {
        Self {
            now,
            actor,
            last_contact: None,
            stock_taken: &NO_STOCK_TAKEN,
            handed_over: false,
        }
    }
}

/// What an operation changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "event", rename_all = "snake_case")]
pub enum Event {
    /// A check-in cycle began.
    CycleStarted {
        /// The cycle, with its pinned rules.
        cycle: CycleRecord,
    },
    /// A day was checked.
    CheckedIn {
        /// The day.
        day: LocalDay,
        /// Done, or made up.
        mark: Mark,
        /// The streak after it.
        streak: u32,
        /// Points it earned.
        points: u64,
    },
    /// A milestone was reached.
    MilestoneReached {
        /// The cycle.
        cycle_start: LocalDay,
        /// Check-ins that reached it.
        checkins: u16,
        /// Points.
        points: u64,
        /// Gift.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        gift: Option<crate::locale::Text>,
    },
    /// The quiz was completed.
    QuizCompleted {
        /// Answers.
        #[cfg_attr(feature = "openapi", schema(inline))]
        answers: Answers,
        /// Outcome and tags.
        result: QuizResult,
        /// Points.
        points: u64,
    },
    /// A reward was redeemed.
    Redeemed {
        /// The reward.
        reward: RewardId,
        /// Points paid.
        cost: u64,
    },
    /// A purchase was credited.
    PurchaseCredited {
        /// Order reference.
        reference: PurchaseReference,
        /// Amount.
        amount_minor: u64,
        /// Points.
        points: u64,
    },
    /// A correction was booked.
    Adjusted {
        /// Points (negative: removed).
        points: i64,
    },
    /// Points expired.
    PointsExpired {
        /// Points.
        points: u64,
    },
    /// A badge was earned.
    BadgeEarned {
        /// The badge.
        badge: BadgeId,
    },
}

/// The decision for one operation: ledger entries and events, to be committed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Applied {
    /// The operation.
    pub op: OpId,
    /// Its kind.
    pub kind: OpKind,
    /// Its fingerprint.
    pub fingerprint: u64,
    /// When it counts (the judged claimed time).
    pub at: Timestamp,
    /// The local day it counts for.
    pub day: LocalDay,
    /// The campaign revision applied.
    pub revision: u32,
    /// Ledger entries, in booking order.
    pub entries: Vec<EntryDraft>,
    /// What changed.
    pub events: Vec<Event>,
}

impl Applied {
    /// Net points this operation moved for the member.
    pub fn points_delta(&self) -> i64 {
        self.entries
            .iter()
            .map(|e| match e.movement {
                Movement::Earn { .. } => e.points as i64,
                Movement::Spend | Movement::Expire { .. } => -(e.points as i64),
            })
            .sum()
    }

    /// The reward whose stock this operation takes one unit of.
    pub fn stock_taken(&self) -> Option<&RewardId> {
        self.events.iter().find_map(|e| match e {
            Event::Redeemed { reward, .. } => Some(reward),
            _ => None,
        })
    }
}

/// The rule an operation breaks. Applying a rejected operation changes nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "rule", rename_all = "snake_case")]
pub enum Rejection {
    /// This id was applied before with the same content: a retry; nothing more happens.
    #[error("operation {op} was already applied")]
    AlreadyApplied {
        /// The id.
        op: OpId,
    },
    /// This id was applied before with different content.
    #[error("operation id {op} was already used for a different operation")]
    OpIdConflict {
        /// The id.
        op: OpId,
    },
    /// The actor may not send this operation.
    #[error("not permitted: {what}")]
    NotPermitted {
        /// What was attempted.
        what: String,
    },
    /// The claimed time is ahead of the server's clock (device clock set forward?).
    #[error("the operation claims a time {ahead_seconds} s ahead of the server's clock")]
    ClaimedTimeInFuture {
        /// How far ahead.
        ahead_seconds: i64,
    },
    /// The claimed time is before the device last reached the server.
    #[error("the operation claims a time before this device last reached the server")]
    ClaimedTimeBeforeLastContact,
    /// The claimed time is older than the campaign's offline grace window.
    #[error(
        "the operation claims a time more than {grace_hours} h ago (the offline grace window)"
    )]
    ClaimedTimeOutsideGrace {
        /// The window.
        grace_hours: u32,
    },
    /// The campaign is not running on that day.
    #[error("the campaign is not running on {day}")]
    CampaignNotRunning {
        /// The day.
        day: LocalDay,
    },
    /// The campaign has no check-in programme.
    #[error("this campaign has no check-in")]
    NoCheckin,
    /// One check-in per day.
    #[error("already checked in on {day}")]
    AlreadyCheckedInToday {
        /// The day.
        day: LocalDay,
    },
    /// The campaign offers no make-up check-ins.
    #[error("this campaign offers no make-up check-ins")]
    MakeupNotOffered,
    /// Make-ups are for missed days, never today or the future.
    #[error("{day} can't be made up: only past missed days can")]
    MakeupForTodayOrFuture {
        /// The day.
        day: LocalDay,
    },
    /// Make-ups only within the window.
    #[error("{day} is more than {window_days} day(s) ago and can no longer be made up")]
    MakeupOutsideWindow {
        /// The day.
        day: LocalDay,
        /// The window.
        window_days: u16,
    },
    /// Make-ups only inside a started cycle.
    #[error("{day} is not in a check-in cycle you have started")]
    MakeupOutsideCycle {
        /// The day.
        day: LocalDay,
    },
    /// The day is already checked.
    #[error("{day} is already checked in")]
    MakeupDayAlreadyChecked {
        /// The day.
        day: LocalDay,
    },
    /// Make-ups are limited per cycle.
    #[error("all {per_cycle_max} make-up(s) of this cycle are used")]
    MakeupLimitReached {
        /// The limit.
        per_cycle_max: u16,
    },
    /// Not enough points.
    #[error("not enough points: {balance} available, {needed} needed")]
    InsufficientBalance {
        /// Balance.
        balance: u64,
        /// Needed.
        needed: u64,
    },
    /// No such reward.
    #[error("the catalogue has no reward \"{reward}\"")]
    UnknownReward {
        /// The reward.
        reward: RewardId,
    },
    /// No stock left.
    #[error("\"{reward}\" is out of stock")]
    OutOfStock {
        /// The reward.
        reward: RewardId,
    },
    /// Per-member limit reached.
    #[error("\"{reward}\" can be redeemed at most {limit} time(s) per member")]
    RedemptionLimitReached {
        /// The reward.
        reward: RewardId,
        /// The limit.
        limit: u32,
    },
    /// The campaign has no quiz.
    #[error("this campaign has no quiz")]
    NoQuiz,
    /// The quiz counts once per member.
    #[error("the quiz was already completed")]
    QuizAlreadyCompleted,
    /// The answers do not fit the quiz.
    #[error("invalid answers: {0}")]
    InvalidAnswers(AnswerError),
    /// The campaign does not credit purchases.
    #[error("this campaign does not award points for purchases")]
    NoPurchaseRate,
    /// The order was credited before.
    #[error("purchase {reference} was already credited")]
    PurchaseAlreadyCredited {
        /// The reference.
        reference: PurchaseReference,
    },
    /// An amount out of range.
    #[error("invalid amount: {reason}")]
    InvalidAmount {
        /// What is wrong.
        reason: String,
    },
}

impl Rejection {
    /// A stable snake_case code for the wire and for translations.
    pub fn code(&self) -> String {
        let value = serde_json::to_value(self).expect("rejections serialise");
        value
            .get("rule")
            .and_then(|r| r.as_str())
            .unwrap_or("rejected")
            .to_owned()
    }
}

/// Decides an operation against a state (see the module docs). Pure.
pub fn decide(
    campaign: &Campaign,
    state: &MemberState,
    op: &ClientOp,
    ctx: &Context<'_>,
) -> Result<Applied, Rejection> {
    let fingerprint = op.fingerprint();
    match state.applied.get(&op.id) {
        Some(&seen)
            if seen == crate::member::ERASED_FINGERPRINT
                || fingerprint_bits(seen) == fingerprint =>
        {
            return Err(Rejection::AlreadyApplied { op: op.id.clone() })
        }
        Some(_) => return Err(Rejection::OpIdConflict { op: op.id.clone() }),
        None => {}
    }
    let kind = op.op.kind();
    match (kind.brand_only(), ctx.actor) {
        (true, Actor::Customer) => {
            return Err(Rejection::NotPermitted {
                what: "only the brand's back end may credit purchases or correct balances".into(),
            })
        }
        (false, Actor::Brand) => {
            return Err(Rejection::NotPermitted {
                what:
                    "customer operations come from the customer's device, not the brand's back end"
                        .into(),
            })
        }
        _ => {}
    }
    let at = effective_time(campaign, op.occurred_at, ctx)?;
    let zone = campaign.zone();
    let day = zone.local_day(at);
    let today = zone.local_day(ctx.now);
    let mut decision = Decision {
        campaign,
        state,
        at,
        day,
        today,
        key_prefix: op.id.as_str(),
        balance: state.ledger.balance(),
        entries: due_expiries(campaign, state, today),
        events: Vec::new(),
    };
    decision.balance -= decision.entries.iter().map(|e| e.points).sum::<u64>();
    let expired: u64 = decision.entries.iter().map(|e| e.points).sum();
    if expired > 0 {
        decision
            .events
            .push(Event::PointsExpired { points: expired });
    }
    match &op.op {
        Op::Checkin {} => decision.checkin(day, Mark::Done)?,
        Op::MakeupCheckin { day } => decision.makeup(*day)?,
        Op::SubmitQuiz { answers } => decision.submit_quiz(answers)?,
        Op::Redeem { reward } => decision.redeem(reward, ctx)?,
        Op::CreditPurchase {
            reference,
            amount_minor,
        } => decision.credit_purchase(reference, *amount_minor)?,
        Op::Adjust { points, note } => decision.adjust(*points, note)?,
    }
    decision.badges();
    Ok(Applied {
        op: op.id.clone(),
        kind,
        fingerprint,
        at,
        day,
        revision: campaign.revision,
        entries: decision.entries,
        events: decision.events,
    })
}

/// Decides and commits: the state changes only when the operation is accepted.
pub fn apply(
    campaign: &Campaign,
    state: &mut MemberState,
    op: &ClientOp,
    ctx: &Context<'_>,
) -> Result<Applied, Rejection> {
    let applied = decide(campaign, state, op, ctx)?;
    state.commit(&applied);
    Ok(applied)
}

/// Judges a claimed time (trust rule 4): not after the authority's now (beyond a small skew),
/// not before the device's last contact, not older than the grace window. The brand's back end
/// acts in the server's time.
pub fn effective_time(
    campaign: &Campaign,
    claimed: Timestamp,
    ctx: &Context<'_>,
) -> Result<Timestamp, Rejection> {
    if ctx.actor == Actor::Brand {
        return Ok(ctx.now);
    }
    // Saturating: a client may send any i64 as its time.
    let ahead = claimed.as_millis().saturating_sub(ctx.now.as_millis());
    if ahead > CLOCK_SKEW_TOLERANCE_MS {
        return Err(Rejection::ClaimedTimeInFuture {
            ahead_seconds: ahead / 1_000,
        });
    }
    if ctx.last_contact.is_some_and(|contact| {
        claimed.as_millis()
            < contact
                .as_millis()
                .saturating_sub(LAST_CONTACT_TOLERANCE_MS)
    }) {
        return Err(Rejection::ClaimedTimeBeforeLastContact);
    }
    let grace_hours = campaign.offline.grace_hours;
    if ctx.now.as_millis().saturating_sub(claimed.as_millis()) > i64::from(grace_hours) * 3_600_000
    {
        return Err(Rejection::ClaimedTimeOutsideGrace { grace_hours });
    }
    Ok(claimed.min(ctx.now))
}

/// The lot expiry for points earned on `day`.
pub fn lot_expiry(expiry: Expiry, day: LocalDay) -> Option<LocalDay> {
    match expiry {
        Expiry::AfterDays { days } => Some(day.plus(i32::from(days))),
        Expiry::FixedDate { month, day: dom } => {
            let earned = day.date();
            (earned.year..=earned.year + 1).find_map(|year| {
                let clamped = dom.min(crate::time::days_in_month(year, month));
                let date = crate::time::CivilDate::new(year, month, clamped)?;
                let candidate = LocalDay::from_date(date);
                (candidate > day).then_some(candidate)
            })
        }
        Expiry::Never | Expiry::Inactivity { .. } => None,
    }
}

/// The points a purchase of `amount_minor` earns at `rate`: `amount × points ÷ per`, rounded
/// by the rate's rule, exactly; `None` when they would not fit in a `u64`.
///
/// Worked in 64 bits by splitting the amount into whole `per` units and a rest: `rest ×
/// points` stays below 2^64 because both are below 2^32. (128-bit arithmetic cost the
/// widgets' wasm 2.4 KB.)
pub fn purchase_points(amount_minor: u64, rate: &PurchaseRate) -> Option<u64> {
    let points = u64::from(rate.points);
    let per = u64::from(rate.per_minor_units.max(1));
    let (whole, rest) = (amount_minor / per, amount_minor % per);
    let scaled_rest = rest * points;
    let from_rest = match rate.rounding {
        Rounding::Floor => scaled_rest / per,
        Rounding::HalfUp => (scaled_rest + per / 2) / per,
    };
    whole.checked_mul(points)?.checked_add(from_rest)
}

/// Expiry entries due by `today`: lots past their last day; or, after inactivity, every lot.
pub fn due_expiries(campaign: &Campaign, state: &MemberState, today: LocalDay) -> Vec<EntryDraft> {
    let expire = |lot: &crate::ledger::Lot, day: LocalDay, reason: Reason| EntryDraft {
        key: format!("expire:{}", lot.seq),
        at: campaign.zone().start_of_day(day),
        day,
        points: lot.remaining,
        movement: Movement::Expire { lot: lot.seq },
        reason,
    };
    match campaign.points.expiry {
        Expiry::Never => Vec::new(),
        Expiry::Inactivity { days } => {
            let Some(last) = state.last_active.max(state.ledger.last_activity_day()) else {
                return Vec::new();
            };
            let expires = last.plus(i32::from(days) + 1);
            if expires > today {
                return Vec::new();
            }
            state
                .ledger
                .open_lots()
                .map(|lot| expire(lot, expires, Reason::Inactive))
                .collect()
        }
        Expiry::AfterDays { .. } | Expiry::FixedDate { .. } => state
            .ledger
            .open_lots()
            .filter_map(|lot| {
                lot.expires_on
                    .filter(|last| *last < today)
                    .map(|last| expire(lot, last.plus(1), Reason::Expired))
            })
            .collect(),
    }
}

/// A decision in progress: what has been decided so far, and the balance it leaves.
struct Decision<'a> {
    campaign: &'a Campaign,
    state: &'a MemberState,
    at: Timestamp,
    day: LocalDay,
    today: LocalDay,
    key_prefix: &'a str,
    balance: u64,
    entries: Vec<EntryDraft>,
    events: Vec<Event>,
}

impl Decision<'_> {
    fn earn(
        &mut self,
        key: String,
        day: LocalDay,
        points: u64,
        reason: Reason,
    ) -> Result<(), Rejection> {
        if points == 0 {
            return Ok(());
        }
        if self.balance.saturating_add(points) > BALANCE_POINTS_MAX {
            return Err(Rejection::InvalidAmount {
                reason: format!("the balance would exceed {BALANCE_POINTS_MAX} points"),
            });
        }
        let expires_on = lot_expiry(self.campaign.points.expiry, day);
        self.balance += points;
        self.entries.push(EntryDraft {
            key,
            at: self.at,
            day,
            points,
            movement: Movement::Earn { expires_on },
            reason,
        });
        Ok(())
    }

    fn spend(&mut self, key: String, points: u64, reason: Reason) -> Result<(), Rejection> {
        if points > self.balance {
            return Err(Rejection::InsufficientBalance {
                balance: self.balance,
                needed: points,
            });
        }
        if points > 0 {
            self.balance -= points;
            self.entries.push(EntryDraft {
                key,
                at: self.at,
                day: self.day,
                points,
                movement: Movement::Spend,
                reason,
            });
        }
        Ok(())
    }

    fn running(&self, day: LocalDay) -> Result<(), Rejection> {
        let c = self.campaign;
        if day < c.starts_on || c.ends_on.is_some_and(|end| day > end) {
            return Err(Rejection::CampaignNotRunning { day });
        }
        Ok(())
    }

    /// Checks `day` (a check-in on the day, or a make-up after the checks in [`Self::makeup`]).
    fn checkin(&mut self, day: LocalDay, mark: Mark) -> Result<(), Rejection> {
        let rules = self.campaign.checkin.as_ref().ok_or(Rejection::NoCheckin)?;
        self.running(day)?;
        if self.state.checkins.is_checked(day) {
            return Err(match mark {
                Mark::Done => Rejection::AlreadyCheckedInToday { day },
                Mark::MadeUp => Rejection::MakeupDayAlreadyChecked { day },
            });
        }
        // The cycle: the recorded one containing the day, or a new one when the day is past
        // the latest cycle. A late offline claim for a day between cycles belongs to none.
        let mut after: CheckinState = self.state.checkins.clone();
        let cycle = match after.cycle_of(day) {
            Some(cycle) => Some(cycle.clone()),
            None if after.current_cycle().is_none_or(|c| day >= c.end) => {
                let cycle = CycleRecord::starting(day, self.campaign.revision, rules);
                after.cycles.push(cycle.clone());
                self.events.push(Event::CycleStarted {
                    cycle: cycle.clone(),
                });
                Some(cycle)
            }
            None => None,
        };
        let rules: &CheckinRules = cycle.as_ref().map_or(rules, |c| &c.rules);
        after.days.insert(day, mark);
        let streak = after.streak_if_checked(day, self.today.max(day));
        let daily = rules.daily.points_for(streak);
        let pays_daily = mark == Mark::Done || rules.makeup.is_some_and(|m| m.earns_daily);
        let points = if pays_daily { daily } else { 0 };
        let reason = match mark {
            Mark::Done => Reason::Checkin { day },
            Mark::MadeUp => Reason::Makeup { day },
        };
        self.earn(format!("checkin:{day}"), day, points, reason)?;
        self.events.push(Event::CheckedIn {
            day,
            mark,
            streak: after.current_streak(self.today.max(day)),
            points,
        });
        if let Some(cycle) = &cycle {
            let count = after.checkins_in(cycle);
            for milestone in CheckinState::milestones_reached(cycle, count) {
                if after
                    .milestones
                    .contains(&(cycle.start, milestone.checkins))
                {
                    continue;
                }
                after.milestones.insert((cycle.start, milestone.checkins));
                let key = format!("milestone:{}:{}", cycle.start, milestone.checkins);
                self.earn(
                    key,
                    day,
                    milestone.points,
                    Reason::Milestone {
                        cycle_start: cycle.start,
                        checkins: milestone.checkins,
                    },
                )?;
                self.events.push(Event::MilestoneReached {
                    cycle_start: cycle.start,
                    checkins: milestone.checkins,
                    points: milestone.points,
                    gift: milestone.gift.clone(),
                });
            }
        }
        Ok(())
    }

    fn makeup(&mut self, day: LocalDay) -> Result<(), Rejection> {
        let checkin = self.campaign.checkin.as_ref().ok_or(Rejection::NoCheckin)?;
        // The make-up terms are those of the cycle the day belongs to.
        let cycle = self.state.checkins.cycle_of(day);
        let makeup = cycle
            .map_or(checkin.makeup, |c| c.rules.makeup)
            .ok_or(Rejection::MakeupNotOffered)?;
        if day >= self.day {
            return Err(Rejection::MakeupForTodayOrFuture { day });
        }
        if self.day.days_since(day) > i32::from(makeup.window_days) {
            return Err(Rejection::MakeupOutsideWindow {
                day,
                window_days: makeup.window_days,
            });
        }
        self.running(day)?;
        let cycle = cycle.ok_or(Rejection::MakeupOutsideCycle { day })?;
        if self.state.checkins.is_checked(day) {
            return Err(Rejection::MakeupDayAlreadyChecked { day });
        }
        if self.state.checkins.makeups_in(cycle) >= makeup.per_cycle_max {
            return Err(Rejection::MakeupLimitReached {
                per_cycle_max: makeup.per_cycle_max,
            });
        }
        self.spend(format!("makeup:{day}"), makeup.cost, Reason::Makeup { day })?;
        self.checkin(day, Mark::MadeUp)
    }

    fn submit_quiz(&mut self, answers: &Answers) -> Result<(), Rejection> {
        let quiz = self.campaign.quiz.as_ref().ok_or(Rejection::NoQuiz)?;
        if self.state.quiz.is_some() {
            return Err(Rejection::QuizAlreadyCompleted);
        }
        self.running(self.day)?;
        quiz::check_answers(quiz, answers).map_err(Rejection::InvalidAnswers)?;
        let result = quiz::score(quiz, answers);
        self.earn(
            "quiz".into(),
            self.day,
            quiz.completion_points,
            Reason::QuizCompleted,
        )?;
        self.events.push(Event::QuizCompleted {
            answers: answers.clone(),
            result,
            points: quiz.completion_points,
        });
        Ok(())
    }

    fn redeem(&mut self, reward_id: &RewardId, ctx: &Context<'_>) -> Result<(), Rejection> {
        let reward = self
            .campaign
            .reward(reward_id)
            .ok_or_else(|| Rejection::UnknownReward {
                reward: reward_id.clone(),
            })?;
        if let Some(limit) = reward.per_member_limit.filter(|_| !ctx.handed_over) {
            if self.state.redemptions_of(reward_id) >= limit {
                return Err(Rejection::RedemptionLimitReached {
                    reward: reward_id.clone(),
                    limit,
                });
            }
        }
        if let Some(stock) = reward.stock.filter(|_| !ctx.handed_over) {
            if ctx.stock_taken.get(reward_id).copied().unwrap_or(0) >= stock {
                return Err(Rejection::OutOfStock {
                    reward: reward_id.clone(),
                });
            }
        }
        self.spend(
            format!("redeem:{}", self.key_prefix),
            reward.cost,
            Reason::Redemption {
                reward: reward_id.clone(),
            },
        )?;
        self.events.push(Event::Redeemed {
            reward: reward_id.clone(),
            cost: reward.cost,
        });
        Ok(())
    }

    fn credit_purchase(
        &mut self,
        reference: &PurchaseReference,
        amount_minor: u64,
    ) -> Result<(), Rejection> {
        let rate = self
            .campaign
            .points
            .purchase
            .as_ref()
            .ok_or(Rejection::NoPurchaseRate)?;
        if amount_minor == 0 || amount_minor > PURCHASE_AMOUNT_MINOR_MAX {
            return Err(Rejection::InvalidAmount {
                reason: format!("amount_minor must be 1–{PURCHASE_AMOUNT_MINOR_MAX}"),
            });
        }
        let key = format!("purchase:{reference}");
        if self.state.ledger.has_key(&key) {
            return Err(Rejection::PurchaseAlreadyCredited {
                reference: reference.clone(),
            });
        }
        let Some(points) = purchase_points(amount_minor, rate) else {
            return Err(Rejection::InvalidAmount {
                reason: format!(
                    "amount_minor {amount_minor} would earn more points than a balance can hold"
                ),
            });
        };
        // A purchase too small to earn a point would leave no ledger entry, and so nothing to
        // recognise the order by: it could then be credited again. Refuse it instead.
        if points == 0 {
            let per = u64::from(rate.per_minor_units);
            let needed = match rate.rounding {
                Rounding::Floor => per,
                Rounding::HalfUp => per - per / 2,
            };
            let smallest = needed.div_ceil(u64::from(rate.points).max(1));
            return Err(Rejection::InvalidAmount {
                reason: format!(
                    "amount_minor {amount_minor} earns no points at this campaign's rate (the smallest that does is {smallest})"
                ),
            });
        }
        self.earn(
            key,
            self.day,
            points,
            Reason::Purchase {
                reference: reference.clone(),
                amount_minor,
            },
        )?;
        self.events.push(Event::PurchaseCredited {
            reference: reference.clone(),
            amount_minor,
            points,
        });
        Ok(())
    }

    fn adjust(&mut self, points: i64, note: &str) -> Result<(), Rejection> {
        if points == 0 || points.unsigned_abs() > ADJUST_POINTS_MAX.unsigned_abs() {
            return Err(Rejection::InvalidAmount {
                reason: format!(
                    "a correction must be non-zero and at most {ADJUST_POINTS_MAX} either way"
                ),
            });
        }
        if note.trim().is_empty() || note.chars().count() > NOTE_CHARS_MAX {
            return Err(Rejection::InvalidAmount {
                reason: format!("a correction needs a note of 1–{NOTE_CHARS_MAX} characters"),
            });
        }
        let key = format!("adjust:{}", self.key_prefix);
        let reason = Reason::Correction {
            note: note.to_owned(),
        };
        if points > 0 {
            self.earn(key, self.day, points as u64, reason)?;
        } else {
            self.spend(key, points.unsigned_abs(), reason)?;
        }
        self.events.push(Event::Adjusted { points });
        Ok(())
    }

    /// Badges whose rule the state after this operation meets for the first time.
    fn badges(&mut self) {
        if self.campaign.badges.is_empty() {
            return;
        }
        let mut done: Achievements = self.state.achievements(self.today.max(self.day));
        for event in &self.events {
            match event {
                Event::CheckedIn { streak, .. } => {
                    done.checkins += 1;
                    done.longest_streak = done.longest_streak.max(*streak);
                }
                Event::QuizCompleted { .. } => done.quiz_completed = true,
                Event::Redeemed { .. } => done.redemptions += 1,
                _ => {}
            }
        }
        for badge in &self.campaign.badges {
            if !self.state.badges.contains_key(&badge.id) && badge_earned(badge.rule, &done) {
                self.events.push(Event::BadgeEarned {
                    badge: badge.id.clone(),
                });
            }
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        /// The 64-bit split gives what 128-bit arithmetic gives, and `None` exactly when that
        /// does not fit in a `u64`.
        #[test]
        fn purchase_points_are_the_exact_rounded_quotient(
            amount in 0..=PURCHASE_AMOUNT_MINOR_MAX,
            points in 1..=u32::MAX,
            per in prop_oneof![1..=100u32, 1..=u32::MAX],
            half_up in any::<bool>(),
        ) {
            let rounding = if half_up { Rounding::HalfUp } else { Rounding::Floor };
            let rate = PurchaseRate { points, per_minor_units: per, rounding };
            let scaled = u128::from(amount) * u128::from(points);
            let per = u128::from(per);
            let exact = if half_up { (scaled + per / 2) / per } else { scaled / per };
            prop_assert_eq!(purchase_points(amount, &rate), u64::try_from(exact).ok());
        }
    }

    #[test]
    fn purchase_points_round_as_the_rate_says() {
        let rate = |rounding| PurchaseRate {
            points: 1,
            per_minor_units: 100,
            rounding,
        };
        assert_eq!(purchase_points(199, &rate(Rounding::Floor)), Some(1));
        assert_eq!(purchase_points(150, &rate(Rounding::HalfUp)), Some(2));
        assert_eq!(purchase_points(149, &rate(Rounding::HalfUp)), Some(1));
        let lavish = PurchaseRate {
            points: u32::MAX,
            per_minor_units: 1,
            rounding: Rounding::Floor,
        };
        assert_eq!(purchase_points(PURCHASE_AMOUNT_MINOR_MAX, &lavish), None);
    }
}
