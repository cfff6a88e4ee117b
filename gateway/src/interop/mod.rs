//! Other agencies: PDND vouchers' purposes, the ModI security patterns, one-time token ids, and
//! the interoperability operations the platform answers itself.
//!
//! - [`purposes`]: which `purposeId` allows which operation.
//! - [`modi`]: INTEGRITY_REST_01 (`Agid-JWT-Signature` over `Digest`) and AUDIT_REST_01
//!   (`Agid-JWT-TrackingEvidence`).
//! - [`replay`]: `jti`s used once.
//! - [`life_events`]: births, deaths and changes of residence from the civil registry, turned
//!   into events the domains react to.
//! - [`registry`]: the DCI-style sync search of the disability registry.

pub mod life_events;
pub mod modi;
pub mod purposes;
pub mod registry;
pub mod replay;

/// What the gateway needs to check agencies' calls.
pub struct Interop {
    pub purposes: purposes::Purposes,
    pub signing_keys: modi::SigningKeys,
}
