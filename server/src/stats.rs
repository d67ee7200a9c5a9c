//! Campaign figures and the CRM export, computed from member states (which are folds of the
//! log, so an erased member is neither returned nor counted).

use std::collections::BTreeMap;

use serde::Serialize;
use siyu_core::ledger::{Movement, Reason};
use siyu_core::op::StockTaken;
use siyu_core::{Campaign, MemberState, Timestamp};

/// Figures a marketer reads.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct CampaignStats {
    /// Members with any operation.
    pub members: usize,
    /// Check-ins per local day.
    pub checkins_per_day: BTreeMap<String, u32>,
    /// Members per current-streak bucket (`0`, `1`, `2-3`, `4-6`, `7-13`, `14-27`, `28+`).
    pub streak_histogram: BTreeMap<String, u32>,
    /// Members per quiz outcome.
    pub quiz_outcomes: BTreeMap<String, u32>,
    /// Points earned by members.
    pub points_issued: u64,
    /// Points spent on rewards.
    pub points_redeemed: u64,
    /// Points spent on make-ups.
    pub points_spent_on_makeups: u64,
    /// Points expired.
    pub points_expired: u64,
    /// Points redeemed per point issued.
    pub redemption_rate: f64,
    /// Members who redeemed at least once.
    pub members_redeemed: usize,
    /// Points members hold (the brand's liability).
    pub points_outstanding: u64,
    /// Members per lifecycle stage.
    pub stages: BTreeMap<String, u32>,
    /// Units taken per reward.
    #[schema(value_type = BTreeMap<String, u32>)]
    pub stock_taken: StockTaken,
}

fn streak_bucket(streak: u32) -> &'static str {
    match streak {
        0 => "0",
        1 => "1",
        2..=3 => "2-3",
        4..=6 => "4-6",
        7..=13 => "7-13",
        14..=27 => "14-27",
        _ => "28+",
    }
}

fn stage_name(stage: siyu_core::standing::Stage) -> String {
    serde_json::to_value(stage)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

/// Computes the figures as of `now`.
pub fn compute(
    campaign: &Campaign,
    members: &[(String, MemberState)],
    stock: &StockTaken,
    now: Timestamp,
) -> CampaignStats {
    let today = campaign.zone().local_day(now);
    let mut stats = CampaignStats {
        members: members.len(),
        checkins_per_day: BTreeMap::new(),
        streak_histogram: BTreeMap::new(),
        quiz_outcomes: BTreeMap::new(),
        points_issued: 0,
        points_redeemed: 0,
        points_spent_on_makeups: 0,
        points_expired: 0,
        redemption_rate: 0.0,
        members_redeemed: 0,
        points_outstanding: 0,
        stages: BTreeMap::new(),
        stock_taken: stock.clone(),
    };
    for (_, state) in members {
        let state = state.settled(campaign, now);
        for day in state.checkins.days.keys() {
            *stats.checkins_per_day.entry(day.to_string()).or_default() += 1;
        }
        *stats
            .streak_histogram
            .entry(streak_bucket(state.checkins.current_streak(today)).into())
            .or_default() += 1;
        if let Some(quiz) = &state.quiz {
            *stats
                .quiz_outcomes
                .entry(quiz.result.outcome.to_string())
                .or_default() += 1;
        }
        for entry in state.ledger.entries() {
            match (&entry.movement, &entry.reason) {
                (Movement::Earn { .. }, _) => stats.points_issued += entry.points,
                (Movement::Spend, Reason::Redemption { .. }) => {
                    stats.points_redeemed += entry.points
                }
                (Movement::Spend, Reason::Makeup { .. }) => {
                    stats.points_spent_on_makeups += entry.points
                }
                (Movement::Expire { .. }, _) => stats.points_expired += entry.points,
                _ => {}
            }
        }
        stats.members_redeemed += usize::from(!state.redemptions.is_empty());
        stats.points_outstanding += state.ledger.balance();
        *stats
            .stages
            .entry(stage_name(state.stage(campaign, today)))
            .or_default() += 1;
    }
    if stats.points_issued > 0 {
        stats.redemption_rate = stats.points_redeemed as f64 / stats.points_issued as f64;
    }
    stats
}

/// The CRM export: one row per member.
pub fn csv(campaign: &Campaign, members: &[(String, MemberState)], now: Timestamp) -> String {
    let today = campaign.zone().local_day(now);
    let mut writer = csv::Writer::from_writer(Vec::new());
    let _ = writer.write_record([
        "member",
        "stage",
        "tier",
        "balance",
        "earned",
        "tags",
        "checkins",
        "last_active",
    ]);
    for (member, state) in members {
        let state = state.settled(campaign, now);
        let tier = state
            .tier(campaign, today)
            .map(|(t, _)| t.to_string())
            .unwrap_or_default();
        let tags: Vec<&str> = state.tags().iter().map(|t| t.as_str()).collect();
        let _ = writer.write_record([
            member.clone(),
            stage_name(state.stage(campaign, today)),
            tier,
            state.ledger.balance().to_string(),
            state.ledger.totals().earned.to_string(),
            tags.join(" "),
            state.checkins.days.len().to_string(),
            state.last_active.map(|d| d.to_string()).unwrap_or_default(),
        ]);
    }
    String::from_utf8(writer.into_inner().unwrap_or_default()).unwrap_or_default()
}
