//! Widget units in headless Chromium (`cargo test -p siyu-web --target wasm32-unknown-unknown`,
//! run by `cargo xtask test`): real DOM, real shadow roots, real localStorage, yew's scheduler
//! flushed by hand. The endpoint is a closed port, so every widget here is offline: what they
//! show comes from the core rules applied on the device.

use std::rc::Rc;

use siyu_core::campaign::QuestionKind;
use siyu_core::checkin::Mark;
use siyu_core::op::Op;
use siyu_core::quiz::{self, Answer, Answers};
use siyu_core::{Campaign, LocalDay, Timestamp};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use yew::Reducible;

use crate::browser;
use crate::store::{self, StoreHandle};
use crate::widgets::checkin::{CheckinAction, CheckinFlow};
use crate::widgets::wallet::{WalletAction, WalletFlow};

wasm_bindgen_test_configure!(run_in_browser);

const DAY_MS: i64 = 86_400_000;
/// 2026-11-29, early afternoon in Shanghai.
const NOON: i64 = 1_796_011_200_000;

/// A fresh page state: no stores, no storage, the clock at `now`; an endpoint nobody answers
/// (unique per test, since it names the storage records) with the beauty campaign cached.
fn fresh(name: &str, now: i64) -> String {
    store::reset_for_tests();
    browser::fix_clock(Some(now));
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    storage.clear().unwrap();
    let endpoint = format!("http://127.0.0.1:9/{name}");
    let cached = format!(
        r#"{{"etag":null,"json":{}}}"#,
        serde_json::to_string(siyu_core::demo::BEAUTY_JSON).unwrap()
    );
    storage
        .set_item(&format!("siyu:1:{endpoint}|glow-skin:campaign"), &cached)
        .unwrap();
    endpoint
}

fn host(tag: &str, lang: &str) -> web_sys::HtmlElement {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: web_sys::HtmlElement = document.create_element(tag).unwrap().unchecked_into();
    host.set_attribute("campaign", "glow-skin").unwrap();
    host.set_attribute("lang", lang).unwrap();
    document.body().unwrap().append_child(&host).unwrap();
    host
}

fn shadow(host: &web_sys::HtmlElement) -> web_sys::ShadowRoot {
    host.shadow_root()
        .expect("the widget renders in a shadow root")
}

fn text(host: &web_sys::HtmlElement, selector: &str) -> String {
    shadow(host)
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .text_content()
        .unwrap_or_default()
}

fn attribute(host: &web_sys::HtmlElement, selector: &str, name: &str) -> String {
    shadow(host)
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .get_attribute(name)
        .unwrap_or_default()
}

fn click(host: &web_sys::HtmlElement, selector: &str) {
    let element: web_sys::HtmlElement = shadow(host)
        .query_selector(selector)
        .unwrap()
        .unwrap_or_else(|| panic!("no {selector}"))
        .unchecked_into();
    element.click();
}

/// Answers every shown question with its first offered option (or the scale's minimum).
fn first_answers(campaign: &Campaign) -> Answers {
    let quiz = campaign.quiz.as_ref().unwrap();
    let mut answers = Answers::new();
    while let Some(question) = quiz::next_question(quiz, &answers) {
        let first = || {
            quiz::offered_options(question, &answers)
                .next()
                .unwrap()
                .id
                .clone()
        };
        let answer = match question.kind {
            QuestionKind::SingleChoice | QuestionKind::ImageChoice => Answer::Choice(first()),
            QuestionKind::MultipleChoice => Answer::Choices(vec![first()]),
            QuestionKind::Scale => Answer::Scale(question.scale.as_ref().unwrap().min),
        };
        answers.insert(question.id.clone(), answer);
    }
    answers
}

fn store_of(endpoint: &str) -> StoreHandle {
    StoreHandle(store::store_for(endpoint, "glow-skin", None))
}

#[wasm_bindgen_test]
async fn the_quiz_renders_in_a_shadow_root_and_moves_on_after_an_answer() {
    let endpoint = fresh("quiz", NOON);
    let quiz = host("siyu-quiz", "en");
    let _mounted = crate::embed::mount(quiz.clone(), "quiz", &endpoint, None).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(
        text(&quiz, ".question"),
        "An hour after cleansing, with nothing on, how does your skin feel?"
    );
    assert_eq!(text(&quiz, ".count"), "Question 1 of 10");
    click(&quiz, r#"button[data-option="tight"]"#);
    yew::scheduler::flush().await;
    assert_eq!(text(&quiz, ".count"), "Question 2 of 10");
    // The theme defaults come from the campaign, behind the page's custom properties.
    assert!(attribute(&quiz, ".siyu", "style").contains("--siyu-primary,#c2185b"));
}

#[wasm_bindgen_test]
async fn the_lang_attribute_picks_the_language() {
    let endpoint = fresh("lang", NOON);
    let quiz = host("siyu-quiz", "zh-CN");
    let _mounted = crate::embed::mount(quiz.clone(), "quiz", &endpoint, None).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(text(&quiz, ".count"), "第 1 题，共 10 题");
    assert_eq!(attribute(&quiz, ".siyu", "lang"), "zh-CN");
}

#[wasm_bindgen_test]
async fn a_saved_quiz_draft_drops_a_multiple_choice_option_its_midday_answer_hides() {
    let endpoint = fresh("quiz-hidden-option", NOON);
    // Saved on "concerns" with "shine" chosen while midday was oily, then midday went matte.
    let draft = serde_json::json!({
        "answers": {
            "after-cleanse": {"choice": "shiny-all"}, "midday": {"choice": "matte"},
            "pores": {"choice": "large-all"}, "reaction": {"choice": "never"},
            "concerns": {"choices": ["shine", "acne"]},
        },
        "at": "concerns",
    });
    browser::save(&format!("siyu:1:{endpoint}|glow-skin:quiz"), &draft);
    let quiz = host("siyu-quiz", "en");
    let _mounted = crate::embed::mount(quiz.clone(), "quiz", &endpoint, None).unwrap();
    yew::scheduler::flush().await;
    let chosen = |quiz: &web_sys::HtmlElement| {
        shadow(quiz)
            .query_selector_all(r#"button.option[aria-pressed="true"]"#)
            .unwrap()
            .length()
    };
    let next_disabled = |quiz: &web_sys::HtmlElement| {
        shadow(quiz)
            .query_selector(".actions .primary")
            .unwrap()
            .unwrap()
            .has_attribute("disabled")
    };
    assert_eq!(chosen(&quiz), 1);
    assert_eq!(text(&quiz, "p.help[aria-live]"), "1 of up to 3 chosen");
    assert!(!next_disabled(&quiz));
    click(&quiz, r#"button[data-option="acne"]"#);
    yew::scheduler::flush().await;
    assert_eq!(chosen(&quiz), 0);
    assert_eq!(
        text(&quiz, "p.help[aria-live]"),
        "Choose at least 1, up to 3"
    );
    assert!(next_disabled(&quiz));
}

#[wasm_bindgen_test]
async fn a_checkin_in_one_widget_shows_in_the_wallet_at_once() {
    let endpoint = fresh("shared", NOON);
    let checkin = host("siyu-checkin", "en");
    let wallet = host("siyu-wallet", "en");
    let _a = crate::embed::mount(checkin.clone(), "checkin", &endpoint, None).unwrap();
    let _b = crate::embed::mount(wallet.clone(), "wallet", &endpoint, None).unwrap();
    yew::scheduler::flush().await;
    assert_eq!(attribute(&wallet, ".amount", "data-balance"), "0");
    click(&checkin, "button.primary.big");
    yew::scheduler::flush().await;
    assert_eq!(attribute(&checkin, ".streak", "data-streak"), "1");
    assert_eq!(attribute(&wallet, ".amount", "data-balance"), "5");
    assert_eq!(attribute(&wallet, ".sync", "data-pending"), "1");
}

#[wasm_bindgen_test]
async fn the_outbox_survives_a_reload_and_rebuilds_the_same_state() {
    let endpoint = fresh("reload", NOON);
    let store = store_of(&endpoint);
    store.perform(Op::Checkin {}, None).unwrap();
    let outbox = browser::load_text(&store.key("outbox")).unwrap();
    assert!(outbox.contains(r#""type":"checkin""#), "{outbox}");
    let before = store.read().member.as_ref().unwrap().local().clone();
    // A reload: the page's stores are gone, localStorage is not.
    store::reset_for_tests();
    let reloaded = store_of(&endpoint);
    let inner = reloaded.read();
    let member = inner.member.as_ref().unwrap();
    assert_eq!(member.outbox().len(), 1);
    assert_eq!(member.local(), &before);
}

#[wasm_bindgen_test]
async fn a_missed_day_is_made_up_through_the_checkin_reducer_at_its_price() {
    let endpoint = fresh("makeup", NOON - 2 * DAY_MS);
    let store = store_of(&endpoint);
    let campaign = store.read().member.as_ref().unwrap().campaign().clone();
    // Two days ago: the quiz (50 points) and a check-in (5); yesterday: nothing.
    store
        .perform(
            Op::SubmitQuiz {
                answers: first_answers(&campaign),
            },
            None,
        )
        .unwrap();
    store.perform(Op::Checkin {}, None).unwrap();
    browser::fix_clock(Some(NOON));
    let yesterday = campaign
        .zone()
        .local_day(Timestamp::from_millis(NOON - DAY_MS));
    let flow = Rc::new(CheckinFlow::new(
        Some(store.clone()),
        None,
        siyu_core::locale::Locale::En,
    ));
    // Too few points for the make-up: said at once, with no confirmation to open.
    let short = flow.clone().reduce(CheckinAction::AskMakeup {
        day: yesterday,
        balance: 29,
        cost: 30,
    });
    assert_eq!(short.confirming, None);
    assert_eq!(
        short.error,
        Some(siyu_core::Rejection::InsufficientBalance {
            balance: 29,
            needed: 30
        })
    );
    let flow = flow.reduce(CheckinAction::AskMakeup {
        day: yesterday,
        balance: 55,
        cost: 30,
    });
    assert_eq!(flow.confirming, Some(yesterday));
    let flow = flow.reduce(CheckinAction::ConfirmMakeup);
    assert_eq!(flow.error, None);
    let lines = flow.celebration.clone().unwrap().2;
    assert_eq!(
        lines[0],
        format!(
            "{} made up (−30 points)",
            crate::i18n::date(siyu_core::locale::Locale::En, yesterday)
        )
    );
    let inner = store.read();
    let local = inner.member.as_ref().unwrap().local();
    assert_eq!(local.checkins.days.get(&yesterday), Some(&Mark::MadeUp));
    assert_eq!(local.ledger.balance(), 50 + 5 - 30);
    let two_days_ago: LocalDay = yesterday.plus(-1);
    assert_eq!(local.checkins.days.get(&two_days_ago), Some(&Mark::Done));
}

#[wasm_bindgen_test]
async fn a_make_up_outside_its_window_is_refused_and_nothing_is_queued() {
    let endpoint = fresh("window", NOON - 5 * DAY_MS);
    let store = store_of(&endpoint);
    store.perform(Op::Checkin {}, None).unwrap();
    browser::fix_clock(Some(NOON));
    let campaign = store.read().member.as_ref().unwrap().campaign().clone();
    let four_days_ago = campaign
        .zone()
        .local_day(Timestamp::from_millis(NOON - 4 * DAY_MS));
    let flow = Rc::new(CheckinFlow::new(
        Some(store.clone()),
        None,
        siyu_core::locale::Locale::En,
    ));
    let flow = flow
        .reduce(CheckinAction::AskMakeup {
            day: four_days_ago,
            balance: 100,
            cost: 30,
        })
        .reduce(CheckinAction::ConfirmMakeup);
    assert!(matches!(
        flow.error,
        Some(siyu_core::Rejection::MakeupOutsideWindow { .. })
    ));
    assert_eq!(store.read().member.as_ref().unwrap().outbox().len(), 1);
}

#[wasm_bindgen_test]
async fn redeeming_without_enough_points_is_refused_with_the_reason() {
    let endpoint = fresh("redeem", NOON);
    let store = store_of(&endpoint);
    let flow = Rc::new(WalletFlow::new(Some(store.clone()), None));
    let flow = flow
        .reduce(WalletAction::AskRedeem("sample-serum".parse().unwrap()))
        .reduce(WalletAction::ConfirmRedeem);
    let Some(Err(rejection)) = &flow.result else {
        panic!("expected a refusal, got {:?}", flow.result);
    };
    assert_eq!(
        crate::i18n::why_local(siyu_core::locale::Locale::En, rejection),
        "not enough points: 100 needed, 0 available"
    );
    assert!(store.read().member.as_ref().unwrap().outbox().is_empty());
}

#[wasm_bindgen_test]
async fn the_page_hears_of_a_checkin_through_a_bubbling_event() {
    let endpoint = fresh("events", NOON);
    let checkin = host("siyu-checkin", "en");
    let _mounted = crate::embed::mount(checkin.clone(), "checkin", &endpoint, None).unwrap();
    yew::scheduler::flush().await;
    let heard = Rc::new(std::cell::RefCell::new(None::<String>));
    let document = web_sys::window().unwrap().document().unwrap();
    let listener = {
        let heard = heard.clone();
        gloo_events::EventListener::new(&document, "siyu:checkin", move |event| {
            let event: &web_sys::CustomEvent = event.unchecked_ref();
            *heard.borrow_mut() = js_sys::JSON::stringify(&event.detail())
                .ok()
                .and_then(|s| s.as_string());
        })
    };
    click(&checkin, "button.primary.big");
    yew::scheduler::flush().await;
    drop(listener);
    let detail = heard
        .borrow()
        .clone()
        .expect("the event reached the document");
    assert!(
        detail.contains(r#""streak":1"#) && detail.contains(r#""points":5"#),
        "{detail}"
    );
}

/// Whether `host`'s widget shows its content (not the loading state).
/// Resolves in the browser's next animation frame, before that frame is painted.
async fn next_animation_frame() {
    let frame = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .request_animation_frame(&resolve)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(frame).await.unwrap();
}

fn has_content(host: &web_sys::HtmlElement) -> bool {
    host.shadow_root()
        .and_then(|root| root.query_selector(".widget:not(.loading)").ok().flatten())
        .is_some()
}

#[wasm_bindgen_test]
async fn widgets_show_their_first_content_in_page_order_one_frame_apart() {
    // Nothing cached: the campaign comes from the loader's prefetch, after the widgets mount.
    store::reset_for_tests();
    browser::fix_clock(Some(NOON));
    web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .clear()
        .unwrap();
    let endpoint = "http://127.0.0.1:9/in-turn";
    let prefetched = js_sys::Promise::resolve(&wasm_bindgen::JsValue::from_str(
        siyu_core::demo::BEAUTY_JSON,
    ));
    let hosts = [
        host("siyu-quiz", "en"),
        host("siyu-checkin", "en"),
        host("siyu-wallet", "en"),
    ];
    let kinds = ["quiz", "checkin", "wallet"];
    let _mounted: Vec<_> = hosts
        .iter()
        .zip(kinds)
        .map(|(h, kind)| crate::embed::mount(h.clone(), kind, endpoint, Some(prefetched.clone())))
        .collect::<Result<_, _>>()
        .unwrap();
    yew::scheduler::flush().await;
    assert!(hosts.iter().all(|h| !has_content(h)), "all load first");
    // Record the order in which they show content; each waits for a painted frame. The check
    // runs once per animation frame (a timer, or yew's `flush`, can be late by several frames
    // on a busy machine and would then see widgets of different frames at once).
    let mut shown: Vec<&str> = Vec::new();
    for _ in 0..600 {
        next_animation_frame().await;
        let now_showing: Vec<&str> = hosts
            .iter()
            .zip(kinds)
            .filter(|(h, kind)| has_content(h) && !shown.contains(kind))
            .map(|(_, kind)| kind)
            .collect();
        assert!(
            now_showing.len() <= 1,
            "one widget per turn, got {now_showing:?} at once"
        );
        shown.extend(now_showing);
        if shown.len() == kinds.len() {
            break;
        }
    }
    assert_eq!(shown, kinds, "first content in the page's order");
    assert_eq!(
        text(&hosts[0], ".question"),
        "An hour after cleansing, with nothing on, how does your skin feel?"
    );
}

/// A member state with a quiz, check-ins across days (a cycle, milestones, badges) and their
/// ledger entries.
fn busy_state(campaign: &Campaign) -> siyu_core::MemberState {
    use siyu_core::op::{Actor, ClientOp, Context};
    let mut state = siyu_core::MemberState::new(campaign.id.clone(), "device:d1".parse().unwrap());
    let mut apply = |n: i64, op: Op| {
        let now = Timestamp::from_millis(NOON + n * DAY_MS);
        let op = ClientOp {
            id: format!("op-{n}").parse().unwrap(),
            occurred_at: now,
            op,
        };
        siyu_core::apply(
            campaign,
            &mut state,
            &op,
            &Context::new(now, Actor::Customer),
        )
        .unwrap();
    };
    apply(
        0,
        Op::SubmitQuiz {
            answers: first_answers(campaign),
        },
    );
    for n in 1..6 {
        apply(n, Op::Checkin {});
    }
    state
}

#[wasm_bindgen_test]
fn json_parse_reads_what_serde_json_reads() {
    use siyu_core::protocol::{Cursor, SyncResponse, PROTOCOL_VERSION};

    let campaign: Campaign = browser::from_json(siyu_core::demo::BEAUTY_JSON).unwrap();
    assert_eq!(campaign, siyu_core::demo::beauty());

    let state = busy_state(&campaign);
    assert!(state.applied.len() > 5 && state.quiz.is_some());
    let answer = SyncResponse {
        version: PROTOCOL_VERSION,
        results: Vec::new(),
        state: state.clone(),
        stock_taken: Default::default(),
        cursor: Cursor(7),
        server_time: Timestamp::from_millis(NOON),
    };
    let text = serde_json::to_string(&answer).unwrap();
    let read = crate::member::SyncAnswer::parse(&text).unwrap();
    assert_eq!(read.snapshot.state, state, "fingerprints and all, exactly");
    assert_eq!(read.snapshot.cursor, Some(Cursor(7)));

    // An answer stored by an older release carries 64-bit fingerprints: still read, with
    // those cut to 53 bits (the server's next answer brings the exact ones).
    let mut old: serde_json::Value = serde_json::from_str(&text).unwrap();
    old["state"]["applied"]["op-1"] = 14_482_332_645_750_839_394_u64.into();
    let read = crate::member::SyncAnswer::parse(&old.to_string()).unwrap();
    let mut cut = read.snapshot.state.applied.clone();
    assert!(cut.remove(&"op-1".parse().unwrap()).unwrap() < 1 << 53);
    let mut exact = state.applied.clone();
    exact.remove(&"op-1".parse().unwrap());
    assert_eq!(cut, exact, "the other fingerprints are untouched");
    assert_eq!(read.snapshot.state.ledger, state.ledger);

    // What JSON.parse cannot hold exactly is refused, not rounded; bad JSON says so.
    assert!(browser::from_json::<u64>("18446744073709551615").is_err());
    assert!(browser::from_json::<u64>("{").unwrap_err().contains("JSON"));
    // The decoder reads a struct's own fields only, so a field from a newer server is
    // passed over (the server, not the widget, is where unknown fields are refused).
    let mut value: serde_json::Value = serde_json::from_str(siyu_core::demo::BEAUTY_JSON).unwrap();
    value["from_a_newer_server"] = 1.into();
    assert_eq!(
        browser::from_json::<Campaign>(&value.to_string()),
        Ok(campaign)
    );
    // A missing field is still an error that names it.
    value.as_object_mut().unwrap().remove("quiz");
    value.as_object_mut().unwrap().remove("starts_on");
    let error = browser::from_json::<Campaign>(&value.to_string()).unwrap_err();
    assert!(error.contains("starts_on"), "{error}");
}

#[wasm_bindgen_test]
fn the_decoder_reads_what_json_parse_makes_and_says_what_is_wrong() {
    use std::collections::BTreeMap;

    use serde::Deserialize;

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(rename_all = "snake_case")]
    enum Shape {
        Dot,
        Circle(u32),
        Box { wide: u32, high: u32 },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(tag = "kind", rename_all = "snake_case")]
    enum Tagged {
        Plain,
        Counted { count: i32 },
    }

    #[derive(Debug, PartialEq, Deserialize)]
    struct Record {
        name: String,
        count: u64,
        delta: i64,
        ratio: f64,
        flag: bool,
        note: Option<String>,
        #[serde(default)]
        absent: Vec<u8>,
        pair: (u8, String),
        shapes: Vec<Shape>,
        tagged: Vec<Tagged>,
        by_name: BTreeMap<String, u32>,
    }

    let text = r#"{"name":"n","count":9007199254740991,"delta":-5,"ratio":0.5,"flag":true,
        "note":null,"pair":[1,"x"],"shapes":["dot",{"circle":3},{"box":{"wide":2,"high":1}}],
        "tagged":[{"kind":"plain"},{"kind":"counted","count":-2}],"by_name":{"b":2,"a":1},
        "from_a_newer_server":{"anything":[1]}}"#;
    let record: Record = browser::from_json(text).unwrap();
    assert_eq!(
        record,
        Record {
            name: "n".into(),
            count: (1 << 53) - 1,
            delta: -5,
            ratio: 0.5,
            flag: true,
            note: None,
            absent: Vec::new(),
            pair: (1, "x".into()),
            shapes: vec![
                Shape::Dot,
                Shape::Circle(3),
                Shape::Box { wide: 2, high: 1 }
            ],
            tagged: vec![Tagged::Plain, Tagged::Counted { count: -2 }],
            by_name: [("a".into(), 1), ("b".into(), 2)].into(),
        }
    );

    // An absent `Option` reads as `None` and an absent field with a default takes it; an
    // array too short after them is reported by its length, not by an earlier field.
    let mut without: serde_json::Value = serde_json::from_str(text).unwrap();
    without.as_object_mut().unwrap().remove("note");
    assert_eq!(
        browser::from_json::<Record>(&without.to_string()).map(|r| r.note),
        Ok(None)
    );
    without["pair"] = serde_json::json!([1]);
    assert_eq!(
        browser::from_json::<Record>(&without.to_string()).unwrap_err(),
        "invalid length"
    );
    without.as_object_mut().unwrap().remove("count");
    assert_eq!(
        browser::from_json::<Record>(&without.to_string()).unwrap_err(),
        "missing field `count`"
    );

    // Integers: only those JSON.parse held exactly, in the type's range.
    let err = |text: &str| browser::from_json::<u32>(text).unwrap_err();
    assert_eq!(browser::from_json::<u32>("4294967295"), Ok(u32::MAX));
    assert_eq!(err("-1"), "invalid type: found a number");
    assert_eq!(err("1.5"), "invalid type: found a number");
    assert_eq!(err("\"7\""), "invalid type: found a string");
    assert_eq!(err("null"), "invalid type: found null");
    assert_eq!(err("4294967296"), "invalid value: found a number");
    assert!(
        browser::from_json::<u64>("9007199254740992").is_err(),
        "2^53 may be rounded"
    );
    assert_eq!(
        browser::from_json::<i64>("-9007199254740991"),
        Ok(-((1 << 53) - 1))
    );

    // Wrong shapes name the field or variant.
    let shape_err = |text: &str| browser::from_json::<Shape>(text).unwrap_err();
    assert_eq!(shape_err("\"teleport\""), "unknown variant `teleport`");
    assert_eq!(shape_err(r#"{"box":{"wide":2}}"#), "missing field `high`");
    assert!(shape_err(r#"{"dot":null,"circle":1}"#).contains("exactly one key"));
    assert_eq!(shape_err("[]"), "invalid type: found an array");
    assert_eq!(
        browser::from_json::<Tagged>(r#"{"kind":"counted","count":"2"}"#).unwrap_err(),
        "invalid type: found a string"
    );
    assert_eq!(
        browser::from_json::<(u8, u8)>("[1,2,3]").unwrap_err(),
        "invalid length"
    );
    // The core's own checks keep their whole message.
    assert_eq!(
        browser::from_json::<LocalDay>("\"2026-02-30\"").unwrap_err(),
        LocalDay::parse("2026-02-30").unwrap_err().to_string()
    );
}

#[wasm_bindgen_test]
fn the_shipped_stylesheet_is_the_source_stylesheet_without_comments() {
    // The browser parses both: every rule must come out the same (build.rs only drops
    // comments and white space, and keeps quoted strings such as `content: "● "` whole).
    let rules = |css: &str| -> Vec<String> {
        let sheet = web_sys::CssStyleSheet::new().unwrap();
        sheet.replace_sync(css).unwrap();
        let list = js_sys::Reflect::get(&sheet, &"cssRules".into()).unwrap();
        js_sys::Array::from(&list)
            .iter()
            .map(|rule| {
                js_sys::Reflect::get(&rule, &"cssText".into())
                    .unwrap()
                    .as_string()
                    .unwrap()
            })
            .collect()
    };
    let source = include_str!("widgets.css");
    assert!(crate::embed::STYLESHEET.len() < source.len() * 95 / 100);
    assert!(!crate::embed::STYLESHEET.contains("/*"));
    let shipped = rules(crate::embed::STYLESHEET);
    assert!(shipped.len() > 50, "{} rules", shipped.len());
    assert!(shipped.iter().any(|rule| rule.contains(r#"content: "● ""#)));
    assert_eq!(shipped, rules(source));
}
