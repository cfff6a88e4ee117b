//! CORS (the Fetch standard): the methods a browser app on another origin may use, the request
//! headers it may send and the response headers it may read, the same on both hosts.

use crate::idempotency::IDEMPOTENCY_KEY;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_are_allowed_by_list_or_by_star() {
        let listed = vec!["https://app.example".to_string()];
        assert_eq!(
            cors_allow_origin(&listed, Some("https://app.example")).as_deref(),
            Some("https://app.example")
        );
        assert_eq!(
            cors_allow_origin(&listed, Some("https://evil.example")),
            None
        );
        assert_eq!(cors_allow_origin(&listed, None), None);
        let any = vec!["*".to_string()];
        assert_eq!(cors_allow_origin(&any, None).as_deref(), Some("*"));
        assert_eq!(cors_allow_origin(&[], Some("https://app.example")), None);
    }
}
