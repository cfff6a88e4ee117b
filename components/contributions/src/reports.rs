//! Reports of errors in a contribution statement: the citizen names the months and, where it
//! is about one, the employer, and says what is wrong; the report becomes a task in the
//! contributions officers' queue. The officer resolves it, crediting the missing months when
//! the record supports them (the correction shows in the statement) or explaining why not.
//!
//! Keys:
//! - `reports/<fiscal code>/<id>`: the report;
//! - `report-index/<id>`: whose report an id is;
//! - `report-queue/<id>`: open reports, oldest first (removed on resolution).

use serde::{Deserialize, Serialize};
use welfare_guest::ids::{is_id, new_id};
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, FieldError, HandlerResult, Principal, Problem, events, json};
use welfare_identity::VatNumber;

use crate::month::Month;
use crate::statement::{Period, period_key};

pub const ID_PREFIX: &str = "rep";
/// Published when an officer resolves a report.
pub const RESOLVED: &str = "contributions.statement-report-resolved";
const MIN_MESSAGE_CHARS: usize = 10;
const MAX_MESSAGE_CHARS: usize = 2_000;
/// A report spans at most this many months (a decade).
const MAX_REPORT_MONTHS: usize = 120;
/// Months one resolution may credit.
const MAX_CORRECTIONS: usize = 120;
/// Taxable wages of a corrected month: the same bound as a declaration's.
use crate::declarations::MAX_MONTHLY_TAXABLE_CENTS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Open,
    Resolved,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    /// The months were credited.
    Corrected,
    /// The record does not support the report.
    Rejected,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Correction {
    pub month: Month,
    pub employer: String,
    pub taxable_cents: i64,
    pub weeks: u32,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Resolution {
    pub outcome: Outcome,
    pub note: String,
    pub corrections: Vec<Correction>,
    pub by: String,
    pub at: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Report {
    pub id: String,
    pub subject: String,
    pub from: Month,
    pub to: Month,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub employer: Option<String>,
    pub message: String,
    pub status: Status,
    pub submitted_at: String,
    pub submitted_by: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub resolution: Option<Resolution>,
}

fn key(subject: &str, id: &str) -> String {
    format!("reports/{subject}/{id}")
}

fn index_key(id: &str) -> String {
    format!("report-index/{id}")
}

fn queue_key(id: &str) -> String {
    format!("report-queue/{id}")
}

#[derive(Debug, Serialize, Deserialize)]
struct Pointer {
    subject: String,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Body {
    from: String,
    to: String,
    #[serde(default)]
    employer_vat: Option<String>,
    message: String,
}

fn chars_between(field: &str, text: &str, min: usize, max: usize) -> Option<FieldError> {
    let n = text.trim().chars().count();
    (n < min || n > max)
        .then(|| FieldError::new(field, &format!("must be {min} to {max} characters")))
}

/// `POST /statement/reports`: the citizen reports an error in their statement.
pub fn submit(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?.to_string();
    let body: Body = ctx.json()?;
    let mut errors = Vec::new();
    let from = Month::parse(&body.from);
    let to = Month::parse(&body.to);
    if from.is_none() {
        errors.push(FieldError::new("from", "must be a month as YYYY-MM"));
    }
    if to.is_none() {
        errors.push(FieldError::new("to", "must be a month as YYYY-MM"));
    }
    if let (Some(f), Some(t)) = (from, to) {
        let span = (t.year() as i32 - f.year() as i32) * 12 + t.number() as i32 - f.number() as i32;
        if span < 0 {
            errors.push(FieldError::new("to", "must not be before `from`"));
        } else if span as usize >= MAX_REPORT_MONTHS {
            errors.push(FieldError::new(
                "to",
                &format!("a report spans at most {MAX_REPORT_MONTHS} months"),
            ));
        }
        if t > Month::of(crate::today(ctx)) {
            errors.push(FieldError::new("to", "must not be a month still to come"));
        }
    }
    let employer = match &body.employer_vat {
        None => None,
        Some(raw) => match VatNumber::parse(raw) {
            Ok(v) => Some(v.to_string()),
            Err(e) => {
                errors.push(FieldError::new("employer_vat", &e.to_string()));
                None
            }
        },
    };
    errors.extend(chars_between(
        "message",
        &body.message,
        MIN_MESSAGE_CHARS,
        MAX_MESSAGE_CHARS,
    ));
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let id = new_id(ID_PREFIX);
    let report = Report {
        id: id.clone(),
        subject: subject.clone(),
        from: from.expect("validated"),
        to: to.expect("validated"),
        employer,
        message: body.message.trim().into(),
        status: Status::Open,
        submitted_at: ctx.req.received_at.clone(),
        submitted_by: ctx.actor(),
        resolution: None,
    };
    store::create(&key(&subject, &id), &report)?;
    store::create(
        &index_key(&id),
        &Pointer {
            subject: subject.clone(),
        },
    )?;
    store::create(&queue_key(&id), &Pointer { subject })?;
    let mut response = json(201, &report);
    response.headers.push((
        "location".into(),
        format!("/api/v1/contributions/statement/reports/{id}"),
    ));
    Ok(response)
}

/// `GET /statement/reports`: the citizen's reports.
pub fn mine(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let prefix = key(subject, "");
    let after = ctx.cursor(&prefix, ID_PREFIX)?;
    let (docs, next) = store::list::<Report>(&prefix, after.as_deref(), ctx.page_size()?)?;
    let items: Vec<&Report> = docs.iter().map(|(_, d)| &d.value).collect();
    Ok(welfare_guest::http::page(&items, next.as_deref(), &prefix))
}

/// `GET /statement/reports/{id}`: one of the citizen's reports.
pub fn get_mine(ctx: &Ctx) -> HandlerResult {
    let id = ctx.param("id");
    if !is_id(id, ID_PREFIX) {
        return Err(Problem::not_found("report"));
    }
    let doc = store::get::<Report>(&key(ctx.subject()?, id))?
        .ok_or_else(|| Problem::not_found("report"))?;
    Ok(json(200, &doc.value))
}

fn load_any(id: &str) -> Result<Doc<Report>, Problem> {
    if !is_id(id, ID_PREFIX) {
        return Err(Problem::not_found("report"));
    }
    let pointer =
        store::get::<Pointer>(&index_key(id))?.ok_or_else(|| Problem::not_found("report"))?;
    store::get::<Report>(&key(&pointer.value.subject, id))?
        .ok_or_else(|| Problem::not_found("report"))
}

/// `GET /reports`: the officers' queue of open reports, oldest first.
pub fn queue(ctx: &Ctx) -> HandlerResult {
    let prefix = queue_key("");
    let after = ctx.cursor(&prefix, ID_PREFIX)?;
    let (pointers, next) = store::list::<Pointer>(&prefix, after.as_deref(), ctx.page_size()?)?;
    let mut items = Vec::with_capacity(pointers.len());
    for (k, p) in &pointers {
        let id = k.trim_start_matches(&prefix);
        if let Some(doc) = store::get::<Report>(&key(&p.value.subject, id))? {
            items.push(doc.value);
        }
    }
    Ok(welfare_guest::http::page(&items, next.as_deref(), &prefix))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ResolutionBody {
    outcome: Outcome,
    note: String,
    #[serde(default)]
    corrections: Vec<CorrectionBody>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CorrectionBody {
    month: String,
    employer_vat: String,
    taxable_cents: i64,
    #[serde(default)]
    weeks: Option<u32>,
}

/// `POST /reports/{id}/resolution` (`contributions-officer`): corrects or rejects, once.
pub fn resolve(ctx: &Ctx) -> HandlerResult {
    let Principal::Operator(_) = ctx.principal() else {
        return Err(Problem::new(
            403,
            "forbidden",
            "Only contributions officers do this.",
        ));
    };
    let body: ResolutionBody = ctx.json()?;
    let mut doc = load_any(ctx.param("id"))?;
    let report = &doc.value;
    let mut errors = Vec::new();
    errors.extend(chars_between(
        "note",
        &body.note,
        MIN_MESSAGE_CHARS,
        MAX_MESSAGE_CHARS,
    ));
    match body.outcome {
        Outcome::Corrected if body.corrections.is_empty() => errors.push(FieldError::new(
            "corrections",
            "a correction credits at least one month",
        )),
        Outcome::Rejected if !body.corrections.is_empty() => errors.push(FieldError::new(
            "corrections",
            "a rejection credits nothing",
        )),
        _ => {}
    }
    if body.corrections.len() > MAX_CORRECTIONS {
        errors.push(FieldError::new(
            "corrections",
            &format!("at most {MAX_CORRECTIONS} months"),
        ));
    }
    let mut corrections = Vec::new();
    for (i, c) in body.corrections.iter().enumerate() {
        let at = |f: &str| format!("corrections[{i}].{f}");
        let month = Month::parse(&c.month);
        match month {
            Some(m) if m >= report.from && m <= report.to => {}
            _ => errors.push(FieldError::new(
                &at("month"),
                &format!(
                    "must be a month from {} to {}, as reported",
                    report.from, report.to
                ),
            )),
        }
        let employer = VatNumber::parse(&c.employer_vat);
        if let Err(e) = &employer {
            errors.push(FieldError::new(&at("employer_vat"), &e.to_string()));
        }
        if !(0..=MAX_MONTHLY_TAXABLE_CENTS).contains(&c.taxable_cents) {
            errors.push(FieldError::new(
                &at("taxable_cents"),
                &format!("must be from 0 to {MAX_MONTHLY_TAXABLE_CENTS}"),
            ));
        }
        if let (Some(m), Ok(v)) = (month, employer) {
            let weeks = c.weeks.unwrap_or(m.saturdays());
            if weeks > m.saturdays() {
                errors.push(FieldError::new(
                    &at("weeks"),
                    &format!("the month has {} contribution weeks", m.saturdays()),
                ));
            }
            corrections.push(Correction {
                month: m,
                employer: v.to_string(),
                taxable_cents: c.taxable_cents,
                weeks,
            });
        }
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    if report.status != Status::Open {
        return Err(Problem::conflict("This report is already resolved."));
    }
    let id = report.id.clone();
    let subject = report.subject.clone();
    for c in &corrections {
        let k = period_key(&subject, c.month, &c.employer);
        let current = store::get::<Period>(&k)?;
        store::put(
            &k,
            &Period {
                month: c.month,
                fund: crate::params::in_force(c.month.year()).employees.fund,
                employer: Some(c.employer.clone()),
                employer_name: current.as_ref().and_then(|d| d.value.employer_name.clone()),
                taxable_cents: c.taxable_cents,
                weeks: c.weeks,
                source: id.clone(),
            },
            current.map(|d| d.version),
        )?;
    }
    let at = ctx.req.received_at.clone();
    let recorded: Vec<crate::earnings::Entry> = corrections
        .iter()
        .map(|c| crate::earnings::Entry {
            fiscal_code: subject.clone(),
            month: c.month,
            employer: c.employer.clone(),
            weeks: c.weeks,
            taxable_cents: c.taxable_cents,
            source: id.clone(),
            recorded_at: at.clone(),
        })
        .collect();
    doc.value.status = Status::Resolved;
    doc.value.resolution = Some(Resolution {
        outcome: body.outcome,
        note: body.note.trim().into(),
        corrections,
        by: ctx.actor(),
        at: ctx.req.received_at.clone(),
    });
    store::put(&key(&subject, &id), &doc.value, Some(doc.version))?;
    crate::earnings::publish(&recorded)?;
    if let Some(entry) = store::get::<Pointer>(&queue_key(&id))? {
        store::delete(&queue_key(&id), entry.version)?;
    }
    events::publish(
        RESOLVED,
        Some(&subject),
        &serde_json::json!({ "report_id": id, "outcome": body.outcome }),
    )?;
    Ok(json(200, &doc.value))
}
