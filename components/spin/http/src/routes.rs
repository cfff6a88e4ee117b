//! Matching a request against the routes the domain declares in its manifest, with the
//! gateway's own table (`welfare_exchange::routes`), built per request from the routes the
//! composer wrote into spin.toml (`welfare_exchange::served`).

use spin_sdk::http::{Method as HttpMethod, Response};
use welfare_exchange::refusal::{METHOD_NOT_ALLOWED, NOT_FOUND, allowed_detail};
use welfare_exchange::routes::{Lookup, RouteTable, allow};
use welfare_exchange::served::{ServedRoute, ServedRoutes};

use crate::gate::wit;
use crate::problem;
use crate::types::Method;

/// The route of `method` `path` among `served`'s routes and its parameters, or the 404 or
/// 405 (with `Allow`) the gateway answers too.
pub fn lookup<'m>(
    served: &'m ServedRoutes,
    method: &HttpMethod,
    path: &str,
) -> Result<(&'m ServedRoute, Vec<(String, String)>), Response> {
    let mut table = RouteTable::new();
    for route in &served.routes {
        // A route the table refuses (a template the router cannot tell from another, a
        // method declared twice) was refused by the composer's manifest check too; the
        // first one declared answers.
        let _ = table.add(&route.path, route.method.as_str(), route);
    }
    let method = wit_method(method).map(wit::method_name);
    match table.lookup(method.as_ref(), path) {
        Lookup::Found { target, params } => Ok((*target, params)),
        Lookup::MethodNotAllowed(allowed) => {
            let allow = allow(allowed.into_iter().copied());
            let mut r = problem::refusal_with(METHOD_NOT_ALLOWED, Some(allowed_detail(&allow)));
            r.set_header("allow", allow);
            Err(r)
        }
        Lookup::NotFound => Err(problem::refusal(NOT_FOUND)),
    }
}

/// The WIT method a request is routed and handled as, if routes can have it: HEAD as GET
/// (`welfare_exchange::routes::allow`; Spin's HTTP server leaves out the content).
pub fn wit_method(method: &HttpMethod) -> Option<Method> {
    Some(match method {
        HttpMethod::Get | HttpMethod::Head => Method::Get,
        HttpMethod::Post => Method::Post,
        HttpMethod::Put => Method::Put,
        HttpMethod::Patch => Method::Patch,
        HttpMethod::Delete => Method::Delete,
        _ => return None,
    })
}
