//! What passes between a host and a domain component, the same on every host: the request
//! headers a domain sees, the response headers it may set, and how an `Idempotency-Key` is
//! bound to the request it first came with.

use sha2::{Digest, Sha256};

/// Request headers passed to components: what a domain may legitimately need.
pub const FORWARDED_HEADERS: &[&str] = &[
    "content-type",
    "accept-language",
    "if-match",
    "if-none-match",
];

/// Response headers a component may set; anything else (cookies, CORS, caching) is the host's.
pub const ALLOWED_RESPONSE_HEADERS: &[&str] = &[
    "content-type",
    "etag",
    "location",
    "link",
    "retry-after",
    "content-language",
    "last-modified",
];

/// The header that makes a POST safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Longest key accepted (the IETF draft suggests UUIDs; 255 leaves room for others).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

/// The refusal of an `Idempotency-Key` on an anonymous request (400): a key is kept per caller,
/// and anonymous callers cannot be told apart, so one of them could claim a key another is
/// about to use and have that request refused or answered with someone else's result. No
/// anonymous route creates anything that needs one (a vote is counted once per search).
pub const ANONYMOUS_IDEMPOTENCY_KEY: (&str, &str, &str) = (
    "idempotency-key-not-allowed",
    "Anonymous requests cannot carry an Idempotency-Key.",
    "Send the request without the key, or with a token: keys are kept per caller.",
);

/// Whether a component may set response header `name` (any case).
pub fn response_header_allowed(name: &str) -> bool {
    ALLOWED_RESPONSE_HEADERS
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(name))
}

/// Whether `key` is a usable `Idempotency-Key`: 1 to 255 printable ASCII characters.
pub fn valid_idempotency_key(key: &str) -> bool {
    !key.is_empty()
        && key.len() <= MAX_IDEMPOTENCY_KEY_LEN
        && key.bytes().all(|b| b.is_ascii_graphic() || b == b' ')
}

/// The SHA-256 (hex) that binds a key to its request: the method, the path with its query
/// and the body, each prefixed with its length so that no two requests share one.
pub fn request_fingerprint(method: &str, path_and_query: &str, body: &[u8]) -> String {
    let mut sha = Sha256::new();
    for part in [method.as_bytes(), path_and_query.as_bytes(), body] {
        sha.update((part.len() as u64).to_be_bytes());
        sha.update(part);
    }
    hex::encode(sha.finalize())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fingerprint_tells_requests_apart() {
        let a = request_fingerprint("POST", "/x", b"{}");
        assert_eq!(a, request_fingerprint("POST", "/x", b"{}"));
        // Moving a byte from the path to the body changes it (the lengths are hashed).
        assert_ne!(request_fingerprint("POST", "/x{", b"}"), a);
        assert_ne!(request_fingerprint("PUT", "/x", b"{}"), a);
        assert_eq!(a.len(), 64);
    }

    #[test]
    fn keys_are_short_printable_text() {
        assert!(valid_idempotency_key("b1f4c3a0-uuid"));
        assert!(valid_idempotency_key(&"k".repeat(MAX_IDEMPOTENCY_KEY_LEN)));
        for bad in [
            "",
            "tab\there",
            "é",
            &"k".repeat(MAX_IDEMPOTENCY_KEY_LEN + 1),
        ] {
            assert!(!valid_idempotency_key(bad), "{bad:?}");
        }
        assert!(response_header_allowed("ETag"));
        assert!(!response_header_allowed("set-cookie"));
    }
}
