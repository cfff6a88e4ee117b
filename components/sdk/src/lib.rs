//! The guest side of the `welfare:platform` contract: what a domain component is built with, so
//! that the component itself is mostly domain code.
//!
//! # Layout
//! - [`bindings`]: the generated WIT bindings (private generator, public types) and the
//!   `export_domain!` macro a component uses to export itself.
//! - [`router`]: the route table that yields both the manifest (`describe`) and the dispatch
//!   (`handle`), so the two can never disagree.
//! - [`http`]: the request wrapper ([`Ctx`]), JSON responses and RFC 9457 problem details.
//! - [`store`]: typed, versioned JSON documents over the `store` capability.
//! - [`events`]: publishing JSON events.
//! - [`dates`]: ages, birth dates from fiscal codes and other calendar arithmetic.
//! - [`ids`]: sortable random identifiers.
//! - [`yearly`]: rule parameters shipped as one TOML file per year.
//! - [`money`]: euro cents and the one rounding rule every domain uses.
//! - [`reasons`]: refusal and eligibility reasons with stable codes, worded in the citizen's
//!   language (`Accept-Language`: Italian, or English).
//! - [`region`]: the twenty Italian regions.
//! - [`life_events`]: the civil registry's events (births, deaths, moves): topics and payloads.
//! - [`segments`]: seed 003's user segments, the vocabulary of every summary's `segments`.
//! - `strict_json`: the hosts' strict reading of JSON bodies, applied again by [`Ctx::json`].

pub mod bindings;
pub mod dates;
pub mod events;
pub mod http;
pub mod ids;
pub mod life_events;
pub mod money;
pub mod reasons;
pub mod region;
pub mod router;
pub mod segments;
pub mod store;
/// The hosts' strict JSON rule, the very file `welfare-auth` compiles (this crate does not
/// depend on `welfare-auth`, which would bring token verification into every component).
#[path = "../../auth/src/strict_json.rs"]
mod strict_json;
pub mod yearly;

pub use bindings::welfare::platform::types::{
    Event, LevelOfAssurance, Manifest, Method, Principal, PrincipalKind, Request, Response,
    SubjectKind,
};
pub use http::{Ctx, FieldError, HandlerResult, Problem, json, json_in};
pub use router::{RouteSpec, Router};

/// A domain whose routes are not built yet: it loads, describes itself with no routes, holds
/// nothing for the dossier and accepts no events. Each placeholder is replaced by its domain's
/// issue; keeping it loaded proves the component builds and links against the contract.
#[macro_export]
macro_rules! placeholder_domain {
    ($name:literal) => {
        struct Placeholder;

        impl $crate::bindings::exports::welfare::platform::domain::Guest for Placeholder {
            fn describe() -> $crate::Manifest {
                $crate::Router {
                    name: $name,
                    version: env!("CARGO_PKG_VERSION"),
                    subscriptions: &[],
                    routes: Vec::new(),
                }
                .manifest()
            }

            fn handle(_req: $crate::Request) -> $crate::Response {
                $crate::Problem::not_found("route").into_response()
            }

            fn on_event(event: $crate::Event) -> Result<(), String> {
                Err(format!("{} subscribes to nothing, yet got {}", $name, event.topic))
            }

            fn summary(
                _subject: String,
            ) -> Result<Option<Vec<u8>>, $crate::bindings::welfare::platform::types::Error> {
                Ok(None)
            }
        }

        $crate::bindings::export_domain!(Placeholder with_types_in $crate::bindings);
    };
}
