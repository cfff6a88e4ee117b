//! Matching a request against the routes the domain declares in its manifest, with the
//! gateway's own table (`welfare_exchange::routes`), built per request from the one
//! manifest this adapter serves.

use spin_sdk::http::{Method as HttpMethod, Response};
use welfare_exchange::refusal::{METHOD_NOT_ALLOWED, NOT_FOUND, allowed_detail};
use welfare_exchange::routes::{Lookup, RouteTable, allow};

use crate::gate::wit;
use crate::problem;
use crate::types::{Manifest, Method, Route};

/// The route of `method` `path` among `manifest`'s routes and its parameters, or the 404 or
/// 405 (with `Allow`) the gateway answers too.
pub fn lookup<'m>(
    manifest: &'m Manifest,
    method: &HttpMethod,
    path: &str,
) -> Result<(&'m Route, Vec<(String, String)>), Response> {
    let mut table = RouteTable::new();
    for route in &manifest.routes {
        // A route the table refuses (a template the router cannot tell from another, a
        // method declared twice) was refused by the gateway at start-up too; the first one
        // declared answers.
        let _ = table.add(&route.path, route.method, route);
    }
    match table.lookup(wit_method(method).as_ref(), path) {
        Lookup::Found { target, params } => Ok((*target, params)),
        Lookup::MethodNotAllowed(allowed) => {
            let allow = allow(allowed.into_iter().map(|m| wit::method_name(*m)));
            let mut r = problem::refusal_with(METHOD_NOT_ALLOWED, Some(allowed_detail(&allow)));
            r.set_header("allow", allow);
            Err(r)
        }
        Lookup::NotFound => Err(problem::refusal(NOT_FOUND)),
    }
}

/// The WIT method of a request's, if routes can have it.
pub fn wit_method(method: &HttpMethod) -> Option<Method> {
    Some(match method {
        HttpMethod::Get => Method::Get,
        HttpMethod::Post => Method::Post,
        HttpMethod::Put => Method::Put,
        HttpMethod::Patch => Method::Patch,
        HttpMethod::Delete => Method::Delete,
        _ => return None,
    })
}
