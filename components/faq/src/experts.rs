//! The C.R.I.C. experts' work (`cric-expert`): their desk's queue, claiming a question, and
//! closing it with an answer, a forward to the central directorate, or an appointment.
//!
//! An expert's token names their desk in `office` (`lazio/pensions`, or
//! `central/pensions` for the central directorate). An expert sees only the questions at their
//! desk: any other question is answered 404, exactly as one that does not exist.

use serde::Deserialize;
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, FieldError, HandlerResult, Principal, Problem, json};

use crate::calendar;
use crate::questions::{
    self, Answer, Appointment, Pointer, Question, Status, claim_key, queue_key,
};
use crate::sections::Desk;

/// An answer's text, in characters.
const ANSWER_CHARS: std::ops::RangeInclusive<usize> = 20..=10_000;
/// A forward's reason, in characters.
const REASON_CHARS: std::ops::RangeInclusive<usize> = 10..=1_000;
/// An office code: `ROMA-EUR`, `MILANO`: upper-case letters, digits and hyphens.
const OFFICE_CHARS: std::ops::RangeInclusive<usize> = 2..=40;
/// Ways an appointment takes place.
const CHANNELS: &[&str] = &["in-person", "phone", "video"];

pub const QUESTION_ANSWERED: &str = "faq.question-answered";
pub const APPOINTMENT_BOOKED: &str = "faq.appointment-booked";

/// The expert calling and their desk.
struct Expert {
    id: String,
    desk: Desk,
}

impl Expert {
    /// Who acted, for a question's history.
    fn actor(&self) -> String {
        format!("operator:{}", self.id)
    }
}

fn expert(ctx: &Ctx) -> Result<Expert, Problem> {
    let Principal::Operator(op) = ctx.principal() else {
        return Err(Problem::new(
            403,
            "forbidden",
            "This route is for C.R.I.C. experts.",
        ));
    };
    let desk = op.office.as_deref().and_then(Desk::parse).ok_or_else(|| {
        Problem::new(
            403,
            "expert-desk-required",
            "Your token does not name a C.R.I.C. desk.",
        )
        .with_detail(
            "An expert's `office` is `<region>/<section>` (e.g. `lazio/pensions`) or `central/<section>`; sections are pensions, income-support, contributor.",
        )
    })?;
    Ok(Expert {
        id: op.id.clone(),
        desk,
    })
}

/// The question `id` if it is at the expert's desk; 404 otherwise, whoever's it is.
fn at_desk(expert: &Expert, id: &str) -> Result<Doc<Question>, Problem> {
    let q = questions::load_any(id)?.ok_or_else(|| Problem::not_found("question"))?;
    if q.value.desk != expert.desk.name() {
        return Err(Problem::not_found("question"));
    }
    Ok(q)
}

/// Takes `q` for `expert` when it waits at the desk (removing it from the queue; the claim
/// route also records the claim in the expert's list), or checks
/// that the expert already holds it; a question held by a colleague or closed is 409.
fn take(expert: &Expert, q: &mut Question, at: &str) -> Result<(), Problem> {
    match q.status {
        s if s.is_queued() => {
            let queued = store::get::<Pointer>(&queue_key(&expert.desk, &q.id))?
                .ok_or_else(|| Problem::internal("a queued question has no queue entry"))?;
            store::delete(&queue_key(&expert.desk, &q.id), queued.version)?;
            q.claimed_by = Some(expert.id.clone());
            q.step(Status::InProgress, at, expert.actor(), None);
            Ok(())
        }
        Status::InProgress if q.claimed_by.as_deref() == Some(&expert.id) => Ok(()),
        Status::InProgress => Err(Problem::conflict(
            "Another expert has claimed this question.",
        )),
        _ => Err(Problem::conflict("This question is closed.")),
    }
}

/// Drops the expert's claim on `q` (it is closed or forwarded).
fn release(expert: &Expert, q: &Question) -> Result<(), Problem> {
    let key = claim_key(&expert.id, &q.id);
    if let Some(claim) = store::get::<Pointer>(&key)? {
        store::delete(&key, claim.version)?;
    }
    Ok(())
}

fn save(doc: &Doc<Question>, q: &Question) -> Result<(), Problem> {
    store::put(&questions::key(&q.subject, &q.id), q, Some(doc.version))?;
    Ok(())
}

/// `GET /queue[?claimed=mine]`: the questions waiting at the expert's desk, oldest first; or
/// the ones the expert has claimed.
pub fn queue(ctx: &Ctx) -> HandlerResult {
    let expert = expert(ctx)?;
    let prefix = match ctx.query("claimed") {
        None => questions::queue_prefix(&expert.desk),
        Some("mine") => format!("claims/{}/", expert.id),
        Some(_) => {
            return Err(Problem::invalid(vec![FieldError::new(
                "claimed",
                "can only be `mine`",
            )]));
        }
    };
    let cursor = ctx.cursor(&prefix, questions::ID_PREFIX)?;
    let (page, next) = store::list::<Pointer>(&prefix, cursor.as_deref(), ctx.page_size()?)?;
    let mut items = Vec::with_capacity(page.len());
    for (key, pointer) in &page {
        let id = &key[prefix.len()..];
        if let Some(q) = store::get::<Question>(&questions::key(&pointer.value.subject, id))? {
            items.push(q.value);
        }
    }
    Ok(welfare_guest::http::page(&items, next.as_deref(), &prefix))
}

/// `POST /questions/{id}/claim`: take a waiting question.
pub fn claim(ctx: &Ctx) -> HandlerResult {
    let expert = expert(ctx)?;
    let doc = at_desk(&expert, ctx.param("id"))?;
    let mut q = doc.value.clone();
    if q.status == Status::InProgress && q.claimed_by.as_deref() == Some(&expert.id) {
        return Err(Problem::conflict("You have already claimed this question."));
    }
    take(&expert, &mut q, &ctx.req.received_at)?;
    store::create(
        &claim_key(&expert.id, &q.id),
        &Pointer {
            subject: q.subject.clone(),
        },
    )?;
    save(&doc, &q)?;
    Ok(json(200, &q))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AnswerBody {
    text: String,
}

/// `POST /questions/{id}/answer`: `{text}`; publishes `faq.question-answered`.
pub fn answer(ctx: &Ctx) -> HandlerResult {
    let expert = expert(ctx)?;
    let body: AnswerBody = ctx.json()?;
    let text = body.text.trim().to_string();
    if !ANSWER_CHARS.contains(&text.chars().count()) {
        return Err(Problem::invalid(vec![FieldError::new(
            "text",
            "must be 20 to 10,000 characters",
        )]));
    }
    let doc = at_desk(&expert, ctx.param("id"))?;
    let mut q = doc.value.clone();
    let now = ctx.req.received_at.clone();
    take(&expert, &mut q, &now)?;
    q.answer = Some(Answer {
        text,
        by: expert.actor(),
        at: now.clone(),
    });
    q.step(Status::Answered, &now, expert.actor(), None);
    release(&expert, &q)?;
    save(&doc, &q)?;
    // The answer itself stays in the question: the event says only that there is one.
    welfare_guest::events::publish(
        QUESTION_ANSWERED,
        Some(&q.subject),
        &serde_json::json!({
            "question_id": q.id,
            "section": q.section,
            "region": q.region,
            "answered_at": now,
        }),
    )?;
    Ok(json(200, &q))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ForwardBody {
    reason: String,
}

/// `POST /questions/{id}/forward`: `{reason}`: an exceptionally complex question goes to the
/// central directorate's desk for its section.
pub fn forward(ctx: &Ctx) -> HandlerResult {
    let expert = expert(ctx)?;
    let body: ForwardBody = ctx.json()?;
    let reason = body.reason.trim().to_string();
    if !REASON_CHARS.contains(&reason.chars().count()) {
        return Err(Problem::invalid(vec![FieldError::new(
            "reason",
            "must be 10 to 1,000 characters",
        )]));
    }
    let doc = at_desk(&expert, ctx.param("id"))?;
    if expert.desk.is_central() {
        return Err(Problem::conflict(
            "The central directorate answers forwarded questions: it cannot forward them.",
        ));
    }
    let mut q = doc.value.clone();
    let now = ctx.req.received_at.clone();
    take(&expert, &mut q, &now)?;
    release(&expert, &q)?;
    let central = Desk::central(q.section);
    store::create(
        &queue_key(&central, &q.id),
        &Pointer {
            subject: q.subject.clone(),
        },
    )?;
    q.desk = central.name();
    q.claimed_by = None;
    q.step(Status::Forwarded, &now, expert.actor(), Some(reason));
    save(&doc, &q)?;
    Ok(json(200, &q))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct AppointmentBody {
    at: String,
    office: String,
    channel: String,
}

/// `POST /questions/{id}/appointment`: `{at, office, channel}`: book the citizen a slot with an
/// officer; a slot is booked once per office. Publishes `faq.appointment-booked`.
pub fn appointment(ctx: &Ctx) -> HandlerResult {
    let expert = expert(ctx)?;
    let body: AppointmentBody = ctx.json()?;
    let mut errors = Vec::new();
    let at = calendar::slot(&body.at, ctx.today());
    if let Err(why) = at {
        errors.push(FieldError::new("at", &why.message()));
    }
    let office_ok = OFFICE_CHARS.contains(&body.office.len())
        && body
            .office
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-')
        && !body.office.starts_with('-');
    if !office_ok {
        errors.push(FieldError::new(
            "office",
            "must be an office code: 2 to 40 upper-case letters, digits and hyphens, e.g. ROMA-EUR",
        ));
    }
    if !CHANNELS.contains(&body.channel.as_str()) {
        errors.push(FieldError::new(
            "channel",
            "must be in-person, phone or video",
        ));
    }
    if !errors.is_empty() {
        return Err(Problem::invalid(errors));
    }
    let doc = at_desk(&expert, ctx.param("id"))?;
    let mut q = doc.value.clone();
    let now = ctx.req.received_at.clone();
    take(&expert, &mut q, &now)?;

    let slot_key = format!("slots/{}/{}", body.office, body.at);
    if store::get::<serde_json::Value>(&slot_key)?.is_some() {
        return Err(
            Problem::conflict("That slot is already booked at this office.")
                .with_detail("Choose another time."),
        );
    }
    store::create(&slot_key, &serde_json::json!({ "question_id": q.id }))?;
    q.appointment = Some(Appointment {
        at: body.at.clone(),
        office: body.office.clone(),
        channel: body.channel.clone(),
        booked_by: expert.actor(),
    });
    q.step(Status::AppointmentBooked, &now, expert.actor(), None);
    release(&expert, &q)?;
    save(&doc, &q)?;
    welfare_guest::events::publish(
        APPOINTMENT_BOOKED,
        Some(&q.subject),
        &serde_json::json!({
            "question_id": q.id,
            "at": body.at,
            "office": body.office,
            "channel": body.channel,
        }),
    )?;
    Ok(json(200, &q))
}
