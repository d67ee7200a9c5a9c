//! The quiz: one question at a time, with progress and back; branching by the campaign's
//! conditions (`core::quiz::next_question`, `prune_hidden`); the outcome with its plan, tags
//! in the customer's words, recommendations and the points earned. Answers in progress are
//! kept in `localStorage`, so a reload resumes where the customer left off.
//!
//! Keyboard: every option is a button (Tab, Enter, Space); ↑/↓ and ←/→ move focus between a
//! question's options (wrapping, as in a radio group, without choosing: a single choice moves
//! on when chosen); digits 1–9 choose an option, Backspace or Alt+← goes back. Touch: a swipe
//! right goes back.

use std::rc::Rc;
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use siyu_core::campaign::{Question, QuestionKind, Quiz};
use siyu_core::ids::{OptionId, QuestionId};
use siyu_core::ledger::Reason;
use siyu_core::locale::Locale;
use siyu_core::op::Op;
use siyu_core::quiz::{self, Answer, Answers};
use siyu_core::Rejection;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use super::{use_store, StatusBar, WidgetProps};
use crate::browser;
use crate::i18n::{self, ui};
use crate::store::{StoreHandle, WidgetKind};

/// The answers in progress, as persisted.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct QuizDraft {
    /// Answers given so far.
    pub answers: Answers,
    /// The question on screen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub at: Option<QuestionId>,
}

/// The quiz widget's state.
#[derive(Debug, Clone, PartialEq)]
pub struct QuizFlow {
    quiz: Arc<Quiz>,
    /// Answers and the question on screen (`at == None`: every shown question is answered).
    pub draft: QuizDraft,
    /// The answer being put together for the question on screen.
    pub selection: Option<Answer>,
    /// Whether the customer moved (so focus follows the new question).
    pub moved: bool,
    /// A local refusal of the submission.
    pub error: Option<Rejection>,
    store: Option<StoreHandle>,
    host: Option<web_sys::HtmlElement>,
}

/// What the customer does in the quiz.
#[derive(Debug, Clone, PartialEq)]
pub enum QuizAction {
    /// Single or image choice: choose and go on.
    Choose(OptionId),
    /// Multiple choice: add or remove an option.
    Toggle(OptionId),
    /// Scale: pick a value.
    Scale(i32),
    /// Go on with the selection.
    Next,
    /// Go back one question.
    Back,
    /// Send the answers (when every shown question is answered).
    Submit,
}

impl QuizFlow {
    /// The flow for `quiz`, resuming `draft`. `store` is where the submission goes (none in
    /// unit tests of the navigation).
    pub fn new(
        quiz: Arc<Quiz>,
        draft: QuizDraft,
        store: Option<StoreHandle>,
        host: Option<web_sys::HtmlElement>,
    ) -> Self {
        let mut draft = draft;
        quiz::prune_hidden(&quiz, &mut draft.answers);
        let shown_at = draft
            .at
            .as_ref()
            .and_then(|id| quiz.questions.iter().find(|q| &q.id == id))
            .filter(|q| quiz::is_shown(q, &draft.answers))
            .map(|q| q.id.clone());
        draft.at =
            shown_at.or_else(|| quiz::next_question(&quiz, &draft.answers).map(|q| q.id.clone()));
        let selection = draft
            .at
            .as_ref()
            .and_then(|id| draft.answers.get(id).cloned());
        QuizFlow {
            quiz,
            draft,
            selection,
            moved: false,
            error: None,
            store,
            host,
        }
    }

    /// The question on screen.
    pub fn question(&self) -> Option<&Question> {
        let id = self.draft.at.as_ref()?;
        self.quiz.questions.iter().find(|q| &q.id == id)
    }

    /// `(position of the question on screen, questions in the quiz)`, 1-based. The total
    /// counts the follow-ups that may still come, so that it only shrinks as the customer
    /// answers (`core::quiz::question_count`): "2 of 9", then "3 of 8", never "3 of 10".
    pub fn position(&self) -> (usize, usize) {
        let shown: Vec<&Question> =
            quiz::shown_questions(&self.quiz, &self.draft.answers).collect();
        let index = self
            .draft
            .at
            .as_ref()
            .and_then(|id| shown.iter().position(|q| &q.id == id))
            .map_or(shown.len(), |i| i + 1);
        let total = quiz::question_count(&self.quiz, &self.draft.answers, self.draft.at.as_ref());
        (index, total.max(index))
    }

    /// Whether the selection answers the question on screen.
    pub fn can_go_on(&self) -> bool {
        let (Some(question), Some(selection)) = (self.question(), &self.selection) else {
            return false;
        };
        let mut answers = self.draft.answers.clone();
        answers.insert(question.id.clone(), selection.clone());
        quiz::prune_hidden(&self.quiz, &mut answers);
        // Checking only this question: later ones may still be missing.
        let mut only_this = Answers::new();
        for q in quiz::shown_questions(&self.quiz, &answers) {
            if let Some(a) = answers.get(&q.id) {
                only_this.insert(q.id.clone(), a.clone());
            }
            if q.id == question.id {
                break;
            }
        }
        match quiz::check_answers(&self.quiz, &only_this) {
            Ok(()) => true,
            Err(quiz::AnswerError::MissingRequired { question: missing }) => missing != question.id,
            Err(_) => false,
        }
    }

    /// Whether the customer can go back.
    pub fn can_go_back(&self) -> bool {
        self.position().0 > 1
    }

    fn commit(&mut self) {
        let (Some(question), Some(selection)) = (self.question().cloned(), self.selection.clone())
        else {
            return;
        };
        if !self.can_go_on() {
            return;
        }
        self.draft.answers.insert(question.id.clone(), selection);
        quiz::prune_hidden(&self.quiz, &mut self.draft.answers);
        // The next shown question after this one (answered or not), else the first unanswered.
        let after = quiz::shown_questions(&self.quiz, &self.draft.answers)
            .skip_while(|q| q.id != question.id)
            .nth(1)
            .map(|q| q.id.clone());
        self.draft.at = after
            .or_else(|| quiz::next_question(&self.quiz, &self.draft.answers).map(|q| q.id.clone()));
        self.selection = self
            .draft
            .at
            .as_ref()
            .and_then(|id| self.draft.answers.get(id).cloned());
        self.moved = true;
    }

    fn back(&mut self) {
        let shown: Vec<QuestionId> = quiz::shown_questions(&self.quiz, &self.draft.answers)
            .map(|q| q.id.clone())
            .collect();
        let previous = match &self.draft.at {
            Some(at) => shown
                .iter()
                .position(|id| id == at)
                .and_then(|i| i.checked_sub(1))
                .map(|i| shown[i].clone()),
            None => shown.last().cloned(),
        };
        if let Some(previous) = previous {
            self.selection = self.draft.answers.get(&previous).cloned();
            self.draft.at = Some(previous);
            self.moved = true;
            self.error = None;
        }
    }

    fn submit(&mut self) {
        if self.draft.at.is_some() || quiz::next_question(&self.quiz, &self.draft.answers).is_some()
        {
            return;
        }
        let Some(store) = &self.store else {
            return;
        };
        let op = Op::SubmitQuiz {
            answers: self.draft.answers.clone(),
        };
        let origin: Option<&web_sys::EventTarget> = self.host.as_ref().map(|h| h.as_ref());
        self.error = store.perform(op, origin).err();
    }
}

impl Reducible for QuizFlow {
    type Action = QuizAction;

    fn reduce(self: Rc<Self>, action: QuizAction) -> Rc<Self> {
        let mut next = (*self).clone();
        let kind = next.question().map(|q| q.kind);
        match (action, kind) {
            (
                QuizAction::Choose(option),
                Some(QuestionKind::SingleChoice | QuestionKind::ImageChoice),
            ) => {
                next.selection = Some(Answer::Choice(option));
                next.commit();
            }
            (QuizAction::Toggle(option), Some(QuestionKind::MultipleChoice)) => {
                let mut chosen = match next.selection.take() {
                    Some(Answer::Choices(chosen)) => chosen,
                    _ => Vec::new(),
                };
                let max = next
                    .question()
                    .and_then(|q| q.max_choices.map(usize::from))
                    .unwrap_or(usize::MAX);
                if let Some(i) = chosen.iter().position(|c| *c == option) {
                    chosen.remove(i);
                } else if chosen.len() < max {
                    chosen.push(option);
                }
                next.selection = (!chosen.is_empty()).then_some(Answer::Choices(chosen));
            }
            (QuizAction::Scale(value), Some(QuestionKind::Scale)) => {
                next.selection = Some(Answer::Scale(value));
            }
            (QuizAction::Next, _) => next.commit(),
            (QuizAction::Back, _) => next.back(),
            (QuizAction::Submit, None) => next.submit(),
            _ => return self,
        }
        if next.draft.at.is_none() && next.error.is_none() {
            // The last answer is in: the customer sees the outcome at once.
            next.submit();
        }
        Rc::new(next)
    }
}

/// The quiz widget: the questions until the member has completed the quiz, then the outcome.
#[function_component(QuizWidget)]
pub fn quiz_widget(props: &WidgetProps) -> Html {
    use_store(&props.store, WidgetKind::Quiz);
    let locale = props.locale;
    let (campaign, completed) = props
        .store
        .with_member(|member, _| (member.campaign().clone(), member.local().quiz.clone()));
    let heading = use_node_ref();
    let was_done = use_mut_ref(|| completed.is_some());
    {
        // Focus follows the customer to the outcome (not when a page opens on it), and the
        // draft is forgotten once the quiz is complete; both are effects, not render work.
        let (heading, was_done, key) = (heading.clone(), was_done.clone(), props.store.key("quiz"));
        use_effect_with(completed.is_some(), move |done| {
            if *done {
                browser::remove(&key);
                if !*was_done.borrow() {
                    if let Some(h) = heading.cast::<web_sys::HtmlElement>() {
                        let _ = h.focus();
                    }
                }
            }
            *was_done.borrow_mut() = *done;
        });
    }
    let status =
        html! { <StatusBar store={props.store.clone()} kind={WidgetKind::Quiz} {locale} /> };
    let body = match (&campaign.quiz, completed) {
        (None, _) => html! { <p class="empty">{ ui(locale).no_quiz }</p> },
        (Some(quiz), Some(done)) => outcome(
            &campaign,
            quiz,
            &done.result,
            locale,
            &props.store,
            &props.endpoint(),
            heading,
        ),
        (Some(quiz), None) => html! {
            <Questions quiz={quiz.clone()} widget={props.clone()} />
        },
    };
    html! {
        <section class="widget quiz" aria-labelledby="siyu-quiz-title">
            { body }
            { status }
        </section>
    }
}

/// Properties of [`Questions`].
#[derive(Debug, Clone, Properties)]
pub struct QuestionsProps {
    pub quiz: Arc<Quiz>,
    pub widget: WidgetProps,
}

/// The quiz by pointer: the campaign shares it, and a campaign revision's content never changes
/// (a deep comparison of quizzes was 1.7 KB of the wasm).
impl PartialEq for QuestionsProps {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.quiz, &other.quiz) && self.widget == other.widget
    }
}

/// The questions, one at a time.
#[function_component(Questions)]
fn questions(props: &QuestionsProps) -> Html {
    let locale = props.widget.locale;
    let u = ui(locale);
    let draft_key = props.widget.store.key("quiz");
    let flow = {
        let (quiz, store, host, key) = (
            props.quiz.clone(),
            props.widget.store.clone(),
            props.widget.host.clone(),
            draft_key.clone(),
        );
        use_reducer(move || {
            let draft = browser::load::<QuizDraft>(&key).unwrap_or_default();
            QuizFlow::new(quiz, draft, Some(store), Some(host))
        })
    };
    {
        // Persisting the draft is I/O: an effect, not the reducer.
        let key = draft_key.clone();
        use_effect_with(flow.draft.clone(), move |draft| {
            browser::save(&key, draft);
        });
    }
    let heading = use_node_ref();
    {
        let heading = heading.clone();
        let moved = flow.moved;
        use_effect_with(flow.draft.at.clone(), move |_| {
            if moved {
                if let Some(h) = heading.cast::<web_sys::HtmlElement>() {
                    let _ = h.focus();
                }
            }
        });
    }
    let touch_x = use_mut_ref(|| 0f64);
    let title = props.quiz.title.get(locale).to_owned();
    let Some(question) = flow.question().cloned() else {
        // Every question answered: the submission was refused (or is on its way).
        let retry = {
            let flow = flow.clone();
            Callback::from(move |_| flow.dispatch(QuizAction::Submit))
        };
        let back = {
            let flow = flow.clone();
            Callback::from(move |_| flow.dispatch(QuizAction::Back))
        };
        return html! {
            <>
                <h2 id="siyu-quiz-title" class="title">{ title }</h2>
                if let Some(error) = &flow.error {
                    <p class="error" role="alert">{ i18n::cannot(locale, &i18n::why_local(locale, error)) }</p>
                }
                <div class="actions">
                    <button type="button" class="secondary" onclick={back}>{ u.back }</button>
                    <button type="button" class="primary" onclick={retry}>{ u.see_result }</button>
                </div>
            </>
        };
    };
    let (index, total) = flow.position();
    let percent = (index.saturating_sub(1) * 100) / total.max(1);
    let endpoint = props.widget.endpoint();

    let onkeydown = {
        let flow = flow.clone();
        let question = question.clone();
        Callback::from(move |e: KeyboardEvent| {
            let key = e.key();
            let digit = key.parse::<usize>().ok().filter(|d| (1..=9).contains(d));
            let answers = &flow.draft.answers;
            if let Some(d) = digit {
                match question.kind {
                    QuestionKind::Scale => {
                        if let Some(scale) = &question.scale {
                            let value = scale.min + d as i32 - 1;
                            if value <= scale.max {
                                flow.dispatch(QuizAction::Scale(value));
                            }
                        }
                    }
                    kind => {
                        if let Some(option) = quiz::offered_options(&question, answers).nth(d - 1) {
                            let id = option.id.clone();
                            flow.dispatch(if kind == QuestionKind::MultipleChoice {
                                QuizAction::Toggle(id)
                            } else {
                                QuizAction::Choose(id)
                            });
                        }
                    }
                }
                e.prevent_default();
            } else if key == "Backspace" || (key == "ArrowLeft" && e.alt_key()) {
                flow.dispatch(QuizAction::Back);
                e.prevent_default();
            } else if let Some(forward) = arrow_direction(&key)
                .filter(|_| !(e.alt_key() || e.ctrl_key() || e.meta_key() || e.shift_key()))
            {
                let from = e
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::Element>().ok());
                if from.is_some_and(|from| focus_neighbour_option(&from, forward)) {
                    // The page would scroll otherwise.
                    e.prevent_default();
                }
            }
        })
    };
    let ontouchstart = {
        let touch_x = touch_x.clone();
        Callback::from(move |e: TouchEvent| {
            if let Some(t) = e.changed_touches().get(0) {
                *touch_x.borrow_mut() = f64::from(t.client_x());
            }
        })
    };
    let ontouchend = {
        let flow = flow.clone();
        Callback::from(move |e: TouchEvent| {
            if let Some(t) = e.changed_touches().get(0) {
                let dx = f64::from(t.client_x()) - *touch_x.borrow();
                if dx > 80.0 {
                    flow.dispatch(QuizAction::Back);
                }
            }
        })
    };
    let on_back = {
        let flow = flow.clone();
        Callback::from(move |_| flow.dispatch(QuizAction::Back))
    };
    let on_next = {
        let flow = flow.clone();
        Callback::from(move |_| flow.dispatch(QuizAction::Next))
    };
    let answers = flow.draft.answers.clone();
    let options = quiz::offered_options(&question, &answers)
        .cloned()
        .collect::<Vec<_>>();
    let body = match question.kind {
        QuestionKind::SingleChoice | QuestionKind::MultipleChoice | QuestionKind::ImageChoice => {
            let multiple = question.kind == QuestionKind::MultipleChoice;
            let chosen = |id: &OptionId| match &flow.selection {
                Some(Answer::Choice(c)) => c == id,
                Some(Answer::Choices(cs)) => cs.contains(id),
                _ => false,
            };
            html! {
                <div class="options" role="group" aria-labelledby="siyu-q">
                    { for options.iter().enumerate().map(|(i, option)| {
                        let id = option.id.clone();
                        let flow = flow.clone();
                        let onclick = Callback::from(move |_| flow.dispatch(if multiple {
                            QuizAction::Toggle(id.clone())
                        } else {
                            QuizAction::Choose(id.clone())
                        }));
                        let pressed = chosen(&option.id);
                        html! {
                            <button type="button" class="option"
                                aria-pressed={pressed.to_string()} data-option={option.id.to_string()} {onclick}>
                                if let Some(src) = &option.image {
                                    <img src={browser::resolve_url(src, &endpoint)} alt="" width="160" height="120" loading="lazy" />
                                }
                                <span class="key" aria-hidden="true">{ i + 1 }</span>
                                <span class="label">{ option.label.get(locale) }</span>
                            </button>
                        }
                    }) }
                </div>
            }
        }
        QuestionKind::Scale => {
            let scale = question.scale.clone().expect("validation requires a scale");
            html! {
                <div class="scale">
                    <div class="steps" role="group" aria-labelledby="siyu-q">
                        { for (scale.min..=scale.max).map(|value| {
                            let pressed = flow.selection == Some(Answer::Scale(value));
                            let flow = flow.clone();
                            let onclick = Callback::from(move |_| flow.dispatch(QuizAction::Scale(value)));
                            let label = if value == scale.min {
                                format!("{value} – {}", scale.min_label.get(locale))
                            } else if value == scale.max {
                                format!("{value} – {}", scale.max_label.get(locale))
                            } else {
                                value.to_string()
                            };
                            html! {
                                <button type="button" class="step"
                                    aria-pressed={pressed.to_string()} aria-label={label} data-value={value.to_string()} {onclick}>
                                    { value }
                                </button>
                            }
                        }) }
                    </div>
                    <div class="ends" aria-hidden="true">
                        <span>{ scale.min_label.get(locale) }</span>
                        <span>{ scale.max_label.get(locale) }</span>
                    </div>
                </div>
            }
        }
    };
    let needs_next = matches!(
        question.kind,
        QuestionKind::MultipleChoice | QuestionKind::Scale
    ) || flow.selection.is_some();
    let chosen_count = match (&flow.selection, question.kind) {
        (Some(Answer::Choices(c)), QuestionKind::MultipleChoice) => Some(c.len()),
        (None, QuestionKind::MultipleChoice) => Some(0),
        _ => None,
    };
    html! {
        <div class="questions" {onkeydown} {ontouchstart} {ontouchend}>
            <h2 id="siyu-quiz-title" class="title">{ title }</h2>
            <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax={total.to_string()}
                aria-valuenow={index.to_string()} aria-label={i18n::question_of(locale, index, total)}>
                <div class="bar" style={format!("width:{percent}%")}></div>
            </div>
            <p class="count">{ i18n::question_of(locale, index, total) }</p>
            <h3 id="siyu-q" class="question" tabindex="-1" ref={heading}>{ question.prompt.get(locale) }</h3>
            if let Some(help) = &question.help {
                <p class="help">{ help.get(locale) }</p>
            }
            { body }
            if let (Some(n), Some(max)) = (chosen_count, question.max_choices) {
                <p class="help" aria-live="polite">{
                    if n == 0 {
                        i18n::choose_at_least_one(locale, usize::from(max))
                    } else {
                        i18n::chosen_of(locale, n, usize::from(max))
                    }
                }</p>
            }
            <div class="actions">
                if flow.can_go_back() {
                    <button type="button" class="secondary" onclick={on_back}>{ u.back }</button>
                }
                if needs_next {
                    <button type="button" class="primary" disabled={!flow.can_go_on()} onclick={on_next}>
                        { if index == total { u.see_result } else { u.next } }
                    </button>
                }
            </div>
        </div>
    }
}

/// Whether an arrow key moves to the next option (`Some(true)`) or the previous one.
fn arrow_direction(key: &str) -> Option<bool> {
    match key {
        "ArrowDown" | "ArrowRight" => Some(true),
        "ArrowUp" | "ArrowLeft" => Some(false),
        _ => None,
    }
}

/// Moves focus from `from`, an option of a question (a button of its `role="group"`), to the
/// next option or the previous one, wrapping around. Returns whether `from` was an option.
fn focus_neighbour_option(from: &web_sys::Element, forward: bool) -> bool {
    let Some(group) = from
        .parent_element()
        .filter(|parent| parent.get_attribute("role").as_deref() == Some("group"))
    else {
        return false;
    };
    let to = if forward {
        from.next_element_sibling()
            .or_else(|| group.first_element_child())
    } else {
        from.previous_element_sibling()
            .or_else(|| group.last_element_child())
    };
    if let Some(to) = to.and_then(|to| to.dyn_into::<web_sys::HtmlElement>().ok()) {
        let _ = to.focus();
    }
    true
}

fn outcome(
    campaign: &siyu_core::Campaign,
    quiz: &Quiz,
    result: &quiz::QuizResult,
    locale: Locale,
    store: &StoreHandle,
    endpoint: &str,
    heading: NodeRef,
) -> Html {
    let u = ui(locale);
    let Some(outcome) = quiz.outcomes.iter().find(|o| o.id == result.outcome) else {
        return html! {};
    };
    let earned: u64 = {
        let inner = store.read();
        inner.member.as_ref().map_or(0, |m| {
            m.local()
                .ledger
                .entries()
                .iter()
                .filter(|e| e.reason == Reason::QuizCompleted)
                .map(|e| e.points)
                .sum()
        })
    };
    html! {
        <div class="outcome">
            <p class="eyebrow" id="siyu-quiz-title">{ u.result_heading }</p>
            <h2 class="title" tabindex="-1" ref={heading}>{ outcome.title.get(locale) }</h2>
            <p>{ outcome.description.get(locale) }</p>
            if earned > 0 {
                <p class="earned" data-points={earned.to_string()}>{ i18n::quiz_points(locale, earned) }</p>
            }
            <h3>{ u.tags_heading }</h3>
            <ul class="tags">
                { for result.tags.iter().map(|tag| html! {
                    <li data-tag={tag.to_string()}>{ i18n::tag(locale, tag, campaign) }</li>
                }) }
            </ul>
            if !outcome.plan.is_empty() {
                <h3>{ u.plan_heading }</h3>
                <ol class="plan">
                    { for outcome.plan.iter().map(|step| html! { <li>{ step.get(locale) }</li> }) }
                </ol>
            }
            if !outcome.recommendations.is_empty() {
                <h3>{ u.recommended_heading }</h3>
                <ul class="products">
                    { for outcome.recommendations.iter().map(|r| html! {
                        <li>
                            <a href={browser::resolve_url(&r.url, endpoint)} target="_blank" rel="noopener">
                                <img src={browser::resolve_url(&r.image, endpoint)} alt="" width="96" height="96" loading="lazy" />
                                <span>{ r.name.get(locale) }</span>
                            </a>
                        </li>
                    }) }
                </ul>
            }
        </div>
    }
}

impl WidgetProps {
    /// The endpoint URLs in the campaign are relative to.
    pub fn endpoint(&self) -> String {
        format!("{}/", self.store.endpoint)
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    fn flow() -> QuizFlow {
        let campaign = siyu_core::demo::beauty();
        QuizFlow::new(
            campaign.quiz.expect("the beauty campaign has a quiz"),
            QuizDraft::default(),
            None,
            None,
        )
    }

    fn act(flow: QuizFlow, action: QuizAction) -> QuizFlow {
        (*Rc::new(flow).reduce(action)).clone()
    }

    fn choose(flow: QuizFlow, option: &str) -> QuizFlow {
        act(flow, QuizAction::Choose(option.parse().unwrap()))
    }

    fn at(flow: &QuizFlow) -> &str {
        flow.draft.at.as_ref().map_or("(done)", |q| q.as_str())
    }

    #[test]
    fn a_single_choice_answers_and_moves_on() {
        let flow = choose(flow(), "tight");
        assert_eq!(at(&flow), "midday");
        // Ten: the two follow-ups may still come.
        assert_eq!(flow.position(), (2, 10));
    }

    #[test]
    fn a_branching_answer_shows_the_follow_up_question() {
        let flow = choose(choose(flow(), "shiny-tzone"), "shiny-tzone");
        assert_eq!(at(&flow), "tzone-shine");
        assert_eq!(flow.position(), (3, 10));
        // "never" stinging rules the redness follow-up out: the total shrinks, never grows.
        let flow = choose(choose(choose(flow, "cheeks-oily"), "large-all"), "never");
        assert_eq!(at(&flow), "concerns");
        assert_eq!(flow.position(), (6, 9));
    }

    #[test]
    fn going_back_and_changing_an_answer_drops_the_hidden_follow_up() {
        let flow = choose(choose(choose(flow(), "tight"), "shiny-all"), "cheeks-oily");
        assert_eq!(at(&flow), "pores");
        let flow = act(act(flow, QuizAction::Back), QuizAction::Back);
        assert_eq!(at(&flow), "midday");
        assert_eq!(
            flow.selection,
            Some(Answer::Choice("shiny-all".parse().unwrap()))
        );
        let flow = choose(flow, "matte");
        assert!(!flow
            .draft
            .answers
            .contains_key(&"tzone-shine".parse().unwrap()));
        assert_eq!(at(&flow), "pores");
    }

    #[test]
    fn multiple_choice_respects_its_maximum_and_needs_next() {
        let mut flow = flow();
        for option in ["tight", "flaky", "barely", "never"] {
            flow = choose(flow, option);
        }
        assert_eq!(at(&flow), "concerns");
        for option in ["acne", "pores", "dehydration", "redness"] {
            flow = act(flow, QuizAction::Toggle(option.parse().unwrap()));
        }
        assert_eq!(
            flow.selection,
            Some(Answer::Choices(vec![
                "acne".parse().unwrap(),
                "pores".parse().unwrap(),
                "dehydration".parse().unwrap()
            ]))
        );
        assert_eq!(at(&flow), "concerns", "a toggle does not move on");
        let flow = act(flow, QuizAction::Next);
        assert_eq!(at(&flow), "tightness");
        assert!(!flow.can_go_on(), "a scale needs a value first");
        let flow = act(act(flow, QuizAction::Scale(4)), QuizAction::Next);
        assert_eq!(at(&flow), "breakouts");
    }

    #[test]
    fn changing_an_earlier_answer_drops_a_chosen_option_it_hid() {
        let mut flow = flow();
        for option in [
            "shiny-all",
            "shiny-all",
            "cheeks-oily",
            "large-all",
            "never",
        ] {
            flow = choose(flow, option);
        }
        assert_eq!(at(&flow), "concerns");
        for option in ["shine", "acne"] {
            flow = act(flow, QuizAction::Toggle(option.parse().unwrap()));
        }
        let mut flow = act(flow, QuizAction::Next);
        for _ in 0..6 {
            if at(&flow) == "midday" {
                break;
            }
            flow = act(flow, QuizAction::Back);
        }
        let mut flow = choose(flow, "matte");
        for _ in 0..3 {
            if at(&flow) == "concerns" {
                break;
            }
            flow = act(flow, QuizAction::Next);
        }
        assert_eq!(at(&flow), "concerns");
        let only_acne = Some(Answer::Choices(vec!["acne".parse().unwrap()]));
        assert_eq!(flow.selection, only_acne);
        assert!(flow.can_go_on());
        // A draft saved before the change resumes without the hidden option too.
        let mut stale = flow.draft.clone();
        stale.answers.insert(
            "concerns".parse().unwrap(),
            Answer::Choices(vec!["shine".parse().unwrap(), "acne".parse().unwrap()]),
        );
        let resumed = QuizFlow::new(flow.quiz.clone(), stale, None, None);
        assert_eq!(resumed.selection, only_acne);
        assert!(resumed.can_go_on());
    }

    #[test]
    fn a_saved_draft_resumes_on_the_question_the_customer_was_on() {
        let flow = choose(choose(flow(), "tight"), "flaky");
        let resumed = QuizFlow::new(flow.quiz.clone(), flow.draft.clone(), None, None);
        assert_eq!(at(&resumed), "pores");
        assert_eq!(resumed.position(), flow.position());
    }
}
