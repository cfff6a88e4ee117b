//! Who may act for whom, and the record of it.
//!
//! - [`gate`]: every API request's authentication and authorisation: kind, role, level, and
//!   acting for someone else (a delegation, an agency's purpose); refusals audited.
//! - [`delegation`]: delegations from people and companies to intermediaries, with scopes and
//!   expiry.
//! - [`audit`]: the append-only, hash-chained audit trail.

pub mod audit;
pub mod delegation;
pub mod gate;
