//! Who is calling and whether the route admits them, with the gateway's rules: the same
//! token verification and route policy (`welfare-auth`), the same refusals.
//!
//! The trusted issuers come from Spin variables (bound from Kubernetes Secrets by the
//! SpinApp): `auth_audience`, `auth_issuers` (JSON: `[{"issuer", "kind", "algorithms",
//! "public_key_pem"}]`) and optionally `auth_leeway_seconds`. Without them every token is
//! refused: a deployment that forgot its keys admits anonymous routes only.

use serde::Deserialize;
use spin_sdk::http::{Request, Response};
use spin_sdk::variables;
use welfare_auth::policy::authorise;
use welfare_auth::{Authenticator, Principal, PrincipalKind, SubjectKind};

use crate::problem;
use crate::types::{self, Route};

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

/// The authenticator the Spin variables describe.
fn authenticator() -> Result<Authenticator, String> {
    let audience = variables::get("auth_audience").map_err(|e| format!("auth_audience: {e:?}"))?;
    let leeway = variables::get("auth_leeway_seconds")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_LEEWAY_SECONDS);
    // Agencies are refused before their voucher is verified (`issuer_kind`), so the voucher
    // audience and age are never used here.
    let mut auth = Authenticator::new(&audience, &audience, 0, leeway);
    let issuers = variables::get("auth_issuers").map_err(|e| format!("auth_issuers: {e:?}"))?;
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
    Ok(auth)
}

/// A caller let through: the WIT principal and the subject the request is about.
pub struct Admitted {
    pub principal: Principal,
    pub subject: Option<String>,
}

/// Authenticates and authorises `req` for `route`; the refusal is the answer.
pub fn admit(req: &Request, route: &Route) -> Result<Admitted, Response> {
    let policy = wit::route_policy(route);
    let principal = match req.header("authorization") {
        None if policy.principals.contains(&PrincipalKind::Anonymous) => Principal::Anonymous,
        None => return Err(problem::unauthorized("This route needs a bearer token.")),
        Some(value) => {
            let value = value
                .as_str()
                .ok_or_else(|| problem::unauthorized("The Authorization header is not text."))?;
            let auth = authenticator().map_err(|e| {
                eprintln!("welfare-spin-http: the trusted issuers are not configured: {e}");
                problem::unauthorized("No token issuer is trusted by this deployment.")
            })?;
            // Agencies' vouchers carry the interoperability audience and are the gateway's to
            // check (with ModI and the purpose): refused as such, before verification.
            if auth.issuer_kind(value) == Some(PrincipalKind::Agency) {
                return Err(agency_refusal());
            }
            auth.authenticate(value)
                .map_err(|e| problem::unauthorized(e.to_string()))?
        }
    };
    if let Err(refusal) = authorise(&policy.policy(), &principal) {
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
    Ok(Admitted { principal, subject })
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
