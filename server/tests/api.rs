//! The endpoint against the trust rules, on a real server over a real database: every test
//! runs on a fresh SQLite file and on a fresh PostgreSQL database.

mod common;

use common::{balance, op, statuses, Backend, TestServer};
use futures::future::join_all;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(super::Backend::Sqlite).await } )*
        }
        mod postgres {
            $( #[tokio::test(flavor = "multi_thread", worker_threads = 4)] async fn $name() { super::$name(super::Backend::Postgres).await } )*
        }
    };
}

on_both_backends!(
    check_in_earns_points_by_the_campaigns_rules,
    forged_operations_are_rejected_and_store_nothing,
    make_ups_follow_the_rules_with_the_servers_clock,
    the_same_batch_ten_times_at_once_applies_once,
    two_devices_of_one_member_cannot_overdraw,
    fifty_members_cannot_take_more_than_the_stock,
    tenants_are_isolated,
    bad_input_gets_a_clear_error_and_changes_nothing,
    tokens_expire_and_forged_tokens_are_refused,
    purchases_are_credited_once_per_order,
    binding_a_device_keeps_its_points_and_streak,
    binding_a_device_keeps_what_it_redeemed_past_the_members_limit,
    export_returns_everything_and_delete_removes_it,
    an_erased_member_is_still_held_to_the_trust_rules,
    publishing_validates_and_reports_every_problem,
    campaign_config_is_cacheable,
    stats_and_csv_export_count_what_happened,
    offline_claims_are_judged_against_last_contact,
);

async fn check_in_earns_points_by_the_campaigns_rules(backend: Backend) {
    let server = TestServer::start(backend).await;
    let token = server.session().await;
    let body = server
        .sync_ok(
            &token,
            vec![op("c1", server.now(), json!({"type": "checkin"}))],
        )
        .await;
    assert_eq!(statuses(&body), ["accepted"]);
    assert_eq!(body["results"][0]["points_delta"], 5);
    assert_eq!(body["cursor"], 1);
    server.set_time(1, 0);
    let token = server.renew(&token).await;
    let body = server
        .sync_ok(
            &token,
            vec![op("c2", server.now(), json!({"type": "checkin"}))],
        )
        .await;
    assert_eq!(
        body["results"][0]["points_delta"], 10,
        "the second consecutive day earns 10"
    );
    assert_eq!(balance(&body["state"]), 15);
    assert_eq!(body["server_time"], server.now());
}

async fn forged_operations_are_rejected_and_store_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let token = server.session().await;
    server
        .sync_ok(
            &token,
            vec![op(
                "quiz-1",
                server.now(),
                json!({"type": "submit_quiz", "answers": quiz_answers()}),
            )],
        )
        .await;
    let before = server.state(&token).await;
    // An op naming its points is not an op.
    let (status, body) = server
        .sync(
            &token,
            vec![op(
                "f1",
                server.now(),
                json!({"type": "checkin", "points": 1000}),
            )],
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body["error"]["message"]
        .as_str()
        .unwrap()
        .contains("unknown field `points`"));
    // The quiz reward claimed twice; a check-in from a clock a day ahead.
    let body = server
        .sync_ok(
            &token,
            vec![
                op(
                    "quiz-2",
                    server.now(),
                    json!({"type": "submit_quiz", "answers": quiz_answers()}),
                ),
                op(
                    "ahead",
                    server.now() + 86_400_000,
                    json!({"type": "checkin"}),
                ),
                op(
                    "makeup-today",
                    server.now(),
                    json!({"type": "makeup_checkin", "day": "2026-03-02"}),
                ),
                op(
                    "makeup-future",
                    server.now(),
                    json!({"type": "makeup_checkin", "day": "2026-03-05"}),
                ),
                op(
                    "makeup-old",
                    server.now(),
                    json!({"type": "makeup_checkin", "day": "2026-02-20"}),
                ),
            ],
        )
        .await;
    assert_eq!(
        statuses(&body),
        [
            "rejected:quiz_already_completed",
            "rejected:claimed_time_in_future",
            "rejected:makeup_for_today_or_future",
            "rejected:makeup_for_today_or_future",
            "rejected:makeup_outside_window",
        ]
    );
    assert_eq!(body["state"], before, "nothing stored");
}

async fn make_ups_follow_the_rules_with_the_servers_clock(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut token = server.session().await;
    for (day, id) in [(0, "d0"), (1, "d1"), (2, "d2"), (4, "d4")] {
        server.set_time(day, 0);
        token = server.renew(&token).await;
        server
            .sync_ok(
                &token,
                vec![op(id, server.now(), json!({"type": "checkin"}))],
            )
            .await;
    }
    // Day 3 (2026-03-05) was missed; on day 4 it can be made up for 30 points.
    let body = server
        .sync_ok(
            &token,
            vec![op(
                "m3",
                server.now(),
                json!({"type": "makeup_checkin", "day": "2026-03-05"}),
            )],
        )
        .await;
    assert_eq!(statuses(&body), ["accepted"]);
    assert_eq!(body["results"][0]["points_delta"], -30);
    let days: Vec<&str> = body["state"]["checkins"]["days"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        days,
        [
            "2026-03-02",
            "2026-03-03",
            "2026-03-04",
            "2026-03-05",
            "2026-03-06"
        ]
    );
}

async fn the_same_batch_ten_times_at_once_applies_once(backend: Backend) {
    let server = TestServer::start(backend).await;
    let token = server.session().await;
    let batch = vec![
        op("r1", server.now(), json!({"type": "checkin"})),
        op(
            "r2",
            server.now(),
            json!({"type": "submit_quiz", "answers": quiz_answers()}),
        ),
    ];
    let answers = join_all((0..10).map(|_| server.sync(&token, batch.clone()))).await;
    let mut accepted = 0;
    for (status, body) in &answers {
        assert_eq!(*status, StatusCode::OK, "{body}");
        accepted += statuses(body).iter().filter(|s| *s == "accepted").count();
        assert_eq!(
            balance(&body["state"]),
            55,
            "every answer shows the state after one application"
        );
    }
    assert_eq!(accepted, 2, "each operation accepted exactly once");
    let state = server.state(&token).await;
    assert_eq!(state["checkins"]["days"].as_object().unwrap().len(), 1);
    assert_eq!(balance(&state), 55);
}

async fn two_devices_of_one_member_cannot_overdraw(backend: Backend) {
    let server = TestServer::start(backend).await;
    let phone = server.member_session("alice", None).await;
    let tablet = server.member_session("alice", None).await;
    let (status, body) = server.credit("alice", "order-1", 10_000).await;
    assert_eq!(
        (status, body["points"].clone()),
        (StatusCode::OK, json!(100)),
        "{body}"
    );
    let attempts = (0..20).map(|i| {
        let token = if i % 2 == 0 {
            phone.clone()
        } else {
            tablet.clone()
        };
        let server = &server;
        async move {
            server
                .sync(
                    &token,
                    vec![op(
                        &format!("redeem-{i}"),
                        server.now(),
                        json!({"type": "redeem", "reward": "tote"}),
                    )],
                )
                .await
        }
    });
    let answers = join_all(attempts).await;
    let outcomes: Vec<String> = answers
        .iter()
        .flat_map(|(_, body)| statuses(body))
        .collect();
    assert_eq!(
        outcomes.iter().filter(|s| *s == "accepted").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|s| *s == "rejected:insufficient_balance")
            .count(),
        19
    );
    let state = server.state(&phone).await;
    assert_eq!(balance(&state), 0);
    assert_eq!(state["redemptions"].as_array().unwrap().len(), 1);
}

async fn fifty_members_cannot_take_more_than_the_stock(backend: Backend) {
    let server = TestServer::start(backend).await;
    let mut tokens = Vec::new();
    for i in 0..50 {
        let token = server.session().await;
        server
            .sync_ok(
                &token,
                vec![op(
                    &format!("c{i}"),
                    server.now(),
                    json!({"type": "checkin"}),
                )],
            )
            .await;
        tokens.push(token);
    }
    let answers = join_all(tokens.iter().enumerate().map(|(i, token)| {
        server.sync(
            token,
            vec![op(
                &format!("ticket-{i}"),
                server.now(),
                json!({"type": "redeem", "reward": "golden-ticket"}),
            )],
        )
    }))
    .await;
    let outcomes: Vec<String> = answers
        .iter()
        .flat_map(|(_, body)| statuses(body))
        .collect();
    assert_eq!(
        outcomes.iter().filter(|s| *s == "accepted").count(),
        1,
        "{outcomes:?}"
    );
    assert_eq!(
        outcomes
            .iter()
            .filter(|s| *s == "rejected:out_of_stock")
            .count(),
        49
    );
    assert_eq!(
        answers[0].1["stock_taken"]["golden-ticket"]
            .as_u64()
            .unwrap_or(1),
        1
    );
}

async fn tenants_are_isolated(backend: Backend) {
    let server = TestServer::start(backend).await;
    // A second brand with its own campaign on the same server.
    let (other_key, other_secret) = common::create_tenant(&server.store, "nest").await;
    server
        .store
        .publish_campaign(&siyu_core::demo::furniture())
        .await
        .unwrap();
    let glow_token = server.session().await;
    server
        .sync_ok(
            &glow_token,
            vec![op("c", server.now(), json!({"type": "checkin"}))],
        )
        .await;

    // Nest's admin key on Glow's campaign and members: not found, nothing changed.
    let (status, _) = server
        .call(
            Method::GET,
            "/v1/admin/campaigns/glow-skin/stats",
            Some(&other_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server
        .call(
            Method::GET,
            "/v1/admin/campaigns/glow-skin/export.csv",
            Some(&other_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let credit = json!({"campaign": "glow-skin", "reference": "x", "amount_minor": 100_000});
    let (status, _) = server
        .call(
            Method::POST,
            "/v1/admin/members/alice/points",
            Some(&other_key),
            Some(credit),
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _) = server
        .call(
            Method::PUT,
            "/v1/admin/campaigns/glow-skin",
            Some(&other_key),
            Some(common::test_campaign()),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A Nest member token for a Glow session: refused.
    let forged = common::sign(
        &json!({"tenant": "nest", "member": "alice", "exp": server.now() / 1000 + 600}),
        other_secret.as_bytes(),
    );
    let (status, body) = server
        .call(
            Method::POST,
            "/v1/sessions",
            None,
            Some(json!({"campaign": "glow-skin", "member_token": forged})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    // A Glow session syncing Nest's campaign: forbidden.
    let (status, _) = server
        .call(
            Method::POST,
            "/v1/sync",
            Some(&glow_token),
            Some(json!({"version": 1, "campaign": "nest-room", "ops": []})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A wrong admin key of the right shape.
    let (status, _) = server
        .call(
            Method::GET,
            "/v1/admin/campaigns/glow-skin/stats",
            Some(&format!("sk_glow_{}", "0".repeat(64))),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(balance(&server.state(&glow_token).await), 5);
}

async fn bad_input_gets_a_clear_error_and_changes_nothing(backend: Backend) {
    let server = TestServer::start(backend).await;
    let token = server.session().await;
    server
        .sync_ok(
            &token,
            vec![op("c", server.now(), json!({"type": "checkin"}))],
        )
        .await;
    let before = server.state(&token).await;
    let url = format!("{}/v1/sync", server.base);
    let raw = |body: &'static str| {
        server
            .http
            .post(&url)
            .bearer_auth(&token)
            .header("content-type", "application/json")
            .body(body)
            .send()
    };
    let check = |status: StatusCode, code: &str, response: (StatusCode, Value)| {
        assert_eq!(response.0, status, "{}", response.1);
        assert_eq!(response.1["error"]["code"], code, "{}", response.1);
        assert!(!response.1["error"]["message"].as_str().unwrap().is_empty());
    };
    let to_pair = |r: reqwest::Response| async move {
        let s = r.status();
        (s, r.json::<Value>().await.unwrap())
    };
    check(
        StatusCode::BAD_REQUEST,
        "malformed_json",
        to_pair(raw("{\"version\": 1,").await.unwrap()).await,
    );
    // A struct written as an array of its values, which serde alone would take.
    let positional = to_pair(raw(" [1, \"glow-skin\", []]").await.unwrap()).await;
    assert!(
        positional.1["error"]["message"]
            .as_str()
            .unwrap()
            .contains("a JSON object"),
        "{}",
        positional.1
    );
    check(StatusCode::BAD_REQUEST, "invalid_body", positional);
    check(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        to_pair(
            raw("{\"version\": \"one\", \"campaign\": \"glow-skin\"}")
                .await
                .unwrap(),
        )
        .await,
    );
    check(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        to_pair(
            raw("{\"version\": 1, \"campaign\": \"glow-skin\", \"extra\": 1}")
                .await
                .unwrap(),
        )
        .await,
    );
    check(
        StatusCode::BAD_REQUEST,
        "unsupported_version",
        server
            .call(
                Method::POST,
                "/v1/sync",
                Some(&token),
                Some(json!({"version": 9, "campaign": "glow-skin"})),
            )
            .await,
    );
    let many: Vec<Value> = (0..101)
        .map(|i| op(&format!("m{i}"), server.now(), json!({"type": "checkin"})))
        .collect();
    check(
        StatusCode::UNPROCESSABLE_ENTITY,
        "batch_too_large",
        server.sync(&token, many).await,
    );
    let huge = format!(
        "{{\"version\": 1, \"campaign\": \"glow-skin\", \"ops\": [], \"pad\": \"{}\"}}",
        "x".repeat(300 * 1024)
    );
    let response = server
        .http
        .post(&url)
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body(huge)
        .send()
        .await
        .unwrap();
    check(
        StatusCode::PAYLOAD_TOO_LARGE,
        "payload_too_large",
        to_pair(response).await,
    );
    check(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        server
            .sync(
                &token,
                vec![op("bad id!", server.now(), json!({"type": "checkin"}))],
            )
            .await,
    );
    check(
        StatusCode::BAD_REQUEST,
        "invalid_body",
        server
            .sync(
                &token,
                vec![op("x", server.now(), json!({"type": "teleport"}))],
            )
            .await,
    );
    check(
        StatusCode::NOT_FOUND,
        "not_found",
        server
            .call(
                Method::POST,
                "/v1/sessions",
                None,
                Some(json!({"campaign": "nope"})),
            )
            .await,
    );
    check(
        StatusCode::BAD_REQUEST,
        "invalid_id",
        server
            .call(
                Method::POST,
                "/v1/sessions",
                None,
                Some(json!({"campaign": "no pe"})),
            )
            .await,
    );
    assert_eq!(server.state(&token).await, before);
}

async fn tokens_expire_and_forged_tokens_are_refused(backend: Backend) {
    let server = TestServer::start(backend).await;
    let token = server.session().await;
    let check = |response: (StatusCode, Value), code: &str| {
        assert_eq!(response.0, StatusCode::UNAUTHORIZED, "{}", response.1);
        assert_eq!(response.1["error"]["code"], code);
    };
    check(
        server
            .call(
                Method::POST,
                "/v1/sync",
                None,
                Some(json!({"version": 1, "campaign": "glow-skin"})),
            )
            .await,
        "missing_credentials",
    );
    let forged = common::sign(
        &json!({"ten": "glow", "cmp": "glow-skin", "dev": "dX", "iat": 0, "exp": 9_999_999_999i64}),
        b"guessed secret",
    );
    check(server.sync(&forged, vec![]).await, "invalid_token");
    server.set_time(0, 3);
    check(server.sync(&token, vec![]).await, "token_expired");
    // The expired token still renews the same device.
    let (status, body) = server
        .call(
            Method::POST,
            "/v1/sessions",
            None,
            Some(json!({"campaign": "glow-skin", "device_token": token})),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    server
        .sync_ok(body["token"].as_str().unwrap(), vec![])
        .await;
    // Refused: a member id that reads as a key of the CSV export (such a member could sign in
    // but never be credited), and an expired member token.
    for (token, code) in [
        (
            server.member_token("member:bob", 3_600),
            "invalid_member_token",
        ),
        (
            server.member_token("device:d0123456789abcdef", 3_600),
            "invalid_member_token",
        ),
        (server.member_token("bob", -10), "member_token_expired"),
    ] {
        check(
            server
                .call(
                    Method::POST,
                    "/v1/sessions",
                    None,
                    Some(json!({"campaign": "glow-skin", "member_token": token})),
                )
                .await,
            code,
        );
    }
}

async fn purchases_are_credited_once_per_order(backend: Backend) {
    let server = TestServer::start(backend).await;
    // A key of the CSV export pasted as the member id is refused, not made a new member.
    for pasted in ["device:d0123456789abcdef", "member:carol"] {
        let (status, body) = server.credit(pasted, "order-0", 100).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(body["error"]["code"], "invalid_id");
        assert!(
            body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("CSV export"),
            "{body}"
        );
    }
    let (status, body) = server.credit("carol", "order-77", 12_345).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"status": "accepted", "points": 123, "balance": 123})
    );
    server.set_time(0, 1);
    let (_, again) = server.credit("carol", "order-77", 12_345).await;
    assert_eq!(
        again,
        json!({"status": "duplicate", "points": 123, "balance": 123})
    );
    let (status, conflict) = server.credit("carol", "order-77", 99_999).await;
    assert_eq!(status, StatusCode::CONFLICT, "{conflict}");
    let (status, _) = server.credit("carol", "order-78", 0).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    // A refused credit changes nothing: the brand sends it again, corrected, under the same
    // order reference, and it is credited.
    let (status, body) = server.credit("carol", "order-78", 5_000).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(
        body,
        json!({"status": "accepted", "points": 50, "balance": 173})
    );
    // Nor does it make a member of someone the brand never credited.
    let (status, _) = server.credit("erin", "order-79", 99).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let admin_key = server.admin_key.clone();
    let (_, stats) = server
        .call(
            Method::GET,
            "/v1/admin/campaigns/glow-skin/stats",
            Some(&admin_key),
            None,
        )
        .await;
    assert_eq!(stats["members"], 1, "{stats}");
    let (status, _) = server
        .call(
            Method::POST,
            "/v1/admin/members/carol/points",
            None,
            Some(json!({"campaign": "glow-skin", "reference": "r", "amount_minor": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
}

/// A phone nobody signed in on that checked in on the campaign's first `days` days (the clock
/// left on the last); its session token.
async fn anonymous_phone_checked_in_on_days(server: &TestServer, days: i64) -> String {
    let mut anonymous = server.session().await;
    for day in 0..days {
        server.set_time(day, 0);
        anonymous = server.renew(&anonymous).await;
        server
            .sync_ok(
                &anonymous,
                vec![op(
                    &format!("a{day}"),
                    server.now(),
                    json!({"type": "checkin"}),
                )],
            )
            .await;
    }
    anonymous
}

async fn binding_a_device_keeps_its_points_and_streak(backend: Backend) {
    let server = TestServer::start(backend).await;
    let anonymous = anonymous_phone_checked_in_on_days(&server, 3).await;
    let before = server.state(&anonymous).await;
    assert_eq!(balance(&before), 5 + 10 + 15 + 20);
    // The customer signs in on the brand's site: the device binds to member "dora".
    server.credit("dora", "welcome", 500).await;
    let member = server.member_session("dora", Some(&anonymous)).await;
    let after = server.state(&member).await;
    assert_eq!(
        balance(&after),
        50 + 5,
        "the device's points and the member's credit"
    );
    assert_eq!(
        after["checkins"]["days"].as_object().unwrap().len(),
        3,
        "the streak came along"
    );
    // The old anonymous token now acts as the member too.
    assert_eq!(balance(&server.state(&anonymous).await), 55);
}

async fn binding_a_device_keeps_what_it_redeemed_past_the_members_limit(backend: Backend) {
    let server = TestServer::start(backend).await;
    // Six days of check-ins on a phone nobody signed in on: 110 points, then the serum (100
    // points, one per person), handed over.
    let anonymous = anonymous_phone_checked_in_on_days(&server, 6).await;
    let redeem = |id: &str| {
        op(
            id,
            server.now(),
            json!({"type": "redeem", "reward": "sample-serum"}),
        )
    };
    let body = server
        .sync_ok(&anonymous, vec![redeem("phone-serum")])
        .await;
    assert_eq!(statuses(&body), ["accepted"]);
    // The same person, as the brand's member, took one on the brand's site too.
    server.credit("hal", "order-h", 10_000).await;
    let site = server.member_session("hal", None).await;
    let body = server.sync_ok(&site, vec![redeem("site-serum")]).await;
    assert_eq!(statuses(&body), ["accepted"]);

    // The phone signs in: both serums were given, and both stay on the member's record.
    let member = server.member_session("hal", Some(&anonymous)).await;
    let after = server.state(&member).await;
    let serums = after["redemptions"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["reward"] == "sample-serum")
        .count();
    assert_eq!(serums, 2, "{after}");
    assert_eq!(balance(&after), 110 + 100 - 200);
    let admin_key = server.admin_key.clone();
    let (_, stats) = server
        .call(
            Method::GET,
            "/v1/admin/campaigns/glow-skin/stats",
            Some(&admin_key),
            None,
        )
        .await;
    assert_eq!(stats["stock_taken"]["sample-serum"], 2, "{stats}");
    assert_eq!(stats["points_redeemed"], 200, "{stats}");
    // A third is refused: the limit holds from here on.
    let body = server.sync_ok(&member, vec![redeem("third-serum")]).await;
    assert_eq!(
        statuses(&body),
        ["rejected:redemption_limit_reached"],
        "{body}"
    );
}

async fn export_returns_everything_and_delete_removes_it(backend: Backend) {
    let server = TestServer::start(backend).await;
    let token = server.session().await;
    server
        .sync_ok(
            &token,
            vec![
                op("e1", server.now(), json!({"type": "checkin"})),
                op(
                    "e2",
                    server.now(),
                    json!({"type": "submit_quiz", "answers": quiz_answers()}),
                ),
                op(
                    "e3",
                    server.now(),
                    json!({"type": "redeem", "reward": "vip-facial"}),
                ),
            ],
        )
        .await;
    let (status, export) = server
        .call(Method::GET, "/v1/me/export", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::OK);
    let ids: Vec<&str> = export["operations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["op"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        ids,
        ["e1", "e2", "e3"],
        "every operation, the rejected one too"
    );
    assert_eq!(
        export["operations"][2]["status"]["code"],
        "insufficient_balance"
    );
    assert_eq!(balance(&export["state"]), 55);
    assert!(
        export["state"]["quiz"]["result"]["tags"]
            .as_array()
            .unwrap()
            .len()
            > 1
    );
    assert_eq!(export["devices"].as_array().unwrap().len(), 1);

    for _ in 0..2 {
        let (status, _) = server
            .call(Method::DELETE, "/v1/me", Some(&token), None)
            .await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
    let (_, export) = server
        .call(Method::GET, "/v1/me/export", Some(&token), None)
        .await;
    assert_eq!(export["operations"], json!([]));
    assert_eq!(export["state"]["ledger"], json!([]));
    let (_, stats) = server
        .call(
            Method::GET,
            "/v1/admin/campaigns/glow-skin/stats",
            Some(&server.admin_key),
            None,
        )
        .await;
    assert_eq!(stats["members"], 0, "not counted any more: {stats}");
}

/// Erasing a member keeps only what the trust rules need: a credited order is not credited
/// again (rule 2), a replayed operation changes nothing (rule 2), and a per-person limit still
/// holds (rule 3). Nothing else of the past is returned or counted.
async fn an_erased_member_is_still_held_to_the_trust_rules(backend: Backend) {
    let server = TestServer::start(backend).await;
    let token = server.member_session("erin", None).await;
    let (status, credited) = server.credit("erin", "order-1", 10_000).await;
    assert_eq!(
        (status, credited["status"].as_str()),
        (StatusCode::OK, Some("accepted"))
    );
    let redeem = op(
        "r1",
        server.now(),
        json!({"type": "redeem", "reward": "sample-serum"}),
    );
    let body = server.sync_ok(&token, vec![redeem.clone()]).await;
    assert_eq!(statuses(&body), ["accepted"]);
    let stock_before = body["stock_taken"]["sample-serum"].clone();

    server.set_time(0, 1);
    let erased_at = server.now();
    let (status, _) = server
        .call(Method::DELETE, "/v1/me", Some(&token), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // The brand's back end retries the same order: nothing is credited again.
    let (status, body) = server.credit("erin", "order-1", 10_000).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("credited before"),
        "{body}"
    );
    // An old outbox replays its redemption: nothing happens.
    let body = server.sync_ok(&token, vec![redeem]).await;
    assert_eq!(statuses(&body), ["rejected:already_applied"]);
    // A new purchase, then the same limited reward again: the limit of one still holds.
    let (status, _) = server.credit("erin", "order-2", 10_000).await;
    assert_eq!(status, StatusCode::OK);
    let body = server
        .sync_ok(
            &token,
            vec![op(
                "r2",
                server.now(),
                json!({"type": "redeem", "reward": "sample-serum"}),
            )],
        )
        .await;
    assert_eq!(
        body["results"][0]["code"], "redemption_limit_reached",
        "{body}"
    );
    assert_eq!(body["stock_taken"]["sample-serum"], stock_before);
    assert_eq!(balance(&body["state"]), 100, "only the new purchase");

    // What is held: the new operations, and of the past only the ids and the count.
    let (_, export) = server
        .call(Method::GET, "/v1/me/export", Some(&token), None)
        .await;
    assert_eq!(
        export["state"]["erased_redemptions"],
        json!({"sample-serum": 1})
    );
    // The id without its fingerprint, which hashes the operation's time and content.
    assert_eq!(export["state"]["applied"]["r1"], 0, "{export}");
    assert_eq!(export["state"]["redemptions"], json!([]));
    // The device is still there (the phone works) but says nothing of when it was used.
    let devices = export["devices"].as_array().unwrap();
    assert_eq!(devices.len(), 1, "{export}");
    assert_eq!(devices[0]["created_at"], erased_at, "{export}");
    assert_eq!(devices[0]["last_contact"], erased_at, "{export}");
}

async fn publishing_validates_and_reports_every_problem(backend: Backend) {
    let server = TestServer::start(backend).await;
    let key = server.admin_key.clone();
    let mut campaign = common::test_campaign();
    campaign["revision"] = json!(2);
    campaign["quiz"]["questions"][0]["show_if"] =
        json!({"any_of": {"question": "q9", "options": ["a"]}});
    campaign["rewards"][0]["cost"] = json!(0);
    let (status, body) = server
        .call(
            Method::PUT,
            "/v1/admin/campaigns/glow-skin",
            Some(&key),
            Some(campaign),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "invalid_campaign");
    let problems: Vec<String> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            format!(
                "{}: {}",
                p["path"].as_str().unwrap(),
                p["message"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(
        problems,
        [
            "quiz.questions[0].show_if: unknown question \"q9\"",
            "rewards[0].cost: must be at least 1 point"
        ]
    );
    // Still revision 1 live.
    let (_, live) = server
        .call(Method::GET, "/v1/campaigns/glow-skin", None, None)
        .await;
    assert_eq!(live["revision"], 1);
    // A valid revision 2 publishes; going back to 1 conflicts.
    let mut good = common::test_campaign();
    good["revision"] = json!(2);
    let (status, body) = server
        .call(
            Method::PUT,
            "/v1/admin/campaigns/glow-skin",
            Some(&key),
            Some(good),
        )
        .await;
    assert_eq!(
        (status, body.clone()),
        (StatusCode::OK, json!({"id": "glow-skin", "revision": 2})),
        "{body}"
    );
    let (status, _) = server
        .call(
            Method::PUT,
            "/v1/admin/campaigns/glow-skin",
            Some(&key),
            Some(common::test_campaign()),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = server
        .call(
            Method::PUT,
            "/v1/admin/campaigns/other-id",
            Some(&key),
            Some(common::test_campaign()),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

async fn campaign_config_is_cacheable(backend: Backend) {
    let server = TestServer::start(backend).await;
    let response = server
        .http
        .get(format!("{}/v1/campaigns/glow-skin", server.base))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let etag = response.headers()["etag"].clone();
    assert_eq!(response.headers()["cache-control"], "public, max-age=60");
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["zone_rules"]["initial_offset"], 28_800);
    let again = server
        .http
        .get(format!("{}/v1/campaigns/glow-skin", server.base))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
    let (status, openapi) = server
        .call(Method::GET, "/v1/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(openapi["paths"]["/v1/sync"]["post"].is_object());
    assert_eq!(
        server.call(Method::GET, "/healthz", None, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        server.call(Method::GET, "/readyz", None, None).await.0,
        StatusCode::OK
    );
}

async fn stats_and_csv_export_count_what_happened(backend: Backend) {
    let server = TestServer::start(backend).await;
    for i in 0..3 {
        let token = server.session().await;
        server
            .sync_ok(
                &token,
                vec![op(
                    &format!("c{i}"),
                    server.now(),
                    json!({"type": "checkin"}),
                )],
            )
            .await;
        if i == 0 {
            server
                .sync_ok(
                    &token,
                    vec![op(
                        "q",
                        server.now(),
                        json!({"type": "submit_quiz", "answers": quiz_answers()}),
                    )],
                )
                .await;
        }
    }
    server.credit("erin", "o-1", 30_000).await;
    let (status, stats) = server
        .call(
            Method::GET,
            "/v1/admin/campaigns/glow-skin/stats",
            Some(&server.admin_key),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{stats}");
    assert_eq!(stats["members"], 4);
    assert_eq!(stats["checkins_per_day"]["2026-03-02"], 3);
    assert_eq!(stats["quiz_outcomes"]["combination"], 1);
    assert_eq!(stats["points_issued"], 3 * 5 + 50 + 300);
    assert_eq!(stats["stages"]["new"], 4);
    let response = server
        .http
        .get(format!(
            "{}/v1/admin/campaigns/glow-skin/export.csv",
            server.base
        ))
        .bearer_auth(&server.admin_key)
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.headers()["content-type"],
        "text/csv; charset=utf-8"
    );
    let csv = response.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines[0],
        "member,stage,tier,balance,earned,tags,checkins,last_active"
    );
    assert_eq!(lines.len(), 5);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("member:erin,new,silver,300,300,")),
        "{csv}"
    );
    assert!(
        lines.iter().any(|l| l.contains("skin:combination")),
        "{csv}"
    );
}

async fn offline_claims_are_judged_against_last_contact(backend: Backend) {
    let server = TestServer::start(backend).await;
    let token = server.session().await;
    // Checked in offline yesterday evening, synced this morning: counts for yesterday.
    server.set_time(1, 0);
    let token = server.renew(&token).await;
    let body = server
        .sync_ok(
            &token,
            vec![op(
                "offline",
                server.now() - 12 * 3_600_000,
                json!({"type": "checkin"}),
            )],
        )
        .await;
    assert_eq!(statuses(&body), ["accepted"]);
    assert!(body["state"]["checkins"]["days"]
        .get("2026-03-02")
        .is_some());
    // After that contact, a claim from before it is refused; one older than 48 h too.
    let body = server
        .sync_ok(
            &token,
            vec![
                op(
                    "before-contact",
                    server.now() - 10 * 60_000,
                    json!({"type": "checkin"}),
                ),
                op(
                    "stale",
                    server.now() - 50 * 3_600_000,
                    json!({"type": "checkin"}),
                ),
                // A minute before the last contact (made while that sync was in flight, or a
                // phone clock a little slow) is honest: today is still open, so it counts.
                op(
                    "in-flight",
                    server.now() - 60_000,
                    json!({"type": "checkin"}),
                ),
            ],
        )
        .await;
    assert_eq!(
        statuses(&body),
        [
            "rejected:claimed_time_before_last_contact",
            "rejected:claimed_time_before_last_contact",
            "accepted"
        ]
    );

    // A member's check-in claimed too late on their phone is not made good by signing in on a
    // fresh device: signing in is that device's first contact.
    let phone = server.member_session("fay", None).await;
    let body = server
        .sync_ok(
            &phone,
            vec![op("fay-today", server.now(), json!({"type": "checkin"}))],
        )
        .await;
    assert_eq!(statuses(&body), ["accepted"]);
    assert_eq!(
        check_in_claimed_for_yesterday(&server, &phone, "fay-yesterday").await,
        ["rejected:claimed_time_before_last_contact"]
    );
    let fresh = server.member_session("fay", None).await;
    assert_eq!(
        check_in_claimed_for_yesterday(&server, &fresh, "fay-again").await,
        ["rejected:claimed_time_before_last_contact"]
    );
    // Nor by a fresh anonymous device that claims the missed day and then signs in: a device
    // claims nothing from before its session was made, its first contact.
    let fresh_anonymous = server.session().await;
    assert_eq!(
        check_in_claimed_for_yesterday(&server, &fresh_anonymous, "fay-via-anonymous").await,
        ["rejected:claimed_time_before_last_contact"]
    );
    let signed_in = server.member_session("fay", Some(&fresh_anonymous)).await;
    let days = server.state(&signed_in).await["checkins"]["days"].clone();
    assert_eq!(
        days.as_object().map(|d| d.len()),
        Some(1),
        "only today's check-in: {days}"
    );
    // What a device did in the minutes before its session was made (the first sync in
    // flight) still counts.
    let anonymous = server.session().await;
    let body = server
        .sync_ok(
            &anonymous,
            vec![op(
                "first-visit",
                server.now() - 60_000,
                json!({"type": "checkin"}),
            )],
        )
        .await;
    assert_eq!(statuses(&body), ["accepted"]);
}

/// The results of a check-in `token` claims for this time yesterday.
async fn check_in_claimed_for_yesterday(server: &TestServer, token: &str, id: &str) -> Vec<String> {
    let claim = op(
        id,
        server.now() - 24 * 3_600_000,
        json!({"type": "checkin"}),
    );
    statuses(&server.sync_ok(token, vec![claim]).await)
}

fn quiz_answers() -> Value {
    json!({"after-cleanse":{"choice":"shiny-tzone"},"midday":{"choice":"shiny-tzone"},"tzone-shine":{"choice":"cheeks-normal"},"pores":{"choice":"large-tzone"},"reaction":{"choice":"never"},"concerns":{"choices":["pores"]},"tightness":{"scale":2},"breakouts":{"choice":"monthly"},"spf":{"choice":"sunny-days"}})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn syncs_beyond_the_device_rate_get_429_with_retry_after() {
    let server = TestServer::start_with(
        Backend::Sqlite,
        siyu_server::limits::RateLimitConfig {
            sync_per_device: 1,
            sessions_per_address: 100,
        },
    )
    .await;
    let token = server.session().await;
    let mut limited = None;
    for _ in 0..5 {
        let response = server
            .http
            .post(format!("{}/v1/sync", server.base))
            .bearer_auth(&token)
            .json(&json!({"version": 1, "campaign": "glow-skin"}))
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            limited = Some(
                response.headers()["retry-after"]
                    .to_str()
                    .unwrap()
                    .parse::<u64>()
                    .unwrap(),
            );
            let body: Value = response.json().await.unwrap();
            assert_eq!(body["error"]["code"], "rate_limited");
            break;
        }
    }
    assert!(
        limited.is_some_and(|s| s >= 1),
        "the fourth quick sync is limited"
    );
}

/// A sync's writes run straight in the group commit's transaction (no savepoint each): a
/// storage error in the middle of them must roll the whole group back, answer an error, and
/// leave nothing of the batch behind, neither in the database nor in the writer's caches.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_write_failing_halfway_keeps_nothing_of_the_batch() {
    let server = TestServer::start(Backend::Sqlite).await;
    let token = server.session().await;
    let path = server.db.url.strip_prefix("sqlite://").unwrap().to_owned();
    let failing_insert = |sql: &'static str| {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .unwrap();
        conn.execute_batch(sql).unwrap();
    };
    // The batch's second row fails after its first row is written.
    failing_insert(
        "CREATE TRIGGER fail_second_row BEFORE INSERT ON ops WHEN NEW.op_id = 'second'
         BEGIN SELECT RAISE(ABORT, 'injected storage failure'); END;",
    );
    let batch = vec![
        op("first", server.now(), json!({"type": "checkin"})),
        op("second", server.now(), json!({"type": "checkin"})),
    ];
    let (status, body) = server.sync(&token, batch.clone()).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(body["error"]["code"], "internal", "{body}");
    assert!(
        !body.to_string().contains("injected"),
        "storage details stay in the log: {body}"
    );
    let state = server.state(&token).await;
    assert_eq!(balance(&state), 0, "nothing of the batch was kept: {state}");
    assert!(state["applied"].as_object().unwrap().is_empty(), "{state}");

    // Once storage works again the same batch is taken as new, exactly once.
    failing_insert("DROP TRIGGER fail_second_row;");
    let body = server.sync_ok(&token, batch.clone()).await;
    assert_eq!(statuses(&body)[0], "accepted", "{body}");
    assert_eq!(balance(&body["state"]), 5);
    let again = server.sync_ok(&token, batch).await;
    assert_eq!(statuses(&again)[0], "duplicate", "{again}");
    assert_eq!(balance(&again["state"]), 5);
}

/// Small answers go out plain even to clients that accept compression (it cost a sync 7× its
/// CPU and saves no round trip); large ones are compressed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn only_large_answers_are_compressed() {
    let server = TestServer::start(Backend::Sqlite).await;
    let token = server.session().await;
    let body = json!({
        "version": 1,
        "campaign": "glow-skin",
        "ops": [op("c1", server.now(), json!({"type": "checkin"}))],
    });
    let sync = server
        .http
        .post(format!("{}/v1/sync", server.base))
        .bearer_auth(&token)
        .header("accept-encoding", "gzip, deflate, br, zstd")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(sync.status(), StatusCode::OK);
    assert!(sync.headers().get("content-encoding").is_none());
    let answer: Value = sync.json().await.unwrap();
    assert_eq!(statuses(&answer), ["accepted"]);

    let campaign = |encoding: &'static str| {
        server
            .http
            .get(format!("{}/v1/campaigns/glow-skin", server.base))
            .header("accept-encoding", encoding)
            .send()
    };
    let plain = campaign("identity").await.unwrap().bytes().await.unwrap();
    assert!(
        plain.len() > usize::from(siyu_server::COMPRESS_ABOVE_BYTES),
        "the campaign is a large answer ({} bytes)",
        plain.len()
    );
    let compressed = campaign("gzip, deflate, br, zstd").await.unwrap();
    assert_eq!(compressed.headers()["content-encoding"], "br");
    assert_eq!(compressed.headers()["cache-control"], "public, max-age=60");
    let gzipped = campaign("gzip").await.unwrap();
    assert_eq!(gzipped.headers()["content-encoding"], "gzip");
    let gzipped = gzipped.bytes().await.unwrap();
    let mut unzipped = Vec::new();
    std::io::Read::read_to_end(
        &mut flate2::read::GzDecoder::new(&gzipped[..]),
        &mut unzipped,
    )
    .unwrap();
    assert_eq!(unzipped, plain, "the gzip body is the campaign");
    assert!(compressed
        .headers()
        .get_all("vary")
        .iter()
        .any(|v| v.to_str().unwrap().contains("accept-encoding")));
    let compressed = compressed.bytes().await.unwrap();
    assert!(
        compressed.len() * 2 < plain.len(),
        "{} bytes compressed from {}",
        compressed.len(),
        plain.len()
    );
}

/// The server binary, for the command line and its log output.
const BINARY: &str = env!("CARGO_BIN_EXE_siyu-server");

/// An error body: status, `error.code`, `error.message`; panics when it is not our shape.
async fn error_of(response: reqwest::Response) -> (StatusCode, String, String) {
    let status = response.status();
    let content_type = response
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_owned());
    let text = response.text().await.unwrap();
    assert_eq!(
        content_type.as_deref(),
        Some("application/json"),
        "{status}: {text}"
    );
    let body: Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    (
        status,
        body["error"]["code"].as_str().unwrap().to_owned(),
        body["error"]["message"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn unknown_routes_wrong_methods_and_large_bodies_answer_json_errors() {
    let server = TestServer::start(Backend::Sqlite).await;
    let url = |path: &str| format!("{}{path}", server.base);

    let (status, code, message) =
        error_of(server.http.get(url("/v1/nope")).send().await.unwrap()).await;
    assert_eq!(
        (status, code.as_str()),
        (StatusCode::NOT_FOUND, "not_found")
    );
    assert!(message.contains("/v1/nope"), "{message}");

    for (method, path, allowed) in [
        (Method::GET, "/v1/sync", "POST"),
        (Method::POST, "/v1/campaigns/glow-skin", "GET"),
        (Method::DELETE, "/v1/admin/campaigns/glow-skin", "PUT"),
    ] {
        let response = server
            .http
            .request(method.clone(), url(path))
            .send()
            .await
            .unwrap();
        let allow = response.headers()["allow"].to_str().unwrap().to_owned();
        assert!(allow.contains(allowed), "{method} {path}: Allow {allow}");
        let (status, code, message) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            "{method} {path}"
        );
        assert!(
            message.contains(path) && message.contains(method.as_str()),
            "{message}"
        );
    }

    // A body over the limit on every route that reads one, with credentials or without; the
    // campaign route reads its body whatever its type (the JSON routes refuse another type
    // first, with a 415 of our shape).
    let token = server.session().await;
    let huge = "x".repeat(siyu_server::REQUEST_BODY_BYTES_MAX + 1);
    let admin = Some(server.admin_key.as_str());
    for (method, path, credentials, content_type) in [
        (
            Method::PUT,
            "/v1/admin/campaigns/glow-skin",
            None,
            "text/plain",
        ),
        (
            Method::PUT,
            "/v1/admin/campaigns/glow-skin",
            admin,
            "text/plain",
        ),
        (
            Method::PUT,
            "/v1/admin/campaigns/glow-skin",
            admin,
            "application/json",
        ),
        (
            Method::POST,
            "/v1/admin/members/alice/points",
            admin,
            "application/json",
        ),
        (Method::POST, "/v1/sessions", None, "application/json"),
        (
            Method::POST,
            "/v1/sync",
            Some(token.as_str()),
            "application/json",
        ),
    ] {
        let mut request = server
            .http
            .request(method.clone(), url(path))
            .header("content-type", content_type)
            .body(huge.clone());
        if let Some(credentials) = credentials {
            request = request.bearer_auth(credentials);
        }
        let (status, code, message) = error_of(request.send().await.unwrap()).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large"),
            "{method} {path} {content_type} {}",
            credentials.is_some()
        );
        assert!(message.contains("larger than"), "{message}");
    }
}

/// The timeout layer answers for a handler that is still waiting (here for a body that never
/// finishes); its 408 has our shape too.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_request_not_answered_in_time_gets_a_json_408() {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    let server = TestServer::start(Backend::Sqlite).await;
    let address = server.base.strip_prefix("http://").unwrap();
    let mut stream = tokio::net::TcpStream::connect(address).await.unwrap();
    stream
        .write_all(
            b"PUT /v1/admin/campaigns/glow-skin HTTP/1.1\r\nHost: siyu\r\n\
              Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\"",
        )
        .await
        .unwrap();
    let mut answer = Vec::new();
    let read = async {
        loop {
            let mut chunk = [0u8; 1024];
            let n = stream.read(&mut chunk).await.unwrap();
            answer.extend_from_slice(&chunk[..n]);
            let mut headers = [httparse::EMPTY_HEADER; 32];
            let mut response = httparse::Response::new(&mut headers);
            if let Ok(httparse::Status::Complete(head)) = response.parse(&answer) {
                let length: usize = response
                    .headers
                    .iter()
                    .find(|h| h.name.eq_ignore_ascii_case("content-length"))
                    .map(|h| std::str::from_utf8(h.value).unwrap().parse().unwrap())
                    .unwrap_or(0);
                if n == 0 || answer.len() >= head + length {
                    return (response.code.unwrap(), answer[head..].to_vec());
                }
            } else if n == 0 {
                panic!("closed without an answer: {answer:?}");
            }
        }
    };
    let (status, body) = tokio::time::timeout(
        siyu_server::REQUEST_TIMEOUT + std::time::Duration::from_secs(15),
        read,
    )
    .await
    .expect("an answer once the request timed out");
    assert_eq!(status, 408);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body["error"]["code"], "request_timeout", "{body}");
    assert!(!body["error"]["message"].as_str().unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn member_tokens_may_carry_registered_claims_and_refusals_say_what_is_wrong() {
    let server = TestServer::start(Backend::Sqlite).await;
    let now = server.now() / 1_000;
    let secret = server.member_secret.clone();
    let session = |member_token: String| {
        server.call(
            Method::POST,
            "/v1/sessions",
            None,
            Some(json!({"campaign": "glow-skin", "member_token": member_token})),
        )
    };
    // What a JWT library or an identity provider adds by default is no reason to refuse.
    for claims in [
        json!({"tenant": "glow", "member": "bob", "exp": now + 600, "iat": now,
               "iss": "glow-backend", "sub": "bob", "aud": "siyu", "nbf": now, "jti": "t-1"}),
        json!({"tenant": "glow", "member": "bob", "exp": now + 600,
               "aud": ["siyu", "crm"], "nbf": now + 30, "scope": "loyalty"}),
    ] {
        let (status, body) = session(common::sign(&claims, secret.as_bytes())).await;
        assert_eq!(status, StatusCode::CREATED, "{claims}: {body}");
        assert_eq!(body["member"], "member:bob");
    }

    let refused = |response: (StatusCode, Value), code: &str, says: &str| {
        let (status, body) = response;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
        assert_eq!(body["error"]["code"], code, "{body}");
        let message = body["error"]["message"].as_str().unwrap();
        assert!(message.contains(says), "{message} should say {says}");
        assert!(
            !message.contains("Invalid") && !message.contains("JSON error"),
            "no library internals: {message}"
        );
    };
    let good = json!({"tenant": "glow", "member": "bob", "exp": now + 600});
    refused(
        session(common::sign(&good, b"another brand's secret")).await,
        "invalid_member_token",
        "signature does not verify with this brand's",
    );
    for (claims, says) in [
        (json!({"tenant": "glow", "exp": now + 600}), "`member`"),
        (json!({"member": "bob", "exp": now + 600}), "`tenant`"),
        (json!({"tenant": "glow", "member": "bob"}), "`exp`"),
        (
            json!({"tenant": "glow", "member": "bob", "exp": "tomorrow"}),
            "`exp` claim must be a number",
        ),
        (
            json!({"tenant": "glow", "member": 7, "exp": now + 600}),
            "`member` claim must be a string",
        ),
        (
            json!({"tenant": "glow", "member": "bob", "exp": now + 600, "nbf": "now"}),
            "`nbf` claim must be a number",
        ),
    ] {
        refused(
            session(common::sign(&claims, secret.as_bytes())).await,
            "invalid_member_token",
            says,
        );
    }
    refused(
        session(common::sign(
            &json!({"tenant": "glow", "member": "bob", "exp": now + 7_200, "nbf": now + 3_600}),
            secret.as_bytes(),
        ))
        .await,
        "member_token_not_yet_valid",
        "nbf",
    );
    refused(
        session("not.a-jwt".to_owned()).await,
        "invalid_member_token",
        "not a JWT",
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_bearer_scheme_is_case_insensitive() {
    let server = TestServer::start(Backend::Sqlite).await;
    let token = server.session().await;
    for scheme in ["bearer", "BEARER", "Bearer"] {
        let response = server
            .http
            .post(format!("{}/v1/sync", server.base))
            .header("authorization", format!("{scheme} {token}"))
            .json(&json!({"version": 1, "campaign": "glow-skin"}))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{scheme}");
        let stats = server
            .http
            .get(format!(
                "{}/v1/admin/campaigns/glow-skin/stats",
                server.base
            ))
            .header("authorization", format!("{scheme} {}", server.admin_key))
            .send()
            .await
            .unwrap();
        assert_eq!(stats.status(), StatusCode::OK, "{scheme}");
    }
    for header in [format!("Basic {token}"), format!("Bearer{token}"), token] {
        let response = server
            .http
            .post(format!("{}/v1/sync", server.base))
            .header("authorization", &header)
            .json(&json!({"version": 1, "campaign": "glow-skin"}))
            .send()
            .await
            .unwrap();
        let (status, code, _) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNAUTHORIZED, "missing_credentials"),
            "{header}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn if_none_match_takes_lists_stars_and_weak_tags() {
    let server = TestServer::start(Backend::Sqlite).await;
    let get = |if_none_match: &'static str| {
        server
            .http
            .get(format!("{}/v1/campaigns/glow-skin", server.base))
            .header("if-none-match", if_none_match)
            .send()
    };
    let etag = get("\"other\"").await.unwrap().headers()["etag"].clone();
    assert_eq!(etag, "\"glow-skin-r1\"");
    for matching in [
        "\"glow-skin-r1\"",
        "\"x\", \"glow-skin-r1\"",
        "\"a,b\",W/\"glow-skin-r1\"",
        "W/\"glow-skin-r1\"",
        "*",
    ] {
        let response = get(matching).await.unwrap();
        assert_eq!(response.status(), StatusCode::NOT_MODIFIED, "{matching}");
        assert_eq!(response.headers()["etag"], etag);
    }
    for other in ["\"x\", \"y\"", "W/\"glow-skin-r2\"", "\"glow-skin-r1"] {
        assert_eq!(
            get(other).await.unwrap().status(),
            StatusCode::OK,
            "{other}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_device_token_past_the_renewal_window_asks_for_a_new_session() {
    let server = TestServer::start(Backend::Sqlite).await;
    let token = server.session().await;
    server.set_time(40, 0);
    let (status, body) = server
        .call(
            Method::POST,
            "/v1/sessions",
            None,
            Some(json!({"campaign": "glow-skin", "device_token": token})),
        )
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "token_expired");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.contains("without device_token") && !message.contains("renew it"),
        "{message}"
    );
    // What it says to do works.
    server.session().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenant_create_takes_only_origins_a_browser_can_send() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("siyu.db").display());
    let create = |id: &str, origins: &[&str]| {
        let mut command = std::process::Command::new(BINARY);
        command.args(["tenant", "create", id, "--db", &db]);
        for origin in origins {
            command.args(["--origin", origin]);
        }
        command.output().unwrap()
    };
    for bad in [
        "not a url",
        "shop.example",
        "ftp://shop.example",
        "https://shop.example/shop",
        "https://shop.example?x=1",
        "https://shop.example#top",
        "https://user@shop.example",
        "https://shop.example:0",
        "https://shop.example:99999",
        "https://",
        "https://shop..example",
    ] {
        let out = create("shop", &["https://ok.example", bad]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad} was taken");
        assert!(
            stderr.contains("is not an origin") && stderr.contains(bad),
            "{bad}: {stderr}"
        );
    }
    let out = create(
        "shop",
        &[
            "https://shop.example/",
            "HTTPS://Shop.Example:443",
            "http://localhost:8080",
            "http://[::1]:3000",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = siyu_server::cli::open_store(&db).await.unwrap();
    let tenant = store
        .tenant(&siyu_core::ids::TenantId::parse("shop").unwrap())
        .await
        .unwrap()
        .expect("created once all its origins were good");
    assert_eq!(
        tenant.origins,
        [
            "https://shop.example",
            "https://shop.example",
            "http://localhost:8080",
            "http://[::1]:3000"
        ]
    );
}

/// Logs written to a file or a pipe (a service manager, a collector) carry no colour codes.
#[test]
fn text_logs_have_no_colour_codes_when_stderr_is_not_a_terminal() {
    use std::io::BufRead as _;
    use std::process::{Command, Stdio};

    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("siyu.db").display());
    let mut child = Command::new(BINARY)
        .args(["serve", "--listen", "127.0.0.1:0", "--db", &db])
        // Colour and the INFO line must not depend on the environment the tests run in.
        .env_remove("NO_COLOR")
        .env_remove("RUST_LOG")
        .args(["--www", &dir.path().join("no-site").display().to_string()])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (lines, received) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr).lines() {
            if lines.send(line.unwrap()).is_err() {
                break;
            }
        }
    });
    let line = loop {
        match received.recv_timeout(std::time::Duration::from_secs(60)) {
            Ok(line) if line.contains("listening") => break Ok(line),
            Ok(_) => {}
            Err(e) => break Err(e),
        }
    };
    child.kill().unwrap();
    child.wait().unwrap();
    let line = line.expect("the server logs that it is listening");
    assert!(line.contains("INFO"), "{line}");
    assert!(!line.contains('\u{1b}'), "colour codes in {line:?}");
}

/// A shape error (a wrong type, an unknown field) deep in a one-line document names where it
/// is, not only a line and column.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_campaign_of_the_wrong_shape_is_refused_with_the_path_of_the_field() {
    let server = TestServer::start(Backend::Sqlite).await;
    let key = server.admin_key.clone();
    let mut wrong_type = common::test_campaign();
    wrong_type["revision"] = json!(2);
    wrong_type["rewards"][2]["cost"] = json!("lots");
    let mut unknown_field = common::test_campaign();
    unknown_field["revision"] = json!(2);
    unknown_field["checkin"]["colour"] = json!("red");
    for (document, expected) in [
        (
            wrong_type,
            "rewards[2].cost: invalid type: string \"lots\", expected u64",
        ),
        (unknown_field, "checkin.colour: unknown field `colour`"),
        // Broken JSON has no field to name: serde_json's own words.
        (
            Value::String("{\"schema_version\": 1,".into()),
            "EOF while parsing",
        ),
    ] {
        let response = server
            .http
            .put(format!("{}/v1/admin/campaigns/glow-skin", server.base))
            .bearer_auth(&key)
            .header("content-type", "application/json")
            // One line, as a tool writes it: a line and column alone would say nothing.
            .body(match document {
                Value::String(text) => text,
                document => document.to_string(),
            })
            .send()
            .await
            .unwrap();
        let (status, code, message) = error_of(response).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::BAD_REQUEST, "malformed_campaign"),
            "{message}"
        );
        assert!(message.starts_with(expected), "{message}");
    }

    // Every broken section is listed, each with its place, not only the first serde met.
    let mut several = common::test_campaign();
    several["revision"] = json!(2);
    several["rewards"][0]["cost"] = json!("lots");
    several["rewards"][2]["name"] = json!(7);
    several["checkin"]["colour"] = json!("red");
    several.as_object_mut().unwrap().remove("starts_on");
    let response = server
        .http
        .put(format!("{}/v1/admin/campaigns/glow-skin", server.base))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .body(several.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    let paths: Vec<&str> = body["error"]["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        paths,
        ["", "checkin.colour", "rewards[0].cost", "rewards[2].name"],
        "{body}"
    );
    let message = body["error"]["message"].as_str().unwrap();
    assert!(
        message.starts_with("missing field `starts_on`")
            && message.ends_with("(and 3 more: see problems); its rules are checked once it reads"),
        "{message}"
    );

    let (_, live) = server
        .call(Method::GET, "/v1/campaigns/glow-skin", None, None)
        .await;
    assert_eq!(live["revision"], 1, "nothing was published");
}

/// A JSON route sent no `Content-Type`, or another one, answers 415 in our shape.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_json_route_without_a_json_content_type_answers_415() {
    let server = TestServer::start(Backend::Sqlite).await;
    let token = server.session().await;
    let sync = json!({"version": 1, "campaign": "glow-skin", "ops": []}).to_string();
    let session = json!({"campaign": "glow-skin"}).to_string();
    let credit = json!({"campaign": "glow-skin", "reference": "o-1", "amount_minor": 100});
    let admin = server.admin_key.as_str();
    for (path, credentials, body) in [
        ("/v1/sync", Some(token.as_str()), sync),
        ("/v1/sessions", None, session),
        (
            "/v1/admin/members/alice/points",
            Some(admin),
            credit.to_string(),
        ),
    ] {
        for content_type in [
            None,
            Some("text/plain"),
            Some("application/x-www-form-urlencoded"),
        ] {
            let mut request = server
                .http
                .post(format!("{}{path}", server.base))
                .body(body.clone());
            if let Some(credentials) = credentials {
                request = request.bearer_auth(credentials);
            }
            if let Some(content_type) = content_type {
                request = request.header("content-type", content_type);
            }
            let (status, code, message) = error_of(request.send().await.unwrap()).await;
            assert_eq!(
                (status, code.as_str()),
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
                "{path} {content_type:?}: {message}"
            );
            assert!(message.contains("application/json"), "{message}");
        }
        // A compressed body is refused as such, not read as broken JSON.
        let mut request = server
            .http
            .post(format!("{}{path}", server.base))
            .header("content-type", "application/json")
            .header("content-encoding", "gzip")
            .body(body.clone());
        if let Some(credentials) = credentials {
            request = request.bearer_auth(credentials);
        }
        let (status, code, message) = error_of(request.send().await.unwrap()).await;
        assert_eq!(
            (status, code.as_str()),
            (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type"),
            "{path} gzip: {message}"
        );
        assert!(message.contains("Content-Encoding"), "{message}");
    }
    // The same bodies as JSON are taken.
    let (status, body) = server.credit("alice", "o-1", 100).await;
    assert_eq!(status, StatusCode::OK, "{body}");
}

/// The routes the router serves, by method: the document must describe these and no others.
const ROUTES: [(&str, &str); 13] = [
    ("get", "/v1/campaigns/{id}"),
    ("post", "/v1/sessions"),
    ("post", "/v1/sync"),
    ("get", "/v1/me/export"),
    ("delete", "/v1/me"),
    ("put", "/v1/admin/campaigns/{id}"),
    ("get", "/v1/admin/campaigns/{id}/stats"),
    ("get", "/v1/admin/campaigns/{id}/export.csv"),
    ("post", "/v1/admin/members/{member}/points"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/v1/openapi.json"),
];

/// The document lists every route with the statuses it answers, and its schemas describe what
/// the server really writes: real answers (a sync with every kind of result, an export, the
/// campaign, a 422) are checked against them key by key, so a field added to the wire without
/// its schema fails here.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_openapi_document_describes_every_route_and_what_it_answers() {
    let server = TestServer::start(Backend::Sqlite).await;
    let (status, doc) = server
        .call(Method::GET, "/v1/openapi.json", None, None)
        .await;
    assert_eq!(status, StatusCode::OK);

    let mut documented: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            documented.push((method.clone(), path.clone()));
        }
    }
    let mut served: Vec<(String, String)> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    documented.sort();
    served.sort();
    assert_eq!(documented, served);
    // Every route answers something, and the statuses the handlers and layers really give
    // are listed where they apply.
    let statuses = |method: &str, path: &str| -> Vec<String> {
        doc["paths"][path][method]["responses"]
            .as_object()
            .unwrap_or_else(|| panic!("{method} {path} has responses"))
            .keys()
            .cloned()
            .collect()
    };
    for (method, path, expected) in [
        (
            "post",
            "/v1/sync",
            &[
                "200", "400", "401", "403", "404", "408", "413", "415", "422", "429",
            ][..],
        ),
        (
            "post",
            "/v1/sessions",
            &[
                "201", "400", "401", "403", "404", "408", "413", "415", "429",
            ],
        ),
        (
            "post",
            "/v1/admin/members/{member}/points",
            &[
                "200", "400", "401", "404", "408", "409", "413", "415", "422",
            ],
        ),
        (
            "put",
            "/v1/admin/campaigns/{id}",
            &[
                "200", "400", "401", "403", "408", "409", "413", "415", "422",
            ],
        ),
        (
            "get",
            "/v1/campaigns/{id}",
            &["200", "304", "400", "404", "408"],
        ),
        ("get", "/readyz", &["200", "503"]),
    ] {
        assert_eq!(statuses(method, path), expected, "{method} {path}");
    }
    let schemas = &doc["components"]["schemas"];
    assert_eq!(
        schemas["PurchaseCredit"]["properties"]["amount_minor"]["minimum"],
        1
    );
    assert!(schemas["ErrorDetail"]["properties"]["problems"].is_object());

    // The sync request names its operations and every kind of them.
    let request =
        &doc["paths"]["/v1/sync"]["post"]["requestBody"]["content"]["application/json"]["schema"];
    let request = resolve(&doc, request);
    assert_eq!(request["properties"]["ops"]["type"], "array");
    let client_op = resolve(&doc, &request["properties"]["ops"]["items"]);
    let operation = resolve(&doc, &client_op["properties"]["op"]);
    let mut kinds: Vec<&str> = operation["oneOf"]
        .as_array()
        .expect("operations are one of several kinds")
        .iter()
        .map(|kind| kind["properties"]["type"]["enum"][0].as_str().unwrap())
        .collect();
    kinds.sort_unstable();
    assert_eq!(
        kinds,
        [
            "adjust",
            "checkin",
            "credit_purchase",
            "makeup_checkin",
            "redeem",
            "submit_quiz"
        ]
    );

    // Real answers, against the document.
    let token = server.session().await;
    let ops = vec![
        op("d1", server.now(), json!({"type": "checkin"})),
        op(
            "d2",
            server.now(),
            json!({"type": "submit_quiz", "answers": quiz_answers()}),
        ),
        op(
            "d3",
            server.now(),
            json!({"type": "redeem", "reward": "golden-ticket"}),
        ),
        op("d1", server.now(), json!({"type": "checkin"})),
        op(
            "d4",
            server.now(),
            json!({"type": "redeem", "reward": "nope"}),
        ),
    ];
    let request = json!({"version": 1, "campaign": "glow-skin", "ops": ops});
    conforms(&doc, "SyncRequest", &request);
    let answer = server.sync_ok(&token, ops).await;
    assert_eq!(
        statuses_of(&answer),
        ["accepted", "accepted", "accepted", "duplicate", "rejected"]
    );
    conforms(&doc, "SyncResponse", &answer);
    let (_, export) = server
        .call(Method::GET, "/v1/me/export", Some(&token), None)
        .await;
    conforms(&doc, "MemberExportDoc", &export);
    let (_, campaign) = server
        .call(Method::GET, "/v1/campaigns/glow-skin", None, None)
        .await;
    conforms(&doc, "Campaign", &campaign);
    let mut invalid = common::test_campaign();
    invalid["rewards"][0]["cost"] = json!(0);
    invalid["revision"] = json!(2);
    let (status, refusal) = server
        .call(
            Method::PUT,
            "/v1/admin/campaigns/glow-skin",
            Some(&server.admin_key),
            Some(invalid),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    conforms(&doc, "ErrorBody", &refusal);
}

fn statuses_of(answer: &Value) -> Vec<&str> {
    answer["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect()
}

/// A schema, following `$ref`s into the document's components.
fn resolve<'a>(doc: &'a Value, schema: &'a Value) -> &'a Value {
    match schema["$ref"].as_str() {
        Some(reference) => {
            let name = reference
                .strip_prefix("#/components/schemas/")
                .unwrap_or_else(|| panic!("a component reference: {reference}"));
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{name} is in the document"
            );
            resolve(doc, &doc["components"]["schemas"][name])
        }
        None => schema,
    }
}

/// Panics unless `value` is described by the component `name`: every key it has is a
/// property of its schema, every required property is there, types and enums agree.
fn conforms(doc: &Value, name: &str, value: &Value) {
    let schema = &doc["components"]["schemas"][name];
    assert!(schema.is_object(), "{name} is in the document");
    if let Err(problem) = check(doc, schema, value, "") {
        panic!("{name} does not describe the answer: {problem}\n{value}");
    }
}

fn check(doc: &Value, schema: &Value, value: &Value, at: &str) -> Result<(), String> {
    let known = known_keys(doc, schema, value, at)?;
    if let (Some(known), Some(object)) = (known, value.as_object()) {
        if let Some(key) = object.keys().find(|key| !known.contains(*key)) {
            return Err(format!("{at}.{key} is not described"));
        }
    }
    Ok(())
}

/// Checks `value` against `schema` without refusing keys it does not know; returns the keys
/// it describes (`None`: any key).
fn known_keys(
    doc: &Value,
    schema: &Value,
    value: &Value,
    at: &str,
) -> Result<Option<Vec<String>>, String> {
    let schema = resolve(doc, schema);
    if let Some(alternatives) = schema["oneOf"].as_array() {
        let mut tried = Vec::new();
        for alternative in alternatives {
            match known_keys(doc, alternative, value, at) {
                Ok(known) => return Ok(known),
                Err(problem) => tried.push(problem),
            }
        }
        return Err(format!(
            "{at}: no alternative matches ({})",
            tried.join("; ")
        ));
    }
    if let Some(parts) = schema["allOf"].as_array() {
        let mut all = Vec::new();
        for part in parts {
            match known_keys(doc, part, value, at)? {
                Some(keys) => all.extend(keys),
                None => return Ok(None),
            }
        }
        return Ok(Some(all));
    }
    if let Some(allowed) = schema["enum"].as_array() {
        if !allowed.contains(value) {
            return Err(format!("{at}: {value} is not one of {allowed:?}"));
        }
    }
    let types: Vec<&str> = match &schema["type"] {
        Value::String(one) => vec![one.as_str()],
        Value::Array(several) => several.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    let is = |kind: &str| match value {
        Value::Null => kind == "null",
        Value::Bool(_) => kind == "boolean",
        Value::Number(n) => kind == "number" || (kind == "integer" && (n.is_i64() || n.is_u64())),
        Value::String(_) => kind == "string",
        Value::Array(_) => kind == "array",
        Value::Object(_) => kind == "object",
    };
    if !types.is_empty() && !types.iter().any(|kind| is(kind)) {
        return Err(format!("{at}: {value} is not {types:?}"));
    }
    if let Some(minimum) = schema["minimum"].as_f64() {
        if value.as_f64().is_some_and(|n| n < minimum) {
            return Err(format!("{at}: {value} is below {minimum}"));
        }
    }
    match value {
        Value::Array(items) => {
            let prefix = schema["prefixItems"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for (i, item) in items.iter().enumerate() {
                let item_schema = prefix.get(i).unwrap_or(&schema["items"]);
                match item_schema {
                    Value::Bool(false) => return Err(format!("{at}[{i}] is one too many")),
                    Value::Null | Value::Bool(true) => {}
                    item_schema => check(doc, item_schema, item, &format!("{at}[{i}]"))?,
                }
            }
            Ok(None)
        }
        Value::Object(object) => {
            for required in schema["required"].as_array().into_iter().flatten() {
                let required = required.as_str().unwrap();
                if !object.contains_key(required) {
                    return Err(format!("{at}.{required} is required but missing"));
                }
            }
            let properties = schema["properties"].as_object();
            let additional = &schema["additionalProperties"];
            if properties.is_none() && !additional.is_object() {
                return Ok(None);
            }
            let mut known = Vec::new();
            for (key, item) in object {
                let path = format!("{at}.{key}");
                if let Some(property) = properties.and_then(|p| p.get(key)) {
                    check(doc, property, item, &path)?;
                    known.push(key.clone());
                } else if additional.is_object() {
                    check(doc, additional, item, &path)?;
                    known.push(key.clone());
                }
            }
            Ok(Some(known))
        }
        _ => Ok(None),
    }
}
