//! The native host's signature checks: ECDSA verified by `ring` (the gateway links it already,
//! for TLS), several times faster than the portable RustCrypto code that wasm builds keep.
//! Everything else (RSA, EdDSA, the JWK helpers, signing) stays with RustCrypto.
//!
//! Installed as `jsonwebtoken`'s process-wide crypto provider by [`install`], which
//! [`crate::Authenticator::new`] calls, so no token is verified before it is in place. Only
//! built with the `native-verifier` feature: `ring` has no wasm32-wasip2 build worth using.

use std::sync::OnceLock;

use jsonwebtoken::crypto::{CryptoProvider, JwtVerifier, rust_crypto};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{Error, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey};
use ring::signature::{
    ECDSA_P256_SHA256_FIXED, ECDSA_P384_SHA384_FIXED, EcdsaVerificationAlgorithm, UnparsedPublicKey,
};

/// An ECDSA public key (SEC1 point) and the JWS algorithm it verifies: a JWS ECDSA signature
/// is the fixed-size `r || s` that ring's `*_FIXED` algorithms take (RFC 7518 §3.4).
struct Ecdsa {
    key: UnparsedPublicKey<Vec<u8>>,
    algorithm: Algorithm,
}

impl Ecdsa {
    fn new(
        key: &DecodingKey,
        algorithm: Algorithm,
        ring: &'static EcdsaVerificationAlgorithm,
    ) -> Result<Self> {
        if key.family() != AlgorithmFamily::Ec {
            return Err(ErrorKind::InvalidKeyFormat.into());
        }
        Ok(Self {
            key: UnparsedPublicKey::new(ring, key.as_bytes().to_vec()),
            algorithm,
        })
    }
}

impl Verifier<Vec<u8>> for Ecdsa {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> std::result::Result<(), Error> {
        self.key
            .verify(message, signature)
            .map_err(|_| Error::new())
    }
}

impl JwtVerifier for Ecdsa {
    fn algorithm(&self) -> Algorithm {
        self.algorithm
    }
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    match algorithm {
        Algorithm::ES256 => Ok(Box::new(Ecdsa::new(
            key,
            *algorithm,
            &ECDSA_P256_SHA256_FIXED,
        )?)),
        Algorithm::ES384 => Ok(Box::new(Ecdsa::new(
            key,
            *algorithm,
            &ECDSA_P384_SHA384_FIXED,
        )?)),
        _ => (rust_crypto::DEFAULT_PROVIDER.verifier_factory)(algorithm, key),
    }
}

/// Makes the provider the process's, once; a provider installed before (by whoever) stays.
pub fn install() {
    static PROVIDER: OnceLock<CryptoProvider> = OnceLock::new();
    let provider = PROVIDER.get_or_init(|| CryptoProvider {
        verifier_factory: verifier,
        ..rust_crypto::DEFAULT_PROVIDER.clone()
    });
    let _ = provider.install_default();
}
