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
use axum::http::{HeaderValue, Method, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};

use super::App;
use super::routes::Lookup;
use super::unit::{Commit, Started, build, commit, record, replayed, start_idempotent};
use crate::access::audit;
use crate::access::gate::{self, Domain, Rule};
use crate::auth::Principal;
use crate::idempotency::{Claim, Saved};
use crate::problem::Problem;
use crate::runtime::Fault;
use crate::runtime::call::Call;

pub use crate::access::gate::ON_BEHALF_OF;
pub use welfare_exchange::IDEMPOTENCY_KEY;
use welfare_exchange::refusal::{
    COMPONENT_ANSWERED_INCORRECTLY, METHOD_NOT_ALLOWED, NOT_FOUND, allowed_detail,
};
use welfare_exchange::{FORWARDED_HEADERS, Outcome, response_header_allowed};

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
            let mut response = Problem::from(METHOD_NOT_ALLOWED)
                .detail(allowed_detail(&allow))
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&allow) {
                response.headers_mut().insert(header::ALLOW, value);
            }
            return Ok(response);
        }
        Lookup::NotFound => return Err(Problem::from(NOT_FOUND)),
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

    let delegated = admitted
        .delegation
        .as_ref()
        .zip(subject.clone())
        .map(|(d, s)| (s, d.scope_names()));
    let request = Call {
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
        principal,
        delegated,
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
            let problem = Problem::from(COMPONENT_ANSWERED_INCORRECTLY);
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
