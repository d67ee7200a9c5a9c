//! Quiz rules: which question comes next, whether submitted answers are acceptable, and the
//! outcome they score.
//!
//! ## Scoring
//! Every chosen option adds its weights to the quiz's dimensions; a scale answer adds its
//! weights once per step above the scale's minimum. Weights may be negative. Each outcome
//! scores its dimension's total. Outcomes whose `requires` does not hold, or whose `excludes`
//! holds, are out. The highest score above zero wins; **on a tie the outcome listed first in
//! the config wins**. With no eligible outcome above zero, the fallback outcome is chosen.
//!
//! Tags are those of every chosen option, of every scale threshold reached, and of the
//! outcome, sorted and without repeats.

use serde::{Deserialize, Serialize};

use crate::campaign::{AnswerOption, Condition, Outcome, Question, QuestionKind, Quiz};
use crate::ids::{DimensionId, OptionId, OutcomeId, QuestionId, Tag};
use crate::sorted_map::SortedMap;

/// An answer to one question: `{"choice": "…"}`, `{"choices": ["…"]}` or `{"scale": n}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Answer {
    /// The option chosen (single or image choice).
    Choice(OptionId),
    /// The options chosen (multiple choice).
    Choices(Vec<OptionId>),
    /// The value on the scale.
    Scale(i32),
}

/// Read by hand rather than derived: serde_json reports an externally tagged enum's empty
/// object or second key as a JSON *syntax* error ("expected value"), which told a developer
/// that valid JSON was malformed. This reads the same shape and says what is wrong with it.
impl<'de> Deserialize<'de> for Answer {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_map(AnswerVisitor)
    }
}

/// The one key an answer object has.
#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum AnswerKind {
    Choice,
    Choices,
    Scale,
}

struct AnswerVisitor;

impl<'de> serde::de::Visitor<'de> for AnswerVisitor {
    type Value = Answer;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(ANSWER_SHAPE)
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Answer, A::Error> {
        use serde::de::Error;
        let answer = match map.next_key::<AnswerKind>()? {
            None => return Err(A::Error::custom(ANSWER_SHAPE)),
            Some(AnswerKind::Choice) => Answer::Choice(map.next_value()?),
            Some(AnswerKind::Choices) => Answer::Choices(map.next_value()?),
            Some(AnswerKind::Scale) => Answer::Scale(map.next_value()?),
        };
        if map.next_key::<serde::de::IgnoredAny>()?.is_some() {
            return Err(A::Error::custom(ANSWER_SHAPE));
        }
        Ok(answer)
    }
}

const ANSWER_SHAPE: &str = "an answer is an object with exactly one key: {\"choice\": \"…\"}, {\"choices\": [\"…\"]} or {\"scale\": n}";

/// The answers to a quiz, by question.
pub type Answers = SortedMap<QuestionId, Answer>;

/// Why submitted answers are refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum AnswerError {
    /// The quiz has no such question.
    #[error("the quiz has no question \"{question}\"")]
    UnknownQuestion {
        /// The question.
        question: QuestionId,
    },
    /// The question is not shown for the earlier answers, so it cannot be answered.
    #[error("question \"{question}\" is not shown for these answers and must not be answered")]
    AnsweredHiddenQuestion {
        /// The question.
        question: QuestionId,
    },
    /// A required, shown question has no answer.
    #[error("question \"{question}\" is required")]
    MissingRequired {
        /// The question.
        question: QuestionId,
    },
    /// The answer is of the wrong kind for the question.
    #[error("question \"{question}\" takes {expected}")]
    WrongKind {
        /// The question.
        question: QuestionId,
        /// What it takes.
        expected: String,
    },
    /// The option does not exist or is not offered for these answers.
    #[error("question \"{question}\" offers no option \"{option}\" here")]
    UnknownOption {
        /// The question.
        question: QuestionId,
        /// The option.
        option: OptionId,
    },
    /// Multiple choice: no option, a repeated option, or more than allowed.
    #[error("question \"{question}\": choose between 1 and {max} different options")]
    ChoiceCount {
        /// The question.
        question: QuestionId,
        /// The most allowed.
        max: usize,
    },
    /// Scale value out of range.
    #[error("question \"{question}\": {value} is outside {min}–{max}")]
    OutOfScale {
        /// The question.
        question: QuestionId,
        /// The value.
        value: i32,
        /// The scale's minimum.
        min: i32,
        /// The scale's maximum.
        max: i32,
    },
}

/// What a completed quiz gives the member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuizResult {
    /// The chosen outcome.
    pub outcome: OutcomeId,
    /// Totals per dimension.
    pub scores: SortedMap<DimensionId, i64>,
    /// Tags from the answers and the outcome, sorted, without repeats.
    pub tags: Vec<Tag>,
}

/// Whether `condition` holds over `answers`.
pub fn holds(condition: &Condition, answers: &Answers) -> bool {
    match condition {
        Condition::AnyOf { question, options } => match answers.get(question) {
            Some(Answer::Choice(chosen)) => options.contains(chosen),
            Some(Answer::Choices(chosen)) => chosen.iter().any(|c| options.contains(c)),
            _ => false,
        },
        Condition::AtLeast { question, value } => {
            matches!(answers.get(question), Some(Answer::Scale(v)) if v >= value)
        }
        Condition::AtMost { question, value } => {
            matches!(answers.get(question), Some(Answer::Scale(v)) if v <= value)
        }
        Condition::All(items) => items.iter().all(|c| holds(c, answers)),
        Condition::Any(items) => items.iter().any(|c| holds(c, answers)),
        Condition::Not(inner) => !holds(inner, answers),
    }
}

fn shown(condition: &Option<Condition>, answers: &Answers) -> bool {
    condition.as_ref().is_none_or(|c| holds(c, answers))
}

/// Whether `question` is shown for `answers`. Conditions only look at earlier questions, so
/// answers to later ones never change it.
pub fn is_shown(question: &Question, answers: &Answers) -> bool {
    shown(&question.show_if, answers)
}

/// The options of `question` offered for `answers`.
pub fn offered_options<'q>(
    question: &'q Question,
    answers: &'q Answers,
) -> impl Iterator<Item = &'q AnswerOption> + 'q {
    question
        .options
        .iter()
        .filter(move |o| shown(&o.show_if, answers))
}

/// The questions shown for `answers`, in order.
pub fn shown_questions<'q>(
    quiz: &'q Quiz,
    answers: &'q Answers,
) -> impl Iterator<Item = &'q Question> + 'q {
    quiz.questions.iter().filter(move |q| is_shown(q, answers))
}

/// The first shown question without an answer: what the widget asks next. `None` when the
/// quiz can be submitted.
pub fn next_question<'q>(quiz: &'q Quiz, answers: &Answers) -> Option<&'q Question> {
    quiz.questions
        .iter()
        .find(|q| is_shown(q, answers) && !answers.contains_key(&q.id))
}

/// `(answered, shown)` questions, for a progress bar.
pub fn progress(quiz: &Quiz, answers: &Answers) -> (usize, usize) {
    shown_questions(quiz, answers).fold((0, 0), |(done, total), q| {
        (done + usize::from(answers.contains_key(&q.id)), total + 1)
    })
}

/// How many questions the quiz has for a customer on the question `on_screen` (none: the
/// quiz is answered): those shown up to it, and those after it that are shown or may still be
/// shown once the questions between are answered. It never grows as the customer answers in
/// order: a follow-up counts from the start and drops out when its trigger is answered
/// otherwise, so "Question 2 of 9" goes on to "3 of 8", never to "3 of 10", and a progress
/// bar never moves back.
pub fn question_count(quiz: &Quiz, answers: &Answers, on_screen: Option<&QuestionId>) -> usize {
    let settled_through = on_screen
        .and_then(|id| quiz.questions.iter().position(|q| &q.id == id))
        .unwrap_or(quiz.questions.len());
    // Conditions only read earlier questions, so one pass in order settles each in turn.
    let mut shown: Vec<Option<bool>> = Vec::with_capacity(quiz.questions.len());
    for (index, question) in quiz.questions.iter().enumerate() {
        let visible = if index <= settled_through {
            Some(is_shown(question, answers))
        } else {
            // A question is settled when it was answered, when the customer is past it (the
            // one on screen is still being answered), or when it will not be shown: then its
            // answer is known, or known to be absent.
            let settled = |id: &QuestionId| {
                answers.contains_key(id)
                    || quiz
                        .questions
                        .iter()
                        .position(|q| &q.id == id)
                        .is_none_or(|at| {
                            at < settled_through || shown.get(at).copied().flatten() == Some(false)
                        })
            };
            question
                .show_if
                .as_ref()
                .map_or(Some(true), |c| may_hold(c, answers, &settled))
        };
        shown.push(visible);
    }
    shown
        .iter()
        .filter(|visible| **visible != Some(false))
        .count()
}

/// Whether `condition` holds over `answers`, or `None` while it reads a question that is not
/// settled yet.
fn may_hold(
    condition: &Condition,
    answers: &Answers,
    settled: &dyn Fn(&QuestionId) -> bool,
) -> Option<bool> {
    let leaf = |question: &QuestionId| settled(question).then(|| holds(condition, answers));
    match condition {
        Condition::AnyOf { question, .. }
        | Condition::AtLeast { question, .. }
        | Condition::AtMost { question, .. } => leaf(question),
        // `All` is decided by a condition that fails, `Any` by one that holds; otherwise by
        // all of them, once none is open.
        Condition::All(items) | Condition::Any(items) => {
            let decisive = matches!(condition, Condition::Any(_));
            let mut open = false;
            for item in items {
                match may_hold(item, answers, settled) {
                    Some(holds) if holds == decisive => return Some(decisive),
                    None => open = true,
                    Some(_) => {}
                }
            }
            (!open).then_some(!decisive)
        }
        Condition::Not(inner) => may_hold(inner, answers, settled).map(|holds| !holds),
    }
}

/// Removes what the customer can no longer have chosen after going back and changing an
/// earlier answer: answers to questions no longer shown, and chosen options no longer offered
/// (a choice, or a multiple choice left with none, is unanswered again). What remains is
/// submittable as far as hiding goes; options a question does not have at all stay, for
/// `check_answers` to refuse.
pub fn prune_hidden(quiz: &Quiz, answers: &mut Answers) {
    // Walk in question order so that pruning an answer can hide later questions and options
    // too: their conditions only read earlier questions.
    for question in &quiz.questions {
        let Some(answer) = answers.get(&question.id) else {
            continue;
        };
        let hidden = |chosen: &OptionId| {
            question
                .options
                .iter()
                .any(|o| &o.id == chosen && !shown(&o.show_if, answers))
        };
        let kept = if !is_shown(question, answers) {
            None
        } else {
            match answer {
                Answer::Choice(chosen) if hidden(chosen) => None,
                Answer::Choices(chosen) if chosen.iter().any(hidden) => {
                    let offered: Vec<OptionId> =
                        chosen.iter().filter(|c| !hidden(c)).cloned().collect();
                    (!offered.is_empty()).then_some(Answer::Choices(offered))
                }
                _ => continue,
            }
        };
        match kept {
            Some(answer) => answers.insert(question.id.clone(), answer),
            None => answers.remove(&question.id),
        };
    }
}

/// Checks submitted answers against the quiz: every answer to a known, shown question, of
/// the right kind, with offered options; every shown required question answered.
pub fn check_answers(quiz: &Quiz, answers: &Answers) -> Result<(), AnswerError> {
    if let Some(unknown) = answers
        .keys()
        .find(|id| !quiz.questions.iter().any(|q| &q.id == *id))
    {
        return Err(AnswerError::UnknownQuestion {
            question: unknown.clone(),
        });
    }
    for question in &quiz.questions {
        let id = &question.id;
        let answer = answers.get(id);
        if !is_shown(question, answers) {
            if answer.is_some() {
                return Err(AnswerError::AnsweredHiddenQuestion {
                    question: id.clone(),
                });
            }
            continue;
        }
        let Some(answer) = answer else {
            if question.required {
                return Err(AnswerError::MissingRequired {
                    question: id.clone(),
                });
            }
            continue;
        };
        let offered =
            |option: &OptionId| offered_options(question, answers).any(|o| &o.id == option);
        let wrong_kind = |expected: &str| AnswerError::WrongKind {
            question: id.clone(),
            expected: expected.to_owned(),
        };
        match (question.kind, answer) {
            (QuestionKind::SingleChoice | QuestionKind::ImageChoice, Answer::Choice(option)) => {
                if !offered(option) {
                    return Err(AnswerError::UnknownOption {
                        question: id.clone(),
                        option: option.clone(),
                    });
                }
            }
            (QuestionKind::MultipleChoice, Answer::Choices(options)) => {
                let max = question
                    .max_choices
                    .map_or(question.options.len(), usize::from);
                // A choice list is a handful long: pairwise beats building a set (and keeps a
                // set's sort out of the widgets' wasm).
                let repeated = options
                    .iter()
                    .enumerate()
                    .any(|(i, option)| options[..i].contains(option));
                if options.is_empty() || repeated || options.len() > max {
                    return Err(AnswerError::ChoiceCount {
                        question: id.clone(),
                        max,
                    });
                }
                if let Some(option) = options.iter().find(|o| !offered(o)) {
                    return Err(AnswerError::UnknownOption {
                        question: id.clone(),
                        option: option.clone(),
                    });
                }
            }
            (QuestionKind::Scale, Answer::Scale(value)) => {
                let (min, max) = question.scale.as_ref().map_or((0, 0), |s| (s.min, s.max));
                if !(min..=max).contains(value) {
                    return Err(AnswerError::OutOfScale {
                        question: id.clone(),
                        value: *value,
                        min,
                        max,
                    });
                }
            }
            (QuestionKind::SingleChoice | QuestionKind::ImageChoice, _) => {
                return Err(wrong_kind("one option: {\"choice\": \"…\"}"))
            }
            (QuestionKind::MultipleChoice, _) => {
                return Err(wrong_kind("a list of options: {\"choices\": [\"…\"]}"))
            }
            (QuestionKind::Scale, _) => return Err(wrong_kind("a number: {\"scale\": 3}")),
        }
    }
    Ok(())
}

/// Scores checked answers (see the module docs for the rules).
pub fn score(quiz: &Quiz, answers: &Answers) -> QuizResult {
    let mut totals: Vec<i64> = vec![0; quiz.dimensions.len()];
    let mut tags: Vec<Tag> = Vec::new();
    let dimension_index = |id: &DimensionId| quiz.dimensions.iter().position(|d| &d.id == id);
    let mut add = |weights: &SortedMap<DimensionId, i32>, times: i64| {
        for (dimension, weight) in weights {
            if let Some(i) = dimension_index(dimension) {
                totals[i] += i64::from(*weight) * times;
            }
        }
    };
    for question in &quiz.questions {
        match answers.get(&question.id) {
            Some(Answer::Choice(chosen)) => {
                if let Some(option) = question.options.iter().find(|o| &o.id == chosen) {
                    add(&option.scores, 1);
                    tags.extend(option.tags.iter().cloned());
                }
            }
            Some(Answer::Choices(chosen)) => {
                for option in question.options.iter().filter(|o| chosen.contains(&o.id)) {
                    add(&option.scores, 1);
                    tags.extend(option.tags.iter().cloned());
                }
            }
            Some(Answer::Scale(value)) => {
                if let Some(scale) = &question.scale {
                    add(&scale.scores, i64::from(value - scale.min));
                    tags.extend(
                        scale
                            .tags
                            .iter()
                            .filter(|t| *value >= t.at_least)
                            .map(|t| t.tag.clone()),
                    );
                }
            }
            None => {}
        }
    }
    let eligible = |outcome: &Outcome| {
        outcome.requires.as_ref().is_none_or(|c| holds(c, answers))
            && !outcome.excludes.as_ref().is_some_and(|c| holds(c, answers))
    };
    let mut best: Option<(&Outcome, i64)> = None;
    for outcome in quiz.outcomes.iter().filter(|o| eligible(o)) {
        let score = dimension_index(&outcome.dimension).map_or(0, |i| totals[i]);
        // Strictly greater: an equal score never displaces an earlier outcome (the tie-break).
        if score > 0 && best.is_none_or(|(_, top)| score > top) {
            best = Some((outcome, score));
        }
    }
    let outcome = best
        .map(|(o, _)| o)
        .or_else(|| quiz.outcomes.iter().find(|o| o.id == quiz.fallback_outcome))
        .expect("validation guarantees the fallback outcome exists");
    tags.extend(outcome.tags.iter().cloned());
    let tags = crate::sorted::unique(tags);
    // Inserted one by one: collecting into a map would sort (see `crate::sorted`).
    let mut scores = SortedMap::new();
    for (dimension, total) in quiz.dimensions.iter().zip(totals) {
        scores.insert(dimension.id.clone(), total);
    }
    QuizResult {
        outcome: outcome.id.clone(),
        scores,
        tags,
    }
}
