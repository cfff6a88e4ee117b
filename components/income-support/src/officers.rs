//! The income-support officers' work: the queue of submitted applications (oldest first), claiming
//! one, deciding it with a reason, and recording that payment started.
//!
//! The gateway admits only the `income-support-officer` role to these routes; here the process
//! itself is enforced: an application is claimed once, decided only by the officer who claimed
//! it and only once, and paid only once approved. A refused move changes nothing.

use serde::Deserialize;
use welfare_guest::{Ctx, FieldError, HandlerResult, Principal, Problem, events, store};

use crate::applications::{self, Decision, Pointer, queue_key};
use crate::lifecycle::{Action, Status};

/// Published when an officer decides an application.
pub const DECIDED: &str = "income-support.application-decided";
/// Published when payment of an approved application starts.
pub const PAYMENT_STARTED: &str = "income-support.payment-started";
/// The longest reason an officer may give.
const MAX_REASON_CHARS: usize = 2_000;

/// The calling officer's id; the gateway admits only operators here.
fn officer(ctx: &Ctx) -> Result<String, Problem> {
    match ctx.principal() {
        Principal::Operator(o) => Ok(o.id.clone()),
        _ => Err(Problem::new(
            403,
            "forbidden",
            "Only income-support officers do this.",
        )),
    }
}

/// Store keys are printable ASCII: officer ids from an identity provider may not be.
fn key_safe(id: &str) -> String {
    id.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b':' | b'@' => {
                (b as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

fn claim_prefix(officer: &str) -> String {
    format!("claims/{}/", key_safe(officer))
}

/// Where `officer`'s claim on application `id` is kept while they work on it.
pub fn claim_key(officer: &str, id: &str) -> String {
    format!("{}{id}", claim_prefix(officer))
}

/// `GET /queue`: applications waiting for an officer, oldest first; `?claimed=mine` lists the
/// ones the caller has claimed and not yet decided.
pub fn queue(ctx: &Ctx) -> HandlerResult {
    let officer = officer(ctx)?;
    let prefix = match ctx.query("claimed") {
        None => queue_key(""),
        Some("mine") => claim_prefix(&officer),
        Some(_) => {
            return Err(Problem::invalid(vec![FieldError::new(
                "claimed",
                "must be `mine` or absent",
            )]));
        }
    };
    let limit = ctx.page_size()?;
    let after = ctx.cursor(&prefix, applications::ID_PREFIX)?;
    let (docs, next) = store::list::<Pointer>(&prefix, after.as_deref(), limit)?;
    let items: Vec<_> = docs
        .iter()
        .map(|(k, d)| {
            serde_json::json!({
                "id": k.trim_start_matches(&prefix),
                "subject": d.value.subject,
                "benefit": d.value.benefit,
                "submitted_at": d.value.submitted_at,
            })
        })
        .collect();
    Ok(welfare_guest::http::page(&items, next.as_deref(), &prefix))
}

/// `POST /applications/{id}/claim`: takes a submitted application out of the queue.
pub fn claim(ctx: &Ctx) -> HandlerResult {
    let officer = officer(ctx)?;
    let mut doc = applications::load_any(ctx.param("id"))?;
    let now = ctx.req.received_at.clone();
    doc.value.advance(Action::Claim, &ctx.actor(), &now, None)?;
    doc.value.claimed_by = Some(officer.clone());
    let id = doc.value.id.clone();
    let queued = store::get::<Pointer>(&queue_key(&id))?
        .ok_or_else(|| Problem::conflict("The application is not in the queue."))?;
    store::delete(&queue_key(&id), queued.version)?;
    store::create(&claim_key(&officer, &id), &queued.value)?;
    applications::save(&doc)?;
    Ok(applications::answer(200, doc.value, ctx.lang()))
}

#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Outcome {
    Approved,
    Rejected,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct DecisionBody {
    outcome: Outcome,
    #[serde(default)]
    reason: Option<String>,
}

/// `POST /applications/{id}/decision`: approves or rejects (with a reason) a claimed
/// application; only its claimer may.
pub fn decide(ctx: &Ctx) -> HandlerResult {
    let officer = officer(ctx)?;
    let body: DecisionBody = ctx.json()?;
    let reason = body
        .reason
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty());
    if matches!(body.outcome, Outcome::Rejected) && reason.is_none() {
        return Err(Problem::invalid(vec![FieldError::new(
            "reason",
            "is required to reject an application",
        )]));
    }
    if reason
        .as_ref()
        .is_some_and(|r| r.chars().count() > MAX_REASON_CHARS)
    {
        return Err(Problem::invalid(vec![FieldError::new(
            "reason",
            &format!("must be at most {MAX_REASON_CHARS} characters"),
        )]));
    }
    let mut doc = applications::load_any(ctx.param("id"))?;
    if doc.value.status == Status::InReview && doc.value.claimed_by.as_deref() != Some(&officer) {
        return Err(Problem::new(
            403,
            "claimed-by-another-officer",
            "Another officer has claimed this application.",
        ));
    }
    let action = match body.outcome {
        Outcome::Approved => Action::Approve,
        Outcome::Rejected => Action::Reject,
    };
    let now = ctx.req.received_at.clone();
    let status = doc
        .value
        .advance(action, &ctx.actor(), &now, reason.clone())?;
    doc.value.decision = Some(Decision {
        outcome: status,
        reason: reason.clone(),
        by: ctx.actor(),
        at: now.clone(),
    });
    doc.value.claimed_by = None;
    let id = doc.value.id.clone();
    let claimed_key = claim_key(&officer, &id);
    if let Some(claimed) = store::get::<Pointer>(&claimed_key)? {
        store::delete(&claimed_key, claimed.version)?;
    }
    applications::save(&doc)?;
    events::publish(
        DECIDED,
        Some(&doc.value.subject),
        &serde_json::json!({
            "application_id": id,
            "benefit": doc.value.claim.benefit(),
            "outcome": status,
            "reason": reason,
            "decided_at": now,
            "monthly_amount_cents": (status == Status::Approved).then(|| doc.value.claim.monthly_amount_cents()),
        }),
    )?;
    Ok(applications::answer(200, doc.value, ctx.lang()))
}

/// `POST /applications/{id}/payment`: payment of an approved application has started.
pub fn pay(ctx: &Ctx) -> HandlerResult {
    officer(ctx)?;
    let mut doc = applications::load_any(ctx.param("id"))?;
    let now = ctx.req.received_at.clone();
    doc.value.advance(Action::Pay, &ctx.actor(), &now, None)?;
    applications::save(&doc)?;
    events::publish(
        PAYMENT_STARTED,
        Some(&doc.value.subject),
        &serde_json::json!({
            "application_id": doc.value.id,
            "benefit": doc.value.claim.benefit(),
            "monthly_amount_cents": doc.value.claim.monthly_amount_cents(),
            "started_at": now,
        }),
    )?;
    Ok(applications::answer(200, doc.value, ctx.lang()))
}
