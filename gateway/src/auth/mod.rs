//! Who is calling: the shared `welfare-auth` crate (token verification, principals, route
//! policy), configured from the gateway's `[auth]` and `[interop]` sections.
//!
//! - [`dev_issuer`]: the development issuer behind `welfare token`, trusted only when the
//!   configuration says so.
//! - [`claims`]: the claims each kind of token carries (re-exported from `welfare-auth`).

pub mod dev_issuer;

pub use welfare_auth::{
    AuthError, Authenticator, IntermediaryKind, Level, Principal, PrincipalKind, SubjectKind,
    Voucher, check_issued_at, claims, policy,
};

use crate::config::{AuthConfig, InteropConfig};

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
