//! A request's unit of work, as every handler that writes completes it: the `Idempotency-Key`
//! claimed or its saved answer replayed, the writes, events, key, audit entry and write count
//! committed together, an access recorded when nothing commits. The component pipeline
//! (`dispatch`) and the native handlers that write (delegations, life events) share it; the
//! claim on a key is held by whoever owns the pipeline, and dropped once its request ended.

use axum::http::{HeaderName, HeaderValue, Method, StatusCode, request::Parts};
use axum::response::{IntoResponse, Response};

use super::App;
use crate::access::audit;
use crate::auth::Principal;
use crate::idempotency::{self, Begin, Claim, IdemKey, Saved};
use crate::problem::Problem;
use crate::store::txn::WriteSet;
use crate::store::{StoreError, ops};
use welfare_exchange::IDEMPOTENCY_KEY;
use welfare_exchange::idempotency::KeyHeader;
use welfare_exchange::refusal::{CONFLICT, IDEMPOTENCY_KEY_REUSED, INVALID_IDEMPOTENCY_KEY};

/// Set on a response replayed for a repeated `Idempotency-Key`.
pub const IDEMPOTENT_REPLAYED: &str = "idempotent-replayed";

/// What one request commits, all in one transaction.
pub struct Commit<'a> {
    pub writes: WriteSet,
    /// The key whose saved answer is `saved`.
    pub idem: Option<&'a Claim>,
    pub saved: &'a Saved,
    /// The access, recorded with what it did.
    pub audit: Option<audit::Entry>,
    /// The caller whose write limit this request counts against.
    pub limited: Option<String>,
}

/// Commits a request's writes and events with its idempotency record, its audit entry and its
/// count against the caller's limit, in one transaction (nothing to do when there is none of
/// them). On failure nothing is saved under the key, so the client's retry runs again: a
/// version that moved is a 409, a key another gateway's request committed first a 409 too
/// (its answer is the retry's), anything else a 503.
pub async fn commit(app: &App, c: Commit<'_>) -> Result<(), Problem> {
    let Commit {
        writes,
        idem,
        saved,
        audit,
        limited,
    } = c;
    if writes.is_empty() && idem.is_none() && audit.is_none() {
        return Ok(());
    }
    let for_commit = saved.clone();
    let key = idem.as_ref().map(|claim| claim.key().clone());
    let now = app.db.now();
    let committed = app
        .db
        .write(move |conn| {
            let seqs = ops::apply_write_set(conn, &writes, now)?;
            if let Some(key) = &key {
                idempotency::finish(conn, key, &for_commit, now)?;
            }
            if let Some(entry) = &audit {
                audit::append(conn, entry)?;
            }
            if let Some(scope) = &limited {
                crate::rate::count(conn, scope, now)?;
            }
            Ok(seqs)
        })
        .await;
    match committed {
        Ok(seqs) => {
            if !seqs.is_empty() {
                app.outbox_wake.notify_one();
            }
            Ok(())
        }
        Err(e) => Err(commit_failed(e)),
    }
}

/// Why a request's commit failed, as its answer.
pub fn commit_failed(e: StoreError) -> Problem {
    match e {
        StoreError::Conflict => Problem::from(CONFLICT),
        StoreError::KeyUsed => key_in_flight().detail(
            "Another request with this Idempotency-Key, on another gateway, committed first; \
             retry to get its answer.",
        ),
        other => unavailable(other),
    }
}

/// Records an audited access that ended without committing anything (a refusal by the
/// component, a fault). A trail that cannot be written fails the request: an access for someone
/// else must not go unrecorded.
pub async fn record(app: &App, entry: Option<audit::Entry>, status: u16) -> Result<(), Problem> {
    let Some(mut entry) = entry else {
        return Ok(());
    };
    entry.status = status;
    entry.outcome = audit::Outcome::of_status(status);
    app.db
        .write(move |conn| audit::append(conn, &entry).map(|_| ()))
        .await
        .map_err(unavailable)
}

/// How an idempotent request starts.
pub enum Started {
    /// Run it (under this key, if it has one).
    Proceed(Option<Claim>),
    /// It ran before: answer what it answered.
    Replayed(Saved),
}

/// Honours the request's `Idempotency-Key`: a repeat gets the saved answer, a key reused for
/// another request 422, a key still running 409.
pub async fn start_idempotent(
    app: &App,
    parts: &Parts,
    principal: &Principal,
    subject: Option<&str>,
    body: &[u8],
    required: bool,
) -> Result<Started, Problem> {
    let Some(key) = idempotency_key(parts, principal, subject, body, required)? else {
        return Ok(Started::Proceed(None));
    };
    match idempotency::begin(&app.db, key)
        .await
        .map_err(unavailable)?
    {
        Begin::Proceed(claim) => Ok(Started::Proceed(Some(claim))),
        Begin::Replay(saved) => Ok(Started::Replayed(saved)),
        Begin::Mismatch => Err(Problem::from(IDEMPOTENCY_KEY_REUSED)),
        Begin::InFlight => Err(key_in_flight().detail("Retry when it has finished.")),
    }
}

/// 409: another request with the key ran at the same time.
fn key_in_flight() -> Problem {
    Problem::new(
        StatusCode::CONFLICT,
        "idempotency-key-in-flight",
        "A request with this Idempotency-Key is still running.",
    )
}

/// The request's key under the rules both hosts share ([`welfare_exchange::idempotency::key`]):
/// a POST's only, required where the route says so, never an anonymous caller's.
fn idempotency_key(
    parts: &Parts,
    principal: &Principal,
    subject: Option<&str>,
    body: &[u8],
    required: bool,
) -> Result<Option<IdemKey>, Problem> {
    let header = match parts.headers.get(IDEMPOTENCY_KEY) {
        None => KeyHeader::Absent,
        Some(raw) => raw.to_str().map_or(KeyHeader::NotText, KeyHeader::Text),
    };
    let post = parts.method == Method::POST;
    let Some(keyed) =
        welfare_exchange::idempotency::key(post, header, principal, subject, required)
            .map_err(Problem::from)?
    else {
        return Ok(None);
    };
    let path = parts
        .uri
        .path_and_query()
        .map(|p| p.as_str())
        .unwrap_or("/");
    IdemKey::new(keyed.scope, keyed.key, parts.method.as_str(), path, body)
        .map(Some)
        .ok_or_else(|| Problem::from(INVALID_IDEMPOTENCY_KEY))
}

pub fn build(saved: &Saved) -> Response {
    let status = StatusCode::from_u16(saved.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut response = (status, saved.body.clone()).into_response();
    for (name, value) in &saved.headers {
        if let (Ok(name), Ok(value)) = (
            HeaderName::try_from(name.as_str()),
            HeaderValue::from_str(value),
        ) {
            response.headers_mut().insert(name, value);
        }
    }
    response
}

pub fn replayed(saved: Saved) -> Response {
    let mut response = build(&saved);
    response.headers_mut().insert(
        HeaderName::from_static(IDEMPOTENT_REPLAYED),
        HeaderValue::from_static("true"),
    );
    response
}

/// The store failed: 503, nothing saved (the gate's answer, the same everywhere).
pub use crate::access::gate::unavailable;
