//! `POST /v1/sync`: push a batch of operations, get per-op results, the member's
//! authoritative state and a new cursor.

use std::sync::Arc;

use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::post;
use axum::Router;
use serde::Serialize;
use siyu_core::op::{Actor, StockTaken};
use siyu_core::protocol::{Cursor, OpResult, ProtocolError, SyncRequest, PROTOCOL_VERSION};
use siyu_core::{MemberState, Timestamp};

use super::{campaign_id, published};
use crate::error::{ApiJson, AppError};
use crate::store::SyncJob;
use crate::AppState;

/// The wire form of the core's `SyncResponse`, serialised from the store's shared state and
/// stock figures rather than from copies of them (a test checks the two agree).
#[derive(Debug, Serialize)]
pub struct SyncAnswer {
    version: u32,
    results: Vec<OpResult>,
    state: Arc<MemberState>,
    stock_taken: Arc<StockTaken>,
    cursor: Cursor,
    server_time: Timestamp,
}

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/sync", post(sync_push))
}

/// Applies a device's batch with the server's clock and answers with the truth.
#[utoipa::path(post, path = "/v1/sync", tag = "sync",
    request_body(content = SyncRequest, description = "a batch of operations, oldest first (at most 100); an empty batch is a pull"),
    security(("session" = [])),
    responses((status = 200, description = "per-op results, the member's authoritative state, stock taken, the new cursor and the server's clock", body = siyu_core::protocol::SyncResponse),
              (status = 400, description = "`malformed_json` (not JSON), `invalid_body` (wrong shape, unknown field, bad id, unknown op type), `unsupported_version`", body = crate::openapi::ErrorBody),
              (status = 401, description = "`missing_credentials`, `invalid_token`, `token_expired`", body = crate::openapi::ErrorBody),
              (status = 403, description = "`forbidden`: the session is for another campaign", body = crate::openapi::ErrorBody),
              (status = 404, description = "`not_found`: the session's campaign is no longer published", body = crate::openapi::ErrorBody),
              (status = 408, description = "`request_timeout`", body = crate::openapi::ErrorBody),
              (status = 413, description = "`payload_too_large`: body over 256 KiB", body = crate::openapi::ErrorBody),
              (status = 415, description = "`unsupported_media_type`: Content-Type is not application/json, or the body was sent with a Content-Encoding", body = crate::openapi::ErrorBody),
              (status = 422, description = "`batch_too_large`: more than 100 operations", body = crate::openapi::ErrorBody),
              (status = 429, description = "`rate_limited`: too many syncs from this device; see Retry-After", body = crate::openapi::ErrorBody)))]
pub async fn sync_push(
    State(state): State<AppState>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<SyncRequest>,
) -> Result<ApiJson<SyncAnswer>, AppError> {
    let claims = super::sessions::session(&state, &headers)?;
    request.check().map_err(|e| match e {
        ProtocolError::UnsupportedVersion { .. } => {
            AppError::bad_request("unsupported_version", e.to_string())
        }
        ProtocolError::BatchTooLarge { .. } => AppError::Unprocessable {
            code: "batch_too_large",
            message: e.to_string(),
            problems: Vec::new(),
        },
    })?;
    if request.campaign.as_str() != claims.cmp {
        return Err(AppError::Forbidden(
            "the session is for another campaign".into(),
        ));
    }
    state.limits.check_sync(&claims.dev)?;
    let campaign = published(&state, &campaign_id(&claims.cmp)?).await?;
    let job = SyncJob {
        device: claims.dev,
        ops: request.ops,
        actor: Actor::Customer,
    };
    let stored = std::time::Instant::now();
    let outcome = state.store.sync(campaign, job, state.clock.clone()).await?;
    metrics::histogram!("siyu_sync_store_seconds").record(stored.elapsed().as_secs_f64());
    for result in &outcome.results {
        let status = match &result.status {
            siyu_core::protocol::OpStatus::Accepted { .. } => "accepted",
            siyu_core::protocol::OpStatus::Duplicate { .. } => "duplicate",
            siyu_core::protocol::OpStatus::Rejected { .. } => "rejected",
        };
        metrics::counter!("siyu_ops_total", "status" => status).increment(1);
    }
    Ok(ApiJson(SyncAnswer {
        version: PROTOCOL_VERSION,
        results: outcome.results,
        state: outcome.state,
        stock_taken: outcome.stock_taken,
        cursor: Cursor(outcome.cursor),
        server_time: state.clock.now(),
    }))
}

#[cfg(test)]
mod tests {
    use siyu_core::ids::{CampaignId, MemberId};
    use siyu_core::protocol::SyncResponse;

    use super::*;

    #[test]
    fn the_answer_is_what_clients_read_as_a_sync_response() {
        let campaign = CampaignId::parse("glow-skin").expect("an id");
        let member = MemberId::parse("m-1").expect("an id");
        let mut stock = StockTaken::new();
        stock.insert(siyu_core::ids::RewardId::parse("mask").expect("an id"), 3);
        let answer = SyncAnswer {
            version: PROTOCOL_VERSION,
            results: Vec::new(),
            state: Arc::new(MemberState::new(campaign, member)),
            stock_taken: Arc::new(stock),
            cursor: Cursor(7),
            server_time: Timestamp::from_millis(1_700_000_000_000),
        };
        let json = serde_json::to_string(&answer).expect("serialises");
        let read: SyncResponse = serde_json::from_str(&json).expect("a SyncResponse");
        assert_eq!(read.version, answer.version);
        assert_eq!(read.state, *answer.state);
        assert_eq!(read.stock_taken, *answer.stock_taken);
        assert_eq!(read.cursor, answer.cursor);
        assert_eq!(read.server_time, answer.server_time);
    }
}
