//! Every shape problem of a campaign document, not only the first.
//!
//! serde stops at the first field it cannot read, but a marketer fixing a hand-edited campaign
//! wants the whole list, as validation gives it (422 `invalid_campaign`). So on that error path
//! only, the document is read again in sections: each top-level field on its own, and each
//! element of the lists one edits most (rewards, badges, locales, the quiz's questions,
//! outcomes, dimensions and tag labels) on its own, so that one broken reward does not hide
//! another. Within one section, only its first problem is known.
//!
//! The sections' types mirror [`Campaign`]'s fields. Should they drift apart, nothing valid is
//! refused: this runs only after serde refused the document, and when the sections find
//! nothing, serde's own error is the answer (a test checks that the demo campaigns, read in
//! sections, show no problem, and that every field of the campaign has its section).

use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use siyu_core::campaign::{
    Badge, CheckinRules, Dimension, LifecycleRules, OfflineRules, Outcome, PointsRules, Problem,
    Question, Quiz, Reward, TagLabel, Theme, TierRules,
};
use siyu_core::ids::{CampaignId, OutcomeId, TenantId};
use siyu_core::locale::{Locale, Text};
use siyu_core::time::ZoneRules;
use siyu_core::{Campaign, LocalDay};

/// The problems of a campaign document that serde refused, each with its path
/// (`rewards[2].cost`), in the campaign's field order. `None` when the text is not JSON: then
/// there are no fields to name, and serde_json's message is the answer.
pub fn shape_problems(text: &str) -> Option<Vec<Problem>> {
    // Broken JSON is about characters, not fields.
    let document = match serde_json::from_str::<Value>(text).ok()? {
        Value::Object(document) => document,
        // serde would read an array as the fields in order ("invalid length 0, expected
        // struct Campaign with 20 elements"): no campaign is written that way.
        other => {
            return Some(vec![Problem {
                path: String::new(),
                message: format!(
                    "a campaign is a JSON object ({{\"schema_version\": 1, \"id\": …}}), not {}",
                    match other {
                        Value::Array(_) => "an array",
                        Value::String(_) => "a string",
                        Value::Number(_) => "a number",
                        Value::Bool(_) => "a boolean",
                        _ => "null",
                    }
                ),
            }])
        }
    };
    let mut problems = Problems::default();
    read_sections(&document, CAMPAIGN, "", &mut problems);
    if problems.0.is_empty() {
        // The sections found nothing (they have fallen behind the campaign's fields): serde's
        // own reading of the whole, placed by its path.
        problems.read::<Campaign>("", &Value::Object(document));
    }
    Some(problems.0)
}

/// Problems found so far.
#[derive(Default)]
struct Problems(Vec<Problem>);

impl Problems {
    /// Reads `value` at `path` as a `T`, noting its first problem.
    fn read<T: DeserializeOwned>(&mut self, path: &str, value: &Value) {
        if let Err(error) = serde_path_to_error::deserialize::<_, T>(value) {
            let inner = error.path().to_string();
            let path = match inner.as_str() {
                "." => path.to_owned(),
                _ if path.is_empty() || inner.starts_with('[') => format!("{path}{inner}"),
                _ => format!("{path}.{inner}"),
            };
            self.0.push(Problem {
                path,
                message: error.into_inner().to_string(),
            });
        }
    }

    /// Reads a list at `path` element by element as `T`s.
    fn read_each<T: DeserializeOwned>(&mut self, path: &str, value: &Value) {
        match value {
            Value::Array(items) => {
                for (index, item) in items.iter().enumerate() {
                    self.read::<T>(&format!("{path}[{index}]"), item);
                }
            }
            other => self.read::<Vec<T>>(path, other),
        }
    }
}

/// One field of a struct: its name, whether serde requires it, and how it is read.
struct Section {
    field: &'static str,
    required: bool,
    read: fn(&mut Problems, &str, &Value),
}

const fn section(
    field: &'static str,
    required: bool,
    read: fn(&mut Problems, &str, &Value),
) -> Section {
    Section {
        field,
        required,
        read,
    }
}

/// [`Campaign`]'s fields, in its order.
const CAMPAIGN: &[Section] = &[
    section("schema_version", true, Problems::read::<u32>),
    section("id", true, Problems::read::<CampaignId>),
    section("tenant", true, Problems::read::<TenantId>),
    section("revision", true, Problems::read::<u32>),
    section("locales", true, Problems::read_each::<Locale>),
    section("default_locale", true, Problems::read::<Locale>),
    section("name", true, Problems::read::<Text>),
    section("time_zone", true, Problems::read::<String>),
    section("zone_rules", false, Problems::read::<Option<ZoneRules>>),
    section("starts_on", true, Problems::read::<LocalDay>),
    section("ends_on", false, Problems::read::<Option<LocalDay>>),
    section("theme", false, Problems::read::<Theme>),
    section("quiz", false, read_quiz),
    section("points", false, Problems::read::<PointsRules>),
    section("checkin", false, Problems::read::<Option<CheckinRules>>),
    section("rewards", false, Problems::read_each::<Reward>),
    section("tiers", false, Problems::read::<Option<TierRules>>),
    section("badges", false, Problems::read_each::<Badge>),
    section("lifecycle", false, Problems::read::<LifecycleRules>),
    section("offline", false, Problems::read::<OfflineRules>),
];

/// [`Quiz`]'s fields, in its order.
const QUIZ: &[Section] = &[
    section("title", true, Problems::read::<Text>),
    section("dimensions", true, Problems::read_each::<Dimension>),
    section("questions", true, Problems::read_each::<Question>),
    section("outcomes", true, Problems::read_each::<Outcome>),
    section("fallback_outcome", true, Problems::read::<OutcomeId>),
    section("completion_points", false, Problems::read::<u64>),
    section("tag_labels", false, Problems::read_each::<TagLabel>),
];

/// The quiz section by section; anything but an object, as serde reads it.
fn read_quiz(problems: &mut Problems, path: &str, value: &Value) {
    match value {
        Value::Object(quiz) => read_sections(quiz, QUIZ, path, problems),
        other => problems.read::<Option<Quiz>>(path, other),
    }
}

/// Reads each of `object`'s sections that it has, in order; notes the required ones it lacks
/// and its keys that are no section. `parent` is the object's path (empty for the document).
fn read_sections(
    object: &Map<String, Value>,
    sections: &[Section],
    parent: &str,
    problems: &mut Problems,
) {
    let path = |key: &str| match parent {
        "" => key.to_owned(),
        _ => format!("{parent}.{key}"),
    };
    for section in sections {
        match object.get(section.field) {
            Some(value) => (section.read)(problems, &path(section.field), value),
            None if section.required => problems.0.push(Problem {
                path: parent.to_owned(),
                message: format!("missing field `{}`", section.field),
            }),
            None => {}
        }
    }
    for key in object.keys() {
        if !sections.iter().any(|s| s.field == key) {
            problems.0.push(Problem {
                path: path(key),
                message: format!("unknown field `{key}`"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The sections' fields, and those of them that are required.
    fn fields(sections: &[Section]) -> Vec<&'static str> {
        sections.iter().map(|s| s.field).collect()
    }

    fn required(sections: &[Section]) -> Vec<&'static str> {
        sections
            .iter()
            .filter(|s| s.required)
            .map(|s| s.field)
            .collect()
    }

    fn demo() -> Value {
        serde_json::from_str(siyu_core::demo::BEAUTY_JSON).unwrap()
    }

    #[test]
    fn the_demo_campaigns_read_in_sections_show_no_problem() {
        for text in [
            siyu_core::demo::BEAUTY_JSON,
            siyu_core::demo::FURNITURE_JSON,
        ] {
            let Value::Object(document) = serde_json::from_str(text).unwrap() else {
                panic!("a campaign is an object");
            };
            let mut problems = Problems::default();
            read_sections(&document, CAMPAIGN, "", &mut problems);
            assert!(problems.0.is_empty(), "{:?}", problems.0);
        }
    }

    #[test]
    fn every_field_of_the_campaign_and_its_quiz_has_a_section() {
        // A campaign with every optional part: its serialised keys are the struct's fields.
        let campaign: Campaign = serde_json::from_str(siyu_core::demo::BEAUTY_JSON).unwrap();
        let written = serde_json::to_value(&campaign).unwrap();
        for key in written.as_object().unwrap().keys() {
            assert!(
                fields(CAMPAIGN).contains(&key.as_str()),
                "no section for {key}"
            );
        }
        for key in written["quiz"].as_object().unwrap().keys() {
            assert!(
                fields(QUIZ).contains(&key.as_str()),
                "no section for quiz.{key}"
            );
        }
        // And every section names a field of the campaign: the whole reading does not call
        // it unknown.
        for field in fields(CAMPAIGN) {
            let mut document = demo();
            document[field] = written.get(field).cloned().unwrap_or(Value::Null);
            if let Err(error) = serde_json::from_value::<Campaign>(document) {
                assert!(
                    !error.to_string().contains("unknown field"),
                    "{field}: {error}"
                );
            }
        }
    }

    #[test]
    fn the_required_fields_are_those_serde_requires() {
        for field in fields(CAMPAIGN) {
            let mut document = demo();
            document.as_object_mut().unwrap().remove(field);
            let missing = serde_json::from_value::<Campaign>(document)
                .is_err_and(|e| e.to_string().contains("missing field"));
            assert_eq!(missing, required(CAMPAIGN).contains(&field), "{field}");
        }
        for field in fields(QUIZ) {
            let mut document = demo();
            document["quiz"].as_object_mut().unwrap().remove(field);
            let missing = serde_json::from_value::<Campaign>(document)
                .is_err_and(|e| e.to_string().contains("missing field"));
            assert_eq!(missing, required(QUIZ).contains(&field), "quiz.{field}");
        }
    }

    #[test]
    fn problems_in_several_sections_are_all_named() {
        let mut document = demo();
        document["rewards"][0]["cost"] = json!("lots");
        document["rewards"][1]["name"] = json!(7);
        document["quiz"]["questions"][1]["kind"] = json!("essay");
        document["theme"]["colour"] = json!("red");
        document["sparkles"] = json!(true);
        document.as_object_mut().unwrap().remove("starts_on");
        document["quiz"].as_object_mut().unwrap().remove("outcomes");
        let problems = shape_problems(&document.to_string()).unwrap();
        let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "",
                "theme.colour",
                "quiz.questions[1].kind",
                "quiz",
                "rewards[0].cost",
                "rewards[1].name",
                "sparkles"
            ],
            "{problems:?}"
        );
        assert_eq!(problems[0].to_string(), "missing field `starts_on`");
        assert_eq!(problems[3].to_string(), "quiz: missing field `outcomes`");
        assert!(problems[4]
            .message
            .starts_with("invalid type: string \"lots\""));
        assert_eq!(problems[6].message, "unknown field `sparkles`");
    }

    #[test]
    fn a_missing_field_is_named_by_the_whole_reading() {
        let mut document = demo();
        document.as_object_mut().unwrap().remove("starts_on");
        let problems = shape_problems(&document.to_string()).unwrap();
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert_eq!(problems[0].message, "missing field `starts_on`");
    }

    #[test]
    fn broken_json_has_no_fields_to_name() {
        assert_eq!(shape_problems("{\"schema_version\": 1,"), None);
    }

    #[test]
    fn json_that_is_not_an_object_is_told_what_a_campaign_is() {
        for (text, kind) in [("[]", "an array"), ("\"x\"", "a string"), ("null", "null")] {
            let problems = shape_problems(text).expect("valid JSON");
            assert_eq!(problems.len(), 1);
            assert_eq!(problems[0].path, "");
            assert!(
                problems[0]
                    .message
                    .starts_with("a campaign is a JSON object")
                    && problems[0].message.ends_with(kind),
                "{}",
                problems[0].message
            );
        }
    }
}
