//! Tests across processes: the real `siyu-server` binary killed with SIGKILL under load and
//! restarted (durability), two server processes on one PostgreSQL (scale-out) or one SQLite
//! file (a rolling restart), and the command line writing while a server runs.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{op, statuses, Backend, Database};
use futures::future::join_all;
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

const BINARY: &str = env!("CARGO_BIN_EXE_siyu-server");

/// A `siyu-server serve` process.
struct ServerProcess {
    child: Child,
    base: String,
}

impl ServerProcess {
    fn spawn(db: &str) -> Self {
        let mut child = Command::new(BINARY)
            .args([
                "serve",
                "--db",
                db,
                "--listen",
                "127.0.0.1:0",
                "--session-rate",
                "10000",
                "--sync-rate",
                "10000",
            ])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("start siyu-server");
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        let mut reader = BufReader::new(stdout);
        reader.read_line(&mut line).unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("unexpected first line: {line:?}"))
            .to_owned();
        // Keep draining stdout so the server never writes into a closed pipe.
        std::thread::spawn(move || std::io::copy(&mut reader, &mut std::io::sink()));
        Self { child, base }
    }

    fn kill_9(mut self) {
        // std's kill() is SIGKILL on Unix: no shutdown, no flush, like a power cut.
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Creates the tenant and publishes the test campaign through the command line; returns the
/// admin key.
fn provision(db: &str, dir: &std::path::Path) -> String {
    provision_tenant(db, dir).0
}

/// [`provision`], returning the admin key and the member-token secret.
fn provision_tenant(db: &str, dir: &std::path::Path) -> (String, String) {
    let out = Command::new(BINARY)
        .args(["tenant", "create", "glow", "--db", db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let tenant: Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = dir.join("campaign.json");
    std::fs::write(&file, common::test_campaign().to_string()).unwrap();
    let out = Command::new(BINARY)
        .args(["campaign", "publish", file.to_str().unwrap(), "--db", db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    (
        tenant["admin_key"].as_str().unwrap().to_owned(),
        tenant["member_secret"].as_str().unwrap().to_owned(),
    )
}

async fn credit(
    http: &Client,
    base: &str,
    key: &str,
    member: &str,
    reference: &str,
) -> Option<Value> {
    let body = json!({"campaign": "glow-skin", "reference": reference, "amount_minor": 1_000});
    let response = http
        .post(format!("{base}/v1/admin/members/{member}/points"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .ok()?;
    if response.status() != StatusCode::OK {
        return None;
    }
    response.json().await.ok()
}

async fn acknowledged_survive_kill_9(backend: Backend) {
    let db = Database::fresh(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let key = provision(&db.url, dir.path());
    let http = Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let acknowledged: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    for cycle in 0..5 {
        let server = ServerProcess::spawn(&db.url);
        let deadline = Instant::now() + Duration::from_millis(400);
        let writers = (0..16).map(|writer| {
            let (http, base, key, acknowledged) = (
                http.clone(),
                server.base.clone(),
                key.clone(),
                acknowledged.clone(),
            );
            tokio::spawn(async move {
                let member = format!("m{writer}");
                for n in 0.. {
                    let reference = format!("c{cycle}-w{writer}-{n}");
                    match credit(&http, &base, &key, &member, &reference).await {
                        Some(answer) if answer["status"] == "accepted" => acknowledged
                            .lock()
                            .unwrap()
                            .push((member.clone(), reference)),
                        Some(answer) => panic!("a fresh reference must be accepted: {answer}"),
                        None => return,
                    }
                    if Instant::now() > deadline + Duration::from_secs(2) {
                        return;
                    }
                }
            })
        });
        let writers: Vec<_> = writers.collect();
        tokio::time::sleep_until(deadline.into()).await;
        server.kill_9();
        for writer in writers {
            writer.await.unwrap();
        }
    }
    let acknowledged = acknowledged.lock().unwrap().clone();
    assert!(
        acknowledged.len() > 100,
        "the load acknowledged only {} operations",
        acknowledged.len()
    );
    let server = ServerProcess::spawn(&db.url);
    for (member, reference) in &acknowledged {
        let answer = credit(&http, &server.base, &key, member, reference)
            .await
            .expect("the restarted server answers");
        assert_eq!(
            answer["status"], "duplicate",
            "acknowledged {reference} of {member} was lost"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_operations_survive_kill_9_on_sqlite() {
    acknowledged_survive_kill_9(Backend::Sqlite).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_operations_survive_kill_9_on_postgres() {
    acknowledged_survive_kill_9(Backend::Postgres).await;
}

async fn session(http: &Client, base: &str, member_token: Option<&str>) -> String {
    let mut body = json!({"campaign": "glow-skin"});
    if let Some(token) = member_token {
        body["member_token"] = json!(token);
    }
    let response = http
        .post(format!("{base}/v1/sessions"))
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn sync(http: &Client, base: &str, token: &str, ops: Vec<Value>) -> Value {
    let response = http
        .post(format!("{base}/v1/sync"))
        .bearer_auth(token)
        .json(&json!({"version": 1, "campaign": "glow-skin", "ops": ops}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_postgres_never_overdraw_or_oversell() {
    two_instances_never_overdraw_or_oversell(Backend::Postgres).await;
}

/// Two `serve` processes on one SQLite file (a rolling restart, or an operator's mistake):
/// each caches members and stock, so each must notice the other's commits.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_instances_on_one_sqlite_file_never_overdraw_or_oversell() {
    two_instances_never_overdraw_or_oversell(Backend::Sqlite).await;
}

async fn two_instances_never_overdraw_or_oversell(backend: Backend) {
    let db = Database::fresh(backend).await;
    let dir = tempfile::tempdir().unwrap();
    let (key, tenant_secret) = provision_tenant(&db.url, dir.path());
    let (one, two) = (ServerProcess::spawn(&db.url), ServerProcess::spawn(&db.url));
    let http = Client::new();
    let member_token = common::sign(
        &json!({"tenant": "glow", "member": "alice", "exp": now() / 1000 + 600}),
        tenant_secret.as_bytes(),
    );
    let phone = session(&http, &one.base, Some(&member_token)).await;
    let tablet = session(&http, &two.base, Some(&member_token)).await;
    assert_eq!(
        credit(&http, &one.base, &key, "alice", "order-1")
            .await
            .unwrap()["points"],
        10
    );
    // 10 points: the "golden-ticket" costs 5 and "tote" 100; give alice exactly 100.
    for n in 2..=10 {
        credit(&http, &two.base, &key, "alice", &format!("order-{n}"))
            .await
            .unwrap();
    }
    let answers = join_all((0..20).map(|i| {
        let (base, token) = if i % 2 == 0 {
            (&one.base, &phone)
        } else {
            (&two.base, &tablet)
        };
        sync(
            &http,
            base,
            token,
            vec![op(
                &format!("redeem-{i}"),
                now(),
                json!({"type": "redeem", "reward": "tote"}),
            )],
        )
    }))
    .await;
    let outcomes: Vec<String> = answers.iter().flat_map(statuses).collect();
    assert_eq!(
        outcomes.iter().filter(|s| *s == "accepted").count(),
        1,
        "{outcomes:?}"
    );

    // 50 members, one golden ticket, two instances.
    let mut tokens = Vec::new();
    for i in 0..50 {
        let base = if i % 2 == 0 { &one.base } else { &two.base };
        let token = session(&http, base, None).await;
        sync(
            &http,
            base,
            &token,
            vec![op(&format!("c{i}"), now(), json!({"type": "checkin"}))],
        )
        .await;
        tokens.push((base.clone(), token));
    }
    let answers = join_all(tokens.iter().enumerate().map(|(i, (base, token))| {
        sync(
            &http,
            base,
            token,
            vec![op(
                &format!("t{i}"),
                now(),
                json!({"type": "redeem", "reward": "golden-ticket"}),
            )],
        )
    }))
    .await;
    let outcomes: Vec<String> = answers.iter().flat_map(statuses).collect();
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
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_binary_explains_itself_and_refuses_bad_input() {
    let out = Command::new(BINARY).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("serve") && help.contains("tenant") && help.contains("campaign"),
        "{help}"
    );
    let out = Command::new(BINARY)
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(
        help.contains("--db") && help.contains("SIYU_DB") && help.contains("sqlite://siyu.db"),
        "{help}"
    );
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("x.db").display());
    Command::new(BINARY)
        .args(["tenant", "create", "glow", "--db", &db])
        .output()
        .unwrap();
    let mut bad = common::test_campaign();
    bad["checkin"]["milestones"][1]["checkins"] = json!(9);
    bad["rewards"][0]["cost"] = json!(0);
    // Publishes `campaign` through the command line, which must refuse it; returns its stderr.
    let refused = |campaign: &Value| {
        let file = dir.path().join("bad.json");
        std::fs::write(&file, campaign.to_string()).unwrap();
        let out = Command::new(BINARY)
            .args(["campaign", "publish", file.to_str().unwrap(), "--db", &db])
            .output()
            .unwrap();
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).into_owned()
    };
    let stderr = refused(&bad);
    assert!(
        stderr.contains("checkin.milestones[1].checkins") && stderr.contains("rewards[0].cost"),
        "{stderr}"
    );
    // A shape error (a string where a number goes) names its field, not just a column.
    bad["rewards"][0]["cost"] = json!("lots");
    let stderr = refused(&bad);
    assert!(
        stderr.contains("rewards[0].cost: invalid type: string \"lots\""),
        "{stderr}"
    );
    let out = Command::new(BINARY)
        .args(["tenant", "create", "glow", "--db", &db])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a tenant id is created once");
    let out = Command::new(BINARY)
        .args(["serve", "--db", "mysql://x"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("--db must start with sqlite:// or postgres://"));
}

/// `siyu-server campaign publish` while `serve` runs on the same SQLite file: the running
/// server serves and applies the new revision without a restart, and a server alone on its
/// file never mistakes its own commits for another writer's.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_campaign_published_from_the_command_line_reaches_the_running_server() {
    let db = Database::fresh(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    provision(&db.url, dir.path());
    let server = ServerProcess::spawn(&db.url);
    let http = Client::new();
    let revision_served = || async {
        let campaign: Value = http
            .get(format!("{}/v1/campaigns/glow-skin", server.base))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        campaign["revision"].as_u64().unwrap()
    };
    assert_eq!(revision_served().await, 1);
    let token = session(&http, &server.base, None).await;
    sync(
        &http,
        &server.base,
        &token,
        vec![op("c1", now(), json!({"type": "checkin"}))],
    )
    .await;
    let metrics = http
        .get(format!("{}/metrics", server.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        !metrics.contains("siyu_other_writers_seen_total"),
        "a server alone on its file saw another writer:\n{metrics}"
    );

    let mut campaign = common::test_campaign();
    campaign["revision"] = json!(2);
    let file = dir.path().join("campaign-r2.json");
    std::fs::write(&file, campaign.to_string()).unwrap();
    let out = Command::new(BINARY)
        .args([
            "campaign",
            "publish",
            file.to_str().unwrap(),
            "--db",
            &db.url,
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // The idle server looks for other writers once a second.
    let deadline = Instant::now() + Duration::from_secs(10);
    while revision_served().await != 2 {
        assert!(
            Instant::now() < deadline,
            "the running server still serves revision 1"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `siyu-server tenant update` while `serve` runs: new origins and a rotated admin key take
/// effect in the running server; a tenant that does not exist, or no change asked, is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn tenant_update_changes_origins_and_rotates_the_admin_key_of_a_running_server() {
    let db = Database::fresh(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    let old_key = provision(&db.url, dir.path());
    let server = ServerProcess::spawn(&db.url);
    let http = Client::new();
    let session_from = |origin: &'static str| {
        let http = http.clone();
        let base = server.base.clone();
        async move {
            http.post(format!("{base}/v1/sessions"))
                .header("Origin", origin)
                .json(&json!({"campaign": "glow-skin"}))
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let stats_with = |key: String| {
        let http = http.clone();
        let base = server.base.clone();
        async move {
            http.get(format!("{base}/v1/admin/campaigns/glow-skin/stats"))
                .bearer_auth(key)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let update = |args: &[&str]| {
        Command::new(BINARY)
            .args(["tenant", "update"])
            .args(args)
            .args(["--db", &db.url])
            .output()
            .unwrap()
    };
    assert_eq!(
        session_from("https://elsewhere.example").await,
        StatusCode::CREATED
    );
    assert_eq!(stats_with(old_key.clone()).await, StatusCode::OK);

    let out = update(&["glow", "--origin", "https://Shop.example/"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(answer["origins"], json!(["https://shop.example"]));
    assert!(answer.get("admin_key").is_none());
    // The running server notices another process's commit within about a second.
    let deadline = Instant::now() + Duration::from_secs(10);
    while session_from("https://elsewhere.example").await != StatusCode::FORBIDDEN {
        assert!(Instant::now() < deadline, "the new origins never applied");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        session_from("https://shop.example").await,
        StatusCode::CREATED
    );

    let out = update(&["glow", "--rotate-admin-key"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
    let new_key = answer["admin_key"].as_str().unwrap().to_owned();
    assert_ne!(new_key, old_key);
    let deadline = Instant::now() + Duration::from_secs(10);
    while stats_with(old_key.clone()).await != StatusCode::UNAUTHORIZED {
        assert!(Instant::now() < deadline, "the old admin key still works");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(stats_with(new_key).await, StatusCode::OK);
    // Origins were left as they were by the key rotation.
    assert_eq!(
        session_from("https://elsewhere.example").await,
        StatusCode::FORBIDDEN
    );

    let out = update(&["nobody", "--any-origin"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("there is no tenant nobody"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = update(&["glow"]);
    assert!(
        !out.status.success(),
        "an update that changes nothing is refused"
    );
    let out = update(&["glow", "--any-origin"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while session_from("https://elsewhere.example").await != StatusCode::CREATED {
        assert!(Instant::now() < deadline, "--any-origin never applied");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `campaign publish` of a document of the wrong shape lists every problem with its place, and
/// publishes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn campaign_publish_lists_every_shape_problem_and_publishes_nothing() {
    let db = Database::fresh(Backend::Sqlite).await;
    let dir = tempfile::tempdir().unwrap();
    provision(&db.url, dir.path());
    let publish = |campaign: &Value| {
        let file = dir.path().join("campaign-r2.json");
        std::fs::write(&file, campaign.to_string()).unwrap();
        Command::new(BINARY)
            .args([
                "campaign",
                "publish",
                file.to_str().unwrap(),
                "--db",
                &db.url,
            ])
            .output()
            .unwrap()
    };
    let mut campaign = common::test_campaign();
    campaign["revision"] = json!(2);
    let mut broken = campaign.clone();
    broken["rewards"][0]["cost"] = json!("lots");
    broken["checkin"]["colour"] = json!("red");
    let out = publish(&broken);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("2 problem(s)"), "{stderr}");
    assert!(
        stderr.contains("  checkin.colour: unknown field `colour`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("  rewards[0].cost: invalid type: string \"lots\""),
        "{stderr}"
    );
    // A document of the right shape that breaks the rules: the validation's problems.
    let mut invalid = campaign.clone();
    invalid["time_zone"] = json!("Mars/Olympus");
    let out = publish(&invalid);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{stderr}");
    assert!(stderr.contains("is not valid ("), "{stderr}");
    // Revision 2 was not taken: the valid document publishes as revision 2.
    let out = publish(&campaign);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let published: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(published["revision"], 2);
}

/// `campaign publish` and `tenant update` on a SQLite file that is not there say so, and leave
/// no empty database behind (a mistyped `--db` made one, then blamed the tenant).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn commands_on_a_missing_database_file_say_so_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo.db");
    let url = format!("sqlite://{}", missing.display());
    let campaign = dir.path().join("campaign.json");
    std::fs::write(&campaign, common::test_campaign().to_string()).unwrap();
    for args in [
        vec![
            "campaign",
            "publish",
            campaign.to_str().unwrap(),
            "--db",
            &url,
        ],
        vec!["tenant", "update", "glow", "--any-origin", "--db", &url],
    ] {
        let out = Command::new(BINARY).args(&args).output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?}: {stderr}");
        assert!(
            stderr.contains("there is no database at") && stderr.contains("check --db"),
            "{args:?}: {stderr}"
        );
        assert!(!missing.exists(), "{args:?} created {}", missing.display());
    }
}
