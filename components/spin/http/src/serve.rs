//! One API request through the domain: route, gate, idempotency key, `handle`, commit.
//!
//! The rules are the gateway's (`gateway/src/http/dispatch.rs`): the same forwarded request
//! headers and allowed response headers, an `Idempotency-Key` bound to its request's method,
//! path and body, a status outside 200-499 discarding every write (one outside 100-599 is a
//! fault), a lost compare-and-swap at commit answered 409. Unlike the gateway, a key is not leased while its request runs: two
//! concurrent requests with one key both run, and the commit lets exactly one of them record
//! its writes, the other answering with the winner's recorded response.

use spin_sdk::http::{Request, Response};
use welfare_auth::exchange::{
    ANONYMOUS_IDEMPOTENCY_KEY, FORWARDED_HEADERS, IDEMPOTENCY_KEY, check_body, request_fingerprint,
    response_header_allowed, valid_idempotency_key,
};

use crate::routes::{self, Lookup};
use crate::types::{Manifest, Request as WitRequest};
use crate::uow::{self, CommitError, IdempotencyRecord, RecordedAnswer};
use crate::{MAX_BODY_BYTES, domain, gate, problem};

/// `duplicate`: a singleton header the request carries twice
/// ([`welfare_auth::exchange::duplicate_singleton`]), refused before the token is read.
pub fn serve(
    req: &Request,
    manifest: &Manifest,
    request_id: &str,
    duplicate: Option<&str>,
) -> Response {
    let (route, params) = match routes::lookup(manifest, req.method(), req.path()) {
        Lookup::Found { route, params } => (route, params),
        Lookup::MethodNotAllowed(allowed) => {
            let allow = allowed.join(", ");
            let mut r = problem::problem(
                405,
                "method-not-allowed",
                "This path does not take that method.",
                Some(format!("Allowed: {allow}.")),
            );
            r.set_header("allow", allow);
            return r;
        }
        Lookup::NotFound => return problem::problem(404, "not-found", "No such route.", None),
    };
    if let Some(name) = duplicate {
        return problem::problem(
            400,
            "duplicate-header",
            "A header that may appear once appears more than once.",
            Some(format!("Send one `{name}` header.")),
        );
    }
    let admitted = match gate::admit(req, route) {
        Ok(a) => a,
        Err(refused) => return refused,
    };
    if req.body().len() > MAX_BODY_BYTES {
        let refusal = welfare_auth::exchange::BodyRefusal::TooLarge {
            max_bytes: MAX_BODY_BYTES,
        };
        return problem::problem(
            refusal.status(),
            refusal.slug(),
            refusal.title(),
            Some(refusal.detail()),
        );
    }
    // The gateway's strict reading of the body (`welfare_auth::exchange::check_body`).
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
        method: route.method,
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
                    .and_then(|v| v.as_str())
                    .map(|v| (h.to_string(), v.to_string()))
            })
            .collect(),
        body: req.body().to_vec(),
        principal: gate::wit_principal(&admitted.principal),
        subject: admitted.subject.clone(),
        received_at: jiff::Timestamp::now().to_string(),
    };
    uow::begin(&manifest.name, false);
    let answer = domain::handle(&request);
    if !(200..500).contains(&answer.status) {
        // A failing (or nonsensical) status discards the request's writes and events.
        uow::rollback();
        if !(100..600).contains(&answer.status) {
            return problem::problem(
                500,
                "component-fault",
                "The service answered incorrectly.",
                None,
            );
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
                CommitError::Conflict => problem::problem(
                    409,
                    "conflict",
                    "A concurrent request changed the same data.",
                    Some("Nothing was saved; read the resource again and retry.".into()),
                ),
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
    if req.method() != &spin_sdk::http::Method::Post {
        return Ok(None);
    }
    let Some(raw) = req.header(IDEMPOTENCY_KEY) else {
        if required {
            return Err(problem::problem(
                400,
                "idempotency-key-required",
                "This request creates something: send an Idempotency-Key header.",
                Some("Use a new random value (for example a UUID) per operation, and the same value when retrying it.".into()),
            ));
        }
        return Ok(None);
    };
    if is_anonymous(admitted) {
        let (kind, title, detail) = ANONYMOUS_IDEMPOTENCY_KEY;
        return Err(problem::problem(400, kind, title, Some(detail.into())));
    }
    let key = raw
        .as_str()
        .filter(|k| valid_idempotency_key(k))
        .ok_or_else(|| {
            problem::bad_request(
                "invalid-idempotency-key",
                "An Idempotency-Key is 1 to 255 printable ASCII characters.",
            )
        })?;
    let scope = match &admitted.subject {
        Some(s) => format!("{}|{s}", admitted.principal.scope()),
        None => admitted.principal.scope(),
    };
    let path = req.path_and_query().unwrap_or("/");
    Ok(Some(Keyed {
        scope,
        key: key.to_string(),
        fingerprint: request_fingerprint("POST", path, req.body()),
    }))
}

/// The recorded answer for a repeated key, or 422 when the key named another request (with
/// the request `fingerprint`).
fn replay(fingerprint: &str, answer: RecordedAnswer) -> Response {
    if answer.fingerprint != fingerprint {
        return problem::problem(
            422,
            "idempotency-key-reused",
            "This Idempotency-Key was used for another request.",
            Some("Use a new key for a new request.".into()),
        );
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
