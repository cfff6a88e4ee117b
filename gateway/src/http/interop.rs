//! The interoperability operations the gateway answers itself, for agencies with PDND
//! vouchers: inbound life events from the civil registry, and the DCI-style registry search
//! that fans out to the disability domain, one fresh instance per person.

use crate::http::native_routes::Own;
use axum::Extension;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{Method, StatusCode};
use axum::response::Response;
use serde_json::{Value, json};

use super::App;
use super::native::{self, json};
use super::routes::Lookup;
use super::unit::{Commit, Started, commit, record, replayed, start_idempotent, unavailable};
use crate::access::audit::{self, Entry, Outcome};
use crate::access::gate::{self, Admitted, Rule};
use crate::idempotency::Saved;
use crate::interop::{life_events, registry};
use crate::problem::Problem;
use crate::runtime::call::Call;
use crate::store::txn::{NewEvent, WriteSet, new_event_id};

pub const LIFE_EVENTS: &str = "/interop/v1/life-events";
pub const REGISTRY_SEARCH: &str = "/interop/v1/registry/sync/search";
/// The disability domain's answer for one person, which the registry search returns per item.
const DISABILITY_STATUS: &str = "/interop/v1/disability-status/";

/// Admits an agency, reads the body and checks the ModI headers.
async fn admitted(
    app: &App,
    parts: &axum::http::request::Parts,
    body: axum::body::Body,
    rule: &Rule<'_>,
    request_id: &str,
) -> Result<(Admitted, axum::body::Bytes), Problem> {
    let mut admitted = gate::admit(app.gate(), parts, rule, request_id).await?;
    let body = native::read_body(app, parts, body).await?;
    gate::seal(app.gate(), parts, &body, &mut admitted).await?;
    Ok((admitted, body))
}

/// `POST /interop/v1/life-events`: a birth, a death or a change of residence; published once
/// per `Idempotency-Key` and answered 202 with the event's id.
pub async fn life_event(
    State(app): State<Arc<App>>,
    Extension(own): Own,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let mut claim = None;
    let result = async {
        let (mut admitted, body) = admitted(&app, &parts, body, &rule, &id).await?;
        let mut entry = admitted.audit.take();
        claim = match start_idempotent(&app, &parts, &admitted.principal, None, &body, true).await?
        {
            Started::Proceed(claimed) => claimed,
            Started::Replayed(saved) => {
                record(&app, entry, saved.status).await?;
                return Ok(replayed(saved));
            }
        };
        let today = app.db.now().date();
        let event = match life_events::validate(&body, today) {
            Ok(e) => e,
            Err(errors) => {
                record(&app, entry, 400).await?;
                return Err(Problem::invalid(errors));
            }
        };
        let event_id = new_event_id();
        let answer =
            json!({ "event_id": event_id, "topic": event.topic, "subject": event.subject });
        let saved = Saved {
            status: 202,
            headers: vec![("content-type".into(), "application/json".into())],
            body: serde_json::to_vec(&answer).expect("serialising JSON"),
        };
        if let Some(e) = entry.as_mut() {
            e.subject = Some(event.subject.clone());
            e.status = 202;
            e.outcome = Outcome::Allowed;
        }
        let writes = WriteSet {
            domain: "platform".into(),
            docs: Vec::new(),
            events: vec![NewEvent {
                id: event_id,
                topic: event.topic.into(),
                source: life_events::SOURCE.into(),
                subject: Some(event.subject),
                payload: serde_json::to_vec(&event.payload).expect("serialising JSON"),
                consumers: (app.runtime.subscribers())(event.topic),
            }],
        };
        commit(
            &app,
            Commit {
                writes,
                idem: claim.as_ref(),
                saved: &saved,
                audit: entry,
                limited: None,
            },
        )
        .await?;
        Ok(super::unit::build(&saved))
    }
    .await;
    // The key is freed before answering: the registry's retry finds the answer, or (an event
    // not published) runs again.
    drop(claim);
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// `POST /interop/v1/registry/sync/search`: each item checked for consent and purpose, each
/// accepted one answered by the disability domain in its own instance, all at once; each item
/// audited against the person it names.
pub async fn registry_search(
    State(app): State<Arc<App>>,
    Extension(own): Own,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    let id = native::request_id(&parts);
    let rule = own.rule();
    let result = async {
        let (mut admitted, body) = admitted(&app, &parts, body, &rule, &id).await?;
        let call_entry = admitted.audit.take();
        let envelope = match registry::parse(&body) {
            Ok(e) => e,
            Err(errors) => {
                record(&app, call_entry, 400).await?;
                return Err(Problem::invalid(errors));
            }
        };
        let now = app.db.now().timestamp();
        let checked: Vec<registry::Checked> = envelope
            .message
            .search_request
            .iter()
            .map(|item| registry::check(item, now))
            .collect();
        let lookups = checked.iter().map(|c| lookup(&app, &admitted, c, &id));
        let records = futures::future::join_all(lookups).await;
        let mut entries = Vec::new();
        let mut items = Vec::new();
        for (c, record) in checked.iter().zip(records) {
            if let Some(base) = &call_entry {
                entries.push(item_entry(base, c, &record));
            }
            items.push(registry::item_response(c, record, now));
        }
        let organisation = match &admitted.principal {
            crate::auth::Principal::Agency { organisation, .. } => organisation.clone(),
            _ => String::new(),
        };
        let answer = registry::response(&envelope, items, &organisation, now);
        if let Some(mut e) = call_entry {
            e.status = 200;
            entries.push(e);
        }
        app.db
            .write(move |conn| {
                for e in &entries {
                    audit::append(conn, e)?;
                }
                Ok(())
            })
            .await
            .map_err(unavailable)?;
        Ok(json(StatusCode::OK, &answer))
    }
    .await;
    result.unwrap_or_else(|p| native::problem(p, id))
}

/// The disability domain's answer for an accepted item.
async fn lookup(
    app: &Arc<App>,
    admitted: &Admitted,
    checked: &registry::Checked,
    request_id: &str,
) -> Result<Value, String> {
    let registry::Checked::Accepted { fiscal_code, .. } = checked else {
        return Err("rejected".into());
    };
    let path = format!("{DISABILITY_STATUS}{fiscal_code}");
    let Lookup::Found { target, params } = app.routes.lookup(&Method::GET, &path) else {
        return Err("the disability registry is not available".into());
    };
    let request = Call {
        request_id: request_id.to_string(),
        method: Method::GET,
        route: target.route().path.clone(),
        path,
        params,
        query: Vec::new(),
        headers: Vec::new(),
        body: Vec::new(),
        principal: admitted.principal.clone(),
        delegated: None,
        subject: Some(fiscal_code.clone()),
        received_at: app.db.now().rfc3339(),
    };
    match app.runtime.handle(target.component.clone(), request).await {
        Ok((response, _)) if response.status == 200 => {
            serde_json::from_slice(&response.body).map_err(|_| "an unreadable answer".into())
        }
        Ok((response, _)) => Err(format!("the registry answered {}", response.status)),
        Err(_) => Err("the registry failed".into()),
    }
}

/// The audit entry of one item: the person it names, the consent's purpose, the outcome.
fn item_entry(base: &Entry, checked: &registry::Checked, record: &Result<Value, String>) -> Entry {
    let mut e = base.clone();
    let mut evidence = e.evidence.take().unwrap_or_else(|| json!({}));
    match checked {
        registry::Checked::Accepted {
            reference_id,
            fiscal_code,
            purpose,
        } => {
            e.subject = Some(fiscal_code.clone());
            evidence["reference_id"] = json!(reference_id);
            evidence["consent_purpose"] = json!(purpose);
            e.status = if record.is_ok() { 200 } else { 502 };
            e.outcome = Outcome::Allowed;
        }
        registry::Checked::Rejected {
            reference_id,
            fiscal_code,
            code,
            message,
        } => {
            e.subject = fiscal_code.clone();
            evidence["reference_id"] = json!(reference_id);
            e.status = 403;
            e.outcome = Outcome::Refused;
            e.reason = Some(format!("{code}: {message}"));
        }
    }
    e.evidence = Some(evidence);
    e
}
