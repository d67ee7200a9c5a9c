//! Check-in streaks: days checked, cycles, streaks, freezes and the calendar the widget draws.
//!
//! A day is a [`LocalDay`] of the campaign's zone. A cycle is either N days from the member's
//! first check-in after the previous cycle, or a calendar month. Each cycle pins the check-in
//! rules in force when it began, so a campaign revised mid-cycle changes nothing for a member
//! until their next cycle.
//!
//! Streaks: a checked or made-up day adds one; a frozen day (a missed day bridged by a freeze,
//! derived, chronologically up to the cycle's allowance, only after the cycle's first check-in)
//! keeps the streak alive without adding; any other missed day ends it. Today not yet checked
//! does not end it: the customer still has until midnight.

use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::campaign::{CheckinRules, Cycle, Milestone};
use crate::locale::Text;
use crate::sorted_map::{SortedMap, SortedSet};
use crate::time::LocalDay;

/// How a day was checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    /// Checked in on the day.
    Done,
    /// Made up later (补签).
    MadeUp,
}

/// A cycle the member has started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CycleRecord {
    /// First day.
    pub start: LocalDay,
    /// First day after the cycle.
    pub end: LocalDay,
    /// The campaign revision whose rules the cycle runs on.
    pub revision: u32,
    /// The rules pinned for the cycle, shared with the campaign revision they come from (a
    /// member's state holds one copy per cycle otherwise, and the server copies states often).
    #[serde(serialize_with = "serialize_rules")]
    pub rules: Arc<CheckinRules>,
}

/// The pinned rules, written from their rendered JSON once they have been written once.
fn serialize_rules<S: serde::Serializer>(
    rules: &Arc<CheckinRules>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    rules.rendered.serialize(&**rules, serializer)
}

impl CycleRecord {
    /// Whether `day` is in the cycle.
    pub fn contains(&self, day: LocalDay) -> bool {
        self.start <= day && day < self.end
    }

    /// The cycle that a check-in on `day` starts under `rules`.
    pub fn starting(day: LocalDay, revision: u32, rules: &Arc<CheckinRules>) -> Self {
        let (start, end) = match rules.cycle {
            Cycle::Days { length } => (day, day.plus(i32::from(length))),
            Cycle::CalendarMonth => (day.first_of_month(), day.first_of_next_month()),
        };
        Self {
            start,
            end,
            revision,
            rules: Arc::clone(rules),
        }
    }

    fn freezes_max(&self) -> u16 {
        self.rules.freeze.map_or(0, |f| f.per_cycle_max)
    }
}

/// A member's check-ins.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CheckinState {
    /// Checked days.
    pub days: SortedMap<LocalDay, Mark>,
    /// Cycles started, oldest first; each pins its rules (cycles are few: one a week or month).
    pub cycles: Vec<CycleRecord>,
    /// Milestones reached: (cycle start, check-ins).
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::milestones_reached))]
    pub milestones: SortedSet<(LocalDay, u16)>,
}

/// What the calendar shows for a day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DayStatus {
    /// Checked in.
    Done,
    /// Made up.
    MadeUp,
    /// Missed, bridged by a freeze.
    Frozen,
    /// Missed.
    Missed,
    /// Today, not yet checked in.
    Open,
    /// Still to come.
    Upcoming,
}

/// A milestone placed on the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MilestoneMark {
    /// Check-ins that reach it.
    pub checkins: u16,
    /// Points.
    pub points: u64,
    /// Gift.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gift: Option<Text>,
    /// Already reached.
    pub reached: bool,
}

/// One day of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CalendarDay {
    /// The day.
    pub day: LocalDay,
    /// Its status.
    pub status: DayStatus,
    /// Whether it is today.
    pub today: bool,
    /// Whether it can be made up now.
    pub can_make_up: bool,
    /// The milestone reached (or reachable, by checking in every day from today) on this day.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub milestone: Option<MilestoneMark>,
}

/// The next milestone and how far it is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextMilestone {
    /// Check-ins still needed ("3 more days → free sample").
    pub checkins_left: u16,
    /// The milestone.
    pub milestone: MilestoneMark,
}

/// The check-in widget's model of the current cycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// First day of the cycle.
    pub cycle_start: LocalDay,
    /// First day after it.
    pub cycle_end: LocalDay,
    /// Each day of the cycle.
    pub days: Vec<CalendarDay>,
    /// Whether today is checked.
    pub checked_today: bool,
    /// Current streak.
    pub streak: u32,
    /// Longest streak ever.
    pub longest_streak: u32,
    /// Check-ins in this cycle.
    pub checkins_in_cycle: u16,
    /// The next milestone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_milestone: Option<NextMilestone>,
    /// Points today's check-in earns (or earned).
    pub points_today: u64,
    /// Make-ups left this cycle (0 when not offered).
    pub makeups_left: u16,
    /// Points a make-up costs.
    pub makeup_cost: u64,
    /// Freezes left this cycle.
    pub freezes_left: u16,
}

impl CheckinState {
    /// Whether `day` is checked (done or made up).
    pub fn is_checked(&self, day: LocalDay) -> bool {
        self.days.contains_key(&day)
    }

    /// The recorded cycle containing `day`.
    pub fn cycle_of(&self, day: LocalDay) -> Option<&CycleRecord> {
        // Cycles are few and ordered; search from the newest, where nearly every lookup lands.
        self.cycles.iter().rev().find(|c| c.contains(day))
    }

    /// The latest cycle.
    pub fn current_cycle(&self) -> Option<&CycleRecord> {
        self.cycles.last()
    }

    /// Checked days in a cycle.
    pub fn checkins_in(&self, cycle: &CycleRecord) -> u16 {
        self.days.range(cycle.start..cycle.end).count() as u16
    }

    /// Made-up days in a cycle.
    pub fn makeups_in(&self, cycle: &CycleRecord) -> u16 {
        self.days
            .range(cycle.start..cycle.end)
            .filter(|(_, m)| **m == Mark::MadeUp)
            .count() as u16
    }

    /// Frozen days before `today`: in each cycle with freezes, missed days after the cycle's
    /// first check-in, chronologically, up to its allowance.
    pub fn frozen_days(&self, today: LocalDay) -> SortedSet<LocalDay> {
        let mut frozen = SortedSet::new();
        for cycle in self.cycles.iter().filter(|c| c.freezes_max() > 0) {
            let Some((&first, _)) = self.days.range(cycle.start..cycle.end).next() else {
                continue;
            };
            let mut left = cycle.freezes_max();
            let mut day = first;
            while left > 0 && day < cycle.end && day < today {
                if !self.is_checked(day) {
                    frozen.insert(day);
                    left -= 1;
                }
                day = day.plus(1);
            }
        }
        frozen
    }

    /// The streak that ends with `day` (counted back from `day`; 0 when `day` is missed).
    fn streak_ending(&self, day: LocalDay, frozen: &SortedSet<LocalDay>) -> u32 {
        let mut streak = 0;
        let mut cursor = day;
        loop {
            if self.is_checked(cursor) {
                streak += 1;
            } else if !frozen.contains(&cursor) {
                return streak;
            }
            cursor = cursor.plus(-1);
            // Past the first checked day nothing can continue the streak.
            if self.days.keys().next().is_none_or(|first| cursor < *first) {
                return streak;
            }
        }
    }

    /// The current streak: ending today if today is checked, else ending yesterday.
    pub fn current_streak(&self, today: LocalDay) -> u32 {
        let frozen = self.frozen_days(today);
        let end = if self.is_checked(today) {
            today
        } else {
            today.plus(-1)
        };
        self.streak_ending(end, &frozen)
    }

    /// The streak `day` would make if checked (1 = first day), with `day` assumed checked.
    pub fn streak_if_checked(&self, day: LocalDay, today: LocalDay) -> u32 {
        let frozen = self.frozen_days(today);
        1 + self.streak_ending(day.plus(-1), &frozen)
    }

    /// The longest streak ever.
    pub fn longest_streak(&self, today: LocalDay) -> u32 {
        let frozen = self.frozen_days(today);
        let (mut longest, mut run) = (0u32, 0u32);
        let mut previous: Option<LocalDay> = None;
        // Inserted one by one: collecting into a set would sort (see `crate::sorted`).
        let mut kept = frozen;
        kept.extend(self.days.keys().copied());
        for day in kept {
            if previous.is_some_and(|p| day != p.plus(1)) {
                run = 0;
            }
            if self.is_checked(day) {
                run += 1;
            }
            longest = longest.max(run);
            previous = Some(day);
        }
        longest
    }

    /// The milestones of `cycle` newly reached with `checkins` check-ins.
    pub fn milestones_reached(
        cycle: &CycleRecord,
        checkins: u16,
    ) -> impl Iterator<Item = &Milestone> {
        cycle
            .rules
            .milestones
            .iter()
            .filter(move |m| checkins >= m.checkins)
    }

    /// The days of cycles before `current` that can still be made up on `today`, by the
    /// terms of their own cycle (as `decide` judges a make-up).
    fn earlier_makeup_days(
        &self,
        current: &CycleRecord,
        today: LocalDay,
        frozen: &SortedSet<LocalDay>,
    ) -> Vec<CalendarDay> {
        let mut days = Vec::new();
        for cycle in self.cycles.iter().filter(|c| c.end <= current.start) {
            let Some(makeup) = cycle.rules.makeup else {
                continue;
            };
            if self.makeups_in(cycle) >= makeup.per_cycle_max {
                continue;
            }
            let mut day = cycle.start;
            while day < cycle.end {
                if today.days_since(day) <= i32::from(makeup.window_days)
                    && day < today
                    && !self.days.contains_key(&day)
                {
                    days.push(CalendarDay {
                        day,
                        status: if frozen.contains(&day) {
                            DayStatus::Frozen
                        } else {
                            DayStatus::Missed
                        },
                        today: false,
                        can_make_up: true,
                        milestone: None,
                    });
                }
                day = day.plus(1);
            }
        }
        days
    }

    /// The calendar of the cycle containing `today`, or of the cycle a check-in today would
    /// start (with `rules` as the campaign's current check-in rules).
    /// Days of an earlier cycle that can still be made up come first.
    pub fn calendar(&self, rules: &Arc<CheckinRules>, revision: u32, today: LocalDay) -> Calendar {
        let cycle = match self.cycle_of(today) {
            Some(cycle) => cycle.clone(),
            None => CycleRecord::starting(today, revision, rules),
        };
        let frozen = self.frozen_days(today);
        let checked_today = self.is_checked(today);
        let makeups_used = self.makeups_in(&cycle);
        let makeup = cycle.rules.makeup;
        let makeups_left = makeup.map_or(0, |m| m.per_cycle_max.saturating_sub(makeups_used));
        let cycle_started = self.cycle_of(today).is_some();
        let milestones = crate::sorted::by_key(cycle.rules.milestones.iter(), |m| m.checkins);
        let mark = |m: &Milestone, reached: bool| MilestoneMark {
            checkins: m.checkins,
            points: m.points,
            gift: m.gift.clone(),
            reached,
        };

        // A make-up window can reach back into an earlier cycle (its last days were missed,
        // and today starts a new one): those days come first, or the customer could not reach
        // a make-up the server accepts.
        let mut days = self.earlier_makeup_days(&cycle, today, &frozen);
        let (mut counted, mut projected) = (0u16, 0u16);
        let mut day = cycle.start;
        while day < cycle.end {
            let status = match self.days.get(&day) {
                Some(Mark::Done) => DayStatus::Done,
                Some(Mark::MadeUp) => DayStatus::MadeUp,
                None if frozen.contains(&day) => DayStatus::Frozen,
                None if day == today => DayStatus::Open,
                None if day > today => DayStatus::Upcoming,
                None => DayStatus::Missed,
            };
            let checked = matches!(status, DayStatus::Done | DayStatus::MadeUp);
            counted += u16::from(checked);
            // Projection: the customer checks in today and every day after.
            projected += u16::from(checked || day >= today);
            let milestone = if checked || day >= today {
                milestones
                    .iter()
                    .find(|m| m.checkins == projected)
                    .map(|m| mark(m, checked && m.checkins == counted && day <= today))
            } else {
                None
            };
            let can_make_up = matches!(status, DayStatus::Missed | DayStatus::Frozen)
                && makeups_left > 0
                && makeup.is_some_and(|m| today.days_since(day) <= i32::from(m.window_days))
                && cycle_started;
            days.push(CalendarDay {
                day,
                status,
                today: day == today,
                can_make_up,
                milestone,
            });
            day = day.plus(1);
        }
        let checkins_in_cycle = self.checkins_in(&cycle);
        let next_milestone = milestones
            .iter()
            .find(|m| m.checkins > checkins_in_cycle)
            .map(|m| NextMilestone {
                checkins_left: m.checkins - checkins_in_cycle,
                milestone: mark(m, false),
            });
        let streak_today = if checked_today {
            self.current_streak(today)
        } else {
            self.streak_if_checked(today, today)
        };
        Calendar {
            cycle_start: cycle.start,
            cycle_end: cycle.end,
            days,
            checked_today,
            streak: self.current_streak(today),
            longest_streak: self.longest_streak(today),
            checkins_in_cycle,
            next_milestone,
            points_today: cycle.rules.daily.points_for(streak_today),
            makeups_left,
            makeup_cost: makeup.map_or(0, |m| m.cost),
            freezes_left: cycle
                .freezes_max()
                .saturating_sub(frozen.range(cycle.start..cycle.end).count() as u16),
        }
    }
}
