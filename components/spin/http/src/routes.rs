//! Matching a request against the routes the domain declares in its manifest, with the same
//! `{placeholder}` templates the gateway's router uses (matchit).

use spin_sdk::http::Method as HttpMethod;

use crate::types::{Manifest, Method, Route};

/// What a request's method and path name.
pub enum Lookup<'m> {
    Found {
        route: &'m Route,
        params: Vec<(String, String)>,
    },
    /// The path exists under other methods (listed for `Allow`).
    MethodNotAllowed(Vec<&'static str>),
    NotFound,
}

/// The route of `method` `path` among `manifest`'s routes.
pub fn lookup<'m>(manifest: &'m Manifest, method: &HttpMethod, path: &str) -> Lookup<'m> {
    let mut router = matchit::Router::new();
    let mut templates: Vec<&str> = Vec::new();
    for route in &manifest.routes {
        if !templates.contains(&route.path.as_str()) {
            // A template matchit refuses was refused by the gateway at start-up too.
            if router.insert(route.path.as_str(), templates.len()).is_ok() {
                templates.push(&route.path);
            }
        }
    }
    let Ok(matched) = router.at(path) else {
        return Lookup::NotFound;
    };
    let template = templates[*matched.value];
    let params: Vec<(String, String)> = matched
        .params
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let wanted = wit_method(method);
    let mut allowed = Vec::new();
    for route in manifest.routes.iter().filter(|r| r.path == template) {
        if Some(route.method) == wanted {
            return Lookup::Found { route, params };
        }
        allowed.push(method_name(route.method));
    }
    Lookup::MethodNotAllowed(allowed)
}

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

pub fn method_name(method: Method) -> &'static str {
    match method {
        Method::Get => "GET",
        Method::Post => "POST",
        Method::Put => "PUT",
        Method::Patch => "PATCH",
        Method::Delete => "DELETE",
    }
}
