//! `GET /v1/campaigns/{id}`: the public config a widget needs, cacheable.

use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::encoding::Coding;
use super::{campaign_id, published};
use crate::error::AppError;
use crate::AppState;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/campaigns/{id}", get(campaign_get))
}

/// The published campaign (it holds no secrets), with an entity tag.
#[utoipa::path(get, path = "/v1/campaigns/{id}", tag = "campaigns",
    params(("id" = String, Path, description = "campaign id")),
    responses((status = 200, description = "the published campaign (core::Campaign JSON, zone rules included)", body = Object),
              (status = 304, description = "unchanged since the ETag sent in If-None-Match"),
              (status = 404, description = "no such campaign", body = crate::openapi::ErrorBody)))]
pub async fn campaign_get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let campaign = published(&state, &campaign_id(&id)?).await?;
    let etag = HeaderValue::from_str(&campaign.etag).expect("etags are ascii");
    let cache = (
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=60"),
    );
    if headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v == etag)
    {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, etag), cache]).into_response());
    }
    let content_type = (
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    // Every visitor's first load asks for it: compressed once, not on each request.
    let body = match campaign
        .compressed
        .get(campaign.json.as_bytes(), Coding::negotiate(&headers))
    {
        Some((encoding, compressed)) => (
            [(header::CONTENT_ENCODING, HeaderValue::from_static(encoding))],
            compressed,
        )
            .into_response(),
        None => campaign.json.clone().into_response(),
    };
    let vary = (header::VARY, HeaderValue::from_static("accept-encoding"));
    Ok((
        StatusCode::OK,
        [(header::ETAG, etag), cache, content_type, vary],
        body,
    )
        .into_response())
}
