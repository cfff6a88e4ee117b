//! What a delegation lets an intermediary do: `<domain>:read` or `<domain>:act` scopes, and the
//! access a request's method needs.

use serde::Serialize;

/// What a scope lets the intermediary do in a domain: `act` includes `read`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Access {
    Read,
    Act,
}

impl Access {
    /// Reading is what `GET` does; every other method acts.
    pub fn of_method(method: &http::Method) -> Self {
        if method == http::Method::GET || method == http::Method::HEAD {
            Access::Read
        } else {
            Access::Act
        }
    }

    fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::Act => "act",
        }
    }
}

/// `<domain>:read` or `<domain>:act`, the domain being a component's name.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Scope {
    domain: String,
    access: Access,
}

impl Scope {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let (domain, access) = raw
            .split_once(':')
            .ok_or_else(|| format!("{raw:?} is not `<domain>:read` or `<domain>:act`"))?;
        let access = match access {
            "read" => Access::Read,
            "act" => Access::Act,
            _ => return Err(format!("{raw:?}: the access is `read` or `act`")),
        };
        if domain.is_empty() {
            return Err(format!("{raw:?} names no domain"));
        }
        Ok(Self {
            domain: domain.to_string(),
            access,
        })
    }

    pub fn domain(&self) -> &str {
        &self.domain
    }

    /// Whether this scope lets the intermediary do `access` in `domain`.
    pub fn covers(&self, domain: &str, access: Access) -> bool {
        self.domain == domain && (self.access == Access::Act || access == Access::Read)
    }
}

/// `scopes` sorted, each once, and a domain's `read` dropped where its `act` (which includes
/// it) is there too.
pub fn widest(mut scopes: Vec<Scope>) -> Vec<Scope> {
    scopes.sort();
    scopes.dedup();
    let acts: Vec<String> = scopes
        .iter()
        .filter(|s| s.access == Access::Act)
        .map(|s| s.domain.clone())
        .collect();
    scopes.retain(|s| s.access == Access::Act || !acts.contains(&s.domain));
    scopes
}

impl std::fmt::Display for Scope {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.domain, self.access.as_str())
    }
}

impl Serialize for Scope {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_cover_reading_and_acting() {
        let read = Scope::parse("disability:read").unwrap();
        let act = Scope::parse("disability:act").unwrap();
        let cases = [
            (&read, "disability", Access::Read, true),
            (&read, "disability", Access::Act, false),
            (&act, "disability", Access::Read, true),
            (&act, "disability", Access::Act, true),
            (&act, "income-support", Access::Read, false),
        ];
        for (scope, domain, access, expected) in cases {
            assert_eq!(
                scope.covers(domain, access),
                expected,
                "{scope} {domain} {access:?}"
            );
        }
        for bad in ["disability", "disability:write", ":read", "disability:"] {
            assert!(Scope::parse(bad).is_err(), "{bad}");
        }
    }
}
