//! The scripted demo behind `cargo xtask demo` (until the widgets land): one customer's 30
//! days in the beauty brand's campaign, run through the real core, printed day by day.
//!
//! Quiz, daily check-ins with a missed day made up and another left missed, milestones, a
//! purchase credited by the brand, a redemption, a refused redemption and a refused forward-
//! dated check-in, and the expiry of a year-old lot.

use siyu_core::checkin::DayStatus;
use siyu_core::ledger::Reason;
use siyu_core::locale::Locale;
use siyu_core::op::{apply, Actor, ClientOp, Context, Event, Op, StockTaken};
use siyu_core::{demo, view, Campaign, LocalDay, MemberState, Timestamp};

/// The first day of the walk.
const FIRST_DAY: &str = "2026-12-15";
/// Days walked.
const DAYS: i32 = 30;

/// Walks through the demo.
pub fn run() -> anyhow::Result<()> {
    let campaign = demo::beauty();
    let mut walk = Walk::new(&campaign);
    println!(
        "\nSiyu demo: a customer's 30 days in \"{}\" / \"{}\" (zone {}).\n",
        campaign.name.get(Locale::En),
        campaign.name.get(Locale::ZhCn),
        campaign.time_zone
    );
    // A purchase from last January: its lot expires after a year, during the walk.
    let prologue = walk.at(LocalDay::parse("2026-01-10")?, 15);
    walk.act(
        "2026-01-10",
        prologue,
        Actor::Brand,
        Op::CreditPurchase {
            reference: "order-2026-0110".parse()?,
            amount_minor: 39_900,
        },
    );

    let first = LocalDay::parse(FIRST_DAY)?;
    for n in 0..DAYS {
        let day = first.plus(n);
        let morning = walk.at(day, 8);
        let label = day.to_string();
        match n {
            3 | 17 => walk.note(&label, "(no check-in: the customer forgot)"),
            _ => walk.act(&label, morning, Actor::Customer, Op::Checkin {}),
        }
        match n {
            0 => {
                let answers = serde_json::from_str(QUIZ_ANSWERS)?;
                walk.act(
                    &label,
                    morning.plus_seconds(600),
                    Actor::Customer,
                    Op::SubmitQuiz { answers },
                );
            }
            4 => walk.act(
                &label,
                morning.plus_seconds(60),
                Actor::Customer,
                Op::MakeupCheckin { day: first.plus(3) },
            ),
            9 => walk.act(
                &label,
                walk.at(day, 20),
                Actor::Brand,
                Op::CreditPurchase {
                    reference: "order-2026-1224".parse()?,
                    amount_minor: 52_000,
                },
            ),
            12 => walk.act(
                &label,
                walk.at(day, 19),
                Actor::Customer,
                Op::Redeem {
                    reward: "sample-serum".parse()?,
                },
            ),
            18 => {
                walk.act(
                    &label,
                    walk.at(day, 9),
                    Actor::Customer,
                    Op::Redeem {
                        reward: "vip-facial".parse()?,
                    },
                );
                walk.forward_dated(&label, walk.at(day, 10));
            }
            _ => {}
        }
    }
    walk.summary(first.plus(DAYS - 1));
    Ok(())
}

/// A skin-quiz answer set that comes out as combination skin.
const QUIZ_ANSWERS: &str = r#"{"after-cleanse":{"choice":"shiny-tzone"},"midday":{"choice":"shiny-tzone"},"tzone-shine":{"choice":"cheeks-normal"},"pores":{"choice":"large-tzone"},"reaction":{"choice":"never"},"concerns":{"choices":["pores"]},"tightness":{"scale":2},"breakouts":{"choice":"monthly"},"spf":{"choice":"sunny-days"}}"#;

struct Walk<'c> {
    campaign: &'c Campaign,
    member: MemberState,
    stock: StockTaken,
    next_id: u32,
}

impl<'c> Walk<'c> {
    fn new(campaign: &'c Campaign) -> Self {
        let member = MemberState::new(
            campaign.id.clone(),
            "demo-customer".parse().expect("valid id"),
        );
        Self {
            campaign,
            member,
            stock: StockTaken::new(),
            next_id: 0,
        }
    }

    fn at(&self, day: LocalDay, hour: i64) -> Timestamp {
        self.campaign
            .zone()
            .start_of_day(day)
            .plus_seconds(hour * 3_600)
    }

    fn note(&self, label: &str, text: &str) {
        println!("{label}  {text}");
    }

    /// A customer whose phone clock is a day ahead tries to check in for tomorrow.
    fn forward_dated(&mut self, label: &str, now: Timestamp) {
        self.next_id += 1;
        let op = ClientOp {
            id: format!("demo-{}", self.next_id).parse().expect("valid id"),
            occurred_at: now.plus_days(1),
            op: Op::Checkin {},
        };
        let ctx = Context {
            stock_taken: &self.stock,
            handed_over: false,
            ..Context::new(now, Actor::Customer)
        };
        match apply(self.campaign, &mut self.member, &op, &ctx) {
            Ok(_) => println!("{label}  !! a forward-dated check-in was accepted (this is a bug)"),
            Err(rejection) => {
                println!("{label}  check-in from a phone set a day ahead → refused: {rejection}")
            }
        }
    }

    fn act(&mut self, label: &str, now: Timestamp, actor: Actor, op: Op) {
        self.next_id += 1;
        let what = describe(&op);
        let op = ClientOp {
            id: format!("demo-{}", self.next_id).parse().expect("valid id"),
            occurred_at: now,
            op,
        };
        let ctx = Context {
            stock_taken: &self.stock,
            handed_over: false,
            ..Context::new(now, actor)
        };
        match apply(self.campaign, &mut self.member, &op, &ctx) {
            Ok(applied) => {
                if let Some(reward) = applied.stock_taken() {
                    *self.stock.get_or_insert_with(reward.clone(), || 0) += 1;
                }
                let today = self.campaign.zone().local_day(now);
                println!(
                    "{label}  {what:<34} {:>+5} pts  balance {:>5}  streak {}",
                    applied.points_delta(),
                    self.member.ledger.balance(),
                    self.member.checkins.current_streak(today)
                );
                for event in &applied.events {
                    if let Some(text) = self.explain(event) {
                        println!("            └ {text}");
                    }
                }
            }
            Err(rejection) => println!(
                "{label}  {what:<34} refused: {rejection} [{}]",
                rejection.code()
            ),
        }
    }

    fn explain(&self, event: &Event) -> Option<String> {
        let en = Locale::En;
        Some(match event {
            Event::MilestoneReached {
                checkins,
                points,
                gift,
                ..
            } => {
                let gift = gift
                    .as_ref()
                    .map(|g| format!(" + gift: {}", g.get(en)))
                    .unwrap_or_default();
                format!("milestone: {checkins} check-ins this cycle → {points} points{gift}")
            }
            Event::QuizCompleted { result, .. } => {
                let quiz = self.campaign.quiz.as_ref()?;
                let outcome = quiz.outcomes.iter().find(|o| o.id == result.outcome)?;
                let tags: Vec<&str> = result.tags.iter().map(|t| t.as_str()).collect();
                format!(
                    "outcome: {} / {}; tags for the CRM: {}",
                    outcome.title.get(en),
                    outcome.title.get(Locale::ZhCn),
                    tags.join(", ")
                )
            }
            Event::BadgeEarned { badge } => {
                let name = self
                    .campaign
                    .badges
                    .iter()
                    .find(|b| &b.id == badge)
                    .map(|b| b.name.get(en).to_owned())
                    .unwrap_or_default();
                format!("badge earned: {name}")
            }
            Event::PointsExpired { points } => {
                format!("{points} points of a year-old lot expired first")
            }
            Event::CycleStarted { cycle } => format!(
                "a new 7-day cycle starts ({} – {})",
                cycle.start,
                cycle.end.plus(-1)
            ),
            Event::Redeemed { reward, .. } => {
                let name = self
                    .campaign
                    .reward(reward)
                    .map(|r| r.name.get(en).to_owned())
                    .unwrap_or_default();
                format!("redeemed: {name}")
            }
            _ => return None,
        })
    }

    fn summary(&self, last: LocalDay) {
        let now = self.at(last, 21);
        let wallet = view::wallet(self.campaign, &self.member, now, &self.stock);
        println!("\nWallet on {last}:");
        println!(
            "  balance {} (lifetime earned {}), tier {}, stage {:?}",
            wallet.balance,
            wallet.earned,
            wallet.tier.as_ref().map_or("-", |t| t.tier.as_str()),
            wallet.stage
        );
        if let Some(next) = wallet.tier.as_ref().and_then(|t| t.next.as_ref()) {
            println!(
                "  {} more points earned within the year → {}",
                next.1, next.0
            );
        }
        for expiring in wallet.expiring.iter().take(3) {
            println!(
                "  {} points expire after {}",
                expiring.points, expiring.last_day
            );
        }
        println!(
            "  badges: {}",
            wallet
                .badges
                .iter()
                .map(|b| b.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!(
            "  tags:   {}",
            wallet
                .tags
                .iter()
                .map(|t| t.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        );
        println!("  last history lines (why points changed):");
        for line in wallet.history.iter().take(6) {
            println!(
                "    {}  {:>+5}  {}",
                line.day,
                line.points,
                reason(&line.reason)
            );
        }
        if let Some(calendar) = view::calendar(self.campaign, &self.member, now) {
            let marks: String = calendar
                .days
                .iter()
                .map(|d| match d.status {
                    DayStatus::Done => '✓',
                    DayStatus::MadeUp => '+',
                    DayStatus::Frozen => '*',
                    DayStatus::Missed => '✗',
                    DayStatus::Open => '○',
                    DayStatus::Upcoming => '·',
                })
                .collect();
            println!("\nCheck-in calendar {} – {}: {marks}  (✓ done, + made up, ✗ missed, ○ today, · ahead)", calendar.cycle_start, calendar.cycle_end.plus(-1));
            println!(
                "  streak {} (longest {}), {} check-ins this cycle",
                calendar.streak, calendar.longest_streak, calendar.checkins_in_cycle
            );
            if let Some(next) = calendar.next_milestone {
                println!(
                    "  {} more day(s) → {} points",
                    next.checkins_left, next.milestone.points
                );
            }
        }
        let later = |days| self.member.stage(self.campaign, last.plus(days));
        println!(
            "\nLifecycle if the customer goes quiet: +3 days {:?}, +30 days {:?}.",
            later(3),
            later(30)
        );
        println!("\nThe widgets and the server that will run this for real come with their issues; `cargo xtask test` runs the checks.");
    }
}

fn describe(op: &Op) -> String {
    match op {
        Op::Checkin {} => "check-in".into(),
        Op::MakeupCheckin { day } => format!("make-up check-in for {day} (补签)"),
        Op::SubmitQuiz { .. } => "skin quiz submitted".into(),
        Op::Redeem { reward } => format!("redeem {reward}"),
        Op::CreditPurchase { amount_minor, .. } => {
            format!("brand credits a ¥{} purchase", amount_minor / 100)
        }
        Op::Adjust { points, .. } => format!("brand correction {points:+}"),
    }
}

fn reason(reason: &Reason) -> String {
    match reason {
        Reason::Checkin { day } => format!("check-in {day}"),
        Reason::Makeup { day } => format!("make-up for {day}"),
        Reason::Milestone { checkins, .. } => format!("milestone: {checkins} check-ins"),
        Reason::QuizCompleted => "skin quiz completed".into(),
        Reason::Purchase { reference, .. } => format!("purchase {reference}"),
        Reason::Redemption { reward } => format!("redeemed {reward}"),
        Reason::Expired => "expired (lot over a year old)".into(),
        Reason::Inactive => "expired after inactivity".into(),
        Reason::Correction { note } => format!("correction: {note}"),
    }
}
