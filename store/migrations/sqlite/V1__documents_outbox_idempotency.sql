-- Documents, outbox and deliveries, idempotency records.
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

