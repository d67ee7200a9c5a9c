//! Device session tokens: HS256 JWTs that only this server issues and verifies.
//!
//! Every sync verifies one, so the HMAC key is prepared once here. `jsonwebtoken` prepares it
//! again on every call and decodes the token's header and claims twice; together that was
//! about a twentieth of a check-in's instructions. Member tokens, which brands sign with
//! their own tools, still go through `jsonwebtoken` and its full header handling.
//!
//! The tokens are standard JWTs (`{"typ":"JWT","alg":"HS256"}`), so any JWT library reads
//! them, and the tokens issued before this module verify unchanged. Since only this server
//! issues them, verification accepts exactly the header it writes: no algorithm is read
//! from the token.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use ring::hmac;

use super::SessionClaims;

/// `{"typ":"JWT","alg":"HS256"}`, base64url: the header of every session token.
const HEADER: &str = "eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9";

/// Why a token was refused (the caller answers 401 without saying which: a forger learns
/// nothing from it).
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    /// Not three base64url parts, or another header.
    Malformed,
    /// The signature does not match.
    Signature,
    /// Signed by us, yet the claims do not read (a bug, or a leaked key).
    Claims,
}

/// The server's key for session tokens, prepared once.
pub struct SessionKey {
    key: hmac::Key,
}

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

impl SessionKey {
    /// The key for `secret` (the server secret kept in the store).
    pub fn new(secret: &[u8]) -> Self {
        Self {
            key: hmac::Key::new(hmac::HMAC_SHA256, secret),
        }
    }

    /// A signed token carrying `claims`.
    pub fn issue(&self, claims: &SessionClaims) -> String {
        let payload = serde_json::to_vec(claims).expect("session claims serialise");
        // Header, payload and the 32-byte tag, base64url, with their two dots.
        let mut token = String::with_capacity(
            HEADER.len() + 2 + base64::encoded_len(payload.len(), false).unwrap_or(0) + 43,
        );
        token.push_str(HEADER);
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(&payload, &mut token);
        let tag = hmac::sign(&self.key, token.as_bytes());
        token.push('.');
        URL_SAFE_NO_PAD.encode_string(tag.as_ref(), &mut token);
        token
    }

    /// The claims of a token this key signed. Expiry is the caller's to judge (against the
    /// server's injectable clock).
    pub fn verify(&self, token: &str) -> Result<SessionClaims, Refused> {
        let (signed, signature) = token.rsplit_once('.').ok_or(Refused::Malformed)?;
        let payload = signed
            .strip_prefix(HEADER)
            .and_then(|rest| rest.strip_prefix('.'))
            .ok_or(Refused::Malformed)?;
        let signature = URL_SAFE_NO_PAD
            .decode(signature)
            .map_err(|_| Refused::Malformed)?;
        // Constant-time comparison of the tag.
        hmac::verify(&self.key, signed.as_bytes(), &signature).map_err(|_| Refused::Signature)?;
        let claims = URL_SAFE_NO_PAD
            .decode(payload)
            .map_err(|_| Refused::Claims)?;
        serde_json::from_slice(&claims).map_err(|_| Refused::Claims)
    }
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};

    use super::*;

    const SECRET: &[u8] = b"a server secret of some length, as the store keeps it";

    fn claims() -> SessionClaims {
        SessionClaims {
            ten: "glow".into(),
            cmp: "glow-skin".into(),
            dev: "d0192a3b4c5d6e7f8091a2b3".into(),
            iat: 1_795_000_000,
            exp: 1_795_007_200,
        }
    }

    fn jwt_validation() -> Validation {
        let mut validation = Validation::new(Algorithm::HS256);
        validation.validate_exp = false;
        validation
    }

    #[test]
    fn a_token_it_issues_verifies_to_its_claims() {
        let key = SessionKey::new(SECRET);
        assert_eq!(key.verify(&key.issue(&claims())), Ok(claims()));
    }

    #[test]
    fn tokens_are_standard_jwts_both_ways() {
        let key = SessionKey::new(SECRET);
        // Ours read by a JWT library …
        let ours = key.issue(&claims());
        let read = jsonwebtoken::decode::<SessionClaims>(
            &ours,
            &DecodingKey::from_secret(SECRET),
            &jwt_validation(),
        )
        .expect("a standard HS256 JWT");
        assert_eq!(read.claims, claims());
        // … and a JWT library's (how tokens were issued before this module) read by ours.
        let theirs = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &claims(),
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert_eq!(theirs, ours, "the same header, claims and signature");
        assert_eq!(key.verify(&theirs), Ok(claims()));
    }

    #[test]
    fn forged_or_damaged_tokens_are_refused() {
        let key = SessionKey::new(SECRET);
        let token = key.issue(&claims());
        let (signed, signature) = token.rsplit_once('.').unwrap();
        let (_, payload) = signed.split_once('.').unwrap();

        let other_key = SessionKey::new(b"another secret").issue(&claims());
        assert_eq!(key.verify(&other_key), Err(Refused::Signature));

        // Claims changed after signing (a longer expiry).
        let mut longer = claims();
        longer.exp += 86_400;
        let forged_payload = URL_SAFE_NO_PAD.encode(serde_json::to_vec(&longer).unwrap());
        let forged = format!("{HEADER}.{forged_payload}.{signature}");
        assert_eq!(key.verify(&forged), Err(Refused::Signature));

        // Another algorithm in the header, even "none" with no signature.
        let none = URL_SAFE_NO_PAD.encode(br#"{"typ":"JWT","alg":"none"}"#);
        assert_eq!(
            key.verify(&format!("{none}.{payload}.")),
            Err(Refused::Malformed)
        );
        assert_eq!(
            key.verify(&format!("{none}.{payload}.{signature}")),
            Err(Refused::Malformed)
        );

        // A tag cut short, padded, or missing; not a JWT at all.
        let short = URL_SAFE_NO_PAD.encode(&URL_SAFE_NO_PAD.decode(signature).unwrap()[..16]);
        assert_eq!(
            key.verify(&format!("{signed}.{short}")),
            Err(Refused::Signature)
        );
        assert_eq!(
            key.verify(&format!("{signed}.{signature}=")),
            Err(Refused::Malformed)
        );
        assert_eq!(key.verify(signed), Err(Refused::Malformed));
        assert_eq!(key.verify(""), Err(Refused::Malformed));
        assert_eq!(key.verify("not a token"), Err(Refused::Malformed));
    }

    #[test]
    fn signed_claims_of_another_shape_are_refused() {
        let key = SessionKey::new(SECRET);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"ten":"glow","cmp":"glow-skin"}"#);
        let signed = format!("{HEADER}.{payload}");
        let tag = hmac::sign(&key.key, signed.as_bytes());
        let token = format!("{signed}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()));
        assert_eq!(key.verify(&token), Err(Refused::Claims));
    }
}
