-- A signed-in staff member may add more passkeys (a phone and a laptop, a spare security key):
-- a third challenge purpose, `passkey`, bound to the staff member who asked for it.
-- SQLite cannot change a CHECK constraint in place, and challenges live 5 minutes and are
-- single use, so the table is recreated empty: a ceremony under way while this migration
-- runs simply starts again.
DROP TABLE staff_challenges;
CREATE TABLE staff_challenges (
    tenant_id      TEXT NOT NULL,
    challenge_hash TEXT NOT NULL,
    purpose        TEXT NOT NULL CHECK (purpose IN ('register', 'signin', 'passkey')),
    invite_id      TEXT,                          -- register: the invite it belongs to
    staff_id       TEXT,                          -- passkey: the signed-in member it belongs to
    expires_at_ms  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, challenge_hash)
);
