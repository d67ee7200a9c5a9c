//! The embedding surface the loader script (`www/siyu.js`) calls: mount a widget inside a
//! custom element's shadow root, and bind the page's widgets to a brand member.
//!
//! The stylesheet lives inside each shadow root (one constructed `CSSStyleSheet` shared by all
//! of them, or a `<style>` element where constructable stylesheets are missing), so the host
//! page's CSS cannot reach the widgets and theirs cannot leak out. Only the `--siyu-*` custom
//! properties cross the boundary, on purpose: they are the theming API.

use std::cell::{Cell, RefCell};

use siyu_core::locale::Locale;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::store::{self, StoreHandle, WidgetKind};
use crate::widgets::app::{App, AppProps};

/// The widgets' stylesheet.
/// `src/widgets.css` without its comments (`build.rs`).
pub const STYLESHEET: &str = include_str!(concat!(env!("OUT_DIR"), "/widgets.min.css"));

thread_local! {
    static SHEET: RefCell<Option<web_sys::CssStyleSheet>> = const { RefCell::new(None) };
    /// Widgets mounted so far: the next one's place on the page.
    static MOUNTED: Cell<u32> = const { Cell::new(0) };
}

/// A mounted widget; the loader calls `unmount` when the element leaves the page.
#[wasm_bindgen]
#[derive(Debug)]
pub struct Mounted {
    handle: Option<yew::AppHandle<App>>,
}

#[wasm_bindgen]
impl Mounted {
    /// Removes the widget.
    pub fn unmount(&mut self) {
        if let Some(handle) = self.handle.take() {
            handle.destroy();
        }
    }
}

fn kind_of(kind: &str) -> Option<WidgetKind> {
    match kind {
        "quiz" => Some(WidgetKind::Quiz),
        "checkin" => Some(WidgetKind::Checkin),
        "wallet" => Some(WidgetKind::Wallet),
        _ => None,
    }
}

/// The language the element asks for: its `lang` attribute, else (none, or one the widgets do
/// not speak, such as `fr`) the browser's languages.
fn wanted_locale(host: &web_sys::HtmlElement) -> Option<Locale> {
    host.get_attribute("lang")
        .filter(|l| !l.trim().is_empty())
        .and_then(|lang| Locale::negotiate(&lang))
        .or_else(|| crate::i18n::negotiate(&crate::browser::browser_languages()))
}

/// Puts the stylesheet into `root`.
fn adopt_stylesheet(root: &web_sys::ShadowRoot) -> Result<(), JsValue> {
    let sheet = SHEET.with(|sheet| {
        let mut sheet = sheet.borrow_mut();
        if sheet.is_none() {
            *sheet = web_sys::CssStyleSheet::new()
                .ok()
                .filter(|s| s.replace_sync(STYLESHEET).is_ok());
        }
        sheet.clone()
    });
    match sheet {
        Some(sheet) => {
            root.set_adopted_style_sheets(&js_sys::Array::of1(&sheet));
        }
        None => {
            let document = web_sys::window()
                .and_then(|w| w.document())
                .ok_or("no document")?;
            let style = document.create_element("style")?;
            style.set_text_content(Some(STYLESHEET));
            root.append_child(&style)?;
        }
    }
    Ok(())
}

/// Mounts widget `kind` (`quiz`, `checkin`, `wallet`) in `host`'s open shadow root, talking to
/// `endpoint` about the campaign in `host`'s `campaign` attribute. `prefetched` is the
/// campaign's JSON text the loader started fetching while the wasm was loading.
#[wasm_bindgen]
pub fn mount(
    host: web_sys::HtmlElement,
    kind: &str,
    endpoint: &str,
    prefetched: Option<js_sys::Promise>,
) -> Result<Mounted, JsValue> {
    let kind = kind_of(kind).ok_or_else(|| JsValue::from_str("unknown widget kind"))?;
    let campaign = host
        .get_attribute("campaign")
        .ok_or_else(|| JsValue::from_str("the element needs a campaign attribute"))?;
    let root = match host.shadow_root() {
        Some(root) => root,
        None => host.attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))?,
    };
    // Whatever the loader put there while the wasm loaded (a placeholder) makes way.
    root.set_inner_html("");
    adopt_stylesheet(&root)?;
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    let container = document.create_element("div")?;
    container.set_class_name("siyu-root");
    root.append_child(&container)?;
    let store = StoreHandle(store::store_for(endpoint, &campaign, prefetched));
    let props = AppProps {
        kind,
        store,
        wanted: wanted_locale(&host),
        host: host.clone(),
        place: MOUNTED.with(|m| m.replace(m.get().saturating_add(1))),
    };
    let handle =
        yew::Renderer::<App>::with_root_and_props(container.unchecked_into(), props).render();
    Ok(Mounted {
        handle: Some(handle),
    })
}

/// `Siyu.identify(memberToken)`: binds the device to the brand's member on every campaign on
/// the page (what the device earned anonymously stays with the member) and pulls the member's
/// state. Resolves when done; rejects with the reason when the server refuses.
#[wasm_bindgen]
pub fn identify(member_token: String) -> js_sys::Promise {
    wasm_bindgen_futures::future_to_promise(async move {
        store::identify(member_token)
            .await
            .map(|()| JsValue::UNDEFINED)
            .map_err(|e| JsValue::from_str(&e))
    })
}
