//! `POST /v1/sessions`: a device session for a campaign; optionally binds the device to a
//! brand member (member token), keeping what the device earned anonymously.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use serde::{Deserialize, Serialize};

use super::{campaign_id, published};
use crate::auth;
use crate::error::{ApiJson, AppError};
use crate::store::MemberKey;
use crate::AppState;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/sessions", post(session_create))
}

/// Request body.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SessionRequest {
    /// The campaign.
    pub campaign: String,
    /// A previous session token of this device (may have expired up to 30 days ago).
    #[serde(default)]
    pub device_token: Option<String>,
    /// A member token signed by the brand's back end.
    #[serde(default)]
    pub member_token: Option<String>,
}

/// Response body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SessionResponse {
    /// The session token (`Authorization: Bearer …`).
    pub token: String,
    /// When it expires (ms since the epoch).
    pub expires_at: i64,
    /// The device id.
    pub device: String,
    /// Who the device acts as: `device:<id>` or `member:<id>`.
    pub member: String,
    /// The server's clock (ms since the epoch).
    pub server_time: i64,
}

/// Creates or renews a device session.
#[utoipa::path(post, path = "/v1/sessions", tag = "sessions", request_body = SessionRequest,
    responses((status = 201, body = SessionResponse),
              (status = 400, description = "`malformed_json` (not JSON), `invalid_body` (wrong shape, unknown field), `invalid_id` (not a campaign id)", body = crate::openapi::ErrorBody),
              (status = 401, description = "`invalid_token`, `token_expired`, `invalid_member_token`, `member_token_expired`, `member_token_not_yet_valid`", body = crate::openapi::ErrorBody),
              (status = 403, description = "`forbidden`: origin not allowed, or the device token is for another campaign", body = crate::openapi::ErrorBody),
              (status = 404, description = "`not_found`: no such campaign", body = crate::openapi::ErrorBody),
              (status = 408, description = "`request_timeout`", body = crate::openapi::ErrorBody),
              (status = 413, description = "`payload_too_large`: body over 256 KiB", body = crate::openapi::ErrorBody),
              (status = 415, description = "`unsupported_media_type`: Content-Type is not application/json, or the body was sent with a Content-Encoding", body = crate::openapi::ErrorBody),
              (status = 429, description = "`rate_limited`: too many new sessions from this address; see Retry-After", body = crate::openapi::ErrorBody)))]
pub async fn session_create(
    State(state): State<AppState>,
    ConnectInfo(address): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SessionRequest>,
) -> Result<(StatusCode, ApiJson<SessionResponse>), AppError> {
    let campaign = published(&state, &campaign_id(&body.campaign)?).await?;
    let id = &campaign.campaign.id;
    let tenant = state
        .store
        .tenant(&campaign.campaign.tenant)
        .await?
        .ok_or_else(|| AppError::NotFound(format!("no campaign \"{id}\"")))?;
    if let Some(origin) = headers.get(header::ORIGIN).and_then(|o| o.to_str().ok()) {
        // A stored origin with a trailing slash (accepted by `tenant create` before it checked
        // origins) still matches: browsers never send one.
        let allowed = |stored: &String| stored.strip_suffix('/').unwrap_or(stored) == origin;
        if !tenant.origins.is_empty() && !tenant.origins.iter().any(allowed) {
            return Err(AppError::Forbidden(format!(
                "origin {origin} may not embed this brand's widgets"
            )));
        }
    }
    let now = state.clock.now();
    let (device, mut member) = match &body.device_token {
        Some(token) => {
            let claims = auth::verify_session(&state.session_key, token, now, true)?;
            if claims.cmp != id.as_str() {
                return Err(AppError::Forbidden(
                    "the device token belongs to another campaign".into(),
                ));
            }
            let record = state.store.device(id, &claims.dev).await?.ok_or_else(|| {
                AppError::unauthorized(
                    "invalid_token",
                    "this device is not known; create a new session",
                )
            })?;
            (claims.dev, record.member)
        }
        None => {
            state.limits.check_session(address.ip())?;
            let device = auth::new_device_id(now);
            let key = MemberKey::device(id, &device);
            state.store.register_device(id, &device, &key, now).await?;
            (device, key.member)
        }
    };
    if let Some(token) = &body.member_token {
        let bound = MemberKey::member(
            id,
            &auth::verify_member(&tenant.member_secret, token, &tenant.id, now)?,
        );
        state
            .store
            .bind_device(&campaign, &device, &bound, state.clock.as_ref())
            .await?;
        member = bound.member;
    }
    let (token, expires_at) = auth::issue_session(&state.session_key, &tenant.id, id, &device, now);
    let response = SessionResponse {
        token,
        expires_at: expires_at.as_millis(),
        device,
        member,
        server_time: now.as_millis(),
    };
    Ok((StatusCode::CREATED, ApiJson(response)))
}

/// The session a request carries: its verified claims.
pub fn session(state: &AppState, headers: &HeaderMap) -> Result<auth::SessionClaims, AppError> {
    auth::verify_session(
        &state.session_key,
        auth::bearer(headers)?,
        state.clock.now(),
        false,
    )
}
