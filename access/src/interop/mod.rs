//! Other agencies' credentials: PDND vouchers' purposes, the ModI security patterns, one-time
//! token ids, and the `[interop]` configuration they come from.
//!
//! - [`purposes`]: which `purposeId` allows which operation.
//! - [`modi`]: INTEGRITY_REST_01 (`Agid-JWT-Signature` over `Digest`) and AUDIT_REST_01
//!   (`Agid-JWT-TrackingEvidence`).
//! - [`replay`]: `jti`s used once.

pub mod modi;
pub mod purposes;
pub mod replay;

use std::path::PathBuf;

use serde::Deserialize;

/// What the gate needs to check agencies' calls.
pub struct Interop {
    pub purposes: purposes::Purposes,
    pub signing_keys: modi::SigningKeys,
}

/// Agencies calling `/interop/v1` with PDND vouchers ([`Interop`]).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct InteropConfig {
    /// The `aud` of vouchers and ModI signatures: this e-service as registered on PDND.
    pub audience: String,
    /// Accept each voucher once (its `jti` is remembered until it expires), as ModI's
    /// ID_AUTH_REST_02 asks; off, a voucher may be reused until it expires.
    pub single_use_vouchers: bool,
    /// Oldest `iat` accepted on a voucher or a ModI token: PDND vouchers live minutes, and a
    /// bound on age bounds how long used `jti`s must be remembered.
    pub max_token_age_seconds: u64,
    /// The purposes agreed on PDND, each with the operations it allows.
    pub purposes: Vec<PurposeConfig>,
    /// The agencies' public keys for ModI signatures (`Agid-JWT-Signature`,
    /// `Agid-JWT-TrackingEvidence`), by `kid` as registered on PDND.
    pub signing_keys: Vec<SigningKeyConfig>,
}

impl Default for InteropConfig {
    fn default() -> Self {
        Self {
            audience: "welfare-interop".into(),
            single_use_vouchers: true,
            max_token_age_seconds: 600,
            purposes: Vec::new(),
            signing_keys: Vec::new(),
        }
    }
}

/// A PDND purpose (finalità) and what it allows.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PurposeConfig {
    /// The `purposeId` vouchers carry.
    pub id: String,
    /// The consumer organisation the purpose belongs to; any when absent.
    #[serde(default)]
    pub consumer: Option<String>,
    /// Operations as `METHOD /route/template`, e.g. `GET /interop/v1/durc/{vat_number}`.
    pub operations: Vec<String>,
}

/// An agency's key for ModI signatures.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SigningKeyConfig {
    pub kid: String,
    /// The organisation (the voucher's `org`) the key belongs to.
    pub organisation: String,
    /// PEM file with the public key (EC P-256 or RSA).
    pub public_key_pem: PathBuf,
    /// `ES256` or `RS256`.
    pub algorithm: String,
}
