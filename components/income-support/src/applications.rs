//! Applications: submitted by a citizen (or an intermediary for them), kept with the estimate
//! made at submission and a history of every status with who set it and when.
//!
//! Keys: `applications/<fiscal code>/<id>`; ids sort by creation time, so a listing is in
//! submission order and its cursor is the last id seen.

use serde::{Deserialize, Serialize};
use welfare_guest::bindings::welfare::platform::types::Error;
use welfare_guest::http::from_value;
use welfare_guest::ids::{is_id, new_id};
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, events, json, store};

use crate::input::NaspiFacts;
use crate::naspi::{self, Outcome};

const ID_PREFIX: &str = "app";
/// Event published when an application is submitted.
pub const SUBMITTED: &str = "income-support.application-submitted";
/// Applications shown in the dossier summary.
const SUMMARY_LIMIT: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Submitted,
    InReview,
    Approved,
    Rejected,
    Paid,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Step {
    pub status: Status,
    pub at: String,
    pub by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
}

/// The benefits one can apply for (`benefit` in the body).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Benefit {
    Naspi,
    AssegnoUnico,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Application {
    pub id: String,
    pub benefit: String,
    pub status: Status,
    pub subject: String,
    pub submitted_at: String,
    pub submitted_by: String,
    /// The facts declared.
    pub details: NaspiFacts,
    /// What the rules gave at submission; the officer's decision is final.
    pub estimate: Outcome,
    pub history: Vec<Step>,
}

fn key(subject: &str, id: &str) -> String {
    format!("applications/{subject}/{id}")
}

pub fn submit(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?.to_string();
    let mut body = ctx.json_value()?;
    let benefit = body.as_object_mut().and_then(|o| o.remove("benefit"));
    let benefit: Benefit = match benefit {
        None => {
            return Err(Problem::invalid(vec![FieldError::new(
                "benefit",
                "is required",
            )]));
        }
        Some(b) => from_value(b).map_err(|_| {
            Problem::invalid(vec![FieldError::new(
                "benefit",
                "must be one of: naspi, assegno-unico",
            )])
        })?,
    };
    if benefit == Benefit::AssegnoUnico {
        return Err(Problem::new(
            422,
            "benefit-not-available",
            "Assegno Unico applications are not open yet.",
        )
        .with_detail("Use the simulation meanwhile."));
    }
    let facts: NaspiFacts = from_value(body)?;
    if facts.year.is_some() {
        return Err(Problem::invalid(vec![FieldError::new(
            "year",
            "is set from the termination date in an application",
        )]));
    }
    let (params, case) = facts.validate(ctx, false)?;
    let estimate = naspi::evaluate(&params.naspi, &case);
    let now = ctx.req.received_at.clone();
    let id = new_id(ID_PREFIX);
    let application = Application {
        id: id.clone(),
        benefit: "naspi".into(),
        status: Status::Submitted,
        subject: subject.clone(),
        submitted_at: now.clone(),
        submitted_by: ctx.actor(),
        details: NaspiFacts {
            claim_date: Some(case.claim_date.to_string()),
            ..facts
        },
        estimate,
        history: vec![Step {
            status: Status::Submitted,
            at: now,
            by: ctx.actor(),
            reason: None,
        }],
    };
    store::create(&key(&subject, &id), &application)?;
    events::publish(
        SUBMITTED,
        Some(&subject),
        &serde_json::json!({ "application_id": id, "benefit": application.benefit, "submitted_at": application.submitted_at }),
    )?;
    let mut response = json(201, &application);
    response.headers.push((
        "location".into(),
        format!("/api/v1/income-support/applications/{id}"),
    ));
    Ok(response)
}

pub fn get(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let id = ctx.param("id");
    if !is_id(id, ID_PREFIX) {
        return Err(Problem::not_found("application"));
    }
    match store::get::<Application>(&key(subject, id))? {
        Some(doc) => Ok(json(200, &doc.value)),
        None => Err(Problem::not_found("application")),
    }
}

#[derive(Serialize)]
struct Item<'a> {
    id: &'a str,
    benefit: &'a str,
    status: Status,
    submitted_at: &'a str,
    updated_at: &'a str,
}

pub fn list(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let limit = ctx.page_size()?;
    let prefix = key(subject, "");
    let cursor = match ctx.query("cursor") {
        Some(c) if is_id(c, ID_PREFIX) => Some(key(subject, c)),
        Some(_) => {
            return Err(Problem::invalid(vec![FieldError::new(
                "cursor",
                "is not a cursor this API gave",
            )]));
        }
        None => None,
    };
    let (docs, next) = store::list::<Application>(&prefix, cursor.as_deref(), limit)?;
    let items: Vec<Item> = docs
        .iter()
        .map(|(_, d)| Item {
            id: &d.value.id,
            benefit: &d.value.benefit,
            status: d.value.status,
            submitted_at: &d.value.submitted_at,
            updated_at: d
                .value
                .history
                .last()
                .map_or(&d.value.submitted_at, |s| &s.at),
        })
        .collect();
    let next_cursor = next.map(|k| k.trim_start_matches(&prefix).to_string());
    Ok(json(
        200,
        &serde_json::json!({ "items": items, "next_cursor": next_cursor }),
    ))
}

/// The dossier section: applications and benefits in payment.
pub fn summary(subject: &str) -> Result<Option<Vec<u8>>, Error> {
    let (docs, _) = store::list::<Application>(&key(subject, ""), None, SUMMARY_LIMIT)
        .map_err(|e| Error::Other(format!("{e:?}")))?;
    if docs.is_empty() {
        return Ok(None);
    }
    let applications: Vec<_> = docs
        .iter()
        .map(|(_, d)| serde_json::json!({ "id": d.value.id, "benefit": d.value.benefit, "status": d.value.status }))
        .collect();
    let in_payment: Vec<_> = docs
        .iter()
        .filter(|(_, d)| d.value.status == Status::Paid)
        .map(|(_, d)| serde_json::json!({ "benefit": d.value.benefit, "monthly_amount_cents": d.value.estimate.monthly_amount_cents }))
        .collect();
    let body =
        serde_json::json!({ "applications": applications, "benefits_in_payment": in_payment });
    Ok(Some(
        serde_json::to_vec(&body).expect("serialising a summary"),
    ))
}
