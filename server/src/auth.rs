//! Credentials: device session tokens (signed by the server), member tokens (signed by the
//! brand's back end with the tenant's secret) and tenant admin keys (stored hashed).

use std::sync::LazyLock;

use axum::http::HeaderMap;
use jsonwebtoken::{decode, Algorithm, DecodingKey, Validation};
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use siyu_core::ids::{CampaignId, MemberId, TenantId};
use siyu_core::Timestamp;
use subtle::ConstantTimeEq;

use crate::error::AppError;

mod session_token;
pub use session_token::SessionKey;

/// How long a session token is valid.
pub const SESSION_TTL_SECONDS: i64 = 2 * 3_600;
/// How long after expiry a session token still proves a device's identity when renewing.
pub const SESSION_RENEWAL_GRACE_SECONDS: i64 = 30 * 24 * 3_600;

/// What a session token says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// Tenant.
    pub ten: String,
    /// Campaign.
    pub cmp: String,
    /// Device.
    pub dev: String,
    /// Issued at (unix seconds).
    pub iat: i64,
    /// Expires at (unix seconds).
    pub exp: i64,
}

/// What a brand's member token says.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberClaims {
    /// The brand (tenant) that signed it.
    pub tenant: String,
    /// The brand's member id.
    pub member: String,
    /// Expiry (unix seconds).
    pub exp: i64,
    /// Issued at, optional.
    #[serde(default)]
    pub iat: Option<i64>,
}

/// A random secret, hex.
pub fn random_secret(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    rand::rngs::OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

/// A new device id: `d`, the creation time in milliseconds (12 hex digits), then 48 random bits.
///
/// Time first so that ids sort by creation: a day's new devices (and the members and log
/// entries keyed by them) land side by side in the storage's indexes instead of on a random
/// page each, which is most of what a commit writes. The random part keeps ids unguessable
/// enough to be unique (a session token, not the id, is what proves a device).
pub fn new_device_id(now: Timestamp) -> String {
    let millis = u64::try_from(now.as_millis()).unwrap_or(0) & 0xffff_ffff_ffff;
    format!("d{millis:012x}{}", random_secret(6))
}

/// Issues a session token.
pub fn issue_session(
    key: &SessionKey,
    tenant: &TenantId,
    campaign: &CampaignId,
    device: &str,
    now: Timestamp,
) -> (String, Timestamp) {
    let iat = now.as_seconds();
    let claims = SessionClaims {
        ten: tenant.to_string(),
        cmp: campaign.to_string(),
        dev: device.to_owned(),
        iat,
        exp: iat + SESSION_TTL_SECONDS,
    };
    (
        key.issue(&claims),
        Timestamp::from_millis(claims.exp * 1_000),
    )
}

/// The checks a member token gets, built once.
static VALIDATION: LazyLock<Validation> = LazyLock::new(|| {
    let mut validation = Validation::new(Algorithm::HS256);
    // Expiry is checked against the injectable server clock, not the system clock.
    validation.validate_exp = false;
    validation.required_spec_claims = ["exp"].into_iter().map(String::from).collect();
    validation
});

/// Verifies a session token at `now`; with `renewal`, an expired token within the renewal
/// grace still proves the device.
pub fn verify_session(
    key: &SessionKey,
    token: &str,
    now: Timestamp,
    renewal: bool,
) -> Result<SessionClaims, AppError> {
    let claims = key.verify(token).map_err(|_| {
        AppError::unauthorized(
            "invalid_token",
            "the session token is not valid; create a new session",
        )
    })?;
    let grace = if renewal {
        SESSION_RENEWAL_GRACE_SECONDS
    } else {
        0
    };
    if now.as_seconds() >= claims.exp + grace {
        return Err(AppError::unauthorized(
            "token_expired",
            "the session token has expired; renew it with POST /v1/sessions",
        ));
    }
    Ok(claims)
}

/// Verifies a brand's member token with the tenant's secret.
pub fn verify_member(
    secret: &str,
    token: &str,
    tenant: &TenantId,
    now: Timestamp,
) -> Result<MemberId, AppError> {
    let data = decode::<MemberClaims>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &VALIDATION,
    )
    .map_err(|e| {
        AppError::unauthorized(
            "invalid_member_token",
            format!("the member token does not verify with this brand's secret ({e})"),
        )
    })?;
    let claims = data.claims;
    if claims.tenant != tenant.as_str() {
        return Err(AppError::unauthorized(
            "invalid_member_token",
            "the member token belongs to another brand",
        ));
    }
    if now.as_seconds() >= claims.exp {
        return Err(AppError::unauthorized(
            "member_token_expired",
            "the member token has expired; ask the brand's back end for a new one",
        ));
    }
    MemberId::parse(&claims.member)
        .map_err(|e| AppError::unauthorized("invalid_member_token", format!("member id: {e}")))
}

/// A new admin key for a tenant and the hash to store: `sk_<tenant>_<64 hex>`.
pub fn new_admin_key(tenant: &TenantId) -> (String, Vec<u8>) {
    let key = format!("sk_{tenant}_{}", random_secret(32));
    let hash = hash_key(&key);
    (key, hash)
}

/// SHA-256 of a key.
pub fn hash_key(key: &str) -> Vec<u8> {
    Sha256::digest(key.as_bytes()).to_vec()
}

/// The tenant an admin key claims to belong to (to look up its hash).
pub fn admin_key_tenant(key: &str) -> Option<TenantId> {
    let rest = key.strip_prefix("sk_")?;
    let (tenant, secret) = rest.rsplit_once('_')?;
    (secret.len() == 64).then(|| TenantId::parse(tenant).ok())?
}

/// Whether `key` hashes to `stored`, compared in constant time.
pub fn admin_key_matches(key: &str, stored: &[u8]) -> bool {
    bool::from(hash_key(key).as_slice().ct_eq(stored))
}

/// The bearer token of a request.
pub fn bearer(headers: &HeaderMap) -> Result<&str, AppError> {
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(|| {
            AppError::unauthorized("missing_credentials", "send Authorization: Bearer <token>")
        })?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| {
            AppError::unauthorized("missing_credentials", "send Authorization: Bearer <token>")
        })
}
