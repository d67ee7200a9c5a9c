//! The boundary: JSON text in, checked core types out, and failures with a code.
//!
//! **Values cross the wasm boundary as JSON text.** The host passes and receives plain JS
//! objects; the generated glue turns them into text with the JS engine's own `JSON.stringify`
//! and back with `JSON.parse` (see `lib.rs`), and the engine decodes and encodes that text
//! with `serde_json`, the one (de)serializer `siyu-core` already uses for campaigns. Every
//! further serde backend (a `Value` tree, `serde-wasm-bindgen`, `serde_path_to_error`) would
//! instantiate every core type's serde code again: together they tripled the package's size.
//! The price is the path of a decoding error, which `path_at` recovers from the error's
//! column with a small scanner instead.
//!
//! **Operation fingerprints cross as decimal strings.** New fingerprints are 53-bit
//! (`siyu_core::op::fingerprint_bits`), but operations recorded before that carry 64-bit ones,
//! and states a host saved earlier hold them too; JavaScript numbers hold 53 bits exactly, so
//! `MemberState.applied` values and `Applied.fingerprint` stay strings on the JS side and
//! numbers in Rust ([`fingerprints_in`], [`fingerprints_out`]), whatever their size. Every other number the engine produces (points, amounts, times)
//! stays far below 2^53.

use serde::de::DeserializeOwned;
use serde::Serialize;
use siyu_core::campaign::{CampaignError, CYCLE_DAYS_MAX};
use siyu_core::op::Rejection;
use siyu_core::quiz::AnswerError;
use siyu_core::{Applied, Campaign, MemberState, Timestamp};

/// Why a call failed: what becomes a thrown JS `Error` with `.code`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// Stable snake_case code: `invalid_input`, `invalid_campaign`, `invalid_state`,
    /// `invalid_answers`, `invalid_response`, `invalid_saved_outbox`, `outbox_full`,
    /// `no_quiz`, or a rejection's rule (`already_checked_in_today`, …).
    pub code: String,
    /// What is wrong, for a person.
    pub message: String,
    /// One more property of the error (`rejection`, `problems`, `problem`) and its JSON.
    pub detail: Option<(&'static str, String)>,
}

impl Failure {
    /// A failure with a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            detail: None,
        }
    }

    /// Input of the wrong shape: `what` names the argument (and the place in it).
    pub fn invalid_input(what: &str, message: impl std::fmt::Display) -> Self {
        Self::new("invalid_input", format!("{what}: {message}"))
    }

    /// A member state that this campaign cannot work with.
    pub fn invalid_state(message: impl std::fmt::Display) -> Self {
        Self::new("invalid_state", format!("state: {message}"))
    }

    /// An operation the rules refuse: the code is the rule.
    pub fn rejected(rejection: &Rejection) -> Self {
        Self {
            code: rejection.code(),
            message: rejection.to_string(),
            detail: Some(("rejection", encode(rejection))),
        }
    }

    /// A campaign document refused by `Campaign::parse`, with every problem and its path.
    pub fn campaign(error: CampaignError) -> Self {
        let problems = match &error {
            CampaignError::Invalid(problems) => encode(problems),
            CampaignError::TooLarge(_) | CampaignError::Malformed(_) => "[]".to_owned(),
        };
        Self {
            code: "invalid_campaign".into(),
            message: error.to_string(),
            detail: Some(("problems", problems)),
        }
    }

    /// Quiz answers that do not fit the quiz.
    pub fn answers(error: &AnswerError) -> Self {
        Self {
            code: "invalid_answers".into(),
            message: format!("invalid answers: {error}"),
            detail: Some(("problem", encode(error))),
        }
    }
}

/// JSON text of a core type. They serialise infallibly (string map keys, no floats).
pub fn encode(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_owned())
}

/// Decodes JSON text as a `T`; a refusal names the place: `op.op: unknown field "points"`.
pub fn decode<T: DeserializeOwned>(what: &str, text: &str) -> Result<T, Failure> {
    if text.trim() == "null" {
        return Err(Failure::invalid_input(what, "is required"));
    }
    serde_json::from_str(text).map_err(|error| {
        let message = error.to_string();
        // serde_json appends " at line L column C"; the path says more to a JS developer.
        let message = match message.rfind(" at line ") {
            Some(at) => message[..at].to_owned(),
            None => message,
        };
        let offset = line_column_offset(text, error.line(), error.column());
        let path = path_at(text, offset, &message);
        Failure::invalid_input(&format!("{what}{path}"), message)
    })
}

/// Decodes a member state (fingerprints may be decimal strings) and checks that `campaign`
/// can work with it.
pub fn decode_state(campaign: &Campaign, what: &str, text: &str) -> Result<MemberState, Failure> {
    let state: MemberState = decode(what, &fingerprints_in(text))?;
    check_state(campaign, &state)?;
    Ok(state)
}

/// What the engine assumes of a state it did not make itself (it came from storage, the
/// server or the host): the same campaign, and cycles of a sane length, so that reading a
/// calendar never walks millions of days.
pub fn check_state(campaign: &Campaign, state: &MemberState) -> Result<(), Failure> {
    if state.campaign != campaign.id {
        return Err(Failure::invalid_state(format!(
            "it belongs to campaign \"{}\", not \"{}\"",
            state.campaign, campaign.id
        )));
    }
    for (index, cycle) in state.checkins.cycles.iter().enumerate() {
        let days = i64::from(cycle.end.0) - i64::from(cycle.start.0);
        if !(1..=i64::from(CYCLE_DAYS_MAX)).contains(&days) {
            return Err(Failure::invalid_state(format!(
                "checkins.cycles[{index}] spans {days} days (1–{CYCLE_DAYS_MAX} allowed)"
            )));
        }
    }
    Ok(())
}

/// A member state as the JS side sees it: fingerprints as decimal strings.
pub fn state_json(state: &MemberState) -> String {
    fingerprints_out(&encode(state))
}

/// A decision as the JS side sees it: its fingerprint as a decimal string.
pub fn applied_json(applied: &Applied) -> String {
    fingerprints_out(&encode(applied))
}

/// Commits `applied` only if the ledger takes every entry; a state assembled by hand can
/// disagree with itself (a ledger key without its check-in day), and `MemberState::commit`
/// treats that as a bug and panics, which in wasm is a trap the host cannot catch.
pub fn commit_checked(state: &mut MemberState, applied: &Applied) -> Result<(), Failure> {
    if state.applied.contains_key(&applied.op) {
        return Err(Failure::invalid_state(format!(
            "operation {} is already in it",
            applied.op
        )));
    }
    let mut ledger = state.ledger.clone();
    for draft in &applied.entries {
        ledger.post(draft.clone()).map_err(|error| {
            Failure::invalid_state(format!("its ledger disagrees with its history ({error})"))
        })?;
    }
    state.commit(applied);
    Ok(())
}

/// The state with the expiries due by `now` booked, refusing (rather than panicking on) a
/// ledger that disagrees with itself.
pub fn settled_checked(
    campaign: &Campaign,
    state: &MemberState,
    now: Timestamp,
) -> Result<MemberState, Failure> {
    let due = siyu_core::op::due_expiries(campaign, state, campaign.zone().local_day(now));
    let mut settled = state.clone();
    for draft in due {
        settled.ledger.post(draft).map_err(|error| {
            Failure::invalid_state(format!("its ledger disagrees with its lots ({error})"))
        })?;
    }
    Ok(settled)
}

/// A time in milliseconds since the Unix epoch, from a JS number.
pub fn timestamp(what: &str, millis: f64) -> Result<Timestamp, Failure> {
    // ±(2^53 − 1): every integer a JS number holds exactly; far beyond any real clock.
    const SAFE: f64 = 9_007_199_254_740_991.0;
    if !millis.is_finite() || millis.fract() != 0.0 || millis.abs() > SAFE {
        // Not formatted: float formatting alone would add kilobytes to the package.
        return Err(Failure::invalid_input(
            what,
            "must be a time in whole milliseconds since the Unix epoch",
        ));
    }
    Ok(Timestamp::from_millis(millis as i64))
}

// ---------------------------------------------------------------------------------------------
// A small JSON scanner: where a decoding error is, and the fingerprints to (un)quote.

/// One open container on the way to a position.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Frame {
    /// An object; the key of the member being read, once seen.
    Object(Option<String>),
    /// An array; the index of the element being read.
    Array(usize),
}

/// Walks well-formed-so-far JSON `text`, calling `scalar(frames, start, end)` for every string,
/// number or literal value, and stops at byte `stop` (or the end). Returns the frames open
/// there. Malformed text just ends the walk early: the scanner only ever adds information.
fn walk(text: &str, stop: usize, mut scalar: impl FnMut(&[Frame], usize, usize)) -> Vec<Frame> {
    let bytes = text.as_bytes();
    let mut frames: Vec<Frame> = Vec::new();
    // In an object: whether the next string is a key.
    let mut want_key = false;
    let mut i = 0;
    while i < bytes.len() && i < stop {
        match bytes[i] {
            b'{' => {
                frames.push(Frame::Object(None));
                want_key = true;
                i += 1;
            }
            b'[' => {
                frames.push(Frame::Array(0));
                want_key = false;
                i += 1;
            }
            b'}' | b']' => {
                frames.pop();
                want_key = false;
                i += 1;
            }
            b':' => {
                want_key = false;
                i += 1;
            }
            b',' => {
                match frames.last_mut() {
                    Some(Frame::Array(index)) => *index += 1,
                    Some(Frame::Object(_)) => want_key = true,
                    None => {}
                }
                i += 1;
            }
            b'"' => {
                let start = i;
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i = (i + 1).min(bytes.len());
                if want_key {
                    if let Some(Frame::Object(key)) = frames.last_mut() {
                        *key = Some(text.get(start + 1..i - 1).unwrap_or("").to_owned());
                    }
                    want_key = false;
                } else {
                    scalar(&frames, start, i);
                }
            }
            byte if byte.is_ascii_whitespace() => i += 1,
            _ => {
                let start = i;
                while i < bytes.len() && !b",:{}[]\" \t\r\n".contains(&bytes[i]) {
                    i += 1;
                }
                scalar(&frames, start, i);
            }
        }
    }
    frames
}

/// The path to the place of a decoding error at byte `offset` of `text`: `.op.type`,
/// `[3].id`, or nothing at the top.
///
/// serde_json reports the last byte it read. At a closing brace or bracket the error is about
/// that object or array (`missing field`, a ledger that does not add up). An error raised
/// inside an internally tagged enum (`op`, `reason`, …) comes out at the end of the object
/// around it, which is then the path given: the closest serde_json knows.
fn path_at(text: &str, offset: usize, message: &str) -> String {
    let mut frames = walk(text, offset, |_, _, _| {});
    match text.as_bytes().get(offset) {
        Some(b'}') => {
            if let Some(Frame::Object(key)) = frames.last_mut() {
                *key = None;
            }
        }
        Some(b']') => {
            if let Some(Frame::Array(_)) = frames.last() {
                frames.pop();
            }
        }
        _ => {}
    }
    // `unknown field `x``: the place is the object, not its member `x`.
    let named = ["unknown field `", "unknown variant `"]
        .iter()
        .find_map(|prefix| message.strip_prefix(prefix)?.split('`').next());
    if let (Some(name), Some(Frame::Object(key))) = (named, frames.last_mut()) {
        if key.as_deref() == Some(name) {
            *key = None;
        }
    }
    let mut path = String::new();
    for frame in frames {
        match frame {
            Frame::Object(Some(key)) => {
                path.push('.');
                path.push_str(&key);
            }
            Frame::Object(None) => {}
            Frame::Array(index) => path.push_str(&format!("[{index}]")),
        }
    }
    path
}

/// The byte offset of serde_json's one-based line and column (0: the start).
fn line_column_offset(text: &str, line: usize, column: usize) -> usize {
    let line_start: usize = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum();
    (line_start + column.saturating_sub(1)).min(text.len())
}

/// Whether `frames` is inside the top-level `applied` map (a member state's fingerprints) or
/// at the top-level `fingerprint` key (a decision's).
fn is_fingerprint(frames: &[Frame]) -> bool {
    match frames {
        [Frame::Object(Some(key))] => key == "fingerprint",
        [Frame::Object(Some(key)), Frame::Object(Some(_))] => key == "applied",
        _ => false,
    }
}

/// Rewrites the fingerprint values of `text` with `rewrite(token)`.
fn rewrite_fingerprints(text: &str, rewrite: impl Fn(&str) -> Option<String>) -> String {
    let mut out = String::with_capacity(text.len() + 64);
    let mut copied = 0;
    walk(text, usize::MAX, |frames, start, end| {
        if is_fingerprint(frames) {
            // The scanner's positions are at ASCII bytes or the end: `get` never fails here,
            // but a miss only leaves the token as it was.
            if let (Some(token), Some(before)) = (text.get(start..end), text.get(copied..start)) {
                if let Some(new) = rewrite(token) {
                    out.push_str(before);
                    out.push_str(&new);
                    copied = end;
                }
            }
        }
    });
    out.push_str(text.get(copied..).unwrap_or(""));
    out
}

/// JSON from the JS side: fingerprints given as decimal strings become numbers. Anything else
/// is left for the decoder to refuse with its path.
pub fn fingerprints_in(text: &str) -> String {
    rewrite_fingerprints(text, |token| {
        let digits = token.strip_prefix('"')?.strip_suffix('"')?;
        digits.parse::<u64>().ok().map(|n| n.to_string())
    })
}

/// JSON for the JS side: fingerprint numbers become decimal strings.
pub fn fingerprints_out(text: &str) -> String {
    rewrite_fingerprints(text, |token| {
        token
            .bytes()
            .all(|b| b.is_ascii_digit())
            .then(|| format!("\"{token}\""))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use siyu_core::op::ClientOp;

    fn campaign() -> Campaign {
        siyu_core::demo::beauty()
    }

    fn check_decode_error(text: &str, expected: &str) {
        let failure = decode::<ClientOp>("op", text).unwrap_err();
        assert_eq!(failure.code, "invalid_input");
        assert_eq!(failure.message, expected, "{text}");
    }

    #[test]
    fn decoding_names_the_place_of_the_problem() {
        check_decode_error("null", "op: is required");
        // A field of another operation type is found once the operation's object is read,
        // so the object around it is the place named; a bad value inside the operation is
        // named by its own path (operations are read as a flat object: core/src/op/read.rs).
        check_decode_error(
            r#"{"id":"a","occurred_at":1,"op":{"type":"checkin","points":5}}"#,
            "op: unknown field `points`, there are no fields",
        );
        check_decode_error(
            r#"{"id":"a","occurred_at":1,"op":{"type":"redeem","reward":5}}"#,
            "op.op.reward: invalid type: integer `5`, expected a string",
        );
        check_decode_error(
            r#"{"id":"a","op":{"type":"checkin"}}"#,
            "op: missing field `occurred_at`",
        );
        check_decode_error(
            r#"{"id":"a","occurred_at":1,"op":{"type":"checkin"},"at":2}"#,
            "op: unknown field `at`, expected one of `id`, `occurred_at`, `op`",
        );
        check_decode_error(
            r#"{"id":"a b","occurred_at":1,"op":{"type":"checkin"}}"#,
            "op.id: an id may only contain letters, digits, '_', '-', '.', ':' (found ' ', U+0020)",
        );
        check_decode_error(
            r#"{"id":"a","occurred_at":"soon","op":{"type":"checkin"}}"#,
            "op.occurred_at: invalid type: string \"soon\", expected i64",
        );
        check_decode_error(r#"{"id":"a","occurred_at":1}"#, "op: missing field `op`");
        let failure = decode::<Vec<ClientOp>>(
            "pending",
            r#"[{"id":"a","occurred_at":1,"op":{"type":"checkin"}},{"id":"b","occurred_at":1,"op":{"type":"fly"}}]"#,
        )
        .unwrap_err();
        assert!(
            failure
                .message
                .starts_with("pending[1].op.type: unknown variant `fly`"),
            "{}",
            failure.message
        );
    }

    #[test]
    fn paths_are_found_in_pretty_text_too() {
        let text = "{\n  \"a\": [\n    1,\n    {\"b\": x}\n  ]\n}";
        let offset = line_column_offset(text, 4, 11);
        assert_eq!(path_at(text, offset, "invalid type"), ".a[1].b");
    }

    #[test]
    fn fingerprints_cross_as_strings_both_ways() {
        let campaign = campaign();
        let mut state = MemberState::new(campaign.id.clone(), "m".parse().unwrap());
        state.applied.insert("op-1".parse().unwrap(), u64::MAX - 1);
        state.applied.insert("op-2".parse().unwrap(), 7);
        let text = state_json(&state);
        assert!(text.contains(r#""applied":{"op-1":"18446744073709551614","op-2":"7"}"#));
        assert_eq!(decode_state(&campaign, "state", &text).unwrap(), state);
        // Numbers are accepted too (the server's JSON).
        assert_eq!(
            decode_state(&campaign, "state", &encode(&state)).unwrap(),
            state
        );
    }

    #[test]
    fn only_the_top_level_fingerprints_are_rewritten() {
        let text =
            r#"{"quiz":{"answers":{"applied":{"scale":3}}},"applied":{"x":"5"},"fingerprint":"9"}"#;
        assert_eq!(
            fingerprints_in(text),
            r#"{"quiz":{"answers":{"applied":{"scale":3}}},"applied":{"x":5},"fingerprint":9}"#
        );
    }

    #[test]
    fn a_bad_fingerprint_or_another_campaign_is_refused() {
        let campaign = campaign();
        let state = MemberState::new(campaign.id.clone(), "m".parse().unwrap());
        let text = state_json(&state).replace(r#""applied":{}"#, r#""applied":{"op-1":"12x"}"#);
        let failure = decode_state(&campaign, "state", &text).unwrap_err();
        assert_eq!(failure.code, "invalid_input");
        assert!(
            failure
                .message
                .starts_with("state.applied.op-1: invalid type: string"),
            "{}",
            failure.message
        );
        let other = MemberState::new("other".parse().unwrap(), "m".parse().unwrap());
        let failure = decode_state(&campaign, "state", &state_json(&other)).unwrap_err();
        assert_eq!(failure.code, "invalid_state");
    }

    #[test]
    fn times_must_be_whole_milliseconds() {
        assert_eq!(timestamp("now", 5.0).unwrap().as_millis(), 5);
        for bad in [f64::NAN, f64::INFINITY, 1.5, 1e300] {
            assert_eq!(timestamp("now", bad).unwrap_err().code, "invalid_input");
        }
    }

    #[test]
    fn the_scanner_survives_malformed_text() {
        for text in ["", "{", "\"", "{\"a\":\"\\", "]]]", "{\"a\":[1,"] {
            let _ = path_at(text, usize::MAX, "");
            let _ = fingerprints_in(text);
        }
    }
}
