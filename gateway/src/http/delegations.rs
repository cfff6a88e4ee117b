//! The delegation routes: a person or company grants, lists and revokes delegations
//! (`/api/v1/me/delegations`), an intermediary lists who delegated it, and an operator at an
//! agency office registers a delegation from a signed paper mandate (`/api/v1/delegations`).

use crate::http::native_routes::Own;
use axum::Extension;
use std::sync::Arc;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::App;
use super::native::{self, json};
use super::unit::{Started, commit_failed, replayed, start_idempotent, unavailable};
use crate::access::delegation::{self, Delegation, GrantBody, Grantor, Refused};
use crate::access::gate::{self, Admitted};
use crate::auth::Principal;
use crate::idempotency::{self, Saved};
use crate::problem::Problem;

/// The role of agency office staff, who register paper mandates signed at the desk.
pub const FRONT_OFFICE: &str = "front-office";
const PAGE: usize = 50;
const MAX_PAGE: usize = 200;

/// A page of delegations as the API shows them at `now` (ms); `next` names the cursor when the
/// page is full.
fn page(
    rows: &[Delegation],
    limit: usize,
    now: i64,
    cursor: impl Fn(&Delegation) -> String,
) -> Response {
    let next = (rows.len() == limit)
        .then(|| rows.last().map(&cursor))
        .flatten();
    let items: Vec<_> = rows.iter().map(|d| d.view(now)).collect();
    json(
        StatusCode::OK,
        &json!({ "items": items, "next_cursor": next }),
    )
}

/// `POST /api/v1/me/delegations`.
pub async fn grant(State(app): State<Arc<App>>, Extension(own): Own, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        let admitted = gate::admit(app.gate(), &parts, &rule, &id).await?;
        let body = native::read_body(&app, &parts, body).await?;
        let grantor = Grantor::parse(admitted.subject.as_deref().unwrap_or_default())
            .map_err(|e| Problem::forbidden(e))?;
        let by = admitted.principal.scope();
        store_grant(&app, &parts, &admitted, &body, grantor, by, false).await
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// `POST /api/v1/delegations`: an operator registers a signed paper mandate.
pub async fn register(
    State(app): State<Arc<App>>,
    Extension(own): Own,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        let admitted = gate::admit(app.gate(), &parts, &rule, &id).await?;
        let body = native::read_body(&app, &parts, body).await?;
        let raw: GrantBody = native::parse_json(&body)?;
        let grantor = Grantor::parse(raw.grantor.as_deref().unwrap_or_default())
            .map_err(|e| Problem::invalid_field("grantor", e))?;
        let by = admitted.principal.scope();
        store_grant(&app, &parts, &admitted, &body, grantor, by, true).await
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

async fn store_grant(
    app: &App,
    parts: &axum::http::request::Parts,
    admitted: &Admitted,
    body: &[u8],
    grantor: Grantor,
    by: String,
    paper: bool,
) -> Result<Response, Problem> {
    let subject = Some(grantor.id());
    let key = match start_idempotent(
        app,
        parts,
        &admitted.principal,
        subject.as_deref(),
        body,
        true,
    )
    .await?
    {
        Started::Proceed(key) => key.expect("required"),
        Started::Replayed(saved) => return Ok(replayed(saved)),
    };
    // The key is held until the grant is stored or refused, and freed before the answer.
    let result = async {
        let at = app.db.now();
        let now = at.ms();
        let validated = native::parse_json::<GrantBody>(body).and_then(|raw| {
            Delegation::new(raw, grantor, by, &app.delegable, now, paper).map_err(Problem::invalid)
        });
        let d = validated?;
        let view = d.view(now);
        let saved = Saved {
            status: 201,
            headers: vec![
                ("content-type".into(), "application/json".into()),
                (
                    "location".into(),
                    format!("/api/v1/me/delegations/{}", d.id),
                ),
            ],
            body: serde_json::to_vec(&view).expect("serialising JSON"),
        };
        let for_commit = saved.clone();
        let commit_key = key.key().clone();
        let stored = app
            .db
            .write(move |conn| {
                let outcome = delegation::insert(conn, &d);
                if outcome.is_ok() {
                    idempotency::finish(conn, &commit_key, &for_commit, at)?;
                }
                Ok(outcome)
            })
            .await;
        match stored {
            Ok(Ok(())) => Ok(super::unit::build(&saved)),
            Ok(Err(refused)) => Err(refusal(refused)),
            Err(e) => Err(commit_failed(e)),
        }
    }
    .await;
    drop(key);
    result
}

fn refusal(refused: Refused) -> Problem {
    match refused {
        Refused::Exists(id) => Problem::new(
            StatusCode::CONFLICT,
            "delegation-exists",
            "There is an active delegation to this organisation already.",
        )
        .detail(format!("Revoke {id} first, then grant the new one.")),
        Refused::TooMany => Problem::new(
            StatusCode::CONFLICT,
            "too-many-delegations",
            "Too many active delegations.",
        )
        .detail(format!(
            "At most {} at once; revoke one first.",
            delegation::MAX_ACTIVE_PER_GRANTOR
        )),
        Refused::NotFound => {
            Problem::new(StatusCode::NOT_FOUND, "not-found", "No such delegation.")
        }
        Refused::NotActive => Problem::new(
            StatusCode::CONFLICT,
            "delegation-not-active",
            "The delegation is no longer active.",
        )
        .detail("It was revoked or has expired already."),
        Refused::Store(e) => unavailable(e),
    }
}

/// `GET /api/v1/me/delegations`: every delegation the caller gave, newest first.
pub async fn mine(State(app): State<Arc<App>>, Extension(own): Own, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        let admitted = gate::admit(app.gate(), &parts, &rule, &id).await?;
        let limit = native::limit(parts.uri.query(), PAGE, MAX_PAGE)?;
        let cursor = native::query_param(parts.uri.query(), "cursor");
        let grantor = admitted.subject.unwrap_or_default();
        let rows = app
            .db
            .read_async(move |conn| {
                delegation::of_grantor(conn, &grantor, cursor.as_deref(), limit)
            })
            .await
            .map_err(unavailable)?;
        Ok(page(&rows, limit, app.db.now().ms(), |d| d.id.clone()))
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// `GET /api/v1/me/delegations/{id}`: one delegation the caller gave, whatever its status
/// (where `Location` points when it is granted); 404 for any other.
pub async fn one(
    State(app): State<Arc<App>>,
    Extension(own): Own,
    delegation_id: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        let admitted = gate::admit(app.gate(), &parts, &rule, &id).await?;
        let Path(delegation_id) = delegation_id.map_err(native::bad_parameter)?;
        let grantor = admitted.subject.unwrap_or_default();
        let found = app
            .db
            .read_async(move |conn| delegation::one_of_grantor(conn, &grantor, &delegation_id))
            .await
            .map_err(unavailable)?
            .ok_or(Refused::NotFound)
            .map_err(refusal)?;
        Ok(json(StatusCode::OK, &found.view(app.db.now().ms())))
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// `DELETE /api/v1/me/delegations/{id}`: revoked at once; the intermediary's next request
/// for the person is refused.
pub async fn revoke(
    State(app): State<Arc<App>>,
    Extension(own): Own,
    delegation_id: Result<Path<String>, PathRejection>,
    request: Request,
) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        let admitted = gate::admit(app.gate(), &parts, &rule, &id).await?;
        let Path(delegation_id) = delegation_id.map_err(native::bad_parameter)?;
        let grantor = admitted.subject.unwrap_or_default();
        let by = admitted.principal.scope();
        let now = app.db.now().ms();
        let revoked = app
            .db
            .write(move |conn| Ok(delegation::revoke(conn, &grantor, &delegation_id, &by, now)))
            .await
            .map_err(unavailable)?
            .map_err(refusal)?;
        Ok(json(StatusCode::OK, &revoked.view(now)))
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// `GET /api/v1/delegations`: the people and companies whose active delegations the calling
/// intermediary holds, by fiscal code or VAT number.
pub async fn held(State(app): State<Arc<App>>, Extension(own): Own, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        let admitted = gate::admit(app.gate(), &parts, &rule, &id).await?;
        let Principal::Intermediary { organisation, .. } = admitted.principal else {
            return Err(Problem::forbidden("Intermediaries only."));
        };
        let limit = native::limit(parts.uri.query(), PAGE, MAX_PAGE)?;
        let cursor = native::query_param(parts.uri.query(), "cursor");
        let now = app.db.now().ms();
        let rows = app
            .db
            .read_async(move |conn| {
                delegation::active_to_org(conn, &organisation, now, cursor.as_deref(), limit)
            })
            .await
            .map_err(unavailable)?;
        Ok(page(&rows, limit, now, |d| d.grantor.clone()))
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}
