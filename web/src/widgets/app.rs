//! The root of one embedded widget: waits for the campaign, picks the language, applies the
//! theme (the campaign's as defaults for the `--siyu-*` custom properties), and renders the
//! widget.

use siyu_core::campaign::Theme;
use siyu_core::locale::Locale;
use yew::prelude::*;

use super::checkin::CheckinWidget;
use super::quiz::QuizWidget;
use super::wallet::WalletWidget;
use super::{use_store_updates_at, WidgetProps};
use crate::i18n::{self, ui};
use crate::store::{Phase, StoreHandle, WidgetKind};

/// Properties of [`App`].
#[derive(Debug, Clone, PartialEq, Properties)]
pub struct AppProps {
    /// Which widget.
    pub kind: WidgetKind,
    /// The shared store of its campaign.
    pub store: StoreHandle,
    /// The language the page asked for (`lang` attribute or the browser's).
    pub wanted: Option<Locale>,
    /// The custom element.
    pub host: web_sys::HtmlElement,
    /// Mount order, the page's order: the first widgets on the page show first.
    pub place: u32,
}

/// Keeps a theme value to what CSS expects of a value: no way out of the declaration.
fn css_value(value: &Option<String>, fallback: &str) -> String {
    let value = value.as_deref().unwrap_or(fallback);
    value
        .chars()
        .filter(|c| !matches!(c, ';' | '{' | '}' | '<' | '>' | '\\'))
        .collect()
}

/// The custom properties the stylesheet reads: the page's `--siyu-*` when set, else the
/// campaign's theme.
pub fn theme_style(theme: &Theme) -> String {
    format!(
        "--p:var(--siyu-primary,{});--a:var(--siyu-accent,{});--r:var(--siyu-radius,{});--f:var(--siyu-font,{})",
        css_value(&theme.primary, "#3b5bdb"),
        css_value(&theme.accent, "#dbe4ff"),
        css_value(&theme.radius, "12px"),
        css_value(&theme.font, "system-ui, sans-serif"),
    )
}

/// One embedded widget.
#[function_component(App)]
pub fn app(props: &AppProps) -> Html {
    use_store_updates_at(&props.store, props.place);
    let inner = props.store.read();
    let phase = inner.phase;
    let campaign = inner.member.as_ref().map(|m| m.campaign().clone());
    drop(inner);
    let fallback = props.wanted.unwrap_or(Locale::En);
    match (phase, campaign) {
        (Phase::Ready, Some(campaign)) => {
            let locale = i18n::resolve(props.wanted, &campaign);
            let widget = WidgetProps {
                store: props.store.clone(),
                locale,
                host: props.host.clone(),
            };
            html! {
                <div class="siyu" lang={locale.tag()} style={theme_style(&campaign.theme)}>
                    { match props.kind {
                        WidgetKind::Quiz => html! { <QuizWidget ..widget /> },
                        WidgetKind::Checkin => html! { <CheckinWidget ..widget /> },
                        WidgetKind::Wallet => html! { <WalletWidget ..widget /> },
                    } }
                </div>
            }
        }
        (Phase::Missing, _) => html! {
            <div class="siyu" lang={fallback.tag()} style={theme_style(&Theme::default())}>
                <div class="widget">
                    <p class="error" role="alert">{ ui(fallback).campaign_missing }</p>
                </div>
            </div>
        },
        (Phase::Failed, _) => {
            let store = props.store.clone();
            let onclick = Callback::from(move |_| store.retry_load());
            html! {
                <div class="siyu" lang={fallback.tag()} style={theme_style(&Theme::default())}>
                    <div class="widget">
                        <p class="error" role="alert">{ ui(fallback).load_failed }</p>
                        <button type="button" class="primary" {onclick}>{ ui(fallback).retry }</button>
                    </div>
                </div>
            }
        }
        _ => html! {
            <div class="siyu" lang={fallback.tag()} style={theme_style(&Theme::default())}>
                <div class="widget loading" role="status">{ ui(fallback).loading }</div>
            </div>
        },
    }
}
