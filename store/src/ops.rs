//! The SQL behind each store operation. Functions take a connection so they run both on read
//! connections and inside the writer's transaction.

use super::sql::Sql;
use super::{Now, StoreError};
use welfare_txn::host::WriteSet;

/// The raw row for `key`: (value, or `None` for a tombstone; version).
pub fn read_doc(
    conn: &dyn Sql,
    domain: &str,
    key: &str,
) -> Result<Option<(Option<Vec<u8>>, u64)>, StoreError> {
    Ok(conn
        .row(
            "SELECT value, version FROM documents WHERE domain = $1 AND key = $2",
            &[&domain, &key],
        )?
        .map(|r| (r.opt_bytes(0), r.int(1) as u64)))
}

/// Live documents under `prefix` with keys after `after`, in key order, at most `limit`.
pub fn list_docs(
    conn: &dyn Sql,
    domain: &str,
    prefix: &str,
    after: &str,
    limit: usize,
) -> Result<Vec<(String, Vec<u8>, u64)>, StoreError> {
    // Keys are printable ASCII (< 0x7f), so `prefix || x'7f'` bounds the prefix's range and the
    // primary-key index serves the whole query (keys compare bytewise: `COLLATE "C"` on
    // PostgreSQL).
    let upper = format!("{prefix}\u{7f}");
    let lower = if after > prefix { after } else { prefix };
    let rows = conn.rows(
        "SELECT key, value, version FROM documents
         WHERE domain = $1 AND key >= $2 AND key < $3 AND key > $4 AND value IS NOT NULL
         ORDER BY key LIMIT $5",
        &[&domain, &lower, &upper.as_str(), &after, &(limit as i64)],
    )?;
    Ok(rows
        .into_iter()
        .map(|r| {
            (
                r.text(0),
                r.opt_bytes(1).unwrap_or_default(),
                r.int(2) as u64,
            )
        })
        .collect())
}

/// Applies a write set: every document must still be at the version the request observed.
/// Returns the outbox sequence numbers of the events it added.
///
/// Each write is conditional on the observed version in the statement itself (an `UPDATE …
/// WHERE version = observed`, or an insert that must not collide), so that it holds under
/// any isolation level and across several gateways sharing one database: a write that finds
/// the version moved changes nothing and the whole set is refused. `at` stamps the rows and
/// makes the deliveries due.
pub fn apply_write_set(conn: &dyn Sql, set: &WriteSet, at: Now) -> Result<Vec<i64>, StoreError> {
    let now = at.rfc3339();
    for doc in &set.docs {
        let version = doc.version as i64;
        let changed = match doc.observed {
            Some(observed) => conn.exec(
                "UPDATE documents SET value = $3, version = $4, updated_at = $5
                 WHERE domain = $1 AND key = $2 AND version = $6",
                &[
                    &set.domain,
                    &doc.key,
                    &doc.value,
                    &version,
                    &now,
                    &(observed as i64),
                ],
            )?,
            None => conn.exec(
                "INSERT INTO documents (domain, key, value, version, updated_at)
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (domain, key) DO NOTHING",
                &[&set.domain, &doc.key, &doc.value, &version, &now],
            )?,
        };
        if changed != 1 {
            return Err(StoreError::Conflict);
        }
    }
    let mut seqs = Vec::with_capacity(set.events.len());
    let due = at.ms();
    for event in &set.events {
        let seq = conn
            .row(
                "INSERT INTO outbox (id, topic, source, subject, payload, occurred_at)
                 VALUES ($1, $2, $3, $4, $5, $6) RETURNING seq",
                &[
                    &event.id,
                    &event.topic,
                    &event.source,
                    &event.subject,
                    &event.payload,
                    &now,
                ],
            )?
            .map(|r| r.int(0))
            .ok_or(StoreError::Conflict)?;
        for consumer in &event.consumers {
            conn.exec(
                "INSERT INTO deliveries (event_seq, consumer, status, attempts, next_attempt_at, updated_at)
                 VALUES ($1, $2, 'pending', 0, $3, $4)",
                &[&seq, consumer, &due, &now],
            )?;
        }
        seqs.push(seq);
    }
    Ok(seqs)
}
