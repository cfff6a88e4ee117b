//! Who is calling and whether the route admits them, with the gateway's rules: the same
//! token verification and route policy (`welfare-auth`), the same refusals.
//!
//! The trusted issuers come from Spin variables (bound from Kubernetes Secrets by the
//! SpinApp): `auth_audience`, `auth_issuers` (JSON: `[{"issuer", "kind", "algorithms",
//! "public_key_pem"}]`) and optionally `auth_leeway_seconds`. Without them every token is
//! refused: a deployment that forgot its keys admits anonymous routes only.
//!
//! A fresh instance remembers nothing, so the tokens whose signatures were verified are
//! remembered in the platform adapter's database ([`Trusted`], a
//! `welfare_auth::verified::SignatureMemo`): a session's token has its signature checked once,
//! and its claims at every request.

use std::cell::RefCell;

use serde::Deserialize;
use sha2::{Digest, Sha256};
use spin_sdk::http::{Request, Response};
use spin_sdk::variables;
use welfare_auth::policy::authorise;
use welfare_auth::verified::SignatureMemo;
use welfare_auth::{Authenticator, Principal, PrincipalKind, SubjectKind};
use welfare_exchange::served::ServedRoute;

use crate::types;
use crate::{problem, uow};

/// The header an intermediary names the person it acts for with.
pub const ON_BEHALF_OF: &str = "on-behalf-of";
/// Clock skew tolerated when no `auth_leeway_seconds` is set (the gateway's default).
pub const DEFAULT_LEEWAY_SECONDS: u64 = 30;

#[derive(Deserialize)]
struct IssuerVar {
    issuer: String,
    kind: PrincipalKind,
    algorithms: Vec<String>,
    public_key_pem: String,
}

/// The authenticator the Spin variables describe, and the digest of what it trusts.
fn authenticator() -> Result<(Authenticator, Trusted), String> {
    let audience = variables::get("auth_audience").map_err(|e| format!("auth_audience: {e:?}"))?;
    let leeway_var = variables::get("auth_leeway_seconds").ok();
    let leeway = leeway_var
        .as_deref()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_LEEWAY_SECONDS);
    // Agencies are refused before their voucher is verified (`issuer_kind`), so the voucher
    // audience and age are never used here.
    let mut auth = Authenticator::new(&audience, &audience, 0, leeway);
    let issuers = variables::get("auth_issuers").map_err(|e| format!("auth_issuers: {e:?}"))?;
    let trusted = Trusted::of(&[&audience, leeway_var.as_deref().unwrap_or(""), &issuers]);
    let issuers: Vec<IssuerVar> =
        serde_json::from_str(&issuers).map_err(|e| format!("auth_issuers: {e}"))?;
    for i in issuers {
        auth.trust_named(
            &i.issuer,
            i.kind,
            i.public_key_pem.as_bytes(),
            &i.algorithms,
        )
        .map_err(|e| e.to_string())?;
    }
    Ok((auth, trusted))
}

/// The digest of what the authenticator trusts (SHA-256 of the variables it is built from:
/// audience, leeway, issuers and their keys), mixed into every remembered token's fingerprint,
/// so that a token verified under other keys, or for another audience, is not found after they
/// change; and the token this request verified, remembered once it is admitted.
struct Trusted {
    digest: [u8; 32],
    verified: RefCell<Option<(Vec<u8>, u64)>>,
}

impl Trusted {
    fn of(values: &[&str]) -> Self {
        let mut digest = Sha256::new();
        for v in values {
            // Length-prefixed, so that no two lists of values digest alike.
            digest.update((v.len() as u64).to_le_bytes());
            digest.update(v.as_bytes());
        }
        Self {
            digest: digest.finalize().into(),
            verified: RefCell::new(None),
        }
    }

    /// What a token verified under these keys is remembered by.
    fn key(&self, fingerprint: &[u8; 32]) -> Vec<u8> {
        Sha256::new()
            .chain_update(self.digest)
            .chain_update(fingerprint)
            .finalize()
            .to_vec()
    }
}

/// The tokens earlier requests verified, in the platform adapter's database. A token verified
/// here is only noted: [`Admitted::remember_token`] writes it once nothing refused the request.
impl SignatureMemo for Trusted {
    fn verified(&self, fingerprint: &[u8; 32], now: u64) -> bool {
        uow::token_verified(&self.key(fingerprint), now)
    }

    fn remember(&self, fingerprint: [u8; 32], expires_at: u64) {
        self.verified
            .replace(Some((self.key(&fingerprint), expires_at)));
    }
}

/// A caller let through: the WIT principal and the subject the request is about.
pub struct Admitted {
    pub principal: Principal,
    pub subject: Option<String>,
    /// The token whose signature this request verified, to remember for the next ones.
    verified_token: Option<(Vec<u8>, u64)>,
}

impl Admitted {
    /// Remembers the token this request verified: called once the domain has answered
    /// without refusing, so that a refused request writes nothing.
    pub fn remember_token(&self) {
        if let Some((key, expires_at)) = &self.verified_token {
            uow::remember_token(key, *expires_at);
        }
    }
}

/// Authenticates and authorises `req` for `route`; the refusal is the answer.
pub fn admit(req: &Request, route: &ServedRoute) -> Result<Admitted, Response> {
    let policy = route.policy();
    let mut verified_token = None;
    let principal = match req.header("authorization") {
        None if policy.principals.contains(&PrincipalKind::Anonymous) => Principal::Anonymous,
        None => return Err(problem::unauthorized("This route needs a bearer token.")),
        Some(value) => {
            let value = value
                .as_str()
                .ok_or_else(|| problem::unauthorized("The Authorization header is not text."))?;
            let (auth, trusted) = authenticator().map_err(|e| {
                eprintln!("welfare-spin-http: the trusted issuers are not configured: {e}");
                problem::unauthorized("No token issuer is trusted by this deployment.")
            })?;
            // Agencies' vouchers carry the interoperability audience and are the gateway's to
            // check (with ModI and the purpose): refused as such, before verification.
            if auth.issuer_kind(value) == Some(PrincipalKind::Agency) {
                return Err(agency_refusal());
            }
            let principal = auth
                .authenticate_with(value, Some(&trusted))
                .map_err(|e| problem::unauthorized(e.to_string()))?;
            verified_token = trusted.verified.take();
            principal
        }
    };
    if let Err(refusal) = authorise(&policy, &principal) {
        let (slug, title) = refusal.title();
        let mut response = problem::problem(refusal.status(), slug, title, Some(refusal.detail()));
        if let Some(challenge) = refusal.challenge() {
            response.set_header("www-authenticate", challenge);
        }
        return Err(response);
    }
    let on_behalf_of = req
        .header(ON_BEHALF_OF)
        .map(|v| v.as_str().unwrap_or_default().trim().to_string());
    let subject = match &principal {
        Principal::Citizen { .. } | Principal::Company { .. } => {
            let me = principal.own_subject();
            if let (Some(named), Some(me)) = (&on_behalf_of, &me)
                && !named.eq_ignore_ascii_case(me)
            {
                return Err(problem::refusal(
                    welfare_exchange::refusal::ACT_FOR_YOURSELF,
                ));
            }
            me
        }
        Principal::Intermediary { .. } if on_behalf_of.is_some() => {
            if let Some(named) = &on_behalf_of
                && SubjectKind::of(named).is_none()
            {
                return Err(problem::refusal(
                    welfare_exchange::refusal::INVALID_ON_BEHALF_OF,
                ));
            }
            return Err(problem::forbidden(
                "Delegations are checked by the platform gateway: act on behalf of someone through the gateway's API.",
            ));
        }
        Principal::Agency { .. } => return Err(agency_refusal()),
        _ => {
            if on_behalf_of.is_some() {
                return Err(problem::refusal(
                    welfare_exchange::refusal::ON_BEHALF_OF_NOT_ALLOWED,
                ));
            }
            None
        }
    };
    Ok(Admitted {
        principal,
        subject,
        verified_token,
    })
}

/// The answer to an agency: the gateway serves agencies.
fn agency_refusal() -> Response {
    problem::forbidden(
        "Agencies' calls need PDND vouchers and ModI signatures, which the platform gateway checks: call the gateway's interoperability API.",
    )
}

welfare_exchange::wit_conversions!(pub mod wit for crate::types);

/// The principal as the domain sees it. An intermediary reaches here only without
/// `On-Behalf-Of` (a simulation), so it carries no person and no scopes.
pub fn wit_principal(principal: &Principal) -> types::Principal {
    wit::wit_principal(principal, None, Vec::new())
}
