#![cfg(not(target_arch = "wasm32"))]
//! The demo campaigns shipped in `campaigns/` are valid and behave as documented.

use serde_json::json;
use siyu_core::campaign::{Cycle, QuestionKind};
use siyu_core::{demo, quiz};

fn check_outcome(campaign: &siyu_core::Campaign, answers: serde_json::Value, expected: &str) {
    let quiz = campaign.quiz.as_ref().unwrap();
    let answers: quiz::Answers = serde_json::from_value(answers).unwrap();
    quiz::check_answers(quiz, &answers).unwrap_or_else(|e| panic!("{expected}: {e}"));
    assert_eq!(quiz::score(quiz, &answers).outcome.as_str(), expected);
    assert!(quiz::next_question(quiz, &answers).is_none());
}

#[test]
fn the_beauty_campaign_has_a_branching_skin_quiz_and_a_seven_day_cycle() {
    let c = demo::beauty();
    let quiz = c.quiz.as_ref().unwrap();
    assert!(quiz.questions.len() >= 8);
    assert_eq!(quiz.outcomes.len(), 5);
    assert!(
        quiz.questions
            .iter()
            .filter(|q| q.show_if.is_some())
            .count()
            >= 2,
        "branching"
    );
    assert_eq!(c.checkin.as_ref().unwrap().cycle, Cycle::Days { length: 7 });
    assert!(
        c.checkin
            .as_ref()
            .unwrap()
            .milestones
            .iter()
            .any(|m| m.checkins == 7 && m.gift.is_some()),
        "sample on day 7"
    );
    assert!(!c.rewards.is_empty());
    check_outcome(
        &c,
        json!({"after-cleanse":{"choice":"shiny-all"},"midday":{"choice":"shiny-all"},"tzone-shine":{"choice":"cheeks-oily"},"pores":{"choice":"large-all"},"reaction":{"choice":"never"},"concerns":{"choices":["acne","shine"]},"tightness":{"scale":1},"breakouts":{"choice":"often"},"spf":{"choice":"daily"}}),
        "oily",
    );
    check_outcome(
        &c,
        json!({"after-cleanse":{"choice":"tight"},"midday":{"choice":"flaky"},"pores":{"choice":"barely"},"reaction":{"choice":"never"},"concerns":{"choices":["dehydration","fine-lines"]},"tightness":{"scale":5},"breakouts":{"choice":"rarely"},"spf":{"choice":"daily"}}),
        "dry",
    );
    check_outcome(
        &c,
        json!({"after-cleanse":{"choice":"shiny-tzone"},"midday":{"choice":"shiny-tzone"},"tzone-shine":{"choice":"cheeks-normal"},"pores":{"choice":"large-tzone"},"reaction":{"choice":"never"},"concerns":{"choices":["pores"]},"tightness":{"scale":2},"breakouts":{"choice":"monthly"},"spf":{"choice":"sunny-days"}}),
        "combination",
    );
    check_outcome(
        &c,
        json!({"after-cleanse":{"choice":"comfortable"},"midday":{"choice":"matte"},"pores":{"choice":"barely"},"reaction":{"choice":"never"},"concerns":{"choices":["dullness"]},"tightness":{"scale":1},"breakouts":{"choice":"rarely"},"spf":{"choice":"daily"}}),
        "normal",
    );
    check_outcome(
        &c,
        json!({"after-cleanse":{"choice":"comfortable"},"midday":{"choice":"matte"},"pores":{"choice":"barely"},"reaction":{"choice":"often-stings"},"redness":{"scale":5},"concerns":{"choices":["redness"]},"tightness":{"scale":1},"breakouts":{"choice":"rarely"},"spf":{"choice":"daily"}}),
        "sensitive",
    );
}

#[test]
fn the_furniture_campaign_has_an_image_quiz_a_28_day_challenge_and_purchase_points() {
    let c = demo::furniture();
    let quiz = c.quiz.as_ref().unwrap();
    assert!(quiz.questions.len() >= 6);
    assert_eq!(quiz.outcomes.len(), 4);
    assert!(
        quiz.questions
            .iter()
            .filter(|q| q.kind == QuestionKind::ImageChoice)
            .count()
            >= 4
    );
    assert_eq!(
        c.checkin.as_ref().unwrap().cycle,
        Cycle::Days { length: 28 }
    );
    assert!(c.points.purchase.is_some());
    check_outcome(
        &c,
        json!({"living-room":{"choice":"bright-birch"},"material":{"choice":"pale-oak"},"palette":{"choice":"white-grey"},"chair":{"choice":"spindle-chair"},"display":{"scale":2},"home-type":{"choice":"compact"},"small-space":{"choice":"brightness"},"lamp":{"choice":"white-dome"}}),
        "nordic",
    );
    check_outcome(
        &c,
        json!({"living-room":{"choice":"tatami-calm"},"material":{"choice":"hinoki-bamboo"},"palette":{"choice":"sand-moss"},"chair":{"choice":"floor-chair"},"display":{"scale":1},"home-type":{"choice":"rental"},"small-space":{"choice":"storage"},"lamp":{"choice":"paper-lantern"}}),
        "japanese",
    );
    check_outcome(
        &c,
        json!({"living-room":{"choice":"loft-brick"},"material":{"choice":"black-steel"},"palette":{"choice":"charcoal-rust"},"chair":{"choice":"metal-stool"},"display":{"scale":3},"home-type":{"choice":"loft"},"lamp":{"choice":"cage-pendant"}}),
        "industrial",
    );
    check_outcome(
        &c,
        json!({"living-room":{"choice":"teak-curves"},"material":{"choice":"walnut-veneer"},"palette":{"choice":"mustard-teal"},"chair":{"choice":"shell-chair"},"display":{"scale":5},"home-type":{"choice":"family"},"household":{"choices":["guests","kids"]},"lamp":{"choice":"arc-floor"}}),
        "midcentury",
    );
}

#[test]
fn the_demo_campaigns_are_published_with_their_zone_rules() {
    for c in [demo::beauty(), demo::furniture()] {
        assert_eq!(c.time_zone, "Asia/Shanghai");
        assert_eq!(
            c.zone_rules,
            Some(siyu_core::time::ZoneRules::fixed(8 * 3_600))
        );
    }
}
