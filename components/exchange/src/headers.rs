//! The headers that cross between a host and a domain: those a domain sees, those it may set,
//! and those a request may carry once only.

use crate::idempotency::IDEMPOTENCY_KEY;

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

/// Whether a component may set response header `name` (any case).
pub fn response_header_allowed(name: &str) -> bool {
    ALLOWED_RESPONSE_HEADERS
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(name))
}

/// Request headers that name one thing each: a second copy is malformed input (400), never
/// "the first wins", since two parties on the way (a proxy, the client) could each have set
/// one and the gateway would act on the one the other did not mean. `If-Match` is on the
/// list although RFC 9110 lets it hold a list: these routes compare one version at a time.
pub const SINGLETON_HEADERS: &[&str] =
    &["authorization", "on-behalf-of", IDEMPOTENCY_KEY, "if-match"];

/// The first singleton header (from [`SINGLETON_HEADERS`], as spelt there) among `names` (one
/// item per header line, any case) that appears more than once.
pub fn duplicate_singleton<'a>(names: impl IntoIterator<Item = &'a str>) -> Option<&'static str> {
    let mut seen = [false; SINGLETON_HEADERS.len()];
    for name in names {
        if let Some(i) = SINGLETON_HEADERS
            .iter()
            .position(|s| s.eq_ignore_ascii_case(name))
        {
            if seen[i] {
                return Some(SINGLETON_HEADERS[i]);
            }
            seen[i] = true;
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_set_only_their_own_headers() {
        assert!(response_header_allowed("ETag"));
        assert!(!response_header_allowed("set-cookie"));
        assert!(!response_header_allowed("cache-control"));
    }

    #[test]
    fn singleton_headers_appear_once() {
        assert_eq!(
            duplicate_singleton(["authorization", "accept", "if-match"]),
            None
        );
        assert_eq!(
            duplicate_singleton(["Authorization", "accept", "authorization"]),
            Some("authorization")
        );
        assert_eq!(
            duplicate_singleton(["Idempotency-Key", "IDEMPOTENCY-KEY"]),
            Some(IDEMPOTENCY_KEY)
        );
        assert_eq!(duplicate_singleton(["accept", "accept"]), None);
    }
}
