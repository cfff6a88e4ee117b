//! The adapter's tables: the gateway's (`documents`, `outbox`, `deliveries`, `idempotency`,
//! with the same columns, so the same queries and tools read both) plus the staging tables
//! and the `commits` trigger that applies a unit of work in one statement.
//!
//! Spin has no migration runner: the first connection of an instance reads the schema
//! version and runs the migrations after it, in order. Every statement is idempotent
//! (`IF NOT EXISTS`, and a later migration drops what it replaces before creating it), so two
//! instances doing it at once is harmless.

use spin_sdk::sqlite::{Connection, Error, Value};

/// The migrations, oldest first; the schema's version is how many have run. Never edit one
/// that has shipped: add the next (with `DROP TRIGGER IF EXISTS` before a changed trigger,
/// `ALTER TABLE` for a new column).
const MIGRATIONS: &[&[&str]] = &[V1];

/// The schema the adapter needs.
pub const VERSION: i64 = MIGRATIONS.len() as i64;

const V1: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS welfare_schema (version INTEGER NOT NULL)",
    "CREATE TABLE IF NOT EXISTS documents (
        domain TEXT NOT NULL, key TEXT NOT NULL, value BLOB, version INTEGER NOT NULL,
        updated_at TEXT NOT NULL, PRIMARY KEY (domain, key)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS outbox (
        seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, topic TEXT NOT NULL,
        source TEXT NOT NULL, subject TEXT, payload BLOB NOT NULL, occurred_at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS deliveries (
        event_seq INTEGER NOT NULL REFERENCES outbox(seq), consumer TEXT NOT NULL,
        status TEXT NOT NULL CHECK (status IN ('pending', 'done', 'dead')),
        attempts INTEGER NOT NULL DEFAULT 0, next_attempt_at INTEGER NOT NULL,
        last_error TEXT, updated_at TEXT NOT NULL, PRIMARY KEY (event_seq, consumer))",
    "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (consumer, status, next_attempt_at)",
    "CREATE TABLE IF NOT EXISTS idempotency (
        scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
        state TEXT NOT NULL CHECK (state IN ('in-flight', 'done')), locked_until INTEGER,
        status INTEGER, headers TEXT, body BLOB, created_at INTEGER NOT NULL,
        PRIMARY KEY (scope, key))",
    // A unit of work's rows, invisible to readers until its `commits` row applies them.
    "CREATE TABLE IF NOT EXISTS staged_docs (
        commit_id TEXT NOT NULL, domain TEXT NOT NULL, key TEXT NOT NULL,
        observed INTEGER, value BLOB, version INTEGER NOT NULL,
        PRIMARY KEY (commit_id, key))",
    "CREATE TABLE IF NOT EXISTS staged_events (
        commit_id TEXT NOT NULL, ord INTEGER NOT NULL, id TEXT NOT NULL, topic TEXT NOT NULL,
        source TEXT NOT NULL, subject TEXT, payload BLOB NOT NULL,
        PRIMARY KEY (commit_id, ord))",
    "CREATE TABLE IF NOT EXISTS staged_deliveries (
        commit_id TEXT NOT NULL, event_id TEXT NOT NULL, consumer TEXT NOT NULL,
        PRIMARY KEY (commit_id, event_id, consumer))",
    // One row per commit, deleted by its own trigger: inserting it is the commit.
    "CREATE TABLE IF NOT EXISTS commits (
        id TEXT PRIMARY KEY, at TEXT NOT NULL, at_ms INTEGER NOT NULL,
        idem_scope TEXT, idem_key TEXT, idem_hash TEXT, idem_status INTEGER,
        idem_headers TEXT, idem_body BLOB, delivery_seq INTEGER, delivery_consumer TEXT)",
    // The commit. Everything below runs inside the INSERT's own statement transaction, so a
    // RAISE(ABORT) undoes all of it, the commits row included, whichever connection or
    // server runs it. The checks come first, the writes after.
    "CREATE TRIGGER IF NOT EXISTS commits_apply AFTER INSERT ON commits BEGIN
        SELECT RAISE(ABORT, 'welfare:conflict') WHERE EXISTS (
            SELECT 1 FROM staged_docs s
            LEFT JOIN documents d ON d.domain = s.domain AND d.key = s.key
            WHERE s.commit_id = NEW.id AND d.version IS NOT s.observed);
        SELECT RAISE(ABORT, 'welfare:key-taken') WHERE NEW.idem_scope IS NOT NULL AND EXISTS (
            SELECT 1 FROM idempotency WHERE scope = NEW.idem_scope AND key = NEW.idem_key);
        SELECT RAISE(ABORT, 'welfare:already-delivered') WHERE NEW.delivery_seq IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_seq = NEW.delivery_seq
                AND consumer = NEW.delivery_consumer AND status = 'pending');
        INSERT OR REPLACE INTO documents (domain, key, value, version, updated_at)
            SELECT domain, key, value, version, NEW.at FROM staged_docs WHERE commit_id = NEW.id;
        INSERT INTO outbox (id, topic, source, subject, payload, occurred_at)
            SELECT id, topic, source, subject, payload, NEW.at FROM staged_events
            WHERE commit_id = NEW.id ORDER BY ord;
        INSERT INTO deliveries (event_seq, consumer, status, attempts, next_attempt_at, updated_at)
            SELECT o.seq, s.consumer, 'pending', 0, NEW.at_ms, NEW.at
            FROM staged_deliveries s JOIN outbox o ON o.id = s.event_id WHERE s.commit_id = NEW.id;
        INSERT INTO idempotency (scope, key, request_hash, state, status, headers, body, created_at)
            SELECT NEW.idem_scope, NEW.idem_key, NEW.idem_hash, 'done', NEW.idem_status,
                NEW.idem_headers, NEW.idem_body, NEW.at_ms
            WHERE NEW.idem_scope IS NOT NULL;
        UPDATE deliveries SET status = 'done', last_error = NULL, updated_at = NEW.at
            WHERE event_seq = NEW.delivery_seq AND consumer = NEW.delivery_consumer;
        DELETE FROM staged_docs WHERE commit_id = NEW.id;
        DELETE FROM staged_events WHERE commit_id = NEW.id;
        DELETE FROM staged_deliveries WHERE commit_id = NEW.id;
        DELETE FROM commits WHERE id = NEW.id;
    END",
];

/// Runs the migrations the database has not had yet.
pub fn ensure(conn: &Connection) -> Result<(), Error> {
    let current = conn
        .execute("SELECT max(version) FROM welfare_schema", &[])
        .ok()
        .and_then(|r| r.rows.first().and_then(|row| row.get::<i64>(0)))
        .unwrap_or(0);
    if current >= VERSION {
        return Ok(());
    }
    for statement in MIGRATIONS
        .iter()
        .skip(current.max(0) as usize)
        .flat_map(|m| m.iter())
    {
        conn.execute(statement, &[])?;
    }
    conn.execute(
        "INSERT INTO welfare_schema (version) SELECT ?1
         WHERE NOT EXISTS (SELECT 1 FROM welfare_schema WHERE version >= ?1)",
        &[Value::Integer(VERSION)],
    )?;
    Ok(())
}
