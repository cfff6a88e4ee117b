//! Committing a unit of work in one statement, and reading recorded idempotent answers.
//!
//! The unit's documents, events and deliveries are first inserted as staged rows under a
//! fresh commit id: nobody reads those tables, so a unit that dies half-way leaves only rows
//! the next commit of its id would have removed (swept by [`sweep`]). Then one
//! `INSERT INTO commits` fires the `commits_apply` trigger ([`crate::schema`]), which checks
//! every observed version, the idempotency key and the delivery, and applies everything, all
//! inside that one statement's transaction: SQLite and libSQL serialise writers, so no other
//! commit can slip between the checks and the writes.

use spin_sdk::sqlite::{Connection, Value};

use crate::db::{self, blob, int, opt_text, text};
use crate::exports::welfare::platform::types::Error;
use crate::exports::welfare::spin::unit_of_work::{CommitError, IdempotencyRecord, RecordedAnswer};
use std::collections::BTreeMap;

use welfare_txn::{Buffered, Published};

use crate::unit::Unit;
use crate::vars;

/// Staged rows older than this belong to units that died before committing.
const STALE_STAGED_MS: i64 = 10 * 60 * 1000;
/// How long an idempotent answer is kept for replays (the gateway's retention).
const IDEMPOTENCY_RETENTION_MS: i64 = 24 * 60 * 60 * 1000;

pub fn commit(
    unit: Unit,
    idempotency: Option<IdempotencyRecord>,
    delivered: Option<i64>,
) -> Result<(), CommitError> {
    let component = unit.domain().to_string();
    let (writes, events) = unit.into_parts();
    if writes.is_empty() && events.is_empty() && idempotency.is_none() && delivered.is_none() {
        return Ok(());
    }
    let conn = db::open().map_err(|e| CommitError::Unavailable(format!("{e:?}")))?;
    let id = db::new_id("commit");
    let staged = stage(&conn, &id, &component, &writes, &events);
    let result = staged.and_then(|()| {
        let (scope, key, hash, status, headers, body) = match &idempotency {
            Some(r) => (
                opt_text(Some(&r.scope)),
                opt_text(Some(&r.key)),
                opt_text(Some(&r.answer.fingerprint)),
                int(r.answer.status.into()),
                opt_text(Some(
                    &serde_json::to_string(&r.answer.headers).unwrap_or_default(),
                )),
                blob(&r.answer.body),
            ),
            None => (
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
                Value::Null,
            ),
        };
        db::run(
            &conn,
            "INSERT INTO commits (id, at, at_ms, idem_scope, idem_key, idem_hash, idem_status,
                idem_headers, idem_body, delivery_seq, delivery_consumer)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
            &[
                text(&id),
                text(&db::now_rfc3339()),
                int(db::now_ms()),
                scope,
                key,
                hash,
                status,
                headers,
                body,
                delivered.map_or(Value::Null, int),
                delivered.map_or(Value::Null, |_| text(&component)),
            ],
        )
        .map(|_| ())
    });
    match result {
        Ok(()) => Ok(()),
        Err(e) => {
            let message = db::message(&e);
            // The staged rows of a refused commit are garbage; remove them now.
            sweep(&conn, Some(&id));
            Err(if message.contains("welfare:conflict") {
                CommitError::Conflict
            } else if message.contains("welfare:key-taken") {
                CommitError::KeyTaken
            } else if message.contains("welfare:already-delivered") {
                CommitError::AlreadyDelivered
            } else {
                CommitError::Unavailable(message)
            })
        }
    }
}

/// Inserts the unit's rows under commit `id`.
fn stage(
    conn: &Connection,
    id: &str,
    component: &str,
    writes: &BTreeMap<String, Buffered>,
    events: &[Published],
) -> Result<(), spin_sdk::sqlite::Error> {
    for (key, w) in writes {
        db::run(
            conn,
            "INSERT INTO staged_docs (commit_id, domain, key, observed, value, version)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            &[
                text(id),
                text(component),
                text(key),
                w.observed.map_or(Value::Null, |v| int(v as i64)),
                w.value.as_deref().map_or(Value::Null, blob),
                int(w.version as i64),
            ],
        )?;
    }
    for (ord, event) in events.iter().enumerate() {
        db::run(
            conn,
            "INSERT INTO staged_events (commit_id, ord, id, topic, source, subject, payload)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            &[
                text(id),
                int(ord as i64),
                text(&event.id),
                text(&event.topic),
                text(component),
                opt_text(event.subject.as_deref()),
                blob(&event.payload),
            ],
        )?;
        for consumer in vars::subscribers(&event.topic) {
            db::run(
                conn,
                "INSERT INTO staged_deliveries (commit_id, event_id, consumer) VALUES (?1, ?2, ?3)",
                &[text(id), text(&event.id), text(&consumer)],
            )?;
        }
    }
    Ok(())
}

/// Removes the staged rows of commit `id`, or (none) of every commit older than
/// [`STALE_STAGED_MS`] together with idempotent answers past their retention. Best effort: a
/// failure leaves rows nobody needs.
pub fn sweep(conn: &Connection, id: Option<&str>) {
    let (clause, param) = match id {
        Some(id) => ("commit_id = ?1", text(id)),
        // Commit ids start with their creation time in hex milliseconds (`db::new_id`).
        None => (
            "commit_id < ?1",
            text(&format!(
                "commit_{:016x}",
                (db::now_ms() - STALE_STAGED_MS).max(0)
            )),
        ),
    };
    for table in ["staged_docs", "staged_events", "staged_deliveries"] {
        let _ = db::run(
            conn,
            &format!("DELETE FROM {table} WHERE {clause}"),
            std::slice::from_ref(&param),
        );
    }
    if id.is_none() {
        let _ = db::run(
            conn,
            "DELETE FROM idempotency WHERE created_at < ?1 AND state = 'done'",
            &[int(db::now_ms() - IDEMPOTENCY_RETENTION_MS)],
        );
    }
}

/// The answer recorded under (`scope`, `key`).
pub fn recorded(
    conn: &Connection,
    scope: &str,
    key: &str,
) -> Result<Option<RecordedAnswer>, Error> {
    let rows = db::run(
        conn,
        "SELECT request_hash, status, headers, body FROM idempotency
         WHERE scope = ?1 AND key = ?2 AND state = 'done'",
        &[text(scope), text(key)],
    )
    .map_err(db::unavailable)?;
    Ok(rows.rows.first().map(|row| {
        let v = &row.values;
        RecordedAnswer {
            fingerprint: v.first().and_then(db::string).unwrap_or_default(),
            status: v.get(1).and_then(db::integer).unwrap_or(500) as u16,
            headers: v
                .get(2)
                .and_then(db::string)
                .and_then(|h| serde_json::from_str(&h).ok())
                .unwrap_or_default(),
            body: v.get(3).and_then(db::bytes).unwrap_or_default(),
        }
    }))
}
