//! RFC 9457 problem details for the failures the native host itself answers (routing, auth,
//! limits, idempotency, component faults). Components build their own with `welfare-guest`,
//! with the same `urn:welfare:problem:<slug>` types.
//!
//! Its own crate because every host capability below the gateway (the gate, delegations, the
//! registries) refuses with one, and none of them may depend on the gateway.
//!
//! # Layout
//! - [`Problem`]: the document, its headers, and the answers every capability shares
//!   ([`Problem::unauthorized`], [`Problem::forbidden`], [`Problem::invalid`],
//!   [`Problem::store_unavailable`]); an axum response.
//! - [`FieldError`]: one field at fault, in the shape the components use.

use axum_core::response::{IntoResponse, Response};
use http::{HeaderValue, StatusCode, header};
use serde::Serialize;

pub const PROBLEM_JSON: &str = "application/problem+json";

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance: Option<String>,
    /// The fields at fault, as components report them (`{field, message}`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
    #[serde(skip)]
    headers: Vec<(header::HeaderName, HeaderValue)>,
}

impl Problem {
    pub fn new(status: StatusCode, slug: &str, title: impl Into<String>) -> Self {
        Self {
            kind: format!("urn:welfare:problem:{slug}"),
            title: title.into(),
            status: status.as_u16(),
            detail: None,
            instance: None,
            errors: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub fn detail(mut self, detail: impl Into<String>) -> Self {
        self.detail = Some(detail.into());
        self
    }

    pub fn header(mut self, name: header::HeaderName, value: &'static str) -> Self {
        self.headers.push((name, HeaderValue::from_static(value)));
        self
    }

    /// A header whose value is computed (a `Retry-After` in seconds).
    pub fn set_header(&mut self, name: header::HeaderName, value: HeaderValue) {
        self.headers.push((name, value));
    }

    pub fn status(&self) -> StatusCode {
        StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
    }

    /// 401 with the RFC 6750 challenge: the token is missing or not acceptable (the Spin
    /// adapter's answer too, `welfare_exchange::refusal::UNAUTHORIZED`).
    pub fn unauthorized(detail: impl Into<String>) -> Self {
        let r = welfare_exchange::refusal::UNAUTHORIZED;
        let (name, value) = r.header.expect("the RFC 6750 challenge");
        Self::new(StatusCode::UNAUTHORIZED, r.slug, r.title)
            .detail(detail)
            .header(header::HeaderName::from_static(name), value)
    }

    /// 403 (`welfare_exchange::refusal::FORBIDDEN`, as on Spin).
    pub fn forbidden(detail: impl Into<String>) -> Self {
        let r = welfare_exchange::refusal::FORBIDDEN;
        Self::new(StatusCode::FORBIDDEN, r.slug, r.title).detail(detail)
    }

    pub fn bad_request(slug: &str, title: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, slug, title)
    }

    /// 400 naming the fields at fault, in the shape the components use.
    pub fn invalid(errors: Vec<FieldError>) -> Self {
        let mut p = Self::new(
            StatusCode::BAD_REQUEST,
            "validation",
            "Some fields are not valid.",
        );
        p.errors = errors;
        p
    }

    /// 503 when the store fails: nothing was saved, and a retry shortly is the right move
    /// (`welfare_exchange::refusal::STORE_UNAVAILABLE`, as on Spin). The error itself is
    /// logged, never shown (it may name tables or hosts).
    pub fn store_unavailable(error: &dyn std::fmt::Display) -> Self {
        tracing::error!(error = %error, "store failure");
        Self::from(welfare_exchange::refusal::STORE_UNAVAILABLE)
    }

    /// 400 for one field.
    pub fn invalid_field(field: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![FieldError {
            field: field.into(),
            message: message.into(),
        }])
    }
}

/// A refusal both hosts answer alike ([`welfare_exchange::refusal`]): its status, slug and
/// title, its fixed detail and header.
impl From<welfare_exchange::Refusal> for Problem {
    fn from(r: welfare_exchange::Refusal) -> Self {
        let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut problem = Problem::new(status, r.slug, r.title);
        if let Some(detail) = r.detail {
            problem = problem.detail(detail);
        }
        if let Some((name, value)) = r.header {
            problem = problem.header(header::HeaderName::from_static(name), value);
        }
        problem
    }
}

/// One field at fault in a request body: its JSON path and what is wrong with it.
#[derive(Debug, Clone, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let status = self.status();
        let body = serde_json::to_vec(&self).unwrap_or_default();
        let mut response = (status, body).into_response();
        let headers = response.headers_mut();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(PROBLEM_JSON));
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        for (name, value) in self.headers {
            headers.insert(name, value);
        }
        response
    }
}
