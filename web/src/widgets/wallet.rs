//! The wallet (`core::view::wallet`): balance, what expires when, tier and badges, the reward
//! catalogue with stock and limits, redeem with a confirmation and its result, and the history
//! that says why points changed.

use std::rc::Rc;

use siyu_core::ids::{OpId, RewardId};
use siyu_core::locale::Locale;
use siyu_core::op::Op;
use siyu_core::view::RewardView;
use siyu_core::Rejection;
use yew::prelude::*;

use super::{use_store, Dialog, StatusBar, WidgetProps};
use crate::browser;
use crate::i18n::{self, ui};
use crate::store::{StoreHandle, WidgetKind};

/// History lines shown before "show all".
const HISTORY_LINES_FOLDED: usize = 5;

/// The wallet widget's state.
#[derive(Debug, Clone, PartialEq)]
pub struct WalletFlow {
    /// The reward whose redemption awaits confirmation.
    pub confirming: Option<RewardId>,
    /// The last redemption's result (accepted here: the reward and the operation's id).
    pub result: Option<Result<(RewardId, OpId), Rejection>>,
    /// Whether the whole history is shown.
    pub history_open: bool,
    store: Option<StoreHandle>,
    host: Option<web_sys::HtmlElement>,
}

/// What the customer does in the wallet.
#[derive(Debug, Clone, PartialEq)]
pub enum WalletAction {
    /// Ask to redeem a reward.
    AskRedeem(RewardId),
    /// Confirm the redemption asked for.
    ConfirmRedeem,
    /// Close the confirmation or the result.
    Dismiss,
    /// Show or fold the history.
    ToggleHistory,
}

impl WalletFlow {
    /// A flow sending its actions to `store`.
    pub fn new(store: Option<StoreHandle>, host: Option<web_sys::HtmlElement>) -> Self {
        WalletFlow {
            confirming: None,
            result: None,
            history_open: false,
            store,
            host,
        }
    }
}

impl Reducible for WalletFlow {
    type Action = WalletAction;

    fn reduce(self: Rc<Self>, action: WalletAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            WalletAction::AskRedeem(reward) => {
                next.confirming = Some(reward);
                next.result = None;
            }
            WalletAction::ConfirmRedeem => {
                if let (Some(reward), Some(store)) = (next.confirming.take(), next.store.clone()) {
                    let origin: Option<&web_sys::EventTarget> =
                        next.host.as_ref().map(|h| h.as_ref());
                    let op = Op::Redeem {
                        reward: reward.clone(),
                    };
                    next.result = Some(store.perform(op, origin).map(|a| (reward, a.op)));
                }
            }
            WalletAction::Dismiss => {
                next.confirming = None;
                next.result = None;
            }
            WalletAction::ToggleHistory => next.history_open = !next.history_open,
        }
        Rc::new(next)
    }
}

fn availability(locale: Locale, reward: &RewardView, balance: u64) -> Option<String> {
    let u = ui(locale);
    if reward.stock_left == Some(0) {
        Some(u.out_of_stock.to_owned())
    } else if reward.member_left == Some(0) {
        Some(u.limit_reached.to_owned())
    } else if balance < reward.cost {
        Some(i18n::need_more(locale, reward.cost - balance))
    } else {
        None
    }
}

/// The wallet widget.
#[function_component(WalletWidget)]
pub fn wallet_widget(props: &WidgetProps) -> Html {
    use_store(&props.store, WidgetKind::Wallet);
    let locale = props.locale;
    let u = ui(locale);
    let flow = {
        let (store, host) = (props.store.clone(), props.host.clone());
        use_reducer(move || WalletFlow::new(Some(store), Some(host)))
    };
    let (campaign, wallet) = props.store.with_member(|member, now| {
        let campaign = member.campaign().clone();
        let wallet = siyu_core::view::wallet(&campaign, member.local(), now, member.stock_taken());
        (campaign, wallet)
    });
    let endpoint = props.endpoint();
    let tier = wallet.tier.as_ref().and_then(|t| {
        let levels = &campaign.tiers.as_ref()?.levels;
        let name = |id| {
            levels
                .iter()
                .find(|l| &l.id == id)
                .map(|l| l.name.get(locale).to_owned())
        };
        let next = t
            .next
            .as_ref()
            .and_then(|(id, left)| Some(i18n::next_tier(locale, *left, &name(id)?)));
        Some((name(&t.tier)?, next))
    });
    let history: Vec<_> = if flow.history_open {
        wallet.history.iter().collect()
    } else {
        wallet.history.iter().take(HISTORY_LINES_FOLDED).collect()
    };
    let on_toggle = {
        let flow = flow.clone();
        Callback::from(move |_| flow.dispatch(WalletAction::ToggleHistory))
    };
    let on_dismiss = {
        let flow = flow.clone();
        Callback::from(move |_| flow.dispatch(WalletAction::Dismiss))
    };
    let reward_name = |id: &RewardId| {
        campaign
            .reward(id)
            .map_or_else(|| id.to_string(), |r| r.name.get(locale).to_owned())
    };
    // A redemption accepted here that the server then refused (the stock taken meanwhile by
    // another customer) was rolled back out of the member's operations: it no longer shows as
    // a success, and the store's notice says why.
    let undone = |result: &Result<(RewardId, OpId), Rejection>| {
        result
            .as_ref()
            .is_ok_and(|(_, op)| !props.store.still_applied(op))
    };
    let dialog = flow.confirming.as_ref().and_then(|id| {
        let reward = campaign.reward(id)?;
        let text = i18n::redeem_question(
            locale,
            reward.name.get(locale),
            reward.cost,
            wallet.balance.saturating_sub(reward.cost),
        );
        let on_confirm = {
            let flow = flow.clone();
            Callback::from(move |()| flow.dispatch(WalletAction::ConfirmRedeem))
        };
        let on_cancel = {
            let flow = flow.clone();
            Callback::from(move |()| flow.dispatch(WalletAction::Dismiss))
        };
        Some(html! {
            <Dialog title={u.redeem_title} {text} confirm={u.redeem} cancel={u.cancel} {on_confirm} {on_cancel} />
        })
    });
    html! {
        <section class="widget wallet" aria-labelledby="siyu-wallet-title">
            <h2 id="siyu-wallet-title" class="title">{ u.wallet_title }</h2>
            <div class="balance">
                <p class="label">{ u.balance }</p>
                <p class="amount" data-balance={wallet.balance.to_string()}>{ i18n::grouped(wallet.balance) }</p>
                if let Some((name, next)) = &tier {
                    <p class="tier"><span class="chip">{ name }</span>
                        if let Some(next) = next { { " " }{ next } }
                    </p>
                }
                { for wallet.expiring.iter().take(2).map(|e| html! {
                    <p class="expiring">{ i18n::expiring(locale, e.points, e.last_day) }</p>
                }) }
            </div>
            if let Some(result) = flow.result.as_ref().filter(|r| !undone(r)) {
                {{
                    let said = html! {
                        <>
                            <p>{ match result {
                                Ok((id, _)) => i18n::redeemed(locale, &reward_name(id)),
                                Err(rejection) => i18n::cannot(locale, &i18n::why_local(locale, rejection)),
                            } }</p>
                            <button type="button" class="link" onclick={on_dismiss}>{ u.dismiss }</button>
                        </>
                    };
                    // Literal classes: a computed one goes through yew's `Classes` set.
                    if result.is_ok() {
                        html! { <div class="celebrate" role="alert">{ said }</div> }
                    } else {
                        html! { <div class="error" role="alert">{ said }</div> }
                    }
                }}
            }
            if !campaign.badges.is_empty() {
                <h3>{ u.badges_heading }</h3>
                <ul class="badges">
                    { for campaign.badges.iter().map(|b| {
                        let earned = wallet.badges.contains(&b.id);
                        html! {
                            <li class="badge" data-earned={earned.to_string()} data-badge={b.id.to_string()}>
                                <span aria-hidden="true">{ if earned { "★" } else { "☆" } }</span>
                                { b.name.get(locale) }
                                if !earned { <span class="sr">{ u.not_yet_earned }</span> }
                            </li>
                        }
                    }) }
                </ul>
            }
            <h3>{ u.rewards_heading }</h3>
            <ul class="rewards">
                { for wallet.rewards.iter().filter_map(|view| {
                    let reward = campaign.reward(&view.reward)?;
                    let blocked = availability(locale, view, wallet.balance);
                    let id = view.reward.clone();
                    let flow = flow.clone();
                    let onclick = Callback::from(move |_| flow.dispatch(WalletAction::AskRedeem(id.clone())));
                    let name = reward.name.get(locale);
                    Some(html! {
                        <li class="reward" data-reward={view.reward.to_string()}>
                            if let Some(src) = &reward.image {
                                <img src={browser::resolve_url(src, &endpoint)} alt="" width="72" height="72" loading="lazy" />
                            }
                            <div class="about">
                                <p class="name">{ name }</p>
                                if let Some(d) = &reward.description {
                                    <p class="desc">{ d.get(locale) }</p>
                                }
                                <p class="meta">
                                    <strong>{ i18n::points(locale, view.cost) }</strong>
                                    if let Some(left) = view.stock_left {
                                        { " · " }{ i18n::stock_left(locale, left) }
                                    }
                                    if let Some(limit) = reward.per_member_limit {
                                        { " · " }{ i18n::per_person(locale, limit) }
                                    }
                                </p>
                            </div>
                            <div class="act">
                                if let Some(why) = &blocked {
                                    <p class="blocked">{ why }</p>
                                }
                                <button type="button" class="primary small" disabled={blocked.is_some()}
                                    aria-label={format!("{} {name}", u.redeem)} {onclick}>{ u.redeem }</button>
                            </div>
                        </li>
                    })
                }) }
            </ul>
            <h3>{ u.history_heading }</h3>
            if wallet.history.is_empty() {
                <p class="empty">{ u.history_empty }</p>
            } else {
                <ul class="history">
                    { for history.iter().map(|line| html! {
                        <li data-dir={if line.points >= 0 { "in" } else { "out" }}>
                            <span class="why">{ i18n::reason(locale, &line.reason, &campaign) }</span>
                            <span class="pts">{ i18n::signed(line.points) }</span>
                        </li>
                    }) }
                </ul>
                if wallet.history.len() > HISTORY_LINES_FOLDED {
                    <button type="button" class="link" aria-expanded={flow.history_open.to_string()} onclick={on_toggle}>
                        { if flow.history_open { u.show_less } else { u.show_all } }
                    </button>
                }
            }
            if let Some(dialog) = dialog { { dialog } }
            <StatusBar store={props.store.clone()} kind={WidgetKind::Wallet} {locale} />
        </section>
    }
}
