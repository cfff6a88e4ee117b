//! What passes between a host and a domain component, the same on every host: the request
//! headers a domain sees, the response headers it may set, how an `Idempotency-Key` is
//! bound to the request it first came with, and the strict reading of a request's headers
//! and body that both hosts apply before anything runs.

use sha2::{Digest, Sha256};

use crate::strict_json;

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

/// CORS (the Fetch standard): the methods a browser app on another origin may use, the request
/// headers it may send and the response headers it may read, the same on both hosts.
pub const CORS_ALLOW_METHODS: &[&str] = &["GET", "POST", "PUT", "PATCH", "DELETE"];
pub const CORS_ALLOW_HEADERS: &[&str] = &[
    "authorization",
    "content-type",
    "if-match",
    "accept-language",
    IDEMPOTENCY_KEY,
    "on-behalf-of",
    // ModI (interoperability calls): the signature, the tracking evidence and the digest.
    "agid-jwt-signature",
    "agid-jwt-trackingevidence",
    "digest",
    "x-request-id",
];
pub const CORS_EXPOSE_HEADERS: &[&str] = &[
    "etag",
    "location",
    "retry-after",
    "x-request-id",
    "idempotent-replayed",
];

/// The `Access-Control-Allow-Origin` for a request from `origin`, given the origins a
/// deployment allows (`*` allows any): `*`, the origin itself when listed, else `None` (the
/// browser then keeps the answer from the page).
pub fn cors_allow_origin(allowed: &[String], origin: Option<&str>) -> Option<String> {
    if allowed.iter().any(|o| o == "*") {
        return Some("*".into());
    }
    let origin = origin?;
    allowed
        .iter()
        .any(|o| o == origin)
        .then(|| origin.to_string())
}

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

/// Whether `content_type` is JSON: `application/json` or `application/<anything>+json`, any
/// case, with any parameters (`; charset=utf-8`).
pub fn is_json_media_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.split_once('/') {
        Some(("application", sub)) => {
            !sub.is_empty()
                && !sub.contains(char::is_whitespace)
                && (sub == "json" || (sub.len() > "+json".len() && sub.ends_with("+json")))
        }
        _ => false,
    }
}

/// Why a request body is refused before the domain sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyRefusal {
    /// A body whose `Content-Type` is missing or not JSON (the type sent, if any). Refusing
    /// it keeps browsers' "simple" cross-site requests (`text/plain`, forms), which need no
    /// CORS preflight, from ever running.
    UnsupportedMediaType(Option<String>),
    /// Not strict JSON.
    Json(strict_json::Fault),
    /// Longer than the host takes (its limit, in bytes): 413 on both hosts, one slug.
    TooLarge { max_bytes: usize },
}

impl BodyRefusal {
    pub fn status(&self) -> u16 {
        match self {
            BodyRefusal::UnsupportedMediaType(_) => 415,
            BodyRefusal::Json(_) => 400,
            BodyRefusal::TooLarge { .. } => 413,
        }
    }

    /// The problem's `urn:welfare:problem:` slug.
    pub fn slug(&self) -> &'static str {
        match self {
            BodyRefusal::UnsupportedMediaType(_) => "unsupported-media-type",
            BodyRefusal::Json(fault) => fault.slug(),
            BodyRefusal::TooLarge { .. } => "body-too-large",
        }
    }

    pub fn title(&self) -> &'static str {
        match self {
            BodyRefusal::UnsupportedMediaType(_) => "The request body must be JSON.",
            BodyRefusal::Json(fault) => fault.title(),
            BodyRefusal::TooLarge { .. } => "The request body is too large.",
        }
    }

    pub fn detail(&self) -> String {
        match self {
            BodyRefusal::UnsupportedMediaType(Some(sent)) => {
                format!("Send it as `Content-Type: application/json`, not `{sent}`.")
            }
            BodyRefusal::UnsupportedMediaType(None) => {
                "Send it with `Content-Type: application/json`.".into()
            }
            BodyRefusal::Json(fault) => format!("{fault}."),
            BodyRefusal::TooLarge { max_bytes } => format!("At most {max_bytes} bytes."),
        }
    }
}

/// The strict reading of a request body, before any domain or handler sees it: an empty body
/// passes (routes that need one say so themselves); any other must be declared JSON and be
/// one strict JSON document ([`strict_json::check`]).
pub fn check_body(content_type: Option<&str>, body: &[u8]) -> Result<(), BodyRefusal> {
    if body.is_empty() {
        return Ok(());
    }
    match content_type {
        Some(ct) if is_json_media_type(ct) => {}
        other => {
            return Err(BodyRefusal::UnsupportedMediaType(other.map(str::to_string)));
        }
    }
    strict_json::check(body).map_err(BodyRefusal::Json)
}

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

    #[test]
    fn json_media_types() {
        for json in [
            "application/json",
            "Application/JSON; charset=utf-8",
            "application/merge-patch+json",
            "application/problem+json ;charset=UTF-8",
        ] {
            assert!(is_json_media_type(json), "{json}");
        }
        for other in [
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data; boundary=x",
            "text/json",
            "application/+json",
            "application/jsonx",
            "",
        ] {
            assert!(!is_json_media_type(other), "{other}");
        }
    }

    #[test]
    fn bodies_are_json_declared_and_strict() {
        assert_eq!(check_body(None, b""), Ok(()));
        assert_eq!(check_body(Some("text/plain"), b""), Ok(()));
        assert_eq!(check_body(Some("application/json"), b"{}"), Ok(()));
        let refusal = check_body(Some("text/plain"), b"{}").unwrap_err();
        assert_eq!(
            (refusal.status(), refusal.slug()),
            (415, "unsupported-media-type")
        );
        assert_eq!(check_body(None, b"{}").unwrap_err().status(), 415);
        let twice = check_body(Some("application/json"), br#"{"a":1,"a":2}"#).unwrap_err();
        assert_eq!((twice.status(), twice.slug()), (400, "duplicate-key"));
        assert_eq!(twice.detail(), "`a` appears twice in one object.");
        let trailing = check_body(Some("application/json"), b"{} {}").unwrap_err();
        assert_eq!(trailing.slug(), "invalid-json");
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
