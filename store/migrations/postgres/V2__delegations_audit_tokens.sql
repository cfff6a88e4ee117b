-- Delegations, the audit trail, one-time token ids: the SQLite schema's twin.
CREATE TABLE delegations (
    id                TEXT COLLATE "C" PRIMARY KEY,
    grantor           TEXT COLLATE "C" NOT NULL,
    grantor_kind      TEXT NOT NULL CHECK (grantor_kind IN ('citizen', 'company')),
    intermediary_org  TEXT COLLATE "C" NOT NULL,
    intermediary_kind TEXT,
    scopes            TEXT NOT NULL,
    expires_at        BIGINT NOT NULL,
    created_at        BIGINT NOT NULL,
    created_by        TEXT NOT NULL,
    document_ref      TEXT,
    revoked_at        BIGINT,
    revoked_by        TEXT
);
CREATE INDEX delegations_grantor ON delegations (grantor, created_at);
CREATE INDEX delegations_org ON delegations (intermediary_org, grantor);

-- Append-only: the trigger refuses every change; each row is chained to the previous one.
CREATE TABLE audit (
    seq         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
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
    status      BIGINT NOT NULL,
    reason      TEXT,
    evidence    TEXT,
    hash        TEXT NOT NULL
);
CREATE INDEX audit_subject ON audit (subject, seq);
CREATE FUNCTION audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only';
END;
$$;
CREATE TRIGGER audit_append_only BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION audit_append_only();

-- Token ids (`jti`) that may be used once, kept until the token expires.
CREATE TABLE used_tokens (
    jti        TEXT PRIMARY KEY,
    expires_at BIGINT NOT NULL
);
CREATE INDEX used_tokens_expiry ON used_tokens (expires_at);
