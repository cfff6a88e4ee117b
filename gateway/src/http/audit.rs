//! Reading the audit trail: a person (or company) reads who accessed their data
//! (`GET /api/v1/me/audit`); an auditor reads everything, filtered by subject, actor or outcome,
//! and checks the hash chain (`GET /api/v1/audit`, `GET /api/v1/audit/verification`).

use crate::http::native_routes::Own;
use axum::Extension;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::App;
use super::native::{self, json};
use super::unit::unavailable;
use crate::access::audit::{self, Filter, Outcome};
use crate::access::gate;
use crate::problem::Problem;

pub const AUDITOR: &str = "auditor";
const PAGE: usize = 50;
const MAX_PAGE: usize = 500;

/// `GET /api/v1/me/audit`.
pub async fn mine(State(app): State<Arc<App>>, Extension(own): Own, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        let admitted = gate::admit(app.gate(), &parts, &rule, &id).await?;
        let filter = Filter {
            subject: admitted.subject,
            ..filter(parts.uri.query())?
        };
        page(&app, filter, parts.uri.query()).await
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// `GET /api/v1/audit`: everything, for auditors.
pub async fn all(State(app): State<Arc<App>>, Extension(own): Own, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        gate::admit(app.gate(), &parts, &rule, &id).await?;
        let mut filter = filter(parts.uri.query())?;
        filter.subject = native::query_param(parts.uri.query(), "subject");
        filter.actor = native::query_param(parts.uri.query(), "actor");
        page(&app, filter, parts.uri.query()).await
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// `GET /api/v1/audit/verification`: walks the hash chain.
pub async fn verify(
    State(app): State<Arc<App>>,
    Extension(own): Own,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        gate::admit(app.gate(), &parts, &rule, &id).await?;
        let checked = app
            .db
            .read_async(audit::verify)
            .await
            .map_err(unavailable)?;
        Ok(json(
            StatusCode::OK,
            &match checked {
                Ok(rows) => json!({ "intact": true, "rows": rows }),
                Err(seq) => json!({ "intact": false, "first_broken_seq": seq }),
            },
        ))
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

fn filter(query: Option<&str>) -> Result<Filter, Problem> {
    let outcome = match native::query_param(query, "outcome").as_deref() {
        None => None,
        Some("allowed") => Some(Outcome::Allowed),
        Some("refused") => Some(Outcome::Refused),
        Some(_) => return Err(Problem::invalid_field("outcome", "allowed or refused")),
    };
    let after = match native::query_param(query, "cursor") {
        None => 0,
        Some(c) => c
            .parse()
            .map_err(|_| Problem::invalid_field("cursor", "a cursor from next_cursor"))?,
    };
    Ok(Filter {
        outcome,
        after,
        ..Filter::default()
    })
}

async fn page(app: &App, filter: Filter, query: Option<&str>) -> Result<Response, Problem> {
    let limit = native::limit(query, PAGE, MAX_PAGE)?;
    let rows = app
        .db
        .read_async(move |conn| audit::list(conn, &filter, limit))
        .await
        .map_err(unavailable)?;
    let next = (rows.len() == limit)
        .then(|| rows.last().map(|r| r.seq.to_string()))
        .flatten();
    Ok(json(
        StatusCode::OK,
        &json!({ "items": rows, "next_cursor": next }),
    ))
}
