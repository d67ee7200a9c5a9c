//! A member's state in one campaign: ledger, check-ins, quiz result, redemptions, badges,
//! and the ids of the operations already applied.
//!
//! The state is what the server stores and sends back as the truth, and what the browser
//! rebases on, so it is serialisable. It only changes through [`MemberState::commit`] of an
//! [`Applied`](crate::op::Applied) that [`decide`](crate::op::decide) produced.

use serde::{Deserialize, Serialize};

use crate::campaign::Campaign;
use crate::checkin::CheckinState;
use crate::ids::{BadgeId, CampaignId, MemberId, OpId, RewardId, Tag, TierId};
use crate::ledger::Ledger;
use crate::op::{fingerprint_bits, Applied, Event};
use crate::quiz::{Answers, QuizResult};
use crate::sorted_map::{SortedMap, SortedSet};
use crate::standing::{self, Achievements, Stage};
use crate::time::{LocalDay, Timestamp};

/// A completed quiz.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CompletedQuiz {
    /// The answers given.
    #[cfg_attr(feature = "openapi", schema(inline))]
    pub answers: Answers,
    /// What they scored.
    pub result: QuizResult,
    /// When.
    pub at: Timestamp,
    /// The campaign revision it was scored with.
    pub revision: u32,
}

/// A redemption.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Redemption {
    /// The operation that redeemed.
    pub op: OpId,
    /// The reward.
    pub reward: RewardId,
    /// Points paid.
    pub cost: u64,
    /// When.
    pub at: Timestamp,
}

/// The fingerprint an erasure keeps of every applied operation: none. An operation sent again
/// under a kept id is then a replay ([`crate::Rejection::AlreadyApplied`]), whatever it holds.
pub const ERASED_FINGERPRINT: u64 = 0;

/// Everything the engine knows about one member in one campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MemberState {
    /// The campaign.
    pub campaign: CampaignId,
    /// The member.
    pub member: MemberId,
    /// Points.
    pub ledger: Ledger,
    /// Check-ins.
    pub checkins: CheckinState,
    /// The quiz, once completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub quiz: Option<CompletedQuiz>,
    /// Redemptions, oldest first.
    #[serde(default)]
    pub redemptions: Vec<Redemption>,
    /// Badges, with the day each was earned.
    #[serde(default)]
    pub badges: SortedMap<BadgeId, LocalDay>,
    /// Applied operations and their fingerprints (same id, other content → conflict).
    #[serde(default)]
    pub applied: SortedMap<OpId, u64>,
    /// First day of interaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first_active: Option<LocalDay>,
    /// Last day of interaction.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_active: Option<LocalDay>,
    /// Redemptions per reward from before the member erased their data: only the counts,
    /// kept so that a per-person limit still holds (trust rule 3); nothing else of the past.
    #[serde(default, skip_serializing_if = "SortedMap::is_empty")]
    pub erased_redemptions: SortedMap<RewardId, u32>,
}

impl MemberState {
    /// A member who has done nothing yet.
    pub fn new(campaign: CampaignId, member: MemberId) -> Self {
        Self {
            campaign,
            member,
            ledger: Ledger::default(),
            checkins: CheckinState::default(),
            quiz: None,
            redemptions: Vec::new(),
            badges: SortedMap::new(),
            applied: SortedMap::new(),
            first_active: None,
            last_active: None,
            erased_redemptions: SortedMap::new(),
        }
    }

    /// Applies a decision. Infallible: [`decide`](crate::op::decide) checked every rule
    /// against this very state; a failure here is a bug, hence the panics.
    pub fn commit(&mut self, applied: &Applied) {
        debug_assert!(
            !self.applied.contains_key(&applied.op),
            "decide refuses applied ids"
        );
        for draft in &applied.entries {
            if let Err(e) = self.ledger.post(draft.clone()) {
                panic!("decide produced an entry the ledger refuses: {e}");
            }
        }
        for event in &applied.events {
            match event {
                Event::CycleStarted { cycle } => self.checkins.cycles.push(cycle.clone()),
                Event::CheckedIn { day, mark, .. } => {
                    self.checkins.days.insert(*day, *mark);
                }
                Event::MilestoneReached {
                    cycle_start,
                    checkins,
                    ..
                } => {
                    self.checkins.milestones.insert((*cycle_start, *checkins));
                }
                Event::QuizCompleted {
                    answers, result, ..
                } => {
                    self.quiz = Some(CompletedQuiz {
                        answers: answers.clone(),
                        result: result.clone(),
                        at: applied.at,
                        revision: applied.revision,
                    });
                }
                Event::Redeemed { reward, cost } => {
                    self.redemptions.push(Redemption {
                        op: applied.op.clone(),
                        reward: reward.clone(),
                        cost: *cost,
                        at: applied.at,
                    });
                }
                Event::BadgeEarned { badge } => {
                    self.badges.insert(badge.clone(), applied.day);
                }
                Event::PurchaseCredited { .. }
                | Event::Adjusted { .. }
                | Event::PointsExpired { .. } => {}
            }
        }
        if applied.kind.is_interaction() {
            self.first_active = Some(
                self.first_active
                    .map_or(applied.day, |d| d.min(applied.day)),
            );
            self.last_active = Some(self.last_active.map_or(applied.day, |d| d.max(applied.day)));
        }
        // Rows recorded before fingerprints were cut to 53 bits replay with their 64.
        self.applied
            .insert(applied.op.clone(), fingerprint_bits(applied.fingerprint));
        debug_assert!(self.ledger.check_consistency().is_ok());
    }

    /// Tags the member carries (from the quiz), sorted.
    pub fn tags(&self) -> &[Tag] {
        self.quiz.as_ref().map_or(&[], |q| q.result.tags.as_slice())
    }

    /// What badge rules look at.
    pub fn achievements(&self, today: LocalDay) -> Achievements {
        Achievements {
            checkins: self.checkins.days.len(),
            longest_streak: self.checkins.longest_streak(today),
            quiz_completed: self.quiz.is_some(),
            redemptions: self.redemptions.len(),
        }
    }

    /// Times `reward` was redeemed by this member.
    pub fn redemptions_of(&self, reward: &RewardId) -> u32 {
        let before_erasure = self.erased_redemptions.get(reward).copied().unwrap_or(0);
        before_erasure
            + self
                .redemptions
                .iter()
                .filter(|r| &r.reward == reward)
                .count() as u32
    }

    /// What an erasure of this member keeps: the operation ids (so that a replayed operation
    /// changes nothing, trust rule 2) and the redemptions per reward (so that a per-person
    /// limit still holds, trust rule 3). Nothing that says what the member did or when: not
    /// the fingerprints either ([`ERASED_FINGERPRINT`] instead), which hash the operation
    /// with its time and amount, and a search of the hours around it finds them.
    pub fn erased(&self) -> Self {
        let mut kept = Self::new(self.campaign.clone(), self.member.clone());
        kept.applied = self
            .applied
            .iter()
            .map(|(id, _)| (id.clone(), ERASED_FINGERPRINT))
            .collect();
        kept.erased_redemptions = self.erased_redemptions.clone();
        for redemption in &self.redemptions {
            *kept
                .erased_redemptions
                .get_or_insert_with(redemption.reward.clone(), || 0) += 1;
        }
        kept
    }

    /// Lifecycle stage on `today`.
    pub fn stage(&self, campaign: &Campaign, today: LocalDay) -> Stage {
        standing::stage(
            &campaign.lifecycle,
            self.first_active,
            self.last_active,
            today,
        )
    }

    /// Tier on `today` and the points earned in its window, when the campaign has tiers.
    pub fn tier(&self, campaign: &Campaign, today: LocalDay) -> Option<(TierId, u64)> {
        campaign
            .tiers
            .as_ref()
            .map(|rules| standing::tier(rules, &self.ledger, today))
    }

    /// Badges earned, as a set.
    pub fn badge_set(&self) -> SortedSet<&BadgeId> {
        self.badges.keys().collect()
    }
}
