//! Back to a person (seed 000: "routing to an operator on request"): a citizen asks to be
//! called back, which puts a task in the contact centre's queue; an operator takes the oldest
//! open task and records how the call went.
//!
//! Documents: the request in the citizen's space (`callbacks/<subject>/<id>`) and a pointer in
//! the open queue (`tasks/open/<id>`), removed when the task is closed, so the queue is one
//! prefix read in the order requests came.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use welfare_guest::http::SYSTEM;
use welfare_guest::life_events::DECEASED;
use welfare_guest::store::{self, Doc};
use welfare_guest::{Ctx, FieldError, HandlerResult, Problem, events, http, ids, json};

use crate::people;
use crate::recipients::{self, Service};

pub const REQUESTED: &str = "notifications.callback-requested";
const ID_PREFIX: &str = "cbk";
const NOTE_CHARS: usize = 500;
/// Open requests one person may have at once.
const MAX_OPEN_PER_PERSON: usize = 3;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum Slot {
    Morning,
    Afternoon,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
enum State {
    Open,
    Reached,
    Unreachable,
    /// Closed by the platform before the call: the person died.
    Cancelled,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Callback {
    id: String,
    subject: String,
    phone: String,
    service: Service,
    #[serde(default)]
    note: Option<String>,
    preferred_slot: Option<Slot>,
    state: State,
    requested_at: Timestamp,
    #[serde(default)]
    closed_at: Option<Timestamp>,
    #[serde(default)]
    closed_by: Option<String>,
    #[serde(default)]
    outcome_note: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Pointer {
    subject: String,
}

fn key(subject: &str, id: &str) -> String {
    format!("callbacks/{subject}/{id}")
}

fn open_key(id: &str) -> String {
    format!("tasks/open/{id}")
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct NewCallback {
    /// Defaults to their verified phone number.
    #[serde(default)]
    phone: Option<String>,
    service: Service,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    preferred_slot: Option<Slot>,
}

fn check_note(field: &str, note: Option<String>) -> Result<Option<String>, Problem> {
    match note.map(|n| n.trim().to_string()).filter(|n| !n.is_empty()) {
        Some(n) if n.chars().count() > NOTE_CHARS => Err(Problem::invalid(vec![FieldError::new(
            field,
            &format!("must be at most {NOTE_CHARS} characters"),
        )])),
        other => Ok(other),
    }
}

pub fn create(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let body: NewCallback = ctx.json()?;
    let recipient = recipients::load(subject)?
        .map(|d| d.value)
        .unwrap_or_default();
    if recipient.is_deceased() {
        return Err(Problem::deceased());
    }
    let phone = match body.phone {
        Some(p) => recipients::check_phone(&p).map_err(|e| Problem::invalid(vec![e]))?,
        None => recipient
            .phone
            .as_ref()
            .filter(|c| c.verified)
            .map(|c| c.address.clone())
            .ok_or_else(|| {
                Problem::invalid(vec![FieldError::new(
                    "phone",
                    "give the number to call (no verified number is on file)",
                )])
            })?,
    };
    let note = check_note("note", body.note)?;
    if open_count(subject)? >= MAX_OPEN_PER_PERSON {
        return Err(Problem::conflict(
            "You already have open call-back requests; the contact centre will call you.",
        ));
    }
    let callback = Callback {
        id: ids::new_id(ID_PREFIX),
        subject: subject.to_string(),
        phone,
        service: body.service,
        note,
        preferred_slot: body.preferred_slot,
        state: State::Open,
        requested_at: ctx.received_at(),
        closed_at: None,
        closed_by: None,
        outcome_note: None,
    };
    // The person's guard, written back unchanged: a death delivered meanwhile writes it too, so
    // one of the two conflicts and no request escapes the death's cancellation. Not their
    // recipient record, which this request does not change and whose version is the ETag of
    // their preferences (see `people`).
    if !people::guard_alive(subject)? {
        return Err(Problem::deceased());
    }
    store::create(&key(subject, &callback.id), &callback)?;
    store::create(
        &open_key(&callback.id),
        &Pointer {
            subject: subject.to_string(),
        },
    )?;
    events::publish(
        REQUESTED,
        Some(subject),
        &serde_json::json!({ "callback_id": callback.id, "service": callback.service }),
    )?;
    Ok(json(201, &callback))
}

pub fn list_own(ctx: &Ctx) -> HandlerResult {
    let subject = ctx.subject()?;
    let limit = ctx.page_size()?;
    let prefix = key(subject, "");
    let cursor = ctx.cursor(&prefix, ID_PREFIX)?;
    let (docs, next) = store::list::<Callback>(&prefix, cursor.as_deref(), limit)?;
    let items: Vec<_> = docs.into_iter().map(|(_, d)| d.value).collect();
    Ok(http::page(&items, next.as_deref(), &prefix))
}

/// The contact centre's queue: open requests, oldest first.
pub fn queue(ctx: &Ctx) -> HandlerResult {
    let limit = ctx.page_size()?;
    let cursor = ctx.cursor("tasks/open/", ID_PREFIX)?;
    let (pointers, next) = store::list::<Pointer>("tasks/open/", cursor.as_deref(), limit)?;
    let mut items = Vec::with_capacity(pointers.len());
    for (k, p) in &pointers {
        let id = k.trim_start_matches("tasks/open/");
        if let Some(doc) = store::get::<Callback>(&key(&p.value.subject, id))? {
            items.push(doc.value);
        }
    }
    Ok(http::page(&items, next.as_deref(), "tasks/open/"))
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Outcome {
    outcome: State,
    #[serde(default)]
    note: Option<String>,
}

/// `{outcome: reached|unreachable, note?}` closes an open task once.
pub fn close(ctx: &Ctx) -> HandlerResult {
    let id = ctx.param("id");
    let body: Outcome = ctx.json()?;
    if matches!(body.outcome, State::Open | State::Cancelled) {
        return Err(Problem::invalid(vec![FieldError::new(
            "outcome",
            "must be reached or unreachable",
        )]));
    }
    let note = check_note("note", body.note)?;
    let pointer: Option<Doc<Pointer>> = if ids::is_id(id, ID_PREFIX) {
        store::get(&open_key(id))?
    } else {
        None
    };
    let Some(pointer) = pointer else {
        return Err(Problem::not_found("open call-back task"));
    };
    let k = key(&pointer.value.subject, id);
    let mut doc = store::get::<Callback>(&k)?.ok_or_else(|| Problem::not_found("call-back"))?;
    doc.value.state = body.outcome;
    doc.value.closed_at = Some(ctx.received_at());
    doc.value.closed_by = Some(ctx.actor());
    doc.value.outcome_note = note;
    store::put(&k, &doc.value, Some(doc.version))?;
    store::delete(&open_key(id), pointer.version)?;
    Ok(json(200, &doc.value))
}

/// Closes `subject`'s open requests without a call (they died): out of the contact centre's
/// queue, `cancelled` by `system`; nothing changes the second time.
pub fn cancel_open(subject: &str, at: Timestamp) -> Result<(), Problem> {
    for (k, mut doc) in store::list_all::<Callback>(&key(subject, ""))? {
        if cancel(&mut doc.value, at) {
            store::put(&k, &doc.value, Some(doc.version))?;
            if let Some(pointer) = store::get::<Pointer>(&open_key(&doc.value.id))? {
                store::delete(&open_key(&doc.value.id), pointer.version)?;
            }
        }
    }
    Ok(())
}

/// Cancels `callback` at `at` because its requester died; false when it was no longer open.
fn cancel(callback: &mut Callback, at: Timestamp) -> bool {
    if callback.state != State::Open {
        return false;
    }
    callback.state = State::Cancelled;
    callback.closed_at = Some(at);
    callback.closed_by = Some(SYSTEM.into());
    callback.outcome_note = Some(DECEASED.into());
    true
}

/// How many of `subject`'s requests are open (for the limit, and the dossier).
pub fn open_count(subject: &str) -> Result<usize, store::StoreError> {
    Ok(store::list_all::<Callback>(&key(subject, ""))?
        .into_iter()
        .filter(|(_, d)| d.value.state == State::Open)
        .count())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_death_cancels_open_requests_once() {
        let requested_at: Timestamp = "2026-05-09T10:00:00Z".parse().unwrap();
        let at: Timestamp = "2026-05-10T09:00:00Z".parse().unwrap();
        let mut callback = Callback {
            id: "cbk_01jz0000000000000000000000".into(),
            subject: "RSSMRA85T10A562S".into(),
            phone: "+393331234567".into(),
            service: Service::IncomeSupport,
            note: None,
            preferred_slot: Some(Slot::Morning),
            state: State::Open,
            requested_at,
            closed_at: None,
            closed_by: None,
            outcome_note: None,
        };
        assert!(cancel(&mut callback, at));
        assert_eq!(callback.state, State::Cancelled);
        assert_eq!(callback.closed_at, Some(at));
        assert_eq!(callback.closed_by.as_deref(), Some("system"));
        assert_eq!(callback.outcome_note.as_deref(), Some("deceased"));
        // Again, or a request the contact centre already closed: no change.
        let later: Timestamp = "2026-05-11T09:00:00Z".parse().unwrap();
        assert!(!cancel(&mut callback, later));
        assert_eq!(callback.closed_at, Some(at));
        callback.state = State::Reached;
        assert!(!cancel(&mut callback, later));
        assert_eq!(callback.state, State::Reached);
    }
}
