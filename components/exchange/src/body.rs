//! The strict reading of a request body that both hosts apply before anything runs: declared
//! JSON, and one strict JSON document ([`crate::strict_json`]).

use crate::strict_json;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
