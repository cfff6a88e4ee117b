//! One API request to a component: route, authenticate, authorise, read the body, honour the
//! idempotency key, run the handler in a fresh instance, commit its write set, answer.
//!
//! The order matters: nothing that depends on the caller's identity runs before the token is
//! verified, the body is read only for an authorised caller, and the write set is committed only
//! for a response below 500, in the same transaction as the saved idempotent response.

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};

use super::App;
use super::routes::{Lookup, Target};
use crate::auth::{Principal, PrincipalKind};
use crate::idempotency::{self, Begin, IdemKey, Saved};
use crate::identity::{FiscalCode, VatNumber};
use crate::problem::Problem;
use crate::runtime::Fault;
use crate::runtime::bindings::types;
use crate::store::{StoreError, ops};

/// Request headers passed to components: what a domain may legitimately need.
const FORWARDED_HEADERS: &[&str] = &[
    "content-type",
    "accept-language",
    "if-match",
    "if-none-match",
];
/// Response headers a component may set; anything else (cookies, CORS, caching) is the gateway's.
const ALLOWED_RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "etag",
    "location",
    "link",
    "retry-after",
    "content-language",
    "last-modified",
];
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";
pub const ON_BEHALF_OF: &str = "on-behalf-of";
/// Set on a response replayed for a repeated `Idempotency-Key`.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// The axum fallback: every path not answered by the platform itself.
pub async fn dispatch(State(app): State<Arc<App>>, request: axum::extract::Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let mut route_label = "unmatched".to_string();
    let response = match handle(&app, &parts, body, &request_id, &mut route_label).await {
        Ok(response) => response,
        Err(mut problem) => {
            problem.instance = Some(request_id);
            problem.into_response()
        }
    };
    app.metrics.request(
        parts.method.as_str(),
        &route_label,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

async fn handle(
    app: &App,
    parts: &Parts,
    body: Body,
    request_id: &str,
    route_label: &mut String,
) -> Result<Response, Problem> {
    let (target, params) = match app.routes.lookup(&parts.method, parts.uri.path()) {
        Lookup::Found { target, params } => (target.clone(), params),
        Lookup::MethodNotAllowed(allowed) => {
            let allow = allowed
                .iter()
                .map(Method::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            let mut response = Problem::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method-not-allowed",
                "This path does not take that method.",
            )
            .detail(format!("Allowed: {allow}."))
            .into_response();
            if let Ok(value) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return Ok(response);
        }
        Lookup::NotFound => {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "No such route.",
            ));
        }
    };
    let route = target.route();
    *route_label = route.path.clone();

    let principal = authenticate(app, &parts.headers, route.admits(PrincipalKind::Anonymous))?;
    authorise(&target, &principal)?;
    let subject = subject(&principal, &parts.headers)?;

    let body = axum::body::to_bytes(body, app.config.http.max_body_bytes)
        .await
        .map_err(|_| {
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "body-too-large",
                "The request body is too large.",
            )
            .detail(format!("At most {} bytes.", app.config.http.max_body_bytes))
            // The rest of the body is never read, so this connection cannot carry another
            // request: say so, or a client's pool may send its next request into a closing
            // connection.
            .header(header::CONNECTION, "close")
        })?;

    let idem = idempotency_key(
        parts,
        &principal,
        subject.as_deref(),
        &body,
        route.idempotency_key_required,
    )?;
    if let Some(key) = &idem {
        match idempotency::begin(&app.db, key.clone())
            .await
            .map_err(unavailable)?
        {
            Begin::Proceed => {}
            Begin::Replay(saved) => return Ok(replayed(saved)),
            Begin::Mismatch => {
                return Err(Problem::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "idempotency-key-reused",
                    "This Idempotency-Key was used for another request.",
                )
                .detail("Use a new key for a new request."));
            }
            Begin::InFlight => {
                return Err(Problem::new(
                    StatusCode::CONFLICT,
                    "idempotency-key-in-flight",
                    "A request with this Idempotency-Key is still running.",
                )
                .detail("Retry when it has finished."));
            }
        }
    }

    let request = types::Request {
        request_id: request_id.to_string(),
        method: crate::runtime::manifest::wit_method(&parts.method)
            .expect("routes only have WIT methods"),
        route: route.path.clone(),
        path: parts.uri.path().to_string(),
        params,
        query: parts
            .uri
            .query()
            .map(|q| form_urlencoded::parse(q.as_bytes()).into_owned().collect())
            .unwrap_or_default(),
        headers: FORWARDED_HEADERS
            .iter()
            .filter_map(|name| {
                parts
                    .headers
                    .get(*name)
                    .and_then(|v| v.to_str().ok())
                    .map(|v| (name.to_string(), v.to_string()))
            })
            .collect(),
        body: body.to_vec(),
        principal: wit_principal(&principal),
        subject,
        received_at: crate::store::now_rfc3339(),
    };

    let outcome = app.runtime.handle(target.component.clone(), request).await;
    let (response, writes) = match outcome {
        Ok(ok) => ok,
        Err(fault) => {
            if let Some(key) = idem {
                idempotency::release(&app.db, key).await;
            }
            app.metrics
                .fault(&target.component.manifest.name, fault_kind(&fault));
            return Err(fault_problem(fault));
        }
    };

    let saved = Saved {
        status: response.status,
        headers: response
            .headers
            .into_iter()
            .filter(|(name, _)| {
                ALLOWED_RESPONSE_HEADERS.contains(&name.to_ascii_lowercase().as_str())
            })
            .collect(),
        body: response.body,
    };
    if !(200..500).contains(&saved.status) {
        // A failing (or nonsensical) status discards the request's writes and events.
        if let Some(key) = idem {
            idempotency::release(&app.db, key).await;
        }
        if !(100..600).contains(&saved.status) {
            return Err(Problem::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "component-fault",
                "The service answered incorrectly.",
            ));
        }
        return Ok(personal(build(&saved), &principal));
    }

    if !writes.is_empty() || idem.is_some() {
        let for_commit = saved.clone();
        let key = idem.clone();
        let committed = app
            .db
            .write(move |conn| {
                let seqs = ops::apply_write_set(conn, &writes)?;
                if let Some(key) = &key {
                    idempotency::finish(conn, key, &for_commit)?;
                }
                Ok(seqs)
            })
            .await;
        match committed {
            Ok(seqs) => {
                if !seqs.is_empty() {
                    app.outbox_wake.notify_one();
                }
            }
            Err(e) => {
                if let Some(key) = idem {
                    idempotency::release(&app.db, key).await;
                }
                return Err(match e {
                    StoreError::Conflict => Problem::new(
                        StatusCode::CONFLICT,
                        "conflict",
                        "A concurrent request changed the same data.",
                    )
                    .detail("Nothing was saved; read the resource again and retry."),
                    other => unavailable(other),
                });
            }
        }
    }
    Ok(personal(build(&saved), &principal))
}

fn authenticate(
    app: &App,
    headers: &HeaderMap,
    anonymous_allowed: bool,
) -> Result<Principal, Problem> {
    match headers.get(header::AUTHORIZATION) {
        None if anonymous_allowed => Ok(Principal::Anonymous),
        None => Err(Problem::unauthorized("This route needs a bearer token.")),
        Some(value) => {
            let value = value
                .to_str()
                .map_err(|_| Problem::unauthorized("The Authorization header is not text."))?;
            app.auth
                .authenticate(value)
                .map_err(|e| Problem::unauthorized(e.to_string()))
        }
    }
}

fn authorise(target: &Target, principal: &Principal) -> Result<(), Problem> {
    let route = target.route();
    if !route.admits(principal.kind()) {
        return Err(Problem::forbidden(
            format!("This route is not open to {:?} callers.", principal.kind()).to_lowercase(),
        ));
    }
    match principal {
        Principal::Operator { role, .. }
            if !route.roles.is_empty() && !route.roles.contains(role) =>
        {
            Err(Problem::forbidden(format!(
                "This route needs one of the roles: {}.",
                route.roles.join(", ")
            )))
        }
        Principal::Citizen { level, .. } | Principal::Company { level, .. }
            if route.min_level.is_some_and(|min| *level < min) =>
        {
            // RFC 9470: ask the client to authenticate again at a higher level.
            let min = route.min_level.expect("checked");
            Err(Problem::new(
                StatusCode::UNAUTHORIZED,
                "insufficient-authentication",
                "A stronger SPID/CIE login is needed.",
            )
            .detail(format!("This route needs SPID level {min:?} or higher."))
            .header(header::WWW_AUTHENTICATE, step_up_challenge(min)))
        }
        _ => Ok(()),
    }
}

fn step_up_challenge(min: crate::auth::Level) -> &'static str {
    match min {
        crate::auth::Level::L1 | crate::auth::Level::L2 => {
            "Bearer error=\"insufficient_user_authentication\", acr_values=\"https://www.spid.gov.it/SpidL2\""
        }
        crate::auth::Level::L3 => {
            "Bearer error=\"insufficient_user_authentication\", acr_values=\"https://www.spid.gov.it/SpidL3\""
        }
    }
}

/// The person or company the request is about, as far as the gateway can vouch for it.
fn subject(principal: &Principal, headers: &HeaderMap) -> Result<Option<String>, Problem> {
    let on_behalf_of = headers
        .get(ON_BEHALF_OF)
        .map(|v| v.to_str().unwrap_or_default().trim().to_string());
    match principal {
        Principal::Citizen { fiscal_code, .. } => {
            if on_behalf_of.is_some() {
                return Err(Problem::bad_request(
                    "on-behalf-of-not-allowed",
                    "Citizens act for themselves: remove On-Behalf-Of.",
                ));
            }
            Ok(Some(fiscal_code.to_string()))
        }
        Principal::Company { vat_number, .. } => {
            if on_behalf_of.is_some() {
                return Err(Problem::bad_request(
                    "on-behalf-of-not-allowed",
                    "Companies act for themselves: remove On-Behalf-Of.",
                ));
            }
            Ok(Some(vat_number.to_string()))
        }
        Principal::Intermediary { .. } => match on_behalf_of {
            None => Ok(None),
            Some(raw) => {
                let valid = FiscalCode::parse(&raw)
                    .map(|c| c.to_string())
                    .or_else(|_| VatNumber::parse(&raw).map(|v| v.to_string()));
                if valid.is_err() {
                    return Err(Problem::bad_request(
                        "invalid-on-behalf-of",
                        "On-Behalf-Of must be a valid fiscal code or VAT number.",
                    ));
                }
                // Delegations are not registered yet (a later capability): until they are, no
                // intermediary may act for anyone.
                Err(Problem::forbidden(
                    "There is no active delegation from this person or company to your organisation.",
                ))
            }
        },
        _ => Ok(None),
    }
}

fn idempotency_key(
    parts: &Parts,
    principal: &Principal,
    subject: Option<&str>,
    body: &[u8],
    required: bool,
) -> Result<Option<IdemKey>, Problem> {
    if parts.method != Method::POST {
        return Ok(None);
    }
    let Some(raw) = parts.headers.get(IDEMPOTENCY_KEY) else {
        if required {
            return Err(Problem::bad_request("idempotency-key-required", "This request creates something: send an Idempotency-Key header.")
                .detail("Use a new random value (for example a UUID) per operation, and the same value when retrying it."));
        }
        return Ok(None);
    };
    let scope = match subject {
        Some(s) => format!("{}|{s}", principal.scope()),
        None => principal.scope(),
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    raw.to_str()
        .ok()
        .and_then(|key| IdemKey::new(scope, key, parts.method.as_str(), path, body))
        .map(Some)
        .ok_or_else(|| {
            Problem::bad_request(
                "invalid-idempotency-key",
                "An Idempotency-Key is 1 to 255 printable ASCII characters.",
            )
        })
}

fn wit_principal(principal: &Principal) -> types::Principal {
    use crate::auth::IntermediaryKind;
    match principal {
        Principal::Anonymous => types::Principal::Anonymous,
        Principal::Citizen { fiscal_code, level } => types::Principal::Citizen(types::Citizen {
            fiscal_code: fiscal_code.to_string(),
            level: wit_level(*level),
        }),
        Principal::Company {
            vat_number,
            name,
            level,
        } => types::Principal::Company(types::Company {
            vat_number: vat_number.to_string(),
            name: name.clone(),
            level: wit_level(*level),
        }),
        Principal::Intermediary { organisation, kind } => {
            types::Principal::Intermediary(types::Intermediary {
                organisation: organisation.clone(),
                kind: match kind {
                    IntermediaryKind::Caf => types::IntermediaryKind::Caf,
                    IntermediaryKind::Patronato => types::IntermediaryKind::Patronato,
                    IntermediaryKind::Consulente => types::IntermediaryKind::Consulente,
                },
                on_behalf_of: None,
                scopes: Vec::new(),
            })
        }
        Principal::Agency {
            organisation,
            purpose,
        } => types::Principal::Agency(types::Agency {
            organisation: organisation.clone(),
            purpose: purpose.clone(),
        }),
        Principal::Operator { id, role, office } => types::Principal::Operator(types::Operator {
            id: id.clone(),
            role: role.clone(),
            office: office.clone(),
        }),
        Principal::System => types::Principal::System,
    }
}

fn wit_level(level: crate::auth::Level) -> types::LevelOfAssurance {
    use crate::auth::Level;
    match level {
        Level::L1 => types::LevelOfAssurance::Low,
        Level::L2 => types::LevelOfAssurance::Substantial,
        Level::L3 => types::LevelOfAssurance::High,
    }
}

fn build(saved: &Saved) -> Response {
    let status = StatusCode::from_u16(saved.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, saved.body.clone()).into_response();
    for (name, value) in &saved.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

fn replayed(saved: Saved) -> Response {
    let mut response = build(&saved);
    response.headers_mut().insert(
        HeaderName::from_static(IDEMPOTENT_REPLAYED),
        HeaderValue::from_static("true"),
    );
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// Responses to an identified caller carry personal data: never cache them.
fn personal(mut response: Response, principal: &Principal) -> Response {
    if *principal != Principal::Anonymous {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn fault_kind(fault: &Fault) -> &'static str {
    match fault {
        Fault::Timeout(_) => "timeout",
        Fault::MemoryExhausted => "memory",
        Fault::Trap(_) => "trap",
        Fault::Instantiate(_) => "instantiate",
        Fault::Overloaded => "overloaded",
    }
}

fn fault_problem(fault: Fault) -> Problem {
    match fault {
        Fault::Timeout(limit) => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "component-timeout",
            "The service took too long to answer.",
        )
        .detail(format!(
            "Stopped after {} ms; nothing was saved.",
            limit.as_millis()
        )),
        Fault::MemoryExhausted => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "component-memory-exhausted",
            "The service ran out of memory.",
        )
        .detail("Nothing was saved."),
        Fault::Overloaded => Problem::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "overloaded",
            "The platform is busy.",
        )
        .detail("Retry shortly.")
        .header(header::RETRY_AFTER, "1"),
        Fault::Trap(_) | Fault::Instantiate(_) => Problem::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "component-fault",
            "The service failed.",
        )
        .detail("Nothing was saved."),
    }
}

fn unavailable(e: StoreError) -> Problem {
    tracing::error!(error = %e, "store failure");
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store-unavailable",
        "The platform cannot save data right now.",
    )
    .detail("Nothing was saved; retry shortly.")
    .header(header::RETRY_AFTER, "1")
}
