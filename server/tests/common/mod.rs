//! The test harness: a real server on 127.0.0.1:0 over a real database (a fresh SQLite file,
//! or a fresh database on a real PostgreSQL server), with typed helpers for the API.
#![allow(dead_code)]

pub mod pg;

use std::net::SocketAddr;
use std::sync::Arc;

use reqwest::{Client, Method, StatusCode};
use serde_json::{json, Value};
use siyu_core::Timestamp;
use siyu_server::clock::{Clock, ManualClock};
use siyu_server::limits::{RateLimitConfig, RateLimits};
use siyu_server::store::{Store, TenantRecord};
use siyu_server::{app, auth, AppState};

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A fresh SQLite file.
    Sqlite,
    /// A fresh database on the test PostgreSQL server.
    Postgres,
}

/// A database a test owns.
pub struct Database {
    /// Its `--db` URL.
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

impl Database {
    /// A fresh database.
    pub async fn fresh(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let url = format!("sqlite://{}", dir.path().join("siyu.db").display());
                Self {
                    url,
                    _dir: Some(dir),
                }
            }
            Backend::Postgres => Self {
                url: pg::fresh_database().await,
                _dir: None,
            },
        }
    }
}

/// 2026-03-02 09:00 in Shanghai: a Monday inside both demo campaigns.
pub const START: i64 = 1_772_413_200_000;

/// A running server with one tenant and the beauty campaign (plus test rewards) published.
pub struct TestServer {
    /// Base URL.
    pub base: String,
    /// The server's clock.
    pub clock: Arc<ManualClock>,
    /// The store (for checks that look under the API).
    pub store: Arc<dyn Store>,
    /// The tenant's admin key.
    pub admin_key: String,
    /// The tenant's member-token secret.
    pub member_secret: String,
    /// HTTP client.
    pub http: Client,
    /// The database.
    pub db: Database,
}

/// The beauty campaign with two rewards made for tests: `tote` (100 points, no limit, no
/// stock) and `golden-ticket` (5 points, one in stock).
pub fn test_campaign() -> Value {
    let mut campaign: Value = serde_json::from_str(siyu_core::demo::BEAUTY_JSON).unwrap();
    let rewards = campaign["rewards"].as_array_mut().unwrap();
    rewards.push(json!({"id": "tote", "name": {"zh-CN": "帆布袋", "en": "Tote bag"}, "cost": 100}));
    rewards.push(json!({"id": "golden-ticket", "name": {"zh-CN": "金票", "en": "Golden ticket"}, "cost": 5, "stock": 1}));
    campaign
}

impl TestServer {
    /// Starts a server on `backend`.
    pub async fn start(backend: Backend) -> Self {
        Self::start_with(
            backend,
            RateLimitConfig {
                sync_per_device: 10_000,
                sessions_per_address: 10_000,
            },
        )
        .await
    }

    /// Starts a server with the given rate limits.
    pub async fn start_with(backend: Backend, limits: RateLimitConfig) -> Self {
        let db = Database::fresh(backend).await;
        let store = siyu_server::cli::open_store(&db.url).await.unwrap();
        let clock = Arc::new(ManualClock::new(Timestamp::from_millis(START)));
        let (admin_key, member_secret) = create_tenant(&store, "glow").await;
        let campaign = siyu_core::Campaign::parse(&test_campaign().to_string()).unwrap();
        store.publish_campaign(&campaign).await.unwrap();
        let state = AppState::new(
            store.clone(),
            clock.clone() as Arc<dyn Clock>,
            RateLimits::new(limits),
        )
        .await
        .unwrap();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let service = app(state, None).into_make_service_with_connect_info::<SocketAddr>();
        tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });
        Self {
            base: format!("http://{address}"),
            clock,
            store,
            admin_key,
            member_secret,
            http: Client::new(),
            db,
        }
    }

    /// Sets the server's clock to `START` plus `days` days and `hours` hours.
    pub fn set_time(&self, days: i64, hours: i64) {
        self.clock.set(Timestamp::from_millis(
            START + days * 86_400_000 + hours * 3_600_000,
        ));
    }

    /// The server's now.
    pub fn now(&self) -> i64 {
        self.clock.now().as_millis()
    }

    /// A raw request; returns status and JSON body (or the text as a JSON string).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (StatusCode, Value) {
        let mut request = self.http.request(method, format!("{}{path}", self.base));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A new anonymous device session; returns the token.
    pub async fn session(&self) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/v1/sessions",
                None,
                Some(json!({"campaign": "glow-skin"})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// Renews a device's session (tokens live 2 hours; tests move the clock by days).
    pub async fn renew(&self, token: &str) -> String {
        let (status, body) = self
            .call(
                Method::POST,
                "/v1/sessions",
                None,
                Some(json!({"campaign": "glow-skin", "device_token": token})),
            )
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// A session bound to the brand's member `member`, optionally renewing a device.
    pub async fn member_session(&self, member: &str, device_token: Option<&str>) -> String {
        let mut body =
            json!({"campaign": "glow-skin", "member_token": self.member_token(member, 3_600)});
        if let Some(device) = device_token {
            body["device_token"] = json!(device);
        }
        let (status, body) = self
            .call(Method::POST, "/v1/sessions", None, Some(body))
            .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        body["token"].as_str().unwrap().to_owned()
    }

    /// A member token as the brand's back end would sign it.
    pub fn member_token(&self, member: &str, valid_seconds: i64) -> String {
        sign(
            &json!({"tenant": "glow", "member": member, "exp": self.now() / 1_000 + valid_seconds}),
            self.member_secret.as_bytes(),
        )
    }

    /// Pushes operations; returns status and body.
    pub async fn sync(&self, token: &str, ops: Vec<Value>) -> (StatusCode, Value) {
        self.call(
            Method::POST,
            "/v1/sync",
            Some(token),
            Some(json!({"version": 1, "campaign": "glow-skin", "ops": ops})),
        )
        .await
    }

    /// Pushes operations and expects 200; returns the body.
    pub async fn sync_ok(&self, token: &str, ops: Vec<Value>) -> Value {
        let (status, body) = self.sync(token, ops).await;
        assert_eq!(status, StatusCode::OK, "{body}");
        body
    }

    /// The member's state (a pull).
    pub async fn state(&self, token: &str) -> Value {
        self.sync_ok(token, vec![]).await["state"].clone()
    }

    /// Credits a purchase through the admin API.
    pub async fn credit(
        &self,
        member: &str,
        reference: &str,
        amount_minor: u64,
    ) -> (StatusCode, Value) {
        let body =
            json!({"campaign": "glow-skin", "reference": reference, "amount_minor": amount_minor});
        self.call(
            Method::POST,
            &format!("/v1/admin/members/{member}/points"),
            Some(&self.admin_key.clone()),
            Some(body),
        )
        .await
    }
}

/// A client operation as JSON.
pub fn op(id: &str, occurred_at: i64, op: Value) -> Value {
    json!({"id": id, "occurred_at": occurred_at, "op": op})
}

/// The status of each result.
pub fn statuses(body: &Value) -> Vec<String> {
    body["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r["status"].as_str().unwrap().to_owned()
                + &r["code"]
                    .as_str()
                    .map(|c| format!(":{c}"))
                    .unwrap_or_default()
        })
        .collect()
}

/// The balance in a state.
pub fn balance(state: &Value) -> i64 {
    state["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let points = e["points"].as_i64().unwrap();
            if e["movement"]["kind"] == "earn" {
                points
            } else {
                -points
            }
        })
        .sum()
}

/// Creates a tenant directly in a store; returns (admin key, member secret).
pub async fn create_tenant(store: &Arc<dyn Store>, id: &str) -> (String, String) {
    let id = siyu_core::ids::TenantId::parse(id).unwrap();
    let (admin_key, admin_key_hash) = auth::new_admin_key(&id);
    let member_secret = auth::random_secret(32);
    store
        .create_tenant(&TenantRecord {
            id: id.clone(),
            name: id.to_string(),
            admin_key_hash,
            member_secret: member_secret.clone(),
            origins: vec![],
        })
        .await
        .unwrap();
    (admin_key, member_secret)
}

/// Signs claims with HS256.
pub fn sign(claims: &Value, secret: &[u8]) -> String {
    jsonwebtoken::encode(
        &jsonwebtoken::Header::default(),
        claims,
        &jsonwebtoken::EncodingKey::from_secret(secret),
    )
    .unwrap()
}
