-- Search latency (issue 12): the columns a product search checks for every full-text match
-- (tenant, price range, stock), keyed by `products.rowid`, in a narrow table of their own.
-- A `products` row carries its whole `data` (about 2 KB), so a page holds one or two products
-- and a search that matched 5,000 of them read 5,000 pages to check their tenant and filters;
-- these rows are ~30 bytes, a hundred a page (sqlite3 on the host, 10,000 products, the eval's
-- 176 questions: 1.8 ms → 0.9 ms a query). The store writes it with `products` in the same
-- batches (write, full-sync deletions, catalog removal); `data` is still read from `products`,
-- for the best candidates only.
CREATE TABLE product_keys (
    product            INTEGER PRIMARY KEY,  -- products.rowid
    tenant_id          TEXT NOT NULL,
    min_price_minor    INTEGER NOT NULL,
    max_price_minor    INTEGER NOT NULL,
    available          INTEGER NOT NULL
);

INSERT INTO product_keys (product, tenant_id, min_price_minor, max_price_minor, available)
    SELECT rowid, tenant_id, min_price_minor, max_price_minor, available FROM products;
