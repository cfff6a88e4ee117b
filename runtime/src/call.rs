//! A request as the host hands it to a component's `handle`, and the component's answer, in
//! host types: the hosts never build the generated bindings' types, which stay the runtime's.

use http::Method;
use welfare_auth::Principal;

use crate::bindings::types;
use crate::manifest::wit;

/// One API request for a component, after the gate.
#[derive(Debug, Clone)]
pub struct Call {
    pub request_id: String,
    /// One of the methods a route may declare (the manifests are checked for it).
    pub method: Method,
    /// The route template that matched, as declared.
    pub route: String,
    pub path: String,
    /// The template's parameters, percent-decoded.
    pub params: Vec<(String, String)>,
    pub query: Vec<(String, String)>,
    /// The forwarded request headers (`welfare_exchange::FORWARDED_HEADERS`).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub principal: Principal,
    /// An intermediary's: the person or company it acts for, and the delegation's scopes.
    pub delegated: Option<(String, Vec<String>)>,
    /// The person or company the request is about, as far as the host vouches for it.
    pub subject: Option<String>,
    /// RFC 3339, UTC.
    pub received_at: String,
}

/// A component's answer to a [`Call`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    /// As the component set them; the host keeps only the allowed ones.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl From<Call> for types::Request {
    fn from(c: Call) -> Self {
        let (acting_for, scopes) = c.delegated.unzip();
        Self {
            request_id: c.request_id,
            method: wit::wit_method(c.method.as_str())
                .expect("a route's method is one the contract has"),
            route: c.route,
            path: c.path,
            params: c.params,
            query: c.query,
            headers: c.headers,
            body: c.body,
            principal: wit::wit_principal(&c.principal, acting_for, scopes.unwrap_or_default()),
            subject: c.subject,
            received_at: c.received_at,
        }
    }
}

impl From<types::Response> for Answer {
    fn from(r: types::Response) -> Self {
        Self {
            status: r.status,
            headers: r.headers,
            body: r.body,
        }
    }
}
