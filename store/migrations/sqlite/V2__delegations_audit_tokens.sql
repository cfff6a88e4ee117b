-- Delegations, the audit trail, one-time token ids.
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

