//! The browser's services the widgets use, each behind a small function: the clock, local
//! storage, `fetch`, DOM events for the host page, and random ids.
//!
//! Everything here tolerates a hostile or restricted page: storage that throws (private
//! modes, sandboxed frames) behaves as empty; a missing `window` makes calls no-ops.

use std::cell::Cell;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use siyu_core::Timestamp;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;

thread_local! {
    static FIXED_NOW: Cell<Option<i64>> = const { Cell::new(None) };
}

/// The device's clock, in ms since the epoch (or the time fixed by [`fix_clock`]).
pub fn device_now() -> i64 {
    FIXED_NOW
        .with(Cell::get)
        .unwrap_or_else(|| js_sys::Date::now() as i64)
}

/// Fixes the device clock (tests), or releases it with `None`.
pub fn fix_clock(millis: Option<i64>) {
    FIXED_NOW.with(|fixed| fixed.set(millis));
}

/// The device clock corrected by the offset to the server's clock last measured.
pub fn now(offset_ms: i64) -> Timestamp {
    Timestamp::from_millis(device_now().saturating_add(offset_ms))
}

/// A fresh id for an operation or a tab: 104 random bits, in id characters. No time: the
/// server keeps operation ids after the member erases their data, and an id must not say when.
pub fn random_id(prefix: &str) -> String {
    let noise = || radix36((js_sys::Math::random() * 2f64.powi(52)) as u64);
    format!("{prefix}-{}-{}", noise(), noise())
}

fn radix36(mut n: u64) -> String {
    const DIGITS: &[u8; 36] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut out = Vec::new();
    loop {
        out.push(DIGITS[(n % 36) as usize]);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_else(|_| unreachable!("ascii digits"))
}

/// Runs `then` after the browser has painted its next frame (an animation frame, then a task
/// after it): work split this way lets what is already rendered reach the screen first. A
/// hidden tab paints no frames, so `then` also runs after [`PAINT_WAIT_MAX_MS`] at the latest.
pub fn after_next_paint(then: impl FnOnce() + 'static) {
    let Some(window) = web_sys::window() else {
        return then();
    };
    // Whichever comes first, the frame or the time limit, runs it.
    let then: Rc<Cell<Option<Deferred>>> = Rc::new(Cell::new(Some(Box::new(then))));
    let once = move || {
        if let Some(then) = then.take() {
            then();
        }
    };
    let after_frame = {
        let once = once.clone();
        Closure::once_into_js(move || set_timeout(once, 0))
    };
    let _ = window.request_animation_frame(after_frame.unchecked_ref());
    set_timeout(once, PAINT_WAIT_MAX_MS);
}

/// Work [`after_next_paint`] holds.
type Deferred = Box<dyn FnOnce()>;

/// How long [`after_next_paint`] waits for a frame.
const PAINT_WAIT_MAX_MS: i32 = 100;

fn set_timeout(then: impl FnOnce() + 'static, ms: i32) {
    if let Some(window) = web_sys::window() {
        let task = Closure::once_into_js(then);
        let _ =
            window.set_timeout_with_callback_and_timeout_and_arguments_0(task.unchecked_ref(), ms);
    }
}

fn local_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

/// The text stored under `key`.
pub fn load_text(key: &str) -> Option<String> {
    local_storage()?.get_item(key).ok().flatten()
}

/// The value stored under `key`, if it is there and still reads as `T`.
pub fn load<T: DeserializeOwned>(key: &str) -> Option<T> {
    from_json(&load_text(key)?).ok()
}

/// Reads JSON text as a `T`: the browser's `JSON.parse` reads the text, [`crate::decode`]
/// maps the value onto `T`.
///
/// Why not serde_json, which the widgets still write with: its reader, instantiated for every
/// type the widgets read (campaign, member state, answers), was about 9 KB of the gzipped
/// wasm, and the browser's parser is already there. `JSON.parse` holds integers exactly up to
/// 2^53, hence the 53-bit operation fingerprints (`siyu_core::op::fingerprint_bits`); every
/// other number the protocol carries is far below that, and an integer past 2^53 is refused,
/// not rounded (see [`from_json_cutting_long_integers`] for states written before the cut).
/// A plain struct's fields the widget does not know are passed over (the decoder reads a
/// struct's own fields); the server is where unknown fields are refused.
///
/// Natively (the crate's unit tests also run on the host) serde_json reads instead; the same
/// tests run in headless Chromium, through `JSON.parse`.
#[cfg(target_arch = "wasm32")]
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    from_parsed(js_sys::JSON::parse(text))
}

/// Reads JSON written before operation fingerprints were cut to 53 bits: a member state this
/// device stored from an older release (or an older server's answer). Its 64-bit fingerprints
/// are the only integers past 2^53; `JSON.parse` has already rounded them, so they are cut to
/// 53 bits of what it kept. Such a fingerprint is no longer the server's, which nothing shown
/// depends on, and the server's next answer replaces the whole state. Slower than
/// [`from_json`] (the browser calls back into the wasm for every value): only for text that
/// reader refused.
#[cfg(target_arch = "wasm32")]
pub fn from_json_cutting_long_integers<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    /// 2^53: every integer below it is exact in a JavaScript number.
    const EXACT_INTEGERS: f64 = 9_007_199_254_740_992.0;
    let cut =
        Closure::<dyn FnMut(JsValue, JsValue) -> JsValue>::new(|_key, value: JsValue| match value
            .as_f64()
        {
            // Every number this large is a whole one.
            Some(n) if n.abs() >= EXACT_INTEGERS => JsValue::from_f64(n.rem_euclid(EXACT_INTEGERS)),
            _ => value,
        });
    from_parsed(json_parse_with_reviver(text, cut.as_ref().unchecked_ref()))
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `JSON.parse(text, reviver)` (js-sys binds only the one-argument form).
    #[wasm_bindgen(js_namespace = JSON, js_name = parse, catch)]
    fn json_parse_with_reviver(text: &str, reviver: &js_sys::Function) -> Result<JsValue, JsValue>;
}

#[cfg(target_arch = "wasm32")]
fn from_parsed<T: DeserializeOwned>(parsed: Result<JsValue, JsValue>) -> Result<T, String> {
    let value = parsed.map_err(|e| {
        e.dyn_into::<js_sys::Error>()
            .map_or_else(|_| "not JSON".to_owned(), |e| String::from(e.message()))
    })?;
    crate::decode::from_value(value).map_err(|e| e.to_string())
}

/// Reads JSON text as a `T` (natively: see the wasm32 version).
#[cfg(not(target_arch = "wasm32"))]
pub fn from_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    serde_json::from_str(text).map_err(|e| e.to_string())
}

/// Natively serde_json reads 64-bit integers exactly: the same as [`from_json`].
#[cfg(not(target_arch = "wasm32"))]
pub fn from_json_cutting_long_integers<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    from_json(text)
}

/// Stores `value` under `key`; false when storage refused (full, or disabled).
pub fn save<T: Serialize + ?Sized>(key: &str, value: &T) -> bool {
    let Ok(text) = serde_json::to_string(value) else {
        return false;
    };
    save_text(key, &text)
}

/// Stores `text` under `key`.
pub fn save_text(key: &str, text: &str) -> bool {
    local_storage().is_some_and(|s| s.set_item(key, text).is_ok())
}

/// Removes `key`.
pub fn remove(key: &str) {
    if let Some(storage) = local_storage() {
        let _ = storage.remove_item(key);
    }
}

/// Whether the browser believes it is online.
pub fn online() -> bool {
    web_sys::window().is_none_or(|w| w.navigator().on_line())
}

/// The browser's preferred languages, most preferred first.
pub fn browser_languages() -> Vec<String> {
    let Some(navigator) = web_sys::window().map(|w| w.navigator()) else {
        return Vec::new();
    };
    let mut tags: Vec<String> = navigator
        .languages()
        .iter()
        .filter_map(|v| v.as_string())
        .collect();
    if let Some(tag) = navigator.language() {
        tags.push(tag);
    }
    tags
}

/// Dispatches `siyu:<name>` on `target` with `detail` (JSON text), bubbling out of the shadow
/// root to the document, so the host page can listen on the element or on `document`.
pub fn dispatch(target: &web_sys::EventTarget, name: &str, detail: &str) {
    let init = web_sys::CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    let detail = js_sys::JSON::parse(detail).unwrap_or(JsValue::NULL);
    init.set_detail(&detail);
    if let Ok(event) =
        web_sys::CustomEvent::new_with_event_init_dict(&format!("siyu:{name}"), &init)
    {
        let _ = target.dispatch_event(&event);
    }
}

/// Resolves a campaign's URL (an image, a product page) against the endpoint, so that
/// `/assets/…` means the brand's server, not the page that embeds the widget.
pub fn resolve_url(url: &str, endpoint: &str) -> String {
    web_sys::Url::new_with_base(url, endpoint)
        .map(|u| u.href())
        .unwrap_or_else(|_| url.to_owned())
}

/// Why a request did not give an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum FetchError {
    /// No network (or the server is unreachable).
    Network,
    /// An HTTP error status, with the API's error code and message when it sent them.
    Status {
        /// The HTTP status.
        status: u16,
        /// `error.code` of the body.
        code: String,
        /// `error.message` of the body.
        message: String,
        /// `Retry-After`, in seconds.
        retry_after: Option<u32>,
    },
}

/// A successful answer.
#[derive(Debug, Clone)]
pub struct Answer {
    /// The status (200, 201, 304).
    pub status: u16,
    /// The body.
    pub body: String,
    /// The `ETag` header.
    pub etag: Option<String>,
}

/// One HTTP request with a JSON body and an optional bearer token.
pub async fn request(
    method: &str,
    url: &str,
    body: Option<&str>,
    bearer: Option<&str>,
    if_none_match: Option<&str>,
) -> Result<Answer, FetchError> {
    let window = web_sys::window().ok_or(FetchError::Network)?;
    let init = web_sys::RequestInit::new();
    init.set_method(method);
    init.set_mode(web_sys::RequestMode::Cors);
    let headers = web_sys::Headers::new().map_err(|_| FetchError::Network)?;
    if let Some(body) = body {
        let _ = headers.set("Content-Type", "application/json");
        init.set_body(&JsValue::from_str(body));
    }
    if let Some(token) = bearer {
        let _ = headers.set("Authorization", &format!("Bearer {token}"));
    }
    if let Some(etag) = if_none_match {
        let _ = headers.set("If-None-Match", etag);
    }
    init.set_headers(&headers);
    let response = JsFuture::from(window.fetch_with_str_and_init(url, &init))
        .await
        .map_err(|_| FetchError::Network)?;
    let response: web_sys::Response = response.dyn_into().map_err(|_| FetchError::Network)?;
    let status = response.status();
    let etag = response.headers().get("ETag").ok().flatten();
    let retry_after = response
        .headers()
        .get("Retry-After")
        .ok()
        .flatten()
        .and_then(|s| s.trim().parse().ok());
    let text = match response.text() {
        Ok(promise) => JsFuture::from(promise)
            .await
            .map_err(|_| FetchError::Network)?
            .as_string()
            .unwrap_or_default(),
        Err(_) => String::new(),
    };
    if (200..300).contains(&status) || status == 304 {
        return Ok(Answer {
            status,
            body: text,
            etag,
        });
    }
    #[derive(Default, serde::Deserialize)]
    struct ErrorBody {
        #[serde(default)]
        error: ErrorFields,
    }
    #[derive(Default, serde::Deserialize)]
    struct ErrorFields {
        #[serde(default)]
        code: String,
        #[serde(default)]
        message: String,
    }
    let error: ErrorBody = from_json(&text).unwrap_or_default();
    Err(FetchError::Status {
        status,
        code: error.error.code,
        message: error.error.message,
        retry_after,
    })
}
