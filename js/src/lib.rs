//! Siyu's rules engine as a JavaScript package: the `siyu-core` rules compiled to wasm, with a
//! small API for hosts that are not our widgets (a brand's mini-program or app).
//!
//! Two classes cross the boundary (JS names in brackets):
//! - [`CampaignHandle`] (`Campaign`): a published campaign, loaded once; the stateless engine
//!   calls take a member state and return a new one (`apply`, `decide`, `rebase`), and the
//!   read models (`calendar`, `wallet`) and the quiz (`nextQuestion`, `progress`,
//!   `checkAnswers`, `scoreQuiz`, `pruneAnswers`) hang off it.
//! - [`OutboxHandle`] (`Outbox`): the device's pending operations and the local state they
//!   imply; the sync driver in `pkg-src/siyu.js` feeds it the server's answers.
//!
//! Hosts pass and get plain JS objects (JSON text crosses the wasm boundary underneath: see
//! [`convert`]) in the shapes of the HTTP API (snake_case, as
//! `docs/http-api.md` and `core` name them); the few shapes that exist only in JS
//! (`ApplyContext`, `{result, state}`) are camelCase. The TypeScript declarations of every
//! shape are `pkg-src/types.d.ts`, emitted into the generated `.d.ts`.
//!
//! **No input traps.** Every argument is decoded with a checked conversion; every failure is a
//! thrown `Error` with a `.code` (see [`convert::Failure`]). The engine's own assertions
//! (`MemberState::commit`'s) are kept out of reach by [`convert::commit_checked`].

use std::rc::Rc;

use serde::Deserialize;
use siyu_core::campaign::{CampaignError, Quiz};
use siyu_core::ids::MemberId;
use siyu_core::op::{Actor, ClientOp, Context, Op, StockTaken};
use siyu_core::quiz::{self, Answers};
use siyu_core::{Campaign, MemberState, Timestamp};
use wasm_bindgen::prelude::*;

pub mod convert;
pub mod outbox;

use convert::{applied_json, decode, decode_state, encode, state_json, Failure};

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = include_str!("../pkg-src/types.d.ts");

type JsResult<T> = Result<T, JsValue>;

/// A failure becomes a thrown `Error` whose `.code` says what failed, never a trap.
impl From<Failure> for JsValue {
    fn from(failure: Failure) -> Self {
        let error = js_sys::Error::new(&failure.message);
        error.set_name("SiyuError");
        let set = |key: &str, value: &JsValue| {
            // Setting a property of a fresh Error cannot fail.
            let _ = js_sys::Reflect::set(&error, &JsValue::from_str(key), value);
        };
        set("code", &JsValue::from_str(&failure.code));
        if let Some((key, detail)) = &failure.detail {
            set(key, &js_sys::JSON::parse(detail).unwrap_or(JsValue::NULL));
        }
        error.into()
    }
}

/// A JS value as JSON text, by the JS engine's own `JSON.stringify` (`undefined` and `null`
/// become `null`, which [`decode`] refuses with "is required" where a value is needed).
fn text_js(what: &str, value: &JsValue) -> Result<String, Failure> {
    if value.is_undefined() || value.is_null() {
        return Ok("null".to_owned());
    }
    let text = js_sys::JSON::stringify(value).map_err(|_| {
        Failure::invalid_input(what, "cannot be written as JSON (a BigInt, or a cycle?)")
    })?;
    JsValue::from(text).as_string().ok_or_else(|| {
        Failure::invalid_input(what, "must be a JSON value (not a function or symbol)")
    })
}

/// serde_json's message without its trailing " at line L column C".
fn without_position(message: String) -> String {
    let position = message.rfind(" at line ").and_then(|at| {
        let (line, column) = message[at + " at line ".len()..].split_once(" column ")?;
        (line.parse::<u64>().is_ok() && column.parse::<u64>().is_ok()).then_some(at)
    });
    match position {
        Some(at) => message[..at].to_owned(),
        None => message,
    }
}

/// JSON text as a plain JS object, by the JS engine's own `JSON.parse`.
fn to_js(text: &str) -> JsResult<JsValue> {
    js_sys::JSON::parse(text).map_err(|_| {
        Failure::new("internal", "the engine produced JSON that does not parse").into()
    })
}

fn decode_js<T: serde::de::DeserializeOwned>(what: &str, value: &JsValue) -> Result<T, Failure> {
    decode(what, &text_js(what, value)?)
}

/// `{"a": <json>, "b": <json>}` from parts that are JSON text already.
fn object_of(members: &[(&str, &str)]) -> String {
    let mut out = String::from("{");
    for (index, (key, json)) in members.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&format!("\"{key}\":{json}"));
    }
    out.push('}');
    out
}

/// A time argument (`now`): whole milliseconds since the Unix epoch.
fn time_js(what: &str, value: &JsValue) -> Result<Timestamp, Failure> {
    match value.as_f64() {
        Some(millis) => convert::timestamp(what, millis),
        None => Err(Failure::invalid_input(
            what,
            "must be a number of milliseconds since the Unix epoch",
        )),
    }
}

/// The context of a JS `apply` / `decide` / `rebase` call.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
struct ApplyContext {
    now: Timestamp,
    #[serde(default = "customer")]
    actor: Actor,
    #[serde(default)]
    stock_taken: StockTaken,
    #[serde(default)]
    last_contact: Option<Timestamp>,
}

fn customer() -> Actor {
    Actor::Customer
}

impl ApplyContext {
    fn context(&self) -> Context<'_> {
        Context {
            last_contact: self.last_contact,
            stock_taken: &self.stock_taken,
            handed_over: false,
            ..Context::new(self.now, self.actor)
        }
    }
}

/// A published campaign, loaded and validated once.
#[wasm_bindgen(js_name = Campaign)]
#[derive(Debug)]
pub struct CampaignHandle {
    campaign: Rc<Campaign>,
}

#[wasm_bindgen(js_class = Campaign)]
impl CampaignHandle {
    /// Loads a published campaign (its JSON text, or the parsed object). Throws
    /// `invalid_campaign` with `.problems` (`[{path, message}]`) when it is not valid.
    pub fn load(
        #[wasm_bindgen(unchecked_param_type = "CampaignDoc | string")] doc: JsValue,
    ) -> JsResult<CampaignHandle> {
        let given_text = doc.as_string();
        let from_object = given_text.is_none();
        let text = match given_text {
            Some(text) => text,
            None if doc.is_object() => text_js("campaign", &doc)?,
            None => {
                return Err(Failure::invalid_input(
                    "campaign",
                    "must be a campaign object or its JSON text",
                )
                .into())
            }
        };
        let campaign = Campaign::parse(&text)
            .map_err(|e| match e {
                // Read from text this package made of the host's object: a line and column in
                // that text mean nothing to whoever passed the object.
                CampaignError::Malformed(message) if from_object => {
                    CampaignError::Malformed(without_position(message))
                }
                e => e,
            })
            .map_err(Failure::campaign)?;
        Ok(Self {
            campaign: Rc::new(campaign),
        })
    }

    /// The campaign's id.
    #[wasm_bindgen(getter)]
    pub fn id(&self) -> String {
        self.campaign.id.to_string()
    }

    /// The published revision.
    #[wasm_bindgen(getter)]
    pub fn revision(&self) -> u32 {
        self.campaign.revision
    }

    /// The campaign document, as a plain object.
    #[wasm_bindgen(js_name = toJSON, unchecked_return_type = "CampaignDoc")]
    pub fn to_json(&self) -> JsResult<JsValue> {
        to_js(&encode(&*self.campaign))
    }

    /// The state of a member who has done nothing yet.
    #[wasm_bindgen(js_name = newMember, unchecked_return_type = "MemberState")]
    pub fn new_member(
        &self,
        #[wasm_bindgen(unchecked_param_type = "string")] member: JsValue,
    ) -> JsResult<JsValue> {
        let member: MemberId = decode_js("member", &member)?;
        let state = MemberState::new(self.campaign.id.clone(), member);
        to_js(&state_json(&state))
    }

    /// Decides `op` on `state` and, when the rules accept it, returns the decision and the new
    /// state (`state` itself is not changed). Throws the rule's code (`.rejection` has its
    /// details) when they refuse it.
    #[wasm_bindgen(unchecked_return_type = "{ result: Applied; state: MemberState }")]
    pub fn apply(
        &self,
        #[wasm_bindgen(unchecked_param_type = "MemberState")] state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ClientOp")] op: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ApplyContext")] ctx: JsValue,
    ) -> JsResult<JsValue> {
        let mut state = self.state(&state)?;
        let op: ClientOp = decode_js("op", &op)?;
        let ctx: ApplyContext = decode_js("ctx", &ctx)?;
        let applied = siyu_core::decide(&self.campaign, &state, &op, &ctx.context())
            .map_err(|r| Failure::rejected(&r))?;
        convert::commit_checked(&mut state, &applied)?;
        to_js(&object_of(&[
            ("result", &applied_json(&applied)),
            ("state", &state_json(&state)),
        ]))
    }

    /// What `apply` would do, without the new state.
    #[wasm_bindgen(unchecked_return_type = "Applied")]
    pub fn decide(
        &self,
        #[wasm_bindgen(unchecked_param_type = "MemberState")] state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ClientOp")] op: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ApplyContext")] ctx: JsValue,
    ) -> JsResult<JsValue> {
        let state = self.state(&state)?;
        let op: ClientOp = decode_js("op", &op)?;
        let ctx: ApplyContext = decode_js("ctx", &ctx)?;
        let applied = siyu_core::decide(&self.campaign, &state, &op, &ctx.context())
            .map_err(|r| Failure::rejected(&r))?;
        to_js(&applied_json(&applied))
    }

    /// Re-applies the operations the server has not applied yet on its state (the client's
    /// half of `POST /v1/sync`).
    #[wasm_bindgen(unchecked_return_type = "Rebased")]
    pub fn rebase(
        &self,
        #[wasm_bindgen(js_name = serverState, unchecked_param_type = "MemberState")]
        server_state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ClientOp[]")] pending: JsValue,
        #[wasm_bindgen(unchecked_param_type = "ApplyContext")] ctx: JsValue,
    ) -> JsResult<JsValue> {
        let base = self.state(&server_state)?;
        let pending: Vec<ClientOp> = decode_js("pending", &pending)?;
        let ctx: ApplyContext = decode_js("ctx", &ctx)?;
        let (state, conflicts) =
            outbox::rebase_checked(&self.campaign, &base, &pending, &ctx.context());
        let still: Vec<&ClientOp> = pending
            .iter()
            .filter(|op| !base.applied.contains_key(&op.id))
            .collect();
        to_js(&object_of(&[
            ("state", &state_json(&state)),
            ("pending", &encode(&still)),
            ("conflicts", &encode(&conflicts)),
        ]))
    }

    /// The first shown, unanswered question, or `null` when the answers can be submitted.
    #[wasm_bindgen(js_name = nextQuestion, unchecked_return_type = "Question | null")]
    pub fn next_question(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Answers")] answers: JsValue,
    ) -> JsResult<JsValue> {
        let (quiz, answers) = self.quiz(&answers)?;
        match quiz::next_question(quiz, &answers) {
            Some(question) => to_js(&encode(question)),
            None => Ok(JsValue::NULL),
        }
    }

    /// Questions answered and shown so far, for a progress bar.
    #[wasm_bindgen(unchecked_return_type = "QuizProgress")]
    pub fn progress(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Answers")] answers: JsValue,
    ) -> JsResult<JsValue> {
        let (quiz, answers) = self.quiz(&answers)?;
        let (answered, shown) = quiz::progress(quiz, &answers);
        to_js(&format!(r#"{{"answered":{answered},"shown":{shown}}}"#))
    }

    /// Throws `invalid_answers` (`.problem` says which rule) unless the answers can be
    /// submitted.
    #[wasm_bindgen(js_name = checkAnswers)]
    pub fn check_answers(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Answers")] answers: JsValue,
    ) -> JsResult<()> {
        let (quiz, answers) = self.quiz(&answers)?;
        quiz::check_answers(quiz, &answers).map_err(|e| Failure::answers(&e))?;
        Ok(())
    }

    /// The outcome, scores and tags the answers give (checked first, as `checkAnswers`).
    #[wasm_bindgen(js_name = scoreQuiz, unchecked_return_type = "QuizResult")]
    pub fn score_quiz(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Answers")] answers: JsValue,
    ) -> JsResult<JsValue> {
        let (quiz, answers) = self.quiz(&answers)?;
        quiz::check_answers(quiz, &answers).map_err(|e| Failure::answers(&e))?;
        to_js(&encode(&quiz::score(quiz, &answers)))
    }

    /// The answers without those to questions no longer shown, and without chosen options no
    /// longer offered (after an earlier answer changed).
    #[wasm_bindgen(js_name = pruneAnswers, unchecked_return_type = "Answers")]
    pub fn prune_answers(
        &self,
        #[wasm_bindgen(unchecked_param_type = "Answers")] answers: JsValue,
    ) -> JsResult<JsValue> {
        let (quiz, mut answers) = self.quiz(&answers)?;
        quiz::prune_hidden(quiz, &mut answers);
        to_js(&encode(&answers))
    }

    /// The check-in calendar of the current cycle as of `now`, or `null` when the campaign
    /// has no check-in.
    #[wasm_bindgen(unchecked_return_type = "Calendar | null")]
    pub fn calendar(
        &self,
        #[wasm_bindgen(unchecked_param_type = "MemberState")] state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> JsResult<JsValue> {
        let state = self.state(&state)?;
        let now = time_js("now", &now)?;
        calendar_js(&self.campaign, &state, now)
    }

    /// The wallet as of `now`: balance, what expires when, history with reasons, tier,
    /// badges, tags, stage, and the catalogue (`stockTaken` from the last sync).
    #[wasm_bindgen(unchecked_return_type = "Wallet")]
    pub fn wallet(
        &self,
        #[wasm_bindgen(unchecked_param_type = "MemberState")] state: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
        #[wasm_bindgen(js_name = stockTaken, unchecked_param_type = "StockTaken | undefined")]
        stock_taken: Option<JsValue>,
    ) -> JsResult<JsValue> {
        let state = self.state(&state)?;
        let now = time_js("now", &now)?;
        let stock: StockTaken = match stock_taken {
            Some(stock) if !stock.is_null() && !stock.is_undefined() => {
                decode_js("stockTaken", &stock)?
            }
            _ => StockTaken::new(),
        };
        wallet_js(&self.campaign, &state, now, &stock)
    }
}

impl CampaignHandle {
    fn state(&self, state: &JsValue) -> Result<MemberState, Failure> {
        decode_state(&self.campaign, "state", &text_js("state", state)?)
    }

    fn quiz(&self, answers: &JsValue) -> Result<(&Quiz, Answers), Failure> {
        let quiz = self
            .campaign
            .quiz
            .as_ref()
            .ok_or_else(|| Failure::new("no_quiz", "this campaign has no quiz"))?;
        let answers = if answers.is_undefined() || answers.is_null() {
            Answers::new()
        } else {
            decode_js("answers", answers)?
        };
        Ok((quiz, answers))
    }
}

fn calendar_js(campaign: &Campaign, state: &MemberState, now: Timestamp) -> JsResult<JsValue> {
    match siyu_core::view::calendar(campaign, state, now) {
        Some(calendar) => to_js(&encode(&calendar)),
        None => Ok(JsValue::NULL),
    }
}

fn wallet_js(
    campaign: &Campaign,
    state: &MemberState,
    now: Timestamp,
    stock: &StockTaken,
) -> JsResult<JsValue> {
    // Settled here first so that a ledger at odds with itself is an error, not a trap.
    let settled = convert::settled_checked(campaign, state, now)?;
    to_js(&encode(&siyu_core::view::wallet(
        campaign, &settled, now, stock,
    )))
}

/// How to open an outbox.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct OpenOptions {
    device: String,
    #[serde(default)]
    member: Option<MemberId>,
    #[serde(default)]
    saved: Option<String>,
    now: Timestamp,
}

/// The device's outbox: operations applied locally at once and kept until the server has
/// answered them. The sync driver (`createClient` in `siyu.js`) stores and sends it.
#[wasm_bindgen(js_name = Outbox)]
#[derive(Debug)]
pub struct OutboxHandle {
    campaign: Rc<Campaign>,
    outbox: outbox::Outbox,
}

#[wasm_bindgen(js_class = Outbox)]
impl OutboxHandle {
    /// Opens the saved outbox (`options.saved`, the text `save()` returned) or a new one for
    /// `options.member` (default `"local"`, until the first session names the member).
    pub fn open(
        campaign: &CampaignHandle,
        #[wasm_bindgen(unchecked_param_type = "OutboxOptions")] options: JsValue,
    ) -> JsResult<OutboxHandle> {
        let options: OpenOptions = decode_js("options", &options)?;
        let campaign = Rc::clone(&campaign.campaign);
        let outbox = match &options.saved {
            Some(text) => outbox::Outbox::restore(&campaign, text, options.now)?,
            None => {
                let member = match options.member {
                    Some(member) => member,
                    None => decode("member", "\"local\"")?,
                };
                outbox::Outbox::new(&campaign, member, &options.device)?
            }
        };
        Ok(Self { campaign, outbox })
    }

    /// The local state: the server's last state with the pending operations applied.
    #[wasm_bindgen(getter, unchecked_return_type = "MemberState")]
    pub fn state(&self) -> JsResult<JsValue> {
        to_js(&state_json(self.outbox.state()))
    }

    /// Operations the server has not answered yet, oldest first.
    #[wasm_bindgen(getter, unchecked_return_type = "ClientOp[]")]
    pub fn pending(&self) -> JsResult<JsValue> {
        to_js(&encode(&self.outbox.pending()))
    }

    /// How many operations wait.
    #[wasm_bindgen(getter, js_name = pendingCount)]
    pub fn pending_count(&self) -> usize {
        self.outbox.pending().len()
    }

    /// Pending operations that did not apply on the server's latest state.
    #[wasm_bindgen(getter, unchecked_return_type = "Conflict[]")]
    pub fn conflicts(&self) -> JsResult<JsValue> {
        to_js(&encode(&self.outbox.conflicts()))
    }

    /// Stock taken per reward, as of the last sync.
    #[wasm_bindgen(getter, js_name = stockTaken, unchecked_return_type = "StockTaken")]
    pub fn stock_taken(&self) -> JsResult<JsValue> {
        to_js(&encode(self.outbox.stock_taken()))
    }

    /// The server's clock at the last sync (ms), or `undefined` before the first.
    #[wasm_bindgen(getter, js_name = serverTime)]
    pub fn server_time(&self) -> Option<f64> {
        self.outbox.server_time().map(|t| t.as_millis() as f64)
    }

    /// Applies `op` to the local state at the device's `now` and queues it. Returns the
    /// decision; throws the rule's code when the rules refuse it (nothing is queued then).
    #[wasm_bindgen(unchecked_return_type = "Applied")]
    pub fn record(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "Op")] op: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> JsResult<JsValue> {
        let op: Op = decode_js("op", &op)?;
        let now = time_js("now", &now)?;
        let applied = self.outbox.record(&self.campaign, op, now)?;
        to_js(&applied_json(&applied))
    }

    /// The next `POST /v1/sync` body (JSON text): the oldest pending operations, at most 100
    /// (none: a pull).
    #[wasm_bindgen(js_name = nextBatch)]
    pub fn next_batch(&self) -> String {
        encode(&self.outbox.next_batch())
    }

    /// Takes the text of the server's `POST /v1/sync` answer: answered operations leave the
    /// outbox, the server's state becomes the base and what is still pending is re-applied.
    /// Throws `invalid_response` (and changes nothing) when it is not a sync answer.
    #[wasm_bindgen(unchecked_return_type = "Received")]
    pub fn receive(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string")] body: JsValue,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> JsResult<JsValue> {
        let body = body.as_string().ok_or_else(|| {
            Failure::new(
                "invalid_response",
                "the sync answer must be the response's text",
            )
        })?;
        let now = time_js("now", &now)?;
        let received = self.outbox.receive(&self.campaign, &body, now)?;
        to_js(&encode(&received))
    }

    /// Forgets the sync cursor (the session now names another member).
    #[wasm_bindgen(js_name = forgetCursor)]
    pub fn forget_cursor(&mut self) {
        self.outbox.forget_cursor();
    }

    /// The text to store; `Outbox.open({saved})` reads it back.
    pub fn save(&self) -> String {
        self.outbox.save()
    }

    /// The wallet of the local state as of `now`, with the stock of the last sync.
    #[wasm_bindgen(unchecked_return_type = "Wallet")]
    pub fn wallet(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> JsResult<JsValue> {
        let now = time_js("now", &now)?;
        wallet_js(
            &self.campaign,
            self.outbox.state(),
            now,
            self.outbox.stock_taken(),
        )
    }

    /// The check-in calendar of the local state as of `now` (`null` without check-in).
    #[wasm_bindgen(unchecked_return_type = "Calendar | null")]
    pub fn calendar(
        &self,
        #[wasm_bindgen(unchecked_param_type = "number")] now: JsValue,
    ) -> JsResult<JsValue> {
        let now = time_js("now", &now)?;
        calendar_js(&self.campaign, self.outbox.state(), now)
    }
}
