//! Delegations: a citizen (or a company) lets an intermediary organisation — a CAF, a patronato,
//! a labour consultant — act for them in some domains, reading or acting, until an expiry.
//!
//! The gateway checks them before any component runs: an intermediary names the person in
//! `On-Behalf-Of`, and the request goes through only under an active delegation from that person
//! to the intermediary's organisation whose scopes cover the route's domain and method.
//! Delegations are rows of the platform's own database, never deleted: a revocation is a
//! timestamp, so the person's list keeps its history.
//!
//! # Layout
//! - this file: the limits, the grantor, the organisation, the domains that take delegations,
//!   and a delegation with its validation, status and view;
//! - [`scope`]: scopes (`<domain>:read|act`) and the access a method needs;
//! - [`store`]: the `delegations` table: grant, reads, revocation.

mod scope;
mod store;

pub use scope::{Access, Scope};
pub use store::{
    Refused, active_between, active_to_org, insert, of_grantor, one_of_grantor, revoke,
};

use serde::Deserialize;
use serde_json::{Value, json};

use welfare_auth::IntermediaryKind;
use welfare_identity::{FiscalCode, VatNumber};
use welfare_problem::FieldError;

/// Longest a delegation may run. Intermediaries work on a yearly cycle (the tax return, the
/// yearly ISEE); a mandate renewed each year stays a deliberate choice of the person.
pub const MAX_VALIDITY_DAYS: i64 = 366;
/// Scopes one delegation may list: one or two per domain is all there is to say.
pub const MAX_SCOPES: usize = 16;
/// Active delegations a person may hold at once: a handful of intermediaries is plenty, and a
/// bound keeps the check on every delegated request to a small indexed read.
pub const MAX_ACTIVE_PER_GRANTOR: usize = 20;
/// Length of a paper mandate's document reference (protocol number, archive id).
pub const MAX_DOCUMENT_REF: usize = 128;
/// Length of an organisation identifier (the `org` claim of intermediary tokens).
pub const MAX_ORG_LEN: usize = 64;

const MS_PER_DAY: i64 = 86_400_000;

/// An intermediary organisation's identifier, as its tokens carry it in `org`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrgId(String);

impl OrgId {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let ok_char = |c: char| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-');
        if raw.len() < 2 || raw.len() > MAX_ORG_LEN || !raw.chars().all(ok_char) {
            return Err(format!(
                "2 to {MAX_ORG_LEN} letters, digits, dots, dashes or underscores"
            ));
        }
        Ok(Self(raw.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The domains an intermediary may be delegated for, by the kind of grantor: those with a
/// route open to intermediaries, and not to everyone, about a person (for a citizen's
/// delegation) or about a company (for a company's). Worked out from the loaded manifests, so
/// a scope names only what it can ever open.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Delegable {
    /// Sorted component names.
    pub person: Vec<String>,
    /// Sorted component names.
    pub company: Vec<String>,
}

impl Delegable {
    /// From each domain's name and the policies of its routes (as the manifests declare them).
    pub fn of<'a, P>(domains: impl IntoIterator<Item = (&'a str, P)>) -> Self
    where
        P: IntoIterator<Item = welfare_auth::policy::Policy<'a>>,
    {
        use welfare_auth::{PrincipalKind, SubjectKind};
        let mut delegable = Self::default();
        for (name, policies) in domains {
            let policies: Vec<_> = policies.into_iter().collect();
            let delegated = |kind| {
                policies.iter().any(|p| {
                    p.principals.contains(&PrincipalKind::Intermediary)
                        && !p.principals.contains(&PrincipalKind::Anonymous)
                        && p.subject.admits(kind)
                })
            };
            if delegated(SubjectKind::Person) {
                delegable.person.push(name.to_string());
            }
            if delegated(SubjectKind::Company) {
                delegable.company.push(name.to_string());
            }
        }
        delegable.person.sort();
        delegable.company.sort();
        delegable
    }

    /// The domains `grantor` may delegate.
    pub fn for_grantor(&self, grantor: &Grantor) -> &[String] {
        match grantor {
            Grantor::Citizen(_) => &self.person,
            Grantor::Company(_) => &self.company,
        }
    }
}

/// Who grants: a person by fiscal code, or a company by VAT number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grantor {
    Citizen(FiscalCode),
    Company(VatNumber),
}

impl Grantor {
    /// A fiscal code or a VAT number, whichever `raw` is.
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if let Ok(code) = FiscalCode::parse(raw) {
            return Ok(Self::Citizen(code));
        }
        VatNumber::parse(raw)
            .map(Self::Company)
            .map_err(|_| "not a valid fiscal code or VAT number".to_string())
    }

    pub fn id(&self) -> String {
        match self {
            Grantor::Citizen(c) => c.to_string(),
            Grantor::Company(v) => v.to_string(),
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Grantor::Citizen(_) => "citizen",
            Grantor::Company(_) => "company",
        }
    }
}

/// The body of a grant, from the person's app or from an operator's desk.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantBody {
    pub intermediary_org: String,
    #[serde(default)]
    pub intermediary_kind: Option<String>,
    pub scopes: Vec<String>,
    /// RFC 3339 timestamp.
    pub expires_at: String,
    /// Operators only: whose mandate it is.
    #[serde(default)]
    pub grantor: Option<String>,
    /// Operators only: the signed paper mandate's reference.
    #[serde(default)]
    pub document_reference: Option<String>,
}

/// A stored delegation.
#[derive(Debug, Clone)]
pub struct Delegation {
    pub id: String,
    pub grantor: String,
    pub grantor_kind: String,
    pub intermediary_org: String,
    pub intermediary_kind: Option<IntermediaryKind>,
    pub scopes: Vec<Scope>,
    pub expires_at: i64,
    pub created_at: i64,
    pub created_by: String,
    pub document_ref: Option<String>,
    pub revoked_at: Option<i64>,
    pub revoked_by: Option<String>,
}

impl Delegation {
    /// A validated new delegation from `body`, granted by `grantor` through `created_by`.
    /// Every field at fault is named. `delegable` says which components an intermediary may be
    /// delegated for by this kind of grantor; `paper` says an operator registers it from a
    /// signed mandate.
    pub fn new(
        body: GrantBody,
        grantor: Grantor,
        created_by: String,
        delegable: &Delegable,
        now_ms: i64,
        paper: bool,
    ) -> Result<Self, Vec<FieldError>> {
        let domains = delegable.for_grantor(&grantor);
        let mut errors = Vec::new();
        let mut fail = |field: &str, message: String| {
            errors.push(FieldError {
                field: field.into(),
                message,
            })
        };
        let org = OrgId::parse(body.intermediary_org.trim())
            .map_err(|m| fail("intermediary_org", m))
            .ok();
        let kind = match body.intermediary_kind.as_deref() {
            None => None,
            Some("caf") => Some(IntermediaryKind::Caf),
            Some("patronato") => Some(IntermediaryKind::Patronato),
            Some("consulente") => Some(IntermediaryKind::Consulente),
            Some(other) => {
                fail(
                    "intermediary_kind",
                    format!("{other:?} is not caf, patronato or consulente"),
                );
                None
            }
        };
        // Companies are represented before the agency by labour consultants (L. 12/1979).
        let kind = match (&grantor, kind) {
            (Grantor::Company(_), None | Some(IntermediaryKind::Consulente)) => {
                Some(IntermediaryKind::Consulente)
            }
            (Grantor::Company(_), Some(_)) => {
                fail(
                    "intermediary_kind",
                    "a company delegates a labour consultant (consulente)".into(),
                );
                None
            }
            (Grantor::Citizen(_), kind) => kind,
        };
        let mut scopes = Vec::new();
        if body.scopes.is_empty() || body.scopes.len() > MAX_SCOPES {
            fail("scopes", format!("1 to {MAX_SCOPES} scopes"));
        }
        for (i, raw) in body.scopes.iter().enumerate() {
            match Scope::parse(raw) {
                Ok(scope) if domains.iter().any(|d| d == scope.domain()) => scopes.push(scope),
                Ok(scope) => fail(
                    &format!("scopes[{i}]"),
                    format!(
                        "no domain {:?} takes delegations from a {}; one of: {}",
                        scope.domain(),
                        grantor.kind(),
                        domains.join(", ")
                    ),
                ),
                Err(m) => fail(&format!("scopes[{i}]"), m),
            }
        }
        let scopes = scope::widest(scopes);
        let expires_at = match body.expires_at.parse::<jiff::Timestamp>() {
            Ok(t) => {
                let t = t.as_millisecond();
                if t <= now_ms {
                    fail("expires_at", "must be in the future".into());
                } else if t > now_ms + MAX_VALIDITY_DAYS * MS_PER_DAY {
                    fail(
                        "expires_at",
                        format!("at most {MAX_VALIDITY_DAYS} days from now"),
                    );
                }
                t
            }
            Err(_) => {
                fail(
                    "expires_at",
                    "an RFC 3339 timestamp, e.g. 2027-06-30T23:59:59Z".into(),
                );
                0
            }
        };
        let document_ref = body.document_reference.map(|d| d.trim().to_string());
        match (&document_ref, paper) {
            (None, true) => fail(
                "document_reference",
                "the signed mandate's reference is required".into(),
            ),
            (Some(_), false) => fail(
                "document_reference",
                "only an operator registering a paper mandate gives one".into(),
            ),
            (Some(d), true)
                if d.is_empty()
                    || d.len() > MAX_DOCUMENT_REF
                    || d.chars().any(|c| c.is_control()) =>
            {
                fail(
                    "document_reference",
                    format!("1 to {MAX_DOCUMENT_REF} printable characters"),
                )
            }
            _ => {}
        }
        if body.grantor.is_some() && !paper {
            fail("grantor", "you grant for yourself: remove the field".into());
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(Self {
            id: format!("dlg_{}", uuid::Uuid::now_v7().simple()),
            grantor: grantor.id(),
            grantor_kind: grantor.kind().into(),
            intermediary_org: org.expect("checked").0,
            intermediary_kind: kind,
            scopes,
            expires_at,
            created_at: now_ms,
            created_by,
            document_ref,
            revoked_at: None,
            revoked_by: None,
        })
    }

    pub fn status(&self, now_ms: i64) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at <= now_ms {
            "expired"
        } else {
            "active"
        }
    }

    pub fn is_active(&self, now_ms: i64) -> bool {
        self.status(now_ms) == "active"
    }

    /// Whether it lets `org` (of `kind`) do `access` in `domain` at `now_ms`.
    pub fn covers(
        &self,
        org: &str,
        kind: IntermediaryKind,
        domain: &str,
        access: Access,
        now_ms: i64,
    ) -> bool {
        self.is_active(now_ms)
            && self.intermediary_org == org
            && self.intermediary_kind.is_none_or(|k| k == kind)
            && self.scopes.iter().any(|s| s.covers(domain, access))
    }

    pub fn scope_names(&self) -> Vec<String> {
        self.scopes.iter().map(Scope::to_string).collect()
    }

    pub fn view(&self, now_ms: i64) -> Value {
        json!({
            "id": self.id,
            "grantor": self.grantor,
            "grantor_kind": self.grantor_kind,
            "intermediary_org": self.intermediary_org,
            "intermediary_kind": self.intermediary_kind,
            "scopes": self.scopes,
            "expires_at": rfc3339(self.expires_at),
            "created_at": rfc3339(self.created_at),
            "created_by": self.created_by,
            "document_reference": self.document_ref,
            "status": self.status(now_ms),
            "revoked_at": self.revoked_at.map(rfc3339),
            "revoked_by": self.revoked_by,
        })
    }
}

pub fn rfc3339(ms: i64) -> String {
    jiff::Timestamp::from_millisecond(ms)
        .map(|t| t.to_string())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_790_000_000_000;

    fn body(scopes: &[&str], expires_in_days: i64) -> GrantBody {
        GrantBody {
            intermediary_org: "caf-acli-roma".into(),
            intermediary_kind: None,
            scopes: scopes.iter().map(|s| s.to_string()).collect(),
            expires_at: rfc3339(NOW + expires_in_days * MS_PER_DAY),
            grantor: None,
            document_reference: None,
        }
    }

    /// As the five domains declare their routes: persons may delegate four domains,
    /// companies only contributions.
    fn domains() -> Delegable {
        Delegable {
            person: ["contributions", "disability", "faq", "income-support"]
                .map(String::from)
                .to_vec(),
            company: vec!["contributions".into()],
        }
    }

    fn citizen() -> Grantor {
        Grantor::parse("RSSMRA85T10A562S").unwrap()
    }

    #[test]
    fn a_grant_keeps_the_wider_scope_once() {
        let d = Delegation::new(
            body(
                &[
                    "disability:read",
                    "disability:act",
                    "income-support:read",
                    "income-support:read",
                ],
                30,
            ),
            citizen(),
            "citizen".into(),
            &domains(),
            NOW,
            false,
        )
        .unwrap();
        assert_eq!(d.scope_names(), ["disability:act", "income-support:read"]);
        assert_eq!(d.status(NOW), "active");
        assert_eq!(d.status(NOW + 31 * MS_PER_DAY), "expired");
        assert!(d.covers(
            "caf-acli-roma",
            IntermediaryKind::Caf,
            "disability",
            Access::Act,
            NOW
        ));
        assert!(!d.covers(
            "caf-other",
            IntermediaryKind::Caf,
            "disability",
            Access::Read,
            NOW
        ));
        assert!(!d.covers(
            "caf-acli-roma",
            IntermediaryKind::Caf,
            "income-support",
            Access::Act,
            NOW
        ));
    }

    #[test]
    fn every_field_at_fault_is_named() {
        let cases: Vec<(GrantBody, Grantor, bool, &[&str])> = vec![
            (body(&[], 30), citizen(), false, &["scopes"]),
            // A company has no benefit of a person's to delegate.
            (
                body(&["contributions:act", "income-support:act"], 30),
                Grantor::parse("01114601006").unwrap(),
                false,
                &["scopes[1]"],
            ),
            (
                body(&["pensions:read"], 30),
                citizen(),
                false,
                &["scopes[0]"],
            ),
            (
                body(&["disability:read"], 0),
                citizen(),
                false,
                &["expires_at"],
            ),
            (
                body(&["disability:read"], 400),
                citizen(),
                false,
                &["expires_at"],
            ),
            (
                GrantBody {
                    intermediary_org: "x".into(),
                    ..body(&["disability:read"], 30)
                },
                citizen(),
                false,
                &["intermediary_org"],
            ),
            (
                GrantBody {
                    intermediary_kind: Some("caf".into()),
                    ..body(&["contributions:act"], 30)
                },
                Grantor::parse("01114601006").unwrap(),
                false,
                &["intermediary_kind"],
            ),
            (
                body(&["disability:read"], 30),
                citizen(),
                true,
                &["document_reference"],
            ),
            (
                GrantBody {
                    document_reference: Some("PROT-1".into()),
                    ..body(&["disability:read"], 30)
                },
                citizen(),
                false,
                &["document_reference"],
            ),
            (
                GrantBody {
                    grantor: Some("RSSMRA85T10A562S".into()),
                    ..body(&["disability:read"], 30)
                },
                citizen(),
                false,
                &["grantor"],
            ),
        ];
        for (body, grantor, paper, fields) in cases {
            let errors =
                Delegation::new(body, grantor, "x".into(), &domains(), NOW, paper).unwrap_err();
            let named: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(named, fields);
        }
    }

    #[test]
    fn companies_delegate_labour_consultants() {
        let d = Delegation::new(
            body(&["contributions:act"], 30),
            Grantor::parse("01114601006").unwrap(),
            "company".into(),
            &domains(),
            NOW,
            false,
        )
        .unwrap();
        assert_eq!(d.intermediary_kind, Some(IntermediaryKind::Consulente));
        assert!(!d.covers(
            "caf-acli-roma",
            IntermediaryKind::Caf,
            "contributions",
            Access::Act,
            NOW
        ));
        assert!(d.covers(
            "caf-acli-roma",
            IntermediaryKind::Consulente,
            "contributions",
            Access::Act,
            NOW
        ));
    }
}
