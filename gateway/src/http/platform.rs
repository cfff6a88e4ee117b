//! Routes the gateway answers itself: health, readiness, metrics, the OpenAPI document, the
//! operators' dead-letter list, and running a calendar day's work.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;

use super::App;
use crate::access::gate::{self, Rule};
use crate::auth::PrincipalKind;
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

pub async fn readyz(State(app): State<Arc<App>>) -> Response {
    match app.db.read_async(|conn| conn.row("SELECT 1", &[])).await {
        Ok(_) => Json(serde_json::json!({
            "status": "ready",
            "components": app.runtime.components().map(|c| serde_json::json!({ "name": c.manifest.name, "version": c.manifest.version })).collect::<Vec<_>>(),
        }))
        .into_response(),
        Err(e) => Problem::new(StatusCode::SERVICE_UNAVAILABLE, "not-ready", "The database does not answer.").detail(e.to_string()).into_response(),
    }
}

pub async fn metrics(State(app): State<Arc<App>>) -> Response {
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

/// Admits an operator with one of `roles` through the gate, so that a refusal is audited like
/// every other.
async fn operator(
    app: &App,
    request: axum::extract::Request,
    template: &str,
    roles: &[&str],
) -> Result<(), Problem> {
    let (parts, _) = request.into_parts();
    let roles: Vec<String> = roles.iter().map(|r| r.to_string()).collect();
    let rule = Rule::platform(template, &[PrincipalKind::Operator], &roles, None);
    gate::admit(app, &parts, &rule, &super::native::request_id(&parts))
        .await
        .map(|_| ())
}

fn store_unavailable(e: crate::store::StoreError) -> Problem {
    Problem::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "store-unavailable",
        e.to_string(),
    )
}

#[derive(Deserialize)]
pub struct Cursor {
    cursor: Option<i64>,
}

pub async fn dead_letters(
    State(app): State<Arc<App>>,
    Query(q): Query<Cursor>,
    request: axum::extract::Request,
) -> Result<Response, Problem> {
    operator(
        &app,
        request,
        "/api/v1/admin/dead-letters",
        DEAD_LETTER_READERS,
    )
    .await?;
    let after = q.cursor.unwrap_or(0);
    let rows = app
        .db
        .read_async(move |conn| outbox::dead_letters(conn, after, DEAD_LETTER_PAGE))
        .await
        .map_err(store_unavailable)?;
    let next = (rows.len() == DEAD_LETTER_PAGE as usize)
        .then(|| rows.last().map(|(seq, _)| *seq))
        .flatten();
    let items: Vec<_> = rows.into_iter().map(|(_, d)| d).collect();
    let mut response =
        Json(serde_json::json!({ "items": items, "next_cursor": next })).into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

pub async fn replay(
    State(app): State<Arc<App>>,
    Path((event_id, consumer)): Path<(String, String)>,
    request: axum::extract::Request,
) -> Result<Response, Problem> {
    operator(
        &app,
        request,
        "/api/v1/admin/dead-letters/{event_id}/{consumer}/replay",
        &[PLATFORM_OPERATOR],
    )
    .await?;
    let found = app
        .db
        .write(move |conn| outbox::replay(conn, &event_id, &consumer))
        .await
        .map_err(store_unavailable)?;
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

/// `POST /api/v1/admin/days/{date}` (`platform-operator`): publishes `date`'s
/// `platform.day-started` event, for a day missed while the platform was down. A day already
/// published is not published again (200, `"published": false`).
pub async fn run_day(
    State(app): State<Arc<App>>,
    Path(date): Path<String>,
    request: axum::extract::Request,
) -> Result<Response, Problem> {
    operator(
        &app,
        request,
        "/api/v1/admin/days/{date}",
        &[PLATFORM_OPERATOR],
    )
    .await?;
    let day: jiff::civil::Date = date.parse().map_err(|_| {
        Problem::bad_request("invalid-date", "The day must be a date as YYYY-MM-DD.")
    })?;
    if day > crate::clock::today() && !app.config.clock.allow_future_days {
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
        .map_err(store_unavailable)?;
    if published {
        app.outbox_wake.notify_one();
    }
    let status = if published {
        StatusCode::ACCEPTED
    } else {
        StatusCode::OK
    };
    let mut response = (
        status,
        Json(serde_json::json!({
            "date": day.to_string(),
            "event_id": crate::clock::event_id(day),
            "published": published,
        })),
    )
        .into_response();
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}
