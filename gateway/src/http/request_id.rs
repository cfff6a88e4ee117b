//! The request id: the client's `X-Request-Id` when it is short and plain, otherwise one of the
//! gateway's own. It names the request in logs, problems and the audit trail, so a client must
//! not be able to make it long, ambiguous (two headers) or carry characters a log reader
//! would misread.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName};

pub const HEADER: HeaderName = HeaderName::from_static("x-request-id");
/// Longest client request id kept: a UUID is 36 characters; 64 leaves room for a prefix.
pub const MAX_LEN: usize = 64;

/// Whether a client's request id is kept: 1 to [`MAX_LEN`] letters, digits, `-`, `_`, `.`
/// or `:`.
pub fn acceptable(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_LEN
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b':'))
}

/// Removes a client's request id that is not [`acceptable`], or that came twice, so that the
/// request-id layer behind this one gives the request a fresh id.
pub async fn sanitise(mut request: Request) -> Request {
    if !kept(request.headers()) {
        request.headers_mut().remove(HEADER);
    }
    request
}

fn kept(headers: &HeaderMap) -> bool {
    let mut values = headers.get_all(HEADER).iter();
    match (values.next(), values.next()) {
        (None, _) => true,
        (Some(one), None) => one.to_str().is_ok_and(acceptable),
        (Some(_), Some(_)) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_short_plain_ids_are_kept() {
        for ok in ["3f1c2d9e-7b1a-4c3e-9d2f-0a1b2c3d4e5f", "app:42", "a"] {
            assert!(acceptable(ok), "{ok}");
        }
        let long = "x".repeat(MAX_LEN + 1);
        for bad in ["", "a b", "a\u{1b}[31m", "<script>", long.as_str()] {
            assert!(!acceptable(bad), "{bad}");
        }
    }
}
