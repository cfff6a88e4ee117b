//! Who is calling, and whether a route admits them: bearer tokens verified per RFC 8725 and
//! turned into a [`Principal`], and the route policy every component route declares.
//!
//! Every token must name a trusted issuer (`iss`), carry this platform's audience (`aud`), an
//! expiry (`exp`) and a subject (`sub`), and be signed with an algorithm on that issuer's
//! allow-list: `alg: none`, HMAC with a public key as secret, and unknown issuers are refused
//! before any claim is read. Each issuer is trusted for one kind of principal only.
//!
//! One crate for the gateway and for the Spin HTTP adapter (`components/spin/http`), so that
//! a domain served by either host admits exactly the same callers. No I/O: the hosts read
//! keys from wherever they keep them (files, Spin variables) and hand over the bytes.
//!
//! # Layout
//! - this file: levels, kinds, principals, token errors and the [`Authenticator`];
//! - [`claims`]: the claims each kind of token carries, and their mapping to a principal;
//! - [`policy`]: whether a route's principal kinds, roles and minimum level admit a caller;
//! - [`verified`]: tokens verified before, so a session's token is checked by signature once;
//! - `native` (feature `native-verifier`, the gateway's): ECDSA verified by `ring`.
//!
//! What a host and a domain exchange once the caller is known (headers, strict bodies, route
//! lookup, idempotency keys, status outcomes, the shared refusals) is `welfare-exchange`'s,
//! a crate above this one.

pub mod claims;
#[cfg(feature = "native-verifier")]
pub mod native;
pub mod policy;
pub mod verified;

use std::collections::HashMap;

use base64::Engine as _;
use jsonwebtoken::Validation;
pub use jsonwebtoken::{Algorithm, DecodingKey};
use serde::{Deserialize, Serialize};
use welfare_identity::{FiscalCode, VatNumber};

/// SPID/CIE level of assurance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Level {
    L1,
    L2,
    L3,
}

impl Level {
    /// The `acr` value SPID uses for this level.
    pub fn acr(self) -> &'static str {
        match self {
            Level::L1 => "https://www.spid.gov.it/SpidL1",
            Level::L2 => "https://www.spid.gov.it/SpidL2",
            Level::L3 => "https://www.spid.gov.it/SpidL3",
        }
    }

    pub fn from_acr(acr: &str) -> Option<Self> {
        [Level::L1, Level::L2, Level::L3]
            .into_iter()
            .find(|l| l.acr() == acr)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IntermediaryKind {
    Caf,
    Patronato,
    Consulente,
}

/// The kinds of principal; an issuer is trusted for exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PrincipalKind {
    Anonymous,
    Citizen,
    Company,
    Intermediary,
    Agency,
    Operator,
    System,
}

/// The kind of person or company a route's requests are about (the WIT `subject-kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SubjectKind {
    /// A natural person: a 16-character fiscal code.
    Person,
    /// A company: an 11-digit VAT number.
    Company,
    /// Either of the two.
    Either,
}

impl SubjectKind {
    /// The kind of `subject`, a normalised fiscal code or VAT number; `None` for anything else.
    /// The two formats never overlap (16 letters and digits against 11 digits), so the text
    /// alone says which it is.
    pub fn of(subject: &str) -> Option<Self> {
        if FiscalCode::parse(subject).is_ok() {
            Some(SubjectKind::Person)
        } else if VatNumber::parse(subject).is_ok() {
            Some(SubjectKind::Company)
        } else {
            None
        }
    }

    /// Whether a route about `self` may be about a subject of kind `kind` (`Person` or
    /// `Company`).
    pub fn admits(self, kind: SubjectKind) -> bool {
        self == SubjectKind::Either || self == kind
    }

    /// How a caller reads it in a refusal.
    pub fn describe(self) -> &'static str {
        match self {
            SubjectKind::Person => "a person (fiscal code)",
            SubjectKind::Company => "a company (VAT number)",
            SubjectKind::Either => "a person or a company",
        }
    }
}

/// A verified caller.
#[derive(Debug, Clone, PartialEq)]
pub enum Principal {
    Anonymous,
    Citizen {
        fiscal_code: FiscalCode,
        level: Level,
    },
    /// A company acting for itself (SPID for legal persons).
    Company {
        vat_number: VatNumber,
        name: Option<String>,
        level: Level,
    },
    Intermediary {
        organisation: String,
        kind: IntermediaryKind,
    },
    Agency {
        organisation: String,
        purpose: String,
        voucher: Voucher,
    },
    Operator {
        id: String,
        role: String,
        office: Option<String>,
    },
    System,
}

impl Principal {
    pub fn kind(&self) -> PrincipalKind {
        match self {
            Principal::Anonymous => PrincipalKind::Anonymous,
            Principal::Citizen { .. } => PrincipalKind::Citizen,
            Principal::Company { .. } => PrincipalKind::Company,
            Principal::Intermediary { .. } => PrincipalKind::Intermediary,
            Principal::Agency { .. } => PrincipalKind::Agency,
            Principal::Operator { .. } => PrincipalKind::Operator,
            Principal::System => PrincipalKind::System,
        }
    }

    /// The person or company the caller is: a citizen's fiscal code, a company's VAT number.
    pub fn own_subject(&self) -> Option<String> {
        match self {
            Principal::Citizen { fiscal_code, .. } => Some(fiscal_code.to_string()),
            Principal::Company { vat_number, .. } => Some(vat_number.to_string()),
            _ => None,
        }
    }

    /// A stable name of the caller, for idempotency scopes and logs (never a token).
    pub fn scope(&self) -> String {
        match self {
            Principal::Anonymous => "anonymous".into(),
            Principal::Citizen { fiscal_code, .. } => format!("citizen:{fiscal_code}"),
            Principal::Company { vat_number, .. } => format!("company:{vat_number}"),
            Principal::Intermediary { organisation, .. } => format!("intermediary:{organisation}"),
            Principal::Agency {
                organisation,
                purpose,
                ..
            } => format!("agency:{organisation}:{purpose}"),
            Principal::Operator { id, .. } => format!("operator:{id}"),
            Principal::System => "system".into(),
        }
    }
}

/// What identifies one PDND voucher, for the single-use check and the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Voucher {
    pub jti: String,
    /// Unix seconds.
    pub expires_at: u64,
    /// ModI AUDIT_REST_02: the SHA-256 (hex) of the tracking evidence the voucher is bound
    /// to; the call must carry exactly that `Agid-JWT-TrackingEvidence`.
    pub tracking_digest: Option<String>,
}

/// Why a token was refused; the text goes to the caller in a 401 problem.
#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    #[error("the Authorization header must be `Bearer <token>`")]
    MalformedHeader,
    #[error("the token is not a well-formed JWT")]
    Malformed,
    #[error("the token's issuer is not trusted")]
    UnknownIssuer,
    #[error("the algorithm {0:?} is not accepted for this issuer")]
    AlgorithmNotAllowed(Algorithm),
    #[error("the token is not valid: {0}")]
    Invalid(String),
    #[error("the token lacks a usable claim: {0}")]
    Claim(&'static str),
    #[error("the token was issued too long ago or in the future (`iat`)")]
    IssuedAt,
}

/// An issuer trusted for one kind of principal, with its key and accepted algorithms.
struct TrustedIssuer {
    kind: PrincipalKind,
    key: DecodingKey,
    algorithms: Vec<Algorithm>,
}

/// Why an issuer cannot be trusted as configured.
#[derive(Debug, thiserror::Error)]
pub enum IssuerError {
    #[error("issuer {0}: HMAC algorithms are not accepted (RFC 8725 §3.1)")]
    Hmac(String),
    #[error("issuer {0}: no algorithm is accepted")]
    NoAlgorithm(String),
    #[error("issuer {0}: unknown algorithm {1}")]
    UnknownAlgorithm(String, String),
    #[error("issuer {0}: the key is not a usable PEM public key: {1}")]
    Key(String, jsonwebtoken::errors::Error),
}

/// Verifies bearer tokens against the trusted issuers.
pub struct Authenticator {
    issuers: HashMap<String, TrustedIssuer>,
    audience: String,
    /// The audience of PDND vouchers: the interoperability e-service, not the app API.
    interop_audience: String,
    max_voucher_age: u64,
    leeway: u64,
    /// Tokens verified before, emptied whenever an issuer's keys change.
    verified: verified::Verified,
}

impl Authenticator {
    /// An authenticator trusting no issuer yet. `audience` is the app API's, `interop_audience`
    /// the one PDND vouchers carry; vouchers older than `max_voucher_age` seconds are refused;
    /// `leeway` seconds of clock skew are tolerated.
    pub fn new(audience: &str, interop_audience: &str, max_voucher_age: u64, leeway: u64) -> Self {
        #[cfg(feature = "native-verifier")]
        native::install();
        Self {
            issuers: HashMap::new(),
            audience: audience.to_string(),
            interop_audience: interop_audience.to_string(),
            max_voucher_age,
            leeway,
            verified: verified::Verified::default(),
        }
    }

    /// Trusts `issuer` for principals of `kind`, with the PEM public key `pem` and the
    /// `algorithms` it signs with (HMAC refused: a public key must never serve as a secret).
    pub fn trust(
        &mut self,
        issuer: &str,
        kind: PrincipalKind,
        pem: &[u8],
        algorithms: Vec<Algorithm>,
    ) -> Result<(), IssuerError> {
        if algorithms.is_empty() {
            return Err(IssuerError::NoAlgorithm(issuer.into()));
        }
        if algorithms
            .iter()
            .any(|a| matches!(a, Algorithm::HS256 | Algorithm::HS384 | Algorithm::HS512))
        {
            return Err(IssuerError::Hmac(issuer.into()));
        }
        let key = if algorithms
            .iter()
            .any(|a| matches!(a, Algorithm::ES256 | Algorithm::ES384))
        {
            DecodingKey::from_ec_pem(pem)
        } else {
            DecodingKey::from_rsa_pem(pem)
        }
        .map_err(|e| IssuerError::Key(issuer.into(), e))?;
        self.trust_key(issuer, kind, key, algorithms);
        Ok(())
    }

    /// [`Self::trust`] with the algorithms named as configurations name them (`"ES256"`).
    pub fn trust_named(
        &mut self,
        issuer: &str,
        kind: PrincipalKind,
        pem: &[u8],
        names: &[String],
    ) -> Result<(), IssuerError> {
        let algorithms = names
            .iter()
            .map(|a| {
                a.parse::<Algorithm>()
                    .map_err(|_| IssuerError::UnknownAlgorithm(issuer.into(), a.clone()))
            })
            .collect::<Result<Vec<_>, _>>()?;
        self.trust(issuer, kind, pem, algorithms)
    }

    /// Trusts `issuer` with an already decoded key (the development issuer's). Every token
    /// verified before is forgotten: one signed with a key this replaces must not be admitted
    /// from memory.
    pub fn trust_key(
        &mut self,
        issuer: &str,
        kind: PrincipalKind,
        key: DecodingKey,
        algorithms: Vec<Algorithm>,
    ) {
        self.issuers.insert(
            issuer.to_string(),
            TrustedIssuer {
                kind,
                key,
                algorithms,
            },
        );
        self.verified.clear();
    }

    /// The kind of principal a bearer token's (unverified) issuer is trusted for, if any: only
    /// ever to refuse early a caller a host does not serve at all (a host that leaves agencies
    /// to the gateway answers them so without checking a voucher it could not check), never
    /// to admit one.
    pub fn issuer_kind(&self, authorization: &str) -> Option<PrincipalKind> {
        let token = authorization
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())?;
        let name = unverified_issuer(token).ok()?;
        self.issuers.get(&name).map(|i| i.kind)
    }

    /// The principal of an `Authorization` header value.
    pub fn authenticate(&self, authorization: &str) -> Result<Principal, AuthError> {
        self.authenticate_with(authorization, None)
    }

    /// [`Self::authenticate`] for a host that keeps no memory between requests (a fresh
    /// instance each, as on Spin): `memo` says which tokens' signatures an earlier request
    /// verified, and is told of each one verified here. A token it knows has every claim
    /// checked again (issuer, audience, expiry with the leeway, not-before, the principal's
    /// claims); only its signature is not recomputed. See [`verified::SignatureMemo`].
    pub fn authenticate_with(
        &self,
        authorization: &str,
        memo: Option<&dyn verified::SignatureMemo>,
    ) -> Result<Principal, AuthError> {
        // The scheme is case-insensitive (RFC 9110 §11.1): `bearer` and `BEARER` are `Bearer`.
        let token = authorization
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or(AuthError::MalformedHeader)?;
        let now = unix_now();
        let fingerprint = verified::fingerprint(token);
        if let Some(principal) = self.verified.get(&fingerprint, now) {
            return Ok(principal);
        }
        let header = jsonwebtoken::decode_header(token).map_err(|_| AuthError::Malformed)?;
        let issuer_name = unverified_issuer(token)?;
        let issuer = self
            .issuers
            .get(&issuer_name)
            .ok_or(AuthError::UnknownIssuer)?;
        if !issuer.algorithms.contains(&header.alg) {
            return Err(AuthError::AlgorithmNotAllowed(header.alg));
        }
        let agency = issuer.kind == PrincipalKind::Agency;
        // Vouchers are never remembered (below), so never taken from the memo either.
        let remembered = !agency && memo.is_some_and(|m| m.verified(&fingerprint, now));
        let mut validation = Validation::new(header.alg);
        validation.algorithms = issuer.algorithms.clone();
        validation.set_issuer(&[&issuer_name]);
        validation.set_audience(&[if agency {
            &self.interop_audience
        } else {
            &self.audience
        }]);
        validation.set_required_spec_claims(&["iss", "aud", "exp", "sub"]);
        validation.validate_nbf = true;
        validation.leeway = self.leeway;
        if remembered {
            // These very bytes (the signature included) were verified under the same keys.
            #[allow(deprecated)]
            validation.insecure_disable_signature_validation();
        }
        let data = jsonwebtoken::decode::<claims::Claims>(token, &issuer.key, &validation)
            .map_err(|e| AuthError::Invalid(e.to_string()))?;
        if agency {
            check_issued_at(data.claims.iat, self.max_voucher_age, self.leeway)?;
        }
        let expires_at = data.claims.exp;
        let principal = claims::principal(issuer.kind, header.typ.as_deref(), data.claims)?;
        // A voucher's age is checked at every use, so it is verified every time.
        if !agency {
            self.verified
                .insert(fingerprint, principal.clone(), expires_at, now);
            if let Some(memo) = memo.filter(|_| !remembered && now < expires_at) {
                memo.remember(fingerprint, expires_at);
            }
        }
        Ok(principal)
    }

    /// How many verified tokens are remembered (what the tests check the cache by).
    pub fn verified_tokens(&self) -> usize {
        self.verified.len()
    }
}

/// Seconds since the Unix epoch by the system clock, the unit of `exp`, `nbf` and `iat`.
fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}

/// A PDND voucher (or ModI token) must say when it was issued: not in the future, and not
/// longer ago than `max_age` seconds.
pub fn check_issued_at(iat: u64, max_age: u64, leeway: u64) -> Result<(), AuthError> {
    let now = unix_now();
    if iat == 0 || iat > now + leeway || iat + max_age + leeway < now {
        return Err(AuthError::IssuedAt);
    }
    Ok(())
}

/// The `iss` claim read before verification, only to pick the key that verifies the token.
fn unverified_issuer(token: &str) -> Result<String, AuthError> {
    #[derive(Deserialize)]
    struct Iss {
        iss: Option<String>,
    }
    let payload = token.split('.').nth(1).ok_or(AuthError::Malformed)?;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(payload)
        .map_err(|_| AuthError::Malformed)?;
    let iss: Iss = serde_json::from_slice(&bytes).map_err(|_| AuthError::Malformed)?;
    iss.iss.ok_or(AuthError::Claim("iss"))
}

#[cfg(test)]
mod tests {
    use jsonwebtoken::{EncodingKey, Header};

    use super::*;

    /// A P-256 key pair made for these tests only.
    const TEST_PRIVATE_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgvM4qf2pi+6enI0uQ
88PVkgp6aiNHJFnJvT/6Uf13UUWhRANCAAQQELH+rnNOQ0Iww7RCVv8MAyAsYitk
mxNTZ/GKlSE3HN75qQSJVP85/BW3XbZIf+tj+/Tl1kGw5qOgoHp5WPO1
-----END PRIVATE KEY-----
";
    const TEST_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEEBCx/q5zTkNCMMO0Qlb/DAMgLGIr
ZJsTU2fxipUhNxze+akEiVT/OfwVt122SH/rY/v05dZBsOajoKB6eVjztQ==
-----END PUBLIC KEY-----
";
    /// Another P-256 public key, whose private half nobody kept: what the issuer rotated to.
    const ROTATED_PUBLIC_PEM: &str = "-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEYbN924wIEGtINUPJMr3i7dCYVEkk
vNW2/cl3oqWueaY5sJ7Epzhu+Eyet8nhxMEB3pQan3PxM0GufU49Xol27w==
-----END PUBLIC KEY-----
";
    const ISSUER: &str = "https://id.example/citizens";

    fn authenticator() -> Authenticator {
        let mut auth = Authenticator::new("welfare-api", "welfare-interop", 300, 30);
        auth.trust(
            ISSUER,
            PrincipalKind::Citizen,
            TEST_PUBLIC_PEM.as_bytes(),
            vec![Algorithm::ES256],
        )
        .unwrap();
        auth
    }

    fn token(iss: &str, aud: &str) -> String {
        token_expiring(iss, aud, unix_now() + 600)
    }

    fn token_expiring(iss: &str, aud: &str, exp: u64) -> String {
        let claims = claims::Claims {
            iss: iss.into(),
            sub: "someone".into(),
            aud: aud.into(),
            exp,
            fiscal_number: Some("TINIT-RSSMRA85T10A562S".into()),
            acr: Some(Level::L2.acr().into()),
            ..claims::Claims::default()
        };
        let key = EncodingKey::from_ec_pem(TEST_PRIVATE_PEM.as_bytes()).unwrap();
        jsonwebtoken::encode(&Header::new(Algorithm::ES256), &claims, &key).unwrap()
    }

    #[test]
    fn a_trusted_token_becomes_its_principal() {
        let principal = authenticator()
            .authenticate(&format!("Bearer {}", token(ISSUER, "welfare-api")))
            .unwrap();
        assert_eq!(
            principal,
            Principal::Citizen {
                fiscal_code: FiscalCode::parse("RSSMRA85T10A562S").unwrap(),
                level: Level::L2,
            }
        );
    }

    #[test]
    fn a_verified_token_is_remembered_but_not_past_its_expiry_nor_its_key() {
        // Rotated out: verified (and remembered) under the old key, refused once the issuer's
        // key is replaced, though the very same token was admitted a moment before.
        let mut auth = authenticator();
        let bearer = format!("Bearer {}", token(ISSUER, "welfare-api"));
        assert!(auth.authenticate(&bearer).is_ok());
        assert_eq!(auth.verified_tokens(), 1);
        assert!(auth.authenticate(&bearer).is_ok(), "from memory");
        auth.trust(
            ISSUER,
            PrincipalKind::Citizen,
            ROTATED_PUBLIC_PEM.as_bytes(),
            vec![Algorithm::ES256],
        )
        .unwrap();
        assert_eq!(auth.verified_tokens(), 0);
        assert!(matches!(
            auth.authenticate(&bearer).unwrap_err(),
            AuthError::Invalid(_)
        ));

        // Expired a moment ago: with no leeway, a token whose `exp` is two seconds away is
        // admitted (and remembered) now, and refused once that second has passed.
        let mut strict = Authenticator::new("welfare-api", "welfare-interop", 300, 0);
        strict
            .trust(
                ISSUER,
                PrincipalKind::Citizen,
                TEST_PUBLIC_PEM.as_bytes(),
                vec![Algorithm::ES256],
            )
            .unwrap();
        let exp = unix_now() + 2;
        let bearer = format!("Bearer {}", token_expiring(ISSUER, "welfare-api", exp));
        assert!(strict.authenticate(&bearer).is_ok());
        assert_eq!(strict.verified_tokens(), 1);
        while unix_now() <= exp {
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        assert!(matches!(
            strict.authenticate(&bearer).unwrap_err(),
            AuthError::Invalid(e) if e.contains("Expired")
        ));
    }

    #[test]
    fn the_bearer_scheme_is_case_insensitive() {
        let auth = authenticator();
        let token = token(ISSUER, "welfare-api");
        for scheme in ["bearer", "BEARER", "bEaReR"] {
            assert!(
                auth.authenticate(&format!("{scheme} {token}")).is_ok(),
                "{scheme}"
            );
        }
        for value in [
            format!("Bearer{token}"),
            format!("Bearerx {token}"),
            "Bearer ".into(),
        ] {
            assert!(matches!(
                auth.authenticate(&value).unwrap_err(),
                AuthError::MalformedHeader
            ));
        }
    }

    #[test]
    fn untrusted_tokens_are_refused_before_their_claims_count() {
        let auth = authenticator();
        let refused = |value: String| auth.authenticate(&value).unwrap_err();
        assert!(matches!(
            refused(token(ISSUER, "welfare-api")),
            AuthError::MalformedHeader
        ));
        assert!(matches!(
            refused("Bearer not.a.jwt".into()),
            AuthError::Malformed
        ));
        assert!(matches!(
            refused(format!(
                "Bearer {}",
                token("https://elsewhere", "welfare-api")
            )),
            AuthError::UnknownIssuer
        ));
        assert!(matches!(
            refused(format!("Bearer {}", token(ISSUER, "another-api"))),
            AuthError::Invalid(_)
        ));
        // An issuer trusted for RSA only does not accept its tokens signed otherwise.
        let mut rsa_only = Authenticator::new("welfare-api", "welfare-interop", 300, 30);
        rsa_only.trust_key(
            ISSUER,
            PrincipalKind::Citizen,
            DecodingKey::from_ec_pem(TEST_PUBLIC_PEM.as_bytes()).unwrap(),
            vec![Algorithm::RS256],
        );
        assert!(matches!(
            rsa_only
                .authenticate(&format!("Bearer {}", token(ISSUER, "welfare-api")))
                .unwrap_err(),
            AuthError::AlgorithmNotAllowed(Algorithm::ES256)
        ));
    }

    #[test]
    fn issuers_are_trusted_with_public_key_algorithms_only() {
        let mut auth = Authenticator::new("welfare-api", "welfare-interop", 300, 30);
        let pem = TEST_PUBLIC_PEM.as_bytes();
        assert!(matches!(
            auth.trust(ISSUER, PrincipalKind::Citizen, pem, vec![Algorithm::HS256]),
            Err(IssuerError::Hmac(_))
        ));
        assert!(matches!(
            auth.trust(ISSUER, PrincipalKind::Citizen, pem, vec![]),
            Err(IssuerError::NoAlgorithm(_))
        ));
        assert!(matches!(
            auth.trust_named(ISSUER, PrincipalKind::Citizen, pem, &["ES257".into()]),
            Err(IssuerError::UnknownAlgorithm(_, _))
        ));
        assert!(matches!(
            auth.trust(
                ISSUER,
                PrincipalKind::Citizen,
                b"not a key",
                vec![Algorithm::ES256]
            ),
            Err(IssuerError::Key(..))
        ));
    }

    use verified::SignatureMemo as _;

    /// A memo that remembers whatever it is told, and can be told lies.
    #[derive(Default)]
    struct Memo(std::cell::RefCell<HashMap<[u8; 32], u64>>);

    impl verified::SignatureMemo for Memo {
        fn verified(&self, fingerprint: &[u8; 32], now: u64) -> bool {
            self.0
                .borrow()
                .get(fingerprint)
                .is_some_and(|exp| now < *exp)
        }
        fn remember(&self, fingerprint: [u8; 32], expires_at: u64) {
            self.0.borrow_mut().insert(fingerprint, expires_at);
        }
    }

    #[test]
    fn a_remembered_signature_is_not_recomputed_but_every_claim_is_checked_again() {
        let memo = Memo::default();
        let bearer = format!("Bearer {}", token(ISSUER, "welfare-api"));
        // A first instance verifies the token in full and tells the memo.
        let first = authenticator()
            .authenticate_with(&bearer, Some(&memo))
            .unwrap();
        assert_eq!(memo.0.borrow().len(), 1);
        // A fresh one (nothing in its own cache) admits it from the memo, as the same principal.
        let fresh = authenticator();
        assert_eq!(
            fresh.authenticate_with(&bearer, Some(&memo)).unwrap(),
            first
        );
        assert_eq!(memo.0.borrow().len(), 1, "not remembered twice");

        // Even a memo that vouches for a token (a lie here) does not admit claims that fail:
        // past `exp` beyond the 30 s leeway, or for another audience.
        let expired = token_expiring(ISSUER, "welfare-api", unix_now() - 120);
        let foreign = token(ISSUER, "another-api");
        for t in [&expired, &foreign] {
            memo.remember(verified::fingerprint(t), unix_now() + 600);
            assert!(
                fresh
                    .authenticate_with(&format!("Bearer {t}"), Some(&memo))
                    .is_err()
            );
        }
        // Nor a token of an issuer the instance does not trust (the keys rotated away).
        let mut rotated = Authenticator::new("welfare-api", "welfare-interop", 300, 30);
        rotated
            .trust(
                "https://id.example/others",
                PrincipalKind::Citizen,
                ROTATED_PUBLIC_PEM.as_bytes(),
                vec![Algorithm::ES256],
            )
            .unwrap();
        assert!(matches!(
            rotated.authenticate_with(&bearer, Some(&memo)),
            Err(AuthError::UnknownIssuer)
        ));
        // A memo that knows nothing costs a full verification: a bad signature is refused.
        let mut forged = token(ISSUER, "welfare-api");
        let last = forged.pop();
        forged.push(if last == Some('A') { 'B' } else { 'A' });
        assert!(
            fresh
                .authenticate_with(&format!("Bearer {forged}"), Some(&Memo::default()))
                .is_err()
        );
    }
}
