//! The refusals both hosts answer for the same reason, as RFC 9457 problems with the same
//! `urn:welfare:problem:<slug>` type, title, fixed detail and header: a client cannot tell
//! which host refused it. Each host only renders them (`gateway/src/http/native.rs`,
//! `components/spin/http/src/problem.rs`). Refusals only one host answers (the gateway's
//! leased keys, delegations, vouchers) stay with that host.

/// One refusal: its status, slug and title, the detail when it never changes, and the header
/// it always carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub status: u16,
    /// The problem's `urn:welfare:problem:` suffix.
    pub slug: &'static str,
    pub title: &'static str,
    /// The detail, when it is the same for every request (else the host adds its own).
    pub detail: Option<&'static str>,
    /// A header the answer carries (lower-case name, value).
    pub header: Option<(&'static str, &'static str)>,
}

impl Refusal {
    const fn new(status: u16, slug: &'static str, title: &'static str) -> Self {
        Self {
            status,
            slug,
            title,
            detail: None,
            header: None,
        }
    }

    const fn detail(mut self, detail: &'static str) -> Self {
        self.detail = Some(detail);
        self
    }

    const fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.header = Some((name, value));
        self
    }

    /// The problem's `type`.
    pub fn problem_type(&self) -> String {
        format!("urn:welfare:problem:{}", self.slug)
    }
}

/// No declared route matches the path (404).
pub const NOT_FOUND: Refusal = Refusal::new(404, "not-found", "No such route.");

/// The path is declared, not with this method (405); the detail is [`allowed_detail`] and
/// the `Allow` header [`crate::routes::allow`].
pub const METHOD_NOT_ALLOWED: Refusal = Refusal::new(
    405,
    "method-not-allowed",
    "This path does not take that method.",
);

/// The detail of a 405: the methods the path takes.
pub fn allowed_detail(allow: &str) -> String {
    format!("Allowed: {allow}.")
}

/// A singleton header ([`crate::SINGLETON_HEADERS`]) appears twice (400); the detail is
/// [`duplicate_header_detail`].
pub const DUPLICATE_HEADER: Refusal = Refusal::new(
    400,
    "duplicate-header",
    "A header that may appear once appears more than once.",
);

/// The detail of a [`DUPLICATE_HEADER`] refusal.
pub fn duplicate_header_detail(name: &str) -> String {
    format!("Send one `{name}` header.")
}

/// The body could not be read (a broken transfer encoding, a connection cut mid-body).
pub const MALFORMED_BODY: Refusal =
    Refusal::new(400, "malformed-body", "The request body could not be read.")
        .detail("Its transfer encoding is broken or it ended early; send it again.");

/// A route that creates something, called without an `Idempotency-Key` (400).
pub const IDEMPOTENCY_KEY_REQUIRED: Refusal = Refusal::new(
    400,
    "idempotency-key-required",
    "This request creates something: send an Idempotency-Key header.",
)
.detail(
    "Use a new random value (for example a UUID) per operation, and the same value when retrying it.",
);

/// The refusal of an `Idempotency-Key` on an anonymous request (400): a key is kept per caller,
/// and anonymous callers cannot be told apart, so one of them could claim a key another is
/// about to use and have that request refused or answered with someone else's result. No
/// anonymous route creates anything that needs one (a vote is counted once per search).
pub const ANONYMOUS_IDEMPOTENCY_KEY: Refusal = Refusal::new(
    400,
    "idempotency-key-not-allowed",
    "Anonymous requests cannot carry an Idempotency-Key.",
)
.detail("Send the request without the key, or with a token: keys are kept per caller.");

/// A key that is not 1 to 255 printable ASCII characters (400).
pub const INVALID_IDEMPOTENCY_KEY: Refusal = Refusal::new(
    400,
    "invalid-idempotency-key",
    "An Idempotency-Key is 1 to 255 printable ASCII characters.",
);

/// A key that came with another request first (422).
pub const IDEMPOTENCY_KEY_REUSED: Refusal = Refusal::new(
    422,
    "idempotency-key-reused",
    "This Idempotency-Key was used for another request.",
)
.detail("Use a new key for a new request.");

/// A version that moved between the handler's reads and the commit (409).
pub const CONFLICT: Refusal = Refusal::new(
    409,
    "conflict",
    "A concurrent request changed the same data.",
)
.detail("Nothing was saved; read the resource again and retry.");

/// The database could not be read or written (503).
pub const STORE_UNAVAILABLE: Refusal = Refusal::new(
    503,
    "store-unavailable",
    "The platform cannot save data right now.",
)
.detail("Nothing was saved; retry shortly.")
.header("retry-after", "1");

/// A component answered with a status outside 100-599 ([`crate::Outcome::Fault`]).
pub const COMPONENT_ANSWERED_INCORRECTLY: Refusal =
    Refusal::new(500, "component-fault", "The service answered incorrectly.");

/// No usable token (401, with RFC 6750's challenge); the detail says what was wrong.
pub const UNAUTHORIZED: Refusal = Refusal::new(401, "unauthorized", "Authentication is required.")
    .header("www-authenticate", "Bearer error=\"invalid_token\"");

/// A verified caller who may not do this (403); the detail says why.
pub const FORBIDDEN: Refusal = Refusal::new(403, "forbidden", "You may not do this.");

/// A citizen or company naming someone else in `On-Behalf-Of`: [`FORBIDDEN`] with this detail.
pub const ACT_FOR_YOURSELF: Refusal = FORBIDDEN
    .detail("You act for yourself only; intermediaries act for others under a delegation.");

/// `On-Behalf-Of` that is neither a fiscal code nor a VAT number (400).
pub const INVALID_ON_BEHALF_OF: Refusal = Refusal::new(
    400,
    "invalid-on-behalf-of",
    "On-Behalf-Of must be a valid fiscal code or VAT number.",
);

/// `On-Behalf-Of` from a caller who acts for nobody else: operators, anonymous callers (400).
pub const ON_BEHALF_OF_NOT_ALLOWED: Refusal = Refusal::new(
    400,
    "on-behalf-of-not-allowed",
    "Only intermediaries act on behalf of someone: remove On-Behalf-Of.",
);

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Refusal] = &[
        NOT_FOUND,
        METHOD_NOT_ALLOWED,
        DUPLICATE_HEADER,
        MALFORMED_BODY,
        IDEMPOTENCY_KEY_REQUIRED,
        ANONYMOUS_IDEMPOTENCY_KEY,
        INVALID_IDEMPOTENCY_KEY,
        IDEMPOTENCY_KEY_REUSED,
        CONFLICT,
        STORE_UNAVAILABLE,
        COMPONENT_ANSWERED_INCORRECTLY,
        UNAUTHORIZED,
        FORBIDDEN,
        ACT_FOR_YOURSELF,
        INVALID_ON_BEHALF_OF,
        ON_BEHALF_OF_NOT_ALLOWED,
    ];

    #[test]
    fn refusals_are_errors_with_problem_slugs() {
        for r in ALL {
            assert!((400..600).contains(&r.status), "{r:?}");
            assert!(
                !r.slug.is_empty() && r.slug.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'),
                "{r:?}"
            );
            assert!(r.title.ends_with('.'), "{r:?}");
            if let Some((name, _)) = r.header {
                assert_eq!(name, name.to_ascii_lowercase(), "{r:?}");
            }
        }
        assert_eq!(NOT_FOUND.problem_type(), "urn:welfare:problem:not-found");
    }

    #[test]
    fn the_details_name_what_to_do() {
        assert_eq!(allowed_detail("GET, POST"), "Allowed: GET, POST.");
        assert_eq!(
            duplicate_header_detail("authorization"),
            "Send one `authorization` header."
        );
        assert_eq!(STORE_UNAVAILABLE.header, Some(("retry-after", "1")));
        assert_eq!(
            UNAUTHORIZED.header,
            Some(("www-authenticate", "Bearer error=\"invalid_token\""))
        );
    }
}
