//! The WIT records a route, a principal, a level of assurance and a subject kind are made
//! of, converted to and from `welfare-auth`'s types by one macro for both bindings
//! generators: wasmtime's `bindgen!` on the gateway (`runtime/src/manifest.rs`) and
//! wit-bindgen in the Spin HTTP adapter (`components/spin/http/src/gate.rs`). Both generate
//! the same Rust shapes from `wit/types.wit`, so the same match arms compile against either.

use welfare_auth::policy::Policy;
use welfare_auth::{Level, PrincipalKind, SubjectKind};

/// A route's policy, owned: what [`wit_conversions!`]' `route_policy` makes of a WIT route.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoutePolicy {
    pub principals: Vec<PrincipalKind>,
    pub roles: Vec<String>,
    pub min_level: Option<Level>,
    pub subject: SubjectKind,
}

impl RoutePolicy {
    /// The policy `welfare_auth::policy::authorise` checks.
    pub fn policy(&self) -> Policy<'_> {
        Policy {
            principals: &self.principals,
            roles: &self.roles,
            min_level: self.min_level,
            subject: self.subject,
        }
    }
}

/// Emits a module `$name` of conversions between the WIT `types` interface generated at
/// `$types` and `welfare-auth`'s types:
///
/// - `principal_kind`, `subject_kind`, `level`: WIT to `welfare_auth`;
/// - `wit_level`: `welfare_auth::Level` to WIT;
/// - `route_policy`: a WIT `route`'s principals, roles, minimum level and subject kind, as a
///   [`RoutePolicy`];
/// - `wit_principal`: a verified `welfare_auth::Principal` as a component sees it, an
///   intermediary's with the person it acts for and the delegation's scopes (the host's own:
///   only the gateway checks delegations);
/// - `method_name`, `wit_method`: a WIT `method` to and from its HTTP name (`"GET"`).
///
/// `$types` is resolved inside the new module, so name it from the crate root
/// (`crate::bindings::types`), not with `super::`.
///
/// ```ignore
/// welfare_exchange::wit_conversions!(pub mod wit for crate::bindings::types);
/// let policy = wit::route_policy(&route);
/// ```
#[macro_export]
macro_rules! wit_conversions {
    ($vis:vis mod $name:ident for $types:path) => {
        /// Conversions between the generated WIT types and `welfare_auth`'s
        /// (`welfare_exchange::wit_conversions!`).
        $vis mod $name {
            #![allow(dead_code)]

            use $crate::__private::auth::{
                IntermediaryKind, Level, Principal, PrincipalKind, SubjectKind,
            };
            use $types as wit;

            pub fn principal_kind(k: wit::PrincipalKind) -> PrincipalKind {
                match k {
                    wit::PrincipalKind::Anonymous => PrincipalKind::Anonymous,
                    wit::PrincipalKind::Citizen => PrincipalKind::Citizen,
                    wit::PrincipalKind::Company => PrincipalKind::Company,
                    wit::PrincipalKind::Intermediary => PrincipalKind::Intermediary,
                    wit::PrincipalKind::Agency => PrincipalKind::Agency,
                    wit::PrincipalKind::Operator => PrincipalKind::Operator,
                    wit::PrincipalKind::System => PrincipalKind::System,
                }
            }

            pub fn subject_kind(k: wit::SubjectKind) -> SubjectKind {
                match k {
                    wit::SubjectKind::Person => SubjectKind::Person,
                    wit::SubjectKind::Company => SubjectKind::Company,
                    wit::SubjectKind::Either => SubjectKind::Either,
                }
            }

            pub fn level(l: wit::LevelOfAssurance) -> Level {
                match l {
                    wit::LevelOfAssurance::Low => Level::L1,
                    wit::LevelOfAssurance::Substantial => Level::L2,
                    wit::LevelOfAssurance::High => Level::L3,
                }
            }

            pub fn wit_level(l: Level) -> wit::LevelOfAssurance {
                match l {
                    Level::L1 => wit::LevelOfAssurance::Low,
                    Level::L2 => wit::LevelOfAssurance::Substantial,
                    Level::L3 => wit::LevelOfAssurance::High,
                }
            }

            pub fn route_policy(route: &wit::Route) -> $crate::RoutePolicy {
                $crate::RoutePolicy {
                    principals: route.principals.iter().map(|k| principal_kind(*k)).collect(),
                    roles: route.roles.clone(),
                    min_level: route.min_level.map(level),
                    subject: subject_kind(route.subject),
                }
            }

            pub fn wit_principal(
                principal: &Principal,
                on_behalf_of: Option<String>,
                scopes: Vec<String>,
            ) -> wit::Principal {
                match principal {
                    Principal::Anonymous => wit::Principal::Anonymous,
                    Principal::Citizen { fiscal_code, level } => {
                        wit::Principal::Citizen(wit::Citizen {
                            fiscal_code: fiscal_code.to_string(),
                            level: wit_level(*level),
                        })
                    }
                    Principal::Company {
                        vat_number,
                        name,
                        level,
                    } => wit::Principal::Company(wit::Company {
                        vat_number: vat_number.to_string(),
                        name: name.clone(),
                        level: wit_level(*level),
                    }),
                    Principal::Intermediary { organisation, kind } => {
                        wit::Principal::Intermediary(wit::Intermediary {
                            organisation: organisation.clone(),
                            kind: match kind {
                                IntermediaryKind::Caf => wit::IntermediaryKind::Caf,
                                IntermediaryKind::Patronato => wit::IntermediaryKind::Patronato,
                                IntermediaryKind::Consulente => wit::IntermediaryKind::Consulente,
                            },
                            on_behalf_of,
                            scopes,
                        })
                    }
                    Principal::Agency {
                        organisation,
                        purpose,
                        ..
                    } => wit::Principal::Agency(wit::Agency {
                        organisation: organisation.clone(),
                        purpose: purpose.clone(),
                    }),
                    Principal::Operator { id, role, office } => {
                        wit::Principal::Operator(wit::Operator {
                            id: id.clone(),
                            role: role.clone(),
                            office: office.clone(),
                        })
                    }
                    Principal::System => wit::Principal::System,
                }
            }

            pub fn method_name(m: wit::Method) -> &'static str {
                match m {
                    wit::Method::Get => "GET",
                    wit::Method::Post => "POST",
                    wit::Method::Put => "PUT",
                    wit::Method::Patch => "PATCH",
                    wit::Method::Delete => "DELETE",
                }
            }

            /// The WIT method named `name` (upper case, as HTTP spells it); none for a method
            /// no route can have.
            pub fn wit_method(name: &str) -> Option<wit::Method> {
                Some(match name {
                    "GET" => wit::Method::Get,
                    "POST" => wit::Method::Post,
                    "PUT" => wit::Method::Put,
                    "PATCH" => wit::Method::Patch,
                    "DELETE" => wit::Method::Delete,
                    _ => return None,
                })
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use welfare_auth::{IntermediaryKind, Principal};
    use welfare_identity::VatNumber;

    use super::*;

    /// The guests' bindings of the real WIT, so the macro is checked against generated types.
    mod bindings {
        wit_bindgen::generate!({
            world: "domain-component",
            path: "../../wit",
            generate_all,
        });
    }

    crate::wit_conversions!(mod wit for crate::wit::tests::bindings::welfare::platform::types);
    use bindings::welfare::platform::types as t;

    #[test]
    fn a_wit_route_becomes_its_policy() {
        let route = t::Route {
            method: t::Method::Post,
            path: "/api/v1/x/items".into(),
            principals: vec![t::PrincipalKind::Citizen, t::PrincipalKind::Operator],
            roles: vec!["editor".into()],
            min_level: Some(t::LevelOfAssurance::Substantial),
            subject: t::SubjectKind::Person,
            idempotency_key_required: true,
            summary: String::new(),
            request_schema: None,
            response_schema: None,
        };
        let policy = wit::route_policy(&route);
        assert_eq!(
            policy,
            RoutePolicy {
                principals: vec![PrincipalKind::Citizen, PrincipalKind::Operator],
                roles: vec!["editor".into()],
                min_level: Some(Level::L2),
                subject: SubjectKind::Person,
            }
        );
        assert_eq!(policy.policy().principals, policy.principals.as_slice());
    }

    #[test]
    fn levels_kinds_and_methods_map_both_ways() {
        for level in [Level::L1, Level::L2, Level::L3] {
            assert_eq!(wit::level(wit::wit_level(level)), level);
        }
        assert_eq!(
            wit::principal_kind(t::PrincipalKind::System),
            PrincipalKind::System
        );
        assert_eq!(
            wit::subject_kind(t::SubjectKind::Either),
            SubjectKind::Either
        );
        for m in [
            t::Method::Get,
            t::Method::Post,
            t::Method::Put,
            t::Method::Patch,
            t::Method::Delete,
        ] {
            assert_eq!(wit::wit_method(wit::method_name(m)), Some(m));
        }
        assert_eq!(wit::wit_method("HEAD"), None);
        assert_eq!(wit::wit_method("get"), None);
    }

    #[test]
    fn principals_reach_components_with_what_the_host_checked() {
        let caf = Principal::Intermediary {
            organisation: "caf-roma".into(),
            kind: IntermediaryKind::Caf,
        };
        let t::Principal::Intermediary(i) =
            wit::wit_principal(&caf, Some("RSSMRA85T10A562S".into()), vec!["naspi".into()])
        else {
            panic!("not an intermediary");
        };
        assert_eq!(
            (i.organisation.as_str(), i.kind, i.on_behalf_of.as_deref()),
            (
                "caf-roma",
                t::IntermediaryKind::Caf,
                Some("RSSMRA85T10A562S")
            )
        );
        assert_eq!(i.scopes, ["naspi"]);
        let company = Principal::Company {
            vat_number: VatNumber::parse("12345678903").unwrap(),
            name: Some("Acme".into()),
            level: Level::L3,
        };
        let t::Principal::Company(c) = wit::wit_principal(&company, None, Vec::new()) else {
            panic!("not a company");
        };
        assert_eq!(
            (c.vat_number.as_str(), c.level),
            ("12345678903", t::LevelOfAssurance::High)
        );
        assert!(matches!(
            wit::wit_principal(&Principal::Anonymous, None, Vec::new()),
            t::Principal::Anonymous
        ));
    }
}
