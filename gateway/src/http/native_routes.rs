//! The gateway's own routes, each declared once: its method, path, summary, whether it needs a
//! token, and its handler. The router, the OpenAPI document and the request metrics all come
//! from this table, so a route cannot be served without being documented and counted, or
//! documented without being served. (Each handler still applies its own policy, since the
//! native routes' rules, roles, delegations, vouchers, differ by route.)

use std::sync::Arc;

use axum::http::Method;
use axum::routing::{MethodFilter, MethodRouter, on};

use super::{App, audit, delegations, dossier, interop, platform};

/// One native route.
pub struct NativeRoute {
    pub method: Method,
    pub path: &'static str,
    pub summary: &'static str,
    /// Whether it needs a bearer token (OpenAPI `security`).
    pub authenticated: bool,
    /// The handler, for the route's method.
    pub handler: fn(MethodFilter) -> MethodRouter<Arc<App>>,
}

impl NativeRoute {
    /// The handler as the router mounts it: on this route's method only.
    pub fn method_router(&self) -> MethodRouter<Arc<App>> {
        let filter = MethodFilter::try_from(self.method.clone())
            .expect("a native route's method is one axum routes");
        (self.handler)(filter)
    }
}

/// Every native route, in the order the OpenAPI document lists them.
pub const ROUTES: &[NativeRoute] = &[
    NativeRoute {
        method: Method::GET,
        path: "/healthz",
        summary: "Liveness: the process is up.",
        authenticated: false,
        handler: |m| on(m, platform::healthz),
    },
    NativeRoute {
        method: Method::GET,
        path: "/readyz",
        summary: "Readiness: components loaded and the database answers.",
        authenticated: false,
        handler: |m| on(m, platform::readyz),
    },
    NativeRoute {
        method: Method::GET,
        path: "/metrics",
        summary: "Prometheus metrics.",
        authenticated: false,
        handler: |m| on(m, platform::metrics),
    },
    NativeRoute {
        method: Method::GET,
        path: "/openapi.json",
        summary: "This document.",
        authenticated: false,
        handler: |m| on(m, platform::openapi),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/me",
        summary: "The dossier of the citizen or company (or, for an intermediary, of the person in On-Behalf-Of, limited to the delegated domains): profile and preferences, segments, proposed services, news, and each domain's summary (a failing domain's section says `unavailable`).",
        authenticated: true,
        handler: |m| on(m, dossier::me),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/me/audit",
        summary: "Who accessed my data: intermediaries and agencies, allowed or refused, with purpose and evidence (filters outcome, cursor, limit).",
        authenticated: true,
        handler: |m| on(m, audit::mine),
    },
    NativeRoute {
        method: Method::POST,
        path: "/api/v1/me/delegations",
        summary: "Grant a delegation: {intermediary_org, intermediary_kind?, scopes [\"<domain>:read|act\"], expires_at}; Idempotency-Key required.",
        authenticated: true,
        handler: |m| on(m, delegations::grant),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/me/delegations",
        summary: "My delegations, newest first, with status active, expired or revoked.",
        authenticated: true,
        handler: |m| on(m, delegations::mine),
    },
    NativeRoute {
        method: Method::DELETE,
        path: "/api/v1/me/delegations/{id}",
        summary: "Revoke a delegation at once.",
        authenticated: true,
        handler: |m| on(m, delegations::revoke),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/delegations",
        summary: "Intermediary: the people and companies whose active delegations I hold.",
        authenticated: true,
        handler: |m| on(m, delegations::held),
    },
    NativeRoute {
        method: Method::POST,
        path: "/api/v1/delegations",
        summary: "Role front-office: register a delegation from a signed paper mandate (grantor, document_reference).",
        authenticated: true,
        handler: |m| on(m, delegations::register),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/audit",
        summary: "Role auditor: the whole audit trail (filters subject, actor, outcome, cursor, limit).",
        authenticated: true,
        handler: |m| on(m, audit::all),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/audit/verification",
        summary: "Role auditor: check the audit trail's hash chain.",
        authenticated: true,
        handler: |m| on(m, audit::verify),
    },
    NativeRoute {
        method: Method::POST,
        path: interop::LIFE_EVENTS,
        summary: "Agency (PDND voucher, ModI INTEGRITY_REST_01 and AUDIT_REST_01): a birth, death or change of residence from the civil registry; Idempotency-Key required; 202 with the published event.",
        authenticated: true,
        handler: |m| on(m, interop::life_event),
    },
    NativeRoute {
        method: Method::POST,
        path: interop::REGISTRY_SEARCH,
        summary: "Agency (PDND voucher, ModI): DCI-style sync search of the disability registry, each item with its consent and purpose.",
        authenticated: true,
        handler: |m| on(m, interop::registry_search),
    },
    NativeRoute {
        method: Method::POST,
        path: "/api/v1/admin/days/{date}",
        summary: "Run a calendar day's dated work (role platform-operator).",
        authenticated: true,
        handler: |m| on(m, platform::run_day),
    },
    NativeRoute {
        method: Method::GET,
        path: "/api/v1/admin/dead-letters",
        summary: "Events a consumer could not process (roles platform-operator, auditor).",
        authenticated: true,
        handler: |m| on(m, platform::dead_letters),
    },
    NativeRoute {
        method: Method::POST,
        path: "/api/v1/admin/dead-letters/{event_id}/{consumer}/replay",
        summary: "Queue a dead letter for delivery again (role platform-operator).",
        authenticated: true,
        handler: |m| on(m, platform::replay),
    },
];
