//! How the campaign's small kind-tagged enums ([`Expiry`], [`Cycle`], [`BadgeRule`]) are read:
//! as one [`Kinded`] object (a kind and whole numbers), then checked by kind.
//!
//! Why not serde's `#[serde(tag = "kind")]` for reading too: serde decodes an internally
//! tagged enum by first buffering the whole object into its generic `Content` tree, then
//! decoding the variant from that. For these three enums of one or two numbers each that
//! came to 16 KB of code in the widgets' wasm, which decodes campaigns too; one small reader
//! for all three took 14 KB of it away (3.7 KB of the bundle, gzip). Writing keeps the derived
//! tagged form; the tests check that every variant reads back as written and that errors say
//! what is wrong.

use serde::de::{self, Deserialize, Deserializer, MapAccess};

use crate::flat::{self, keep, pass_over, Fields};

use super::{BadgeRule, Cycle, Expiry};

/// Every field the three enums have, besides `kind`: all whole numbers.
const NUMBER_FIELDS: &[&str] = &["days", "month", "day", "length"];

/// An object of a `kind` and whole-number fields, in any order.
pub(super) struct Kinded {
    kind: String,
    /// Each other field and its number; none for a field none of the enums has (its value is
    /// skipped, and [`Kinded::takes`] refuses it by name).
    fields: Vec<(String, Option<u64>)>,
}

/// A [`Kinded`] as its fields are read (the kind may still be missing).
#[derive(Default)]
struct KindedFields {
    kind: Option<String>,
    fields: Vec<(String, Option<u64>)>,
}

impl Fields for KindedFields {
    const EXPECTING: &'static str = "an object with a `kind`";

    fn read<'de, A: MapAccess<'de>>(&mut self, name: &str, map: &mut A) -> Result<(), A::Error> {
        if name == "kind" {
            return keep(&mut self.kind, "kind", map);
        }
        if self.fields.iter().any(|(seen, _)| seen == name) {
            return Err(de::Error::custom(format!("duplicate field `{name}`")));
        }
        let number = if NUMBER_FIELDS.contains(&name) {
            Some(map.next_value::<u64>()?)
        } else {
            pass_over(map)?;
            None
        };
        self.fields.push((name.to_owned(), number));
        Ok(())
    }
}

impl<'de> Deserialize<'de> for Kinded {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let KindedFields { kind, fields } = flat::deserialize(deserializer)?;
        let kind = kind.ok_or_else(|| de::Error::missing_field("kind"))?;
        Ok(Kinded { kind, fields })
    }
}

impl Kinded {
    /// Refuses any field but `takes` (which this kind takes).
    fn takes(&self, takes: &[&str]) -> Result<(), String> {
        match self
            .fields
            .iter()
            .find(|(name, _)| !takes.contains(&name.as_str()))
        {
            Some((name, _)) if takes.is_empty() => Err(format!(
                "unknown field `{name}`: kind `{}` takes no other field",
                self.kind
            )),
            Some((name, _)) => Err(format!(
                "unknown field `{name}` for kind `{}`, expected `{}`",
                self.kind,
                takes.join("`, `")
            )),
            None => Ok(()),
        }
    }

    /// The value of `field`, which this kind needs, as a `T`.
    fn number<T: TryFrom<u64>>(&self, field: &str) -> Result<T, String> {
        let value = self
            .fields
            .iter()
            .find_map(|(name, value)| value.filter(|_| name == field))
            .ok_or_else(|| format!("missing field `{field}` for kind `{}`", self.kind))?;
        T::try_from(value).map_err(|_| format!("`{field}` {value} is out of range"))
    }

    /// The error for a kind that is none of `kinds`.
    fn unknown(&self, kinds: &[&str]) -> String {
        format!(
            "unknown kind `{}`, expected one of `{}`",
            self.kind,
            kinds.join("`, `")
        )
    }
}

impl TryFrom<Kinded> for Expiry {
    type Error = String;

    fn try_from(object: Kinded) -> Result<Self, String> {
        match object.kind.as_str() {
            "never" => object.takes(&[]).map(|()| Self::Never),
            "after_days" => {
                object.takes(&["days"])?;
                Ok(Self::AfterDays {
                    days: object.number("days")?,
                })
            }
            "fixed_date" => {
                object.takes(&["month", "day"])?;
                Ok(Self::FixedDate {
                    month: object.number("month")?,
                    day: object.number("day")?,
                })
            }
            "inactivity" => {
                object.takes(&["days"])?;
                Ok(Self::Inactivity {
                    days: object.number("days")?,
                })
            }
            _ => Err(object.unknown(&["never", "after_days", "fixed_date", "inactivity"])),
        }
    }
}

impl TryFrom<Kinded> for Cycle {
    type Error = String;

    fn try_from(object: Kinded) -> Result<Self, String> {
        match object.kind.as_str() {
            "days" => {
                object.takes(&["length"])?;
                Ok(Self::Days {
                    length: object.number("length")?,
                })
            }
            "calendar_month" => object.takes(&[]).map(|()| Self::CalendarMonth),
            _ => Err(object.unknown(&["days", "calendar_month"])),
        }
    }
}

impl TryFrom<Kinded> for BadgeRule {
    type Error = String;

    fn try_from(object: Kinded) -> Result<Self, String> {
        match object.kind.as_str() {
            "first_checkin" => object.takes(&[]).map(|()| Self::FirstCheckin),
            "streak" => {
                object.takes(&["days"])?;
                Ok(Self::Streak {
                    days: object.number("days")?,
                })
            }
            "quiz_completed" => object.takes(&[]).map(|()| Self::QuizCompleted),
            "first_redemption" => object.takes(&[]).map(|()| Self::FirstRedemption),
            _ => Err(object.unknown(&[
                "first_checkin",
                "streak",
                "quiz_completed",
                "first_redemption",
            ])),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::fmt;

    use serde::de::DeserializeOwned;
    use serde::Serialize;

    use super::*;

    fn reads_back<T: Serialize + DeserializeOwned + PartialEq + fmt::Debug>(value: T) {
        let json = serde_json::to_string(&value).expect("serialises");
        let read: T = serde_json::from_str(&json).expect(&json);
        assert_eq!(read, value, "{json}");
    }

    fn error<T: DeserializeOwned + fmt::Debug>(json: &str) -> String {
        serde_json::from_str::<T>(json).expect_err(json).to_string()
    }

    #[test]
    fn every_variant_reads_back_as_written() {
        for expiry in [
            Expiry::Never,
            Expiry::AfterDays { days: 365 },
            Expiry::FixedDate { month: 12, day: 31 },
            Expiry::Inactivity { days: 90 },
        ] {
            reads_back(expiry);
        }
        for cycle in [Cycle::Days { length: 7 }, Cycle::CalendarMonth] {
            reads_back(cycle);
        }
        for rule in [
            BadgeRule::FirstCheckin,
            BadgeRule::Streak { days: 7 },
            BadgeRule::QuizCompleted,
            BadgeRule::FirstRedemption,
        ] {
            reads_back(rule);
        }
    }

    #[test]
    fn the_written_form_is_the_tagged_one_and_fields_come_in_any_order() {
        let json = serde_json::to_string(&Expiry::FixedDate { month: 12, day: 31 }).unwrap();
        assert_eq!(json, r#"{"kind":"fixed_date","month":12,"day":31}"#);
        let read: Expiry = serde_json::from_str(r#"{"day":31,"month":12,"kind":"fixed_date"}"#)
            .expect("fields in any order");
        assert_eq!(read, Expiry::FixedDate { month: 12, day: 31 });
    }

    #[test]
    fn errors_say_what_is_wrong() {
        type Read = fn(&str) -> String;
        let cases: [(Read, &str, &str); 11] = [
            (
                error::<Cycle>,
                r#"{"kind":"days","length":7,"length":8}"#,
                "duplicate field `length`",
            ),
            (
                error::<Expiry>,
                r#"{"kind":"never","note":"yearly"}"#,
                "unknown field `note`: kind `never` takes no other field",
            ),
            (
                error::<Expiry>,
                r#"{"kind":"weekly"}"#,
                "unknown kind `weekly`, expected one of `never`, `after_days`",
            ),
            (
                error::<Expiry>,
                r#"{"kind":"after_days"}"#,
                "missing field `days` for kind `after_days`",
            ),
            (
                error::<Expiry>,
                r#"{"kind":"never","days":3}"#,
                "unknown field `days`: kind `never` takes no other field",
            ),
            (
                error::<Expiry>,
                r#"{"kind":"after_days","days":"ten"}"#,
                "invalid type: string \"ten\"",
            ),
            (
                error::<Expiry>,
                r#"{"kind":"after_days","days":70000}"#,
                "`days` 70000 is out of range",
            ),
            (
                error::<Cycle>,
                r#"{"kind":"days","length":7,"lenght":7}"#,
                "unknown field `lenght` for kind `days`, expected `length`",
            ),
            (
                error::<Cycle>,
                r#"{"kind":"calendar_month","length":30}"#,
                "kind `calendar_month` takes no other field",
            ),
            (error::<BadgeRule>, r#"{"days":7}"#, "missing field `kind`"),
            (
                error::<BadgeRule>,
                r#"["streak", 7]"#,
                "expected an object with a `kind`",
            ),
        ];
        for (read, json, expected) in cases {
            let error = read(json);
            assert!(error.contains(expected), "{json}: {error}");
        }
    }
}
