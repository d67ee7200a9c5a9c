//! Read models for the widgets and the JS API: the wallet and the check-in calendar, as of a
//! given `now` (expiries that fell due since the last operation are already taken out).

use serde::{Deserialize, Serialize};

use crate::campaign::{Campaign, Expiry};
use crate::checkin::Calendar;
use crate::ids::{BadgeId, RewardId, Tag, TierId};
use crate::ledger::{Movement, Reason};
use crate::member::MemberState;
use crate::op::{due_expiries, StockTaken};
use crate::standing::Stage;
use crate::time::{LocalDay, Timestamp};

/// Points that will expire on a day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Expiring {
    /// Points.
    pub points: u64,
    /// Last day they can be spent.
    pub last_day: LocalDay,
}

/// A line of the points history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryLine {
    /// Local day.
    pub day: LocalDay,
    /// When booked.
    pub at: Timestamp,
    /// Points in (+) or out (−).
    pub points: i64,
    /// Why.
    pub reason: Reason,
}

/// The member's tier and the way up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TierView {
    /// Current tier.
    pub tier: TierId,
    /// Points earned in the window.
    pub earned_in_window: u64,
    /// The next tier and the points still to earn for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<(TierId, u64)>,
}

/// A catalogue entry as this member sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RewardView {
    /// The reward.
    pub reward: RewardId,
    /// Cost.
    pub cost: u64,
    /// Units left (unlimited when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock_left: Option<u32>,
    /// Redemptions left for this member (unlimited when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub member_left: Option<u32>,
    /// Whether the member can redeem it now.
    pub affordable: bool,
}

/// The wallet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Wallet {
    /// Points that can be spent now.
    pub balance: u64,
    /// Lifetime earned.
    pub earned: u64,
    /// What expires when, soonest first.
    pub expiring: Vec<Expiring>,
    /// History, newest first.
    pub history: Vec<HistoryLine>,
    /// Tier, when the campaign has tiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tier: Option<TierView>,
    /// Badges earned.
    pub badges: Vec<BadgeId>,
    /// Tags.
    pub tags: Vec<Tag>,
    /// Lifecycle stage.
    pub stage: Stage,
    /// The catalogue.
    pub rewards: Vec<RewardView>,
}

impl MemberState {
    /// This state with the expiries due by `now` booked (for reading; the server books them
    /// for real with the next operation).
    pub fn settled(&self, campaign: &Campaign, now: Timestamp) -> MemberState {
        let due = due_expiries(campaign, self, campaign.zone().local_day(now));
        if due.is_empty() {
            return self.clone();
        }
        let mut settled = self.clone();
        for draft in due {
            settled
                .ledger
                .post(draft)
                .unwrap_or_else(|_| unreachable!("due expiries match open lots"));
        }
        settled
    }
}

/// The wallet as of `now`.
pub fn wallet(
    campaign: &Campaign,
    state: &MemberState,
    now: Timestamp,
    stock_taken: &StockTaken,
) -> Wallet {
    let state = state.settled(campaign, now);
    let today = campaign.zone().local_day(now);
    let expiring: Vec<Expiring> = match campaign.points.expiry {
        Expiry::Inactivity { days } => {
            let last = state.last_active.max(state.ledger.last_activity_day());
            match (last, state.ledger.balance()) {
                (Some(last), balance) if balance > 0 => vec![Expiring {
                    points: balance,
                    last_day: last.plus(i32::from(days)),
                }],
                _ => Vec::new(),
            }
        }
        _ => state
            .ledger
            .open_lots()
            .filter_map(|lot| {
                lot.expires_on.map(|last_day| Expiring {
                    points: lot.remaining,
                    last_day,
                })
            })
            .collect(),
    };
    let mut expiring = crate::sorted::by_key(expiring, |e| e.last_day);
    expiring.dedup_by(|later, earlier| {
        let same = later.last_day == earlier.last_day;
        if same {
            earlier.points += later.points;
        }
        same
    });
    let history = state
        .ledger
        .entries()
        .iter()
        .rev()
        .map(|e| HistoryLine {
            day: e.day,
            at: e.at,
            points: match e.movement {
                Movement::Earn { .. } => e.points as i64,
                _ => -(e.points as i64),
            },
            reason: e.reason.clone(),
        })
        .collect();
    let tier = campaign.tiers.as_ref().map(|rules| {
        let (tier, earned_in_window) = crate::standing::tier(rules, &state.ledger, today);
        let next = rules
            .levels
            .iter()
            .find(|t| t.min_earned > earned_in_window)
            .map(|t| (t.id.clone(), t.min_earned - earned_in_window));
        TierView {
            tier,
            earned_in_window,
            next,
        }
    });
    let rewards = campaign
        .rewards
        .iter()
        .map(|r| {
            let stock_left = r
                .stock
                .map(|s| s.saturating_sub(stock_taken.get(&r.id).copied().unwrap_or(0)));
            let member_left = r
                .per_member_limit
                .map(|l| l.saturating_sub(state.redemptions_of(&r.id)));
            let affordable =
                state.ledger.balance() >= r.cost && stock_left != Some(0) && member_left != Some(0);
            RewardView {
                reward: r.id.clone(),
                cost: r.cost,
                stock_left,
                member_left,
                affordable,
            }
        })
        .collect();
    Wallet {
        balance: state.ledger.balance(),
        earned: state.ledger.totals().earned,
        expiring,
        history,
        tier,
        badges: state.badges.keys().cloned().collect(),
        tags: state.tags().to_vec(),
        stage: state.stage(campaign, today),
        rewards,
    }
}

/// The check-in calendar as of `now`, when the campaign has check-ins.
pub fn calendar(campaign: &Campaign, state: &MemberState, now: Timestamp) -> Option<Calendar> {
    let rules = campaign.checkin.as_ref()?;
    Some(
        state
            .checkins
            .calendar(rules, campaign.revision, campaign.zone().local_day(now)),
    )
}
