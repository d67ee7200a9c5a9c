//! Every string the widgets show, in Simplified Chinese and English, and the words for facts
//! the engine reports (rejections, ledger reasons, tags).
//!
//! Campaign texts come from the campaign in the customer's locale; everything else is here.

use siyu_core::campaign::Campaign;
use siyu_core::ids::Tag;
use siyu_core::ledger::Reason;
use siyu_core::locale::Locale;
use siyu_core::op::Op;
use siyu_core::{LocalDay, Rejection};

use crate::member::Rule;

/// The fixed strings of one locale.
#[derive(Debug)]
pub struct Ui {
    pub loading: &'static str,
    pub load_failed: &'static str,
    pub campaign_missing: &'static str,
    pub sync_refused: &'static str,
    pub retry: &'static str,
    pub all_saved: &'static str,
    pub syncing: &'static str,
    pub offline: &'static str,
    pub dismiss: &'static str,
    pub cancel: &'static str,
    pub confirm: &'static str,
    pub back: &'static str,
    pub next: &'static str,
    pub see_result: &'static str,
    pub result_heading: &'static str,
    pub plan_heading: &'static str,
    pub tags_heading: &'static str,
    pub recommended_heading: &'static str,
    pub view_product: &'static str,
    pub checkin_title: &'static str,
    pub checked_in_today: &'static str,
    pub makeup_hint: &'static str,
    pub makeup_title: &'static str,
    pub legend_done: &'static str,
    pub legend_made_up: &'static str,
    pub legend_frozen: &'static str,
    pub legend_missed: &'static str,
    pub legend_today: &'static str,
    pub legend_upcoming: &'static str,
    pub legend_milestone: &'static str,
    pub wallet_title: &'static str,
    pub balance: &'static str,
    pub badges_heading: &'static str,
    pub rewards_heading: &'static str,
    pub history_heading: &'static str,
    pub history_empty: &'static str,
    pub show_all: &'static str,
    pub show_less: &'static str,
    pub redeem: &'static str,
    pub redeem_title: &'static str,
    pub out_of_stock: &'static str,
    pub limit_reached: &'static str,
    pub not_yet_earned: &'static str,
    pub no_quiz: &'static str,
    pub no_checkin: &'static str,
    pub reason_quiz: &'static str,
    pub reason_expired: &'static str,
    pub reason_inactive: &'static str,
    pub weekdays: [&'static str; 7],
}

const ZH: Ui = Ui {
    loading: "加载中…",
    load_failed: "暂时无法加载，请检查网络后重试。",
    campaign_missing: "该活动暂不可用。",
    sync_refused: "暂时无法在此页面保存，更改已保存在本设备上",
    retry: "重试",
    all_saved: "已全部同步",
    syncing: "正在同步…",
    offline: "离线中：操作已保存在本机，联网后自动同步。",
    dismiss: "知道了",
    cancel: "取消",
    confirm: "确认",
    back: "上一题",
    next: "下一题",
    see_result: "查看结果",
    result_heading: "你的测试结果",
    plan_heading: "你的专属方案",
    tags_heading: "我们记下了",
    recommended_heading: "为你推荐",
    view_product: "查看商品",
    checkin_title: "每日打卡",
    checked_in_today: "今日已打卡",
    makeup_hint: "点击带 + 的漏签日期可以补签。",
    makeup_title: "补签",
    legend_done: "已打卡",
    legend_made_up: "已补签",
    legend_frozen: "已冻结（连续天数保住了）",
    legend_missed: "漏签",
    legend_today: "今天",
    legend_upcoming: "未到",
    legend_milestone: "里程碑奖励",
    wallet_title: "我的积分",
    balance: "可用积分",
    badges_heading: "我的徽章",
    rewards_heading: "积分兑换",
    history_heading: "积分明细",
    history_empty: "还没有积分记录：去打卡或做测试赚积分吧。",
    show_all: "查看全部",
    show_less: "收起",
    redeem: "兑换",
    redeem_title: "确认兑换",
    out_of_stock: "已兑完",
    limit_reached: "已达兑换上限",
    not_yet_earned: "（未获得）",
    no_quiz: "这个活动没有测试。",
    no_checkin: "这个活动没有打卡。",
    reason_quiz: "完成测试",
    reason_expired: "积分到期",
    reason_inactive: "长期未活动，积分清零",
    weekdays: ["周一", "周二", "周三", "周四", "周五", "周六", "周日"],
};

const EN: Ui = Ui {
    loading: "Loading…",
    load_failed: "Couldn't load. Check your connection and try again.",
    campaign_missing: "This campaign isn't available.",
    sync_refused: "Can't save on this page right now; changes are kept on this device",
    retry: "Try again",
    all_saved: "All changes saved",
    syncing: "Syncing…",
    offline: "Offline: saved on this device, and synced when you're back online.",
    dismiss: "Dismiss",
    cancel: "Cancel",
    confirm: "Confirm",
    back: "Back",
    next: "Next",
    see_result: "See my result",
    result_heading: "Your result",
    plan_heading: "Your plan",
    tags_heading: "What we noted",
    recommended_heading: "Recommended for you",
    view_product: "View product",
    checkin_title: "Daily check-in",
    checked_in_today: "Checked in today",
    makeup_hint: "Tap a missed day marked + to make it up.",
    makeup_title: "Make up a day",
    legend_done: "Checked in",
    legend_made_up: "Made up",
    legend_frozen: "Frozen (streak kept)",
    legend_missed: "Missed",
    legend_today: "Today",
    legend_upcoming: "Upcoming",
    legend_milestone: "Milestone reward",
    wallet_title: "My points",
    balance: "Points balance",
    badges_heading: "Badges",
    rewards_heading: "Rewards",
    history_heading: "Points history",
    history_empty: "No points yet: check in or take the quiz to earn some.",
    show_all: "Show all",
    show_less: "Show less",
    redeem: "Redeem",
    redeem_title: "Confirm redemption",
    out_of_stock: "Out of stock",
    limit_reached: "Limit reached",
    not_yet_earned: " (not yet earned)",
    no_quiz: "This campaign has no quiz.",
    no_checkin: "This campaign has no check-in.",
    reason_quiz: "Quiz completed",
    reason_expired: "Points expired",
    reason_inactive: "Expired after a long break",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
};

/// The fixed strings of `locale`.
pub fn ui(locale: Locale) -> &'static Ui {
    match locale {
        Locale::ZhCn => &ZH,
        Locale::En => &EN,
    }
}

/// The locale for a `lang` attribute or a browser language, if Siyu speaks it.
pub fn negotiate(tags: &[String]) -> Option<Locale> {
    tags.iter().find_map(|tag| Locale::negotiate(tag))
}

/// The locale to use: the customer's if the campaign offers it, else the campaign's default.
pub fn resolve(wanted: Option<Locale>, campaign: &Campaign) -> Locale {
    match wanted {
        Some(locale) if campaign.locales.contains(&locale) => locale,
        _ => campaign.default_locale,
    }
}

fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {many}")
    }
}

/// "12 points" / "12 积分"; "12,500 points".
pub fn points(locale: Locale, n: u64) -> String {
    match locale {
        Locale::ZhCn => format!("{} 积分", grouped(n)),
        Locale::En if n == 1 => plural(n, "point", "points"),
        Locale::En => format!("{} points", grouped(n)),
    }
}

/// A number with its thousands marked, as both languages write amounts: "999,999".
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

/// A signed amount of points for a history line: "+15" / "−100".
pub fn signed(n: i64) -> String {
    if n >= 0 {
        format!("+{n}")
    } else {
        format!("\u{2212}{}", n.unsigned_abs())
    }
}

/// Monday = 0.
fn weekday(day: LocalDay) -> usize {
    // Day 0 (1970-01-01) was a Thursday.
    (day.0 + 3).rem_euclid(7) as usize
}

/// "11月24日 周二" / "Tue 24 Nov".
pub fn date(locale: Locale, day: LocalDay) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let d = day.date();
    let wd = ui(locale).weekdays[weekday(day)];
    match locale {
        Locale::ZhCn => format!("{}月{}日 {wd}", d.month, d.day),
        Locale::En => format!("{wd} {} {}", d.day, MONTHS[usize::from(d.month - 1)]),
    }
}

/// "11月24日" / "24 Nov 2026", for expiry dates.
pub fn long_date(locale: Locale, day: LocalDay) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let d = day.date();
    match locale {
        Locale::ZhCn => format!("{}年{}月{}日", d.year, d.month, d.day),
        Locale::En => format!("{} {} {}", d.day, MONTHS[usize::from(d.month - 1)], d.year),
    }
}

/// The one-letter (or one-character) weekday heading of a calendar column.
pub fn weekday_short(locale: Locale, day: LocalDay) -> &'static str {
    const ZH_SHORT: [&str; 7] = ["一", "二", "三", "四", "五", "六", "日"];
    const EN_SHORT: [&str; 7] = ["M", "T", "W", "T", "F", "S", "S"];
    match locale {
        Locale::ZhCn => ZH_SHORT[weekday(day)],
        Locale::En => EN_SHORT[weekday(day)],
    }
}

/// "Question 3 of 9".
pub fn question_of(locale: Locale, index: usize, total: usize) -> String {
    match locale {
        Locale::ZhCn => format!("第 {index} 题，共 {total} 题"),
        Locale::En => format!("Question {index} of {total}"),
    }
}

/// "2 of 3 chosen".
pub fn chosen_of(locale: Locale, chosen: usize, max: usize) -> String {
    match locale {
        Locale::ZhCn => format!("已选 {chosen} 项，最多 {max} 项"),
        Locale::En => format!("{chosen} of up to {max} chosen"),
    }
}

/// "Choose at least 1, up to 3": a multiple choice with nothing chosen yet (Next waits).
pub fn choose_at_least_one(locale: Locale, max: usize) -> String {
    match locale {
        Locale::ZhCn => format!("请至少选 1 项，最多 {max} 项"),
        Locale::En => format!("Choose at least 1, up to {max}"),
    }
}

/// "You earned 50 points for finishing the quiz".
pub fn quiz_points(locale: Locale, n: u64) -> String {
    match locale {
        Locale::ZhCn => format!("完成测试，获得 {n} 积分"),
        Locale::En => format!("You earned {} for finishing the quiz", points(locale, n)),
    }
}

/// "Check in · +10 points".
pub fn checkin_button(locale: Locale, n: u64) -> String {
    match locale {
        Locale::ZhCn => format!("立即打卡 +{n} 积分"),
        Locale::En => format!("Check in · +{}", points(locale, n)),
    }
}

/// "3-day streak".
pub fn streak(locale: Locale, n: u32) -> String {
    match locale {
        Locale::ZhCn => format!("已连续打卡 {n} 天"),
        Locale::En => format!("{n}-day streak"),
    }
}

/// What a milestone gives: "Free sample + 50 points".
pub fn milestone_reward(locale: Locale, gift: Option<&str>, pts: u64) -> String {
    match (gift, pts) {
        (Some(gift), 0) => gift.to_owned(),
        (Some(gift), _) => format!("{gift} + {}", points(locale, pts)),
        (None, _) => points(locale, pts),
    }
}

/// "3 more days → free sample".
pub fn more_days(locale: Locale, n: u16, reward: &str) -> String {
    match locale {
        Locale::ZhCn => format!("再打卡 {n} 天 → {reward}"),
        Locale::En if n == 1 => format!("1 more day → {reward}"),
        Locale::En => format!("{n} more days → {reward}"),
    }
}

/// "2 make-ups left this cycle".
pub fn makeups_left(locale: Locale, n: u16) -> String {
    match locale {
        Locale::ZhCn => format!("本周期还可补签 {n} 次"),
        Locale::En if n == 1 => "1 make-up left this cycle".to_owned(),
        Locale::En => format!("{n} make-ups left this cycle"),
    }
}

/// "Make up Tue 24 Nov for 30 points? You'll have 25 left."
pub fn makeup_question(locale: Locale, day: LocalDay, cost: u64, after: u64) -> String {
    match locale {
        Locale::ZhCn => format!(
            "花 {cost} 积分补签 {}？补签后剩余 {after} 积分。",
            date(locale, day)
        ),
        Locale::En => format!(
            "Make up {} for {}? You'll have {after} left.",
            date(locale, day),
            points(locale, cost)
        ),
    }
}

/// "Make up Tue 24 Nov".
pub fn makeup_day(locale: Locale, day: LocalDay) -> String {
    match locale {
        Locale::ZhCn => format!("补签 {}", date(locale, day)),
        Locale::En => format!("Make up {}", date(locale, day)),
    }
}

/// "Checked in! +10 points".
pub fn checked_in(locale: Locale, n: i64) -> String {
    match locale {
        Locale::ZhCn => format!("打卡成功！{} 积分", signed(n)),
        Locale::En => format!("Checked in! {} points", signed(n)),
    }
}

/// "Made up! −30 points".
pub fn made_up(locale: Locale, day: LocalDay, n: i64) -> String {
    match locale {
        Locale::ZhCn => format!("已补签 {}（{} 积分）", date(locale, day), signed(n)),
        Locale::En => format!("{} made up ({} points)", date(locale, day), signed(n)),
    }
}

/// "Milestone reached: 7 check-ins → free sample".
pub fn milestone_reached(locale: Locale, checkins: u16, reward: &str) -> String {
    match locale {
        Locale::ZhCn => format!("达成 {checkins} 次打卡里程碑：{reward}"),
        Locale::En => format!("Milestone reached: {checkins} check-ins → {reward}"),
    }
}

/// "Badge earned: First check-in".
pub fn badge_earned(locale: Locale, name: &str) -> String {
    match locale {
        Locale::ZhCn => format!("获得徽章：{name}"),
        Locale::En => format!("Badge earned: {name}"),
    }
}

/// "Freezes left: 1".
pub fn freezes_left(locale: Locale, n: u16) -> String {
    match locale {
        Locale::ZhCn => format!("断签保护剩余 {n} 次"),
        Locale::En if n == 1 => "1 streak freeze left".to_owned(),
        Locale::En => format!("{n} streak freezes left"),
    }
}

/// "120 points expire after 24 Nov 2027".
pub fn expiring(locale: Locale, n: u64, last_day: LocalDay) -> String {
    match locale {
        Locale::ZhCn => format!("{n} 积分将于 {} 后过期", long_date(locale, last_day)),
        Locale::En => format!(
            "{} expire after {}",
            points(locale, n),
            long_date(locale, last_day)
        ),
    }
}

/// "120 more points to Gold".
pub fn next_tier(locale: Locale, n: u64, tier: &str) -> String {
    match locale {
        Locale::ZhCn => format!("再获得 {n} 积分升级为{tier}"),
        Locale::En => format!("{} more to {tier}", points(locale, n)),
    }
}

/// "3 changes waiting to sync".
pub fn pending(locale: Locale, n: usize) -> String {
    match locale {
        Locale::ZhCn => format!("{n} 项操作等待同步"),
        Locale::En if n == 1 => "1 change waiting to sync".to_owned(),
        Locale::En => format!("{n} changes waiting to sync"),
    }
}

/// "12 left".
pub fn stock_left(locale: Locale, n: u32) -> String {
    match locale {
        Locale::ZhCn => format!("剩余 {n} 件"),
        Locale::En => format!("{n} left"),
    }
}

/// "1 per person".
pub fn per_person(locale: Locale, limit: u32) -> String {
    match locale {
        Locale::ZhCn => format!("每人限兑 {limit} 次"),
        Locale::En => format!("{limit} per person"),
    }
}

/// "40 more points needed".
pub fn need_more(locale: Locale, n: u64) -> String {
    match locale {
        Locale::ZhCn => format!("还差 {n} 积分"),
        Locale::En => format!("{} more needed", points(locale, n)),
    }
}

/// "Redeem “Serum sample” for 100 points? You'll have 25 left."
pub fn redeem_question(locale: Locale, name: &str, cost: u64, after: u64) -> String {
    match locale {
        Locale::ZhCn => format!("用 {cost} 积分兑换「{name}」？兑换后剩余 {after} 积分。"),
        Locale::En => format!(
            "Redeem “{name}” for {}? You'll have {after} left.",
            points(locale, cost)
        ),
    }
}

/// "Redeemed: Serum sample. Show this at the counter."
pub fn redeemed(locale: Locale, name: &str) -> String {
    match locale {
        Locale::ZhCn => format!("兑换成功：{name}。我们会尽快安排发放。"),
        Locale::En => format!("Redeemed: {name}. We'll be in touch to hand it over."),
    }
}

/// Why points moved, for the history.
pub fn reason(locale: Locale, reason: &Reason, campaign: &Campaign) -> String {
    let u = ui(locale);
    match reason {
        Reason::Checkin { day } => match locale {
            Locale::ZhCn => format!("{} 打卡", date(locale, *day)),
            Locale::En => format!("Check-in, {}", date(locale, *day)),
        },
        Reason::Makeup { day } => makeup_day(locale, *day),
        Reason::Milestone { checkins, .. } => match locale {
            Locale::ZhCn => format!("打卡里程碑（{checkins} 次）"),
            Locale::En => format!("Check-in milestone ({checkins})"),
        },
        Reason::QuizCompleted => u.reason_quiz.to_owned(),
        Reason::Purchase {
            reference,
            amount_minor,
        } => {
            let amount = format!("¥{}.{:02}", grouped(amount_minor / 100), amount_minor % 100);
            match locale {
                Locale::ZhCn => format!("购物 {amount}（订单 {reference}）"),
                Locale::En => format!("Purchase of {amount} (order {reference})"),
            }
        }
        Reason::Redemption { reward } => {
            let name = campaign
                .reward(reward)
                .map_or(reward.as_str(), |r| r.name.get(locale));
            match locale {
                Locale::ZhCn => format!("兑换「{name}」"),
                Locale::En => format!("Redeemed “{name}”"),
            }
        }
        Reason::Expired => u.reason_expired.to_owned(),
        Reason::Inactive => u.reason_inactive.to_owned(),
        Reason::Correction { note } => match locale {
            Locale::ZhCn => format!("调整：{note}"),
            Locale::En => format!("Adjustment: {note}"),
        },
    }
}

/// What an operation was, for an explanation: "Your check-in for Tue 24 Nov".
pub fn what(locale: Locale, op: &Op, day: LocalDay, campaign: &Campaign) -> String {
    match (op, locale) {
        (Op::Checkin {}, Locale::ZhCn) => format!("{} 的打卡", date(locale, day)),
        (Op::Checkin {}, Locale::En) => format!("Your check-in for {}", date(locale, day)),
        (Op::MakeupCheckin { day }, Locale::ZhCn) => format!("{} 的补签", date(locale, *day)),
        (Op::MakeupCheckin { day }, Locale::En) => {
            format!("The make-up for {}", date(locale, *day))
        }
        (Op::SubmitQuiz { .. }, Locale::ZhCn) => "你的测试答案".to_owned(),
        (Op::SubmitQuiz { .. }, Locale::En) => "Your quiz answers".to_owned(),
        (Op::Redeem { reward }, _) => {
            let name = campaign
                .reward(reward)
                .map_or(reward.as_str(), |r| r.name.get(locale));
            match locale {
                Locale::ZhCn => format!("兑换「{name}」"),
                Locale::En => format!("Redeeming “{name}”"),
            }
        }
        (_, Locale::ZhCn) => "这项操作".to_owned(),
        (_, Locale::En) => "This action".to_owned(),
    }
}

/// Why the rules refused something, in the customer's words.
pub fn why(locale: Locale, rejection: &Rule) -> String {
    let zh = locale == Locale::ZhCn;
    let n = |field: &str| match field {
        "grace_hours" => rejection.grace_hours,
        "balance" => rejection.balance,
        "needed" => rejection.needed,
        "limit" => rejection.limit,
        _ => rejection.per_cycle_max,
    };
    let (zh_text, en_text): (String, String) = match rejection.rule.as_str() {
        "claimed_time_in_future" => (
            "这台设备的时间比服务器快，请校准时间".into(),
            "this device's clock is ahead of the server's; please check its time".into(),
        ),
        "claimed_time_before_last_contact" => (
            "它的时间早于这台设备上次联网的时间".into(),
            "it claims a time before this device last synced".into(),
        ),
        "claimed_time_outside_grace" => (
            format!("离线超过 {} 小时才同步，已无法计入", n("grace_hours")),
            format!(
                "it reached us more than {} hours after it happened",
                n("grace_hours")
            ),
        ),
        "campaign_not_running" => (
            "活动在那天没有进行".into(),
            "the campaign wasn't running that day".into(),
        ),
        "already_checked_in_today" | "makeup_day_already_checked" => (
            "那天已经打过卡了".into(),
            "that day was already checked in".into(),
        ),
        "makeup_not_offered" => (
            "这个活动不提供补签".into(),
            "this campaign doesn't offer make-ups".into(),
        ),
        "makeup_for_today_or_future" | "makeup_outside_window" | "makeup_outside_cycle" => (
            "那天已经不能补签了".into(),
            "that day can no longer be made up".into(),
        ),
        "makeup_limit_reached" => (
            format!("本周期 {} 次补签机会已用完", n("per_cycle_max")),
            format!("all {} make-ups of this cycle are used", n("per_cycle_max")),
        ),
        "insufficient_balance" => (
            format!("积分不足：需要 {}，现有 {}", n("needed"), n("balance")),
            format!(
                "not enough points: {} needed, {} available",
                n("needed"),
                n("balance")
            ),
        ),
        "unknown_reward" => (
            "这个奖励已经下架".into(),
            "that reward is no longer offered".into(),
        ),
        "out_of_stock" => ("它已经被兑完了".into(), "it has run out".into()),
        "redemption_limit_reached" => (
            format!("已达每人 {} 次的兑换上限", n("limit")),
            format!("you've reached the limit of {} per person", n("limit")),
        ),
        "no_quiz" | "no_checkin" => ("活动已调整".into(), "the campaign has changed".into()),
        "quiz_already_completed" => (
            "测试只能完成一次".into(),
            "the quiz counts only once".into(),
        ),
        "invalid_answers" => (
            "答案与当前测试不符（测试可能已更新）".into(),
            "the answers don't fit the quiz (it may have changed)".into(),
        ),
        _ => (
            "活动规则不允许这样做".into(),
            "the campaign's rules don't allow it".into(),
        ),
    };
    if zh {
        zh_text
    } else {
        en_text
    }
}

/// [`why`] for a rejection `core::decide` returned on this device.
pub fn why_local(locale: Locale, rejection: &Rejection) -> String {
    why(locale, &Rule::of(rejection))
}

/// A refusal explained: "Your check-in for Tue 24 Nov wasn't accepted: …. We've undone it."
pub fn refused(locale: Locale, what: &str, why: &str) -> String {
    match locale {
        Locale::ZhCn => format!("{what}未被服务器接受：{why}。已为你撤销。"),
        Locale::En => format!("{what} wasn't accepted: {why}. We've undone it."),
    }
}

/// A local refusal, before anything was sent: "Couldn't do that: …".
pub fn cannot(locale: Locale, why: &str) -> String {
    match locale {
        Locale::ZhCn => format!("无法完成：{why}。"),
        Locale::En => format!("Couldn't do that: {why}."),
    }
}

/// A tag in the customer's words: the label the campaign gives it, the title of the outcome
/// that carries it, or the tag's value made readable.
pub fn tag(locale: Locale, tag: &Tag, campaign: &Campaign) -> String {
    if let Some(quiz) = &campaign.quiz {
        let named = quiz.tag_label(tag).or_else(|| {
            let outcome = quiz.outcomes.iter().find(|o| o.tags.contains(tag))?;
            Some(&outcome.title)
        });
        if let Some(name) = named {
            return name.get(locale).to_owned();
        }
    }
    let value = tag.as_str().rsplit(':').next().unwrap_or(tag.as_str());
    let mut words = value.replace(['-', '_'], " ");
    // Tags are ASCII (the core's id rules), so ASCII's upper case is exact here; `to_uppercase`
    // would bring Unicode's case tables into the wasm (16 KB) for this one letter.
    if let Some(first) = words.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    words
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn large_amounts_have_their_thousands_marked() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_000), "1,000");
        assert_eq!(grouped(999_999), "999,999");
        assert_eq!(grouped(12_345_678), "12,345,678");
        assert_eq!(points(Locale::En, 1), "1 point");
        assert_eq!(points(Locale::En, 12_500), "12,500 points");
        assert_eq!(points(Locale::ZhCn, 12_500), "12,500 积分");
    }

    #[test]
    fn dates_read_naturally_in_both_languages() {
        let day = LocalDay::parse("2026-11-24").unwrap();
        assert_eq!(date(Locale::En, day), "Tue 24 Nov");
        assert_eq!(date(Locale::ZhCn, day), "11月24日 周二");
        assert_eq!(long_date(Locale::En, day), "24 Nov 2026");
    }

    #[test]
    fn tags_are_shown_in_customer_words() {
        let campaign = siyu_core::demo::beauty();
        let check = |t: &str, locale, expected: &str| {
            assert_eq!(tag(locale, &t.parse().unwrap(), &campaign), expected);
        };
        check("skin:oily", Locale::En, "Oily skin");
        check("skin:oily", Locale::ZhCn, "油性肌肤");
        check("concern:redness", Locale::ZhCn, "容易泛红");
        check("mood:very-calm", Locale::En, "Very calm");
    }

    #[test]
    fn every_rejection_a_customer_can_meet_is_explained_in_both_languages() {
        let campaign = siyu_core::demo::beauty();
        let rejection = Rejection::InsufficientBalance {
            balance: 5,
            needed: 30,
        };
        assert_eq!(
            why_local(Locale::En, &rejection),
            "not enough points: 30 needed, 5 available"
        );
        assert!(why_local(Locale::ZhCn, &rejection).contains("积分不足"));
        let grace = Rule::of(&Rejection::ClaimedTimeOutsideGrace { grace_hours: 48 });
        assert!(why(Locale::En, &grace).contains("48 hours"));
        let _ = campaign;
    }

    #[test]
    fn the_campaign_default_is_used_for_a_language_it_does_not_offer() {
        let campaign = siyu_core::demo::beauty();
        assert_eq!(resolve(None, &campaign), Locale::ZhCn);
        assert_eq!(resolve(Some(Locale::En), &campaign), Locale::En);
        assert_eq!(
            negotiate(&["fr-FR".into(), "en-GB".into()]),
            Some(Locale::En)
        );
    }
}
