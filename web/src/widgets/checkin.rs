//! The check-in: today's button, the cycle's calendar (`core::view::calendar`: done, made up,
//! frozen, missed, milestones ahead), the streak and "N more days → reward", make-up of a
//! missed day with its price and a confirmation, and a small celebration (no motion when the
//! customer prefers less).

use std::rc::Rc;

use siyu_core::checkin::{CalendarDay, DayStatus};
use siyu_core::ids::OpId;
use siyu_core::locale::Locale;
use siyu_core::op::{Event, Op};
use siyu_core::{Applied, Campaign, LocalDay, Rejection};
use yew::prelude::*;

use super::{icon, use_store, Dialog, Icon, StatusBar, WidgetProps};
use crate::i18n::{self, ui};
use crate::store::{StoreHandle, WidgetKind};

/// The check-in widget's state.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckinFlow {
    /// The missed day whose make-up awaits confirmation.
    pub confirming: Option<LocalDay>,
    /// What to celebrate, one line each (a new value each time, so the animation restarts),
    /// and the operation it celebrates.
    pub celebration: Option<(u32, OpId, Vec<String>)>,
    /// A local refusal to explain.
    pub error: Option<Rejection>,
    store: Option<StoreHandle>,
    host: Option<web_sys::HtmlElement>,
    locale: Locale,
}

/// What the customer does in the check-in widget.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum CheckinAction {
    /// Check in for today.
    CheckIn,
    /// Ask to make up a missed day, for `cost` points out of `balance`.
    AskMakeup {
        day: LocalDay,
        balance: u64,
        cost: u64,
    },
    /// Confirm the make-up asked for.
    ConfirmMakeup,
    /// Close the confirmation, the celebration or the error.
    Dismiss,
}

impl CheckinFlow {
    /// A flow sending its actions to `store`.
    pub fn new(
        store: Option<StoreHandle>,
        host: Option<web_sys::HtmlElement>,
        locale: Locale,
    ) -> Self {
        CheckinFlow {
            confirming: None,
            celebration: None,
            error: None,
            store,
            host,
            locale,
        }
    }

    fn perform(&mut self, op: Op) {
        let Some(store) = self.store.clone() else {
            return;
        };
        let origin: Option<&web_sys::EventTarget> = self.host.as_ref().map(|h| h.as_ref());
        match store.perform(op, origin) {
            Ok(applied) => {
                let campaign = store.read().member.as_ref().map(|m| m.campaign().clone());
                let lines =
                    campaign.map_or_else(Vec::new, |c| celebrate(&applied, &c, self.locale));
                let serial = self.celebration.as_ref().map_or(1, |(n, ..)| n + 1);
                self.celebration = Some((serial, applied.op.clone(), lines));
                self.error = None;
            }
            Err(rejection) => {
                self.celebration = None;
                self.error = Some(rejection);
            }
        }
    }
}

/// The lines of a celebration: the points, milestones reached, badges earned.
pub fn celebrate(applied: &Applied, campaign: &Campaign, locale: Locale) -> Vec<String> {
    let mut lines = Vec::new();
    for event in &applied.events {
        match event {
            Event::CheckedIn { day, mark, .. } => lines.push(match mark {
                siyu_core::checkin::Mark::Done => i18n::checked_in(locale, applied.points_delta()),
                siyu_core::checkin::Mark::MadeUp => {
                    i18n::made_up(locale, *day, applied.points_delta())
                }
            }),
            Event::MilestoneReached {
                checkins,
                points,
                gift,
                ..
            } => {
                let reward =
                    i18n::milestone_reward(locale, gift.as_ref().map(|g| g.get(locale)), *points);
                lines.push(i18n::milestone_reached(locale, *checkins, &reward));
            }
            Event::BadgeEarned { badge } => {
                if let Some(b) = campaign.badges.iter().find(|b| &b.id == badge) {
                    lines.push(i18n::badge_earned(locale, b.name.get(locale)));
                }
            }
            _ => {}
        }
    }
    lines
}

impl Reducible for CheckinFlow {
    type Action = CheckinAction;

    fn reduce(self: Rc<Self>, action: CheckinAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            CheckinAction::CheckIn => next.perform(Op::Checkin {}),
            // Too few points: say so at once, rather than offer a confirmation that would
            // leave "0 points" and then fail.
            CheckinAction::AskMakeup { balance, cost, .. } if balance < cost => {
                next.celebration = None;
                next.error = Some(Rejection::InsufficientBalance {
                    balance,
                    needed: cost,
                });
            }
            CheckinAction::AskMakeup { day, .. } => {
                next.confirming = Some(day);
                next.error = None;
            }
            CheckinAction::ConfirmMakeup => {
                if let Some(day) = next.confirming.take() {
                    next.perform(Op::MakeupCheckin { day });
                }
            }
            CheckinAction::Dismiss => {
                next.confirming = None;
                next.celebration = None;
                next.error = None;
            }
        }
        Rc::new(next)
    }
}

fn status_label(locale: Locale, status: DayStatus) -> &'static str {
    let u = ui(locale);
    match status {
        DayStatus::Done => u.legend_done,
        DayStatus::MadeUp => u.legend_made_up,
        DayStatus::Frozen => u.legend_frozen,
        DayStatus::Missed => u.legend_missed,
        DayStatus::Open => u.legend_today,
        DayStatus::Upcoming => u.legend_upcoming,
    }
}

fn status_name(status: DayStatus) -> &'static str {
    match status {
        DayStatus::Done => "done",
        DayStatus::MadeUp => "made-up",
        DayStatus::Frozen => "frozen",
        DayStatus::Missed => "missed",
        DayStatus::Open => "open",
        DayStatus::Upcoming => "upcoming",
    }
}

fn status_mark(status: DayStatus, can_make_up: bool) -> &'static str {
    match status {
        DayStatus::Done => "✓",
        DayStatus::MadeUp => "↺",
        DayStatus::Frozen => "❄",
        _ if can_make_up => "+",
        DayStatus::Missed => "·",
        DayStatus::Open | DayStatus::Upcoming => "",
    }
}

/// The check-in widget.
#[function_component(CheckinWidget)]
pub fn checkin_widget(props: &WidgetProps) -> Html {
    use_store(&props.store, WidgetKind::Checkin);
    let locale = props.locale;
    let u = ui(locale);
    let flow = {
        let (store, host) = (props.store.clone(), props.host.clone());
        use_reducer(move || CheckinFlow::new(Some(store), Some(host), locale))
    };
    let (calendar, balance) = props.store.with_member(|member, now| {
        let campaign = member.campaign();
        let calendar = siyu_core::view::calendar(campaign, member.local(), now);
        let balance = member.local().settled(campaign, now).ledger.balance();
        (calendar, balance)
    });
    let status =
        html! { <StatusBar store={props.store.clone()} kind={WidgetKind::Checkin} {locale} /> };
    let Some(calendar) = calendar else {
        return html! {
            <section class="widget checkin"><p class="empty">{ u.no_checkin }</p>{ status }</section>
        };
    };
    let on_checkin = {
        let flow = flow.clone();
        Callback::from(move |_| flow.dispatch(CheckinAction::CheckIn))
    };
    let next_line = calendar.next_milestone.as_ref().map(|next| {
        let m = &next.milestone;
        let reward =
            i18n::milestone_reward(locale, m.gift.as_ref().map(|g| g.get(locale)), m.points);
        i18n::more_days(locale, next.checkins_left, &reward)
    });
    let any_makeup = calendar.days.iter().any(|d| d.can_make_up);
    let cell = |day: &CalendarDay| {
        let label = {
            let mut label = format!(
                "{}: {}",
                i18n::date(locale, day.day),
                status_label(locale, day.status)
            );
            if let Some(m) = &day.milestone {
                let reward = i18n::milestone_reward(
                    locale,
                    m.gift.as_ref().map(|g| g.get(locale)),
                    m.points,
                );
                label.push_str(&format!(" · {} {reward}", u.legend_milestone));
            }
            if day.can_make_up {
                label.push_str(&format!(" · {}", i18n::makeup_day(locale, day.day)));
            }
            label
        };
        let status = status_name(day.status);
        let current = day.today.then_some("date");
        let inside = html! {
            <>
                <span class="wd" aria-hidden="true">{ i18n::weekday_short(locale, day.day) }</span>
                <span class="dn" aria-hidden="true">{ day.day.date().day }</span>
                <span class="mk" aria-hidden="true">{ status_mark(day.status, day.can_make_up) }</span>
                if day.milestone.is_some() {
                    <span class="gift">{ icon(Icon::Gift) }</span>
                }
            </>
        };
        if day.can_make_up {
            let flow = flow.clone();
            let d = day.day;
            let cost = calendar.makeup_cost;
            let onclick = Callback::from(move |_| {
                flow.dispatch(CheckinAction::AskMakeup {
                    day: d,
                    balance,
                    cost,
                })
            });
            html! {
                <li><button type="button" class="day" data-status={status} aria-current={current} aria-label={label} data-day={day.day.to_string()} {onclick}>{ inside }</button></li>
            }
        } else {
            html! { <li><span class="day" data-status={status} aria-current={current} role="img" aria-label={label} data-day={day.day.to_string()}>{ inside }</span></li> }
        }
    };
    let dialog = flow.confirming.map(|day| {
        let cost = calendar.makeup_cost;
        let text = i18n::makeup_question(locale, day, cost, balance.saturating_sub(cost));
        let on_confirm = {
            let flow = flow.clone();
            Callback::from(move |()| flow.dispatch(CheckinAction::ConfirmMakeup))
        };
        let on_cancel = {
            let flow = flow.clone();
            Callback::from(move |()| flow.dispatch(CheckinAction::Dismiss))
        };
        html! {
            <Dialog title={u.makeup_title} {text} confirm={i18n::makeup_day(locale, day)} cancel={u.cancel}
                {on_confirm} {on_cancel} />
        }
    });
    let on_dismiss = {
        let flow = flow.clone();
        Callback::from(move |_| flow.dispatch(CheckinAction::Dismiss))
    };
    html! {
        <section class="widget checkin" aria-labelledby="siyu-checkin-title">
            <div class="head">
                <h2 id="siyu-checkin-title" class="title">{ u.checkin_title }</h2>
                <p class="streak" data-streak={calendar.streak.to_string()}>
                    { icon(Icon::Flame) }{ i18n::streak(locale, calendar.streak) }
                </p>
            </div>
            // Done for today: the same button, still focusable (`aria-disabled`, not `disabled`,
            // which would send a keyboard user's focus back to the top of the host page).
            if calendar.checked_today {
                <button type="button" class="primary big" aria-disabled="true">{ "✓ " }{ u.checked_in_today }</button>
            } else {
                <button type="button" class="primary big" onclick={on_checkin}>
                    { i18n::checkin_button(locale, calendar.points_today) }
                </button>
            }
            if let Some(line) = next_line {
                <p class="next">{ line }</p>
            }
            <ol class="calendar">
                { for calendar.days.iter().map(cell) }
            </ol>
            <ul class="legend" aria-hidden="true">
                <li><span class="mk done">{ "✓" }</span>{ u.legend_done }</li>
                <li><span class="mk made-up">{ "↺" }</span>{ u.legend_made_up }</li>
                <li><span class="mk frozen">{ "❄" }</span>{ u.legend_frozen }</li>
                <li><span class="mk missed">{ "·" }</span>{ u.legend_missed }</li>
                <li><span class="mk gift-mk">{ icon(Icon::Gift) }</span>{ u.legend_milestone }</li>
            </ul>
            <p class="help">
                if any_makeup {
                    { u.makeup_hint }{ " " }
                }
                if calendar.makeup_cost > 0 || calendar.makeups_left > 0 {
                    { i18n::makeups_left(locale, calendar.makeups_left) }
                }
                if calendar.freezes_left > 0 {
                    { " · " }{ i18n::freezes_left(locale, calendar.freezes_left) }
                }
            </p>
            // A celebration whose operation the server refused (and was rolled back) is gone:
            // the store's notice says why.
            if let Some((serial, _, lines)) = flow.celebration.as_ref().filter(|(_, op, _)| props.store.still_applied(op)) {
                <div key={serial.to_string()} class="celebrate" role="status">
                    <span class="burst">{ icon(Icon::Burst) }</span>
                    { for lines.iter().map(|l| html! { <p>{ l }</p> }) }
                    <button type="button" class="link" onclick={on_dismiss.clone()}>{ u.dismiss }</button>
                </div>
            }
            if let Some(error) = &flow.error {
                <div class="error" role="alert">
                    <p>{ i18n::cannot(locale, &i18n::why_local(locale, error)) }</p>
                    <button type="button" class="link" onclick={on_dismiss}>{ u.dismiss }</button>
                </div>
            }
            if let Some(dialog) = dialog { { dialog } }
            { status }
        </section>
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use siyu_core::Timestamp;

    #[test]
    fn a_milestone_and_a_badge_are_celebrated_with_the_points() {
        let campaign = siyu_core::demo::beauty();
        let now = Timestamp::from_millis(1_796_000_000_000);
        let mut member =
            crate::member::Member::new(Rc::new(campaign.clone()), None, Vec::new(), now);
        let op = siyu_core::ClientOp {
            id: "c1".parse().unwrap(),
            occurred_at: now,
            op: Op::Checkin {},
        };
        let applied = member.perform(op, now).unwrap();
        let lines = celebrate(&applied, &campaign, Locale::En);
        assert_eq!(
            lines,
            ["Checked in! +5 points", "Badge earned: First check-in"]
        );
    }
}
