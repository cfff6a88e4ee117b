//! A component's manifest as the gateway holds it, checked when the component loads: a name the
//! platform can route and namespace events by, routes inside the component's own space with
//! parseable templates and schemas, and a policy on every route.

use anyhow::{bail, ensure};
use http::Method;

use super::bindings::types;
use welfare_auth::{Level, PrincipalKind, SubjectKind};

// The WIT route, principal, level and subject-kind conversions, the Spin adapter's too.
welfare_exchange::wit_conversions!(pub(crate) mod wit for crate::bindings::types);

/// Longest component name.
const MAX_NAME: usize = 40;

#[derive(Debug, Clone, Default)]
pub struct Manifest {
    pub name: String,
    pub version: String,
    pub routes: Vec<Route>,
    pub subscriptions: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct Route {
    pub method: Method,
    pub path: String,
    /// Names of the template's `{placeholders}`, in order.
    pub params: Vec<String>,
    pub principals: Vec<PrincipalKind>,
    pub roles: Vec<String>,
    pub min_level: Option<Level>,
    /// The kind of person or company the route's requests are about.
    pub subject: SubjectKind,
    pub idempotency_key_required: bool,
    pub summary: String,
    pub request_schema: Option<serde_json::Value>,
    pub response_schema: Option<serde_json::Value>,
}

impl Route {
    /// Whether principals of `kind` may call the route.
    pub fn admits(&self, kind: PrincipalKind) -> bool {
        self.principals.contains(&kind)
    }

    /// Who may call the route, as the gate and the delegations read it.
    pub fn policy(&self) -> welfare_auth::policy::Policy<'_> {
        welfare_auth::policy::Policy {
            principals: &self.principals,
            roles: &self.roles,
            min_level: self.min_level,
            subject: self.subject,
        }
    }
}

/// Names no component may take: the platform's own event sources (`platform`, `interop`, the
/// civil registry's events it publishes), its own `/api/v1/` paths and its native event
/// consumers (the channel adapters).
pub const RESERVED_NAMES: &[&str] = &[
    "platform",
    "admin",
    "me",
    "delegations",
    "audit",
    "interop",
    // The civil registry's events the gateway publishes and its channel adapters' consumer
    // name: the gateway names them by these constants.
    LIFE_EVENTS_NAMESPACE,
    CHANNELS_CONSUMER,
];

/// The namespace of the life events the gateway publishes.
pub const LIFE_EVENTS_NAMESPACE: &str = "civil-registry";
/// The consumer name of the gateway's native channel adapters.
pub const CHANNELS_CONSUMER: &str = "channels";

fn is_name(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= MAX_NAME
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !s.starts_with('-')
        && !s.ends_with('-')
}

impl Manifest {
    pub fn check(raw: types::Manifest) -> anyhow::Result<Self> {
        ensure!(
            is_name(&raw.name),
            "the name {:?} must be 1 to {MAX_NAME} characters of a-z, 0-9 and inner dashes",
            raw.name
        );
        ensure!(
            !RESERVED_NAMES.contains(&raw.name.as_str()),
            "the name {:?} is reserved for the platform",
            raw.name
        );
        ensure!(
            !raw.version.is_empty() && raw.version.len() <= 64,
            "the version must be 1 to 64 characters"
        );
        let own = format!("/api/v1/{}/", raw.name);
        let mut routes = Vec::with_capacity(raw.routes.len());
        for r in raw.routes {
            let at = format!("{:?} {}", r.method, r.path);
            ensure!(
                r.path.starts_with(&own) || r.path.starts_with("/interop/v1/"),
                "route {at}: paths must start with {own} or /interop/v1/"
            );
            let params =
                template_params(&r.path).map_err(|e| anyhow::anyhow!("route {at}: {e}"))?;
            ensure!(!r.principals.is_empty(), "route {at} admits no principal");
            let welfare_exchange::RoutePolicy {
                principals,
                roles,
                min_level,
                subject,
            } = wit::route_policy(&r);
            ensure!(
                roles.is_empty() || principals.contains(&PrincipalKind::Operator),
                "route {at} names operator roles but does not admit operators"
            );
            ensure!(
                !(r.idempotency_key_required && principals.contains(&PrincipalKind::Anonymous)),
                "route {at} requires an Idempotency-Key but admits anonymous callers, who may not send one"
            );
            let schema =
                |s: Option<String>, which: &str| -> anyhow::Result<Option<serde_json::Value>> {
                    s.map(|s| {
                        serde_json::from_str(&s).map_err(|e| {
                            anyhow::anyhow!("route {at}: the {which} schema is not JSON: {e}")
                        })
                    })
                    .transpose()
                };
            routes.push(Route {
                method: method(r.method),
                path: r.path.clone(),
                params,
                principals,
                roles,
                min_level,
                subject,
                idempotency_key_required: r.idempotency_key_required,
                summary: r.summary,
                request_schema: schema(r.request_schema, "request")?,
                response_schema: schema(r.response_schema, "response")?,
            });
        }
        for topic in &raw.subscriptions {
            let ok = topic.split('.').count() >= 2 && topic.split('.').all(is_name);
            ensure!(
                ok,
                "the subscription {topic:?} is not a topic (`<domain>.<name>`)"
            );
        }
        Ok(Self {
            name: raw.name,
            version: raw.version,
            routes,
            subscriptions: raw.subscriptions,
        })
    }
}

/// The `{names}` of a path template; refuses empty segments and malformed placeholders.
fn template_params(path: &str) -> anyhow::Result<Vec<String>> {
    let mut params = Vec::new();
    for segment in path.trim_start_matches('/').split('/') {
        if segment.is_empty() {
            bail!("empty path segment");
        }
        if let Some(inner) = segment.strip_prefix('{') {
            let name = inner
                .strip_suffix('}')
                .ok_or_else(|| anyhow::anyhow!("unclosed placeholder {segment}"))?;
            ensure!(
                !name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "placeholder {segment} must be {{lower_snake_case}}"
            );
            ensure!(
                !params.iter().any(|p| p == name),
                "placeholder {segment} appears twice"
            );
            params.push(name.to_string());
        } else {
            ensure!(
                segment
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b)),
                "segment {segment:?} has characters a path cannot have here"
            );
        }
    }
    Ok(params)
}

pub(crate) fn method(m: types::Method) -> Method {
    Method::from_bytes(wit::method_name(m).as_bytes()).expect("an HTTP method name")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates() {
        assert_eq!(template_params("/api/v1/x/items/{id}").unwrap(), ["id"]);
        assert!(template_params("/api/v1/x//y").is_err());
        assert!(template_params("/api/v1/x/{Id}").is_err());
        assert!(template_params("/api/v1/x/{id}/{id}").is_err());
        assert!(template_params("/api/v1/x/{id").is_err());
    }

    #[test]
    fn names() {
        assert!(is_name("income-support"));
        assert!(!is_name("Income"));
        assert!(!is_name("-x"));
        assert!(!is_name(""));
    }

    #[test]
    fn reserved_names_are_refused() {
        for name in RESERVED_NAMES {
            let raw = types::Manifest {
                name: name.to_string(),
                version: "1.0.0".into(),
                routes: Vec::new(),
                subscriptions: Vec::new(),
            };
            let err = Manifest::check(raw).unwrap_err().to_string();
            assert!(err.contains("reserved"), "{name}: {err}");
        }
    }
}
