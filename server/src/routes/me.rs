//! `GET /v1/me/export` and `DELETE /v1/me`: customers see and withdraw the data held about
//! them (PIPL, GDPR).

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use axum::Router;

use super::campaign_id;
use crate::error::{ApiJson, AppError};
use crate::store::{MemberExport, MemberKey};
use crate::AppState;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/me/export", get(me_export))
        .route("/v1/me", axum::routing::delete(me_erase))
}

async fn member_of(state: &AppState, headers: &HeaderMap) -> Result<MemberKey, AppError> {
    let claims = super::sessions::session(state, headers)?;
    let campaign = campaign_id(&claims.cmp)?;
    let device = state
        .store
        .device(&campaign, &claims.dev)
        .await?
        .ok_or_else(|| AppError::unauthorized("invalid_token", "this device is not known"))?;
    Ok(MemberKey {
        campaign,
        member: device.member,
    })
}

/// Everything held about the caller.
#[utoipa::path(get, path = "/v1/me/export", tag = "me", security(("session" = [])),
    responses((status = 200, description = "member, campaign, state, every operation with its result, devices", body = crate::openapi::MemberExportDoc),
              (status = 401, description = "`missing_credentials`, `invalid_token`, `token_expired`, or the device is not known", body = crate::openapi::ErrorBody),
              (status = 408, description = "`request_timeout`", body = crate::openapi::ErrorBody)))]
pub async fn me_export(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<ApiJson<MemberExport>, AppError> {
    let key = member_of(&state, &headers).await?;
    Ok(ApiJson(state.store.export(&key).await?))
}

/// Erases what is held about the caller, except what the trust rules need (the ids of its
/// operations and its redemptions per reward: `MemberState::erased`); idempotent.
#[utoipa::path(delete, path = "/v1/me", tag = "me", security(("session" = [])),
    responses((status = 204, description = "erased (also when there was nothing); only operation ids (without their content) and redemptions per reward are kept, so that replays change nothing and per-person limits hold; the member's devices keep working, created and last seen at the erasure"),
              (status = 401, description = "`missing_credentials`, `invalid_token`, `token_expired`, or the device is not known", body = crate::openapi::ErrorBody),
              (status = 408, description = "`request_timeout`", body = crate::openapi::ErrorBody)))]
pub async fn me_erase(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<StatusCode, AppError> {
    let key = member_of(&state, &headers).await?;
    state.store.erase(&key, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}
