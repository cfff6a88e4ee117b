//! Who a route admits: the principal kinds and levels every domain's routes are declared with,
//! written once here so that two domains cannot mean different callers by the same word.
//! Roles (`income-support-officer`, `editor`...) stay with their domain.

use crate::{LevelOfAssurance, PrincipalKind};

/// Everyone, with or without a token (the knowledge base's reading).
pub const ANYONE: &[PrincipalKind] = &[
    PrincipalKind::Anonymous,
    PrincipalKind::Citizen,
    PrincipalKind::Company,
    PrincipalKind::Intermediary,
    PrincipalKind::Agency,
    PrincipalKind::Operator,
];

/// Every authenticated caller.
pub const AUTHENTICATED: &[PrincipalKind] = &[
    PrincipalKind::Citizen,
    PrincipalKind::Company,
    PrincipalKind::Intermediary,
    PrincipalKind::Agency,
    PrincipalKind::Operator,
];

/// Every authenticated caller who may ask about a person: all but companies (a route about a
/// person, `SubjectKind::Person`, would refuse a company's own call anyway).
pub const ABOUT_A_PERSON: &[PrincipalKind] = &[
    PrincipalKind::Citizen,
    PrincipalKind::Intermediary,
    PrincipalKind::Agency,
    PrincipalKind::Operator,
];

/// A person's own data: the citizen, or an intermediary acting for them.
pub const FOR_A_PERSON: &[PrincipalKind] = &[PrincipalKind::Citizen, PrincipalKind::Intermediary];

/// The agency's staff, each route naming the roles it needs.
pub const OPERATOR: &[PrincipalKind] = &[PrincipalKind::Operator];

/// Other public agencies (PDND vouchers, checked by the gateway).
pub const AGENCY: &[PrincipalKind] = &[PrincipalKind::Agency];

/// Personal services need SPID/CIE level 2 or more.
pub const PERSONAL: Option<LevelOfAssurance> = Some(LevelOfAssurance::Substantial);
