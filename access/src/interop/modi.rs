//! ModI security patterns on agency calls (AgID's "Modello di Interoperabilità"):
//!
//! - **INTEGRITY_REST_01** on writes: the body's SHA-256 travels in `Digest`
//!   (`SHA-256=<base64>`), and `Agid-JWT-Signature` — a JWT signed with the agency's key —
//!   lists that digest among its `signed_headers`. A body changed after signing no longer
//!   matches, whoever changed it.
//! - **AUDIT_REST_01** on every call: `Agid-JWT-TrackingEvidence` says which of the agency's
//!   users asked (`userID`), from where (`userLocation`) and at which level of assurance
//!   (`LoA`); the claims go to the audit trail.
//!
//! Both tokens are verified with the key registered for the agency (`kid`), for this
//! e-service's audience, within their validity, and each `jti` is used once.

use std::collections::HashMap;

use anyhow::Context;
use base64::Engine as _;
use http::HeaderMap;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest as _, Sha256};

use super::InteropConfig;
use welfare_auth::{check_issued_at, claims::MAX_JTI_LEN};

pub const SIGNATURE_HEADER: &str = "agid-jwt-signature";
pub const TRACKING_HEADER: &str = "agid-jwt-trackingevidence";
pub const DIGEST_HEADER: &str = "digest";
/// The only digest algorithm accepted (RFC 3230 name).
const DIGEST_ALGORITHM: &str = "SHA-256";
/// Longest accepted value of the tracking claims: an id or a place, not a document.
const MAX_CLAIM_LEN: usize = 256;

/// A ModI check that failed; the text goes to the caller and to the audit trail.
#[derive(Debug, thiserror::Error)]
pub enum ModiError {
    #[error("the {0} header is required")]
    Missing(&'static str),
    #[error("{0}: no key is registered under this kid for the calling agency")]
    UnknownKey(&'static str),
    #[error("{0} is not valid: {1}")]
    Invalid(&'static str, String),
    #[error("the Digest header does not match the body")]
    DigestMismatch,
    #[error("Agid-JWT-Signature does not sign this request's {0}")]
    NotSigned(&'static str),
}

struct SigningKey {
    /// The agency the key belongs to; `None` for the dev key, valid for any agency.
    organisation: Option<String>,
    key: DecodingKey,
    algorithm: Algorithm,
}

/// The agencies' registered keys, by `kid`.
pub struct SigningKeys {
    by_kid: HashMap<String, SigningKey>,
    audience: String,
    max_age: u64,
    leeway: u64,
}

/// What the checks established: the one-time ids to consume and the audit evidence.
#[derive(Debug)]
pub struct Checked {
    pub jtis: Vec<(String, u64)>,
    pub evidence: Value,
}

#[derive(Deserialize)]
struct Common {
    exp: u64,
    #[serde(default)]
    jti: Option<String>,
}

#[derive(Deserialize)]
struct SignatureClaims {
    #[serde(flatten)]
    common: Common,
    #[serde(default)]
    signed_headers: Vec<HashMap<String, String>>,
}

#[derive(Deserialize)]
struct TrackingClaims {
    #[serde(flatten)]
    common: Common,
    #[serde(rename = "userID")]
    user_id: Option<String>,
    #[serde(rename = "userLocation")]
    user_location: Option<String>,
    #[serde(rename = "LoA")]
    loa: Option<String>,
}

impl SigningKeys {
    /// The configured keys, plus the development issuer's (its `kid` and key) when `dev` is
    /// given.
    pub fn new(
        config: &InteropConfig,
        leeway: u64,
        dev: Option<(&str, DecodingKey)>,
    ) -> anyhow::Result<Self> {
        let mut by_kid = HashMap::new();
        if let Some((kid, key)) = dev {
            by_kid.insert(
                kid.to_string(),
                SigningKey {
                    organisation: None,
                    key,
                    algorithm: Algorithm::ES256,
                },
            );
        }
        for k in &config.signing_keys {
            let pem = std::fs::read(&k.public_key_pem)
                .with_context(|| format!("reading the ModI key {}", k.public_key_pem.display()))?;
            let (key, algorithm) = match k.algorithm.as_str() {
                "ES256" => (DecodingKey::from_ec_pem(&pem)?, Algorithm::ES256),
                "RS256" => (DecodingKey::from_rsa_pem(&pem)?, Algorithm::RS256),
                other => anyhow::bail!(
                    "ModI key {}: algorithm {other} is not ES256 or RS256",
                    k.kid
                ),
            };
            by_kid.insert(
                k.kid.clone(),
                SigningKey {
                    organisation: Some(k.organisation.clone()),
                    key,
                    algorithm,
                },
            );
        }
        Ok(Self {
            by_kid,
            audience: config.audience.clone(),
            max_age: config.max_token_age_seconds,
            leeway,
        })
    }

    /// Checks the ModI headers of an agency's request: the tracking evidence always (bound to
    /// the voucher when it carries a `digest`: AUDIT_REST_02), the body's signature when
    /// `write`.
    pub fn check(
        &self,
        organisation: &str,
        headers: &HeaderMap,
        body: &[u8],
        write: bool,
        bound_to: Option<&str>,
    ) -> Result<Checked, ModiError> {
        let mut jtis = Vec::new();
        let tracking_token = header(headers, TRACKING_HEADER)
            .ok_or(ModiError::Missing("Agid-JWT-TrackingEvidence"))?;
        if let Some(expected) = bound_to
            && hex::encode(Sha256::digest(tracking_token.as_bytes())) != expected
        {
            return Err(ModiError::Invalid(
                "Agid-JWT-TrackingEvidence",
                "it is not the one the voucher's digest names (AUDIT_REST_02)".into(),
            ));
        }
        let tracking: TrackingClaims =
            self.verify("Agid-JWT-TrackingEvidence", organisation, tracking_token)?;
        let bounded = |v: Option<String>, name: &'static str| {
            v.filter(|v| !v.trim().is_empty() && v.len() <= MAX_CLAIM_LEN)
                .ok_or_else(|| {
                    ModiError::Invalid(
                        "Agid-JWT-TrackingEvidence",
                        format!("the claim {name} is required"),
                    )
                })
        };
        let user_id = bounded(tracking.user_id, "userID")?;
        let user_location = bounded(tracking.user_location, "userLocation")?;
        let loa = bounded(tracking.loa, "LoA")?;
        let tracking_jti = one_time(tracking.common, "Agid-JWT-TrackingEvidence", &mut jtis)?;
        let mut evidence = json!({
            "tracking": {
                "jti": tracking_jti,
                "user_id": user_id,
                "user_location": user_location,
                "loa": loa,
            }
        });
        if write {
            let digest = header(headers, DIGEST_HEADER).ok_or(ModiError::Missing("Digest"))?;
            if digest != body_digest(body) {
                return Err(ModiError::DigestMismatch);
            }
            let token = header(headers, SIGNATURE_HEADER)
                .ok_or(ModiError::Missing("Agid-JWT-Signature"))?;
            let signature: SignatureClaims =
                self.verify("Agid-JWT-Signature", organisation, token)?;
            let signed = |name: &str| {
                signature
                    .signed_headers
                    .iter()
                    .find_map(|h| h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)))
                    .map(|(_, v)| v.as_str())
            };
            if signed("digest") != Some(digest) {
                return Err(ModiError::NotSigned("Digest"));
            }
            if let Some(content_type) = signed("content-type")
                && Some(content_type) != header(headers, "content-type")
            {
                return Err(ModiError::NotSigned("Content-Type"));
            }
            let jti = one_time(signature.common, "Agid-JWT-Signature", &mut jtis)?;
            evidence["integrity"] = json!({ "jti": jti, "digest": digest });
        }
        Ok(Checked {
            jtis: jtis
                .into_iter()
                .map(|(jti, exp)| (format!("modi:{organisation}:{jti}"), exp))
                .collect(),
            evidence,
        })
    }

    fn verify<T: serde::de::DeserializeOwned>(
        &self,
        name: &'static str,
        organisation: &str,
        token: &str,
    ) -> Result<T, ModiError> {
        let header = jsonwebtoken::decode_header(token)
            .map_err(|_| ModiError::Invalid(name, "not a well-formed JWT".into()))?;
        let key = header
            .kid
            .as_deref()
            .and_then(|kid| self.by_kid.get(kid))
            .filter(|k| k.organisation.as_deref().is_none_or(|o| o == organisation))
            .ok_or(ModiError::UnknownKey(name))?;
        if header.alg != key.algorithm {
            return Err(ModiError::Invalid(
                name,
                format!("the algorithm {:?} is not the key's", header.alg),
            ));
        }
        let mut validation = Validation::new(key.algorithm);
        validation.set_audience(&[&self.audience]);
        validation.set_required_spec_claims(&["exp", "aud"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway;
        let data = jsonwebtoken::decode::<Value>(token, &key.key, &validation)
            .map_err(|e| ModiError::Invalid(name, e.to_string()))?;
        let iat = data.claims.get("iat").and_then(Value::as_u64).unwrap_or(0);
        check_issued_at(iat, self.max_age, self.leeway)
            .map_err(|e| ModiError::Invalid(name, e.to_string()))?;
        serde_json::from_value(data.claims).map_err(|e| ModiError::Invalid(name, e.to_string()))
    }
}

/// The token's `jti`, added to the ids to consume.
fn one_time(
    common: Common,
    name: &'static str,
    jtis: &mut Vec<(String, u64)>,
) -> Result<String, ModiError> {
    let jti = common
        .jti
        .filter(|j| !j.is_empty() && j.len() <= MAX_JTI_LEN)
        .ok_or_else(|| ModiError::Invalid(name, "the claim jti is required".into()))?;
    jtis.push((jti.clone(), common.exp));
    Ok(jti)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
}

/// The `Digest` header value of `body`: `SHA-256=<base64 of its SHA-256>`.
pub fn body_digest(body: &[u8]) -> String {
    format!(
        "{DIGEST_ALGORITHM}={}",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(body))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_digest_is_rfc_3230_sha_256() {
        // SHA-256 of the empty string, base64: a published test vector.
        assert_eq!(
            body_digest(b""),
            "SHA-256=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU="
        );
    }
}
