//! The points ledger: append-only, TigerBeetle-style.
//!
//! Entries are never edited or deleted; a mistake is corrected by a compensating entry. Each
//! entry has an idempotency key that is unique within a member's ledger, and the keys are
//! *natural*: `checkin:2026-11-20`, `quiz`, `purchase:<order>`, `milestone:<cycle>:<n>`, so
//! the key itself enforces "one check-in reward per day", "quiz reward once", "an order is
//! credited once".
//!
//! Points are earned in *lots*. Spending consumes the oldest lots first; expiry removes what
//! is left of a lot. Balance, lifetime earned and open lots are derived by folding the entries
//! ([`LedgerTotals::fold`]); the cached copies kept for speed are asserted equal to the fold in
//! debug builds.
//!
//! ## Guarantees
//! - The balance never goes below zero: a spend larger than the balance is refused.
//! - A key is booked at most once.
//! - An expiry removes exactly what is left of its lot, at most once.
//! - `balance = earned - spent - expired`, and equals the sum of the open lots.

use serde::{Deserialize, Serialize};

mod read;

use crate::ids::{PurchaseReference, RewardId};
use crate::time::{LocalDay, Timestamp};

/// The largest balance a member can hold; keeps every sum far from overflow.
pub const BALANCE_POINTS_MAX: u64 = 1_000_000_000_000;

/// Which way points move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "kind",
    rename_all = "snake_case",
    try_from = "read::MovementFields"
)]
pub enum Movement {
    /// Points come in as a new lot, valid through `expires_on` (forever when absent).
    Earn {
        /// Last local day the lot can be spent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        expires_on: Option<LocalDay>,
    },
    /// Points go out, oldest lots first.
    Spend,
    /// What is left of lot `lot` (the `seq` of its earning entry) expires.
    Expire {
        /// The lot.
        lot: u32,
    },
}

/// Why points moved: what the member's history says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(
    tag = "why",
    rename_all = "snake_case",
    try_from = "read::ReasonFields"
)]
pub enum Reason {
    /// Daily check-in for a day.
    Checkin {
        /// The day checked in.
        day: LocalDay,
    },
    /// A made-up day (its cost, or its daily reward when the campaign pays one).
    Makeup {
        /// The day made up.
        day: LocalDay,
    },
    /// A cycle milestone reached.
    Milestone {
        /// First day of the cycle.
        cycle_start: LocalDay,
        /// Check-ins that reached it.
        checkins: u16,
    },
    /// The quiz completed.
    QuizCompleted,
    /// A purchase credited by the brand.
    Purchase {
        /// The brand's order reference.
        reference: PurchaseReference,
        /// Amount paid, in minor units (fen, cents).
        amount_minor: u64,
    },
    /// A reward redeemed.
    Redemption {
        /// The reward.
        reward: RewardId,
    },
    /// A lot reached its expiry.
    Expired,
    /// The balance expired after inactivity.
    Inactive,
    /// A correction by the brand.
    Correction {
        /// The brand's note.
        note: String,
    },
}

/// One booked movement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entry {
    /// Position in the ledger (0, 1, 2 …); an earning entry's `seq` names its lot.
    pub seq: u32,
    /// Idempotency key, unique in the ledger.
    pub key: String,
    /// When it was booked.
    pub at: Timestamp,
    /// The local day it belongs to.
    pub day: LocalDay,
    /// Points moved (always positive; `movement` gives the direction).
    pub points: u64,
    /// Direction.
    pub movement: Movement,
    /// Why.
    pub reason: Reason,
}

/// An entry before it has a `seq`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct EntryDraft {
    /// Idempotency key.
    pub key: String,
    /// When.
    pub at: Timestamp,
    /// Local day.
    pub day: LocalDay,
    /// Points.
    pub points: u64,
    /// Direction.
    pub movement: Movement,
    /// Why.
    pub reason: Reason,
}

/// Why the ledger refuses a movement.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    /// The key was booked before.
    #[error("entry \"{0}\" is already booked")]
    DuplicateKey(String),
    /// Spending more than the balance.
    #[error("insufficient balance: {balance} points, {needed} needed")]
    InsufficientBalance {
        /// Balance.
        balance: u64,
        /// Needed.
        needed: u64,
    },
    /// Expiring a lot that does not exist, is already empty, or with the wrong amount.
    #[error("lot {0} cannot expire by this amount")]
    BadExpiry(u32),
    /// Earning past [`BALANCE_POINTS_MAX`], or moving zero points.
    #[error("amount out of range")]
    AmountOutOfRange,
}

/// An earned lot with points left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Lot {
    /// `seq` of the earning entry.
    pub seq: u32,
    /// Day earned.
    pub earned_on: LocalDay,
    /// Points left.
    pub remaining: u64,
    /// Last day it can be spent.
    pub expires_on: Option<LocalDay>,
}

/// Totals derived from the entries by a fold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LedgerTotals {
    /// Points that can be spent.
    pub balance: u64,
    /// Lifetime earned.
    pub earned: u64,
    /// Lifetime spent.
    pub spent: u64,
    /// Lifetime expired.
    pub expired: u64,
    /// Lots with points left, oldest first.
    pub lots: Vec<Lot>,
}

impl LedgerTotals {
    /// Folds entries into totals, checking every guarantee on the way.
    pub fn fold<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Result<Self, LedgerError> {
        let mut totals = Self::default();
        for entry in entries {
            totals.book(entry.seq, entry.day, entry.points, entry.movement)?;
        }
        Ok(totals)
    }

    /// Checks that a movement can be booked, without booking it.
    fn check(&self, points: u64, movement: Movement) -> Result<(), LedgerError> {
        if points == 0 {
            return Err(LedgerError::AmountOutOfRange);
        }
        match movement {
            Movement::Earn { .. } if self.balance.saturating_add(points) > BALANCE_POINTS_MAX => {
                Err(LedgerError::AmountOutOfRange)
            }
            Movement::Spend if points > self.balance => Err(LedgerError::InsufficientBalance {
                balance: self.balance,
                needed: points,
            }),
            Movement::Expire { lot } => match self.lots.binary_search_by_key(&lot, |l| l.seq) {
                Ok(i) if self.lots[i].remaining == points => Ok(()),
                _ => Err(LedgerError::BadExpiry(lot)),
            },
            _ => Ok(()),
        }
    }

    fn book(
        &mut self,
        seq: u32,
        day: LocalDay,
        points: u64,
        movement: Movement,
    ) -> Result<(), LedgerError> {
        self.check(points, movement)?;
        match movement {
            Movement::Earn { expires_on } => {
                self.lots.push(Lot {
                    seq,
                    earned_on: day,
                    remaining: points,
                    expires_on,
                });
                self.balance += points;
                self.earned += points;
            }
            Movement::Spend => {
                // Oldest lots first; emptied lots leave the front so the next spend starts there.
                let mut left = points;
                let mut emptied = 0;
                for lot in &mut self.lots {
                    if left == 0 {
                        break;
                    }
                    let take = lot.remaining.min(left);
                    lot.remaining -= take;
                    left -= take;
                    if lot.remaining == 0 {
                        emptied += 1;
                    }
                }
                debug_assert_eq!(left, 0, "the balance covers the spend");
                self.lots.drain(..emptied);
                self.balance -= points;
                self.spent += points;
            }
            Movement::Expire { lot } => {
                // Lots usually expire oldest first, so this removes at or near the front.
                if let Ok(i) = self.lots.binary_search_by_key(&lot, |l| l.seq) {
                    self.lots.remove(i);
                }
                self.balance -= points;
                self.expired += points;
            }
        }
        Ok(())
    }
}

/// A member's ledger: the entries, plus the derived totals kept up to date.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Entry>", into = "Vec<Entry>")]
pub struct Ledger {
    entries: Vec<Entry>,
    keys: crate::sorted_map::SortedSet<String>,
    totals: LedgerTotals,
}

impl TryFrom<Vec<Entry>> for Ledger {
    type Error = String;

    /// Rebuilds a ledger from stored entries, refusing any that break a guarantee.
    fn try_from(entries: Vec<Entry>) -> Result<Self, String> {
        let mut ledger = Ledger::default();
        for (index, entry) in entries.into_iter().enumerate() {
            if entry.seq as usize != index {
                return Err(format!("entry {index} has seq {}", entry.seq));
            }
            let draft = EntryDraft {
                key: entry.key,
                at: entry.at,
                day: entry.day,
                points: entry.points,
                movement: entry.movement,
                reason: entry.reason,
            };
            ledger.post(draft).map_err(|e| e.to_string())?;
        }
        Ok(ledger)
    }
}

impl From<Ledger> for Vec<Entry> {
    fn from(ledger: Ledger) -> Self {
        ledger.entries
    }
}

impl Ledger {
    /// Books a movement, or refuses it and changes nothing.
    pub fn post(&mut self, draft: EntryDraft) -> Result<&Entry, LedgerError> {
        if self.keys.contains(&draft.key) {
            return Err(LedgerError::DuplicateKey(draft.key));
        }
        let seq = u32::try_from(self.entries.len()).map_err(|_| LedgerError::AmountOutOfRange)?;
        self.totals
            .book(seq, draft.day, draft.points, draft.movement)?;
        self.keys.insert(draft.key.clone());
        self.entries.push(Entry {
            seq,
            key: draft.key,
            at: draft.at,
            day: draft.day,
            points: draft.points,
            movement: draft.movement,
            reason: draft.reason,
        });
        debug_assert_eq!(
            self.totals.balance,
            self.totals.lots.iter().map(|l| l.remaining).sum::<u64>()
        );
        debug_assert_eq!(
            self.totals.balance,
            self.totals.earned - self.totals.spent - self.totals.expired
        );
        Ok(self.entries.last().expect("just pushed"))
    }

    /// Whether a key is booked.
    pub fn has_key(&self, key: &str) -> bool {
        self.keys.contains(key)
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    /// Points that can be spent.
    pub fn balance(&self) -> u64 {
        self.totals.balance
    }

    /// The derived totals.
    pub fn totals(&self) -> &LedgerTotals {
        &self.totals
    }

    /// Lots with points left, oldest first.
    pub fn open_lots(&self) -> impl Iterator<Item = &Lot> {
        self.totals.lots.iter()
    }

    /// Points earned (not corrected away) on days in `from..=to`.
    pub fn earned_between(&self, from: LocalDay, to: LocalDay) -> u64 {
        self.entries
            .iter()
            .filter(|e| matches!(e.movement, Movement::Earn { .. }) && e.day >= from && e.day <= to)
            .map(|e| e.points)
            .sum()
    }

    /// The last day points moved by the member's own doing (expiry does not count).
    pub fn last_activity_day(&self) -> Option<LocalDay> {
        self.entries
            .iter()
            .rev()
            .filter(|e| !matches!(e.movement, Movement::Expire { .. }))
            .map(|e| e.day)
            .max()
    }

    /// Asserts the cached totals equal a fresh fold of the entries (used by tests).
    pub fn check_consistency(&self) -> Result<(), String> {
        let fold = LedgerTotals::fold(&self.entries).map_err(|e| e.to_string())?;
        if fold != self.totals {
            return Err(format!(
                "cached totals {:?} differ from the fold {:?}",
                self.totals, fold
            ));
        }
        Ok(())
    }
}
