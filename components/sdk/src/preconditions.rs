//! `If-Match` as RFC 9110 §13.1.1 says, for a route that replaces a versioned document whose
//! ETag is its version in quotes (`"7"`): `*` holds when the document exists; a list of
//! entity tags holds when one of them is the document's, compared strongly (a weak tag,
//! `W/"7"`, never holds); no document means no tag holds. A header that is not one of those
//! forms is refused as such rather than read as "no match".

use crate::http::Problem;

/// The ETag of a document at `version`.
pub fn etag(version: u64) -> String {
    format!("\"{version}\"")
}

/// Whether the request may go on against the document at `current` (`None`: there is none),
/// given its `If-Match` header (`None`: not sent, which here always holds). 412 when the
/// condition does not hold, 400 when the header is not an `If-Match` value.
pub fn if_match(header: Option<&str>, current: Option<u64>) -> Result<(), Problem> {
    let Some(header) = header else {
        return Ok(());
    };
    let holds = match parse(header) {
        Some(Condition::Any) => current.is_some(),
        Some(Condition::Tags(tags)) => current.is_some_and(|version| {
            let current = version.to_string();
            tags.iter().any(|t| !t.weak && t.opaque == current)
        }),
        None => {
            return Err(Problem::new(
                400,
                "invalid-if-match",
                "If-Match must be * or a list of entity tags.",
            )
            .with_detail(r#"For example If-Match: "7", the ETag of the version you read."#));
        }
    };
    if holds {
        Ok(())
    } else {
        Err(Problem::new(
            412,
            "precondition-failed",
            "It changed since you read it; read it again.",
        ))
    }
}

/// What an `If-Match` value asks.
#[derive(Debug, PartialEq, Eq)]
enum Condition<'a> {
    Any,
    Tags(Vec<Tag<'a>>),
}

#[derive(Debug, PartialEq, Eq)]
struct Tag<'a> {
    weak: bool,
    opaque: &'a str,
}

/// `*`, or `#entity-tag`: tags separated by commas and optional whitespace, each
/// `[W/]"<etagc>*"` (any visible character but `"`); empty list elements are allowed, an
/// empty list is not.
fn parse(value: &str) -> Option<Condition<'_>> {
    let value = value.trim_matches([' ', '\t']);
    if value == "*" {
        return Some(Condition::Any);
    }
    let mut tags = Vec::new();
    for element in value.split(',') {
        let element = element.trim_matches([' ', '\t']);
        if element.is_empty() {
            continue;
        }
        let (weak, quoted) = match element.strip_prefix("W/") {
            Some(rest) => (true, rest),
            None => (false, element),
        };
        let opaque = quoted.strip_prefix('"')?.strip_suffix('"')?;
        let etagc = |c: char| c == '!' || ('#'..='~').contains(&c) || c as u32 >= 0x80;
        if !opaque.chars().all(etagc) {
            return None;
        }
        tags.push(Tag { weak, opaque });
    }
    (!tags.is_empty()).then_some(Condition::Tags(tags))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn if_match_holds_as_rfc_9110_says() {
        // (header, current version, status: 0 when it holds)
        let cases: &[(Option<&str>, Option<u64>, u16)] = &[
            (None, None, 0),
            (None, Some(3), 0),
            (Some("*"), Some(3), 0),
            (Some("*"), None, 412),
            (Some("\"3\""), Some(3), 0),
            (Some("\"2\""), Some(3), 412),
            (Some("\"3\""), None, 412),
            (Some("\"1\", \"3\""), Some(3), 0),
            (Some(" \"1\" ,\t,\"3\" "), Some(3), 0),
            (Some("\"1\", \"2\""), Some(3), 412),
            // Strong comparison: a weak tag never holds.
            (Some("W/\"3\""), Some(3), 412),
            (Some("W/\"1\", \"3\""), Some(3), 0),
            (Some("3"), Some(3), 400),
            (Some("\"3"), Some(3), 400),
            (Some("\"3 \""), Some(3), 400),
            (Some(""), Some(3), 400),
            (Some(" , "), Some(3), 400),
            (Some("*, \"3\""), Some(3), 400),
        ];
        for (header, current, status) in cases {
            let got = match if_match(*header, *current) {
                Ok(()) => 0,
                Err(p) => p.status,
            };
            assert_eq!(got, *status, "If-Match {header:?} on {current:?}");
        }
    }

    #[test]
    fn a_documents_etag_is_its_version_in_quotes() {
        assert_eq!(etag(7), "\"7\"");
        assert!(if_match(Some(&etag(7)), Some(7)).is_ok());
    }
}
