//! The guest side of the `welfare:platform` contract: what a domain component is built with, so
//! that the component itself is mostly domain code.
//!
//! # Layout
//! - [`audience`]: who a route admits, the presets every domain declares its routes with.
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
//! - [`preconditions`]: `If-Match` against a document's version, as RFC 9110 says.
//! - [`reasons`]: refusal and eligibility reasons with stable codes, worded in the citizen's
//!   language (`Accept-Language`: Italian, or English).
//! - [`region`]: the twenty Italian regions.
//! - [`life_events`]: the civil registry's events (births, deaths, moves): topics and payloads.
//! - [`segments`]: seed 003's user segments, the vocabulary of every summary's `segments`.
//! - `strict_json`: the hosts' strict reading of JSON bodies, applied again by [`Ctx::json`].

pub mod audience;
pub mod bindings;
pub mod dates;
pub mod events;
pub mod http;
pub mod ids;
pub mod life_events;
pub mod money;
pub mod preconditions;
pub mod reasons;
pub mod region;
pub mod router;
pub mod segments;
pub mod store;
/// The hosts' strict JSON rule, the very file `welfare-exchange` compiles (this crate does not
/// depend on `welfare-exchange`, whose `welfare-auth` would bring token verification into
/// every component).
#[path = "../../exchange/src/strict_json.rs"]
mod strict_json;
pub mod yearly;

pub use bindings::welfare::platform::types::{
    Event, LevelOfAssurance, Manifest, Method, Principal, PrincipalKind, Request, Response,
    SubjectKind,
};
pub use http::{Ctx, FieldError, HandlerResult, Problem, json, json_in};
pub use router::{RouteSpec, Router};
