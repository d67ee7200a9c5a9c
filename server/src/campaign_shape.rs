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
    Badge, Dimension, LifecycleRules, OfflineRules, Outcome, PointsRules, Problem, Question,
    Reward, TagLabel, Theme, TierRules,
};
use siyu_core::campaign::{CheckinRules, Quiz};
use siyu_core::ids::{CampaignId, OutcomeId, TenantId};
use siyu_core::locale::{Locale, Text};
use siyu_core::time::ZoneRules;
use siyu_core::{Campaign, LocalDay};

/// The problems of a campaign document that serde refused, each with its path
/// (`rewards[2].cost`), in the campaign's field order. `None` when the text is not JSON, or
/// not an object: then there are no fields to name, and serde_json's message is the answer.
pub fn shape_problems(text: &str) -> Option<Vec<Problem>> {
    let mut reader = serde_json::Deserializer::from_str(text);
    let first = match serde_path_to_error::deserialize::<_, Campaign>(&mut reader) {
        Ok(_) => return Some(Vec::new()),
        Err(error) => error,
    };
    // A wrong type, an unknown or missing field has a place; broken JSON is about characters.
    if first.inner().classify() != serde_json::error::Category::Data {
        return None;
    }
    let Ok(Value::Object(document)) = serde_json::from_str::<Value>(text) else {
        return None;
    };
    let mut problems = Problems::default();
    campaign(&document, &mut problems);
    if problems.0.is_empty() {
        // Only serde's whole reading sees a missing required field (or a section list that
        // no longer matches the campaign): its error, placed.
        let path = first.path().to_string();
        let mut message = first.inner().to_string();
        // A place in a one-line document says nothing the path does not.
        if let Some(at) = message.rfind(" at line ") {
            message.truncate(at);
        }
        problems.0.push(Problem {
            path: if path == "." { String::new() } else { path },
            message,
        });
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
                _ if inner.starts_with('[') => format!("{path}{inner}"),
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

    /// Notes a required field that is absent.
    fn missing(&mut self, parent: &str, field: &str) {
        self.0.push(Problem {
            path: parent.to_owned(),
            message: format!("missing field `{field}`"),
        });
    }

    /// Notes each key of `object` that is not one of `known`.
    fn unknown_fields(&mut self, prefix: &str, object: &Map<String, Value>, known: &[&str]) {
        for key in object.keys().filter(|key| !known.contains(&key.as_str())) {
            self.0.push(Problem {
                path: format!("{prefix}{key}"),
                message: format!("unknown field `{key}`"),
            });
        }
    }
}

/// One section per field of [`Campaign`], in its order.
const CAMPAIGN_FIELDS: &[&str] = &[
    "schema_version",
    "id",
    "tenant",
    "revision",
    "locales",
    "default_locale",
    "name",
    "time_zone",
    "zone_rules",
    "starts_on",
    "ends_on",
    "theme",
    "quiz",
    "points",
    "checkin",
    "rewards",
    "tiers",
    "badges",
    "lifecycle",
    "offline",
];

/// The fields of [`Campaign`] without a default.
const CAMPAIGN_REQUIRED: &[&str] = &[
    "schema_version",
    "id",
    "tenant",
    "revision",
    "locales",
    "default_locale",
    "name",
    "time_zone",
    "starts_on",
];

/// Hands each of an object's `fields` that it has to `read`, in order; notes the `required`
/// ones it lacks, and its keys that are not fields. `parent` is the object's path.
fn each_field(
    object: &Map<String, Value>,
    (fields, required): (&[&'static str], &[&str]),
    parent: &str,
    problems: &mut Problems,
    mut read: impl FnMut(&'static str, &Value, &mut Problems),
) {
    for &field in fields {
        match object.get(field) {
            Some(value) => read(field, value, problems),
            None if required.contains(&field) => problems.missing(parent, field),
            None => {}
        }
    }
    let prefix = if parent.is_empty() {
        String::new()
    } else {
        format!("{parent}.")
    };
    problems.unknown_fields(&prefix, object, fields);
}

fn campaign(document: &Map<String, Value>, problems: &mut Problems) {
    let fields = (CAMPAIGN_FIELDS, CAMPAIGN_REQUIRED);
    each_field(
        document,
        fields,
        "",
        problems,
        |field, value, problems| match field {
            "schema_version" | "revision" => problems.read::<u32>(field, value),
            "id" => problems.read::<CampaignId>(field, value),
            "tenant" => problems.read::<TenantId>(field, value),
            "locales" => problems.read_each::<Locale>(field, value),
            "default_locale" => problems.read::<Locale>(field, value),
            "name" => problems.read::<Text>(field, value),
            "time_zone" => problems.read::<String>(field, value),
            "zone_rules" => problems.read::<Option<ZoneRules>>(field, value),
            "starts_on" => problems.read::<LocalDay>(field, value),
            "ends_on" => problems.read::<Option<LocalDay>>(field, value),
            "theme" => problems.read::<Theme>(field, value),
            "quiz" => match value {
                Value::Object(quiz_fields) => quiz(quiz_fields, problems),
                other => problems.read::<Option<Quiz>>(field, other),
            },
            "points" => problems.read::<PointsRules>(field, value),
            "checkin" => problems.read::<Option<CheckinRules>>(field, value),
            "rewards" => problems.read_each::<Reward>(field, value),
            "tiers" => problems.read::<Option<TierRules>>(field, value),
            "badges" => problems.read_each::<Badge>(field, value),
            "lifecycle" => problems.read::<LifecycleRules>(field, value),
            "offline" => problems.read::<OfflineRules>(field, value),
            _ => unreachable!("every field of CAMPAIGN_FIELDS has its section"),
        },
    );
}

/// One section per field of [`Quiz`], in its order.
const QUIZ_FIELDS: &[&str] = &[
    "title",
    "dimensions",
    "questions",
    "outcomes",
    "fallback_outcome",
    "completion_points",
    "tag_labels",
];

/// The fields of [`Quiz`] without a default.
const QUIZ_REQUIRED: &[&str] = &[
    "title",
    "dimensions",
    "questions",
    "outcomes",
    "fallback_outcome",
];

fn quiz(quiz: &Map<String, Value>, problems: &mut Problems) {
    let fields = (QUIZ_FIELDS, QUIZ_REQUIRED);
    each_field(quiz, fields, "quiz", problems, |field, value, problems| {
        let path = format!("quiz.{field}");
        match field {
            "title" => problems.read::<Text>(&path, value),
            "dimensions" => problems.read_each::<Dimension>(&path, value),
            "questions" => problems.read_each::<Question>(&path, value),
            "outcomes" => problems.read_each::<Outcome>(&path, value),
            "fallback_outcome" => problems.read::<OutcomeId>(&path, value),
            "completion_points" => problems.read::<u64>(&path, value),
            "tag_labels" => problems.read_each::<TagLabel>(&path, value),
            _ => unreachable!("every field of QUIZ_FIELDS has its section"),
        }
    });
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

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
            campaign(&document, &mut problems);
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
                CAMPAIGN_FIELDS.contains(&key.as_str()),
                "no section for {key}"
            );
        }
        for key in written["quiz"].as_object().unwrap().keys() {
            assert!(
                QUIZ_FIELDS.contains(&key.as_str()),
                "no section for quiz.{key}"
            );
        }
        // And every section names a field of the campaign: the whole reading does not call
        // it unknown.
        for &field in CAMPAIGN_FIELDS {
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
        for &field in CAMPAIGN_FIELDS {
            let mut document = demo();
            document.as_object_mut().unwrap().remove(field);
            let missing = serde_json::from_value::<Campaign>(document)
                .is_err_and(|e| e.to_string().contains("missing field"));
            assert_eq!(missing, CAMPAIGN_REQUIRED.contains(&field), "{field}");
        }
        for &field in QUIZ_FIELDS {
            let mut document = demo();
            document["quiz"].as_object_mut().unwrap().remove(field);
            let missing = serde_json::from_value::<Campaign>(document)
                .is_err_and(|e| e.to_string().contains("missing field"));
            assert_eq!(missing, QUIZ_REQUIRED.contains(&field), "quiz.{field}");
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
    fn text_that_is_not_a_json_object_has_no_fields_to_name() {
        assert_eq!(shape_problems("{\"schema_version\": 1,"), None);
        assert_eq!(shape_problems("[1, 2]"), None);
    }
}
