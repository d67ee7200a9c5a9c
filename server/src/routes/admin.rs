//! Tenant-key routes: publish campaigns, credit purchases, read figures, export for the CRM.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::Router;
use serde::{Deserialize, Serialize};
use siyu_core::campaign::CampaignError;
use siyu_core::ids::{OpId, PurchaseReference};
use siyu_core::op::{ClientOp, Op};
use siyu_core::protocol::OpStatus;
use siyu_core::Campaign;

use super::{campaign_id, published};
use crate::error::{ApiJson, AppError};
use crate::stats::{self, CampaignStats};
use crate::store::{BrandJob, MemberKey, PublishedCampaign, TenantRecord};
use crate::{auth, AppState};

/// Routes.
pub fn router() -> Router<AppState> {
    Router::new()
        .route("/v1/admin/campaigns/{id}", put(campaign_put))
        .route("/v1/admin/campaigns/{id}/stats", get(campaign_stats))
        .route(
            "/v1/admin/campaigns/{id}/export.csv",
            get(campaign_export_csv),
        )
        .route("/v1/admin/members/{member}/points", post(points_credit))
}

/// The tenant whose admin key the request carries.
pub async fn tenant(state: &AppState, headers: &HeaderMap) -> Result<TenantRecord, AppError> {
    let key = auth::bearer(headers)?;
    let refused = || AppError::unauthorized("invalid_admin_key", "the admin key is not valid");
    let id = auth::admin_key_tenant(key).ok_or_else(refused)?;
    let tenant = state.store.tenant(&id).await?.ok_or_else(refused)?;
    if !auth::admin_key_matches(key, &tenant.admin_key_hash) {
        return Err(refused());
    }
    Ok(tenant)
}

/// A campaign of this tenant; another tenant's campaign is "not found" (no existence leak).
async fn own_campaign(
    state: &AppState,
    tenant: &TenantRecord,
    id: &str,
) -> Result<std::sync::Arc<PublishedCampaign>, AppError> {
    let campaign = published(state, &campaign_id(id)?).await?;
    if campaign.campaign.tenant != tenant.id {
        return Err(AppError::NotFound(format!("no campaign \"{id}\"")));
    }
    Ok(campaign)
}

/// What publishing answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Published {
    /// Campaign id.
    pub id: String,
    /// Revision now live.
    pub revision: u32,
}

/// Validates a campaign with the core and publishes it; invalid → 422 listing every problem.
#[utoipa::path(put, path = "/v1/admin/campaigns/{id}", tag = "admin", security(("admin_key" = [])),
    params(("id" = String, Path, description = "campaign id; must equal the document's id")),
    request_body(content = Campaign, description = "the campaign document, read whatever its Content-Type; zone_rules are derived from time_zone"),
    responses((status = 200, body = Published),
              (status = 400, description = "`malformed_json` (not UTF-8), `malformed_campaign` (not JSON of the campaign's shape: every misshapen section in `error.problems`, each with its path; the message is the first and how many more)", body = crate::openapi::ErrorBody),
              (status = 401, description = "`missing_credentials`, `invalid_admin_key`", body = crate::openapi::ErrorBody),
              (status = 403, description = "`forbidden`: the document names another tenant", body = crate::openapi::ErrorBody),
              (status = 408, description = "`request_timeout`", body = crate::openapi::ErrorBody),
              (status = 409, description = "`conflict`: a higher revision is live, the same revision with other content, or the id is taken", body = crate::openapi::ErrorBody),
              (status = 413, description = "`payload_too_large`: body over 256 KiB", body = crate::openapi::ErrorBody),
              (status = 415, description = "`unsupported_media_type`: the body was sent with a Content-Encoding", body = crate::openapi::ErrorBody),
              (status = 422, description = "`invalid_campaign`: every problem in `error.problems`, each with its path", body = crate::openapi::ErrorBody)))]
pub async fn campaign_put(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<ApiJson<Published>, AppError> {
    let tenant = tenant(&state, &headers).await?;
    crate::error::refuse_encoded_body(&headers)?;
    let text = std::str::from_utf8(&body)
        .map_err(|_| AppError::bad_request("malformed_json", "the body is not UTF-8"))?;
    let campaign = parse_campaign(text)?;
    if campaign.id.as_str() != id {
        return Err(AppError::Unprocessable {
            code: "invalid_campaign",
            message: format!(
                "the document's id \"{}\" differs from the URL's \"{id}\"",
                campaign.id
            ),
            problems: vec![siyu_core::campaign::Problem {
                path: "id".into(),
                message: format!("must be \"{id}\" (the URL's id)"),
            }],
        });
    }
    if campaign.tenant != tenant.id {
        return Err(AppError::Forbidden(format!(
            "the document names tenant \"{}\"; this key is for \"{}\"",
            campaign.tenant, tenant.id
        )));
    }
    let published = state.store.publish_campaign(&campaign).await?;
    Ok(ApiJson(Published {
        id: published.campaign.id.to_string(),
        revision: published.campaign.revision,
    }))
}

/// Parses and validates a campaign document, mapping the core's errors to HTTP.
pub fn parse_campaign(text: &str) -> Result<Campaign, AppError> {
    Campaign::parse(text).map_err(|e| match e {
        CampaignError::TooLarge(_) => AppError::PayloadTooLarge(e.to_string()),
        CampaignError::Malformed(message) => {
            let problems = crate::campaign_shape::shape_problems(text).unwrap_or_default();
            AppError::BadRequest {
                code: "malformed_campaign",
                message: malformed_message(&problems, message),
                problems,
            }
        }
        CampaignError::Invalid(problems) => AppError::Unprocessable {
            code: "invalid_campaign",
            message: format!("the campaign has {} problem(s)", problems.len()),
            problems,
        },
    })
}

/// What a document of the wrong shape answers: its first problem with its place
/// (`rewards[2].cost: invalid type: …`; serde_json alone places it by line and column, which
/// says little in a document written on one line) and how many more there are; or, for text
/// that is not a JSON object, serde_json's `message` (broken JSON is about characters).
pub fn malformed_message(problems: &[siyu_core::campaign::Problem], message: String) -> String {
    // The rules (dates, costs, references between ids) are checked on a campaign that reads:
    // the answer says so, since fixing these may bring up more.
    const THEN: &str = "; its rules are checked once it reads";
    match problems {
        [] => message,
        [only] => format!("{only}{THEN}"),
        [first, rest @ ..] => format!("{first} (and {} more: see problems){THEN}", rest.len()),
    }
}

/// A purchase to credit.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PurchaseCredit {
    /// The campaign.
    pub campaign: String,
    /// The brand's order reference; crediting it again changes nothing.
    pub reference: String,
    /// Amount paid, in minor units (fen, cents).
    #[schema(minimum = 1, maximum = 1e12)]
    pub amount_minor: u64,
}

/// What crediting answers.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Credited {
    /// `accepted`, or `duplicate` for an order credited before.
    pub status: &'static str,
    /// Points the purchase earned.
    pub points: i64,
    /// The member's balance now.
    pub balance: u64,
}

/// Credits a purchase from the brand's back end, idempotent by order reference.
#[utoipa::path(post, path = "/v1/admin/members/{member}/points", tag = "admin", security(("admin_key" = [])),
    params(("member" = String, Path, description = "the brand's member id")),
    request_body = PurchaseCredit,
    responses((status = 200, body = Credited),
              (status = 400, description = "`malformed_json` (not JSON), `invalid_body` (wrong shape, unknown field, negative or fractional amount), `invalid_id` (campaign, member or reference)", body = crate::openapi::ErrorBody),
              (status = 401, description = "`missing_credentials`, `invalid_admin_key`", body = crate::openapi::ErrorBody),
              (status = 404, description = "`not_found`: no such campaign for this tenant", body = crate::openapi::ErrorBody),
              (status = 408, description = "`request_timeout`", body = crate::openapi::ErrorBody),
              (status = 409, description = "`conflict`: the reference was credited with another amount, or credited before to a member who has since erased their data", body = crate::openapi::ErrorBody),
              (status = 413, description = "`payload_too_large`: body over 256 KiB", body = crate::openapi::ErrorBody),
              (status = 415, description = "`unsupported_media_type`: Content-Type is not application/json, or the body was sent with a Content-Encoding", body = crate::openapi::ErrorBody),
              (status = 422, description = "`rejected` by the campaign's rules: no purchase rate, an amount out of range or too small to earn a point", body = crate::openapi::ErrorBody)))]
pub async fn points_credit(
    State(state): State<AppState>,
    Path(member): Path<String>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<PurchaseCredit>,
) -> Result<ApiJson<Credited>, AppError> {
    let tenant = tenant(&state, &headers).await?;
    let campaign = own_campaign(&state, &tenant, &body.campaign).await?;
    let member = auth::brand_member_id(&member)
        .map_err(|e| AppError::bad_request("invalid_id", format!("member id: {e}")))?;
    let reference = PurchaseReference::parse(&body.reference)
        .map_err(|e| AppError::bad_request("invalid_id", format!("reference: {e}")))?;
    // The op id comes from the reference and the claimed time is fixed (brand operations count
    // at the server's time anyway), so a retried credit fingerprints like the original and is
    // answered as a duplicate; the same reference with another amount is a conflict.
    let op = ClientOp {
        id: OpId::parse(&format!("purchase-{:016x}", fnv1a(reference.as_str())))
            .expect("hex ids are valid"),
        occurred_at: siyu_core::Timestamp::from_millis(0),
        op: Op::CreditPurchase {
            reference,
            amount_minor: body.amount_minor,
        },
    };
    let key = MemberKey::member(&campaign.campaign.id, &member);
    let outcome = state
        .store
        .brand(campaign, BrandJob { key, op }, state.clock.clone())
        .await?;
    let balance = outcome.state.ledger.balance();
    let result = outcome
        .results
        .into_iter()
        .next()
        .expect("one op, one result");
    let (status, points) = match result.status {
        OpStatus::Accepted { points_delta, .. } => ("accepted", points_delta),
        OpStatus::Duplicate { original } => match *original {
            OpStatus::Accepted { points_delta, .. } => ("duplicate", points_delta),
            other => return Err(refused(other)),
        },
        other => return Err(refused(other)),
    };
    Ok(ApiJson(Credited {
        status,
        points,
        balance,
    }))
}

fn refused(status: OpStatus) -> AppError {
    match status {
        OpStatus::Rejected { code, message, .. } if code == "op_id_conflict" => AppError::Conflict(
            format!("this order reference was credited with a different amount ({message})"),
        ),
        // The member erased their data since: only the order's id was kept, not its result.
        OpStatus::Rejected { code, .. } if code == "already_applied" => AppError::Conflict(
            "this order reference was credited before (to data the member has since erased); \
             nothing was credited again"
                .into(),
        ),
        OpStatus::Rejected { message, .. } => AppError::Unprocessable {
            code: "rejected",
            message,
            problems: Vec::new(),
        },
        other => AppError::Unprocessable {
            code: "rejected",
            message: format!("{other:?}"),
            problems: Vec::new(),
        },
    }
}

fn fnv1a(text: &str) -> u64 {
    text.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Campaign figures.
#[utoipa::path(get, path = "/v1/admin/campaigns/{id}/stats", tag = "admin", security(("admin_key" = [])),
    params(("id" = String, Path, description = "campaign id")),
    responses((status = 200, body = CampaignStats),
              (status = 400, description = "`invalid_id`: not a campaign id", body = crate::openapi::ErrorBody),
              (status = 401, description = "`missing_credentials`, `invalid_admin_key`", body = crate::openapi::ErrorBody),
              (status = 404, description = "`not_found`: no such campaign for this tenant", body = crate::openapi::ErrorBody),
              (status = 408, description = "`request_timeout`", body = crate::openapi::ErrorBody)))]
pub async fn campaign_stats(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<ApiJson<CampaignStats>, AppError> {
    let tenant = tenant(&state, &headers).await?;
    let campaign = own_campaign(&state, &tenant, &id).await?;
    let members = state.store.member_states(&campaign).await?;
    let stock = state.store.stock(&campaign.campaign.id).await?;
    Ok(ApiJson(stats::compute(
        &campaign.campaign,
        &members,
        &stock,
        state.clock.now(),
    )))
}

/// Members with tags, balances and stages, for the brand's CRM.
#[utoipa::path(get, path = "/v1/admin/campaigns/{id}/export.csv", tag = "admin", security(("admin_key" = [])),
    params(("id" = String, Path, description = "campaign id")),
    responses((status = 200, description = "text/csv: member,stage,tier,balance,earned,tags,checkins,last_active", content_type = "text/csv"),
              (status = 400, description = "`invalid_id`: not a campaign id", body = crate::openapi::ErrorBody),
              (status = 401, description = "`missing_credentials`, `invalid_admin_key`", body = crate::openapi::ErrorBody),
              (status = 404, description = "`not_found`: no such campaign for this tenant", body = crate::openapi::ErrorBody),
              (status = 408, description = "`request_timeout`", body = crate::openapi::ErrorBody)))]
pub async fn campaign_export_csv(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let tenant = tenant(&state, &headers).await?;
    let campaign = own_campaign(&state, &tenant, &id).await?;
    let members = state.store.member_states(&campaign).await?;
    let csv = stats::csv(&campaign.campaign, &members, state.clock.now());
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{id}-members.csv\""))
        .expect("ids are ascii");
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/csv; charset=utf-8"),
            ),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        csv,
    )
        .into_response())
}
