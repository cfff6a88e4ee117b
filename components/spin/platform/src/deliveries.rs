//! Event deliveries on Spin: the HTTP adapter's `/_welfare/<component>/deliver` route claims
//! the next due delivery to its component here, runs the domain's `on-event`, and either
//! commits the acknowledgement with the consumer's writes or records the failure. Backoff and
//! dead letters follow the gateway's defaults (`[events]`).

use spin_sdk::sqlite::{Connection, Value};

use crate::db::{self, int, text};
use crate::exports::welfare::platform::types::Event;
use crate::exports::welfare::spin::unit_of_work::{Delivery, Error};

/// Attempts before a delivery becomes a dead letter (the gateway's `events.max_attempts`).
pub const MAX_ATTEMPTS: i64 = 8;
/// First retry delay, doubled per failure (the gateway's `events.backoff_base_ms`).
pub const BACKOFF_BASE_MS: i64 = 1_000;
/// Longest retry delay (the gateway's `events.backoff_max_ms`).
pub const BACKOFF_MAX_MS: i64 = 300_000;
/// Longest failure reason kept.
const MAX_REASON_BYTES: usize = 1_000;

/// Claims the oldest due delivery to `component`: the attempt is counted now and its next
/// attempt moves `lease_ms` ahead, so a concurrent call skips it, and a call that dies (a
/// trap in `on-event`) has still used an attempt and lets it fall due again after the lease.
/// Deliveries whose last attempt died that way are dead letters. Each claim first removes
/// expired idempotency keys ([`crate::commit::expire_idempotency`]): the scheduler's calls are
/// the only periodic work on Spin.
pub fn claim(conn: &Connection, component: &str, lease_ms: u64) -> Result<Option<Delivery>, Error> {
    crate::commit::expire_idempotency(conn);
    let now = db::now_ms();
    db::run(
        conn,
        "UPDATE deliveries SET status = 'dead', updated_at = ?4,
             last_error = coalesce(last_error, 'the consumer failed without answering')
         WHERE consumer = ?1 AND status = 'pending' AND attempts >= ?2 AND next_attempt_at <= ?3",
        &[
            text(component),
            int(MAX_ATTEMPTS),
            int(now),
            text(&db::now_rfc3339()),
        ],
    )
    .map_err(db::unavailable)?;
    let claimed = db::run(
        conn,
        "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?1
         WHERE (event_seq, consumer) IN (
             SELECT event_seq, consumer FROM deliveries
             WHERE consumer = ?2 AND status = 'pending' AND next_attempt_at <= ?3
             ORDER BY next_attempt_at, event_seq LIMIT 1)
         RETURNING event_seq, attempts",
        &[int(now + lease_ms as i64), text(component), int(now)],
    )
    .map_err(db::unavailable)?;
    let Some(row) = claimed.rows.first() else {
        return Ok(None);
    };
    let seq = row.values.first().and_then(db::integer).unwrap_or_default();
    let attempts = row.values.get(1).and_then(db::integer).unwrap_or_default();
    let event = db::run(
        conn,
        "SELECT id, topic, source, subject, payload, occurred_at FROM outbox WHERE seq = ?1",
        &[int(seq)],
    )
    .map_err(db::unavailable)?;
    let Some(e) = event.rows.first() else {
        return Ok(None);
    };
    let v = &e.values;
    let s = |i: usize| v.get(i).and_then(db::string).unwrap_or_default();
    Ok(Some(Delivery {
        seq,
        event: Event {
            id: s(0),
            topic: s(1),
            source: s(2),
            subject: v.get(3).and_then(db::string),
            payload: v.get(4).and_then(db::bytes).unwrap_or_default(),
            occurred_at: s(5),
            attempt: attempts as u32,
        },
    }))
}

/// Records why the claimed attempt failed: due again after the backoff, or dead after
/// [`MAX_ATTEMPTS`] (the attempt itself was counted by the claim).
pub fn failed(conn: &Connection, component: &str, seq: i64, reason: &str) -> Result<(), Error> {
    let mut reason = reason.to_string();
    if reason.len() > MAX_REASON_BYTES {
        let mut cut = MAX_REASON_BYTES;
        while !reason.is_char_boundary(cut) {
            cut -= 1;
        }
        reason.truncate(cut);
    }
    db::run(
        conn,
        "UPDATE deliveries SET last_error = ?3, updated_at = ?4,
             status = CASE WHEN attempts >= ?5 THEN 'dead' ELSE 'pending' END,
             next_attempt_at = ?6 + min(?7, ?8 * (1 << min(max(attempts - 1, 0), 20)))
         WHERE event_seq = ?1 AND consumer = ?2 AND status = 'pending'",
        &[
            int(seq),
            text(component),
            Value::Text(reason),
            text(&db::now_rfc3339()),
            int(MAX_ATTEMPTS),
            int(db::now_ms()),
            int(BACKOFF_MAX_MS),
            int(BACKOFF_BASE_MS),
        ],
    )
    .map_err(db::unavailable)?;
    Ok(())
}
