//! Campaign validation: every rule a config must satisfy, each problem reported with its path.
//! Kept apart from the config types so that `campaign.rs` reads as the schema.

use crate::campaign::*;
use crate::ids::{DimensionId, QuestionId, Tag};
use crate::locale::{Locale, Text};
use crate::sorted_map::SortedSet;

/// The longest theme value, in characters.
const THEME_VALUE_CHARS_MAX: usize = 100;
/// The longest offline grace window: 30 days.
const GRACE_HOURS_MAX: u32 = 30 * 24;

pub(crate) fn campaign(c: &Campaign, p: &mut Problems) {
    if c.schema_version != CAMPAIGN_SCHEMA_VERSION {
        p.push(
            "schema_version",
            format!(
                "must be {CAMPAIGN_SCHEMA_VERSION}, found {}",
                c.schema_version
            ),
        );
    }
    if c.revision == 0 {
        p.push("revision", "must be at least 1");
    }
    if c.locales.is_empty() {
        p.push("locales", "at least one locale is required");
    }
    if c.locales.iter().collect::<SortedSet<_>>().len() != c.locales.len() {
        p.push("locales", "a locale is listed twice");
    }
    if !c.locales.contains(&c.default_locale) {
        p.push(
            "default_locale",
            format!(
                "\"{}\" is not among the campaign's locales",
                c.default_locale.tag()
            ),
        );
    }
    let l = &c.locales;
    text(p, "name", &c.name, l);
    zone(c, p);
    if let Some(ends) = c.ends_on {
        if ends < c.starts_on {
            p.push(
                "ends_on",
                format!("{ends} is before starts_on {}", c.starts_on),
            );
        }
    }
    theme(&c.theme, p);
    if let Some(quiz) = &c.quiz {
        self::quiz(quiz, l, p);
    }
    points(&c.points, p);
    if let Some(checkin) = &c.checkin {
        self::checkin(checkin, l, p);
    }
    rewards(&c.rewards, l, p);
    if let Some(tiers) = &c.tiers {
        self::tiers(tiers, l, p);
    }
    badges(c, p);
    let life = &c.lifecycle;
    if life.at_risk_days == 0 {
        p.push("lifecycle.at_risk_days", "must be at least 1");
    }
    if life.dormant_days <= life.at_risk_days {
        p.push(
            "lifecycle.dormant_days",
            format!("must be more than at_risk_days ({})", life.at_risk_days),
        );
    }
    if c.offline.grace_hours > GRACE_HOURS_MAX {
        p.push(
            "offline.grace_hours",
            format!("must be at most {GRACE_HOURS_MAX} (30 days)"),
        );
    }
    // 0 would refuse every check-in: one is always a moment old when it reaches the server.
    if c.offline.grace_hours == 0 {
        p.push(
            "offline.grace_hours",
            "must be at least 1: an operation is always a little old when it reaches the server",
        );
    }
}

fn text(p: &mut Problems, path: &str, text: &Text, locales: &[Locale]) {
    for missing in text.missing(locales) {
        p.push(path, format!("missing the \"{}\" text", missing.tag()));
    }
    if text.too_long() {
        p.push(
            path,
            format!(
                "a text is longer than {} characters",
                crate::locale::TEXT_CHARS_MAX
            ),
        );
    }
}

fn zone(c: &Campaign, p: &mut Problems) {
    let plausible = !c.time_zone.is_empty()
        && c.time_zone.len() <= 64
        && c.time_zone
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '/' | '_' | '-' | '+'));
    if !plausible {
        p.push(
            "time_zone",
            format!(
                "\"{}\" is not an IANA time zone name",
                c.time_zone.chars().take(64).collect::<String>()
            ),
        );
        return;
    }
    match &c.zone_rules {
        // Publishing (the `tzdb` feature) derives the rules from the name: the name is wrong.
        None if cfg!(feature = "tzdb") => p.push(
            "time_zone",
            format!(
                "\"{}\" is not a zone of the IANA time zone database (e.g. \"Asia/Shanghai\")",
                c.time_zone
            ),
        ),
        // Elsewhere the rules come with the published campaign.
        None => p.push(
            "zone_rules",
            format!(
                "no rules for \"{}\": a campaign carries them once published through the server (which fills them from the IANA time zone database)",
                c.time_zone
            ),
        ),
        Some(rules) => {
            if let Err(e) = rules.check() {
                p.push("zone_rules", e.to_string());
            }
        }
    }
}

fn theme(t: &Theme, p: &mut Problems) {
    for (name, value) in [
        ("primary", &t.primary),
        ("accent", &t.accent),
        ("radius", &t.radius),
        ("font", &t.font),
    ] {
        let Some(value) = value else { continue };
        // These land in CSS custom properties; refuse anything that could end the declaration.
        if value.chars().count() > THEME_VALUE_CHARS_MAX
            || value
                .chars()
                .any(|c| matches!(c, ';' | '{' | '}' | '<' | '>' | '\\' | '\n'))
        {
            p.push(
                format!("theme.{name}"),
                "must be a plain CSS value (no ; { } < > \\, at most 100 characters)",
            );
        }
    }
}

fn url(p: &mut Problems, path: &str, url: &str) {
    let ok = (url.starts_with("https://")
        || url.starts_with("http://")
        || (url.starts_with('/') && !url.starts_with("//")))
        && url.len() <= URL_BYTES_MAX
        && !url
            .chars()
            .any(|c| c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>'));
    if !ok {
        p.push(
            path,
            format!(
                "\"{}\" is not an http(s) or site-relative URL",
                url.chars().take(80).collect::<String>()
            ),
        );
    }
}

fn tags(p: &mut Problems, path: &str, tags: &[Tag]) {
    if tags.len() > ITEM_TAGS_MAX {
        p.push(path, format!("at most {ITEM_TAGS_MAX} tags"));
    }
    for (i, tag) in tags.iter().enumerate() {
        let parts: Vec<&str> = tag.as_str().split(':').collect();
        if parts.len() != 2 || parts.iter().any(|part| part.is_empty()) {
            p.push(
                format!("{path}[{i}]"),
                format!("tag \"{tag}\" must look like namespace:value"),
            );
        }
    }
}

fn bounded<T>(p: &mut Problems, path: &str, items: &[T], min: usize, max: usize, what: &str) {
    if items.len() < min || items.len() > max {
        p.push(
            path,
            format!("needs {min}–{max} {what}, found {}", items.len()),
        );
    }
}

fn rule_points(p: &mut Problems, path: &str, points: u64) {
    if points > RULE_POINTS_MAX {
        p.push(
            path,
            format!("{points} points is more than the maximum of {RULE_POINTS_MAX}"),
        );
    }
}

fn quiz(q: &Quiz, l: &[Locale], p: &mut Problems) {
    text(p, "quiz.title", &q.title, l);
    bounded(
        p,
        "quiz.dimensions",
        &q.dimensions,
        1,
        QUIZ_DIMENSIONS_MAX,
        "dimensions",
    );
    bounded(
        p,
        "quiz.questions",
        &q.questions,
        1,
        QUIZ_QUESTIONS_MAX,
        "questions",
    );
    bounded(
        p,
        "quiz.outcomes",
        &q.outcomes,
        1,
        QUIZ_OUTCOMES_MAX,
        "outcomes",
    );
    let dimensions = unique_ids(p, "quiz.dimensions", q.dimensions.iter().map(|d| &d.id));
    unique_ids(p, "quiz.questions", q.questions.iter().map(|x| &x.id));
    let outcomes = unique_ids(p, "quiz.outcomes", q.outcomes.iter().map(|o| &o.id));
    for (i, d) in q.dimensions.iter().enumerate() {
        text(p, &format!("quiz.dimensions[{i}].label"), &d.label, l);
    }
    for (qi, question) in q.questions.iter().enumerate() {
        let path = format!("quiz.questions[{qi}]");
        text(p, &format!("{path}.prompt"), &question.prompt, l);
        if let Some(help) = &question.help {
            text(p, &format!("{path}.help"), help, l);
        }
        let earlier = &q.questions[..qi];
        if let Some(cond) = &question.show_if {
            condition(p, &format!("{path}.show_if"), cond, earlier, 0);
        }
        match question.kind {
            QuestionKind::Scale => {
                if !question.options.is_empty() {
                    p.push(format!("{path}.options"), "a scale question has no options");
                }
                match &question.scale {
                    None => p.push(format!("{path}.scale"), "a scale question needs a scale"),
                    Some(scale) => {
                        if scale.min >= scale.max || scale.max - scale.min > 100 {
                            p.push(
                                format!("{path}.scale"),
                                "needs min < max with at most 100 steps",
                            );
                        }
                        text(p, &format!("{path}.scale.min_label"), &scale.min_label, l);
                        text(p, &format!("{path}.scale.max_label"), &scale.max_label, l);
                        scores(
                            p,
                            &format!("{path}.scale.scores"),
                            scale.scores.keys(),
                            &dimensions,
                        );
                        for (ti, tag) in scale.tags.iter().enumerate() {
                            if tag.at_least < scale.min || tag.at_least > scale.max {
                                p.push(
                                    format!("{path}.scale.tags[{ti}].at_least"),
                                    "must be within the scale",
                                );
                            }
                            tags(
                                p,
                                &format!("{path}.scale.tags[{ti}].tag"),
                                std::slice::from_ref(&tag.tag),
                            );
                        }
                    }
                }
            }
            kind => {
                if question.scale.is_some() {
                    p.push(format!("{path}.scale"), "only a scale question has a scale");
                }
                bounded(
                    p,
                    &format!("{path}.options"),
                    &question.options,
                    2,
                    QUESTION_OPTIONS_MAX,
                    "options",
                );
                unique_ids(
                    p,
                    &format!("{path}.options"),
                    question.options.iter().map(|o| &o.id),
                );
                match (kind, question.max_choices) {
                    (QuestionKind::MultipleChoice, Some(max))
                        if max == 0 || usize::from(max) > question.options.len() =>
                    {
                        p.push(
                            format!("{path}.max_choices"),
                            "must be between 1 and the number of options",
                        );
                    }
                    (QuestionKind::MultipleChoice, _) | (_, None) => {}
                    (_, Some(_)) => p.push(
                        format!("{path}.max_choices"),
                        "only a multiple-choice question has max_choices",
                    ),
                }
                for (oi, option) in question.options.iter().enumerate() {
                    let opath = format!("{path}.options[{oi}]");
                    text(p, &format!("{opath}.label"), &option.label, l);
                    match (&option.image, kind) {
                        (None, QuestionKind::ImageChoice) => p.push(
                            format!("{opath}.image"),
                            "an image-choice option needs an image",
                        ),
                        (Some(image), _) => url(p, &format!("{opath}.image"), image),
                        _ => {}
                    }
                    scores(
                        p,
                        &format!("{opath}.scores"),
                        option.scores.keys(),
                        &dimensions,
                    );
                    tags(p, &format!("{opath}.tags"), &option.tags);
                    if let Some(cond) = &option.show_if {
                        condition(p, &format!("{opath}.show_if"), cond, earlier, 0);
                    }
                }
            }
        }
    }
    for (oi, outcome) in q.outcomes.iter().enumerate() {
        let path = format!("quiz.outcomes[{oi}]");
        if !dimensions.contains(&outcome.dimension) {
            p.push(
                format!("{path}.dimension"),
                format!("unknown dimension \"{}\"", outcome.dimension),
            );
        }
        text(p, &format!("{path}.title"), &outcome.title, l);
        text(p, &format!("{path}.description"), &outcome.description, l);
        bounded(
            p,
            &format!("{path}.plan"),
            &outcome.plan,
            0,
            OUTCOME_PLAN_STEPS_MAX,
            "plan steps",
        );
        for (si, step) in outcome.plan.iter().enumerate() {
            text(p, &format!("{path}.plan[{si}]"), step, l);
        }
        tags(p, &format!("{path}.tags"), &outcome.tags);
        bounded(
            p,
            &format!("{path}.recommendations"),
            &outcome.recommendations,
            0,
            OUTCOME_RECOMMENDATIONS_MAX,
            "recommendations",
        );
        for (ri, rec) in outcome.recommendations.iter().enumerate() {
            text(
                p,
                &format!("{path}.recommendations[{ri}].name"),
                &rec.name,
                l,
            );
            url(
                p,
                &format!("{path}.recommendations[{ri}].image"),
                &rec.image,
            );
            url(p, &format!("{path}.recommendations[{ri}].url"), &rec.url);
        }
        if let Some(cond) = &outcome.requires {
            condition(p, &format!("{path}.requires"), cond, &q.questions, 0);
        }
        if let Some(cond) = &outcome.excludes {
            condition(p, &format!("{path}.excludes"), cond, &q.questions, 0);
        }
    }
    tag_labels(q, l, p);
    if !outcomes.contains(&q.fallback_outcome) {
        p.push(
            "quiz.fallback_outcome",
            format!("unknown outcome \"{}\"", q.fallback_outcome),
        );
    }
    rule_points(p, "quiz.completion_points", q.completion_points);
}

/// Each label names a tag the quiz gives, once, in every locale.
fn tag_labels(q: &Quiz, l: &[Locale], p: &mut Problems) {
    unique_ids(p, "quiz.tag_labels", q.tag_labels.iter().map(|t| &t.id));
    for (i, label) in q.tag_labels.iter().enumerate() {
        text(p, &format!("quiz.tag_labels[{i}].label"), &label.label, l);
        let given = q.questions.iter().any(|question| {
            question.options.iter().any(|o| o.tags.contains(&label.id))
                || question
                    .scale
                    .iter()
                    .any(|scale| scale.tags.iter().any(|t| t.tag == label.id))
        }) || q.outcomes.iter().any(|o| o.tags.contains(&label.id));
        if !given {
            p.push(
                format!("quiz.tag_labels[{i}].id"),
                format!("no option, scale or outcome gives the tag \"{}\"", label.id),
            );
        }
    }
}

fn scores<'a>(
    p: &mut Problems,
    path: &str,
    keys: impl Iterator<Item = &'a DimensionId>,
    dimensions: &SortedSet<&DimensionId>,
) {
    for key in keys {
        if !dimensions.contains(key) {
            p.push(path, format!("unknown dimension \"{key}\""));
        }
    }
}

/// Checks a condition refers only to `visible` questions (those asked before it), with
/// options they have and thresholds of the right kind.
fn condition(p: &mut Problems, path: &str, cond: &Condition, visible: &[Question], depth: usize) {
    if depth >= CONDITION_DEPTH_MAX {
        p.push(
            path,
            format!("conditions nest at most {CONDITION_DEPTH_MAX} deep"),
        );
        return;
    }
    let find = |id: &QuestionId| visible.iter().find(|q| &q.id == id);
    match cond {
        Condition::AnyOf { question, options } => match find(question) {
            None => p.push(path, format!("unknown question \"{question}\"")),
            Some(q) if q.kind == QuestionKind::Scale => p.push(
                path,
                format!("question \"{question}\" is a scale; use at_least / at_most"),
            ),
            Some(q) => {
                if options.is_empty() {
                    p.push(path, "any_of needs at least one option");
                }
                for option in options {
                    if !q.options.iter().any(|o| &o.id == option) {
                        p.push(
                            path,
                            format!("question \"{question}\" has no option \"{option}\""),
                        );
                    }
                }
            }
        },
        Condition::AtLeast { question, .. } | Condition::AtMost { question, .. } => {
            match find(question) {
                None => p.push(path, format!("unknown question \"{question}\"")),
                Some(q) if q.kind != QuestionKind::Scale => p.push(
                    path,
                    format!("question \"{question}\" is not a scale; use any_of"),
                ),
                Some(_) => {}
            }
        }
        Condition::All(items) | Condition::Any(items) => {
            if items.is_empty() {
                p.push(path, "all / any need at least one condition");
            }
            for (i, item) in items.iter().enumerate() {
                condition(p, &format!("{path}[{i}]"), item, visible, depth + 1);
            }
        }
        Condition::Not(inner) => condition(p, &format!("{path}.not"), inner, visible, depth + 1),
    }
}

fn points(r: &PointsRules, p: &mut Problems) {
    if let Some(rate) = &r.purchase {
        if rate.points == 0 || rate.per_minor_units == 0 {
            p.push(
                "points.purchase",
                "points and per_minor_units must both be at least 1",
            );
        }
    }
    match r.expiry {
        Expiry::AfterDays { days: 0 } | Expiry::Inactivity { days: 0 } => {
            p.push("points.expiry.days", "must be at least 1")
        }
        Expiry::FixedDate { month, day }
            if !(1..=12).contains(&month) || !(1..=31).contains(&day) =>
        {
            p.push(
                "points.expiry",
                format!("{month:02}-{day:02} is not a month and day"),
            );
        }
        _ => {}
    }
}

fn checkin(r: &CheckinRules, l: &[Locale], p: &mut Problems) {
    let cycle_days = match r.cycle {
        Cycle::Days { length } => {
            if length == 0 || length > CYCLE_DAYS_MAX {
                p.push(
                    "checkin.cycle.length",
                    format!("must be 1–{CYCLE_DAYS_MAX} days"),
                );
            }
            length
        }
        Cycle::CalendarMonth => 31,
    };
    rule_points(p, "checkin.daily.base", r.daily.base);
    if let Some(cap) = r.daily.cap {
        rule_points(p, "checkin.daily.cap", cap);
        if cap < r.daily.base {
            p.push(
                "checkin.daily.cap",
                format!("must be at least base ({})", r.daily.base),
            );
        }
    }
    bounded(
        p,
        "checkin.milestones",
        &r.milestones,
        0,
        MILESTONES_MAX,
        "milestones",
    );
    let mut seen = SortedSet::new();
    for (i, m) in r.milestones.iter().enumerate() {
        let path = format!("checkin.milestones[{i}]");
        if m.checkins == 0 || m.checkins > cycle_days {
            p.push(
                format!("{path}.checkins"),
                format!("must be 1–{cycle_days} (the cycle's length)"),
            );
        }
        if !seen.insert(m.checkins) {
            p.push(
                format!("{path}.checkins"),
                format!("another milestone is also at {} check-ins", m.checkins),
            );
        }
        rule_points(p, &format!("{path}.points"), m.points);
        if let Some(gift) = &m.gift {
            text(p, &format!("{path}.gift"), gift, l);
        }
        if m.points == 0 && m.gift.is_none() {
            p.push(&path, "a milestone needs points or a gift");
        }
    }
    if let Some(makeup) = &r.makeup {
        if makeup.window_days == 0 || makeup.window_days >= cycle_days.max(2) {
            p.push(
                "checkin.makeup.window_days",
                format!(
                    "must be 1–{} (shorter than the cycle)",
                    cycle_days.max(2) - 1
                ),
            );
        }
        if makeup.per_cycle_max == 0 {
            p.push(
                "checkin.makeup.per_cycle_max",
                "must be at least 1 (leave makeup out to offer none)",
            );
        }
        rule_points(p, "checkin.makeup.cost", makeup.cost);
    }
    if let Some(freeze) = &r.freeze {
        if freeze.per_cycle_max == 0 {
            p.push(
                "checkin.freeze.per_cycle_max",
                "must be at least 1 (leave freeze out to offer none)",
            );
        }
    }
}

fn rewards(rewards: &[Reward], l: &[Locale], p: &mut Problems) {
    bounded(p, "rewards", rewards, 0, REWARDS_MAX, "rewards");
    unique_ids(p, "rewards", rewards.iter().map(|r| &r.id));
    for (i, r) in rewards.iter().enumerate() {
        let path = format!("rewards[{i}]");
        text(p, &format!("{path}.name"), &r.name, l);
        if let Some(d) = &r.description {
            text(p, &format!("{path}.description"), d, l);
        }
        if let Some(image) = &r.image {
            url(p, &format!("{path}.image"), image);
        }
        if r.cost == 0 {
            p.push(format!("{path}.cost"), "must be at least 1 point");
        }
        rule_points(p, &format!("{path}.cost"), r.cost);
        if r.per_member_limit == Some(0) {
            p.push(
                format!("{path}.per_member_limit"),
                "must be at least 1 (leave it out for no limit)",
            );
        }
    }
}

fn tiers(t: &TierRules, l: &[Locale], p: &mut Problems) {
    if t.window_days == 0 {
        p.push("tiers.window_days", "must be at least 1");
    }
    bounded(p, "tiers.levels", &t.levels, 1, TIERS_MAX, "levels");
    unique_ids(p, "tiers.levels", t.levels.iter().map(|x| &x.id));
    if t.levels.first().is_some_and(|first| first.min_earned != 0) {
        p.push(
            "tiers.levels[0].min_earned",
            "the first tier must start at 0",
        );
    }
    for (i, pair) in t.levels.windows(2).enumerate() {
        if pair[1].min_earned <= pair[0].min_earned {
            p.push(
                format!("tiers.levels[{}].min_earned", i + 1),
                "must be more than the tier before",
            );
        }
    }
    for (i, tier) in t.levels.iter().enumerate() {
        text(p, &format!("tiers.levels[{i}].name"), &tier.name, l);
    }
}

fn badges(c: &Campaign, p: &mut Problems) {
    bounded(p, "badges", &c.badges, 0, BADGES_MAX, "badges");
    unique_ids(p, "badges", c.badges.iter().map(|b| &b.id));
    for (i, badge) in c.badges.iter().enumerate() {
        let path = format!("badges[{i}]");
        text(p, &format!("{path}.name"), &badge.name, &c.locales);
        match badge.rule {
            BadgeRule::FirstCheckin | BadgeRule::Streak { .. } if c.checkin.is_none() => {
                p.push(format!("{path}.rule"), "needs a check-in programme");
            }
            BadgeRule::Streak { days: 0 } => {
                p.push(format!("{path}.rule.days"), "must be at least 1")
            }
            BadgeRule::QuizCompleted if c.quiz.is_none() => {
                p.push(format!("{path}.rule"), "needs a quiz")
            }
            BadgeRule::FirstRedemption if c.rewards.is_empty() => {
                p.push(format!("{path}.rule"), "needs a reward catalogue")
            }
            _ => {}
        }
    }
}
