//! `siyu-server` with a clock the end-to-end tests can move forward: the browser tests need a
//! customer who checked in days ago and missed a day since, and the server refuses to be told
//! the past (trust rule 4). The same command line and the same app as `siyu-server`; its
//! clock runs with the system's, shifted by what the tests asked, and one more route moves it:
//!
//! - `GET /test/clock`: `{"now": <unix ms>}`, the server's time;
//! - `POST /test/clock` with `{"advance_seconds": n}` (n ≥ 0): moves it forward, answers the same.
//!
//! An example, so that no release of `siyu-server` contains it; `cargo test` builds it
//! (`target/debug/examples/e2e_server`), and `e2e/lib/server.mjs` starts it for the tests that
//! ask for `{ clock: true }`.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use clap::Parser as _;
use serde::Deserialize;
use serde_json::{json, Value};
use siyu_core::Timestamp;
use siyu_server::clock::{Clock, SystemClock};

/// The system's clock plus an offset that only grows (time never runs backwards here, as it
/// does not for a real server).
#[derive(Debug, Default)]
struct ShiftedClock {
    ahead_ms: AtomicI64,
}

impl Clock for ShiftedClock {
    fn now(&self) -> Timestamp {
        let now = SystemClock.now().as_millis() + self.ahead_ms.load(Ordering::SeqCst);
        Timestamp::from_millis(now)
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Advance {
    advance_seconds: i64,
}

async fn read_clock(State(clock): State<Arc<ShiftedClock>>) -> Json<Value> {
    Json(json!({ "now": clock.now().as_millis() }))
}

async fn advance_clock(
    State(clock): State<Arc<ShiftedClock>>,
    Json(advance): Json<Advance>,
) -> Result<Json<Value>, (StatusCode, Json<Value>)> {
    let Some(ms) = advance
        .advance_seconds
        .checked_mul(1_000)
        .filter(|ms| *ms >= 0)
    else {
        let message = "advance_seconds is a number of seconds, 0 or more";
        return Err((
            StatusCode::BAD_REQUEST,
            Json(json!({"error": {"code": "invalid_body", "message": message}})),
        ));
    };
    clock.ahead_ms.fetch_add(ms, Ordering::SeqCst);
    Ok(read_clock(State(clock)).await)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let clock = Arc::new(ShiftedClock::default());
    let routes = Router::new()
        .route("/test/clock", get(read_clock).post(advance_clock))
        .with_state(clock.clone());
    match siyu_server::cli::run(siyu_server::cli::Cli::parse(), clock, routes).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("e2e_server: {error:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
