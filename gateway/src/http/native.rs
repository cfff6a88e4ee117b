//! What the gateway's own API handlers share: the request id, the bounded body, JSON answers
//! that are never cached, and the gate in front of them.

use axum::body::{Body, Bytes};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::App;
use crate::problem::{FieldError, Problem};

pub fn request_id(parts: &Parts) -> String {
    parts
        .headers
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

/// The request body, at most `http.max_body_bytes`, arrived within `http.body_timeout_ms`
/// of its head ([`super::serve::DeadlineBody`]).
pub async fn read_body(app: &App, body: Body) -> Result<Bytes, Problem> {
    axum::body::to_bytes(body, app.config.http.max_body_bytes)
        .await
        .map_err(|e| {
            if super::serve::body_timed_out(&e) {
                return Problem::new(
                    StatusCode::REQUEST_TIMEOUT,
                    "body-timeout",
                    "The request body did not arrive in time.",
                )
                .detail(format!(
                    "The whole body must arrive within {} ms of the request head.",
                    app.config.http.body_timeout_ms
                ))
                // As below: the rest of the body will not be read.
                .header(header::CONNECTION, "close");
            }
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
        })
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

/// A JSON answer carrying personal data: never cached.
pub fn json(status: StatusCode, value: &Value) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        serde_json::to_vec(value).expect("serialising JSON"),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
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
