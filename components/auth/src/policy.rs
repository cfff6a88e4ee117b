//! Whether a route admits a verified caller: its principal kinds, its operator roles, for
//! citizens and companies the minimum SPID/CIE level, and the kind of subject (person or
//! company) the request is about. The hosts turn a [`Refusal`] into their
//! problem+json answer (401 for a level too low, so the client can step up; 403 otherwise).

use crate::{Level, Principal, PrincipalKind, SubjectKind};

/// What a route asks of its callers.
#[derive(Debug, Clone, Copy)]
pub struct Policy<'a> {
    pub principals: &'a [PrincipalKind],
    /// Operator roles admitted; empty admits every role.
    pub roles: &'a [String],
    pub min_level: Option<Level>,
    /// The kind of subject the route is about. Checked against the caller itself for
    /// citizens and companies ([`authorise`]), and against the person or company an
    /// intermediary or an agency names ([`authorise_subject`]).
    pub subject: SubjectKind,
}

/// Why a route refused a caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// The route is not open to this kind of caller (403).
    Kind(PrincipalKind),
    /// The operator lacks every admitted role (403).
    Role(Vec<String>),
    /// The login's level is below the route's minimum (401 with a step-up challenge).
    Level(Level),
    /// The request is about a subject of another kind than the route's (403): a company's
    /// delegate on a person's benefit, a citizen on a company's declarations.
    Subject {
        route: SubjectKind,
        named: SubjectKind,
    },
}

impl Refusal {
    /// The HTTP status the refusal is answered with.
    pub fn status(&self) -> u16 {
        match self {
            Refusal::Level(_) => 401,
            _ => 403,
        }
    }

    /// The problem's `type` suffix and title.
    pub fn title(&self) -> (&'static str, &'static str) {
        match self {
            Refusal::Level(_) => (
                "insufficient-authentication",
                "A stronger SPID/CIE login is needed.",
            ),
            Refusal::Subject { .. } => (
                "wrong-subject-kind",
                "This route is not about that kind of subject.",
            ),
            _ => ("forbidden", "You may not do this."),
        }
    }

    /// The problem's detail, for the caller.
    pub fn detail(&self) -> String {
        match self {
            Refusal::Kind(kind) => {
                format!("This route is not open to {kind:?} callers.").to_lowercase()
            }
            Refusal::Role(roles) => {
                format!("This route needs one of the roles: {}.", roles.join(", "))
            }
            Refusal::Level(min) => format!("This route needs SPID level {min:?} or higher."),
            Refusal::Subject { route, named } => format!(
                "This route is about {}; the request is about {}.",
                route.describe(),
                named.describe()
            ),
        }
    }

    /// RFC 9470's `WWW-Authenticate` challenge asking the client to log in again at the
    /// route's level, for a [`Refusal::Level`].
    pub fn challenge(&self) -> Option<&'static str> {
        match self {
            Refusal::Level(Level::L1 | Level::L2) => Some(
                "Bearer error=\"insufficient_user_authentication\", acr_values=\"https://www.spid.gov.it/SpidL2\"",
            ),
            Refusal::Level(Level::L3) => Some(
                "Bearer error=\"insufficient_user_authentication\", acr_values=\"https://www.spid.gov.it/SpidL3\"",
            ),
            _ => None,
        }
    }
}

/// Whether `policy` admits `principal`.
pub fn authorise(policy: &Policy<'_>, principal: &Principal) -> Result<(), Refusal> {
    if !policy.principals.contains(&principal.kind()) {
        return Err(Refusal::Kind(principal.kind()));
    }
    match principal {
        Principal::Operator { role, .. }
            if !policy.roles.is_empty() && !policy.roles.contains(role) =>
        {
            Err(Refusal::Role(policy.roles.to_vec()))
        }
        Principal::Citizen { level, .. } | Principal::Company { level, .. } => {
            match policy.min_level {
                Some(min) if *level < min => Err(Refusal::Level(min)),
                // A citizen is a person and a company a company: the variant says which, with
                // no code to parse on every request.
                _ if matches!(principal, Principal::Citizen { .. }) => {
                    authorise_kind(policy, SubjectKind::Person)
                }
                _ => authorise_kind(policy, SubjectKind::Company),
            }
        }
        _ => Ok(()),
    }
}

/// Whether the route of `policy` may be about `subject`, the fiscal code or VAT number a
/// request names (the caller itself, an intermediary's `On-Behalf-Of`, an agency's path).
/// Text that is neither is refused as a person's route would refuse a company: the hosts
/// parse what they pass here, so it does not happen.
pub fn authorise_subject(policy: &Policy<'_>, subject: &str) -> Result<(), Refusal> {
    authorise_kind(
        policy,
        SubjectKind::of(subject).unwrap_or(SubjectKind::Either),
    )
}

/// Whether the route of `policy` may be about a subject of kind `named` (`Either`: unknown).
fn authorise_kind(policy: &Policy<'_>, named: SubjectKind) -> Result<(), Refusal> {
    if named != SubjectKind::Either && policy.subject.admits(named) {
        Ok(())
    } else {
        Err(Refusal::Subject {
            route: policy.subject,
            named,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use welfare_identity::FiscalCode;

    fn citizen(level: Level) -> Principal {
        Principal::Citizen {
            fiscal_code: FiscalCode::parse("RSSMRA85T10A562S").unwrap(),
            level,
        }
    }

    fn operator(role: &str) -> Principal {
        Principal::Operator {
            id: "op-1".into(),
            role: role.into(),
            office: None,
        }
    }

    #[test]
    fn kinds_roles_and_levels_decide() {
        let roles = ["case-worker".to_string()];
        let policy = Policy {
            principals: &[PrincipalKind::Citizen, PrincipalKind::Operator],
            roles: &roles,
            min_level: Some(Level::L2),
            subject: SubjectKind::Person,
        };
        let cases = [
            (citizen(Level::L2), Ok(())),
            (citizen(Level::L3), Ok(())),
            (citizen(Level::L1), Err(Refusal::Level(Level::L2))),
            (operator("case-worker"), Ok(())),
            (operator("editor"), Err(Refusal::Role(roles.to_vec()))),
            (
                Principal::Anonymous,
                Err(Refusal::Kind(PrincipalKind::Anonymous)),
            ),
        ];
        for (principal, expected) in cases {
            assert_eq!(authorise(&policy, &principal), expected, "{principal:?}");
        }
        assert_eq!(Refusal::Level(Level::L2).status(), 401);
        assert!(
            Refusal::Level(Level::L3)
                .challenge()
                .unwrap()
                .contains("SpidL3")
        );
        assert_eq!(Refusal::Kind(PrincipalKind::Agency).status(), 403);
    }

    #[test]
    fn the_subject_must_be_of_the_routes_kind() {
        use welfare_identity::VatNumber;
        let company = Principal::Company {
            vat_number: VatNumber::parse("01114601006").unwrap(),
            name: None,
            level: Level::L2,
        };
        let policy = |subject| Policy {
            principals: &[
                PrincipalKind::Citizen,
                PrincipalKind::Company,
                PrincipalKind::Intermediary,
            ],
            roles: &[],
            min_level: None,
            subject,
        };
        let person = SubjectKind::Person;
        let firm = SubjectKind::Company;
        let either = SubjectKind::Either;
        let refused = |route, named| Err(Refusal::Subject { route, named });
        // (route's kind, caller, expected): citizens are persons, companies companies.
        let callers = [
            (person, citizen(Level::L2), Ok(())),
            (person, company.clone(), refused(person, firm)),
            (firm, citizen(Level::L2), refused(firm, person)),
            (firm, company.clone(), Ok(())),
            (either, citizen(Level::L2), Ok(())),
            (either, company.clone(), Ok(())),
        ];
        for (route, principal, expected) in callers {
            assert_eq!(
                authorise(&policy(route), &principal),
                expected,
                "{route:?} {principal:?}"
            );
        }
        // (route's kind, named subject, expected): what an intermediary or agency names.
        let named = [
            (person, "RSSMRA85T10A562S", Ok(())),
            (person, "01114601006", refused(person, firm)),
            (firm, "RSSMRA85T10A562S", refused(firm, person)),
            (firm, "01114601006", Ok(())),
            (either, "01114601006", Ok(())),
            (either, "not-a-subject", refused(either, either)),
        ];
        for (route, subject, expected) in named {
            assert_eq!(
                authorise_subject(&policy(route), subject),
                expected,
                "{route:?} {subject}"
            );
        }
        assert_eq!(refused(person, firm).unwrap_err().status(), 403);
    }
}
