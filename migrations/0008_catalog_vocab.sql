-- Spelling help for product search (issue 12): the catalog's own words with how many products
-- use each (core::catalog::vocab, `word count` per line), rebuilt when a sync finishes. The
-- search reads it only when a query as typed found nothing, to correct "Nordvick" to
-- "Nordvik". One row per tenant; removed with the catalog.
CREATE TABLE catalog_vocab (
    tenant_id      TEXT PRIMARY KEY,
    words          TEXT NOT NULL,
    updated_at_ms  INTEGER NOT NULL
);
