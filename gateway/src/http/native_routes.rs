//! The gateway's own routes, each declared once: its method, path, summary, who may call it,
//! and its handler. The router, the gate's rule, the OpenAPI document and the request metrics
//! all come from this table, so a route cannot be served without being documented, guarded and
//! counted, or documented without being served. The router hands each handler its own entry
//! (an `Extension<&'static NativeRoute>`), whose [`NativeRoute::rule`] the handler passes to
//! the gate: no handler names its path or policy again.

use std::sync::{Arc, OnceLock};

use axum::Extension;
use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};

use super::audit::AUDITOR;
use super::delegations::FRONT_OFFICE;
use super::platform::PLATFORM_OPERATOR;
use super::{App, audit, delegations, dossier, interop, platform};
use crate::access::gate::Rule;
use crate::auth::{Level, PrincipalKind};

/// Who may call a gated native route.
pub struct Admits {
    pub principals: &'static [PrincipalKind],
    /// Operator roles admitted; none admits every role.
    pub roles: &'static [&'static str],
    pub min_level: Option<Level>,
    /// `roles` as the gate's policy takes them, made on first use.
    owned_roles: OnceLock<Vec<String>>,
}

/// A route's callers: `principals`, of `roles` when operators, from `min_level`.
const fn admits(
    principals: &'static [PrincipalKind],
    roles: &'static [&'static str],
    min_level: Option<Level>,
) -> Option<Admits> {
    Some(Admits {
        principals,
        roles,
        min_level,
        owned_roles: OnceLock::new(),
    })
}

/// Citizens and companies, for themselves: who grants delegations and reads their own trail.
const GRANTORS: &[PrincipalKind] = &[PrincipalKind::Citizen, PrincipalKind::Company];
/// The dossier's readers: the subjects, and intermediaries on their behalf.
const READERS: &[PrincipalKind] = &[
    PrincipalKind::Citizen,
    PrincipalKind::Company,
    PrincipalKind::Intermediary,
];
const INTERMEDIARIES: &[PrincipalKind] = &[PrincipalKind::Intermediary];
const OPERATORS: &[PrincipalKind] = &[PrincipalKind::Operator];
const AGENCIES: &[PrincipalKind] = &[PrincipalKind::Agency];
/// SPID/CIE level 2 (password and one-time code) at least: the dossier and the trail are
/// personal data, and granting or revoking who may act for you is a personal act.
const SUBSTANTIAL: Option<Level> = Some(Level::L2);

/// One native route.
pub struct NativeRoute {
    pub method: Method,
    pub path: &'static str,
    pub summary: &'static str,
    /// Who may call it; `None` for the open platform routes (health, metrics, this document),
    /// which need no token and pass no gate.
    pub admits: Option<Admits>,
    /// The handler, for the route's method.
    pub handler: fn(MethodFilter) -> MethodRouter<Arc<App>>,
}

impl NativeRoute {
    /// Whether it needs a bearer token (OpenAPI `security`).
    pub fn authenticated(&self) -> bool {
        self.admits.is_some()
    }

    /// The gate's rule for this route.
    ///
    /// # Panics
    /// On an open route: its handler has no gate to pass.
    pub fn rule(&'static self) -> Rule<'static> {
        let admits = self
            .admits
            .as_ref()
            .expect("only a gated route's handler asks for its rule");
        let roles = admits
            .owned_roles
            .get_or_init(|| admits.roles.iter().map(|r| r.to_string()).collect());
        Rule::platform(self.path, admits.principals, roles, admits.min_level)
    }

    /// The handler as the router mounts it: on this route's method only, with this entry.
    pub fn method_router(&'static self) -> MethodRouter<Arc<App>> {
        let filter = MethodFilter::try_from(self.method.clone())
            .expect("a native route's method is one axum routes");
        (self.handler)(filter).layer(Extension(self))
    }
}

/// The entry of the route a handler serves, as the router gives it.
pub type Own = Extension<&'static NativeRoute>;

/// Every native route, in the order the OpenAPI document lists them.
pub static ROUTES: &[NativeRoute] = &TABLE;

/// The table itself: a static array rather than a constant slice, because each entry caches
/// its roles (a `OnceLock`) and so must live at one address.
static TABLE: [NativeRoute; 19] = [
    NativeRoute {
        method: Method::GET,
        path: "/healthz",
        summary: "Liveness: the process is up.",
        admits: None,
        handler: |m| on(m, platform::healthz),
    },
    NativeRoute {
        method: Method::GET,
        path: "/readyz",
        summary: "Readiness: components loaded and the database answers.",
        admits: None,
        handler: |m| on(m, platform::readyz),
    },
    NativeRoute {
        method: Method::GET,
        path: "/metrics",
        summary: "Prometheus metrics.",
        admits: None,
        handler: |m| on(m, platform::metrics),
    },
    NativeRoute {
        method: Method::GET,
        path: "/openapi.json",
        summary: "This document.",
        admits: None,
        handler: |m| on(m, platform::openapi),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/me",
        summary: "The dossier of the citizen or company (or, for an intermediary, of the person in On-Behalf-Of, limited to the delegated domains): profile and preferences, segments, proposed services, news, and each domain's summary (a failing domain's section says `unavailable`).",
        admits: admits(READERS, &[], SUBSTANTIAL),
        handler: |m| on(m, dossier::me),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/me/audit",
        summary: "Who accessed my data: intermediaries and agencies, allowed or refused, with purpose and evidence (filters outcome, cursor, limit).",
        admits: admits(GRANTORS, &[], SUBSTANTIAL),
        handler: |m| on(m, audit::mine),
    },
    NativeRoute {
        method: Method::POST,
        path: "/api/v1/me/delegations",
        summary: "Grant a delegation: {intermediary_org, intermediary_kind?, scopes [\"<domain>:read|act\"], expires_at}; Idempotency-Key required.",
        admits: admits(GRANTORS, &[], SUBSTANTIAL),
        handler: |m| on(m, delegations::grant),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/me/delegations",
        summary: "My delegations, newest first, with status active, expired or revoked.",
        admits: admits(GRANTORS, &[], SUBSTANTIAL),
        handler: |m| on(m, delegations::mine),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/me/delegations/{id}",
        summary: "One of my delegations, whatever its status (where granting one points).",
        admits: admits(GRANTORS, &[], SUBSTANTIAL),
        handler: |m| on(m, delegations::one),
    },
    NativeRoute {
        method: Method::DELETE,
        path: "/api/v1/me/delegations/{id}",
        summary: "Revoke a delegation at once.",
        admits: admits(GRANTORS, &[], SUBSTANTIAL),
        handler: |m| on(m, delegations::revoke),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/delegations",
        summary: "Intermediary: the people and companies whose active delegations I hold.",
        admits: admits(INTERMEDIARIES, &[], SUBSTANTIAL),
        handler: |m| on(m, delegations::held),
    },
    NativeRoute {
        method: Method::POST,
        path: "/api/v1/delegations",
        summary: "Role front-office: register a delegation from a signed paper mandate (grantor, document_reference).",
        admits: admits(OPERATORS, &[FRONT_OFFICE], SUBSTANTIAL),
        handler: |m| on(m, delegations::register),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/audit",
        summary: "Role auditor: the whole audit trail (filters subject, actor, outcome, cursor, limit).",
        admits: admits(OPERATORS, &[AUDITOR], None),
        handler: |m| on(m, audit::all),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/audit/verification",
        summary: "Role auditor: check the audit trail's hash chain.",
        admits: admits(OPERATORS, &[AUDITOR], None),
        handler: |m| on(m, audit::verify),
    },
    NativeRoute {
        method: Method::POST,
        path: interop::LIFE_EVENTS,
        summary: "Agency (PDND voucher, ModI INTEGRITY_REST_01 and AUDIT_REST_01): a birth, death or change of residence from the civil registry; Idempotency-Key required; 202 with the published event.",
        admits: admits(AGENCIES, &[], None),
        handler: |m| on(m, interop::life_event),
    },
    NativeRoute {
        method: Method::POST,
        path: interop::REGISTRY_SEARCH,
        summary: "Agency (PDND voucher, ModI): DCI-style sync search of the disability registry, each item with its consent and purpose.",
        admits: admits(AGENCIES, &[], None),
        handler: |m| on(m, interop::registry_search),
    },
    NativeRoute {
        method: Method::POST,
        path: "/api/v1/admin/days/{date}",
        summary: "Run a calendar day's dated work (role platform-operator).",
        admits: admits(OPERATORS, &[PLATFORM_OPERATOR], None),
        handler: |m| on(m, platform::run_day),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/admin/dead-letters",
        summary: "Events a consumer could not process (roles platform-operator, auditor).",
        admits: admits(OPERATORS, platform::DEAD_LETTER_READERS, None),
        handler: |m| on(m, platform::dead_letters),
    },
    NativeRoute {
        method: Method::POST,
        path: "/api/v1/admin/dead-letters/{event_id}/{consumer}/replay",
        summary: "Queue a dead letter for delivery again (role platform-operator).",
        admits: admits(OPERATORS, &[PLATFORM_OPERATOR], None),
        handler: |m| on(m, platform::replay),
    },
];
