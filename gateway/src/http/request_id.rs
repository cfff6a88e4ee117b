//! The request id: the client's `X-Request-Id` when it is short and plain, otherwise one of the
//! gateway's own. It names the request in logs, problems and the audit trail, so a client must
//! not be able to make it long, ambiguous (two headers) or carry characters a log reader
//! would misread.

use axum::extract::Request;
use axum::http::{HeaderMap, HeaderName};

pub const HEADER: HeaderName = HeaderName::from_static(welfare_exchange::REQUEST_ID);
/// The rule both hosts keep a client's id by (`welfare_exchange::acceptable_request_id`).
pub use welfare_exchange::{MAX_REQUEST_ID_LEN as MAX_LEN, acceptable_request_id as acceptable};

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
