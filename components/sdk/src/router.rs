//! The route table: one declaration per route yields the manifest entry the gateway enforces and
//! the handler it dispatches to.

use crate::bindings::welfare::platform::types::{
    LevelOfAssurance, Manifest, Method, PrincipalKind, Request, Response, Route, SubjectKind,
};
use crate::http::{Ctx, HandlerResult};

type Handler = fn(&Ctx) -> HandlerResult;

/// How one route is declared.
pub struct RouteSpec {
    pub method: Method,
    pub path: &'static str,
    pub principals: &'static [PrincipalKind],
    pub roles: &'static [&'static str],
    pub min_level: Option<LevelOfAssurance>,
    /// The kind of subject the route is about; [`SubjectKind::Person`] unless declared, so a
    /// route that forgets to say refuses companies rather than admitting them.
    pub subject: SubjectKind,
    pub idempotency_key_required: bool,
    pub summary: &'static str,
    pub request_schema: Option<&'static str>,
    pub response_schema: Option<&'static str>,
    pub handler: Handler,
}

impl RouteSpec {
    /// A route with no policy yet: admits nobody until `principals` is set.
    pub const fn new(
        method: Method,
        path: &'static str,
        summary: &'static str,
        handler: Handler,
    ) -> Self {
        Self {
            method,
            path,
            principals: &[],
            roles: &[],
            min_level: None,
            subject: SubjectKind::Person,
            idempotency_key_required: false,
            summary,
            request_schema: None,
            response_schema: None,
            handler,
        }
    }
}

/// The component's routes, its name and version, and its subscriptions.
pub struct Router {
    pub name: &'static str,
    pub version: &'static str,
    pub subscriptions: &'static [&'static str],
    pub routes: Vec<RouteSpec>,
}

impl Router {
    /// The manifest `describe` returns.
    pub fn manifest(&self) -> Manifest {
        Manifest {
            name: self.name.into(),
            version: self.version.into(),
            subscriptions: self.subscriptions.iter().map(|s| s.to_string()).collect(),
            routes: self
                .routes
                .iter()
                .map(|r| Route {
                    method: r.method,
                    path: r.path.into(),
                    principals: r.principals.to_vec(),
                    roles: r.roles.iter().map(|s| s.to_string()).collect(),
                    min_level: r.min_level,
                    subject: r.subject,
                    idempotency_key_required: r.idempotency_key_required,
                    summary: r.summary.into(),
                    request_schema: r.request_schema.map(Into::into),
                    response_schema: r.response_schema.map(Into::into),
                })
                .collect(),
        }
    }

    /// Runs the handler the gateway routed to (it sends the matched template in `route`).
    pub fn dispatch(&self, req: Request) -> Response {
        let found = self
            .routes
            .iter()
            .find(|r| r.method == req.method && r.path == req.route);
        // Problems name the request in `instance`, as the hosts' own do.
        let request_id = req.request_id.clone();
        match found {
            Some(route) => match (route.handler)(&Ctx::new(req)) {
                Ok(response) => response,
                Err(problem) => problem.for_request(&request_id).into_response(),
            },
            None => crate::Problem::new(404, "not-found", "No such route in this component.")
                .for_request(&request_id)
                .into_response(),
        }
    }
}
