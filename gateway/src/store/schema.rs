//! The database schema, as numbered migrations applied in order and recorded in SQLite's
//! `user_version`, so an existing data directory is upgraded in place at start-up.

/// Each entry moves the schema from version `index` to `index + 1`. Never edit a released one.
pub const MIGRATIONS: &[&str] = &[
    // 1: documents, outbox and deliveries, idempotency records.
    r#"
    CREATE TABLE documents (
        domain     TEXT NOT NULL,
        key        TEXT NOT NULL,
        -- NULL once deleted: the row stays as a tombstone that keeps the version growing.
        value      BLOB,
        version    INTEGER NOT NULL,
        updated_at TEXT NOT NULL,
        PRIMARY KEY (domain, key)
    ) WITHOUT ROWID;

    CREATE TABLE outbox (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        id          TEXT NOT NULL UNIQUE,
        topic       TEXT NOT NULL,
        source      TEXT NOT NULL,
        subject     TEXT,
        payload     BLOB NOT NULL,
        occurred_at TEXT NOT NULL
    );

    -- One row per (event, subscriber): the delivery state and, once done, the record that the
    -- consumer processed the event, written in the same transaction as the consumer's effects.
    CREATE TABLE deliveries (
        event_seq       INTEGER NOT NULL REFERENCES outbox(seq),
        consumer        TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'done', 'dead')),
        attempts        INTEGER NOT NULL DEFAULT 0,
        next_attempt_at INTEGER NOT NULL,
        last_error      TEXT,
        updated_at      TEXT NOT NULL,
        PRIMARY KEY (event_seq, consumer)
    );
    CREATE INDEX deliveries_due ON deliveries (status, next_attempt_at);

    CREATE TABLE idempotency (
        scope        TEXT NOT NULL,
        key          TEXT NOT NULL,
        request_hash TEXT NOT NULL,
        state        TEXT NOT NULL CHECK (state IN ('in-flight', 'done')),
        locked_until INTEGER,
        status       INTEGER,
        headers      TEXT,
        body         BLOB,
        created_at   INTEGER NOT NULL,
        PRIMARY KEY (scope, key)
    );
    CREATE INDEX idempotency_age ON idempotency (created_at);
    "#,
    // 2: delegations, the audit trail, one-time token ids.
    r#"
    -- A person or company lets an intermediary organisation act for it, within scopes and until
    -- an expiry. Never deleted: a revocation is a timestamp, so the history stays readable.
    CREATE TABLE delegations (
        id                TEXT PRIMARY KEY,
        grantor           TEXT NOT NULL,
        grantor_kind      TEXT NOT NULL CHECK (grantor_kind IN ('citizen', 'company')),
        intermediary_org  TEXT NOT NULL,
        intermediary_kind TEXT,
        scopes            TEXT NOT NULL,
        expires_at        INTEGER NOT NULL,
        created_at        INTEGER NOT NULL,
        created_by        TEXT NOT NULL,
        document_ref      TEXT,
        revoked_at        INTEGER,
        revoked_by        TEXT
    );
    CREATE INDEX delegations_grantor ON delegations (grantor, created_at);
    CREATE INDEX delegations_org ON delegations (intermediary_org, grantor);

    -- Who accessed whose data, for what, and what happened: append-only (the triggers refuse
    -- every change), each row chained to the previous one by a SHA-256 hash so that an edit made
    -- behind the database's back shows.
    CREATE TABLE audit (
        seq         INTEGER PRIMARY KEY AUTOINCREMENT,
        at          TEXT NOT NULL,
        request_id  TEXT NOT NULL,
        actor_kind  TEXT NOT NULL,
        actor       TEXT NOT NULL,
        subject     TEXT,
        method      TEXT NOT NULL,
        path        TEXT NOT NULL,
        operation   TEXT,
        purpose     TEXT,
        outcome     TEXT NOT NULL CHECK (outcome IN ('allowed', 'refused')),
        status      INTEGER NOT NULL,
        reason      TEXT,
        evidence    TEXT,
        hash        TEXT NOT NULL
    );
    CREATE INDEX audit_subject ON audit (subject, seq);
    CREATE TRIGGER audit_append_only_update BEFORE UPDATE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
    CREATE TRIGGER audit_append_only_delete BEFORE DELETE ON audit
        BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

    -- Token ids (`jti`) that may be used once: PDND vouchers, ModI signatures and tracking
    -- evidence. Kept until the token expires, after which it could not be replayed anyway.
    CREATE TABLE used_tokens (
        jti        TEXT PRIMARY KEY,
        expires_at INTEGER NOT NULL
    );
    CREATE INDEX used_tokens_expiry ON used_tokens (expires_at);
    "#,
];

/// Brings the database at `conn` to the newest schema.
pub fn migrate(conn: &mut rusqlite::Connection) -> rusqlite::Result<()> {
    let current: usize =
        conn.query_row("PRAGMA user_version", [], |r| r.get::<_, i64>(0))? as usize;
    for (index, sql) in MIGRATIONS.iter().enumerate().skip(current) {
        let tx = conn.transaction()?;
        tx.execute_batch(sql)?;
        tx.pragma_update(None, "user_version", (index + 1) as i64)?;
        tx.commit()?;
    }
    Ok(())
}
