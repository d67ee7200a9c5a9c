//! How an [`Op`] is read: as one flat object of its `type` and every field any operation has
//! ([`OpFields`]), then checked by type (why not serde's tagged form: see [`crate::flat`]).
//!
//! The refusals stay those of `deny_unknown_fields`: a field no operation has, and a field of
//! another operation type (a check-in that names its `points`), are both refused by name, even
//! when their value is `null`; a missing field is refused by name.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess};

use super::{Op, OpKind};
use crate::flat::{self, keep, Fields};
use crate::ids::{PurchaseReference, RewardId};
use crate::quiz::Answers;
use crate::time::LocalDay;

/// A field as the object has it: absent (`None`), `null` (`Some(None)`), or a value.
type Field<T> = Option<Option<T>>;

/// Every field of every operation, as the object has them.
#[derive(Default)]
pub(super) struct OpFields {
    kind: Option<OpKind>,
    day: Field<LocalDay>,
    answers: Field<Answers>,
    reward: Field<RewardId>,
    reference: Field<PurchaseReference>,
    amount_minor: Field<u64>,
    points: Field<i64>,
    note: Field<String>,
}

/// The names an operation's object may have.
const FIELDS: &[&str] = &[
    "type",
    "day",
    "answers",
    "reward",
    "reference",
    "amount_minor",
    "points",
    "note",
];

impl<'de> Deserialize<'de> for OpFields {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        flat::deserialize(deserializer)
    }
}

impl Fields for OpFields {
    const EXPECTING: &'static str = "an operation: an object with a `type`";

    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error> {
        match name {
            "type" => keep(&mut self.kind, "type", map),
            "day" => keep(&mut self.day, "day", map),
            "answers" => keep(&mut self.answers, "answers", map),
            "reward" => keep(&mut self.reward, "reward", map),
            "reference" => keep(&mut self.reference, "reference", map),
            "amount_minor" => keep(&mut self.amount_minor, "amount_minor", map),
            "points" => keep(&mut self.points, "points", map),
            "note" => keep(&mut self.note, "note", map),
            other => Err(de::Error::unknown_field(other, FIELDS)),
        }
    }
}

/// Why an object is not an operation of its type.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum OpShapeError {
    /// The type has no such field; these are the ones it has.
    Unknown {
        field: &'static str,
        expected: &'static [&'static str],
    },
    /// The type needs this field.
    Missing(&'static str),
    /// The field is `null`.
    Null(&'static str),
}

impl fmt::Display for OpShapeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            // Worded as serde's own `unknown_field`, which this reader replaces.
            Self::Unknown {
                field,
                expected: [],
            } => {
                write!(f, "unknown field `{field}`, there are no fields")
            }
            Self::Unknown {
                field,
                expected: [only],
            } => write!(f, "unknown field `{field}`, expected `{only}`"),
            Self::Unknown {
                field,
                expected: [first, second],
            } => write!(
                f,
                "unknown field `{field}`, expected `{first}` or `{second}`"
            ),
            Self::Unknown { field, expected } => {
                write!(f, "unknown field `{field}`, expected one of ")?;
                for (i, name) in expected.iter().enumerate() {
                    let comma = if i == 0 { "" } else { ", " };
                    write!(f, "{comma}`{name}`")?;
                }
                Ok(())
            }
            Self::Missing(field) => write!(f, "missing field `{field}`"),
            Self::Null(field) => write!(f, "invalid type: null for field `{field}`"),
        }
    }
}

impl TryFrom<OpFields> for Op {
    type Error = OpShapeError;

    fn try_from(fields: OpFields) -> Result<Self, OpShapeError> {
        let OpFields {
            kind,
            mut day,
            mut answers,
            mut reward,
            mut reference,
            mut amount_minor,
            mut points,
            mut note,
        } = fields;
        /// Takes a field the type needs out of the object.
        fn take<T>(field: &mut Field<T>, name: &'static str) -> Result<T, OpShapeError> {
            match field.take() {
                Some(Some(value)) => Ok(value),
                Some(None) => Err(OpShapeError::Null(name)),
                None => Err(OpShapeError::Missing(name)),
            }
        }
        let (op, expected): (Op, &'static [&'static str]) =
            match kind.ok_or(OpShapeError::Missing("type"))? {
                OpKind::Checkin => (Op::Checkin {}, &[]),
                OpKind::MakeupCheckin => (
                    Op::MakeupCheckin {
                        day: take(&mut day, "day")?,
                    },
                    &["day"],
                ),
                OpKind::SubmitQuiz => (
                    Op::SubmitQuiz {
                        answers: take(&mut answers, "answers")?,
                    },
                    &["answers"],
                ),
                OpKind::Redeem => (
                    Op::Redeem {
                        reward: take(&mut reward, "reward")?,
                    },
                    &["reward"],
                ),
                OpKind::CreditPurchase => (
                    Op::CreditPurchase {
                        reference: take(&mut reference, "reference")?,
                        amount_minor: take(&mut amount_minor, "amount_minor")?,
                    },
                    &["reference", "amount_minor"],
                ),
                OpKind::Adjust => (
                    Op::Adjust {
                        points: take(&mut points, "points")?,
                        note: take(&mut note, "note")?,
                    },
                    &["points", "note"],
                ),
            };
        // What is left belongs to another type of operation (`null` or not).
        let left = [
            ("day", day.is_some()),
            ("answers", answers.is_some()),
            ("reward", reward.is_some()),
            ("reference", reference.is_some()),
            ("amount_minor", amount_minor.is_some()),
            ("points", points.is_some()),
            ("note", note.is_some()),
        ];
        match left.into_iter().find(|(_, there)| *there) {
            Some((field, _)) => Err(OpShapeError::Unknown { field, expected }),
            None => Ok(op),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::{OptionId, QuestionId};
    use crate::quiz::Answer;
    use serde_json::json;

    fn read(value: serde_json::Value) -> Result<Op, String> {
        serde_json::from_value(value).map_err(|e| e.to_string())
    }

    fn every_op() -> Vec<Op> {
        let mut answers = Answers::new();
        answers.insert(
            QuestionId::parse("skin").unwrap(),
            Answer::Choice(OptionId::parse("oily").unwrap()),
        );
        vec![
            Op::Checkin {},
            Op::MakeupCheckin {
                day: LocalDay::parse("2026-12-01").unwrap(),
            },
            Op::SubmitQuiz { answers },
            Op::Redeem {
                reward: RewardId::parse("mask").unwrap(),
            },
            Op::CreditPurchase {
                reference: PurchaseReference::parse("order-1").unwrap(),
                amount_minor: 12_345,
            },
            Op::Adjust {
                points: -20,
                note: "goodwill".into(),
            },
        ]
    }

    #[test]
    fn every_operation_reads_back_as_written() {
        for op in every_op() {
            let written = serde_json::to_value(&op).unwrap();
            assert!(written["type"].is_string(), "{written}");
            assert_eq!(read(written.clone()), Ok(op), "{written}");
        }
    }

    #[test]
    fn a_field_of_another_operation_is_refused_by_name_even_when_null() {
        for forged in [
            json!({"type": "checkin", "points": 1000}),
            json!({"type": "checkin", "points": null}),
            json!({"type": "redeem", "reward": "mask", "amount_minor": 5}),
            json!({"type": "makeup_checkin", "day": "2026-12-01", "note": "x"}),
        ] {
            let refused = read(forged.clone()).unwrap_err();
            assert!(
                refused.starts_with("unknown field `"),
                "{forged}: {refused}"
            );
            let name = forged
                .as_object()
                .unwrap()
                .keys()
                .find(|k| !["type", "reward", "day"].contains(&k.as_str()))
                .unwrap()
                .clone();
            assert!(
                refused.contains(&format!("`{name}`")),
                "{forged}: {refused}"
            );
        }
    }

    #[test]
    fn a_foreign_field_is_refused_in_serde_own_words() {
        let cases = [
            (
                json!({"type": "checkin", "points": 1000}),
                "unknown field `points`, there are no fields",
            ),
            (
                json!({"type": "redeem", "reward": "mask", "day": "2026-12-01"}),
                "unknown field `day`, expected `reward`",
            ),
            (
                json!({"type": "adjust", "points": 1, "note": "n", "reward": "mask"}),
                "unknown field `reward`, expected `points` or `note`",
            ),
            (
                json!({"type": "checkin", "bonus": 1}),
                "unknown field `bonus`, expected one of `type`, `day`, `answers`, `reward`, \
                 `reference`, `amount_minor`, `points`, `note`",
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(read(value.clone()).unwrap_err(), expected, "{value}");
        }
    }

    #[test]
    fn unknown_fields_types_and_missing_fields_are_refused_with_what_is_wrong() {
        let cases = [
            (
                json!({"type": "checkin", "bonus": 1}),
                "unknown field `bonus`",
            ),
            (json!({"type": "teleport"}), "unknown variant `teleport`"),
            (json!({"day": "2026-12-01"}), "missing field `type`"),
            (json!({"type": "redeem"}), "missing field `reward`"),
            (
                json!({"type": "redeem", "reward": null}),
                "invalid type: null",
            ),
            (json!({"type": null}), "invalid type: null"),
            (
                json!({"type": "adjust", "points": 5}),
                "missing field `note`",
            ),
            (
                json!({"type": "credit_purchase", "reference": "o", "amount_minor": -1}),
                "invalid value",
            ),
            (json!([]), "invalid type: sequence"),
            (json!(["checkin"]), "invalid type: sequence"),
            (json!("checkin"), "invalid type: string"),
        ];
        for (value, expected) in cases {
            let refused = read(value.clone()).unwrap_err();
            assert!(refused.contains(expected), "{value}: {refused}");
        }
    }

    #[test]
    fn a_repeated_field_in_the_text_is_refused() {
        let refused = serde_json::from_str::<Op>(r#"{"type":"redeem","reward":"a","reward":"b"}"#)
            .unwrap_err();
        assert!(
            refused.to_string().contains("duplicate field `reward`"),
            "{refused}"
        );
    }
}
