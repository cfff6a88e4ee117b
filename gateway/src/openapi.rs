//! `/openapi.json`: an OpenAPI 3.1 document of every route, built from the platform's own
//! routes and the loaded components' manifests, so it cannot drift from what is served.

use serde_json::{Value, json};

use crate::auth::PrincipalKind;
use crate::runtime::manifest::Route;

/// The platform routes the gateway answers itself: (method, path, summary, authenticated).
pub const PLATFORM_ROUTES: &[(&str, &str, &str, bool)] = &[
    ("get", "/healthz", "Liveness: the process is up.", false),
    (
        "get",
        "/readyz",
        "Readiness: components loaded and the database answers.",
        false,
    ),
    ("get", "/metrics", "Prometheus metrics.", false),
    ("get", "/openapi.json", "This document.", false),
    (
        "get",
        "/api/v1/me",
        "The dossier of the citizen or company (or, for an intermediary, of the person in On-Behalf-Of, limited to the delegated domains): profile and preferences, segments, proposed services, news, and each domain's summary (a failing domain's section says `unavailable`).",
        true,
    ),
    (
        "get",
        "/api/v1/me/audit",
        "Who accessed my data: intermediaries and agencies, allowed or refused, with purpose and evidence (filters outcome, cursor, limit).",
        true,
    ),
    (
        "post",
        "/api/v1/me/delegations",
        "Grant a delegation: {intermediary_org, intermediary_kind?, scopes [\"<domain>:read|act\"], expires_at}; Idempotency-Key required.",
        true,
    ),
    (
        "get",
        "/api/v1/me/delegations",
        "My delegations, newest first, with status active, expired or revoked.",
        true,
    ),
    (
        "delete",
        "/api/v1/me/delegations/{id}",
        "Revoke a delegation at once.",
        true,
    ),
    (
        "get",
        "/api/v1/delegations",
        "Intermediary: the people and companies whose active delegations I hold.",
        true,
    ),
    (
        "post",
        "/api/v1/delegations",
        "Role front-office: register a delegation from a signed paper mandate (grantor, document_reference).",
        true,
    ),
    (
        "get",
        "/api/v1/audit",
        "Role auditor: the whole audit trail (filters subject, actor, outcome, cursor, limit).",
        true,
    ),
    (
        "get",
        "/api/v1/audit/verification",
        "Role auditor: check the audit trail's hash chain.",
        true,
    ),
    (
        "post",
        "/interop/v1/life-events",
        "Agency (PDND voucher, ModI INTEGRITY_REST_01 and AUDIT_REST_01): a birth, death or change of residence from the civil registry; Idempotency-Key required; 202 with the published event.",
        true,
    ),
    (
        "post",
        "/interop/v1/registry/sync/search",
        "Agency (PDND voucher, ModI): DCI-style sync search of the disability registry, each item with its consent and purpose.",
        true,
    ),
    (
        "post",
        "/api/v1/admin/days/{date}",
        "Run a calendar day's dated work (role platform-operator).",
        true,
    ),
    (
        "get",
        "/api/v1/admin/dead-letters",
        "Events a consumer could not process (roles platform-operator, auditor).",
        true,
    ),
    (
        "post",
        "/api/v1/admin/dead-letters/{event_id}/{consumer}/replay",
        "Queue a dead letter for delivery again (role platform-operator).",
        true,
    ),
];

pub fn document(components: &[(String, String, Vec<Route>)]) -> Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary, authenticated) in PLATFORM_ROUTES {
        let mut op = json!({
            "summary": summary,
            "tags": ["platform"],
            "parameters": path_params(path),
            "responses": { "200": { "description": "OK" }, "default": problem_response() },
        });
        if !authenticated {
            op["security"] = json!([]);
        }
        insert(&mut paths, path, method, op);
    }
    for (name, version, routes) in components {
        for route in routes {
            insert(
                &mut paths,
                &route.path,
                &route.method.as_str().to_ascii_lowercase(),
                operation(name, version, route),
            );
        }
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Welfare as a Service API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Amounts are integers in euro cents, dates ISO-8601, errors application/problem+json (RFC 9457).",
        },
        "paths": paths,
        "security": [{ "bearer": [] }],
        "components": {
            "securitySchemes": {
                "bearer": { "type": "http", "scheme": "bearer", "bearerFormat": "JWT" },
            },
            "schemas": { "Problem": problem_schema() },
        },
    })
}

fn insert(paths: &mut serde_json::Map<String, Value>, path: &str, method: &str, op: Value) {
    let entry = paths.entry(path.to_string()).or_insert_with(|| json!({}));
    entry[method] = op;
}

fn operation(component: &str, version: &str, route: &Route) -> Value {
    let mut params = path_params(&route.path);
    let params_list = params.as_array_mut().expect("array");
    if route.idempotency_key_required {
        params_list.push(json!({
            "name": "Idempotency-Key", "in": "header", "required": true,
            "schema": { "type": "string", "minLength": 1, "maxLength": crate::idempotency::MAX_KEY_LEN },
        }));
    }
    if route.principals.contains(&PrincipalKind::Intermediary) {
        params_list.push(json!({
            "name": "On-Behalf-Of", "in": "header", "required": false,
            "description": "Intermediaries: the fiscal code or VAT number of the person or company they act for.",
            "schema": { "type": "string" },
        }));
    }
    let kinds: Vec<&str> = route.principals.iter().map(kind_name).collect();
    let mut description = format!(
        "Component `{component}` {version}. Principals: {}.",
        kinds.join(", ")
    );
    if !route.roles.is_empty() {
        description.push_str(&format!(" Operator roles: {}.", route.roles.join(", ")));
    }
    if let Some(level) = route.min_level {
        description.push_str(&format!(" Citizens need at least SPID {level:?}."));
    }
    description.push_str(&format!(" About {}.", route.subject.describe()));
    let ok = match &route.response_schema {
        Some(schema) => {
            json!({ "description": "OK", "content": { "application/json": { "schema": schema } } })
        }
        None => json!({ "description": "OK" }),
    };
    let mut op = json!({
        "summary": route.summary,
        "description": description,
        "tags": [component],
        "parameters": params,
        "responses": { "2XX": ok, "default": problem_response() },
        // Who may call, and what about: the policy the gateway enforces, for clients and
        // intermediaries' software to read.
        "x-welfare-principals": kinds,
        "x-welfare-subject": route.subject,
    });
    if let Some(schema) = &route.request_schema {
        op["requestBody"] =
            json!({ "required": true, "content": { "application/json": { "schema": schema } } });
    }
    if route.principals == [PrincipalKind::Anonymous] {
        op["security"] = json!([]);
    }
    op
}

fn kind_name(k: &PrincipalKind) -> &'static str {
    match k {
        PrincipalKind::Anonymous => "anonymous",
        PrincipalKind::Citizen => "citizen",
        PrincipalKind::Company => "company",
        PrincipalKind::Intermediary => "intermediary",
        PrincipalKind::Agency => "agency",
        PrincipalKind::Operator => "operator",
        PrincipalKind::System => "system",
    }
}

fn path_params(path: &str) -> Value {
    let params: Vec<Value> = path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": { "type": "string" } }))
        .collect();
    Value::Array(params)
}

fn problem_response() -> Value {
    json!({
        "description": "A problem (RFC 9457)",
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } },
    })
}

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "required": ["type", "title", "status"],
        "properties": {
            "type": { "type": "string", "description": "urn:welfare:problem:<slug>" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "detail": { "type": "string" },
            "instance": { "type": "string", "description": "The request id." },
            "errors": {
                "type": "array",
                "items": { "type": "object", "properties": { "field": { "type": "string" }, "message": { "type": "string" } } },
            },
        },
    })
}
