//! Identifiers of people and companies: the shared `welfare-identity` crate, so that the gateway
//! and the domain components validate fiscal codes and VAT numbers with the same code.

pub use welfare_identity::{Birth, FiscalCode, IdentityError, VatNumber};
