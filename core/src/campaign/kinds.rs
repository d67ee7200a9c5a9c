//! How the campaign's small kind-tagged enums ([`Expiry`], [`Cycle`], [`BadgeRule`]) are read:
//! one flat object each, checked by kind.
//!
//! Why not serde's `#[serde(tag = "kind")]` for reading too: serde decodes an internally
//! tagged enum by first buffering the whole object into its generic `Content` tree, then
//! decoding the variant from that. For these three enums of one or two numbers each that
//! came to 16 KB of code in the widgets' wasm, which decodes campaigns too (6 KB gzip of the
//! bundle). A flat object of optional fields decodes directly. Writing keeps the derived
//! tagged form; the tests check that every variant reads back as written, and that the
//! errors still say what is wrong.

use serde::Deserialize;

use super::{BadgeRule, Cycle, Expiry};

/// The value of a field that `kind` needs.
fn required<T>(value: Option<T>, field: &str, kind: &str) -> Result<T, String> {
    value.ok_or_else(|| format!("missing field `{field}` for kind `{kind}`"))
}

/// Refuses a field given that `kind` does not take (`given`: each field, and whether it came).
fn takes_only(kind: &str, given: &[(&str, bool)], takes: &[&str]) -> Result<(), String> {
    match given
        .iter()
        .find(|(field, present)| *present && !takes.contains(field))
    {
        Some((field, _)) => Err(format!("field `{field}` does not apply to kind `{kind}`")),
        None => Ok(()),
    }
}

/// [`Expiry`] as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct ExpiryJson {
    kind: ExpiryKind,
    days: Option<u16>,
    month: Option<u8>,
    day: Option<u8>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum ExpiryKind {
    Never,
    AfterDays,
    FixedDate,
    Inactivity,
}

impl TryFrom<ExpiryJson> for Expiry {
    type Error = String;

    fn try_from(json: ExpiryJson) -> Result<Self, String> {
        let given = [
            ("days", json.days.is_some()),
            ("month", json.month.is_some()),
            ("day", json.day.is_some()),
        ];
        match json.kind {
            ExpiryKind::Never => {
                takes_only("never", &given, &[])?;
                Ok(Self::Never)
            }
            ExpiryKind::AfterDays => {
                takes_only("after_days", &given, &["days"])?;
                let days = required(json.days, "days", "after_days")?;
                Ok(Self::AfterDays { days })
            }
            ExpiryKind::FixedDate => {
                takes_only("fixed_date", &given, &["month", "day"])?;
                let month = required(json.month, "month", "fixed_date")?;
                let day = required(json.day, "day", "fixed_date")?;
                Ok(Self::FixedDate { month, day })
            }
            ExpiryKind::Inactivity => {
                takes_only("inactivity", &given, &["days"])?;
                let days = required(json.days, "days", "inactivity")?;
                Ok(Self::Inactivity { days })
            }
        }
    }
}

/// [`Cycle`] as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct CycleJson {
    kind: CycleKind,
    length: Option<u16>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum CycleKind {
    Days,
    CalendarMonth,
}

impl TryFrom<CycleJson> for Cycle {
    type Error = String;

    fn try_from(json: CycleJson) -> Result<Self, String> {
        let given = [("length", json.length.is_some())];
        match json.kind {
            CycleKind::Days => {
                let length = required(json.length, "length", "days")?;
                Ok(Self::Days { length })
            }
            CycleKind::CalendarMonth => {
                takes_only("calendar_month", &given, &[])?;
                Ok(Self::CalendarMonth)
            }
        }
    }
}

/// [`BadgeRule`] as read.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct BadgeRuleJson {
    kind: BadgeRuleKind,
    days: Option<u16>,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum BadgeRuleKind {
    FirstCheckin,
    Streak,
    QuizCompleted,
    FirstRedemption,
}

impl TryFrom<BadgeRuleJson> for BadgeRule {
    type Error = String;

    fn try_from(json: BadgeRuleJson) -> Result<Self, String> {
        let given = [("days", json.days.is_some())];
        let kind = match json.kind {
            BadgeRuleKind::Streak => {
                let days = required(json.days, "days", "streak")?;
                return Ok(Self::Streak { days });
            }
            BadgeRuleKind::FirstCheckin => ("first_checkin", Self::FirstCheckin),
            BadgeRuleKind::QuizCompleted => ("quiz_completed", Self::QuizCompleted),
            BadgeRuleKind::FirstRedemption => ("first_redemption", Self::FirstRedemption),
        };
        takes_only(kind.0, &given, &[])?;
        Ok(kind.1)
    }
}

#[cfg(test)]
mod tests {
    use serde::de::DeserializeOwned;
    use serde::Serialize;

    use super::*;

    fn reads_back<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T) {
        let json = serde_json::to_string(&value).expect("serialises");
        let read: T = serde_json::from_str(&json).expect(&json);
        assert_eq!(read, value, "{json}");
    }

    fn error<T: DeserializeOwned + std::fmt::Debug>(json: &str) -> String {
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
    fn the_written_form_is_the_tagged_one() {
        let json = serde_json::to_string(&Expiry::FixedDate { month: 12, day: 31 }).unwrap();
        assert_eq!(json, r#"{"kind":"fixed_date","month":12,"day":31}"#);
        let read: Expiry = serde_json::from_str(r#"{"day":31,"month":12,"kind":"fixed_date"}"#)
            .expect("fields in any order");
        assert_eq!(read, Expiry::FixedDate { month: 12, day: 31 });
    }

    #[test]
    fn errors_say_what_is_wrong() {
        type Read = fn(&str) -> String;
        let cases: [(Read, &str, &str); 8] = [
            (
                error::<Expiry>,
                r#"{"kind":"weekly"}"#,
                "unknown variant `weekly`, expected one of `never`, `after_days`",
            ),
            (
                error::<Expiry>,
                r#"{"kind":"after_days"}"#,
                "missing field `days` for kind `after_days`",
            ),
            (
                error::<Expiry>,
                r#"{"kind":"never","days":3}"#,
                "field `days` does not apply to kind `never`",
            ),
            (
                error::<Expiry>,
                r#"{"kind":"after_days","days":"ten"}"#,
                "invalid type: string \"ten\"",
            ),
            (
                error::<Cycle>,
                r#"{"kind":"days","length":7,"lenght":7}"#,
                "unknown field `lenght`",
            ),
            (
                error::<Cycle>,
                r#"{"kind":"calendar_month","length":30}"#,
                "field `length` does not apply to kind `calendar_month`",
            ),
            (error::<BadgeRule>, r#"{"days":7}"#, "missing field `kind`"),
            (
                error::<BadgeRule>,
                r#"{"kind":"quiz_completed","days":3}"#,
                "field `days` does not apply to kind `quiz_completed`",
            ),
        ];
        for (read, json, expected) in cases {
            let error = read(json);
            assert!(error.contains(expected), "{json}: {error}");
        }
    }
}
