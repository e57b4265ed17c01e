-- Shopkeep's D1 schema, first version. Applied by `wrangler d1 migrations apply DB`.
-- Raw IPs, session tokens and secrets are never stored.

CREATE TABLE tenants (
    id            TEXT PRIMARY KEY,
    name          TEXT NOT NULL,
    config_json   TEXT NOT NULL,          -- the validated TenantConfig
    public_json   TEXT NOT NULL,          -- the PublicConfig served to widgets (derived)
    etag          TEXT NOT NULL,
    version       INTEGER NOT NULL,
    keys_json     TEXT NOT NULL,          -- the KeyRing: live key ids only; keys are derived
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);

-- Every saved config, for history and rollback.
CREATE TABLE tenant_config_versions (
    tenant_id     TEXT NOT NULL,
    version       INTEGER NOT NULL,
    config_json   TEXT NOT NULL,
    actor         TEXT NOT NULL,          -- 'platform' or 'admin:<kid>'
    created_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, version)
);

CREATE TABLE conversations (
    id            TEXT PRIMARY KEY,
    tenant_id     TEXT NOT NULL,
    session_id    TEXT NOT NULL,
    user_id       TEXT,                   -- only from a verified identity token
    origin        TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE INDEX conversations_by_tenant ON conversations (tenant_id, updated_at_ms);
CREATE INDEX conversations_by_user ON conversations (tenant_id, user_id);

CREATE TABLE messages (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL,
    conversation_id   TEXT NOT NULL,
    role              TEXT NOT NULL CHECK (role IN ('user', 'assistant')),
    text              TEXT NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('complete', 'stopped', 'interrupted')),
    client_message_id TEXT,               -- the shopper's idempotency key (user messages)
    reply_to          TEXT,               -- the user message an assistant message answers
    created_at_ms     INTEGER NOT NULL
);
CREATE UNIQUE INDEX messages_idempotency ON messages (conversation_id, client_message_id);
CREATE INDEX messages_by_conversation ON messages (conversation_id, created_at_ms);

-- One row per answered chat request (SPEC §5 telemetry).
CREATE TABLE usage_events (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id          TEXT NOT NULL,
    conversation_id    TEXT NOT NULL,
    message_id         TEXT NOT NULL,
    upstream           TEXT NOT NULL,     -- 'primary', 'fallback' or 'builtin'
    model              TEXT,              -- NULL for the built-in responder
    outcome            TEXT NOT NULL,     -- 'complete', 'stopped', 'interrupted'
    error_code         TEXT,
    latency_ms         INTEGER NOT NULL,
    ttft_ms            INTEGER,
    prompt_tokens      INTEGER NOT NULL,
    completion_tokens  INTEGER NOT NULL,
    tokens_estimated   INTEGER NOT NULL,
    cost_micro_usd     INTEGER,           -- from the AI_PRICES table; NULL when unpriced
    created_at_ms      INTEGER NOT NULL
);
CREATE INDEX usage_by_tenant ON usage_events (tenant_id, created_at_ms);

CREATE TABLE audit_log (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id     TEXT NOT NULL,
    actor         TEXT NOT NULL,
    action        TEXT NOT NULL,
    detail_json   TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX audit_by_tenant ON audit_log (tenant_id, created_at_ms);

-- The shopper's rating of an assistant message; rating again replaces it.
CREATE TABLE feedback (
    message_id      TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    rating          TEXT NOT NULL CHECK (rating IN ('up', 'down')),
    comment         TEXT,
    created_at_ms   INTEGER NOT NULL
);
CREATE INDEX feedback_by_tenant ON feedback (tenant_id, created_at_ms);
