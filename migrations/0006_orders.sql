-- Issue 13: "where is my order?" from the shop's own order API. Every table is keyed by tenant
-- first, and every query names the tenant (docs/SECURITY.md).

-- The order API a tenant connected. The credentials are write-only: core::secretbox sealed
-- (purpose "order-credentials", bound to the tenant), never returned by any route.
CREATE TABLE order_sources (
    tenant_id     TEXT PRIMARY KEY,
    kind          TEXT NOT NULL CHECK (kind IN ('shopify_admin', 'woocommerce')),
    base_url      TEXT NOT NULL,
    credentials   TEXT NOT NULL,
    updated_at_ms INTEGER NOT NULL
);

-- One row per lookup (found or not), for the audit, the shopper's export and erase. Never an
-- email or an order number in clear: keyed digests (core::orders::api::keyed_digest), and the
-- numbers shown, which the shopper already saw on their card, only when the lookup found them.
CREATE TABLE order_lookups (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       TEXT NOT NULL,
    conversation_id TEXT NOT NULL,
    session_id      TEXT NOT NULL,
    user_id         TEXT,                    -- the verified customer (identity token subject)
    mode            TEXT NOT NULL CHECK (mode IN ('verified', 'guest', 'ask')),
    number_digest   TEXT,                    -- keyed digest of the normalised number asked for
    email_digest    TEXT,                    -- keyed digest of the normalised email given
    outcome         TEXT NOT NULL,           -- found | not_found | limited | asked | shop_…
    shown_json      TEXT,                    -- the order numbers shown (found only; NULL in store-nothing mode)
    created_at_ms   INTEGER NOT NULL
);
CREATE INDEX order_lookups_by_conversation ON order_lookups (tenant_id, conversation_id);
CREATE INDEX order_lookups_by_age ON order_lookups (tenant_id, created_at_ms);
