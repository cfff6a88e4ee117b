//! `/openapi.json`: an OpenAPI 3.1 document of every route, built from the platform's own
//! routes and the loaded components' manifests, so it cannot drift from what is served.

use serde_json::{Value, json};

use crate::auth::{Level, PrincipalKind, SubjectKind};
use crate::runtime::manifest::Route;

/// The document: the gateway's own routes (`http::native_routes`, the table the router is built
/// from) and each component's.
pub fn document(components: &[(String, String, Vec<Route>)]) -> Value {
    let mut paths = serde_json::Map::new();
    for route in crate::http::native_routes::ROUTES {
        let mut op = json!({
            "summary": route.summary,
            "tags": ["platform"],
            "parameters": path_params(route.path),
            "responses": { "200": { "description": "OK" }, "default": problem_response() },
        });
        match &route.admits {
            None => op["security"] = json!([]),
            Some(admits) => {
                // The policy the gate applies, from the same table entry as the handler's rule.
                let kinds: Vec<&str> = admits.principals.iter().map(kind_name).collect();
                let roles: Vec<String> = admits.roles.iter().map(|r| r.to_string()).collect();
                op["description"] = json!(format!(
                    "The platform's own route.{}",
                    policy_text(&kinds, &roles, admits.min_level, SubjectKind::Either)
                ));
                op["x-welfare-principals"] = json!(kinds);
                op["x-welfare-subject"] = json!(SubjectKind::Either);
            }
        }
        let method = route.method.as_str().to_ascii_lowercase();
        insert(&mut paths, route.path, &method, op);
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
    let description = format!(
        "Component `{component}` {version}.{}",
        policy_text(&kinds, &route.roles, route.min_level, route.subject)
    );
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

/// Who may call a route and what about, as an operation's description says it.
fn policy_text(
    kinds: &[&str],
    roles: &[String],
    min_level: Option<Level>,
    subject: SubjectKind,
) -> String {
    let mut text = format!(" Principals: {}.", kinds.join(", "));
    if !roles.is_empty() {
        text.push_str(&format!(" Operator roles: {}.", roles.join(", ")));
    }
    if let Some(level) = min_level {
        text.push_str(&format!(" Citizens need at least SPID {level:?}."));
    }
    text.push_str(&format!(" About {}.", subject.describe()));
    text
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
