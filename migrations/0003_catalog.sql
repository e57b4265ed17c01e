-- The shop's catalog (issue 12): one source per tenant, its sync runs, products and
-- variants, and a full-text index. Every row names its tenant; every query filters on it.

CREATE TABLE catalog_sources (
    tenant_id          TEXT PRIMARY KEY,
    kind               TEXT NOT NULL CHECK (kind IN ('shopify', 'woocommerce', 'merchant_feed', 'upload')),
    url                TEXT,                 -- NULL for uploads
    currency           TEXT,                 -- when the shop's data carries none (Shopify products.json)
    credentials        TEXT,                 -- core::secretbox sealed (Storefront token); never returned
    schedule           TEXT NOT NULL DEFAULT 'daily' CHECK (schedule IN ('daily', 'hourly', 'off')),
    max_products       INTEGER NOT NULL DEFAULT 10000,
    updated_at_ms      INTEGER NOT NULL,
    last_started_ms    INTEGER,
    last_full_ms       INTEGER,
    last_success_ms    INTEGER              -- the last sync that finished: incremental syncs start from it
);

CREATE TABLE catalog_syncs (
    id                 TEXT PRIMARY KEY,
    tenant_id          TEXT NOT NULL,
    status             TEXT NOT NULL CHECK (status IN ('running', 'done', 'failed')),
    full               INTEGER NOT NULL,
    since_ms           INTEGER,             -- incremental: products changed after this
    started_at_ms      INTEGER NOT NULL,
    finished_at_ms     INTEGER,
    pages_done         INTEGER NOT NULL DEFAULT 0,
    products_seen      INTEGER NOT NULL DEFAULT 0,
    products_upserted  INTEGER NOT NULL DEFAULT 0,
    products_deleted   INTEGER NOT NULL DEFAULT 0,
    problems_json      TEXT NOT NULL DEFAULT '[]',
    error              TEXT
);
CREATE INDEX catalog_syncs_by_tenant ON catalog_syncs (tenant_id, started_at_ms);

-- One row per product; `data` is the normalised core::catalog::Product (cards are built
-- from it). The price and stock columns are coarse filters for SQL; exact per-variant
-- filtering and ranking are the core's.
CREATE TABLE products (
    tenant_id          TEXT NOT NULL,
    id                 TEXT NOT NULL,
    title              TEXT NOT NULL,
    data               TEXT NOT NULL,
    min_price_minor    INTEGER NOT NULL,
    max_price_minor    INTEGER NOT NULL,
    currency           TEXT NOT NULL,
    available          INTEGER NOT NULL,
    updated_at_ms      INTEGER,
    seen_sync          TEXT NOT NULL,       -- the last sync that saw it: a full sync deletes the others
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX products_by_price ON products (tenant_id, available, min_price_minor);

CREATE TABLE variants (
    tenant_id          TEXT NOT NULL,
    product_id         TEXT NOT NULL,
    id                 TEXT NOT NULL,
    sku                TEXT,
    option_values      TEXT NOT NULL,       -- JSON array, in the product's option order
    price_minor        INTEGER NOT NULL,
    available          INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, product_id, id)
);

-- Full-text index over products (rowid = products.rowid). tenant_id is stored unindexed
-- and every search also joins products on its tenant.
CREATE VIRTUAL TABLE products_fts USING fts5(
    title, description, tags, options, tenant_id UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);

-- Product cards are stored with the answer they were shown with, so history, transcripts
-- and exports show them again (store-nothing tenants store no message, so no blocks).
ALTER TABLE messages ADD COLUMN blocks_json TEXT;

-- Prices in a model's reply that matched no shown product (a possible hallucination).
ALTER TABLE usage_events ADD COLUMN unmatched_prices INTEGER;
