//! Routes the gateway answers itself: health, readiness, metrics, the OpenAPI document, the
//! operators' dead-letter list, and running a calendar day's work.

use crate::http::native_routes::{NativeRoute, Own};
use axum::Extension;
use std::sync::Arc;

use axum::Json;
use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::response::{IntoResponse, Response};

use super::{App, native, unavailable};
use crate::access::gate;
use crate::outbox;
use crate::problem::Problem;

/// Roles that may read dead letters.
pub const DEAD_LETTER_READERS: &[&str] = &["platform-operator", "auditor"];
/// The role that runs the platform: replays dead letters, runs missed days.
pub const PLATFORM_OPERATOR: &str = "platform-operator";
/// Page size of the dead-letter list.
const DEAD_LETTER_PAGE: u32 = 100;

pub async fn healthz() -> impl IntoResponse {
    Json(serde_json::json!({ "status": "ok" }))
}

/// Ready when the database answers. The database's own error goes to the log only: this
/// route is anonymous, and an error can name hosts, users or paths.
pub async fn readyz(State(app): State<Arc<App>>) -> Response {
    match app.db.read_async(|conn| conn.row("SELECT 1", &[])).await {
        Ok(_) => Json(serde_json::json!({
            "status": "ready",
            "components": app.runtime.components().map(|c| serde_json::json!({ "name": c.manifest.name, "version": c.manifest.version })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "readiness: the database does not answer");
            Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "The database does not answer.")
                .detail("The store is unavailable; see the gateway's log.")
                .into_response()
        }
    }
}

pub async fn metrics(State(app): State<Arc<App>>) -> Response {
    app.metrics.store_commits(app.db.commit_stats());
    let mut response = app.metrics.render().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    response
}

pub async fn openapi(State(app): State<Arc<App>>) -> Response {
    let mut response = app.openapi.clone().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// Admits an operator through the gate with the route's rule (its roles), so that a refusal is
/// audited like every other.
async fn operator(app: &App, parts: &Parts, route: &'static NativeRoute) -> Result<(), Problem> {
    gate::admit(app.gate(), parts, &route.rule(), &native::request_id(parts))
        .await
        .map(|_| ())
}

/// `GET /api/v1/admin/dead-letters[?cursor=]`.
pub async fn dead_letters(
    State(app): State<Arc<App>>,
    Extension(own): Own,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let result = async {
        operator(&app, &parts, own).await?;
        let after = match native::query_param(parts.uri.query(), "cursor") {
            None => 0,
            Some(c) => c
                .parse::<i64>()
                .map_err(|_| Problem::invalid_field("cursor", "a cursor from next_cursor"))?,
        };
        let rows = app
            .db
            .read_async(move |conn| outbox::dead_letters(conn, after, DEAD_LETTER_PAGE))
            .await
            .map_err(unavailable)?;
        let next = (rows.len() == DEAD_LETTER_PAGE as usize)
            .then(|| rows.last().map(|(seq, _)| *seq))
            .flatten();
        let items: Vec<_> = rows.into_iter().map(|(_, d)| d).collect();
        Ok(Json(serde_json::json!({ "items": items, "next_cursor": next })).into_response())
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// `POST /api/v1/admin/dead-letters/{event_id}/{consumer}/replay`.
pub async fn replay(
    State(app): State<Arc<App>>,
    Extension(own): Own,
    params: Result<Path<(String, String)>, PathRejection>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let result = async {
        operator(&app, &parts, own).await?;
        let Path((event_id, consumer)) = params.map_err(native::bad_parameter)?;
        let at = app.db.now();
        let found = app
            .db
            .write(move |conn| outbox::replay(conn, &event_id, &consumer, at))
            .await
            .map_err(unavailable)?;
        if !found {
            return Err(Problem::new(
                StatusCode::NOT_FOUND,
                "not-found",
                "No such dead letter.",
            ));
        }
        app.outbox_wake.notify_one();
        Ok((
            StatusCode::ACCEPTED,
            Json(serde_json::json!({ "status": "queued" })),
        )
            .into_response())
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// `POST /api/v1/admin/days/{date}` (`platform-operator`): publishes `date`'s
/// `platform.day-started` event, for a day missed while the platform was down. A day already
/// published is not published again (200, `"published": false`).
pub async fn run_day(
    State(app): State<Arc<App>>,
    Extension(own): Own,
    date: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let result = async {
        operator(&app, &parts, own).await?;
        let Path(date) = date.map_err(native::bad_parameter)?;
        let day: jiff::civil::Date = date.parse().map_err(|_| {
            Problem::bad_request("invalid-date", "The day must be a date as YYYY-MM-DD.")
        })?;
        if day > app.db.now().date() && !app.config.clock.allow_future_days {
            return Err(Problem::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "future-day",
                "That day has not started yet.",
            )
            .detail(
                "Only test and training environments (`clock.allow_future_days`) run future days.",
            ));
        }
        let published = crate::clock::publish_day(&app.db, &app.runtime.subscribers(), day)
            .await
            .map_err(unavailable)?;
        if published {
            app.outbox_wake.notify_one();
        }
        let status = if published {
            StatusCode::ACCEPTED
        } else {
            StatusCode::OK
        };
        Ok((
            status,
            Json(serde_json::json!({
                "date": day.to_string(),
                "event_id": crate::clock::event_id(day),
                "published": published,
            })),
        )
            .into_response())
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// `405` for a gateway route asked with a method it does not take (axum adds `Allow`), as
/// problem+json like every other error.
pub async fn method_not_allowed(request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let problem = Problem::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method-not-allowed",
        "This path does not take that method.",
    );
    native::problem(problem, native::request_id(&parts))
}
