//! The widgets: thin yew adapters. Each has one reducer over an `Action` enum; actions that
//! change the member go to the shared [`Store`](crate::store::Store), which decides them with
//! the core rules. Components only render read models (`core::view`, `core::quiz`) and wire
//! callbacks named `on_<verb>`.

pub mod app;
pub mod checkin;
pub mod quiz;
pub mod wallet;

use std::rc::Rc;

use siyu_core::locale::Locale;
use wasm_bindgen::JsCast;
use yew::prelude::*;

use crate::i18n::{self, ui};
use crate::store::{StoreHandle, WidgetKind};

/// Re-renders the calling component whenever the store changes. Every component that reads
/// the store calls it: yew skips a child whose properties did not change, and a store handle
/// never changes.
#[hook]
pub fn use_store_updates(store: &StoreHandle) {
    use_store_updates_at(store, u32::MAX);
}

/// [`use_store_updates`] for a widget's root, `place` its mount order on the page (see
/// [`crate::store::Store::subscribe_at`]).
#[hook]
pub fn use_store_updates_at(store: &StoreHandle, place: u32) {
    let update = use_force_update();
    use_effect_with(store.clone(), move |store| {
        let id = store.subscribe_at(place, Rc::new(move || update.force_update()));
        let store = store.clone();
        move || store.unsubscribe(id)
    });
}

/// [`use_store_updates`], and records the widget as mounted while it is (for routing the
/// server's refusals to the widget that explains them).
#[hook]
pub fn use_store(store: &StoreHandle, kind: WidgetKind) {
    use_store_updates(store);
    use_effect_with(store.clone(), move |store| {
        store.mounted(kind);
        let store = store.clone();
        move || store.unmounted(kind)
    });
}

/// What every widget gets.
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct WidgetProps {
    /// The shared store of the campaign.
    pub store: StoreHandle,
    /// The customer's language.
    pub locale: Locale,
    /// The custom element, where the host page's events are dispatched.
    pub host: web_sys::HtmlElement,
}

/// Small icons, drawn rather than taken from an emoji font (which many devices and headless
/// browsers lack).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Icon {
    /// A milestone's gift.
    Gift,
    /// A streak.
    Flame,
    /// A celebration.
    Burst,
}

/// An inline SVG icon in the current text colour, hidden from screen readers.
pub fn icon(icon: Icon) -> Html {
    let path = match icon {
        Icon::Gift => "M2 7h12v3H2zM3 10h10v5H3zM7 7h2v8H7zM8 7C6 2 2 4 4.5 6.5M8 7c2-5 6-3 3.5-.5",
        Icon::Flame => "M8 1c1 3 5 5 5 9a5 5 0 0 1-10 0c0-2 1-3 2-4 0 2 1 3 2 3-1-3 0-6 1-8z",
        Icon::Burst => "M8 0l2 5 5-2-3 5 4 3-5 1 1 4-4-3-4 3 1-4-5-1 4-3-3-5 5 2z",
    };
    let fill = if icon == Icon::Gift {
        "none"
    } else {
        "currentColor"
    };
    html! {
        <svg class="icon" viewBox="0 0 16 16" width="16" height="16" aria-hidden="true" focusable="false">
            <path d={path} fill={fill} stroke="currentColor" stroke-width={if icon == Icon::Gift { "1.5" } else { "0" }} />
        </svg>
    }
}

/// Properties of [`StatusBar`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct StatusBarProps {
    pub store: StoreHandle,
    pub kind: WidgetKind,
    pub locale: Locale,
}

/// Sync status (pending operations, offline, syncing) and the server's refusals, explained.
#[function_component(StatusBar)]
pub fn status_bar(props: &StatusBarProps) -> Html {
    use_store_updates(&props.store);
    let locale = props.locale;
    let u = ui(locale);
    let notices = props.store.notices_for(props.kind);
    let inner = props.store.read();
    let Some(member) = inner.member.as_ref() else {
        return html! {};
    };
    let pending = member.outbox().len();
    let error = inner.sync_error.clone();
    // A refusal of the whole sync (this page's origin not allowed, a campaign withdrawn) is
    // told in the customer's words; the server's own, for the developer, is in the console
    // and on the line's title.
    // The state, then its words after what is pending, if anything is.
    let (sync_state, state) = if error.is_some() {
        ("error", Some(u.sync_refused))
    } else if pending == 0 && !inner.syncing {
        ("ok", Some(u.all_saved))
    } else if pending > 0 && !inner.online {
        ("offline", Some(u.offline))
    } else if inner.syncing {
        ("busy", Some(u.syncing))
    } else {
        ("waiting", None)
    };
    let text = match (pending, state) {
        (0, state) => state.unwrap_or_default().to_owned(),
        (_, Some(state)) => format!("{} · {state}", i18n::pending(locale, pending)),
        (_, None) => i18n::pending(locale, pending),
    };
    let campaign = member.campaign().clone();
    let zone = campaign.zone();
    drop(inner);
    let live = if props.store.announces_status(props.kind) {
        "polite"
    } else {
        "off"
    };
    html! {
        <div class="status">
            { for notices.iter().map(|notice| {
                let day = zone.local_day(notice.op.occurred_at);
                let what = i18n::what(locale, &notice.op.op, day, &campaign);
                let why = i18n::why(locale, &notice.rejection);
                let id = notice.id;
                let store = props.store.clone();
                let on_dismiss = Callback::from(move |_| store.dismiss(id));
                html! {
                    <div class="notice" role="alert">
                        <p>{ i18n::refused(locale, &what, &why) }</p>
                        <button type="button" class="link" onclick={on_dismiss}>{ u.dismiss }</button>
                    </div>
                }
            }) }
            <p class="sync" data-state={sync_state} role="status" aria-live={live} title={error} data-pending={pending.to_string()}>
                { text }
            </p>
        </div>
    }
}

/// Properties of [`Dialog`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct DialogProps {
    pub title: AttrValue,
    pub text: AttrValue,
    pub confirm: AttrValue,
    pub cancel: AttrValue,
    pub on_confirm: Callback<()>,
    pub on_cancel: Callback<()>,
}

/// A confirmation (`aria-modal`): focus starts on Cancel, the choice that spends nothing; Tab
/// and Shift+Tab stay between its two buttons; Escape cancels; once it closes, focus goes back
/// to what opened it (the reward's or the day's button, or the day's cell once made up).
#[function_component(Dialog)]
pub fn dialog(props: &DialogProps) -> Html {
    let (cancel_ref, confirm_ref) = (use_node_ref(), use_node_ref());
    {
        let cancel_ref = cancel_ref.clone();
        use_effect_with((), move |_| {
            let cancel = cancel_ref.cast::<web_sys::HtmlElement>();
            // Still focused: the button that opened the dialog.
            let opener = cancel.as_ref().and_then(|c| {
                js_sys::Reflect::get(&c.get_root_node(), &"activeElement".into())
                    .ok()?
                    .dyn_into::<web_sys::HtmlElement>()
                    .ok()
            });
            if let Some(button) = &cancel {
                let _ = button.focus();
            }
            // The list the opener sits in, to find its replacement in (see below).
            let list = opener
                .as_ref()
                .and_then(|o| o.parent_element()?.parent_element());
            move || {
                let Some(opener) = opener else { return };
                if opener.is_connected() {
                    let _ = opener.focus();
                    return;
                }
                // A day made up is no longer a button but its calendar cell: focus goes there
                // (focusable by script only), not to the top of the host page, once the widget
                // has rendered it.
                let (Some(day), Some(list)) = (opener.get_attribute("data-day"), list) else {
                    return;
                };
                gloo_timers::callback::Timeout::new(0, move || {
                    let cell = list
                        .query_selector(&["[data-day=\"", &day, "\"]"].concat())
                        .ok()
                        .flatten()
                        .and_then(|c| c.dyn_into::<web_sys::HtmlElement>().ok());
                    if let Some(cell) = cell {
                        if cell.tab_index() < 0 {
                            let _ = cell.set_attribute("tabindex", "-1");
                        }
                        let _ = cell.focus();
                    }
                })
                .forget();
            }
        });
    }
    let on_cancel = props.on_cancel.clone();
    let onkeydown = {
        let (cancel_ref, confirm_ref) = (cancel_ref.clone(), confirm_ref.clone());
        Callback::from(move |e: KeyboardEvent| match e.key().as_str() {
            "Escape" => {
                e.prevent_default();
                on_cancel.emit(());
            }
            "Tab" => {
                // Two buttons: from either, Tab or Shift+Tab goes to the other.
                let (first, last) = (cancel_ref.get(), confirm_ref.get());
                let target = e.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok());
                let to = if target == first { last } else { first };
                if let Some(to) = to.and_then(|n| n.dyn_into::<web_sys::HtmlElement>().ok()) {
                    e.prevent_default();
                    let _ = to.focus();
                }
            }
            _ => {}
        })
    };
    let on_confirm = props.on_confirm.reform(|_: MouseEvent| ());
    let on_cancel = props.on_cancel.reform(|_: MouseEvent| ());
    html! {
        <div class="scrim">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="siyu-dialog-title"
                aria-describedby="siyu-dialog-text" {onkeydown}>
                <h3 id="siyu-dialog-title">{ props.title.clone() }</h3>
                <p id="siyu-dialog-text">{ props.text.clone() }</p>
                <div class="actions">
                    <button type="button" class="secondary" ref={cancel_ref} onclick={on_cancel}>{ props.cancel.clone() }</button>
                    <button type="button" class="primary" ref={confirm_ref} onclick={on_confirm}>{ props.confirm.clone() }</button>
                </div>
            </div>
        </div>
    }
}
