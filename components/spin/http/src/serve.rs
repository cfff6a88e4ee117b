//! One API request through the domain: route, gate, idempotency key, `handle`, commit.
//!
//! The rules are the gateway's (`gateway/src/http/dispatch.rs`), from the same crate
//! (`welfare-exchange`): the same route lookup, forwarded request headers and allowed
//! response headers, an `Idempotency-Key` scoped to its caller and bound to its request's
//! method, path and body, the same status outcomes (a status outside 200-499 discarding every
//! write, one outside 100-599 a fault), a lost compare-and-swap at commit answered 409.
//! Unlike the gateway, a key is not leased while its request runs: two concurrent requests
//! with one key both run, and the commit lets exactly one of them record its writes, the
//! other answering with the winner's recorded response.

use spin_sdk::http::{Request, Response};
use welfare_exchange::idempotency::{self, KeyHeader};
use welfare_exchange::refusal::{
    COMPONENT_ANSWERED_INCORRECTLY, CONFLICT, DUPLICATE_HEADER, IDEMPOTENCY_KEY_REUSED,
    duplicate_header_detail,
};
use welfare_exchange::served::ServedRoutes;
use welfare_exchange::{
    BodyRefusal, FORWARDED_HEADERS, IDEMPOTENCY_KEY, Outcome, check_body, request_fingerprint,
    response_header_allowed,
};

use crate::routes;
use crate::types::Request as WitRequest;
use crate::uow::{self, CommitError, IdempotencyRecord, RecordedAnswer};
use crate::{MAX_BODY_BYTES, domain, gate, problem};

/// `duplicate`: a singleton header the request carries twice
/// ([`welfare_exchange::duplicate_singleton`]), refused before the token is read.
pub fn serve(
    req: &Request,
    served: &ServedRoutes,
    request_id: &str,
    duplicate: Option<&str>,
) -> Response {
    let (route, params) = match routes::lookup(served, req.method(), req.path()) {
        Ok(found) => found,
        Err(refused) => return refused,
    };
    if let Some(name) = duplicate {
        return problem::refusal_with(DUPLICATE_HEADER, Some(duplicate_header_detail(name)));
    }
    let admitted = match gate::admit(req, route) {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    if req.body().len() > MAX_BODY_BYTES {
        let refusal = BodyRefusal::TooLarge {
            max_bytes: MAX_BODY_BYTES,
        };
        return problem::problem(
            refusal.status(),
            refusal.slug(),
            refusal.title(),
            Some(refusal.detail()),
        );
    }
    // The gateway's strict reading of the body (`welfare_exchange::check_body`).
    let content_type = req
        .header("content-type")
        .map(|v| v.as_str().unwrap_or("(not text)"));
    if let Err(refusal) = check_body(content_type, req.body()) {
        return problem::problem(
            refusal.status(),
            refusal.slug(),
            refusal.title(),
            Some(refusal.detail()),
        );
    }
    let idem = match idempotency(req, &admitted, route.idempotency_key_required) {
        Ok(idem) => idem,
        Err(refused) => return refused,
    };
    if let Some(key) = &idem {
        match uow::recorded(&key.scope, &key.key) {
            Ok(Some(answer)) => return replay(&key.fingerprint, answer),
            Ok(None) => {}
            Err(_) => return problem::unavailable(),
        }
    }

    let request = WitRequest {
        request_id: request_id.to_string(),
        method: gate::wit::wit_method(&route.method).expect("a route method, checked when read"),
        route: route.path.clone(),
        path: req.path().to_string(),
        params,
        query: form_urlencoded::parse(req.query().as_bytes())
            .into_owned()
            .collect(),
        headers: FORWARDED_HEADERS
            .iter()
            .filter_map(|h| {
                req.header(h)
                    .and_then(|v| welfare_exchange::forwarded_value(v.as_bytes()))
                    .map(|v| (h.to_string(), v.to_string()))
            })
            .collect(),
        body: req.body().to_vec(),
        principal: gate::wit_principal(&admitted.principal),
        subject: admitted.subject.clone(),
        received_at: jiff::Timestamp::now().to_string(),
    };
    uow::begin(&served.component, false);
    let answer = domain::handle(&request);
    if answer.status < 400 {
        // Only a request that was answered, not refused, writes anything, this included.
        admitted.remember_token();
    }
    let outcome = Outcome::of(answer.status);
    if outcome != Outcome::Commit {
        // A failing (or nonsensical) status discards the request's writes and events.
        uow::rollback();
        if outcome == Outcome::Fault {
            return problem::refusal(COMPONENT_ANSWERED_INCORRECTLY);
        }
        return respond(
            answer.status,
            &answer.headers,
            answer.body,
            !is_anonymous(&admitted),
        );
    }
    let headers: Vec<(String, String)> = answer
        .headers
        .into_iter()
        .filter(|(k, _)| response_header_allowed(k))
        .collect();
    let record = idem.map(|key| IdempotencyRecord {
        scope: key.scope,
        key: key.key,
        answer: RecordedAnswer {
            fingerprint: key.fingerprint,
            status: answer.status,
            headers: headers.clone(),
            body: answer.body.clone(),
        },
    });
    match uow::commit(record.as_ref(), None) {
        Ok(()) => respond(
            answer.status,
            &headers,
            answer.body,
            !is_anonymous(&admitted),
        ),
        Err(e @ (CommitError::Conflict | CommitError::KeyTaken)) => {
            // A concurrent request with the same key may have committed first (a client's
            // retry racing its original): then this one answers what that one answered.
            if let Some(r) = &record
                && let Ok(Some(answer)) = uow::recorded(&r.scope, &r.key)
            {
                return replay(&r.answer.fingerprint, answer);
            }
            match e {
                CommitError::Conflict => problem::refusal(CONFLICT),
                _ => problem::unavailable(),
            }
        }
        Err(CommitError::AlreadyDelivered | CommitError::Unavailable(_)) => problem::unavailable(),
    }
}

fn is_anonymous(admitted: &gate::Admitted) -> bool {
    admitted.principal == welfare_auth::Principal::Anonymous
}

/// A request's idempotency key, scoped to its caller and bound to the request.
struct Keyed {
    scope: String,
    key: String,
    fingerprint: String,
}

fn idempotency(
    req: &Request,
    admitted: &gate::Admitted,
    required: bool,
) -> Result<Option<Keyed>, Response> {
    let header = match req.header(IDEMPOTENCY_KEY) {
        None => KeyHeader::Absent,
        Some(value) => value.as_str().map_or(KeyHeader::NotText, KeyHeader::Text),
    };
    let post = req.method() == &spin_sdk::http::Method::Post;
    let keyed = idempotency::key(
        post,
        header,
        &admitted.principal,
        admitted.subject.as_deref(),
        required,
    )
    .map_err(problem::refusal)?;
    let path = req.path_and_query().unwrap_or("/");
    Ok(keyed.map(|k| Keyed {
        scope: k.scope,
        key: k.key.to_string(),
        fingerprint: request_fingerprint("POST", path, req.body()),
    }))
}

/// The recorded answer for a repeated key, or 422 when the key named another request (with
/// the request `fingerprint`).
fn replay(fingerprint: &str, answer: RecordedAnswer) -> Response {
    if answer.fingerprint != fingerprint {
        return problem::refusal(IDEMPOTENCY_KEY_REUSED);
    }
    let mut r = respond(answer.status, &answer.headers, answer.body, true);
    r.set_header("idempotent-replayed", "true");
    r
}

fn respond(status: u16, headers: &[(String, String)], body: Vec<u8>, personal: bool) -> Response {
    let mut builder = Response::builder();
    builder.status(status);
    for (k, v) in headers {
        if response_header_allowed(k) {
            builder.header(k.clone(), v.clone());
        }
    }
    if personal {
        // Responses to an identified caller carry personal data: never cache them.
        builder.header("cache-control", "no-store");
    }
    builder.body(body).build()
}
