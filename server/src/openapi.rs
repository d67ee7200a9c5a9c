//! The OpenAPI document, generated from the handlers' annotations, at `/v1/openapi.json`.

use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa::{Modify, OpenApi};

use siyu_core::campaign::Problem;
use siyu_core::ids::CampaignId;
use siyu_core::protocol::OpStatus;
use siyu_core::{Applied, ClientOp, MemberState, Timestamp};

use crate::AppState;

/// The error body every 4xx/5xx carries.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    /// The error.
    pub error: ErrorDetail,
}

/// An error's code and message.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// Stable snake_case code.
    pub code: String,
    /// What is wrong, for people.
    pub message: String,
    /// Every problem of a campaign document, each with its path such as `rewards[0].cost`:
    /// of an invalid campaign (422 `invalid_campaign`) or one of the wrong shape (400
    /// `malformed_campaign`, when it is a JSON object); absent on other errors.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub problems: Option<Vec<Problem>>,
}

/// `GET /v1/me/export`'s answer. Described here, field for field, because the store's
/// `MemberExport` keeps each logged operation as the JSON of its log row; a test compares a
/// real export with this description.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct MemberExportDoc {
    /// The member (`device:<id>` or `member:<id>`).
    member: String,
    /// The campaign.
    campaign: CampaignId,
    /// The member's state now.
    state: MemberState,
    /// Every operation received, oldest first, with its result.
    operations: Vec<LoggedOperation>,
    /// The devices acting as this member.
    devices: Vec<ExportedDevice>,
}

/// One operation of a member's log.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct LoggedOperation {
    /// Position in the member's log (1, 2, 3 …).
    seq: u64,
    /// The operation as received.
    op: ClientOp,
    /// Its fingerprint.
    fingerprint: u64,
    /// How it was taken.
    status: OpStatus,
    /// What it changed, when accepted.
    applied: Option<Applied>,
    /// The server's time when it was received (ms since the epoch).
    received_at: Timestamp,
    /// The device that sent it; absent for the brand's back end.
    device: Option<String>,
}

/// A device of the member.
#[derive(Debug, utoipa::ToSchema)]
#[allow(dead_code)]
pub struct ExportedDevice {
    /// Its id.
    device: String,
    /// The member it acts as.
    member: String,
    /// Server time of its last drained sync (ms since the epoch).
    last_contact: Option<Timestamp>,
    /// When it was created (ms since the epoch).
    created_at: Timestamp,
}

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
        components.add_security_scheme(
            "admin_key",
            SecurityScheme::Http(Http::new(HttpAuthScheme::Bearer)),
        );
    }
}

/// The API description.
#[derive(Debug, OpenApi)]
#[openapi(
    info(title = "Siyu", description = "Siyu's storage and sync endpoint (v1). See docs/http-api.md. \
        Besides the statuses listed per operation, a path answers 405 `method_not_allowed` (with `Allow`) \
        to a method it does not take, an unknown path answers 404 `not_found`, and a storage failure is \
        a 500 `internal` that says nothing more; every error has the `ErrorBody` shape."),
    paths(
        crate::routes::campaigns::campaign_get,
        crate::routes::sessions::session_create,
        crate::routes::sync::sync_push,
        crate::routes::me::me_export,
        crate::routes::me::me_erase,
        crate::routes::admin::campaign_put,
        crate::routes::admin::points_credit,
        crate::routes::admin::campaign_stats,
        crate::routes::admin::campaign_export_csv,
        crate::routes::health::healthz,
        crate::routes::health::readyz,
        crate::routes::health::metrics_get,
        openapi_get,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&Security)
)]
pub struct ApiDoc;

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new().route("/v1/openapi.json", get(openapi_get))
}

/// This document.
#[utoipa::path(get, path = "/v1/openapi.json", tag = "meta",
    responses((status = 200, description = "the OpenAPI 3.1 document of this API", content_type = "application/json", body = Object)))]
pub async fn openapi_get() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}
