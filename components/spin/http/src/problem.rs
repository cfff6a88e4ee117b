//! RFC 9457 problem details, with the gateway's `urn:welfare:problem:<slug>` types, so that a
//! client cannot tell which host answered a refusal: the refusals both hosts answer are
//! `welfare_exchange::refusal`'s, rendered here.

use std::cell::RefCell;

use serde_json::json;
use spin_sdk::http::Response;
use welfare_exchange::Refusal;
use welfare_exchange::refusal::{FORBIDDEN, STORE_UNAVAILABLE, UNAUTHORIZED};

pub const PROBLEM_JSON: &str = "application/problem+json";

thread_local! {
    /// The request being answered: the adapter's own problems name it in `instance`, as the
    /// gateway's do (a domain's problems are passed on as the domain wrote them).
    static REQUEST_ID: RefCell<String> = const { RefCell::new(String::new()) };
}

/// Records the id of the request this instance answers.
pub fn set_request_id(id: &str) {
    REQUEST_ID.with_borrow_mut(|r| id.clone_into(r));
}

/// A problem response: `status`, `slug`, `title` and an optional `detail`.
pub fn problem(status: u16, slug: &str, title: &str, detail: Option<String>) -> Response {
    let mut body = json!({
        "type": format!("urn:welfare:problem:{slug}"),
        "title": title,
        "status": status,
    });
    if let Some(detail) = detail {
        body["detail"] = detail.into();
    }
    REQUEST_ID.with_borrow(|id| {
        if !id.is_empty() {
            body["instance"] = id.as_str().into();
        }
    });
    Response::builder()
        .status(status)
        .header("content-type", PROBLEM_JSON)
        .header("cache-control", "no-store")
        .body(body.to_string())
        .build()
}

/// A shared refusal, with its fixed detail (if any) and header.
pub fn refusal(r: Refusal) -> Response {
    refusal_with(r, r.detail.map(str::to_string))
}

/// A shared refusal with a `detail` of this request's.
pub fn refusal_with(r: Refusal, detail: Option<String>) -> Response {
    let mut response = problem(r.status, r.slug, r.title, detail);
    if let Some((name, value)) = r.header {
        response.set_header(name, value);
    }
    response
}

pub fn unauthorized(detail: impl Into<String>) -> Response {
    refusal_with(UNAUTHORIZED, Some(detail.into()))
}

pub fn forbidden(detail: impl Into<String>) -> Response {
    refusal_with(FORBIDDEN, Some(detail.into()))
}

/// The store could not be read or written: nothing was saved.
pub fn unavailable() -> Response {
    refusal(STORE_UNAVAILABLE)
}
