//! What passes between a host and a domain component, the same on every host: the gateway
//! (`gateway/`) and the Spin HTTP adapter (`components/spin/http`) each call these rules
//! instead of writing their own, so the two cannot drift apart. A domain served by either
//! sees the same request, and a client gets the same answer for the same refusal
//! (`tests/spin/serve/parity.rs` compares them).
//!
//! Above `welfare-auth` (who is calling, whether a route admits them): this crate takes its
//! principals and policies as given. No I/O and no HTTP types: the hosts hand over names,
//! header values and bytes, and render the answers themselves.
//!
//! # Layout
//! - this file: the map, and the items re-exported at the root;
//! - [`headers`]: the request headers a domain sees, the response headers it may set, and
//!   the headers a request may carry once only;
//! - [`body`]: the strict reading of a request body (declared JSON, one strict document);
//! - [`strict_json`]: one JSON document, no duplicate keys, no control characters (also
//!   compiled into the guest SDK);
//! - [`cors`]: the CORS lists and the allowed origin;
//! - [`routes`]: route lookup by manifest: the route and its parameters, 405 with `Allow`,
//!   or 404;
//! - [`served`]: the routes a host serves for a component, known before any request (what
//!   the Spin composer writes into `spin.toml` so that the adapter need not ask `describe`);
//! - [`idempotency`]: which requests take an `Idempotency-Key`, its scope and fingerprint;
//! - [`outcome`]: which component statuses commit, discard or count as a fault;
//! - [`refusal`]: the problems (status, slug, title) both hosts answer for the same refusal;
//! - [`wit`]: [`wit_conversions!`], the WIT route, principal, level and subject-kind
//!   conversions for either bindings generator, and the owned [`RoutePolicy`].

pub mod body;
pub mod cors;
pub mod headers;
pub mod idempotency;
pub mod outcome;
pub mod refusal;
pub mod routes;
pub mod served;
pub mod strict_json;
pub mod wit;

pub use body::{BodyRefusal, check_body, is_json_media_type};
pub use cors::{CORS_ALLOW_HEADERS, CORS_ALLOW_METHODS, CORS_EXPOSE_HEADERS, cors_allow_origin};
pub use headers::{
    ALLOWED_RESPONSE_HEADERS, FORWARDED_HEADERS, MAX_REQUEST_ID_LEN, REQUEST_ID, SINGLETON_HEADERS,
    acceptable_request_id, duplicate_singleton, forwarded_value, response_header_allowed,
};
pub use idempotency::{
    IDEMPOTENCY_KEY, MAX_IDEMPOTENCY_KEY_LEN, request_fingerprint, valid_idempotency_key,
};
pub use outcome::Outcome;
pub use refusal::Refusal;
pub use wit::RoutePolicy;

/// What [`wit_conversions!`] expands to names, reachable from any crate that uses the macro.
#[doc(hidden)]
pub mod __private {
    pub use welfare_auth as auth;
}
