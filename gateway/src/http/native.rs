//! What the gateway's own API handlers share: the request id, the bounded and strictly read
//! body, singleton headers, parameters refused as problems, JSON answers.

use axum::body::{Body, Bytes};
use axum::http::{StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::App;
use crate::problem::{FieldError, Problem};

pub fn request_id(parts: &Parts) -> String {
    parts
        .headers
        .get(super::request_id::HEADER)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The request body, at most `http.max_body_bytes`, arrived within `http.body_timeout_ms`
/// of its head ([`super::serve::DeadlineBody`]), and read strictly: a body that is not
/// declared JSON is a 415, one that is not one strict JSON document a 400
/// ([`welfare_exchange::check_body`], the Spin adapter's rule too). Nothing has run yet
/// when either is refused.
pub async fn read_body(app: &App, parts: &Parts, body: Body) -> Result<Bytes, Problem> {
    let max = app.config.http.max_body_bytes;
    let bytes = axum::body::to_bytes(body, max).await.map_err(|e| {
        let too_large = std::error::Error::source(&e)
            .is_some_and(|inner| inner.is::<http_body_util::LengthLimitError>());
        let problem = if super::serve::body_timed_out(&e) {
            Problem::new(
                StatusCode::REQUEST_TIMEOUT,
                "body-timeout",
                "The request body did not arrive in time.",
            )
            .detail(format!(
                "The whole body must arrive within {} ms of the request head.",
                app.config.http.body_timeout_ms
            ))
        } else if too_large {
            // The refusal both hosts answer (`welfare_exchange`).
            let refusal = welfare_exchange::BodyRefusal::TooLarge { max_bytes: max };
            Problem::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                refusal.slug(),
                refusal.title(),
            )
            .detail(refusal.detail())
        } else {
            // A broken chunked encoding, a connection cut mid-body: the body is not what
            // the client meant to send, whatever its size.
            tracing::debug!(error = %e, "a request body could not be read");
            Problem::from(welfare_exchange::refusal::MALFORMED_BODY)
        };
        // The rest of the body is never read, so this connection cannot carry another
        // request: say so, or a client's pool may send its next request into a closing
        // connection.
        problem.header(header::CONNECTION, "close")
    })?;
    let content_type = parts
        .headers
        .get(header::CONTENT_TYPE)
        .map(|v| v.to_str().unwrap_or("(not text)"));
    welfare_exchange::check_body(content_type, &bytes).map_err(|refusal| {
        let status = StatusCode::from_u16(refusal.status()).expect("400 or 415");
        Problem::new(status, refusal.slug(), refusal.title()).detail(refusal.detail())
    })?;
    Ok(bytes)
}

/// Refuses a request whose singleton header appears twice (the gate's rule, shared).
pub use crate::access::gate::singleton_headers;

/// A path or query parameter axum could not extract (not UTF-8 once decoded, not a number),
/// as a 400 problem: handlers take their parameters as `Result`s and call this after the
/// gate, so that an anonymous caller gets its 401 first.
pub fn bad_parameter(rejection: impl std::fmt::Display) -> Problem {
    Problem::bad_request(
        "invalid-parameter",
        "A path or query parameter is not valid.",
    )
    .detail(rejection.to_string())
}

/// A JSON body, or a 400 naming where it went wrong.
pub fn parse_json<T: DeserializeOwned>(body: &[u8]) -> Result<T, Problem> {
    serde_json::from_slice(body).map_err(|e| {
        Problem::invalid(vec![FieldError {
            field: "body".into(),
            message: e.to_string(),
        }])
    })
}

/// A JSON answer (the router's `never_cached` layer marks personal ones `no-store`).
pub fn json(status: StatusCode, value: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(value).expect("serialising JSON"),
    )
        .into_response()
}

/// A problem answer carrying the request id.
pub fn problem(mut p: Problem, request_id: String) -> Response {
    p.instance = Some(request_id);
    p.into_response()
}

/// A page size from `?limit=`, between 1 and `max`.
pub fn limit(query: Option<&str>, default: usize, max: usize) -> Result<usize, Problem> {
    match query_param(query, "limit") {
        None => Ok(default),
        Some(raw) => raw
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=max).contains(n))
            .ok_or_else(|| Problem::invalid_field("limit", format!("an integer from 1 to {max}"))),
    }
}

pub fn query_param(query: Option<&str>, name: &str) -> Option<String> {
    query.and_then(|q| {
        form_urlencoded::parse(q.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    })
}
