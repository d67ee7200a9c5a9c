//! A member's standing: tier (from points *earned* in a rolling window, so spending never
//! demotes), badges, and lifecycle stage.

use serde::{Deserialize, Serialize};

use crate::campaign::{BadgeRule, LifecycleRules, TierRules};
use crate::ids::TierId;
use crate::ledger::Ledger;
use crate::time::LocalDay;

/// The tier for points earned in the window ending `today`.
pub fn tier(rules: &TierRules, ledger: &Ledger, today: LocalDay) -> (TierId, u64) {
    let from = today.plus(1 - i32::from(rules.window_days));
    let earned = ledger.earned_between(from, today);
    let tier = rules
        .levels
        .iter()
        .rev()
        .find(|t| earned >= t.min_earned)
        .or(rules.levels.first())
        .expect("validation requires a tier");
    (tier.id.clone(), earned)
}

/// What the member has done, as badge rules see it.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Achievements {
    /// Check-ins so far.
    pub checkins: usize,
    /// Longest streak.
    pub longest_streak: u32,
    /// Quiz completed.
    pub quiz_completed: bool,
    /// Redemptions so far.
    pub redemptions: usize,
}

/// Whether `rule` is met.
pub fn badge_earned(rule: BadgeRule, done: &Achievements) -> bool {
    match rule {
        BadgeRule::FirstCheckin => done.checkins >= 1,
        BadgeRule::Streak { days } => done.longest_streak >= u32::from(days),
        BadgeRule::QuizCompleted => done.quiz_completed,
        BadgeRule::FirstRedemption => done.redemptions >= 1,
    }
}

/// A member's lifecycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// No interaction yet.
    Prospect,
    /// First interaction within `new_days`, and not idle.
    New,
    /// Interacted recently.
    Active,
    /// Idle `at_risk_days` or more ("3 days without interaction").
    AtRisk,
    /// Idle `dormant_days` or more (win-back).
    Dormant,
}

/// The stage from the first and last interaction days and today.
pub fn stage(
    rules: &LifecycleRules,
    first: Option<LocalDay>,
    last: Option<LocalDay>,
    today: LocalDay,
) -> Stage {
    let (Some(first), Some(last)) = (first, last) else {
        return Stage::Prospect;
    };
    let idle = today.days_since(last);
    if idle >= i32::from(rules.dormant_days) {
        Stage::Dormant
    } else if idle >= i32::from(rules.at_risk_days) {
        Stage::AtRisk
    } else if today.days_since(first) < i32::from(rules.new_days) {
        Stage::New
    } else {
        Stage::Active
    }
}
