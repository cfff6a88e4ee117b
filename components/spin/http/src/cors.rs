//! CORS on Spin, by the rules the gateway's `tower-http` layer applies
//! (`welfare_exchange`'s lists): a browser app on an allowed origin gets
//! `Access-Control-Allow-Origin` and the exposed headers on every answer, and a preflight
//! (`OPTIONS` with `Access-Control-Request-Method`) is answered here, before any route: the WIT
//! has no `OPTIONS`, and no domain needs to see one.
//!
//! The allowed origins are the Spin variable `cors_origins` (JSON, the gateway's
//! `http.cors_origins`; `["*"]` by default). A variable that does not read allows none: a
//! deployment mistake keeps pages on other origins out rather than letting every one in.

use spin_sdk::http::{Method, Request, Response};
use spin_sdk::variables;
use welfare_exchange::{
    CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, cors_allow_origin,
};

/// What the answer varies by, as the gateway's layer says it.
const VARY: &str = "origin, access-control-request-method, access-control-request-headers";

fn allowed_origins() -> Vec<String> {
    variables::get("cors_origins")
        .ok()
        .and_then(|raw| serde_json::from_str(&raw).ok())
        .unwrap_or_default()
}

/// The `Access-Control-Allow-Origin` this request gets, if any.
pub fn allow_origin(req: &Request) -> Option<String> {
    let origin = req.header("origin").and_then(|v| v.as_str());
    cors_allow_origin(&allowed_origins(), origin)
}

/// Whether `req` is a CORS preflight.
pub fn is_preflight(req: &Request) -> bool {
    req.method() == &Method::Options && req.header("access-control-request-method").is_some()
}

/// The answer to a preflight: what may be sent, from where.
pub fn preflight(allow_origin: Option<&str>) -> Response {
    let mut response = Response::builder().status(200).build();
    if let Some(origin) = allow_origin {
        response.set_header("access-control-allow-origin", origin);
    }
    response.set_header("access-control-allow-methods", CORS_ALLOW_METHODS.join(","));
    response.set_header("access-control-allow-headers", CORS_ALLOW_HEADERS.join(","));
    response.set_header("vary", VARY);
    response
}

/// Adds the CORS headers of an actual (not preflight) answer.
pub fn decorate(response: &mut Response, allow_origin: Option<&str>) {
    if let Some(origin) = allow_origin {
        response.set_header("access-control-allow-origin", origin);
        response.set_header(
            "access-control-expose-headers",
            CORS_EXPOSE_HEADERS.join(","),
        );
    }
    response.set_header("vary", VARY);
}
