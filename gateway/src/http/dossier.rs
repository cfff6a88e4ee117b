//! `GET /api/v1/me`: the dossier of a citizen or a company — or of the person an intermediary
//! acts for, limited to the domains its delegation lets it read. Every domain's `summary` runs
//! in its own fresh instance, all at once, so one domain's failure (trap, timeout, outage)
//! degrades only its own section. The domains' summaries say which segments (seed 003) the
//! person is in; the catalogue turns segments into proposed services (seed 002) and picks the
//! knowledge base's news that concern them.

use crate::http::native_routes::Own;
use axum::Extension;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value, json};

use super::App;
use super::native::{self, json};
use super::unit::record;
use crate::access::gate;
use crate::auth::Principal;
use crate::identity::FiscalCode;
use crate::problem::Problem;

/// The component whose summary carries the news.
const NEWS_DOMAIN: &str = "faq";
/// The component whose summary carries preferences and contacts.
const PREFERENCES_DOMAIN: &str = "notifications";
/// News items shown at most.
const MAX_NEWS: usize = 5;

pub async fn me(State(app): State<Arc<App>>, Extension(own): Own, request: Request) -> Response {
    let (parts, _) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        let mut admitted = gate::admit(app.gate(), &parts, &rule, &id).await?;
        let subject = admitted.subject.clone().ok_or_else(|| {
            Problem::bad_request(
                "on-behalf-of-required",
                "Name the person or company in On-Behalf-Of.",
            )
        })?;
        let visible = |name: &str| match &admitted.delegation {
            None => true,
            Some(d) => d.scopes.iter().any(|s| s.domain() == name),
        };
        let body = dossier(&app, &admitted.principal, &subject, &visible).await;
        record(&app, admitted.audit.take(), 200).await?;
        Ok(json(StatusCode::OK, &body))
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

async fn dossier(
    app: &Arc<App>,
    principal: &Principal,
    subject: &str,
    visible: &(dyn Fn(&str) -> bool + Sync),
) -> Value {
    let calls = app
        .runtime
        .components()
        .filter(|c| visible(&c.manifest.name))
        .map(|component| {
            let runtime = app.runtime.clone();
            let (component, subject) = (component.clone(), subject.to_string());
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
    let sections: Map<String, Value> = futures::future::join_all(calls).await.into_iter().collect();
    let summary = |name: &str| sections.get(name).and_then(|s| s.get("summary"));

    let claimed = sections
        .values()
        .filter_map(|s| s.pointer("/summary/segments").and_then(Value::as_array))
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_string));
    let segments = app.catalogue.segments(claimed);
    let proposals: Vec<Value> = app
        .catalogue
        .proposals(&segments, |d| {
            visible(d) && app.runtime.component(d).is_some()
        })
        .into_iter()
        .map(|s| json!({ "id": s.id, "title": s.title, "domain": s.domain, "href": s.href }))
        .collect();
    let news: Vec<Value> = summary(NEWS_DOMAIN)
        .and_then(|s| s.get("news"))
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter(|n| {
            n.get("section")
                .and_then(Value::as_str)
                .is_some_and(|section| app.catalogue.news_fits(section, &segments))
        })
        .take(MAX_NEWS)
        .cloned()
        .collect();
    let mut profile = profile(principal, subject);
    if let Some(prefs) = summary(PREFERENCES_DOMAIN).and_then(|s| s.get("preferences")) {
        profile["preferences"] = prefs.clone();
    }
    let segment_views: Vec<Value> = segments
        .iter()
        .map(|g| json!({ "id": g, "title": app.catalogue.segments[g].title }))
        .collect();
    json!({
        "subject": subject,
        "profile": profile,
        "segments": segment_views,
        "proposed_services": proposals,
        "news": news,
        "domains": sections,
    })
}

/// What the gateway itself knows of the subject: what the fiscal code says, and how the
/// caller logged in.
fn profile(principal: &Principal, subject: &str) -> Value {
    let mut profile = match FiscalCode::parse(subject) {
        Ok(code) => {
            let birth = code.birth();
            json!({
                "fiscal_code": subject,
                "sex": birth.map(|b| if b.female { "F" } else { "M" }),
            })
        }
        Err(_) => json!({ "vat_number": subject }),
    };
    match principal {
        Principal::Citizen { level, .. } => {
            profile["level_of_assurance"] = json!(format!("{level:?}"));
        }
        Principal::Company { name, level, .. } => {
            profile["name"] = json!(name);
            profile["level_of_assurance"] = json!(format!("{level:?}"));
        }
        Principal::Intermediary { organisation, .. } => {
            profile["represented_by"] = json!(organisation);
        }
        _ => {}
    }
    profile
}

fn unavailable(component: &str, why: &str) -> Value {
    tracing::warn!(component, why, "a dossier section is unavailable");
    json!({ "status": "unavailable" })
}
