//! The SQL behind each store operation. Functions take a connection so they run both on read
//! connections and inside the writer's transaction.

use rusqlite::{Connection, OptionalExtension, params};

use super::txn::WriteSet;
use super::{StoreError, now_ms, now_rfc3339};

/// The raw row for `key`: (value, or `None` for a tombstone; version).
pub fn read_doc(
    conn: &Connection,
    domain: &str,
    key: &str,
) -> Result<Option<(Option<Vec<u8>>, u64)>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT value, version FROM documents WHERE domain = ?1 AND key = ?2")?;
    Ok(stmt
        .query_row(params![domain, key], |r| {
            Ok((r.get::<_, Option<Vec<u8>>>(0)?, r.get::<_, i64>(1)? as u64))
        })
        .optional()?)
}

/// Live documents under `prefix` with keys after `after`, in key order, at most `limit`.
pub fn list_docs(
    conn: &Connection,
    domain: &str,
    prefix: &str,
    after: &str,
    limit: usize,
) -> Result<Vec<(String, Vec<u8>, u64)>, StoreError> {
    // Keys are printable ASCII (< 0x7f), so `prefix || x'7f'` bounds the prefix's range and the
    // primary-key index serves the whole query.
    let upper = format!("{prefix}\u{7f}");
    let lower = if after > prefix { after } else { prefix };
    let mut stmt = conn.prepare_cached(
        "SELECT key, value, version FROM documents
         WHERE domain = ?1 AND key >= ?2 AND key < ?3 AND key > ?4 AND value IS NOT NULL
         ORDER BY key LIMIT ?5",
    )?;
    let rows = stmt.query_map(params![domain, lower, upper, after, limit as i64], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, i64>(2)? as u64,
        ))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Applies a write set: every document must still be at the version the request observed.
/// Returns the outbox sequence numbers of the events it added.
pub fn apply_write_set(conn: &Connection, set: &WriteSet) -> Result<Vec<i64>, StoreError> {
    let now = now_rfc3339();
    for doc in &set.docs {
        let current: Option<u64> = conn
            .prepare_cached("SELECT version FROM documents WHERE domain = ?1 AND key = ?2")?
            .query_row(params![set.domain, doc.key], |r| r.get::<_, i64>(0))
            .optional()?
            .map(|v| v as u64);
        if current != doc.observed {
            return Err(StoreError::Conflict);
        }
        conn.prepare_cached(
            "INSERT INTO documents (domain, key, value, version, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
             ON CONFLICT (domain, key) DO UPDATE SET value = excluded.value, version = excluded.version,
             updated_at = excluded.updated_at",
        )?
        .execute(params![set.domain, doc.key, doc.value, doc.version as i64, now])?;
    }
    let mut seqs = Vec::with_capacity(set.events.len());
    let due = now_ms();
    for event in &set.events {
        let seq: i64 = conn
            .prepare_cached(
                "INSERT INTO outbox (id, topic, source, subject, payload, occurred_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING seq",
            )?
            .query_row(
                params![
                    event.id,
                    event.topic,
                    event.source,
                    event.subject,
                    event.payload,
                    now
                ],
                |r| r.get(0),
            )?;
        for consumer in &event.consumers {
            conn.prepare_cached(
                "INSERT INTO deliveries (event_seq, consumer, status, attempts, next_attempt_at, updated_at)
                 VALUES (?1, ?2, 'pending', 0, ?3, ?4)",
            )?
            .execute(params![seq, consumer, due, now])?;
        }
        seqs.push(seq);
    }
    Ok(seqs)
}
