//! The routes a host serves for a component, known before any request: the part of a
//! component's manifest that routing and the gate read (method, template, who may call,
//! subject kind, whether an `Idempotency-Key` is required), without the summaries and JSON
//! Schemas that only the OpenAPI document needs.
//!
//! Why: the Spin HTTP adapter serves one domain in a fresh instance per request. Asking the
//! domain for its manifest (`describe`) on every request builds the whole manifest in the
//! domain's instance and copies it, schemas and all, across the component boundary, for
//! routes that never change for a deployment. So the composer (`welfare-spin build`) reads
//! the manifest once, at composition time, and writes [`ServedRoutes`] into the component's
//! [`VARIABLE`] in `spin.toml`; the adapter reads that variable instead.
//!
//! The variable is a component variable with a literal value (not a template of an
//! application variable), so a deployment cannot rebind it: it changes only with the
//! artifact, both written by the same build.

use serde::{Deserialize, Serialize};
use welfare_auth::policy::Policy;
use welfare_auth::{Level, PrincipalKind, SubjectKind};

/// The Spin component variable holding a component's [`ServedRoutes`] as JSON.
pub const VARIABLE: &str = "welfare_routes";

/// The HTTP methods a route may have (the WIT `method`'s cases, by their HTTP names).
pub const METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];

/// What Spin would read as the start of a template expression in a variable's value.
const TEMPLATE_OPENING: &str = "{{";

/// A component's name and the routes it serves, in the order its manifest declares them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServedRoutes {
    pub component: String,
    pub routes: Vec<ServedRoute>,
}

/// One route as routing and the gate need it (the WIT `route` without `summary`,
/// `request-schema` and `response-schema`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ServedRoute {
    /// The HTTP name, one of [`METHODS`].
    pub method: String,
    pub path: String,
    pub principals: Vec<PrincipalKind>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_level: Option<Level>,
    pub subject: SubjectKind,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub idempotency_key_required: bool,
}

impl ServedRoute {
    /// Who may call the route, for `welfare_auth::policy::authorise`.
    pub fn policy(&self) -> Policy<'_> {
        Policy {
            principals: &self.principals,
            roles: &self.roles,
            min_level: self.min_level,
            subject: self.subject,
        }
    }
}

impl ServedRoutes {
    /// The variable's value: compact JSON. Refused if it would hold `{{`, which Spin would
    /// take for a template expression (no route template or role name has one).
    pub fn to_variable(&self) -> Result<String, String> {
        self.check()?;
        let json = serde_json::to_string(self).map_err(|e| e.to_string())?;
        if json.contains(TEMPLATE_OPENING) {
            return Err(format!(
                "the routes of {} would hold {TEMPLATE_OPENING}, which Spin reads as a template",
                self.component
            ));
        }
        Ok(json)
    }

    /// Reads the variable's value, refusing a method that is not one of [`METHODS`].
    pub fn from_variable(value: &str) -> Result<Self, String> {
        let routes: Self = serde_json::from_str(value).map_err(|e| e.to_string())?;
        routes.check()?;
        Ok(routes)
    }

    fn check(&self) -> Result<(), String> {
        match self
            .routes
            .iter()
            .find(|r| !METHODS.contains(&r.method.as_str()))
        {
            Some(r) => Err(format!("{} {}: not a route method", r.method, r.path)),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn routes() -> ServedRoutes {
        ServedRoutes {
            component: "income-support".into(),
            routes: vec![
                ServedRoute {
                    method: "POST".into(),
                    path: "/api/v1/income-support/applications".into(),
                    principals: vec![PrincipalKind::Citizen, PrincipalKind::Intermediary],
                    roles: vec![],
                    min_level: Some(Level::L2),
                    subject: SubjectKind::Person,
                    idempotency_key_required: true,
                },
                ServedRoute {
                    method: "GET".into(),
                    path: "/api/v1/income-support/applications/{id}".into(),
                    principals: vec![PrincipalKind::Operator],
                    roles: vec!["officer".into()],
                    min_level: None,
                    subject: SubjectKind::Person,
                    idempotency_key_required: false,
                },
            ],
        }
    }

    #[test]
    fn the_variable_reads_back_as_written() {
        let value = routes().to_variable().unwrap();
        assert_eq!(ServedRoutes::from_variable(&value).unwrap(), routes());
        // Defaults are left out: the second route names no level and needs no key.
        assert!(!value.contains("\"min_level\":null"));
        assert_eq!(value.matches("idempotency_key_required").count(), 1);
    }

    #[test]
    fn what_spin_would_read_as_a_template_is_refused() {
        let mut r = routes();
        r.routes[1].roles = vec!["{{ secret }}".into()];
        let refused = r.to_variable().unwrap_err();
        assert!(refused.contains("template"), "{refused}");
    }

    #[test]
    fn an_unknown_method_or_field_is_refused() {
        let mut r = routes();
        r.routes[0].method = "TRACE".into();
        assert!(r.to_variable().is_err());
        let value = routes().to_variable().unwrap();
        let bent = value.replace("\"GET\"", "\"HEAD\"");
        assert_eq!(
            ServedRoutes::from_variable(&bent).unwrap_err(),
            "HEAD /api/v1/income-support/applications/{id}: not a route method"
        );
        let extra = value.replacen("\"component\"", "\"summary\":\"x\",\"component\"", 1);
        assert!(ServedRoutes::from_variable(&extra).is_err());
    }
}
