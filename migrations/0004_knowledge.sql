-- Issue 15: the assistant learns the shop's site. Every row names its tenant and every query
-- filters on it; ids are only unique within a tenant.

-- Where a tenant's knowledge comes from: a sitemap, a start URL (same-site links to a depth),
-- or a list of URLs.
CREATE TABLE knowledge_sources (
    tenant_id       TEXT NOT NULL,
    source_id       TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('sitemap', 'start_url', 'url_list')),
    url             TEXT NOT NULL,          -- sitemap or start URL; first page of a URL list
    urls_json       TEXT NOT NULL DEFAULT '[]',
    origin          TEXT NOT NULL,          -- scheme://host[:port]: pages stay on it
    schedule        TEXT NOT NULL CHECK (schedule IN ('manual', 'daily', 'weekly')),
    max_pages       INTEGER NOT NULL,
    max_depth       INTEGER NOT NULL,
    max_page_bytes  INTEGER NOT NULL,
    created_at_ms   INTEGER NOT NULL,
    next_sync_at_ms INTEGER,                -- NULL: manual
    last_good_sync  TEXT,                   -- the sync whose pages are live
    PRIMARY KEY (tenant_id, source_id)
);

-- One sync of one source: its state, what it skipped and why, and its diff.
CREATE TABLE knowledge_syncs (
    tenant_id      TEXT NOT NULL,
    sync_id        TEXT NOT NULL,
    source_id      TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('running', 'finishing', 'done', 'failed')),
    trigger        TEXT NOT NULL CHECK (trigger IN ('manual', 'schedule')),
    robots_txt     TEXT,                    -- the robots.txt body read at the start (capped)
    crawl_delay_s  INTEGER NOT NULL DEFAULT 0,
    error          TEXT,                    -- why a failed sync failed (for the tenant)
    diff_json      TEXT,                    -- {added, changed, removed}
    started_at_ms  INTEGER NOT NULL,
    finished_at_ms INTEGER,
    PRIMARY KEY (tenant_id, sync_id)
);
CREATE INDEX knowledge_syncs_by_source ON knowledge_syncs (tenant_id, source_id, started_at_ms);

-- The crawl frontier of one sync: every URL it meant to fetch and what became of it. Pages
-- are staged here (title, hash, snippets) and only replace the live pages when the whole
-- sync finishes, so a failed sync keeps the last good knowledge.
CREATE TABLE knowledge_fetches (
    tenant_id     TEXT NOT NULL,
    sync_id       TEXT NOT NULL,
    url           TEXT NOT NULL,
    depth         INTEGER NOT NULL,
    state         TEXT NOT NULL CHECK (state IN ('queued', 'page', 'unchanged', 'skipped')),
    reason        TEXT,                     -- why skipped (site::plan::SkipReason)
    final_url     TEXT,                     -- after redirects
    title         TEXT,
    content_hash  TEXT,
    etag          TEXT,
    last_modified TEXT,
    chunks_json   TEXT,                     -- staged snippets
    PRIMARY KEY (tenant_id, sync_id, url)
);
CREATE INDEX knowledge_fetches_by_state ON knowledge_fetches (tenant_id, sync_id, state);

-- Live pages of each source (those of its last good sync).
CREATE TABLE knowledge_pages (
    tenant_id     TEXT NOT NULL,
    page_id       TEXT NOT NULL,
    source_id     TEXT NOT NULL,
    url           TEXT NOT NULL,
    title         TEXT NOT NULL,
    content_hash  TEXT NOT NULL,
    etag          TEXT,
    last_modified TEXT,
    enabled       INTEGER NOT NULL DEFAULT 1,
    fetched_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, page_id)
);
CREATE UNIQUE INDEX knowledge_pages_by_url ON knowledge_pages (tenant_id, source_id, url);

-- Snippets: crawled (page_id set) and hand-written (page_id NULL). Retrieval uses every
-- enabled snippet of an enabled page plus every enabled hand-written one.
CREATE TABLE knowledge_snippets (
    tenant_id     TEXT NOT NULL,
    snippet_id    TEXT NOT NULL,
    page_id       TEXT,
    kind          TEXT NOT NULL CHECK (kind IN ('page', 'structured', 'manual')),
    title         TEXT NOT NULL,
    text          TEXT NOT NULL,
    url           TEXT,
    content_hash  TEXT NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1,
    position      INTEGER NOT NULL DEFAULT 0,
    updated_at_ms INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, snippet_id)
);
CREATE INDEX knowledge_snippets_by_page ON knowledge_snippets (tenant_id, page_id);

-- Bumped on every change to a tenant's knowledge: isolates rebuild their index when it moves.
CREATE TABLE knowledge_versions (
    tenant_id TEXT PRIMARY KEY,
    version   INTEGER NOT NULL
);

-- Questions answered badly, grouped (site::gaps). `examples_json` holds redacted text only,
-- and stays empty for store-nothing tenants (counts without text).
CREATE TABLE knowledge_gaps (
    tenant_id         TEXT NOT NULL,
    gap_id            TEXT NOT NULL,
    signature         TEXT NOT NULL,        -- site::gaps::key of the first question
    examples_json     TEXT NOT NULL DEFAULT '[]',
    count             INTEGER NOT NULL,
    status            TEXT NOT NULL CHECK (status IN ('open', 'answered', 'dismissed')),
    answer_snippet_id TEXT,
    first_seen_at_ms  INTEGER NOT NULL,
    last_seen_at_ms   INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, gap_id)
);
CREATE INDEX knowledge_gaps_by_status ON knowledge_gaps (tenant_id, status, last_seen_at_ms);

-- One row per recorded question, for the per-day trend.
CREATE TABLE knowledge_gap_events (
    tenant_id TEXT NOT NULL,
    gap_id    TEXT NOT NULL,
    kind      TEXT NOT NULL CHECK (kind IN ('no_snippet', 'dont_know', 'thumbs_down', 'handoff')),
    at_ms     INTEGER NOT NULL
);
CREATE INDEX knowledge_gap_events_by_gap ON knowledge_gap_events (tenant_id, gap_id, at_ms);
