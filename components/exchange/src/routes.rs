//! Route lookup by manifest: a request's method and path against the route templates the
//! components declared (`{placeholder}` segments, matched by matchit), giving the route and
//! its parameters, a 405 with the methods the path takes (`Allow`), or a 404.
//!
//! Generic over the method type (the gateway's `http::Method`, the WIT `method` on Spin) and
//! over what a route leads to (the gateway's component and route, a borrowed WIT route on
//! Spin), so that both hosts match with this one table.

/// Routes by template, and per template by method, in the order they were added.
pub struct RouteTable<M, T> {
    router: matchit::Router<usize>,
    /// One entry per template, in [`Self::templates`]' order.
    entries: Vec<Vec<(M, T)>>,
    templates: Vec<String>,
}

impl<M, T> Default for RouteTable<M, T> {
    fn default() -> Self {
        Self {
            router: matchit::Router::new(),
            entries: Vec::new(),
            templates: Vec::new(),
        }
    }
}

/// Why a route could not be added.
#[derive(Debug, PartialEq, Eq)]
pub enum AddError<'a, T> {
    /// The same method and template were added before, leading to this.
    Taken(&'a T),
    /// The router cannot tell the template from one added before (`with`, the first route of
    /// the template it collides with, when the router names one), or refuses it outright.
    Conflict { with: Option<&'a T>, reason: String },
}

/// What a request's method and path name.
#[derive(Debug, PartialEq, Eq)]
pub enum Lookup<'a, M, T> {
    /// The route, with the template's parameters percent-decoded (`a%20b` is `a b`), on every
    /// host alike; bytes that are not UTF-8 once decoded become U+FFFD.
    Found {
        target: &'a T,
        params: Vec<(String, String)>,
    },
    /// The path is declared under other methods, in the order they were added (for `Allow`).
    MethodNotAllowed(Vec<&'a M>),
    NotFound,
}

impl<M: PartialEq, T> RouteTable<M, T> {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds the route `method` `template` leading to `target`. A refused route leaves the
    /// table as it was.
    pub fn add(&mut self, template: &str, method: M, target: T) -> Result<(), AddError<'_, T>> {
        if let Some(i) = self.templates.iter().position(|t| t == template) {
            if let Some(at) = self.entries[i].iter().position(|(m, _)| *m == method) {
                return Err(AddError::Taken(&self.entries[i][at].1));
            }
            self.entries[i].push((method, target));
            return Ok(());
        }
        let index = self.entries.len();
        if let Err(e) = self.router.insert(template, index) {
            let with = match &e {
                matchit::InsertError::Conflict { with } => self
                    .templates
                    .iter()
                    .position(|t| t == with)
                    .and_then(|i| self.entries[i].first())
                    .map(|(_, t)| t),
                _ => None,
            };
            return Err(AddError::Conflict {
                with,
                reason: e.to_string(),
            });
        }
        self.templates.push(template.to_string());
        self.entries.push(vec![(method, target)]);
        Ok(())
    }

    /// The route of `method` (`None`: a method no route can have) `path`.
    pub fn lookup(&self, method: Option<&M>, path: &str) -> Lookup<'_, M, T> {
        let Ok(matched) = self.router.at(path) else {
            return Lookup::NotFound;
        };
        let entry = &self.entries[*matched.value];
        match entry.iter().find(|(m, _)| Some(m) == method) {
            Some((_, target)) => Lookup::Found {
                target,
                params: matched
                    .params
                    .iter()
                    .map(|(k, v)| {
                        let v = percent_encoding::percent_decode_str(v).decode_utf8_lossy();
                        (k.to_string(), v.into_owned())
                    })
                    .collect(),
            },
            None => Lookup::MethodNotAllowed(entry.iter().map(|(m, _)| m).collect()),
        }
    }
}

/// The `Allow` header of a 405 (also its detail, [`crate::refusal::allowed_detail`]): the
/// method names, comma-separated, with `HEAD` after `GET`: no route declares `HEAD`, and both
/// hosts route and handle it as `GET` (RFC 9110 §9.3.2: the same answer, whose content their
/// HTTP server leaves out).
pub fn allow<'a>(methods: impl IntoIterator<Item = &'a str>) -> String {
    let mut names = Vec::new();
    for m in methods {
        names.push(m);
        if m == "GET" {
            names.push("HEAD");
        }
    }
    names.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable<&'static str, u32> {
        let mut t = RouteTable::new();
        t.add("/api/v1/x/items", "GET", 1).unwrap();
        t.add("/api/v1/x/items", "POST", 2).unwrap();
        t.add("/api/v1/x/items/{id}", "GET", 3).unwrap();
        t.add("/api/v1/x/items/{id}/notes/{note}", "DELETE", 4)
            .unwrap();
        t
    }

    #[test]
    fn a_declared_method_and_path_find_their_route() {
        let t = table();
        assert_eq!(
            t.lookup(Some(&"POST"), "/api/v1/x/items"),
            Lookup::Found {
                target: &2,
                params: vec![]
            }
        );
        assert_eq!(
            t.lookup(Some(&"DELETE"), "/api/v1/x/items/a%20b/notes/7"),
            Lookup::Found {
                target: &4,
                params: vec![("id".into(), "a b".into()), ("note".into(), "7".into())]
            }
        );
    }

    #[test]
    fn head_is_allowed_beside_get_only() {
        let t = table();
        // A path with no GET does not take HEAD either.
        let Lookup::MethodNotAllowed(allowed) = t.lookup(Some(&"PUT"), "/api/v1/x/items/9/notes/1")
        else {
            panic!("a 405");
        };
        assert_eq!(allow(allowed.into_iter().copied()), "DELETE");
    }

    #[test]
    fn another_method_is_a_405_listing_the_paths_methods() {
        let t = table();
        let Lookup::MethodNotAllowed(allowed) = t.lookup(Some(&"PUT"), "/api/v1/x/items") else {
            panic!("not a 405");
        };
        assert_eq!(allow(allowed.into_iter().copied()), "GET, HEAD, POST");
        // A method no route can have (HEAD on Spin's WIT) is refused the same way.
        assert_eq!(
            t.lookup(None, "/api/v1/x/items/1"),
            Lookup::MethodNotAllowed(vec![&"GET"])
        );
    }

    #[test]
    fn an_undeclared_path_is_a_404() {
        let t = table();
        for path in ["/api/v1/x", "/api/v1/x/items/1/2", "/nowhere", ""] {
            assert_eq!(t.lookup(Some(&"GET"), path), Lookup::NotFound, "{path}");
        }
    }

    #[test]
    fn routes_the_router_cannot_tell_apart_are_refused() {
        let mut t = table();
        assert_eq!(t.add("/api/v1/x/items", "GET", 9), Err(AddError::Taken(&1)));
        let Err(AddError::Conflict { with, reason }) = t.add("/api/v1/x/items/{other}", "PUT", 9)
        else {
            panic!("not a conflict");
        };
        assert_eq!(with, Some(&3));
        assert!(!reason.is_empty());
        // The refused routes left nothing behind.
        assert_eq!(
            t.lookup(Some(&"PUT"), "/api/v1/x/items/1"),
            Lookup::MethodNotAllowed(vec![&"GET"])
        );
        assert_eq!(
            t.lookup(Some(&"GET"), "/api/v1/x/items"),
            Lookup::Found {
                target: &1,
                params: vec![]
            }
        );
    }
}
