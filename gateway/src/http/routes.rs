//! The table of component routes, built once at start-up from the manifests. Two components
//! claiming the same method and path, or paths the router cannot tell apart, stop the start
//! with an error naming both. The matching is the one the Spin adapter uses
//! (`welfare_exchange::routes`), which percent-decodes path parameters for both hosts.

use std::sync::Arc;

use anyhow::bail;
use axum::http::Method;

use welfare_exchange::routes::{self, AddError};

use crate::runtime::Loaded;
use crate::runtime::manifest::Route;

use crate::runtime::manifest::RESERVED_NAMES;

/// Paths the gateway answers itself outside `/api/v1/<reserved name>/`: no component may
/// declare them.
pub const NATIVE_PATHS: &[&str] = &[super::interop::LIFE_EVENTS, super::interop::REGISTRY_SEARCH];

/// Where a request goes.
#[derive(Clone)]
pub struct Target {
    pub component: Arc<Loaded>,
    index: usize,
}

impl Target {
    pub fn route(&self) -> &Route {
        &self.component.manifest.routes[self.index]
    }
}

pub enum Lookup<'a> {
    Found {
        target: &'a Target,
        /// Percent-decoded.
        params: Vec<(String, String)>,
    },
    MethodNotAllowed(Vec<&'a Method>),
    NotFound,
}

/// Every component's routes, in the table both hosts route with
/// ([`welfare_exchange::routes`]).
#[derive(Default)]
pub struct RouteTable {
    table: routes::RouteTable<Method, Target>,
}

impl RouteTable {
    pub fn build<'a>(components: impl Iterator<Item = &'a Arc<Loaded>>) -> anyhow::Result<Self> {
        let mut table = Self::default();
        for component in components {
            let name = &component.manifest.name;
            if RESERVED_NAMES.contains(&name.as_str()) {
                bail!("the component name {name:?} is reserved for the platform's own routes");
            }
            for (index, route) in component.manifest.routes.iter().enumerate() {
                if NATIVE_PATHS.contains(&route.path.as_str()) {
                    bail!(
                        "the component {name:?} declares {}, which the platform answers itself",
                        route.path
                    );
                }
                let target = Target {
                    component: component.clone(),
                    index,
                };
                table.add(&route.path, route.method.clone(), target)?;
            }
        }
        Ok(table)
    }

    fn add(&mut self, path: &str, method: Method, target: Target) -> anyhow::Result<()> {
        let name = target.component.manifest.name.clone();
        let shown = method.clone();
        match self.table.add(path, method, target) {
            Ok(()) => Ok(()),
            Err(AddError::Taken(existing)) => bail!(
                "the components {:?} and {name:?} both declare {shown} {path}",
                existing.component.manifest.name
            ),
            Err(AddError::Conflict { with, reason }) => {
                let owner = with
                    .map(|t| t.component.manifest.name.clone())
                    .unwrap_or_default();
                bail!(
                    "the route {shown} {path} of the component {name:?} conflicts with a route of {owner:?}: {reason}"
                )
            }
        }
    }

    pub fn lookup(&self, method: &Method, path: &str) -> Lookup<'_> {
        match self.table.lookup(Some(method), path) {
            routes::Lookup::Found { target, params } => Lookup::Found { target, params },
            routes::Lookup::MethodNotAllowed(allowed) => Lookup::MethodNotAllowed(allowed),
            routes::Lookup::NotFound => Lookup::NotFound,
        }
    }
}
