//! The HTTP adapter of a domain component on Spin: Spin's HTTP trigger (spin-sdk's
//! `#[http_component]`, `wasi:http/incoming-handler@0.2.0`) in front of the domain's
//! `welfare:platform/domain` export, doing for one domain what the gateway does for all:
//! routing by the domain's own manifest (read when the composer wrote spin.toml, not per
//! request), bearer tokens and route policy (the shared `welfare-auth` crate), idempotency
//! keys, and the commit of the request's unit of work.
//! Every rule both hosts apply alike (route lookup, headers, strict bodies, idempotency
//! scopes, status outcomes, refusals) is `welfare-exchange`'s, called here as by the gateway.
//!
//! What the gateway keeps to itself is refused here, not imitated: delegations
//! (`On-Behalf-Of`), PDND vouchers and ModI signatures need the gateway's database and
//! registries, so intermediaries acting for someone and agencies get 403 naming the gateway.
//!
//! # Layout
//! - this file: the bindings and the entry point;
//! - [`routes`]: matching a request against the routes spin.toml carries;
//! - [`gate`]: the trusted issuers from Spin variables, and who may call a route;
//! - [`serve`]: one API request through the domain, with its idempotency key and commit;
//! - [`deliver`]: `POST /_welfare/<component>/deliver`, one event delivery per call, and
//!   the `/healthz` probe;
//! - [`cors`]: the gateway's CORS rules, and the preflight answered before any route;
//! - [`problem`]: RFC 9457 answers.

mod cors;
mod deliver;
mod gate;
mod problem;
mod routes;
mod serve;

use spin_sdk::http::conversions::TryFromIncomingRequest;
use spin_sdk::http::{IncomingRequest, Request, Response};
use spin_sdk::http_component;
use spin_sdk::wit_bindgen;
use welfare_exchange::served::{ServedRoutes, VARIABLE};

wit_bindgen::generate!({
    world: "welfare:spin/http-adapter",
    path: ["../../../wit", "../wit"],
    runtime_path: "spin_sdk::wit_bindgen::rt",
    generate_all,
});

pub use welfare::platform::{domain, types};
pub use welfare::spin::unit_of_work as uow;

/// The liveness and readiness probe's path (the gateway's too).
pub const HEALTH: &str = "/healthz";

/// Largest request body, as the gateway's default `http.max_body_bytes`.
pub const MAX_BODY_BYTES: usize = 1 << 20;

/// Takes the request as it came (`IncomingRequest`) to see every header line: spin-sdk's
/// `Request` keeps one value per name, so a second `Authorization` would pass unseen.
#[http_component]
async fn handle(incoming: IncomingRequest) -> Response {
    let entries = incoming.headers().entries();
    let duplicate =
        welfare_exchange::duplicate_singleton(entries.iter().map(|(name, _)| name.as_str()));
    // The client's request id, kept by the rule the gateway keeps it by: sent once, short and
    // plain; else one of this host's own.
    let mut sent_ids = entries
        .iter()
        .filter(|(name, _)| name.eq_ignore_ascii_case(welfare_exchange::REQUEST_ID))
        .map(|(_, value)| std::str::from_utf8(value).ok());
    let client_id = match (sent_ids.next(), sent_ids.next()) {
        (Some(Some(id)), None) if welfare_exchange::acceptable_request_id(id) => {
            Some(id.to_string())
        }
        _ => None,
    };
    let req = match Request::try_from_incoming_request(incoming).await {
        Ok(req) => req,
        Err(e) => {
            eprintln!("welfare-spin-http: a request body could not be read: {e}");
            return problem::refusal(welfare_exchange::refusal::MALFORMED_BODY);
        }
    };
    let allow_origin = cors::allow_origin(&req);
    if cors::is_preflight(&req) {
        return cors::preflight(allow_origin.as_deref());
    }
    let request_id = client_id.unwrap_or_else(new_request_id);
    problem::set_request_id(&request_id);
    let mut response = if req.path() == HEALTH {
        // A probe needs no routes.
        deliver::health()
    } else {
        match served() {
            Err(refused) => refused,
            Ok(served) => match req
                .path()
                .strip_prefix("/_welfare/")
                .and_then(|p| p.strip_prefix(served.component.as_str()))
            {
                Some(rest) => deliver::route(&req, &served.component, rest),
                None => serve::serve(&req, &served, &request_id, duplicate),
            },
        }
    };
    response.set_header(welfare_exchange::REQUEST_ID, request_id);
    cors::decorate(&mut response, allow_origin.as_deref());
    response
}

/// The routes this artifact serves, as the composer read them from the domain's manifest and
/// wrote them into spin.toml (`welfare_exchange::served`): the domain is not asked on each
/// request. Without them (a spin.toml not written by `welfare-spin build`) nothing is served.
fn served() -> Result<ServedRoutes, Response> {
    let refused = |why: String| {
        eprintln!(
            "welfare-spin-http: the variable {VARIABLE} (written by `welfare-spin build` into spin.toml): {why}"
        );
        problem::problem(
            500,
            "routes-not-configured",
            "The deployment does not say which routes this component serves.",
            None,
        )
    };
    let value = spin_sdk::variables::get(VARIABLE).map_err(|e| refused(format!("{e:?}")))?;
    ServedRoutes::from_variable(&value).map_err(refused)
}

/// A request id from WASI's random source, not the clock: two requests in the same
/// nanosecond (or on two instances) never share one, and ids do not tell when they came. std's
/// `RandomState` is SipHash keyed with 128 bits the host draws from its secure source (as the
/// SDK's ids), which keeps the adapter free of extra imports.
fn new_request_id() -> String {
    use std::hash::{BuildHasher, RandomState};
    let state = RandomState::new();
    format!(
        "req_{:016x}{:016x}",
        state.hash_one(0u8),
        state.hash_one(1u8)
    )
}
