//! `GET /api/v1/me`: the citizen's (or the company's) dossier, composed from every domain's
//! `summary`, each in its own fresh instance and all at once, so that one domain's failure
//! (trap, timeout, outage) degrades only its own section.
//!
//! This is the dossier's core; segments, proposed services, news and intermediaries acting
//! under a delegation are the identity issue's to add.

use std::sync::Arc;

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::App;
use crate::auth::{Level, Principal};
use crate::problem::Problem;

/// The dossier is personal data: SPID/CIE level 2 or more, as for every personal service.
const MIN_LEVEL: Level = Level::L2;

pub async fn me(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    match dossier(&app, &headers).await {
        Ok(body) => {
            let mut response = Json(body).into_response();
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(problem) => problem.into_response(),
    }
}

async fn dossier(app: &Arc<App>, headers: &HeaderMap) -> Result<Value, Problem> {
    let value = headers
        .get(header::AUTHORIZATION)
        .ok_or_else(|| Problem::unauthorized("This route needs a bearer token."))?
        .to_str()
        .map_err(|_| Problem::unauthorized("The Authorization header is not text."))?;
    let principal = app
        .auth
        .authenticate(value)
        .map_err(|e| Problem::unauthorized(e.to_string()))?;
    let (subject, profile) = match principal {
        Principal::Citizen { fiscal_code, level } => {
            check_level(level)?;
            let birth = fiscal_code.birth();
            let profile = json!({
                "fiscal_code": fiscal_code.to_string(),
                "level_of_assurance": format!("{level:?}"),
                "sex": birth.map(|b| if b.female { "F" } else { "M" }),
            });
            (fiscal_code.to_string(), profile)
        }
        Principal::Company {
            vat_number,
            name,
            level,
        } => {
            check_level(level)?;
            let profile = json!({
                "vat_number": vat_number.to_string(),
                "name": name,
                "level_of_assurance": format!("{level:?}"),
            });
            (vat_number.to_string(), profile)
        }
        _ => {
            return Err(Problem::forbidden(
                "The dossier is the citizen's or the company's own.",
            ));
        }
    };
    let calls = app.runtime.components().map(|component| {
        let runtime = app.runtime.clone();
        let (component, subject) = (component.clone(), subject.clone());
        async move {
            let name = component.manifest.name.clone();
            let section = match runtime.summary(component, subject).await {
                Ok(Ok(Some(bytes))) => match serde_json::from_slice::<Value>(&bytes) {
                    Ok(summary) => json!({ "status": "ok", "summary": summary }),
                    Err(_) => unavailable(&name, "its summary is not JSON"),
                },
                Ok(Ok(None)) => json!({ "status": "empty" }),
                Ok(Err(e)) => unavailable(&name, &format!("{e:?}")),
                Err(fault) => unavailable(&name, &format!("{fault:?}")),
            };
            (name, section)
        }
    });
    let sections: serde_json::Map<String, Value> =
        futures::future::join_all(calls).await.into_iter().collect();
    Ok(json!({
        "subject": subject,
        "profile": profile,
        "domains": sections,
    }))
}

/// The dossier is personal data: SPID/CIE level 2 or more.
fn check_level(level: Level) -> Result<(), Problem> {
    if level < MIN_LEVEL {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "insufficient-authentication",
            "A stronger SPID/CIE login is needed.",
        )
        .detail("The dossier needs SPID level 2 or higher."));
    }
    Ok(())
}

fn unavailable(component: &str, why: &str) -> Value {
    tracing::warn!(component, why, "a dossier section is unavailable");
    json!({ "status": "unavailable" })
}
