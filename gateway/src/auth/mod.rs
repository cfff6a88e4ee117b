//! Who is calling: the shared `welfare-auth` crate (token verification, principals, route
//! policy), configured from the `[auth]` section (here) and `[interop]` (the access crate's).
//!
//! - [`dev_issuer`]: the development issuer behind `welfare token`, trusted only when the
//!   configuration says so.
//! - [`claims`]: the claims each kind of token carries (re-exported from `welfare-auth`).

pub mod dev_issuer;

pub use welfare_auth::{
    AuthError, Authenticator, IntermediaryKind, Level, Principal, PrincipalKind, SubjectKind,
    Voucher, check_issued_at, claims, policy,
};

use std::path::PathBuf;

use serde::Deserialize;
use welfare_access::interop::InteropConfig;

/// The `[auth]` section: the API's audience, the development issuer, the trusted issuers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// The `aud` every token must carry: this platform's API.
    pub audience: String,
    /// Trust tokens minted by `welfare token` (key in the data directory). Off in production.
    pub dev_issuer: bool,
    /// Clock skew tolerated on `exp`/`nbf`, in seconds.
    pub leeway_seconds: u64,
    /// Production issuers (SPID/CIE OIDC providers, the internal operator IdP...).
    pub issuers: Vec<IssuerConfig>,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            audience: "welfare-api".into(),
            dev_issuer: true,
            leeway_seconds: 30,
            issuers: Vec::new(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IssuerConfig {
    /// The `iss` value.
    pub issuer: String,
    /// What its tokens identify: `citizen`, `intermediary`, `agency` or `operator`.
    pub kind: PrincipalKind,
    /// PEM file with the issuer's public key (EC P-256 or RSA).
    pub public_key_pem: PathBuf,
    /// Allowed `alg` values, e.g. `["ES256"]` or `["RS256"]`; anything else is refused.
    pub algorithms: Vec<String>,
}

/// The authenticator the configuration describes: the development issuer's kinds when it is
/// on, then every configured issuer with its PEM key file.
pub fn authenticator(
    config: &AuthConfig,
    interop: &InteropConfig,
    data_dir: &std::path::Path,
) -> anyhow::Result<Authenticator> {
    let mut auth = Authenticator::new(
        &config.audience,
        &interop.audience,
        interop.max_token_age_seconds,
        config.leeway_seconds,
    );
    if config.dev_issuer {
        let dev = dev_issuer::DevIssuer::open(data_dir)?;
        for kind in dev_issuer::KINDS {
            auth.trust_key(
                dev_issuer::issuer_for(kind),
                kind,
                dev.decoding_key()?,
                vec![welfare_auth::Algorithm::ES256],
            );
        }
    }
    for issuer in &config.issuers {
        let pem = std::fs::read(&issuer.public_key_pem)?;
        auth.trust_named(&issuer.issuer, issuer.kind, &pem, &issuer.algorithms)?;
    }
    Ok(auth)
}
