//! One API request to a component, as nine stages run in this order ([`handle`]):
//! 1. **route**: the component and route serving the method and path (404, 405 with `Allow`);
//! 2. **gate**: the caller authenticated, whom it acts for, the route's policy and delegation;
//! 3. **body**: read within the limit (413);
//! 4. **seal**: an agency's ModI signature checked over the body, one-time ids spent;
//! 5. **claim**: the `Idempotency-Key` claimed, or the saved answer replayed;
//! 6. **limit**: the caller's writes this minute (429);
//! 7. **call**: the handler run in a fresh instance;
//! 8. **outcome**: the status decides whether the writes commit ([`Outcome`]);
//! 9. **commit**: the writes, events, saved answer, trail entry and count in one transaction.
//!
//! A claimed key is freed in one place ([`dispatch`]) once the request ended, however it
//! ended, and an audited access that commits nothing is recorded in one ([`uncommitted`]).
//!
//! The order matters: nothing that depends on the caller's identity runs before the token is
//! verified, the body is read only for an authorised caller, and the write set is committed only
//! for a response below 500, in the same transaction as the saved idempotent response.

use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};

use super::App;
use super::routes::{Lookup, Target};
use super::unit::{Commit, Started, build, commit, record, replayed, start_idempotent};
use crate::access::audit;
use crate::access::gate::{self, Admitted, Domain, Rule};
use crate::auth::Principal;
use crate::idempotency::{Claim, Saved};
use crate::problem::Problem;
use crate::runtime::Fault;
use crate::runtime::call::Call;
use crate::runtime::manifest::Route;

pub use crate::access::gate::ON_BEHALF_OF;
pub use welfare_exchange::IDEMPOTENCY_KEY;
use welfare_exchange::refusal::{
    COMPONENT_ANSWERED_INCORRECTLY, METHOD_NOT_ALLOWED, NOT_FOUND, allowed_detail,
};
use welfare_exchange::{FORWARDED_HEADERS, Outcome, response_header_allowed};

/// The axum fallback: every path not answered by the platform itself.
pub async fn dispatch(State(app): State<Arc<App>>, request: axum::extract::Request) -> Response {
    let started = Instant::now();
    let (mut parts, body) = request.into_parts();
    // HEAD is routed and handled as GET (`welfare_exchange::routes::allow`): hyper, which
    // parsed the request as HEAD, sends the answer's head without its content.
    let asked = parts.method.clone();
    if parts.method == Method::HEAD {
        parts.method = Method::GET;
    }
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
    // The one place a claimed Idempotency-Key is freed, however the request ended, before
    // answering: the client's retry finds the committed answer, or runs again.
    drop(claim);
    let response = match handled {
        Ok(response) => response,
        Err(mut problem) => {
            problem.instance = Some(request_id);
            problem.into_response()
        }
    };
    app.metrics.request(
        asked.as_str(),
        &route_label,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// The pipeline, one stage per step, in the order the module's header gives; a stage either
/// hands the next what it needs or ends the request. Whatever a stage ends with, the key
/// claimed in step 5 is left in `claim` for [`dispatch`] to free, and an audited access that
/// commits nothing is recorded by [`uncommitted`]: neither is written anywhere else.
async fn handle(
    app: &App,
    parts: &Parts,
    body: Body,
    request_id: &str,
    route_label: &mut String,
    claim: &mut Option<Claim>,
) -> Result<Response, Problem> {
    // 1. Route: which component answers, or 404 / 405.
    let (target, params) = match route(app, parts) {
        Ok(found) => found,
        Err(answer) => return answer,
    };
    let route = target.route();
    *route_label = route.path.clone();
    // 2. Gate: who calls, for whom, and whether the route lets them.
    let rule = Rule {
        domain: Domain::Component(&target.component.manifest.name),
        template: &route.path,
        policy: route.policy(),
        params: &params,
    };
    let mut admitted = gate::admit(app.gate(), parts, &rule, request_id).await?;
    if admitted.principal == Principal::Anonymous && parts.method != Method::GET {
        anonymous_write(app)?;
    }
    // 3. Body: read only for an admitted caller, within the limit.
    let body = super::native::read_body(app, parts, body).await?;
    // 4. Seal: an agency's ModI signature over that body, its one-time ids spent.
    gate::seal(app.gate(), parts, &body, &mut admitted).await?;
    let mut audit = admitted.audit.take();
    // 5. Claim the Idempotency-Key, or answer what it answered before.
    let (principal, subject) = (&admitted.principal, admitted.subject.as_deref());
    let required = route.idempotency_key_required;
    match start_idempotent(app, parts, principal, subject, &body, required).await? {
        Started::Proceed(claimed) => *claim = claimed,
        Started::Replayed(saved) => return uncommitted(app, audit, Ok(replayed(saved))).await,
    }
    // 6. Limit: the caller's writes this minute, counted on every replica.
    let limited = limit(app, parts, principal, subject).await?;
    // 7. Call the component in a fresh instance.
    let call = call(app, parts, route, params, admitted, body, request_id);
    let (response, writes) = match app.runtime.handle(target.component.clone(), call).await {
        Ok(ok) => ok,
        Err(fault) => {
            app.metrics
                .fault(&target.component.manifest.name, fault_kind(&fault));
            return uncommitted(app, audit, Err(fault_problem(fault))).await;
        }
    };
    // 8. Outcome: the status decides whether the writes commit.
    let saved = Saved {
        status: response.status,
        headers: response
            .headers
            .into_iter()
            .filter(|(name, _)| response_header_allowed(name))
            .collect(),
        body: response.body,
    };
    match Outcome::of(saved.status) {
        Outcome::Commit => {}
        Outcome::Discard => return uncommitted(app, audit, Ok(build(&saved))).await,
        Outcome::Fault => {
            let problem = Problem::from(COMPONENT_ANSWERED_INCORRECTLY);
            return uncommitted(app, audit, Err(problem)).await;
        }
    }
    // 9. Commit the writes, their events, the saved answer, the trail entry and the count in
    //    one transaction, then answer.
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
            idem: claim.as_ref(),
            saved: &saved,
            audit,
            limited,
        },
    )
    .await?;
    Ok(build(&saved))
}

/// Step 1: the component route serving the request and its path parameters, or the answer
/// when there is none: 404 for a path no component serves, 405 (with `Allow`, and no request
/// id, as on the Spin host) for a method it does not.
fn route(
    app: &App,
    parts: &Parts,
) -> Result<(Target, Vec<(String, String)>), Result<Response, Problem>> {
    match app.routes.lookup(&parts.method, parts.uri.path()) {
        Lookup::Found { target, params } => Ok((target.clone(), params)),
        Lookup::MethodNotAllowed(allowed) => {
            let allow = welfare_exchange::routes::allow(allowed.iter().map(|m| m.as_str()));
            let mut response = Problem::from(METHOD_NOT_ALLOWED)
                .detail(allowed_detail(&allow))
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            Err(Ok(response))
        }
        Lookup::NotFound => Err(Err(Problem::from(NOT_FOUND))),
    }
}

/// Step 6: the scope whose writes this one counts against, refused (429) when that scope is
/// over its limit; `None` for a read and for callers the limit does not cover.
async fn limit(
    app: &App,
    parts: &Parts,
    principal: &Principal,
    subject: Option<&str>,
) -> Result<Option<String>, Problem> {
    let per_minute = app.config.http.writes_per_minute;
    let Some(scope) = (parts.method != Method::GET && per_minute > 0)
        .then(|| crate::rate::scope(principal, subject))
        .flatten()
    else {
        return Ok(None);
    };
    crate::rate::check(&app.db, &scope, per_minute).await?;
    Ok(Some(scope))
}

/// Step 7's input: what the component is told of the request (the forwarded headers only).
fn call(
    app: &App,
    parts: &Parts,
    route: &Route,
    params: Vec<(String, String)>,
    admitted: Admitted,
    body: Bytes,
    request_id: &str,
) -> Call {
    let delegated = admitted
        .delegation
        .as_ref()
        .zip(admitted.subject.clone())
        .map(|(d, s)| (s, d.scope_names()));
    Call {
        request_id: request_id.to_string(),
        method: parts.method.clone(),
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
        principal: admitted.principal,
        delegated,
        subject: admitted.subject,
        received_at: app.db.now().rfc3339(),
    }
}

/// How a request that commits nothing ends (a replay, a fault, a discarded status): its
/// audited access, if any, is recorded with the status answered. A trail that cannot be
/// written fails the request instead.
async fn uncommitted(
    app: &App,
    audit: Option<audit::Entry>,
    answer: Result<Response, Problem>,
) -> Result<Response, Problem> {
    let status = match &answer {
        Ok(response) => response.status().as_u16(),
        Err(problem) => problem.status,
    };
    record(app, audit, status).await?;
    answer
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
