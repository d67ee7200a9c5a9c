//! Siyu's browser widgets — quiz, check-in, wallet — as a thin yew adapter over `siyu-core`.
//!
//! A customer's action becomes an operation that `core::decide` judges on the local state at
//! once (instant, offline); accepted, it is committed, kept in a persisted outbox and pushed to
//! `POST /v1/sync`; the server's answer is the truth the outbox is rebased on.
//!
//! - [`member`]: the member as the widgets see it (server state + outbox → local state). Pure.
//! - [`store`]: one shared store per (endpoint, campaign) on a page: persistence, sync, the
//!   cross-tab lock, subscriptions.
//! - [`widgets`]: the yew components, one reducer each.
//! - [`embed`]: what the loader (`www/siyu.js`) calls: mount a widget in a custom element's
//!   shadow root, and `Siyu.identify`.
//! - [`i18n`]: every string, in zh-CN and en.
//!
//! **No business rule lives here:** what an action earns, costs or is refused for is decided by
//! `siyu-core`; the widgets only render its read models (`view::wallet`, `view::calendar`,
//! `quiz::next_question` …).

pub mod browser;
#[cfg(target_arch = "wasm32")]
pub mod decode;
pub mod embed;
pub mod i18n;
pub mod member;
pub mod store;
pub mod widgets;

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests;

/// Talc instead of the standard library's dlmalloc: the same job for WebAssembly in less code
/// (the wasm 7 KB raw, 2.8 KB gzip smaller), growing the wasm memory as it needs.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
