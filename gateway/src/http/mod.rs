//! The HTTP surface: platform routes answered by the gateway, everything else dispatched to the
//! component that declared it, with request ids, CORS and tracing around both.
//!
//! - [`routes`]: the component route table.
//! - [`dispatch`]: one request through a component.
//! - [`unit`]: a request's unit of work (the key, the commit, the audit record), shared by the
//!   dispatch and the native handlers that write.
//! - [`platform`]: health, readiness, metrics, OpenAPI, dead letters, running a day.
//! - [`dossier`]: `/api/v1/me`, every domain's summary composed in parallel.
//! - [`delegations`]: granting, listing, revoking delegations; paper mandates.
//! - [`audit`]: the audit trail for the person concerned and for auditors.
//! - [`interop`]: life events and the registry search, for agencies.
//! - [`native`]: what the gateway's own handlers share.
//! - [`request_id`]: the client's request id kept only when short and plain.
//! - [`serve`]: the connections: accept loop, cap, head, body and idle deadlines, shutdown.

pub mod audit;
pub mod delegations;
pub mod dispatch;
pub mod dossier;
pub mod interop;
pub mod native;
pub mod native_routes;
pub mod platform;
pub mod request_id;
pub mod routes;
pub mod serve;
pub mod unit;

pub use unit::unavailable;

use std::sync::Arc;

use axum::Router;
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderName, HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use tokio::sync::Notify;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use crate::auth::Authenticator;
use crate::config::Config;
use crate::metrics::Metrics;
use crate::runtime::Runtime;
use crate::store::Db;

/// Everything a request handler needs, shared by all requests.
pub struct App {
    pub config: Config,
    pub runtime: Arc<Runtime>,
    pub routes: routes::RouteTable,
    pub auth: Authenticator,
    pub db: Db,
    pub metrics: Arc<Metrics>,
    pub outbox_wake: Arc<Notify>,
    /// The OpenAPI document, rendered once at start-up.
    pub openapi: String,
    /// The channel adapters, handed to the event dispatcher.
    pub channels: Arc<crate::channels::Channels>,
    /// Agencies' purposes and ModI keys.
    pub interop: crate::interop::Interop,
    /// The components an intermediary may be delegated for, by the grantor's kind.
    pub delegable: crate::access::delegation::Delegable,
    /// The dossier's segments, services and news sections.
    pub catalogue: crate::proposals::Catalogue,
    /// What all anonymous callers together may write ([`crate::budget`]).
    pub anonymous_writes: crate::budget::Bucket,
    /// Log lines left for refusals of unauthenticated requests.
    pub refusal_log: crate::budget::Bucket,
}

/// Longest request path a log line shows (the gate's limit, the same for every line).
pub use crate::access::gate::LOGGED_PATH;

impl App {
    /// The gate's view of the application: what it reads, borrowed.
    pub fn gate(&self) -> crate::access::gate::Gate<'_> {
        crate::access::gate::Gate {
            db: &self.db,
            auth: &self.auth,
            interop: &self.interop,
            single_use_vouchers: self.config.interop.single_use_vouchers,
            refusal_log: &self.refusal_log,
            refusals: &*self.metrics,
        }
    }
}

pub fn router(app: Arc<App>) -> Router {
    let mut router = Router::new();
    for route in native_routes::ROUTES {
        router = router.route(route.path, route.method_router());
    }
    router
        // Only matched native routes: the components' requests are counted by `dispatch`.
        .route_layer(middleware::from_fn_with_state(app.clone(), counted))
        .method_not_allowed_fallback(platform::method_not_allowed)
        .fallback(dispatch::dispatch)
        .layer(middleware::from_fn(never_cached))
        .layer(cors(&app.config.http.cors_origins))
        .layer(PropagateRequestIdLayer::new(request_id::HEADER))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get(request_id::HEADER).and_then(|v| v.to_str().ok()).unwrap_or_default();
            // The path is the client's: cut it, so that a 30 KB path does not make every log
            // line of its request 30 KB long.
            let path = crate::budget::bounded(req.uri().path(), LOGGED_PATH);
            tracing::info_span!("request", method = %req.method(), path = %path, request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(request_id::HEADER, MakeRequestUuid))
        .layer(axum::middleware::map_request(request_id::sanitise))
        .with_state(app)
}

/// Counts an answered native request under its route's template (never the concrete path,
/// whose ids are personal), as `dispatch` counts the components'.
async fn counted(
    State(app): State<Arc<App>>,
    matched: MatchedPath,
    request: Request,
    next: Next,
) -> Response {
    let started = std::time::Instant::now();
    let method = request.method().clone();
    let response = next.run(request).await;
    app.metrics.request(
        method.as_str(),
        matched.as_str(),
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

/// Paths whose every answer is about the caller, whatever it carries: the dossier, the
/// caller's delegations and audit trail, and agencies' interoperability calls.
const PERSONAL_PATHS: &[&str] = &["/api/v1/me", "/interop/"];

/// The one place `Cache-Control: no-store` is set on answers with personal data: every answer
/// to a request that carried a token (its caller is identified, or refused), and every answer
/// on [`PERSONAL_PATHS`]. Handlers never set it themselves, so a new route, a first answer and
/// its idempotent replay cannot differ. Anonymous answers (the knowledge base, health) stay
/// cacheable; problems are never cached either way ([`crate::problem`]).
async fn never_cached(request: Request, next: Next) -> Response {
    let personal = request.headers().contains_key(header::AUTHORIZATION)
        || PERSONAL_PATHS
            .iter()
            .any(|p| request.uri().path().starts_with(p));
    let mut response = next.run(request).await;
    if personal {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

fn cors(origins: &[String]) -> CorsLayer {
    let allow_origin = if origins.iter().any(|o| o == "*") {
        AllowOrigin::any()
    } else {
        AllowOrigin::list(origins.iter().filter_map(|o| HeaderValue::from_str(o).ok()))
    };
    // The lists both hosts answer with (`welfare_exchange`).
    let names = |list: &[&'static str]| -> Vec<HeaderName> {
        list.iter().map(|h| HeaderName::from_static(h)).collect()
    };
    CorsLayer::new()
        .allow_origin(allow_origin)
        .allow_methods(
            welfare_exchange::CORS_ALLOW_METHODS
                .iter()
                .map(|m| Method::from_bytes(m.as_bytes()).expect("a method"))
                .collect::<Vec<_>>(),
        )
        .allow_headers(names(welfare_exchange::CORS_ALLOW_HEADERS))
        .expose_headers(names(welfare_exchange::CORS_EXPOSE_HEADERS))
}

#[cfg(test)]
mod tests {
    use welfare_exchange::{CORS_ALLOW_HEADERS, CORS_EXPOSE_HEADERS};

    /// The CORS lists are written once, in `welfare_exchange`, for both hosts: the
    /// gateway's own header names must be among them, or a browser app could not send or read
    /// what the gateway expects.
    #[test]
    fn the_gateways_headers_are_in_the_shared_cors_lists() {
        for sent in [
            super::dispatch::IDEMPOTENCY_KEY,
            super::dispatch::ON_BEHALF_OF,
            crate::interop::modi::SIGNATURE_HEADER,
            crate::interop::modi::TRACKING_HEADER,
            crate::interop::modi::DIGEST_HEADER,
            super::request_id::HEADER.as_str(),
        ] {
            assert!(CORS_ALLOW_HEADERS.contains(&sent), "{sent}");
        }
        for read in [
            super::unit::IDEMPOTENT_REPLAYED,
            super::request_id::HEADER.as_str(),
        ] {
            assert!(CORS_EXPOSE_HEADERS.contains(&read), "{read}");
        }
    }
}
