-- Issue 14 (staff side): staff accounts with roles, passkeys, one-time invites, sign-in
-- challenges and revocable sessions. Every table is keyed by tenant first and every query
-- names the tenant (docs/SECURITY.md): a row of tenant A is never found from tenant B.

-- A staff member: their own identity and role (core::staff::Role).
CREATE TABLE staff_members (
    tenant_id      TEXT NOT NULL,
    id             TEXT NOT NULL,                 -- st_…
    name           TEXT NOT NULL,
    role           TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    created_by     TEXT NOT NULL,                 -- who invited them (audit actor)
    created_at_ms  INTEGER NOT NULL,
    disabled_at_ms INTEGER,                       -- set: no sign-in, every session ended
    PRIMARY KEY (tenant_id, id)
);

-- Passkeys (WebAuthn, ES256). The credential id is what the browser reports (base64url).
CREATE TABLE staff_credentials (
    tenant_id       TEXT NOT NULL,
    credential_id   TEXT NOT NULL,
    staff_id        TEXT NOT NULL,
    public_key_hex  TEXT NOT NULL,                -- SEC1 uncompressed P-256 point
    sign_count      INTEGER NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    last_used_at_ms INTEGER,
    PRIMARY KEY (tenant_id, credential_id)
);
CREATE INDEX staff_credentials_by_member ON staff_credentials (tenant_id, staff_id);

-- One-time invites. Only the SHA-256 of the secret is stored; the link carries the secret.
CREATE TABLE staff_invites (
    tenant_id     TEXT NOT NULL,
    id            TEXT NOT NULL,                  -- inv_…
    secret_hash   TEXT NOT NULL,
    staff_id      TEXT NOT NULL,                  -- the member the invite creates
    name          TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('agent', 'admin')),
    created_by    TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    used_at_ms    INTEGER,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX staff_invites_by_secret ON staff_invites (tenant_id, secret_hash);

-- Registration and sign-in challenges: single use (deleted when consumed), short-lived.
CREATE TABLE staff_challenges (
    tenant_id      TEXT NOT NULL,
    challenge_hash TEXT NOT NULL,
    purpose        TEXT NOT NULL CHECK (purpose IN ('register', 'signin')),
    invite_id      TEXT,                          -- register: the invite it belongs to
    expires_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, challenge_hash)
);

-- Failed sign-ins, for the lockout (per tenant and per credential, in a sliding window).
CREATE TABLE staff_signin_failures (
    tenant_id     TEXT NOT NULL,
    credential_id TEXT NOT NULL,
    at_ms         INTEGER NOT NULL
);
CREATE INDEX staff_signin_failures_by_credential ON staff_signin_failures (tenant_id, credential_id, at_ms);

-- Staff sessions: the token names its id; a revoked or expired row ends the token at once.
CREATE TABLE staff_sessions (
    tenant_id     TEXT NOT NULL,
    id            TEXT NOT NULL,                  -- ss_…
    staff_id      TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL,
    revoked_at_ms INTEGER,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX staff_sessions_by_member ON staff_sessions (tenant_id, staff_id);
