//! Tokens verified before: an app presents the same bearer token on every request of a
//! session, and checking its signature again each time was half of what an authenticated read
//! cost (ES256 in portable Rust, about 0.2 ms). The first request verifies it fully; the
//! following ones find its principal here.
//!
//! What keeps this safe:
//! - the key is the SHA-256 of the whole token (header, claims and signature), so only the very
//!   same bytes find an entry: a token differing anywhere, its signature included, is verified
//!   afresh;
//! - an entry holds only until the token's `exp` (without the leeway; past `exp` the token is
//!   verified again, and the leeway decides there as it always did), so a cached token never
//!   lives longer than a verified one would;
//! - the cache is emptied whenever an issuer's keys change ([`crate::Authenticator::trust_key`]),
//!   so a token signed with a key rotated out is refused at once;
//! - refusals are never cached, and neither are agencies' vouchers (checked for their age at
//!   every use, and often single-use);
//! - it holds at most [`MAX_VERIFIED_TOKENS`] entries: when full, the expired ones are dropped,
//!   and if none has expired everything is (a flood of distinct valid tokens costs their
//!   verification, as it would without a cache, and no memory).
//!
//! A host whose memory ends with each request (a fresh instance, as on Spin) cannot keep
//! this cache; it keeps a [`SignatureMemo`] in its database instead, and every claim is
//! checked again at each use (see [`crate::Authenticator::authenticate_with`]).

use std::collections::HashMap;
use std::sync::Mutex;

use sha2::{Digest, Sha256};

use crate::Principal;

/// Tokens remembered at most: a few minutes of sessions on one replica (a session's token
/// lives for minutes; tens of thousands of people are signed in at once across replicas), and
/// about 3 MiB at most.
pub const MAX_VERIFIED_TOKENS: usize = 16_384;

/// A verified token's principal and until when (`exp`, Unix seconds) it may be reused.
#[derive(Debug)]
struct Entry {
    principal: Principal,
    expires_at: u64,
}

/// The verified tokens, by the hash of each.
#[derive(Debug, Default)]
pub struct Verified {
    entries: Mutex<HashMap<[u8; 32], Entry>>,
}

/// Tokens whose signatures an earlier request verified, kept by a host between requests
/// (the Spin adapters keep it in their database: `components/spin`).
///
/// An implementation must:
/// - answer `true` only for a fingerprint it was told to remember under the same trusted
///   keys: it keys its entries by the token's fingerprint *and* a digest of the issuers' keys
///   (and audience), so that a key rotated out finds nothing;
/// - answer `false` once `expires_at` is past, and whenever it cannot tell (an unreadable
///   store means a full verification, never an admission);
/// - be written only by the host itself: whoever can add an entry can have a token's
///   signature skipped (though never its claims), as whoever can write the store can change
///   its documents.
pub trait SignatureMemo {
    /// Whether the token known by `fingerprint` was verified before and its `exp` is after
    /// `now` (Unix seconds).
    fn verified(&self, fingerprint: &[u8; 32], now: u64) -> bool;
    /// Remembers that the token known by `fingerprint` was verified, until `expires_at`
    /// (its `exp`, Unix seconds). Failing to remember costs the next request a verification.
    fn remember(&self, fingerprint: [u8; 32], expires_at: u64);
}

/// What a token is known by here.
pub fn fingerprint(token: &str) -> [u8; 32] {
    Sha256::digest(token.as_bytes()).into()
}

impl Verified {
    /// The principal of a token verified before that has not expired at `now` (Unix seconds).
    pub fn get(&self, key: &[u8; 32], now: u64) -> Option<Principal> {
        let entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        entries
            .get(key)
            .filter(|e| now < e.expires_at)
            .map(|e| e.principal.clone())
    }

    /// Remembers a token just verified, whose `exp` is `expires_at`.
    pub fn insert(&self, key: [u8; 32], principal: Principal, expires_at: u64, now: u64) {
        if expires_at <= now {
            return;
        }
        let mut entries = self.entries.lock().unwrap_or_else(|e| e.into_inner());
        if entries.len() >= MAX_VERIFIED_TOKENS {
            entries.retain(|_, e| now < e.expires_at);
            if entries.len() >= MAX_VERIFIED_TOKENS {
                entries.clear();
            }
        }
        entries.insert(
            key,
            Entry {
                principal,
                expires_at,
            },
        );
    }

    /// Forgets every token: an issuer's keys changed.
    pub fn clear(&self) {
        self.entries
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
    }

    pub fn len(&self) -> usize {
        self.entries.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_serves_until_its_expiry_and_a_full_cache_drops_the_expired_first() {
        let cache = Verified::default();
        let key = fingerprint("a.b.c");
        cache.insert(key, Principal::System, 1_000, 900);
        assert_eq!(cache.get(&key, 999), Some(Principal::System));
        assert_eq!(cache.get(&key, 1_000), None, "not at its exp");
        assert_eq!(cache.get(&fingerprint("a.b.d"), 999), None);
        // An already expired token is not remembered.
        cache.insert(fingerprint("old"), Principal::System, 900, 900);
        assert_eq!(cache.len(), 1);

        // Full: the expired entry goes first, the fresh ones stay.
        let cache = Verified::default();
        cache.insert(fingerprint("expiring"), Principal::System, 10, 0);
        for i in 1..MAX_VERIFIED_TOKENS {
            cache.insert(fingerprint(&i.to_string()), Principal::System, 100, 0);
        }
        assert_eq!(cache.len(), MAX_VERIFIED_TOKENS);
        cache.insert(fingerprint("new"), Principal::System, 100, 50);
        assert_eq!(cache.len(), MAX_VERIFIED_TOKENS);
        assert_eq!(cache.get(&fingerprint("expiring"), 5), None);
        assert!(cache.get(&fingerprint("1"), 50).is_some());
        // Full of live entries: everything goes, then the new one is kept.
        cache.insert(fingerprint("newer"), Principal::System, 100, 50);
        assert_eq!(cache.len(), 1);
        assert!(cache.get(&fingerprint("newer"), 50).is_some());
    }
}
