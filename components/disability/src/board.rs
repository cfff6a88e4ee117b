//! The medical board's work: its agenda of visits, and the assessment it records after a visit.
//! Only the `medical-board` role reaches these routes (the gateway checks it); a board member
//! whose token names an office sees and assesses only that board's visits. An assessment is
//! recorded once; the event it publishes carries no medical detail.

use jiff::civil::Date;
use serde::Deserialize;
use welfare_guest::store;
use welfare_guest::{Ctx, FieldError, HandlerResult, Principal, Problem, events, json};

use crate::applications::{self, Assessment, Handicap, Pointer, Status, Step};
use crate::params;
use crate::rules::{self, Case};

/// Published when a board records an assessment.
pub const ASSESSED: &str = "disability.assessed";
const MAX_DIAGNOSIS_CHARS: usize = 4_000;
/// Income beyond this (€10 million a year) is a typing error.
const MAX_INCOME_CENTS: i64 = 1_000_000_000;

/// The board member's office, when the token names one.
fn office(ctx: &Ctx) -> Option<String> {
    match ctx.principal() {
        Principal::Operator(o) => o.office.clone(),
        _ => None,
    }
}

/// `GET /visits?board=&from=`: visits in date order, from `from` (today by default).
pub fn agenda(ctx: &Ctx) -> HandlerResult {
    let board = match (office(ctx), ctx.query("board")) {
        (Some(own), Some(asked)) if own != asked => {
            return Err(Problem::new(
                403,
                "forbidden",
                "That is another board's agenda.",
            ));
        }
        (Some(own), _) => own,
        (None, Some(asked)) => asked.to_string(),
        (None, None) => {
            return Err(Problem::invalid(vec![FieldError::new(
                "board",
                "is required when your token names no office",
            )]));
        }
    };
    if board.is_empty()
        || !board
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(Problem::invalid(vec![FieldError::new(
            "board",
            "is not a board id",
        )]));
    }
    let from = match ctx.query("from") {
        None => ctx.today(),
        Some(raw) => raw.parse::<Date>().map_err(|_| {
            Problem::invalid(vec![FieldError::new(
                "from",
                "must be a date as YYYY-MM-DD",
            )])
        })?,
    };
    let prefix = format!("visits/{board}/");
    // Keys sort by date: start just before `from`.
    let start = format!("{prefix}{from}");
    let (docs, next) = store::list::<Pointer>(&prefix, Some(&start), ctx.page_size()?)?;
    let items: Vec<_> = docs
        .iter()
        .map(|(k, d)| {
            let date = k.trim_start_matches(&prefix).split('/').next().unwrap_or_default();
            serde_json::json!({ "date": date, "subject": d.value.subject, "application_id": d.value.application_id })
        })
        .collect();
    Ok(json(
        200,
        &serde_json::json!({ "board": board, "items": items, "more": next.is_some() }),
    ))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AssessmentBody {
    percentage: u8,
    handicap: Handicap,
    needs_attendance: bool,
    #[serde(default)]
    revision_date: Option<String>,
    diagnosis: String,
    income_cents: i64,
    working: bool,
}

/// `POST /applications/{id}/assessment`: records the board's assessment and the benefits it
/// gives, and publishes `disability.assessed`.
pub fn assess(ctx: &Ctx) -> HandlerResult {
    let body: AssessmentBody = ctx.json()?;
    let today = ctx.today();
    let mut errors = Vec::new();
    if body.percentage > 100 {
        errors.push(FieldError::new("percentage", "must be from 0 to 100"));
    }
    let diagnosis = body.diagnosis.trim().to_string();
    if diagnosis.is_empty() || diagnosis.chars().count() > MAX_DIAGNOSIS_CHARS {
        errors.push(FieldError::new(
            "diagnosis",
            &format!("must be 1 to {MAX_DIAGNOSIS_CHARS} characters"),
        ));
    }
    if !(0..=MAX_INCOME_CENTS).contains(&body.income_cents) {
        errors.push(FieldError::new(
            "income_cents",
            &format!("must be from 0 to {MAX_INCOME_CENTS}"),
        ));
    }
    let revision = match &body.revision_date {
        None => None,
        Some(raw) => match raw.parse::<Date>() {
            Ok(d) if d > today => Some(d),
            _ => {
                errors.push(FieldError::new(
                    "revision_date",
                    "must be a date (YYYY-MM-DD) after today",
                ));
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let mut doc = applications::load_any(ctx.param("id"))?;
    if office(ctx).is_some_and(|o| o != doc.value.visit.board) {
        return Err(Problem::new(
            403,
            "forbidden",
            "This application is another board's.",
        ));
    }
    if doc.value.status != Status::VisitScheduled {
        return Err(
            Problem::conflict("The assessment has already been recorded.")
                .with_detail("An assessment is recorded once; a revision is a new application."),
        );
    }
    let born = welfare_identity::FiscalCode::parse(&doc.value.subject)
        .ok()
        .and_then(|c| welfare_guest::dates::birth_date(&c, today))
        .ok_or_else(|| {
            // Only a person's fiscal code gives an age; the gateway lets no other subject
            // apply, but an application stored before it checked must not fail the board.
            Problem::new(
                422,
                "subject-not-a-person",
                "The applicant is not a person with a birth date.",
            )
            .with_detail(format!(
                "{} is not a fiscal code that gives a birth date: reject the application.",
                doc.value.subject
            ))
        })?;
    let age = welfare_guest::dates::full_years(born, today);
    let p = params::for_year(today.year()).unwrap_or_else(params::latest);
    let outcome = rules::evaluate(
        &p,
        &Case {
            percentage: body.percentage,
            needs_attendance: body.needs_attendance,
            age,
            income_cents: body.income_cents,
            working: body.working,
        },
        ctx.lang(),
    );
    let now = ctx.req.received_at.clone();
    doc.value.assessment = Some(Assessment {
        percentage: body.percentage,
        handicap: body.handicap,
        needs_attendance: body.needs_attendance,
        revision_date: revision.map(|d| d.to_string()),
        diagnosis,
        income_cents: body.income_cents,
        working: body.working,
        age,
        assessed_at: now.clone(),
        assessed_by: ctx.actor(),
    });
    doc.value.outcome = Some(outcome);
    doc.value.status = Status::Assessed;
    doc.value.history.push(Step {
        status: Status::Assessed,
        at: now,
        by: ctx.actor(),
        note: None,
    });
    let id = doc.value.id.clone();
    let visit = applications::visit_key(&doc.value.visit.board, &doc.value.visit.date, &id);
    if let Some(entry) = store::get::<Pointer>(&visit)? {
        store::delete(&visit, entry.version)?;
    }
    store::put(
        &applications::key(&doc.value.subject, &id),
        &doc.value,
        Some(doc.version),
    )?;
    let mut payload = applications::public_status(&doc.value);
    payload["application_id"] = serde_json::json!(id);
    events::publish(ASSESSED, Some(&doc.value.subject), &payload)?;
    Ok(crate::applications::answer(200, doc.value, ctx.lang()))
}
