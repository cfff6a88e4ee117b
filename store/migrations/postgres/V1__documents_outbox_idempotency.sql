-- Documents, outbox and deliveries, idempotency records: the SQLite schema's twin. Integers are
-- BIGINT, bytes BYTEA, and keys compare bytewise (COLLATE "C") so that prefix listings read in
-- the same order as on SQLite.
CREATE TABLE documents (
    domain     TEXT COLLATE "C" NOT NULL,
    key        TEXT COLLATE "C" NOT NULL,
    -- NULL once deleted: the row stays as a tombstone that keeps the version growing.
    value      BYTEA,
    version    BIGINT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (domain, key)
);

CREATE TABLE outbox (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id          TEXT NOT NULL UNIQUE,
    topic       TEXT NOT NULL,
    source      TEXT NOT NULL,
    subject     TEXT,
    payload     BYTEA NOT NULL,
    occurred_at TEXT NOT NULL
);

-- One row per (event, subscriber): the delivery state and, once done, the record that the
-- consumer processed the event, written in the same transaction as the consumer's effects.
CREATE TABLE deliveries (
    event_seq       BIGINT NOT NULL REFERENCES outbox(seq),
    consumer        TEXT NOT NULL,
    status          TEXT NOT NULL CHECK (status IN ('pending', 'done', 'dead')),
    attempts        BIGINT NOT NULL DEFAULT 0,
    next_attempt_at BIGINT NOT NULL,
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
    locked_until BIGINT,
    status       BIGINT,
    headers      TEXT,
    body         BYTEA,
    created_at   BIGINT NOT NULL,
    PRIMARY KEY (scope, key)
);
CREATE INDEX idempotency_age ON idempotency (created_at);
