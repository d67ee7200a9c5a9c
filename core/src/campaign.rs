//! The campaign config: one JSON document per campaign, versioned, published by the brand.
//!
//! The config is a wire format (marketers write it, the server stores it, widgets fetch it),
//! so these types derive serde and refuse unknown fields. [`Campaign::parse`] decodes and
//! validates; [`Campaign::validate`] reports *every* problem with its path, e.g.
//! `quiz.questions[3].options[1].show_if: unknown question "q9"`.
//!
//! ## Revisions
//! A campaign is revised by publishing the same id with a higher `revision`. Ledger entries,
//! check-in days and quiz results already recorded are facts and never change. A member's
//! check-in cycle keeps the rules (length, milestones, daily reward, make-up) it started with
//! until it ends; the next cycle starts with the new revision. See `checkin`.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::ids::{
    BadgeId, CampaignId, DimensionId, OptionId, OutcomeId, QuestionId, RewardId, Tag, TenantId,
    TierId,
};
use crate::locale::{Locale, Text};
use crate::sorted_map::{SortedMap, SortedSet};
use crate::time::{LocalDay, ZoneRules};

mod kinds;

/// The config schema this core reads.
pub const CAMPAIGN_SCHEMA_VERSION: u32 = 1;
/// The largest campaign document accepted, in bytes.
pub const CAMPAIGN_JSON_BYTES_MAX: usize = 512 * 1024;
/// Questions in one quiz.
pub const QUIZ_QUESTIONS_MAX: usize = 30;
/// Options of one question.
pub const QUESTION_OPTIONS_MAX: usize = 12;
/// Outcomes of one quiz.
pub const QUIZ_OUTCOMES_MAX: usize = 20;
/// Scoring dimensions of one quiz.
pub const QUIZ_DIMENSIONS_MAX: usize = 20;
/// Recommendations of one outcome.
pub const OUTCOME_RECOMMENDATIONS_MAX: usize = 12;
/// Plan steps of one outcome.
pub const OUTCOME_PLAN_STEPS_MAX: usize = 12;
/// Tags on one option or outcome.
pub const ITEM_TAGS_MAX: usize = 10;
/// Nesting depth of a show/include/exclude condition.
pub const CONDITION_DEPTH_MAX: usize = 4;
/// Rewards in the catalogue.
pub const REWARDS_MAX: usize = 100;
/// Tiers.
pub const TIERS_MAX: usize = 10;
/// Badges.
pub const BADGES_MAX: usize = 50;
/// Milestones of one check-in cycle.
pub const MILESTONES_MAX: usize = 31;
/// The longest N-day check-in cycle.
pub const CYCLE_DAYS_MAX: u16 = 366;
/// The largest number of points any single rule may award or charge.
pub const RULE_POINTS_MAX: u64 = 1_000_000;
/// The longest URL (image, product link), in bytes.
pub const URL_BYTES_MAX: usize = 2_048;

/// A campaign: what a brand runs, and every rule the core applies for it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Campaign {
    /// Must equal [`CAMPAIGN_SCHEMA_VERSION`].
    pub schema_version: u32,
    /// The campaign's id.
    pub id: CampaignId,
    /// The brand that owns it.
    pub tenant: TenantId,
    /// Increases with every published revision.
    pub revision: u32,
    /// Locales every customer-facing text must have.
    pub locales: Vec<Locale>,
    /// Locale used when the customer's is not offered.
    pub default_locale: Locale,
    /// Campaign name.
    pub name: Text,
    /// IANA time zone whose calendar days count (e.g. `Asia/Shanghai`).
    pub time_zone: String,
    /// The zone's offsets; filled in when the campaign is published, so that the browser
    /// build needs no tz database.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub zone_rules: Option<ZoneRules>,
    /// First local day of the campaign.
    pub starts_on: LocalDay,
    /// Last local day (inclusive); open-ended when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_on: Option<LocalDay>,
    /// Look of the widgets.
    #[serde(default)]
    pub theme: Theme,
    /// The quiz, if the campaign has one. Shared: the quiz widget holds it for as long as a
    /// customer answers, and compares it by pointer instead of by value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiz: Option<Arc<Quiz>>,
    /// How purchases earn and when points expire.
    #[serde(default)]
    pub points: PointsRules,
    /// The check-in programme, if the campaign has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub checkin: Option<Arc<CheckinRules>>,
    /// The reward catalogue.
    #[serde(default)]
    pub rewards: Vec<Reward>,
    /// Member tiers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tiers: Option<TierRules>,
    /// Badges.
    #[serde(default)]
    pub badges: Vec<Badge>,
    /// Lifecycle thresholds.
    #[serde(default)]
    pub lifecycle: LifecycleRules,
    /// How offline claims are judged.
    #[serde(default)]
    pub offline: OfflineRules,
}

/// Widget look, as CSS values for the custom properties `--siyu-primary`, `--siyu-accent`,
/// `--siyu-radius`, `--siyu-font`.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Theme {
    /// Main colour, e.g. `#c2185b`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub primary: Option<String>,
    /// Second colour.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub accent: Option<String>,
    /// Corner radius, e.g. `12px`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub radius: Option<String>,
    /// Font stack.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub font: Option<String>,
}

/// A quiz: questions, scoring dimensions, outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Quiz {
    /// Quiz title.
    pub title: Text,
    /// The dimensions answers score on (e.g. oily, dry, sensitive).
    pub dimensions: Vec<Dimension>,
    /// Questions, in the order they are asked.
    pub questions: Vec<Question>,
    /// Outcomes, in tie-break order: on equal scores the one listed first wins.
    pub outcomes: Vec<Outcome>,
    /// The outcome when no eligible outcome scores above zero.
    pub fallback_outcome: OutcomeId,
    /// Points for finishing the quiz, once per member.
    #[serde(default)]
    pub completion_points: u64,
    /// What the tags its options and outcomes give mean, in the customer's words (the outcome
    /// page shows them; a tag without a label shows the title of the outcome that gives it, or
    /// its value made readable).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tag_labels: Vec<TagLabel>,
}

impl Quiz {
    /// The label of `tag`, when the quiz gives it one.
    pub fn tag_label(&self, tag: &Tag) -> Option<&Text> {
        self.tag_labels
            .iter()
            .find(|label| label.id == *tag)
            .map(|label| &label.label)
    }
}

/// A tag's name for the customer: `{"id": "concern:redness", "label": {"zh-CN": "容易泛红",
/// "en": "Redness"}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TagLabel {
    /// The tag, as an option or outcome of the quiz gives it.
    pub id: Tag,
    /// What it means.
    pub label: Text,
}

/// A scoring dimension.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    /// Its id.
    pub id: DimensionId,
    /// Its name for the customer.
    pub label: Text,
}

/// How a question is answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum QuestionKind {
    /// Exactly one option.
    SingleChoice,
    /// One or more options.
    MultipleChoice,
    /// Exactly one option, each shown as a picture.
    ImageChoice,
    /// An integer on a scale.
    Scale,
}

/// One question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Question {
    /// Its id.
    pub id: QuestionId,
    /// How it is answered.
    pub kind: QuestionKind,
    /// What is asked.
    pub prompt: Text,
    /// A hint under the prompt.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub help: Option<Text>,
    /// Whether an answer is required when the question is shown.
    #[serde(default = "yes")]
    pub required: bool,
    /// Shown only when this holds over the answers to earlier questions.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
    /// Options (choice kinds).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<AnswerOption>,
    /// At most this many options (multiple choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_choices: Option<u8>,
    /// The scale (scale kind).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<Scale>,
}

fn yes() -> bool {
    true
}

/// An option of a choice question.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    /// Its id.
    pub id: OptionId,
    /// Its label.
    pub label: Text,
    /// Picture URL (required for image choice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Weight added to each dimension when chosen (negative allowed).
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub scores: SortedMap<DimensionId, i32>,
    /// Tags the customer gets when choosing it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<Tag>,
    /// Offered only when this holds over earlier answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show_if: Option<Condition>,
}

/// A numeric scale, e.g. 1–5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Scale {
    /// Lowest value.
    pub min: i32,
    /// Highest value.
    pub max: i32,
    /// Label of the low end.
    pub min_label: Text,
    /// Label of the high end.
    pub max_label: Text,
    /// Weight per step above `min`, per dimension (negative allowed).
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub scores: SortedMap<DimensionId, i32>,
    /// Tags given when the answer is at least a value.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<ScaleTag>,
}

/// A tag a scale answer earns from a threshold on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ScaleTag {
    /// The answer must be at least this.
    pub at_least: i32,
    /// The tag.
    pub tag: Tag,
}

/// A condition over earlier answers (show/skip, include/exclude).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Condition {
    /// The question was answered with any of these options.
    AnyOf {
        /// The question.
        question: QuestionId,
        /// The options.
        options: Vec<OptionId>,
    },
    /// The scale question was answered with at least `value`.
    AtLeast {
        /// The question.
        question: QuestionId,
        /// The threshold.
        value: i32,
    },
    /// The scale question was answered with at most `value`.
    AtMost {
        /// The question.
        question: QuestionId,
        /// The threshold.
        value: i32,
    },
    /// Every condition holds.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    All(Vec<Condition>),
    /// At least one condition holds.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    Any(Vec<Condition>),
    /// The condition does not hold.
    #[cfg_attr(feature = "openapi", schema(no_recursion))]
    Not(Box<Condition>),
}

/// A quiz outcome.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Outcome {
    /// Its id.
    pub id: OutcomeId,
    /// The dimension whose total is this outcome's score.
    pub dimension: DimensionId,
    /// Title ("Combination skin, sensitive").
    pub title: Text,
    /// Explanation.
    pub description: Text,
    /// The personal plan, step by step.
    #[serde(default)]
    pub plan: Vec<Text>,
    /// Tags the customer gets with this outcome.
    #[serde(default)]
    pub tags: Vec<Tag>,
    /// Recommended products.
    #[serde(default)]
    pub recommendations: Vec<Recommendation>,
    /// Hard include: eligible only when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub requires: Option<Condition>,
    /// Hard exclude: never chosen when this holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excludes: Option<Condition>,
}

/// A recommended product.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Recommendation {
    /// Product name.
    pub name: Text,
    /// Picture URL.
    pub image: String,
    /// Product page URL.
    pub url: String,
}

/// How purchases earn and when points expire.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PointsRules {
    /// Points for purchases credited by the brand's back end; none when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub purchase: Option<PurchaseRate>,
    /// When earned points expire.
    #[serde(default)]
    pub expiry: Expiry,
}

/// `points` for every `per_minor_units` of money (e.g. 1 point per 100 fen = 1 yuan).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct PurchaseRate {
    /// Points per unit.
    pub points: u32,
    /// Minor currency units (fen, cents) per unit.
    pub per_minor_units: u32,
    /// How a fractional result is rounded.
    #[serde(default)]
    pub rounding: Rounding,
}

/// Rounding of purchase points.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Rounding {
    /// Down to a whole point: 199 fen at 1 point/yuan earn 1 point.
    #[default]
    Floor,
    /// To the nearest point, halves up: 150 fen earn 2 points.
    HalfUp,
}

/// When earned points expire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "kinds::Kinded")]
pub enum Expiry {
    /// Never.
    #[default]
    Never,
    /// Each lot is valid through the local day `days` after the day it was earned.
    AfterDays {
        /// Days of validity.
        days: u16,
    },
    /// Each lot is valid through the first `month`-`day` strictly after the day it was earned
    /// (e.g. 12-31: points earned in a year expire at that year's end, those earned on Dec 31 a
    /// year later).
    FixedDate {
        /// Month, 1–12.
        month: u8,
        /// Day, 1–31 (clamped to the month's length, so 02-29 means the month's last day).
        day: u8,
    },
    /// The whole balance expires after `days` local days without activity (earning, spending,
    /// checking in).
    Inactivity {
        /// Days of inactivity.
        days: u16,
    },
}

/// The check-in programme.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct CheckinRules {
    /// How cycles are cut.
    pub cycle: Cycle,
    /// Points per check-in.
    pub daily: DailyReward,
    /// Rewards for reaching a number of check-ins in a cycle, once per cycle each.
    #[serde(default)]
    pub milestones: Vec<Milestone>,
    /// Make-up check-ins (补签); not offered when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub makeup: Option<MakeupRules>,
    /// Streak freezes; not offered when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub freeze: Option<FreezeRules>,
    /// These rules as JSON once a cycle that pins them was written out (not part of the
    /// value; see `rendered.rs`).
    #[serde(skip)]
    pub(crate) rendered: crate::rendered::RenderedJson,
}

/// How check-in cycles are cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "kinds::Kinded")]
pub enum Cycle {
    /// `length` days starting with the member's first check-in after the previous cycle.
    Days {
        /// Days per cycle.
        length: u16,
    },
    /// Calendar months of the campaign's zone.
    CalendarMonth,
}

/// Points per check-in: `base` on the first consecutive day, `step` more each further
/// consecutive day, never more than `cap`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct DailyReward {
    /// Points on the first day of a streak.
    pub base: u64,
    /// Extra points per further consecutive day.
    #[serde(default)]
    pub step: u64,
    /// The most a day can earn; `base` when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<u64>,
}

impl DailyReward {
    /// Points for the check-in that makes a streak `streak_day` days long (1 = first day).
    pub fn points_for(&self, streak_day: u32) -> u64 {
        let extra = self
            .step
            .saturating_mul(u64::from(streak_day.saturating_sub(1)));
        self.base
            .saturating_add(extra)
            .min(self.cap.unwrap_or(self.base).max(self.base))
    }
}

/// A milestone of a cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Milestone {
    /// Check-ins in the cycle (made-up days count) that reach it.
    pub checkins: u16,
    /// Points awarded.
    #[serde(default)]
    pub points: u64,
    /// A gift to hand over (e.g. "free sample").
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift: Option<Text>,
}

/// Make-up check-ins (补签).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct MakeupRules {
    /// A missed day can be made up within this many days after it (1 = only yesterday).
    pub window_days: u16,
    /// Points it costs.
    pub cost: u64,
    /// At most this many per cycle.
    pub per_cycle_max: u16,
    /// Whether a made-up day also earns the daily reward.
    #[serde(default)]
    pub earns_daily: bool,
}

/// Streak freezes: a missed day inside a cycle is bridged automatically, up to a number per
/// cycle; a frozen day keeps the streak alive but does not add to it or count for milestones.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct FreezeRules {
    /// Freezes per cycle.
    pub per_cycle_max: u16,
}

/// A reward of the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Reward {
    /// Its id.
    pub id: RewardId,
    /// Its name.
    pub name: Text,
    /// What it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Picture URL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<String>,
    /// Points it costs.
    pub cost: u64,
    /// Units available across all members; unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stock: Option<u32>,
    /// Redemptions allowed per member; unlimited when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub per_member_limit: Option<u32>,
}

/// Member tiers, from points earned in a rolling window (spending never demotes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct TierRules {
    /// The window, in local days, over which earned points count.
    pub window_days: u16,
    /// Levels, ascending by `min_earned`; the first must start at 0.
    pub levels: Vec<Tier>,
}

/// A tier.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Tier {
    /// Its id.
    pub id: TierId,
    /// Its name.
    pub name: Text,
    /// Points earned in the window to reach it.
    pub min_earned: u64,
}

/// A badge.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct Badge {
    /// Its id.
    pub id: BadgeId,
    /// Its name.
    pub name: Text,
    /// What earns it.
    pub rule: BadgeRule,
}

/// What earns a badge.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case", try_from = "kinds::Kinded")]
pub enum BadgeRule {
    /// The first check-in.
    FirstCheckin,
    /// A streak of at least `days`.
    Streak {
        /// Streak length.
        days: u16,
    },
    /// Finishing the quiz.
    QuizCompleted,
    /// The first redemption.
    FirstRedemption,
}

/// Lifecycle thresholds, in days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct LifecycleRules {
    /// A member is new for this many days after the first interaction.
    #[serde(default = "default_new_days")]
    pub new_days: u16,
    /// At risk after this many days without interaction.
    #[serde(default = "default_at_risk_days")]
    pub at_risk_days: u16,
    /// Dormant after this many days without interaction.
    #[serde(default = "default_dormant_days")]
    pub dormant_days: u16,
}

fn default_new_days() -> u16 {
    7
}
fn default_at_risk_days() -> u16 {
    3
}
fn default_dormant_days() -> u16 {
    30
}

impl Default for LifecycleRules {
    fn default() -> Self {
        Self {
            new_days: default_new_days(),
            at_risk_days: default_at_risk_days(),
            dormant_days: default_dormant_days(),
        }
    }
}

/// How offline claims are judged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct OfflineRules {
    /// A claimed time older than this (before the server's now) is rejected.
    #[serde(default = "default_grace_hours")]
    pub grace_hours: u32,
}

fn default_grace_hours() -> u32 {
    48
}

impl Default for OfflineRules {
    fn default() -> Self {
        Self {
            grace_hours: default_grace_hours(),
        }
    }
}

/// One problem found in a campaign, with where it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Problem {
    /// Where, e.g. `quiz.questions[3].options[1].show_if`.
    pub path: String,
    /// What is wrong.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The document as a whole (a missing top-level field) has no path to name.
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

/// Why a campaign document was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CampaignError {
    /// Larger than [`CAMPAIGN_JSON_BYTES_MAX`].
    #[error("the campaign document has {0} bytes; the maximum is {CAMPAIGN_JSON_BYTES_MAX}")]
    TooLarge(usize),
    /// Not JSON of the campaign's shape.
    #[error("the campaign document is not valid: {0}")]
    Malformed(String),
    /// Well-formed, but its rules are inconsistent.
    #[error("the campaign has {} problem(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Invalid(Vec<Problem>),
}

impl Campaign {
    /// Decodes and validates a campaign document. With the `tzdb` feature (the server's),
    /// `zone_rules` are always derived from `time_zone` through the IANA database (that is
    /// what publishing does): rules a document carries are replaced, so a campaign copied from
    /// another and given a new `time_zone` counts its days in the new zone, and a zone the
    /// database does not know is refused instead of running on another zone's rules.
    pub fn parse(json: &str) -> Result<Self, CampaignError> {
        if json.len() > CAMPAIGN_JSON_BYTES_MAX {
            return Err(CampaignError::TooLarge(json.len()));
        }
        #[allow(unused_mut)]
        let mut campaign: Self =
            serde_json::from_str(json).map_err(|e| CampaignError::Malformed(e.to_string()))?;
        #[cfg(feature = "tzdb")]
        {
            let year = campaign.starts_on.date().year.clamp(1900, 2200) as i16;
            campaign.zone_rules = crate::time::ZoneRules::from_iana(
                &campaign.time_zone,
                year - 1,
                year + ZONE_RULES_YEARS,
            )
            .ok();
        }
        campaign.validate().map_err(CampaignError::Invalid)?;
        Ok(campaign)
    }

    /// The zone rules. Only valid campaigns reach the engine, and validation requires them.
    pub fn zone(&self) -> &ZoneRules {
        static UTC: ZoneRules = ZoneRules::fixed(0);
        self.zone_rules.as_ref().unwrap_or(&UTC)
    }

    /// The reward with this id.
    pub fn reward(&self, id: &RewardId) -> Option<&Reward> {
        self.rewards.iter().find(|r| &r.id == id)
    }

    /// Every problem of this campaign, or `Ok` when there is none.
    pub fn validate(&self) -> Result<(), Vec<Problem>> {
        let mut problems = Problems::default();
        crate::validate::campaign(self, &mut problems);
        problems.into_result()
    }
}

/// Years of zone transitions a published campaign carries after its start year.
pub const ZONE_RULES_YEARS: i16 = 30;

/// Collects problems with their paths.
#[derive(Debug, Default)]
pub(crate) struct Problems(Vec<Problem>);

impl Problems {
    pub(crate) fn push(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(Problem {
            path: path.into(),
            message: message.into(),
        });
    }

    fn into_result(self) -> Result<(), Vec<Problem>> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(self.0)
        }
    }
}

/// Ids that must be unique within a list; reports duplicates at `path[i].id`.
pub(crate) fn unique_ids<'a, T: Ord + std::fmt::Display + 'a>(
    problems: &mut Problems,
    path: &str,
    ids: impl Iterator<Item = &'a T>,
) -> SortedSet<&'a T> {
    let mut seen = SortedSet::new();
    for (index, id) in ids.enumerate() {
        if !seen.insert(id) {
            problems.push(
                format!("{path}[{index}].id"),
                format!("duplicate id \"{id}\""),
            );
        }
    }
    seen
}
