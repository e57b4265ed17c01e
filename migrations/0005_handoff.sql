-- Issue 14 (gateway side): a person when the assistant isn't enough. Every table is keyed by
-- tenant first, and every query names the tenant (docs/SECURITY.md).

-- Where each conversation is (core::handoff::State). No row: with the assistant.
CREATE TABLE conversation_handoff (
    tenant_id            TEXT NOT NULL,
    conversation_id      TEXT NOT NULL,
    state                TEXT NOT NULL CHECK (state IN ('ai', 'waiting', 'human', 'closed')),
    state_json           TEXT NOT NULL,     -- the core State, exactly
    reason_json          TEXT,              -- the core Reason of the latest request
    summary              TEXT,              -- for staff: the assistant's summary or the shopper's reason
    owner                TEXT,              -- the staff member who owns it (human)
    requested_at_ms      INTEGER,           -- latest request for a person
    taken_at_ms          INTEGER,
    first_response_at_ms INTEGER,           -- first staff message after the latest request
    closed_at_ms         INTEGER,
    updated_at_ms        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id)
);
CREATE INDEX handoff_inbox ON conversation_handoff (tenant_id, state, requested_at_ms);

-- The live channel's log: sequence numbers per conversation, assigned by the conversation's
-- Durable Object and written here before anything is delivered.
CREATE TABLE live_entries (
    tenant_id       TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    author          TEXT NOT NULL CHECK (author IN ('shopper', 'staff', 'assistant', 'system')),
    client_id       TEXT,                   -- the sender's id: a resend is not stored twice
    text            TEXT NOT NULL,
    internal        INTEGER NOT NULL DEFAULT 0,  -- 1: a staff note, never shown to the shopper
    staff_id        TEXT,
    staff_name      TEXT,
    at_ms           INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id, seq)
);
CREATE UNIQUE INDEX live_entries_dedup ON live_entries (tenant_id, conversation_id, author, client_id);
CREATE INDEX live_entries_by_age ON live_entries (tenant_id, at_ms);

-- Webhook endpoints. The signing secret is not stored: it is derived from MASTER_SECRET,
-- the tenant and the endpoint id (shown once at creation; rotate by deleting and creating).
CREATE TABLE webhook_endpoints (
    id            TEXT PRIMARY KEY,         -- wh_…
    tenant_id     TEXT NOT NULL,
    url           TEXT NOT NULL,
    events_json   TEXT NOT NULL,            -- ["message.created", …]
    format        TEXT NOT NULL CHECK (format IN ('json', 'slack')),
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX webhook_endpoints_by_tenant ON webhook_endpoints (tenant_id);

-- One row per (event, endpoint): the delivery log.
CREATE TABLE webhook_deliveries (
    id                 TEXT PRIMARY KEY,    -- whd_…
    tenant_id          TEXT NOT NULL,
    endpoint_id        TEXT NOT NULL,
    event_id           TEXT NOT NULL,       -- evt_…: receivers de-duplicate on it
    event_type         TEXT NOT NULL,
    event_json         TEXT NOT NULL,       -- the core Event, so every attempt sends the same
    status             TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed')),
    attempts           INTEGER NOT NULL DEFAULT 0,
    last_status        INTEGER,             -- the receiver's HTTP status (NULL: no answer)
    last_error         TEXT,
    next_attempt_at_ms INTEGER,
    created_at_ms      INTEGER NOT NULL,
    updated_at_ms      INTEGER NOT NULL
);
CREATE INDEX webhook_deliveries_by_tenant ON webhook_deliveries (tenant_id, created_at_ms);

-- A shopper's rating of a closed (or resolved) conversation; rating again replaces it.
CREATE TABLE csat (
    tenant_id       TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    rating          INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment         TEXT,
    created_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id)
);
CREATE INDEX csat_by_tenant ON csat (tenant_id, created_at_ms);

-- An email a shopper left outside business hours, with their explicit consent to be written
-- to there. Erased with the conversation.
CREATE TABLE handoff_contacts (
    tenant_id       TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    email           TEXT NOT NULL,
    consent_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, conversation_id)
);
