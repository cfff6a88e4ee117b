//! The table of component routes, built once at start-up from the manifests. Two components
//! claiming the same method and path, or paths the router cannot tell apart, stop the start
//! with an error naming both.

use std::sync::Arc;

use anyhow::bail;
use axum::http::Method;

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

struct PathEntry {
    methods: Vec<(Method, Target)>,
}

pub enum Lookup<'a> {
    Found {
        target: &'a Target,
        params: Vec<(String, String)>,
    },
    MethodNotAllowed(Vec<Method>),
    NotFound,
}

#[derive(Default)]
pub struct RouteTable {
    router: matchit::Router<usize>,
    entries: Vec<PathEntry>,
    templates: Vec<String>,
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
        if let Some(i) = self.templates.iter().position(|t| t == path) {
            let entry = &mut self.entries[i];
            if let Some((_, existing)) = entry.methods.iter().find(|(m, _)| *m == method) {
                bail!(
                    "the components {:?} and {name:?} both declare {method} {path}",
                    existing.component.manifest.name
                );
            }
            entry.methods.push((method, target));
            return Ok(());
        }
        let index = self.entries.len();
        if let Err(e) = self.router.insert(path, index) {
            let owner = match &e {
                matchit::InsertError::Conflict { with } => self
                    .templates
                    .iter()
                    .position(|t| t == with)
                    .and_then(|i| self.entries[i].methods.first())
                    .map(|(_, t)| t.component.manifest.name.clone())
                    .unwrap_or_default(),
                _ => String::new(),
            };
            bail!(
                "the route {method} {path} of the component {name:?} conflicts with a route of {owner:?}: {e}"
            );
        }
        self.templates.push(path.to_string());
        self.entries.push(PathEntry {
            methods: vec![(method, target)],
        });
        Ok(())
    }

    pub fn lookup(&self, method: &Method, path: &str) -> Lookup<'_> {
        let Ok(matched) = self.router.at(path) else {
            return Lookup::NotFound;
        };
        let entry = &self.entries[*matched.value];
        match entry.methods.iter().find(|(m, _)| m == method) {
            Some((_, target)) => {
                let params = matched
                    .params
                    .iter()
                    .map(|(k, v)| {
                        (
                            k.to_string(),
                            percent_encoding::percent_decode_str(v)
                                .decode_utf8_lossy()
                                .into_owned(),
                        )
                    })
                    .collect();
                Lookup::Found { target, params }
            }
            None => {
                Lookup::MethodNotAllowed(entry.methods.iter().map(|(m, _)| m.clone()).collect())
            }
        }
    }
}
