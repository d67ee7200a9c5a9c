//! Credentials: device session tokens (signed by the server), member tokens (signed by the
//! brand's back end with the tenant's secret) and tenant admin keys (stored hashed).

use std::sync::LazyLock;

use axum::http::HeaderMap;
use jsonwebtoken::errors::ErrorKind;
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

/// What a brand's member token says. Other claims (`iss`, `sub`, `aud`, `jti`, …, which
/// many JWT libraries add by default) are passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberClaims {
    /// The brand (tenant) that signed it.
    pub tenant: String,
    /// The brand's member id.
    pub member: String,
    /// Expiry (unix seconds).
    pub exp: i64,
    /// Issued at, optional.
    pub iat: Option<i64>,
    /// Not before (unix seconds), optional; honoured when present.
    pub nbf: Option<i64>,
}

/// How far the brand's clock may run ahead of the server's before a token's `nbf` refuses it:
/// a token signed "not before now" on a clock a little fast is still good at once.
pub const MEMBER_TOKEN_NBF_LEEWAY_SECONDS: i64 = 60;

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

/// The checks `jsonwebtoken` makes of a member token, built once: the algorithm (HS256 only)
/// and the signature. The claims are read and judged by [`member_claims`] (against the
/// injectable server clock, with messages naming the claim); an `aud` is not a reason to
/// refuse, since no audience is configured for a brand.
static VALIDATION: LazyLock<Validation> = LazyLock::new(|| {
    let mut validation = Validation::new(Algorithm::HS256);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
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
        let message = if renewal {
            "the device token expired more than 30 days ago and no longer renews; create a new \
             session with POST /v1/sessions without device_token"
        } else {
            "the session token has expired; renew it with POST /v1/sessions and this token as \
             device_token"
        };
        return Err(AppError::unauthorized("token_expired", message));
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
    let refused = |message: String| AppError::unauthorized("invalid_member_token", message);
    let not_a_jwt = || {
        refused(
            "the member token is not a JWT signed with HS256 (three base64url parts, \
             header.claims.signature, whose header names alg HS256)"
                .to_owned(),
        )
    };
    let header = jsonwebtoken::decode_header(token).map_err(|_| not_a_jwt())?;
    if header.alg != Algorithm::HS256 {
        return Err(refused(format!(
            "the member token is signed with {:?}; sign it with HS256 and this brand's member-token secret",
            header.alg
        )));
    }
    // A `crit` header names extensions the token must not be taken without (RFC 7515 §4.1.11);
    // this server understands none, so such a token is refused, not read as if plain.
    if critical_extensions(token) {
        return Err(refused(
            "the member token's header has \"crit\" extensions, which this server does not support; sign a plain HS256 JWT".to_owned(),
        ));
    }
    let data = decode::<serde_json::Map<String, serde_json::Value>>(
        token,
        &DecodingKey::from_secret(secret.as_bytes()),
        &VALIDATION,
    )
    .map_err(|e| match e.kind() {
        ErrorKind::InvalidSignature => refused(
            "the member token's signature does not verify with this brand's member-token secret"
                .to_owned(),
        ),
        // The signature verified; the claims part is not a JSON object.
        ErrorKind::Json(_) | ErrorKind::Utf8(_) | ErrorKind::Base64(_) => {
            refused("the member token's claims are not a JSON object".to_owned())
        }
        _ => not_a_jwt(),
    })?;
    let claims = member_claims(&data.claims).map_err(refused)?;
    if claims.tenant != tenant.as_str() {
        return Err(AppError::unauthorized(
            "invalid_member_token",
            "the member token belongs to another brand",
        ));
    }
    let now = now.as_seconds();
    if now >= claims.exp {
        return Err(AppError::unauthorized(
            "member_token_expired",
            "the member token has expired; ask the brand's back end for a new one",
        ));
    }
    if let Some(nbf) = claims.nbf {
        if now + MEMBER_TOKEN_NBF_LEEWAY_SECONDS < nbf {
            return Err(AppError::unauthorized(
                "member_token_not_yet_valid",
                format!(
                    "the member token is not valid before {nbf} (its nbf claim, unix seconds); \
                     the server's time is {now}"
                ),
            ));
        }
    }
    brand_member_id(&claims.member)
        .map_err(|e| AppError::unauthorized("invalid_member_token", format!("member id: {e}")))
}

/// Whether a JWT's header carries `crit` (jsonwebtoken's `Header` does not read it).
fn critical_extensions(token: &str) -> bool {
    use base64::Engine as _;
    token
        .split('.')
        .next()
        .and_then(|part| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .ok()
        })
        .and_then(|json| {
            serde_json::from_slice::<serde_json::Map<String, serde_json::Value>>(&json).ok()
        })
        .is_some_and(|header| header.contains_key("crit"))
}

/// The brand's own id of a member, as member tokens carry it and purchase credits name it.
/// Not one that reads as a key of the CSV export (`member:<id>`, `device:<id>`): pasted back, it
/// would name another member than the one it came from, who could sign in but never be credited.
pub fn brand_member_id(text: &str) -> Result<MemberId, String> {
    let member = MemberId::parse(text).map_err(|e| e.to_string())?;
    match ["member:", "device:"]
        .into_iter()
        .find(|prefix| member.as_str().starts_with(prefix))
    {
        Some(kind) => Err(format!(
            "\"{member}\" is a key of the CSV export ({kind}…), not a member id; use the brand's own member id"
        )),
        None => Ok(member),
    }
}

/// The claims the server reads from a member token's (verified) claims object; the message
/// names the claim that is missing or of the wrong type.
pub fn member_claims(
    claims: &serde_json::Map<String, serde_json::Value>,
) -> Result<MemberClaims, String> {
    let text = |name: &str| match claims.get(name) {
        Some(serde_json::Value::String(value)) => Ok(value.clone()),
        Some(_) => Err(format!(
            "the member token's `{name}` claim must be a string"
        )),
        None => Err(format!("the member token has no `{name}` claim")),
    };
    // NumericDate (RFC 7519) may carry a fraction; whole seconds are enough here.
    let seconds = |name: &str| match claims.get(name) {
        None => Ok(None),
        Some(value) => value
            .as_i64()
            .or_else(|| value.as_f64().filter(|f| f.is_finite()).map(|f| f as i64))
            .map(Some)
            .ok_or_else(|| {
                format!("the member token's `{name}` claim must be a number (unix seconds)")
            }),
    };
    Ok(MemberClaims {
        tenant: text("tenant")?,
        member: text("member")?,
        exp: seconds("exp")?.ok_or("the member token has no `exp` claim (unix seconds)")?,
        iat: seconds("iat")?,
        nbf: seconds("nbf")?,
    })
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

/// The bearer token of a request (the scheme's name is case-insensitive, RFC 9110 §11.1).
pub fn bearer(headers: &HeaderMap) -> Result<&str, AppError> {
    let missing =
        || AppError::unauthorized("missing_credentials", "send Authorization: Bearer <token>");
    let value = headers
        .get(axum::http::header::AUTHORIZATION)
        .ok_or_else(missing)?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.trim_start().split_once(' '))
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
        .map(|(_, token)| token.trim())
        .filter(|t| !t.is_empty())
        .ok_or_else(missing)
}

#[cfg(test)]
mod crit_tests {
    use base64::Engine as _;
    use jsonwebtoken::EncodingKey;

    use super::*;

    /// An HS256 JWT whose header says anything (`jsonwebtoken::Header` has no `crit`).
    fn hs256(header: &str, claims: &str, secret: &[u8]) -> String {
        let b64 = |text: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text);
        let body = format!("{}.{}", b64(header), b64(claims));
        let signature = jsonwebtoken::crypto::sign(
            body.as_bytes(),
            &EncodingKey::from_secret(secret),
            Algorithm::HS256,
        )
        .expect("HS256 signs");
        format!("{body}.{signature}")
    }

    #[test]
    fn a_member_token_with_critical_extensions_is_refused() {
        let tenant = TenantId::parse("glow").unwrap();
        let claims = r#"{"tenant":"glow","member":"bob","exp":4000000000}"#;
        let now = Timestamp::from_millis(1_800_000_000_000);
        let plain = hs256(r#"{"alg":"HS256","typ":"JWT"}"#, claims, b"secret");
        assert_eq!(
            verify_member("secret", &plain, &tenant, now)
                .unwrap()
                .as_str(),
            "bob"
        );
        let critical = hs256(
            r#"{"alg":"HS256","typ":"JWT","crit":["b64"],"b64":false}"#,
            claims,
            b"secret",
        );
        let refused = verify_member("secret", &critical, &tenant, now).unwrap_err();
        assert!(refused.to_string().contains("\"crit\""), "{refused}");
    }
}
