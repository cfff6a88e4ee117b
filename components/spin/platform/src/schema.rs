//! The adapter's tables: the gateway's (`documents`, `outbox`, `deliveries`, `idempotency`,
//! with the same columns, so the same queries and tools read both) plus `commits`, whose
//! trigger applies a unit of work in one statement.
//!
//! Spin has no migration runner: the first connection of an instance reads the schema
//! version and runs the migrations after it, in order. Every statement is idempotent
//! (`IF NOT EXISTS`, and a later migration drops what it replaces before creating it), so two
//! instances doing it at once is harmless.

use spin_sdk::sqlite::{Connection, Error, Value};

/// The migrations, oldest first; the schema's version is how many have run. Never edit one
/// that has shipped: add the next (with `DROP TRIGGER IF EXISTS` before a changed trigger,
/// `ALTER TABLE` for a new column).
const MIGRATIONS: &[&[&str]] = &[V1, V2];

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
    // One row per commit, deleted by its own trigger: inserting it is the commit. `writes`
    // is a JSON array of {k: key, o: observed version or null, v: hex value or null (a
    // delete), n: new version}; `events` one of {id, t: topic, s: subject, p: hex payload,
    // c: [consumers]}.
    "CREATE TABLE IF NOT EXISTS commits (
        id TEXT PRIMARY KEY, domain TEXT NOT NULL, at TEXT NOT NULL, at_ms INTEGER NOT NULL,
        writes TEXT NOT NULL, events TEXT NOT NULL,
        idem_scope TEXT, idem_key TEXT, idem_hash TEXT, idem_status INTEGER,
        idem_headers TEXT, idem_body BLOB, delivery_seq INTEGER, delivery_consumer TEXT)",
    // The commit. Everything below runs inside the INSERT's own statement transaction, so a
    // RAISE(ABORT) undoes all of it, the commits row included, whichever connection or
    // server runs it. The checks come first, the writes after. (json_each: SQLite 3.38;
    // unhex: 3.41. Spin 3.x bundles 3.45 or later, and libSQL has both.)
    "CREATE TRIGGER IF NOT EXISTS commits_apply AFTER INSERT ON commits BEGIN
        SELECT RAISE(ABORT, 'welfare:conflict') WHERE EXISTS (
            SELECT 1 FROM json_each(NEW.writes) w
            LEFT JOIN documents d
                ON d.domain = NEW.domain AND d.key = json_extract(w.value, '$.k')
            WHERE d.version IS NOT json_extract(w.value, '$.o'));
        SELECT RAISE(ABORT, 'welfare:key-taken') WHERE NEW.idem_scope IS NOT NULL AND EXISTS (
            SELECT 1 FROM idempotency WHERE scope = NEW.idem_scope AND key = NEW.idem_key);
        SELECT RAISE(ABORT, 'welfare:already-delivered') WHERE NEW.delivery_seq IS NOT NULL
            AND NOT EXISTS (SELECT 1 FROM deliveries WHERE event_seq = NEW.delivery_seq
                AND consumer = NEW.delivery_consumer AND status = 'pending');
        INSERT OR REPLACE INTO documents (domain, key, value, version, updated_at)
            SELECT NEW.domain, json_extract(w.value, '$.k'), unhex(json_extract(w.value, '$.v')),
                json_extract(w.value, '$.n'), NEW.at
            FROM json_each(NEW.writes) w;
        INSERT INTO outbox (id, topic, source, subject, payload, occurred_at)
            SELECT json_extract(e.value, '$.id'), json_extract(e.value, '$.t'), NEW.domain,
                json_extract(e.value, '$.s'), unhex(json_extract(e.value, '$.p')), NEW.at
            FROM json_each(NEW.events) e ORDER BY e.key;
        INSERT INTO deliveries (event_seq, consumer, status, attempts, next_attempt_at, updated_at)
            SELECT o.seq, c.value, 'pending', 0, NEW.at_ms, NEW.at
            FROM json_each(NEW.events) e
            JOIN outbox o ON o.id = json_extract(e.value, '$.id')
            JOIN json_each(e.value, '$.c') c;
        INSERT INTO idempotency (scope, key, request_hash, state, status, headers, body, created_at)
            SELECT NEW.idem_scope, NEW.idem_key, NEW.idem_hash, 'done', NEW.idem_status,
                NEW.idem_headers, NEW.idem_body, NEW.at_ms
            WHERE NEW.idem_scope IS NOT NULL;
        UPDATE deliveries SET status = 'done', last_error = NULL, updated_at = NEW.at
            WHERE event_seq = NEW.delivery_seq AND consumer = NEW.delivery_consumer;
        DELETE FROM commits WHERE id = NEW.id;
    END",
];

/// The tokens whose signatures a request verified (`welfare:spin/unit-of-work`'s
/// `remember-token`), each until its `exp`; an insert removes those already expired, through
/// the index on the expiry, so the table holds about the tokens in use.
const V2: &[&str] = &[
    "CREATE TABLE IF NOT EXISTS verified_tokens (
        fingerprint BLOB PRIMARY KEY, expires_at INTEGER NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS verified_tokens_expiry ON verified_tokens (expires_at)",
    "CREATE TRIGGER IF NOT EXISTS verified_tokens_expire AFTER INSERT ON verified_tokens BEGIN
        DELETE FROM verified_tokens WHERE expires_at <= unixepoch();
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
