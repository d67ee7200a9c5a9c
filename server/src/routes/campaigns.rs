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
    responses((status = 200, description = "the published campaign, zone rules included; with ETag and Cache-Control", body = siyu_core::Campaign),
              (status = 304, description = "unchanged since an ETag sent in If-None-Match"),
              (status = 400, description = "`invalid_id`: not a campaign id", body = crate::openapi::ErrorBody),
              (status = 404, description = "`not_found`: no such campaign", body = crate::openapi::ErrorBody),
              (status = 408, description = "`request_timeout`", body = crate::openapi::ErrorBody)))]
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
    if none_match(&headers, &campaign.etag) {
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

/// Whether `If-None-Match` names `etag` (RFC 9110 §13.1.2): `*`, or a list of entity tags
/// (possibly over several header lines) one of which equals it by the weak comparison, which
/// ignores a `W/` prefix on either side.
pub fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    let ours = opaque(etag);
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .any(|value| value.trim() == "*" || entity_tags(value).any(|tag| tag == ours))
}

/// An entity tag without its weakness indicator: the quoted part.
fn opaque(tag: &str) -> &str {
    let tag = tag.trim();
    tag.strip_prefix("W/").unwrap_or(tag)
}

/// The opaque tags (quotes included) of a list such as `"a", W/"b"`. A tag's characters may
/// include commas, so the list is read quote by quote rather than split at commas; what does
/// not parse ends the list.
fn entity_tags(list: &str) -> impl Iterator<Item = &str> {
    let mut rest = list;
    std::iter::from_fn(move || {
        rest = rest.trim_start_matches(|c: char| c == ',' || c.is_ascii_whitespace());
        let tag = rest.strip_prefix("W/").unwrap_or(rest);
        let inner = tag.strip_prefix('"')?;
        let end = inner.find('"')? + 2;
        rest = &tag[end..];
        Some(&tag[..end])
    })
}
