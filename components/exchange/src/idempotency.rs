//! `Idempotency-Key`: which requests take one, how a key is checked, the scope it is kept
//! under (its caller, and the subject it acts for) and the fingerprint that binds it to the
//! request it first came with. Where the answers are kept is each host's own (the gateway's
//! leased rows, the Spin adapter's committed records).

use sha2::{Digest, Sha256};
use welfare_auth::Principal;

use crate::refusal::{self, Refusal};

/// The header that makes a POST safe to retry.
pub const IDEMPOTENCY_KEY: &str = "idempotency-key";

/// Longest key accepted (the IETF draft suggests UUIDs; 255 leaves room for others).
pub const MAX_IDEMPOTENCY_KEY_LEN: usize = 255;

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

/// The scope a key is kept under: the caller ([`Principal::scope`]), and the subject when the
/// request is about one, so that an intermediary's key for one person never answers for
/// another.
pub fn scope(principal: &Principal, subject: Option<&str>) -> String {
    match subject {
        Some(s) => format!("{}|{s}", principal.scope()),
        None => principal.scope(),
    }
}

/// The `Idempotency-Key` header as a host found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHeader<'a> {
    Absent,
    /// Present, but not text the host can read.
    NotText,
    Text(&'a str),
}

/// A request's key, checked, with the scope it is kept under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Keyed<'a> {
    pub scope: String,
    pub key: &'a str,
}

/// The key a request is run under, if any, or the refusal to answer: only a POST takes one
/// (`post`); a route that creates something (`required`) must have one; an anonymous caller
/// may not send one ([`refusal::ANONYMOUS_IDEMPOTENCY_KEY`]); a key must be
/// [`valid_idempotency_key`].
pub fn key<'a>(
    post: bool,
    header: KeyHeader<'a>,
    principal: &Principal,
    subject: Option<&str>,
    required: bool,
) -> Result<Option<Keyed<'a>>, Refusal> {
    if !post {
        return Ok(None);
    }
    let raw = match header {
        KeyHeader::Absent if required => return Err(refusal::IDEMPOTENCY_KEY_REQUIRED),
        KeyHeader::Absent => return Ok(None),
        KeyHeader::NotText => None,
        KeyHeader::Text(text) => Some(text),
    };
    if *principal == Principal::Anonymous {
        return Err(refusal::ANONYMOUS_IDEMPOTENCY_KEY);
    }
    let key = raw
        .filter(|k| valid_idempotency_key(k))
        .ok_or(refusal::INVALID_IDEMPOTENCY_KEY)?;
    Ok(Some(Keyed {
        scope: scope(principal, subject),
        key,
    }))
}

#[cfg(test)]
mod tests {
    use welfare_auth::{IntermediaryKind, Level};
    use welfare_identity::FiscalCode;

    use super::*;

    fn mario() -> Principal {
        Principal::Citizen {
            fiscal_code: FiscalCode::parse("RSSMRA85T10A562S").unwrap(),
            level: Level::L2,
        }
    }

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
    }

    #[test]
    fn a_scope_names_the_caller_and_the_subject() {
        assert_eq!(scope(&mario(), None), "citizen:RSSMRA85T10A562S");
        let caf = Principal::Intermediary {
            organisation: "caf-roma".into(),
            kind: IntermediaryKind::Caf,
        };
        assert_eq!(
            scope(&caf, Some("RSSMRA85T10A562S")),
            "intermediary:caf-roma|RSSMRA85T10A562S"
        );
        assert_ne!(scope(&caf, Some("VRDLRA90A41H501X")), scope(&caf, None));
    }

    #[test]
    fn only_posts_take_keys_and_only_from_known_callers() {
        let text = KeyHeader::Text("k-1");
        // Not a POST: the key is ignored, even a malformed one.
        assert_eq!(
            key(false, KeyHeader::NotText, &mario(), None, true),
            Ok(None)
        );
        assert_eq!(
            key(true, text, &mario(), Some("RSSMRA85T10A562S"), true),
            Ok(Some(Keyed {
                scope: "citizen:RSSMRA85T10A562S|RSSMRA85T10A562S".into(),
                key: "k-1",
            }))
        );
        assert_eq!(
            key(true, KeyHeader::Absent, &mario(), None, false),
            Ok(None)
        );
        assert_eq!(
            key(true, KeyHeader::Absent, &mario(), None, true),
            Err(refusal::IDEMPOTENCY_KEY_REQUIRED)
        );
        assert_eq!(
            key(true, text, &Principal::Anonymous, None, false),
            Err(refusal::ANONYMOUS_IDEMPOTENCY_KEY)
        );
        // The anonymous refusal comes first, whatever the key.
        assert_eq!(
            key(true, KeyHeader::NotText, &Principal::Anonymous, None, false),
            Err(refusal::ANONYMOUS_IDEMPOTENCY_KEY)
        );
        for bad in [
            KeyHeader::NotText,
            KeyHeader::Text(""),
            KeyHeader::Text("é"),
        ] {
            assert_eq!(
                key(true, bad, &mario(), None, false),
                Err(refusal::INVALID_IDEMPOTENCY_KEY),
                "{bad:?}"
            );
        }
    }
}
