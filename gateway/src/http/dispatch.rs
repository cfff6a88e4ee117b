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
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};

use super::App;
use super::native::refusal;
use super::routes::Lookup;
use crate::access::audit;
use crate::access::delegation::Delegation;
use crate::access::gate::{self, Domain, Rule};
use crate::auth::Principal;
use crate::idempotency::{self, Begin, Claim, IdemKey, Saved};
use crate::problem::Problem;
use crate::runtime::Fault;
use crate::runtime::bindings::types;
use crate::store::txn::WriteSet;
use crate::store::{StoreError, ops};

pub use crate::access::gate::ON_BEHALF_OF;
pub use welfare_exchange::IDEMPOTENCY_KEY;
use welfare_exchange::idempotency::KeyHeader;
use welfare_exchange::refusal::{
    COMPONENT_ANSWERED_INCORRECTLY, CONFLICT, IDEMPOTENCY_KEY_REUSED, INVALID_IDEMPOTENCY_KEY,
    METHOD_NOT_ALLOWED, NOT_FOUND, allowed_detail,
};
use welfare_exchange::{FORWARDED_HEADERS, Outcome, response_header_allowed};
/// Set on a response replayed for a repeated `Idempotency-Key`.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// The axum fallback: every path not answered by the platform itself.
pub async fn dispatch(State(app): State<Arc<App>>, request: axum::extract::Request) -> Response {
    let started = Instant::now();
    let (parts, body) = request.into_parts();
    let request_id = super::native::request_id(&parts);
    let mut route_label = "unmatched".to_string();
    let mut claim = None;
    let handled = handle(
        &app,
        &parts,
        body,
        &request_id,
        &mut route_label,
        &mut claim,
    )
    .await;
    // The one place a claimed Idempotency-Key is freed: a request that did not commit its
    // answer, however it ended, frees it before answering, so the client's retry runs again.
    if let Some(claim) = claim {
        claim.release().await;
    }
    let response = match handled {
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
    claim: &mut Option<Claim>,
) -> Result<Response, Problem> {
    let (target, params) = match app.routes.lookup(&parts.method, parts.uri.path()) {
        Lookup::Found { target, params } => (target.clone(), params),
        Lookup::MethodNotAllowed(allowed) => {
            let allow = welfare_exchange::routes::allow(allowed.iter().map(|m| m.as_str()));
            let mut response = refusal(METHOD_NOT_ALLOWED)
                .detail(allowed_detail(&allow))
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return Ok(response);
        }
        Lookup::NotFound => return Err(refusal(NOT_FOUND)),
    };
    let route = target.route();
    *route_label = route.path.clone();

    let component_name = target.component.manifest.name.clone();
    let rule = Rule {
        domain: Domain::Component(&component_name),
        template: &route.path,
        policy: route.policy(),
        params: &params,
    };
    let mut admitted = gate::admit(app.gate(), parts, &rule, request_id).await?;
    if admitted.principal == Principal::Anonymous && parts.method != Method::GET {
        anonymous_write(app)?;
    }
    let body = super::native::read_body(app, parts, body).await?;
    gate::seal(app.gate(), parts, &body, &mut admitted).await?;
    let principal = admitted.principal.clone();
    let subject = admitted.subject.clone();
    let mut audit = admitted.audit.take();

    *claim = match start_idempotent(
        app,
        parts,
        &principal,
        subject.as_deref(),
        &body,
        route.idempotency_key_required,
    )
    .await?
    {
        Started::Proceed(claimed) => claimed,
        Started::Replayed(saved) => {
            record(app, audit, saved.status).await?;
            return Ok(replayed(saved));
        }
    };

    // Writes are limited per caller, in the database, so the limit holds on every replica.
    let limited = (parts.method != Method::GET && app.config.http.writes_per_minute > 0)
        .then(|| crate::rate::scope(&principal, subject.as_deref()))
        .flatten();
    if let Some(scope) = &limited
        && let Err(problem) =
            crate::rate::check(&app.db, scope, app.config.http.writes_per_minute).await
    {
        return Err(problem);
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
                    .and_then(|v| welfare_exchange::forwarded_value(v.as_bytes()))
                    .map(|v| (name.to_string(), v.to_string()))
            })
            .collect(),
        body: body.to_vec(),
        principal: wit_principal(&principal, admitted.delegation.as_ref(), subject.as_deref()),
        subject,
        received_at: crate::store::now_rfc3339(),
    };

    let outcome = app.runtime.handle(target.component.clone(), request).await;
    let (response, writes) = match outcome {
        Ok(ok) => ok,
        Err(fault) => {
            app.metrics
                .fault(&target.component.manifest.name, fault_kind(&fault));
            let problem = fault_problem(fault);
            record(app, audit, problem.status).await?;
            return Err(problem);
        }
    };

    let saved = Saved {
        status: response.status,
        headers: response
            .headers
            .into_iter()
            .filter(|(name, _)| response_header_allowed(name))
            .collect(),
        body: response.body,
    };
    let outcome = Outcome::of(saved.status);
    if outcome != Outcome::Commit {
        // A failing (or nonsensical) status discards the request's writes and events.
        if outcome == Outcome::Fault {
            let problem = refusal(COMPONENT_ANSWERED_INCORRECTLY);
            record(app, audit, problem.status).await?;
            return Err(problem);
        }
        record(app, audit, saved.status).await?;
        return Ok(build(&saved));
    }

    if let Some(entry) = audit.as_mut() {
        entry.status = saved.status;
        entry.outcome = audit::Outcome::of_status(saved.status);
    }
    // Only a request that changed something counts against its caller's limit.
    let limited = limited.filter(|_| !writes.is_empty());
    commit(
        app,
        Commit {
            writes,
            idem: claim.as_mut(),
            saved: &saved,
            audit,
            limited,
        },
    )
    .await?;
    Ok(build(&saved))
}

/// Spends one of the anonymous callers' shared writes ([`crate::budget`]), or answers 429.
fn anonymous_write(app: &App) -> Result<(), Problem> {
    app.anonymous_writes.take().map_err(|wait| {
        let mut problem = Problem::new(
            StatusCode::TOO_MANY_REQUESTS,
            "anonymous-budget-exhausted",
            "Too many anonymous changes right now.",
        )
        .detail("Retry shortly, or sign in: signed-in callers have a budget of their own.");
        let seconds = wait.as_secs_f64().ceil().max(1.0) as u64;
        problem.set_header(header::RETRY_AFTER, HeaderValue::from(seconds));
        problem
    })
}

/// What one request commits, all in one transaction.
pub struct Commit<'a> {
    pub writes: WriteSet,
    /// The key whose saved answer is `saved`.
    pub idem: Option<&'a mut Claim>,
    pub saved: &'a Saved,
    /// The access, recorded with what it did.
    pub audit: Option<audit::Entry>,
    /// The caller whose write limit this request counts against.
    pub limited: Option<String>,
}

/// Commits a request's writes and events with its idempotency record, its audit entry and its
/// count against the caller's limit, in one transaction (nothing to do when there is none of
/// them). Only a commit settles the key; on failure it stays unsettled, for the pipeline to
/// free, so the client's retry runs again: a version that moved is a 409, anything else a 503.
pub async fn commit(app: &App, c: Commit<'_>) -> Result<(), Problem> {
    let Commit {
        writes,
        idem,
        saved,
        audit,
        limited,
    } = c;
    if writes.is_empty() && idem.is_none() && audit.is_none() {
        return Ok(());
    }
    let for_commit = saved.clone();
    let key = idem.as_ref().map(|claim| claim.key().clone());
    let committed = app
        .db
        .write(move |conn| {
            let seqs = ops::apply_write_set(conn, &writes)?;
            if let Some(key) = &key {
                idempotency::finish(conn, key, &for_commit)?;
            }
            if let Some(entry) = &audit {
                audit::append(conn, entry)?;
            }
            if let Some(scope) = &limited {
                crate::rate::count(conn, scope)?;
            }
            Ok(seqs)
        })
        .await;
    match committed {
        Ok(seqs) => {
            if !seqs.is_empty() {
                app.outbox_wake.notify_one();
            }
            Ok(())
        }
        Err(e) => Err(match e {
            StoreError::Conflict => refusal(CONFLICT),
            other => unavailable(other),
        }),
    }
}

/// Records an audited access that ended without committing anything (a refusal by the
/// component, a fault). A trail that cannot be written fails the request: an access for someone
/// else must not go unrecorded.
pub async fn record(app: &App, entry: Option<audit::Entry>, status: u16) -> Result<(), Problem> {
    let Some(mut entry) = entry else {
        return Ok(());
    };
    entry.status = status;
    entry.outcome = audit::Outcome::of_status(status);
    app.db
        .write(move |conn| audit::append(conn, &entry).map(|_| ()))
        .await
        .map_err(unavailable)
}

/// How an idempotent request starts.
pub enum Started {
    /// Run it (under this key, if it has one).
    Proceed(Option<Claim>),
    /// It ran before: answer what it answered.
    Replayed(Saved),
}

/// Honours the request's `Idempotency-Key`: a repeat gets the saved answer, a key reused for
/// another request 422, a key still running 409.
pub async fn start_idempotent(
    app: &App,
    parts: &Parts,
    principal: &Principal,
    subject: Option<&str>,
    body: &[u8],
    required: bool,
) -> Result<Started, Problem> {
    let Some(key) = idempotency_key(parts, principal, subject, body, required)? else {
        return Ok(Started::Proceed(None));
    };
    match idempotency::begin(&app.db, key.clone())
        .await
        .map_err(unavailable)?
    {
        Begin::Proceed => Ok(Started::Proceed(Some(Claim::new(&app.db, key)))),
        Begin::Replay(saved) => Ok(Started::Replayed(saved)),
        Begin::Mismatch => Err(refusal(IDEMPOTENCY_KEY_REUSED)),
        Begin::InFlight => Err(Problem::new(
            StatusCode::CONFLICT,
            "idempotency-key-in-flight",
            "A request with this Idempotency-Key is still running.",
        )
        .detail("Retry when it has finished.")),
    }
}

/// The request's key under the rules both hosts share ([`welfare_exchange::idempotency::key`]):
/// a POST's only, required where the route says so, never an anonymous caller's.
fn idempotency_key(
    parts: &Parts,
    principal: &Principal,
    subject: Option<&str>,
    body: &[u8],
    required: bool,
) -> Result<Option<IdemKey>, Problem> {
    let header = match parts.headers.get(IDEMPOTENCY_KEY) {
        None => KeyHeader::Absent,
        Some(raw) => raw.to_str().map_or(KeyHeader::NotText, KeyHeader::Text),
    };
    let post = parts.method == Method::POST;
    let Some(keyed) =
        welfare_exchange::idempotency::key(post, header, principal, subject, required)
            .map_err(refusal)?
    else {
        return Ok(None);
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    IdemKey::new(keyed.scope, keyed.key, parts.method.as_str(), path, body)
        .map(Some)
        .ok_or_else(|| refusal(INVALID_IDEMPOTENCY_KEY))
}

/// The principal as components see it; an intermediary's carries the person it acts for and
/// the delegation's scopes the gateway checked.
pub fn wit_principal(
    principal: &Principal,
    delegation: Option<&Delegation>,
    subject: Option<&str>,
) -> types::Principal {
    crate::runtime::manifest::wit::wit_principal(
        principal,
        delegation.and(subject).map(str::to_string),
        delegation.map(Delegation::scope_names).unwrap_or_default(),
    )
}

pub fn build(saved: &Saved) -> Response {
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

pub fn replayed(saved: Saved) -> Response {
    let mut response = build(&saved);
    response.headers_mut().insert(
        HeaderName::from_static(IDEMPOTENT_REPLAYED),
        HeaderValue::from_static("true"),
    );
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

pub fn unavailable(e: StoreError) -> Problem {
    Problem::store_unavailable(&e)
}
