//! How a [`Movement`] and a [`Reason`] are read: each as one flat object of its tag and every
//! field any of its variants has, then built by tag (why not serde's tagged form: see
//! [`crate::flat`]). As with serde's derived reader for these enums, a field the variant does
//! not have is passed over, and a missing one is refused by name.

use std::fmt;

use serde::de::{Deserializer, MapAccess};
use serde::Deserialize;

use super::{Movement, Reason};
use crate::flat::{self, keep, pass_over, Fields};
use crate::ids::{PurchaseReference, RewardId};
use crate::time::LocalDay;

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum MovementKind {
    Earn,
    Spend,
    Expire,
}

/// A movement's fields as the object has them.
#[derive(Default)]
pub(super) struct MovementFields {
    kind: Option<MovementKind>,
    /// `Some(None)` for `null`, which means "never", as an absent field does.
    expires_on: Option<Option<LocalDay>>,
    lot: Option<u32>,
}

impl<'de> Deserialize<'de> for MovementFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        flat::deserialize(deserializer)
    }
}

impl Fields for MovementFields {
    const EXPECTING: &'static str = "a movement: an object with a `kind`";

    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error> {
        match name {
            "kind" => keep(&mut self.kind, "kind", map),
            "expires_on" => keep(&mut self.expires_on, "expires_on", map),
            "lot" => keep(&mut self.lot, "lot", map),
            _ => pass_over(map),
        }
    }
}

/// Why an object is not a movement or reason of its kind: the field it lacks.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct MissingField(&'static str);

impl fmt::Display for MissingField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "missing field `{}`", self.0)
    }
}

/// A field the variant needs.
fn needs<T>(field: Option<T>, name: &'static str) -> Result<T, MissingField> {
    field.ok_or(MissingField(name))
}

impl TryFrom<MovementFields> for Movement {
    type Error = MissingField;

    fn try_from(fields: MovementFields) -> Result<Self, MissingField> {
        Ok(match needs(fields.kind, "kind")? {
            MovementKind::Earn => Movement::Earn {
                expires_on: fields.expires_on.flatten(),
            },
            MovementKind::Spend => Movement::Spend,
            MovementKind::Expire => Movement::Expire {
                lot: needs(fields.lot, "lot")?,
            },
        })
    }
}

#[derive(Clone, Copy, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ReasonKind {
    Checkin,
    Makeup,
    Milestone,
    QuizCompleted,
    Purchase,
    Redemption,
    Expired,
    Inactive,
    Correction,
}

/// A reason's fields as the object has them.
#[derive(Default)]
pub(super) struct ReasonFields {
    why: Option<ReasonKind>,
    day: Option<LocalDay>,
    cycle_start: Option<LocalDay>,
    checkins: Option<u16>,
    reference: Option<PurchaseReference>,
    amount_minor: Option<u64>,
    reward: Option<RewardId>,
    note: Option<String>,
}

impl<'de> Deserialize<'de> for ReasonFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        flat::deserialize(deserializer)
    }
}

impl Fields for ReasonFields {
    const EXPECTING: &'static str = "a reason: an object with a `why`";

    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error> {
        match name {
            "why" => keep(&mut self.why, "why", map),
            "day" => keep(&mut self.day, "day", map),
            "cycle_start" => keep(&mut self.cycle_start, "cycle_start", map),
            "checkins" => keep(&mut self.checkins, "checkins", map),
            "reference" => keep(&mut self.reference, "reference", map),
            "amount_minor" => keep(&mut self.amount_minor, "amount_minor", map),
            "reward" => keep(&mut self.reward, "reward", map),
            "note" => keep(&mut self.note, "note", map),
            _ => pass_over(map),
        }
    }
}

impl TryFrom<ReasonFields> for Reason {
    type Error = MissingField;

    fn try_from(fields: ReasonFields) -> Result<Self, MissingField> {
        Ok(match needs(fields.why, "why")? {
            ReasonKind::Checkin => Reason::Checkin {
                day: needs(fields.day, "day")?,
            },
            ReasonKind::Makeup => Reason::Makeup {
                day: needs(fields.day, "day")?,
            },
            ReasonKind::Milestone => Reason::Milestone {
                cycle_start: needs(fields.cycle_start, "cycle_start")?,
                checkins: needs(fields.checkins, "checkins")?,
            },
            ReasonKind::QuizCompleted => Reason::QuizCompleted,
            ReasonKind::Purchase => Reason::Purchase {
                reference: needs(fields.reference, "reference")?,
                amount_minor: needs(fields.amount_minor, "amount_minor")?,
            },
            ReasonKind::Redemption => Reason::Redemption {
                reward: needs(fields.reward, "reward")?,
            },
            ReasonKind::Expired => Reason::Expired,
            ReasonKind::Inactive => Reason::Inactive,
            ReasonKind::Correction => Reason::Correction {
                note: needs(fields.note, "note")?,
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn day(text: &str) -> LocalDay {
        LocalDay::parse(text).unwrap()
    }

    #[test]
    fn every_movement_and_reason_reads_back_as_written() {
        let movements = [
            Movement::Earn { expires_on: None },
            Movement::Earn {
                expires_on: Some(day("2027-12-04")),
            },
            Movement::Spend,
            Movement::Expire { lot: 7 },
        ];
        for movement in movements {
            let written = serde_json::to_value(movement).unwrap();
            assert!(written["kind"].is_string(), "{written}");
            assert_eq!(
                serde_json::from_value::<Movement>(written.clone()).unwrap(),
                movement
            );
        }
        let reasons = [
            Reason::Checkin {
                day: day("2026-12-04"),
            },
            Reason::Makeup {
                day: day("2026-12-02"),
            },
            Reason::Milestone {
                cycle_start: day("2026-12-01"),
                checkins: 3,
            },
            Reason::QuizCompleted,
            Reason::Purchase {
                reference: PurchaseReference::parse("order-9").unwrap(),
                amount_minor: 19_900,
            },
            Reason::Redemption {
                reward: RewardId::parse("mask").unwrap(),
            },
            Reason::Expired,
            Reason::Inactive,
            Reason::Correction {
                note: "goodwill".into(),
            },
        ];
        for reason in reasons {
            let written = serde_json::to_value(&reason).unwrap();
            assert!(written["why"].is_string(), "{written}");
            assert_eq!(
                serde_json::from_value::<Reason>(written.clone()).unwrap(),
                reason
            );
        }
    }

    #[test]
    fn what_is_missing_or_wrong_is_refused_by_name_and_other_fields_are_passed_over() {
        let refused = |value: serde_json::Value| {
            let movement = serde_json::from_value::<Movement>(value.clone());
            let reason = serde_json::from_value::<Reason>(value.clone());
            match (movement, reason) {
                (Err(m), Err(r)) => format!("{m} | {r}"),
                outcome => panic!("{value}: {outcome:?}"),
            }
        };
        assert!(refused(json!({"kind": "expire"})).contains("missing field `lot`"));
        assert!(refused(json!({"why": "milestone", "checkins": 3}))
            .contains("missing field `cycle_start`"));
        assert!(refused(json!({"kind": "borrow"})).contains("unknown variant `borrow`"));
        assert!(refused(json!({"why": "checkin", "day": "12/04"})).contains("is not a date"));
        assert!(refused(json!({"kind": "expire", "lot": -1})).contains("invalid value"));
        assert!(refused(json!([])).contains("invalid type: sequence"));
        assert!(refused(json!({})).contains("missing field `kind`"));
        let twice = serde_json::from_str::<Movement>(r#"{"kind":"spend","kind":"earn"}"#);
        assert!(twice
            .unwrap_err()
            .to_string()
            .contains("duplicate field `kind`"));

        assert_eq!(
            serde_json::from_value::<Movement>(json!({"kind": "spend", "lot": 3, "extra": [1]}))
                .unwrap(),
            Movement::Spend
        );
        assert_eq!(
            serde_json::from_value::<Movement>(json!({"kind": "earn", "expires_on": null}))
                .unwrap(),
            Movement::Earn { expires_on: None }
        );
        assert_eq!(
            serde_json::from_value::<Reason>(json!({"why": "expired", "day": "2026-12-04"}))
                .unwrap(),
            Reason::Expired
        );
    }
}
