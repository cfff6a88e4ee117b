//! Committing a unit of work in one statement, and reading recorded idempotent answers.
//!
//! Spin's SQLite interface runs one statement per call, and no host promises that two calls
//! share a transaction, so the whole unit goes in one: `INSERT INTO commits` carries the
//! unit's documents and events as JSON (bytes in hex), its idempotency record and its delivery
//! acknowledgement, and the `commits_apply` trigger ([`crate::schema`]) checks every observed
//! version, the key and the delivery, then applies everything, inside that statement's own
//! transaction. SQLite and libSQL serialise writers, so no other commit can slip between the
//! checks and the writes, and a refused commit leaves nothing behind.

use serde_json::{Value as Json, json};
use spin_sdk::sqlite::{Connection, Value};

use crate::db::{self, blob, int, opt_text, text};
use crate::exports::welfare::spin::unit_of_work::{
    CommitError, Error, IdempotencyRecord, RecordedAnswer,
};
use crate::unit::Unit;
use crate::vars;

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
    // Each write: key, the version first observed (null: no row), the value (null: deleted)
    // and the new version.
    let writes: Vec<Json> = writes
        .iter()
        .map(|(key, w)| {
            json!({ "k": key, "o": w.observed, "v": w.value.as_deref().map(hex::encode), "n": w.version })
        })
        .collect();
    // Each event, with the consumers it is delivered to.
    let events: Vec<Json> = events
        .iter()
        .map(|e| {
            json!({ "id": e.id, "t": e.topic, "s": e.subject, "p": hex::encode(&e.payload), "c": vars::subscribers(&e.topic) })
        })
        .collect();
    let (scope, key, hash, status, headers, body) = match &idempotency {
        Some(r) => (
            text(&r.scope),
            text(&r.key),
            text(&r.answer.fingerprint),
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
    let conn = db::open().map_err(|e| CommitError::Unavailable(format!("{e:?}")))?;
    let result = db::run(
        &conn,
        "INSERT INTO commits (id, domain, at, at_ms, writes, events, idem_scope, idem_key,
            idem_hash, idem_status, idem_headers, idem_body, delivery_seq, delivery_consumer)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        &[
            text(&db::new_id("commit")),
            text(&component),
            text(&db::now_rfc3339()),
            int(db::now_ms()),
            text(&Json::from(writes).to_string()),
            text(&Json::from(events).to_string()),
            scope,
            key,
            hash,
            status,
            headers,
            body,
            delivered.map_or(Value::Null, int),
            delivered.map_or(Value::Null, |_| text(&component)),
        ],
    );
    result.map(|_| ()).map_err(|e| {
        let message = db::message(&e);
        if message.contains("welfare:conflict") {
            CommitError::Conflict
        } else if message.contains("welfare:key-taken") {
            CommitError::KeyTaken
        } else if message.contains("welfare:already-delivered") {
            CommitError::AlreadyDelivered
        } else {
            CommitError::Unavailable(message)
        }
    })
}

/// Removes idempotent answers past their retention. Best effort: a failure leaves rows a
/// later sweep removes.
pub fn expire_idempotency(conn: &Connection) {
    let _ = db::run(
        conn,
        "DELETE FROM idempotency WHERE created_at < ?1 AND state = 'done'",
        &[int(db::now_ms() - IDEMPOTENCY_RETENTION_MS)],
    );
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
