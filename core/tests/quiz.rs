#![cfg(not(target_arch = "wasm32"))]
//! Quiz rules: branching, answer checks, scoring, tie-break, tags.

mod common;

use serde_json::json;
use siyu_core::campaign::QuestionKind;
use siyu_core::quiz::{self, Answer, AnswerError, Answers};

fn answers(value: serde_json::Value) -> Answers {
    serde_json::from_value(value).expect("test answers")
}

fn check_score(answers_json: serde_json::Value, outcome: &str, tags: &[&str]) {
    let campaign = common::shanghai();
    let quiz = campaign.quiz.as_ref().unwrap();
    let given = answers(answers_json.clone());
    quiz::check_answers(quiz, &given).unwrap_or_else(|e| panic!("{answers_json}: {e}"));
    let result = quiz::score(quiz, &given);
    assert_eq!(
        result.outcome.as_str(),
        outcome,
        "outcome for {answers_json}"
    );
    let got: Vec<&str> = result.tags.iter().map(|t| t.as_str()).collect();
    assert_eq!(got, tags, "tags for {answers_json}");
}

#[test]
fn answers_score_the_expected_outcome_and_tags() {
    // oily 3 + 2 = 5; sensitive (1 step) 0 → oily.
    check_score(
        json!({"shine": {"choice": "often"}, "tzone": {"choice": "yes"}, "sting": {"scale": 1}}),
        "oily",
        &["shine:often", "skin:oily", "zone:t"],
    );
    // A negative weight: never shiny → oily −1, dry 2 → dry.
    check_score(
        json!({"shine": {"choice": "never"}, "sting": {"scale": 1}}),
        "dry",
        &["skin:dry"],
    );
    // Sensitive requires sting ≥ 3: 4 → sensitive 6 beats dry 2.
    check_score(
        json!({"shine": {"choice": "never"}, "sting": {"scale": 4}}),
        "sensitive",
        &["concern:redness", "skin:sensitive"],
    );
    // Oily is excluded at sting 5, though oily scores 5; sensitive scores 8 anyway.
    check_score(
        json!({"shine": {"choice": "often"}, "tzone": {"choice": "yes"}, "sting": {"scale": 5}}),
        "sensitive",
        &["concern:redness", "shine:often", "skin:sensitive", "zone:t"],
    );
    // Multiple choice adds each option.
    check_score(
        json!({"shine": {"choice": "never"}, "sting": {"scale": 1}, "goals": {"choices": ["hydrate", "matte"]}}),
        "dry",
        &["goal:hydrate", "goal:matte", "skin:dry"],
    );
}

#[test]
fn equal_scores_go_to_the_outcome_listed_first() {
    // oily: 3 (often) + 0 (tzone no) + 1 (matte) − 0 = 4 … make dry equal: never is exclusive
    // with often, so tie oily and sensitive instead: oily 3 (often, tzone no); sensitive 2 per
    // step: sting 3 → 4 … add matte (+1 oily) → oily 4, sensitive 4. Oily is listed first.
    check_score(
        json!({"shine": {"choice": "often"}, "tzone": {"choice": "no"}, "sting": {"scale": 3}, "goals": {"choices": ["matte"]}}),
        "oily",
        &["goal:matte", "shine:often", "skin:oily"],
    );
}

#[test]
fn no_positive_score_falls_back() {
    let campaign = common::shanghai();
    let mut quiz = campaign.quiz.as_deref().unwrap().clone();
    // Make "never" score nothing positive anywhere.
    quiz.questions[0].options[1].scores.clear();
    let given = answers(json!({"shine": {"choice": "never"}, "sting": {"scale": 1}}));
    quiz::check_answers(&quiz, &given).unwrap();
    assert_eq!(quiz::score(&quiz, &given).outcome.as_str(), "normal");
}

#[test]
fn follow_up_questions_appear_only_after_their_trigger() {
    let campaign = common::shanghai();
    let quiz = campaign.quiz.as_ref().unwrap();
    let next = |a: serde_json::Value| {
        quiz::next_question(quiz, &answers(a)).map(|q| q.id.as_str().to_owned())
    };
    assert_eq!(next(json!({})).as_deref(), Some("shine"));
    assert_eq!(
        next(json!({"shine": {"choice": "often"}})).as_deref(),
        Some("tzone")
    );
    assert_eq!(
        next(json!({"shine": {"choice": "never"}})).as_deref(),
        Some("sting")
    );
    assert_eq!(
        next(json!({"shine": {"choice": "never"}, "sting": {"scale": 2}})).as_deref(),
        Some("goals")
    );
    assert_eq!(
        quiz::progress(quiz, &answers(json!({"shine": {"choice": "never"}}))),
        (1, 3)
    );
    assert_eq!(
        quiz::progress(quiz, &answers(json!({"shine": {"choice": "often"}}))),
        (1, 4)
    );
    // The "calm" option is offered only from sting 3 on.
    let goals = &quiz.questions[3];
    let offered = |a: serde_json::Value| {
        quiz::offered_options(goals, &answers(a))
            .map(|o| o.id.as_str().to_owned())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        offered(json!({"sting": {"scale": 2}})),
        ["hydrate", "matte"]
    );
    assert_eq!(
        offered(json!({"sting": {"scale": 3}})),
        ["hydrate", "matte", "calm"]
    );
}

#[test]
fn changing_an_earlier_answer_prunes_answers_that_are_no_longer_shown() {
    let campaign = common::shanghai();
    let quiz = campaign.quiz.as_ref().unwrap();
    let mut given = answers(
        json!({"shine": {"choice": "never"}, "tzone": {"choice": "yes"}, "sting": {"scale": 2}}),
    );
    quiz::prune_hidden(quiz, &mut given);
    assert_eq!(
        given,
        answers(json!({"shine": {"choice": "never"}, "sting": {"scale": 2}}))
    );
}

#[test]
fn changing_an_earlier_answer_prunes_chosen_options_that_are_no_longer_offered() {
    let campaign = common::shanghai();
    let quiz = campaign.quiz.as_ref().unwrap();
    // "calm" was offered at sting 3; sting is now 2.
    let mut given = answers(json!({"shine": {"choice": "never"}, "sting": {"scale": 2},
        "goals": {"choices": ["calm", "hydrate"]}}));
    quiz::prune_hidden(quiz, &mut given);
    let kept = answers(
        json!({"shine": {"choice": "never"}, "sting": {"scale": 2}, "goals": {"choices": ["hydrate"]}}),
    );
    assert_eq!(given, kept);
    quiz::check_answers(quiz, &given).expect("what pruning keeps is submittable");
    // With only hidden options chosen, the question is unanswered again.
    let mut given = answers(
        json!({"shine": {"choice": "never"}, "sting": {"scale": 2}, "goals": {"choices": ["calm"]}}),
    );
    quiz::prune_hidden(quiz, &mut given);
    assert_eq!(
        given,
        answers(json!({"shine": {"choice": "never"}, "sting": {"scale": 2}}))
    );
    // Options the question does not have are mistakes, not hidden: left for the check to refuse.
    let mut given = answers(json!({"shine": {"choice": "never"}, "sting": {"scale": 2},
        "goals": {"choices": ["hydrate", "bogus"]}}));
    let before = given.clone();
    quiz::prune_hidden(quiz, &mut given);
    assert_eq!(given, before);
}

#[test]
fn pruning_a_chosen_option_hides_what_it_showed() {
    // "blot" offers "yes" only from sting 3; "how-often" follows a "yes".
    let mut document = common::campaign_json("Asia/Shanghai");
    let questions = document["quiz"]["questions"].as_array_mut().unwrap();
    questions.push(
        json!({"id": "blot", "kind": "single_choice", "prompt": {"zh-CN": "吸油?", "en": "Blot?"},
        "options": [{"id": "no", "label": {"zh-CN": "不", "en": "No"}},
                    {"id": "yes", "label": {"zh-CN": "是", "en": "Yes"},
                     "show_if": {"at_least": {"question": "sting", "value": 3}}}]}),
    );
    questions.push(
        json!({"id": "how-often", "kind": "scale", "prompt": {"zh-CN": "几次?", "en": "How often?"},
        "show_if": {"any_of": {"question": "blot", "options": ["yes"]}},
        "scale": {"min": 1, "max": 3, "min_label": {"zh-CN": "少", "en": "rarely"},
                  "max_label": {"zh-CN": "多", "en": "often"}}}),
    );
    let campaign = common::parse(&document);
    let quiz = campaign.quiz.as_deref().unwrap();
    let mut given = answers(json!({"shine": {"choice": "never"}, "sting": {"scale": 2},
        "goals": {"choices": ["hydrate"]}, "blot": {"choice": "yes"}, "how-often": {"scale": 2}}));
    quiz::prune_hidden(quiz, &mut given);
    assert_eq!(
        given,
        answers(
            json!({"shine": {"choice": "never"}, "sting": {"scale": 2}, "goals": {"choices": ["hydrate"]}})
        )
    );
    assert_eq!(
        quiz::next_question(quiz, &given).map(|q| q.id.as_str()),
        Some("blot"),
        "the question is asked again"
    );
}

fn check_refused(answers_json: serde_json::Value, expected: AnswerError) {
    let campaign = common::shanghai();
    let got = quiz::check_answers(
        campaign.quiz.as_ref().unwrap(),
        &answers(answers_json.clone()),
    );
    assert_eq!(got, Err(expected), "{answers_json}");
}

#[test]
fn unacceptable_answers_are_refused_with_the_reason() {
    let q = |s: &str| s.parse().unwrap();
    check_refused(
        json!({"shine": {"choice": "often"}, "tzone": {"choice": "no"}, "sting": {"scale": 1}, "bogus": {"scale": 1}}),
        AnswerError::UnknownQuestion {
            question: q("bogus"),
        },
    );
    check_refused(
        json!({"shine": {"choice": "never"}, "tzone": {"choice": "no"}, "sting": {"scale": 1}}),
        AnswerError::AnsweredHiddenQuestion {
            question: q("tzone"),
        },
    );
    check_refused(
        json!({"shine": {"choice": "often"}, "sting": {"scale": 1}}),
        AnswerError::MissingRequired {
            question: q("tzone"),
        },
    );
    check_refused(
        json!({"shine": {"choices": ["often"]}}),
        AnswerError::WrongKind {
            question: q("shine"),
            expected: "one option: {\"choice\": \"…\"}".into(),
        },
    );
    check_refused(
        json!({"shine": {"choice": "sometimes"}}),
        AnswerError::UnknownOption {
            question: q("shine"),
            option: "sometimes".parse().unwrap(),
        },
    );
    check_refused(
        json!({"shine": {"choice": "never"}, "sting": {"scale": 6}}),
        AnswerError::OutOfScale {
            question: q("sting"),
            value: 6,
            min: 1,
            max: 5,
        },
    );
    check_refused(
        json!({"shine": {"choice": "never"}, "sting": {"scale": 1}, "goals": {"choices": ["hydrate", "hydrate"]}}),
        AnswerError::ChoiceCount {
            question: q("goals"),
            max: 2,
        },
    );
    check_refused(
        json!({"shine": {"choice": "never"}, "sting": {"scale": 5}, "goals": {"choices": ["hydrate", "matte", "calm"]}}),
        AnswerError::ChoiceCount {
            question: q("goals"),
            max: 2,
        },
    );
    // "calm" exists but is not offered at sting 1.
    check_refused(
        json!({"shine": {"choice": "never"}, "sting": {"scale": 1}, "goals": {"choices": ["calm"]}}),
        AnswerError::UnknownOption {
            question: q("goals"),
            option: "calm".parse().unwrap(),
        },
    );
}

/// Valid JSON of the wrong shape is a data error that says what an answer looks like, not a
/// JSON syntax error ("expected value"), and the three shapes still read.
#[test]
fn an_answer_of_the_wrong_shape_says_what_an_answer_is() {
    use serde_json::json;
    let read = |value: serde_json::Value| {
        serde_json::from_str::<siyu_core::quiz::Answer>(&value.to_string())
    };
    for wrong in [json!({}), json!({"choice": "tight", "x": 1})] {
        let err = read(wrong).unwrap_err();
        assert!(err.is_data(), "{err}");
        assert!(err.to_string().contains("exactly one key"), "{err}");
    }
    let err = read(json!({"colour": "red"})).unwrap_err();
    assert!(
        err.is_data() && err.to_string().contains("unknown field `colour`"),
        "{err}"
    );
    let err = read(json!({"scale": "high"})).unwrap_err();
    assert!(err.is_data(), "{err}");
    assert!(read(json!("tight")).unwrap_err().is_data());
    assert_eq!(
        read(json!({"choice": "tight"})).unwrap(),
        siyu_core::quiz::Answer::Choice("tight".parse().unwrap())
    );
    assert_eq!(
        read(json!({"choices": ["a", "b"]})).unwrap(),
        siyu_core::quiz::Answer::Choices(vec!["a".parse().unwrap(), "b".parse().unwrap()])
    );
    assert_eq!(
        read(json!({"scale": 3})).unwrap(),
        siyu_core::quiz::Answer::Scale(3)
    );
}

#[test]
fn the_question_count_counts_follow_ups_until_their_trigger_rules_them_out() {
    let campaign = common::shanghai();
    let quiz = campaign.quiz.as_deref().unwrap();
    let count = |a: serde_json::Value, on: Option<&str>| {
        let on = on.map(|id| id.parse().unwrap());
        quiz::question_count(quiz, &answers(a), on.as_ref())
    };
    // shine, tzone (only if shine is "often"), sting, goals.
    assert_eq!(count(json!({}), Some("shine")), 4);
    assert_eq!(
        count(json!({"shine": {"choice": "often"}}), Some("tzone")),
        4
    );
    assert_eq!(
        count(json!({"shine": {"choice": "never"}}), Some("sting")),
        3
    );
    // Answered: the questions shown.
    let done = json!({"shine": {"choice": "never"}, "sting": {"scale": 2}});
    assert_eq!(count(done.clone(), None), 3);
    assert_eq!(
        count(done.clone(), None),
        quiz::progress(quiz, &answers(done)).1
    );
}

#[test]
fn the_question_count_never_grows_as_the_customer_answers_in_order() {
    // A follow-up of a follow-up: "spots" only when "tzone" (itself only when "shine" is
    // "often") is "wide"; and a question shown unless an answer rules it out.
    let mut document = common::campaign_json("Asia/Shanghai");
    let questions = document["quiz"]["questions"].as_array_mut().unwrap();
    let tzone_option = questions[1]["options"][0]["id"].clone();
    questions.insert(
        3,
        json!({"id": "spots", "kind": "scale", "prompt": {"zh-CN": "斑?", "en": "Spots?"},
               "show_if": {"all": [{"any_of": {"question": "tzone", "options": [tzone_option]}},
                                    {"not": {"at_most": {"question": "sting", "value": 1}}}]},
               "scale": {"min": 1, "max": 5, "min_label": {"zh-CN": "少", "en": "few"},
                         "max_label": {"zh-CN": "多", "en": "many"}}}),
    );
    let campaign = common::parse(&document);
    let quiz = campaign.quiz.as_deref().unwrap();
    for shine in ["often", "never"] {
        for sting in 1..=5 {
            let mut given = Answers::new();
            let mut last = usize::MAX;
            loop {
                let Some(next) = quiz::next_question(quiz, &given) else {
                    let total = quiz::question_count(quiz, &given, None);
                    assert!(total <= last, "{shine}/{sting}: {total} after {last}");
                    assert_eq!(total, quiz::progress(quiz, &given).1);
                    break;
                };
                let total = quiz::question_count(quiz, &given, Some(&next.id));
                assert!(
                    total <= last,
                    "{shine}/{sting} at {}: {total} after {last}",
                    next.id
                );
                last = total;
                let answer = match next.kind {
                    QuestionKind::Scale => Answer::Scale(sting),
                    _ if next.id.as_str() == "shine" => Answer::Choice(shine.parse().unwrap()),
                    _ => Answer::Choice(next.options[0].id.clone()),
                };
                given.insert(next.id.clone(), answer);
            }
        }
    }
}
