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

/// The request header naming a request in logs, problems and the audit trail.
pub const REQUEST_ID: &str = "x-request-id";
/// Longest client request id kept: a UUID is 36 characters; 64 leaves room for a prefix.
pub const MAX_REQUEST_ID_LEN: usize = 64;

/// Whether a host keeps a client's request id, sent once: 1 to [`MAX_REQUEST_ID_LEN`] letters,
/// digits, `-`, `_`, `.` or `:`. Anything else (long, ambiguous, characters a log reader would
/// misread) gets an id of the host's own, the same on every host.
pub fn acceptable_request_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_REQUEST_ID_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// A forwarded header's value as a domain sees it: visible ASCII, spaces and tabs (what the
/// gateway's HTTP stack reads as text); a value with other bytes is not forwarded, on any host.
pub fn forwarded_value(raw: &[u8]) -> Option<&str> {
    raw.iter()
        .all(|&b| b == b'\t' || (0x20..0x7f).contains(&b))
        .then(|| std::str::from_utf8(raw).ok())
        .flatten()
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

    #[test]
    fn only_short_plain_request_ids_are_kept() {
        for ok in ["3f1c2d9e-7b1a-4c3e-9d2f-0a1b2c3d4e5f", "app:42", "a"] {
            assert!(acceptable_request_id(ok), "{ok}");
        }
        let long = "x".repeat(MAX_REQUEST_ID_LEN + 1);
        for bad in ["", "a b", "a\u{1b}[31m", "<script>", long.as_str()] {
            assert!(!acceptable_request_id(bad), "{bad}");
        }
    }

    #[test]
    fn only_plain_header_values_are_forwarded() {
        assert_eq!(forwarded_value(b"it-IT, en;q=0.5"), Some("it-IT, en;q=0.5"));
        assert_eq!(forwarded_value(b"a\tb"), Some("a\tb"));
        for bad in [&b"caf\xc3\xa9"[..], b"a\x00b", b"a\x7fb"] {
            assert_eq!(forwarded_value(bad), None, "{bad:?}");
        }
    }
}
