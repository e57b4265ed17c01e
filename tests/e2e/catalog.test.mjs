// Proves the catalog in workerd (issue 12): a shop served in each connector's shape by a
// small fixture server inside this file (Shopify products.json with Link paging and the
// Storefront GraphQL API, WooCommerce Store API with X-WP-TotalPages, a Merchant feed) is
// synced page by page through the JOBS queue; search answers "waterproof jacket under 200
// in size M" with cards equal to the catalog rows; sync faults (429 + Retry-After, 500,
// a slow page, a product deleted between full syncs) behave; bad URLs are refused when the
// source is saved; the Storefront token is write-only; one tenant can never read, search or
// sync another's catalog; a model's search_products call and the built-in responder both
// show cards, and the cards come back with the conversation's history.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { GATEWAY } from './helpers.mjs';
import { chat, conversation, createTenantWithKeys, d1, messageId, session } from './gateway.mjs';
import { adminSignature } from './signing.mjs';

// ---- the fixture shop -------------------------------------------------------------------

const base = () => [
  { id: 101, handle: 'summit-jacket', title: 'Summit Jacket', type: 'Jackets', tags: ['waterproof', 'outdoor'],
    desc: 'A waterproof shell for the hills.', price: '179.00',
    variants: [[1011, 'S', true], [1012, 'M', true], [1013, 'L', false]] },
  { id: 102, handle: 'storm-parka', title: 'Storm Parka', type: 'Jackets', tags: ['waterproof'],
    desc: 'Waterproof and warm.', price: '249.00', variants: [[1021, 'M', true]] },
  { id: 103, handle: 'breeze-windbreaker', title: 'Breeze Windbreaker', type: 'Jackets', tags: ['light'],
    desc: 'Light wind shell.', price: '89.00', variants: [[1031, 'M', true]] },
  { id: 104, handle: 'trail-boot', title: 'Trail Boot', type: 'Boots', tags: ['waterproof'],
    // EU 43 costs more: a variant's own price (WooCommerce serves it only on the variation).
    desc: 'Leather hiking boot.', price: '149.00', variants: [[1041, '42', true], [1042, '43', true, '159.00']] },
  { id: 105, handle: 'harbour-hoodie', title: 'Harbour Hoodie', type: 'Hoodies', tags: ['cotton'],
    desc: 'Soft cotton hoodie.', price: '45.00', variants: [[1051, 'M', false], [1052, 'L', true]] },
];
const PAGE = 2;
const shops = new Map();
let server;
let fixtureBase;
const STOREFRONT_TOKEN = 'sf_secret_token_value_12345';

function newShop(extra = {}) {
  const id = Math.random().toString(36).slice(2, 10);
  const shop = { id, products: base(), hits: [], faults: {}, ...extra };
  shops.set(id, shop);
  return shop;
}
const urlOf = (shop, path) => `${fixtureBase}/s/${shop.id}${path}`;

const shopifyProduct = (p) => ({
  id: p.id, title: p.title, handle: p.handle, body_html: `<p>${p.desc}</p>`, product_type: p.type, tags: p.tags.join(', '),
  updated_at: p.updated ?? '2026-11-01T10:00:00Z', options: [{ name: 'Size', position: 1 }],
  images: [{ src: `https://cdn.example/${p.handle}.jpg` }],
  variants: p.variants.map(([id, size, ok, price]) => ({ id, option1: size, price: price ?? p.price, compare_at_price: null, available: ok, sku: `${p.handle}-${size}` })),
});
const minor = (price) => String(Math.round(Number(price) * 100));
const wooProduct = (p) => ({
  id: p.id, name: p.title, slug: p.handle, permalink: `https://shop.example/product/${p.handle}/`, description: `<p>${p.desc}</p>`,
  is_in_stock: p.variants.some((v) => v[2]),
  prices: { price: minor(p.price), regular_price: minor(p.price), currency_code: 'EUR', currency_minor_unit: 2 },
  images: [{ src: `https://cdn.example/${p.handle}.jpg` }], categories: [{ name: p.type }], tags: p.tags.map((name) => ({ name })),
  attributes: [{ name: 'Size', has_variations: true }],
  // As the real Store API's listing: variations are ids and attributes only; their own price
  // and stock are served by `type=variation` (wooVariation).
  variations: p.variants.map(([id, size]) => ({ id, attributes: [{ name: 'size', value: size }] })),
});
const wooVariation = (p, [id, size, ok, price]) => ({
  id, parent: p.id, type: 'variation', name: p.title, variation: `Size: ${size}`, sku: `${p.handle}-${size}`, is_in_stock: ok,
  prices: { price: minor(price ?? p.price), regular_price: minor(price ?? p.price), currency_code: 'EUR', currency_minor_unit: 2 },
  attributes: [], variations: [],
});
const feed = (products) => `<?xml version="1.0"?>
<rss version="2.0" xmlns:g="http://base.google.com/ns/1.0"><channel><title>Fixture</title>
${products.flatMap((p) => p.variants.map(([id, size, ok, price]) => `<item><g:id>${id}</g:id><title>${p.title}</title>
<g:description>${p.desc}</g:description><link>https://shop.example/${p.handle}</link>
<g:image_link>https://cdn.example/${p.handle}.jpg</g:image_link><g:price>${price ?? p.price} EUR</g:price>
<g:availability>${ok ? 'in_stock' : 'out_of_stock'}</g:availability><g:item_group_id>${p.id}</g:item_group_id>
<g:size>${size}</g:size><g:product_type>${p.type}</g:product_type><g:brand>${p.tags.join(' ')}</g:brand></item>`)).join('\n')}
</channel></rss>`;

async function serve(req, res) {
  const url = new URL(req.url, fixtureBase);
  const m = url.pathname.match(/^\/s\/([a-z0-9]+)(\/.*)$/);
  const shop = m && shops.get(m[1]);
  if (!shop) { res.writeHead(404); res.end('no shop'); return; }
  const path = m[2];
  let body = '';
  for await (const chunk of req) body += chunk;
  let page = Number(url.searchParams.get('page') ?? (url.searchParams.get('page_info') ?? 'p1').slice(1));
  if (path.endsWith('/graphql.json')) page = JSON.parse(body || '{}').variables?.after ? Number(JSON.parse(body).variables.after.slice(1)) : 1;
  const variations = url.searchParams.get('type') === 'variation';
  shop.hits.push({ path, page, variations, at: Date.now() });
  // `variationsOnly` aims a fault at the WooCommerce variations listing's pages.
  const f = shop.faults.variationsOnly && !variations ? {} : shop.faults;
  if (f.rateLimitPage === page && f.rateLimitTimes > 0) {
    f.rateLimitTimes -= 1;
    res.writeHead(429, { 'Retry-After': String(f.retryAfter ?? 1) });
    res.end('slow down');
    return;
  }
  if (f.failPage === page) { res.writeHead(500); res.end('boom'); return; }
  if (f.slowPage === page) await new Promise((r) => setTimeout(r, f.slowMs));
  const slice = shop.products.slice((page - 1) * PAGE, page * PAGE);
  const pages = Math.max(1, Math.ceil(shop.products.length / PAGE));
  const json = (status, value, headers = {}) => { res.writeHead(status, { 'content-type': 'application/json', ...headers }); res.end(JSON.stringify(value)); };
  if (path === '/shopify/meta.json') return json(200, { currency: 'EUR' });
  if (path === '/shopify/products.json') {
    const headers = page < pages ? { Link: `<${urlOf(shop, '/shopify/products.json')}?limit=250&page_info=p${page + 1}>; rel="next"` } : {};
    const items = slice.map(shopifyProduct);
    if (shop.malformed && page === 1) items.push({ ...shopifyProduct(base()[0]), id: 999, variants: [{ id: 9991, price: 'abc', option1: 'M' }] });
    return json(200, { products: items }, headers);
  }
  if (path === '/shopify/api/2024-07/graphql.json') {
    if (req.headers['x-shopify-storefront-access-token'] !== STOREFRONT_TOKEN) return json(200, { errors: [{ message: 'Unauthorized' }] });
    const nodes = slice.map((p) => ({ id: `gid://shopify/Product/${p.id}`, handle: p.handle, title: p.title, description: p.desc, productType: p.type,
      tags: p.tags, updatedAt: '2026-11-01T10:00:00Z', onlineStoreUrl: null, options: [{ name: 'Size' }], images: { nodes: [] },
      variants: { nodes: p.variants.map(([id, size, ok, price]) => ({ id: `gid://shopify/ProductVariant/${id}`, sku: null, availableForSale: ok,
        selectedOptions: [{ name: 'Size', value: size }], price: { amount: price ?? p.price, currencyCode: 'EUR' }, compareAtPrice: null })) } }));
    return json(200, { data: { products: { pageInfo: { hasNextPage: page < pages, endCursor: `c${page + 1}` }, nodes } } });
  }
  if (path === '/woo/wp-json/wc/store/v1/products' && variations) {
    const all = shop.products.flatMap((p) => p.variants.map((v) => wooVariation(p, v)));
    const total = Math.max(1, Math.ceil(all.length / PAGE));
    return json(200, all.slice((page - 1) * PAGE, page * PAGE), { 'X-WP-TotalPages': String(total) });
  }
  if (path === '/woo/wp-json/wc/store/v1/products') return json(200, slice.map(wooProduct), { 'X-WP-TotalPages': String(pages) });
  if (path === '/merchant/feed.xml') { res.writeHead(200, { 'content-type': 'application/xml' }); res.end(feed(shop.products)); return; }
  if (path === '/merchant/endless.xml') {
    // A valid feed written in chunks without a Content-Length until it passes 33 MB: the cap
    // must be enforced while reading. `shop.written` counts what the gateway let through.
    res.writeHead(200, { 'content-type': 'application/xml' });
    shop.written = 0;
    let open = true;
    res.on('close', () => { open = false; });
    const item = feed(base()).split('<item>').slice(1, 2).map((i) => `<item>${i.split('</channel>')[0]}`).join('');
    const chunk = `${item}\n`.repeat(Math.ceil(64 * 1024 / item.length));
    const write = (text) => new Promise((r) => { shop.written += text.length; if (res.write(text)) r(); else res.once('drain', r); res.once('close', r); });
    await write(feed([]).split('</channel>')[0]);
    while (open && shop.written < 33 * 1024 * 1024) await write(chunk);
    if (open) res.end('</channel></rss>');
    return;
  }
  if (path === '/html/products.json') { res.writeHead(200, { 'content-type': 'text/html' }); res.end('<html><body>Welcome</body></html>'); return; }
  res.writeHead(404); res.end('not found');
}

before(async () => {
  server = http.createServer((req, res) => { serve(req, res).catch(() => { res.writeHead(500); res.end(); }); });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  fixtureBase = `http://127.0.0.1:${server.address().port}`;
});
after(() => server.close());

// ---- gateway plumbing -------------------------------------------------------------------

// A signature is accepted once: a counter in the query keeps two identical requests in the
// same second (status polls, repeated searches) distinct. Routes ignore the query.
let nonce = 0;
async function admin(t, method, pathOnly, body, { contentType = 'application/json', raw } = {}) {
  nonce += 1;
  const path = `${pathOnly}?n=${nonce}`;
  const text = raw ?? (body === undefined ? '' : JSON.stringify(body));
  const headers = { 'shopkeep-signature': adminSignature(t.admin.secret_hex, { kid: t.admin.kid, method, pathAndQuery: path, body: text }) };
  if (text !== '') headers['content-type'] = contentType;
  const response = await fetch(`${GATEWAY}${path}`, { method, headers, body: text === '' ? undefined : text });
  const out = await response.text();
  let json = null;
  try { json = JSON.parse(out); } catch { /* empty */ }
  return { status: response.status, json, text: out };
}
const cat = (t) => `/v1/admin/tenants/${t.id}/catalog`;

async function saveSource(t, body) {
  const r = await admin(t, 'PUT', `${cat(t)}/source`, body);
  assert.equal(r.status, 200, r.text);
  return r.json.source;
}

async function syncAndWait(t, full = true, waitMs = 45_000) {
  const started = await admin(t, 'POST', `${cat(t)}/sync`, { full });
  assert.equal(started.status, 202, started.text);
  const until = Date.now() + waitMs;
  for (;;) {
    const r = await admin(t, 'GET', cat(t));
    const last = r.json.last_sync;
    if (last?.id === started.json.sync_id && last.status !== 'running') return r.json;
    if (Date.now() > until) throw new Error(`sync did not finish: ${JSON.stringify(r.json)}`);
    await new Promise((r2) => setTimeout(r2, 250));
  }
}

const ISSUE_QUERY = 'waterproof jacket under 200 in size M';
async function search(t, args) {
  const r = await admin(t, 'POST', `${cat(t)}/search`, args);
  assert.equal(r.status, 200, r.text);
  assert.equal(typeof r.json.took_ms, 'number');
  return r.json.products;
}

function assertSummitCard(cards, platform) {
  assert.deepEqual(cards.map((c) => c.title), ['Summit Jacket'], JSON.stringify(cards));
  const [c] = cards;
  assert.deepEqual(c.price, { amount_minor: 17900, currency: 'EUR', exponent: 2 });
  assert.equal(c.platform, platform);
  assert.equal(c.available, true);
  assert.deepEqual(c.variants[0].values, ['M'], 'the matching variant comes first');
  assert.equal(c.selected_variant, c.variants[0].id);
}

// ---- tests ------------------------------------------------------------------------------

test('shopify products.json: synced page by page through the queue; the issue query finds exactly the match', async () => {
  const t = await createTenantWithKeys('cat-shopify');
  const shop = newShop({ malformed: true });
  const source = await saveSource(t, { kind: 'shopify', url: urlOf(shop, '/shopify'), schedule: 'off' });
  assert.equal(source.currency, 'EUR', 'read from /meta.json');
  assert.equal(source.has_credentials, false);
  const status = await syncAndWait(t);
  assert.equal(status.last_sync.status, 'done', JSON.stringify(status.last_sync));
  assert.equal(status.products, 5);
  assert.equal(status.last_sync.pages_done, 3);
  assert.deepEqual(status.last_sync.problems, [{ position: 'page 1 item 3', reason: 'variant 1: price `abc` is not a valid amount' }]);
  assertSummitCard(await search(t, { query: ISSUE_QUERY }), 'shopify');
  const viaArgs = await search(t, { query: 'jacket', max_price: 200, options: { taille: 'M' }, in_stock: true });
  assert.deepEqual(viaArgs.map((c) => c.title).sort(), ['Breeze Windbreaker', 'Summit Jacket']);
});

test('woocommerce store api and merchant feed shapes give the same answer', async () => {
  for (const [kind, path, platform] of [['woocommerce', '/woo', 'woocommerce'], ['merchant_feed', '/merchant/feed.xml', 'other']]) {
    const t = await createTenantWithKeys(`cat-${kind.slice(0, 5)}`);
    const shop = newShop();
    await saveSource(t, { kind, url: urlOf(shop, path), schedule: 'off' });
    const status = await syncAndWait(t);
    assert.equal(status.last_sync.status, 'done', JSON.stringify(status.last_sync));
    assert.equal(status.products, 5, kind);
    assertSummitCard(await search(t, { query: ISSUE_QUERY }), platform);
    assertOwnVariantPrices(await search(t, { query: 'trail boot' }), await search(t, { query: 'hoodie' }), kind);
  }
});

/** Trail Boot EU 43 costs 159.00 (its product's listed price is 149.00) and Harbour Hoodie M
 * is sold out: each variant's own price and stock, which WooCommerce serves only on the
 * variation (`type=variation`), not in its products listing. */
function assertOwnVariantPrices(boots, hoodies, kind) {
  assert.deepEqual(boots.map((c) => c.title), ['Trail Boot'], kind);
  const byId = Object.fromEntries(boots[0].variants.map((v) => [v.id, v]));
  assert.equal(byId['1041'].price.amount_minor, 14900, `${kind}: ${JSON.stringify(boots[0])}`);
  assert.equal(byId['1042'].price.amount_minor, 15900, `${kind}: the variant's own price, not the product's`);
  assert.equal(boots[0].price.amount_minor, 14900, 'the card shows the lowest price');
  const hoodie = Object.fromEntries(hoodies[0].variants.map((v) => [v.id, v]));
  assert.equal(hoodie['1051'].available, false, `${kind}: the variant's own stock`);
  assert.equal(hoodie['1052'].available, true);
}

test('woocommerce variations: read after the products, 429 on a variations page honoured, a failing one fails the sync', async () => {
  const t = await createTenantWithKeys('cat-woo-var');
  const shop = newShop();
  await saveSource(t, { kind: 'woocommerce', url: urlOf(shop, '/woo'), schedule: 'off' });
  shop.faults = { variationsOnly: true, rateLimitPage: 2, rateLimitTimes: 1, retryAfter: 2 };
  shop.hits = [];
  const status = await syncAndWait(t);
  assert.equal(status.last_sync.status, 'done', JSON.stringify(status.last_sync));
  assert.deepEqual(status.last_sync.problems, []);
  // 3 products pages, then 5 variations pages (9 variations, 2 a page): v1 alone (its
  // X-WP-TotalPages says 5), then v2-v5 at once; v2's 429 drops v3-v5 of that round, and the
  // next message (after Retry-After) reads v2 alone, then v3-v5 at once.
  const seq = shop.hits.filter((h) => h.path === '/woo/wp-json/wc/store/v1/products').map((h) => `${h.variations ? 'v' : 'p'}${h.page}`);
  const sorted = (a) => [...a].sort();
  assert.deepEqual(seq.slice(0, 4), ['p1', 'p2', 'p3', 'v1'], seq.join(' '));
  assert.deepEqual(sorted(seq.slice(4, 8)), ['v2', 'v3', 'v4', 'v5'], seq.join(' '));
  assert.equal(seq[8], 'v2', seq.join(' '));
  assert.deepEqual(sorted(seq.slice(9)), ['v3', 'v4', 'v5'], seq.join(' '));
  const v2 = shop.hits.filter((h) => h.variations && h.page === 2);
  assert.ok(v2[1].at - v2[0].at >= 1900, `retried after ${v2[1].at - v2[0].at} ms, Retry-After was 2 s`);
  assert.equal(status.last_sync.pages_done, 8);
  assertOwnVariantPrices(await search(t, { query: 'trail boot' }), await search(t, { query: 'hoodie' }), 'woocommerce');

  // A new price on the variation only: the next sync shows it; a variations page that fails
  // fails the sync and the last good catalog keeps serving.
  shop.products[3].variants[1][3] = '169.00';
  const again = await syncAndWait(t);
  assert.equal(again.last_sync.status, 'done', JSON.stringify(again.last_sync));
  const boot = (await search(t, { query: 'trail boot' }))[0];
  assert.equal(boot.variants.find((v) => v.id === '1042').price.amount_minor, 16900);
  // The SQL price filter reads product_keys: it follows the rewritten product (159 → 169).
  const above = await search(t, { query: 'trail boot', min_price: 165 });
  assert.deepEqual(above.map((c) => c.title), ['Trail Boot']);
  assert.deepEqual(above[0].variants.filter((v) => v.price.amount_minor >= 16500).map((v) => v.id), ['1042']);
  shop.faults = { variationsOnly: true, failPage: 3 };
  const failed = await syncAndWait(t);
  assert.equal(failed.last_sync.status, 'failed');
  assert.equal(failed.last_sync.error, 'variations page 3: the shop answered HTTP 500');
  assert.equal(failed.products, 5, 'the last good catalog keeps serving');
  const kept = (await search(t, { query: 'trail boot' }))[0];
  assert.equal(kept.variants.find((v) => v.id === '1042').price.amount_minor, 16900, 'the variation keeps its own price, not the product\'s');
});

test('429 with Retry-After is honoured, a slow page waits, and the sync completes', async () => {
  const t = await createTenantWithKeys('cat-429');
  const shop = newShop();
  await saveSource(t, { kind: 'shopify', url: urlOf(shop, '/shopify'), currency: 'EUR', schedule: 'off' });
  shop.faults = { rateLimitPage: 2, rateLimitTimes: 1, retryAfter: 2, slowPage: 3, slowMs: 1500 };
  shop.hits = [];
  const status = await syncAndWait(t);
  assert.equal(status.last_sync.status, 'done', JSON.stringify(status.last_sync));
  assert.equal(status.products, 5);
  const page2 = shop.hits.filter((h) => h.page === 2 && h.path.endsWith('products.json'));
  assert.equal(page2.length, 2, 'page 2 asked twice');
  assert.ok(page2[1].at - page2[0].at >= 1900, `retried after ${page2[1].at - page2[0].at} ms, Retry-After was 2 s`);
});

test('a 500 fails the sync and keeps the last good catalog; a product gone from a full sync is deleted', async () => {
  const t = await createTenantWithKeys('cat-faults');
  const shop = newShop();
  await saveSource(t, { kind: 'woocommerce', url: urlOf(shop, '/woo'), schedule: 'off' });
  assert.equal((await syncAndWait(t)).products, 5);
  shop.faults = { failPage: 2 };
  const failed = await syncAndWait(t);
  assert.equal(failed.last_sync.status, 'failed');
  assert.equal(failed.last_sync.error, 'page 2: the shop answered HTTP 500');
  assert.equal(failed.products, 5, 'the last good catalog keeps serving');
  assert.equal((await search(t, { query: 'hoodie' })).length, 1);
  shop.faults = {};
  shop.products = shop.products.filter((p) => p.handle !== 'harbour-hoodie');
  const full = await syncAndWait(t);
  assert.equal(full.last_sync.status, 'done');
  assert.equal(full.last_sync.products_deleted, 1);
  assert.equal(full.products, 4);
  assert.deepEqual(await search(t, { query: 'hoodie' }), []);
  const running = await admin(t, 'POST', `${cat(t)}/sync`, { full: true });
  assert.equal(running.status, 202);
  const second = await admin(t, 'POST', `${cat(t)}/sync`, { full: false });
  assert.equal(second.status, 409, 'one sync at a time');
  assert.equal(second.json.error.code, 'sync_running');
});

test('bad URLs are refused when the source is saved, with a precise reason', async () => {
  const t = await createTenantWithKeys('cat-badurl');
  const shop = newShop();
  const cases = [
    [{ kind: 'shopify', url: 'ftp://shop.example' }, /not an absolute https URL/],
    [{ kind: 'shopify', url: 'https://user:pw@shop.example' }, /credentials in the URL/],
    [{ kind: 'shopify', url: urlOf(shop, '/html'), currency: 'EUR' }, /not a Shopify shop.*not JSON/],
    [{ kind: 'woocommerce', url: urlOf(shop, '/nothing') }, /HTTP 404/],
    [{ kind: 'merchant_feed', url: urlOf(shop, '/shopify/meta.json') }, /not a Merchant feed/],
    [{ kind: 'shopify', url: 'http://127.0.0.1:9/' }, /unreachable/],
  ];
  for (const [body, why] of cases) {
    const r = await admin(t, 'PUT', `${cat(t)}/source`, body);
    assert.equal(r.status, 422, `${JSON.stringify(body)}: ${r.text}`);
    assert.equal(r.json.error.code, 'invalid_request');
    assert.match(r.json.error.message, why);
  }
  const bad = await admin(t, 'PUT', `${cat(t)}/source`, { kind: 'magento', url: 'https://x.example' });
  assert.equal(bad.status, 400);
  assert.equal((await admin(t, 'GET', cat(t))).json.source, null, 'nothing was saved');
});

test('the storefront token is write-only and encrypted at rest; the GraphQL connector syncs with it', async () => {
  const t = await createTenantWithKeys('cat-token');
  const shop = newShop();
  const saved = await admin(t, 'PUT', `${cat(t)}/source`, { kind: 'shopify', url: urlOf(shop, '/shopify'), storefront_token: STOREFRONT_TOKEN, schedule: 'off' });
  assert.equal(saved.status, 200, saved.text);
  assert.ok(!saved.text.includes(STOREFRONT_TOKEN));
  assert.equal(saved.json.source.has_credentials, true);
  const status = await syncAndWait(t);
  assert.equal(status.last_sync.status, 'done', JSON.stringify(status.last_sync));
  assert.equal(status.products, 5);
  assert.ok(shop.hits.some((h) => h.path.endsWith('graphql.json')));
  const got = await admin(t, 'GET', cat(t));
  assert.ok(!got.text.includes(STOREFRONT_TOKEN));
  const rows = await d1(`SELECT credentials FROM catalog_sources WHERE tenant_id = '${t.id}'`);
  assert.ok(rows[0].credentials.startsWith('sb1.') && !rows[0].credentials.includes(STOREFRONT_TOKEN));
  const audit = await admin(t, 'GET', `/v1/admin/tenants/${t.id}/audit`);
  assert.equal(audit.status, 200);
  assert.ok(audit.text.includes('catalog.source_saved') && !audit.text.includes(STOREFRONT_TOKEN), 'audited, without the token');
  // Saving again without the token keeps it (the console cannot send it back).
  const again = await saveSource(t, { kind: 'shopify', url: urlOf(shop, '/shopify'), schedule: 'daily' });
  assert.equal(again.has_credentials, true);
  const wrong = await admin(t, 'PUT', `${cat(t)}/source`, { kind: 'shopify', url: urlOf(shop, '/shopify'), storefront_token: 'wrong-token' });
  assert.equal(wrong.status, 422);
  assert.match(wrong.json.error.message, /Unauthorized/);
});

test('uploads report each bad row with its line; tenants never see each other\'s catalogs', async () => {
  const a = await createTenantWithKeys('cat-a');
  const b = await createTenantWithKeys('cat-b');
  const csv = 'id,title,price,currency,option1_name,option1_value,variant_id\n'
    + 'a1,Alpine Lantern,30.00,EUR,,,a1\n'
    + 'a2,Broken Lamp,cheap,EUR,,,a2\n'
    + 'a3,No Currency,10.00,,,,a3\n';
  const up = await admin(a, 'POST', `${cat(a)}/upload`, undefined, { raw: csv, contentType: 'text/csv' });
  assert.equal(up.status, 200, up.text);
  assert.equal(up.json.status, 'done');
  assert.equal(up.json.products_upserted, 1);
  assert.deepEqual(up.json.problems, [
    { position: 'line 3', reason: 'price: price `cheap` is not a valid amount' },
    { position: 'line 4', reason: 'price: price has no currency' },
  ]);
  const upB = await admin(b, 'POST', `${cat(b)}/upload`, [{ id: 'b1', title: 'Bravo Lantern', price: '40.00', currency: 'EUR' }]);
  assert.equal(upB.status, 200, upB.text);
  assert.deepEqual((await search(a, { query: 'lantern' })).map((c) => c.title), ['Alpine Lantern']);
  assert.deepEqual((await search(b, { query: 'lantern' })).map((c) => c.title), ['Bravo Lantern']);
  // A's key on B's catalog routes: refused, whatever the route.
  for (const [method, path, body] of [['GET', cat(b)], ['POST', `${cat(b)}/search`, { query: 'lantern' }], ['POST', `${cat(b)}/sync`, {}],
    ['DELETE', `${cat(b)}/source`], ['PUT', `${cat(b)}/source`, { kind: 'upload' }]]) {
    const r = await admin({ ...a, admin: a.admin }, method, path.replace(b.id, b.id), body);
    assert.equal(r.status, 401, `${method} ${path}`);
  }
  assert.equal((await admin(b, 'GET', cat(b))).json.products, 1, 'B untouched');
  const del = await admin(a, 'DELETE', `${cat(a)}/source`);
  assert.equal(del.status, 204);
  assert.equal((await admin(a, 'GET', cat(a))).json.products, 0);
  assert.equal((await admin(b, 'GET', cat(b))).json.products, 1);
});

const textOf = (events) => events.filter((e) => e.type === 'delta').map((e) => e.text).join('');

test('a model calling search_products: the shopper gets cards equal to the stored rows, kept in history', async () => {
  const t = await createTenantWithKeys('cat-chat');
  const shop = newShop();
  await saveSource(t, { kind: 'shopify', url: urlOf(shop, '/shopify'), schedule: 'off' });
  await syncAndWait(t);
  const expected = await search(t, { query: ISSUE_QUERY });
  const { token } = await session(t.id);
  const clientMessageId = messageId();
  const r = await chat(token, `[[scenario:product-search]] ${ISSUE_QUERY}`, { clientMessageId });
  assert.equal(r.events.at(-1).type, 'done', JSON.stringify(r.events.at(-1)));
  const tools = r.events.filter((e) => e.type === 'tool').map((e) => `${e.name}:${e.status}`);
  assert.deepEqual(tools, ['search_products:started', 'search_products:finished']);
  const blocks = r.events.filter((e) => e.type === 'blocks');
  assert.equal(blocks.length, 1);
  assert.deepEqual(blocks[0].blocks, [{ kind: 'products', products: expected }]);
  assert.match(textOf(r.events), /Summit Jacket costs 179\.00 EUR\./);
  const history = (await conversation(token)).messages;
  assert.deepEqual(history[1].blocks, [{ kind: 'products', products: expected }], 'a reloaded widget can redraw the cards');
  // resend_replays_blocks: the widget resends a message whose end it did not see; the stored
  // answer is replayed with its cards, not only its text, and the model is not asked again.
  const resent = await chat(token, `[[scenario:product-search]] ${ISSUE_QUERY}`, { clientMessageId });
  assert.equal(resent.events[0].message_id, r.events[0].message_id, 'the same answer');
  assert.deepEqual(resent.events.filter((e) => e.type === 'blocks').map((e) => e.blocks), blocks.map((e) => e.blocks));
  assert.equal(textOf(resent.events), textOf(r.events));
  assert.equal(resent.events.at(-1).type, 'done');
  const usage = await d1(`SELECT unmatched_prices FROM usage_events WHERE tenant_id = '${t.id}'`);
  assert.deepEqual(usage.map((u) => u.unmatched_prices), [0], 'one usage row: the resend spent nothing');
});

test('the built-in responder answers a product question with cards', async () => {
  const t = await createTenantWithKeys('cat-builtin');
  const shop = newShop();
  await saveSource(t, { kind: 'merchant_feed', url: urlOf(shop, '/merchant/feed.xml'), schedule: 'off' });
  await syncAndWait(t);
  const { token } = await session(t.id);
  // Every upstream answers 429, so the built-in responder answers. The marker's own words
  // are in the question it searches with, so the all-terms query finds nothing and the
  // any-term fallback runs: the best match still leads, and every card meets the filters.
  const r = await chat(token, `[[scenario:status-429]] ${ISSUE_QUERY}`);
  assert.equal(r.events.at(-1).type, 'done');
  const tools = r.events.filter((e) => e.type === 'tool').map((e) => `${e.name}:${e.status}`);
  assert.deepEqual(tools, ['search_products:started', 'search_products:finished']);
  const blocks = r.events.filter((e) => e.type === 'blocks');
  assert.equal(blocks.length, 1, JSON.stringify(r.events.map((e) => e.type)));
  const cards = blocks[0].blocks[0].products;
  assert.equal(cards[0].title, 'Summit Jacket');
  for (const c of cards) {
    assert.ok(c.price.amount_minor <= 20000 && c.variants[0].values[0] === 'M' && c.variants[0].available, JSON.stringify(c));
  }
  assert.match(textOf(r.events), /Summit Jacket: 179\.00 EUR|Summit Jacket at 179\.00 EUR/);
});

test('search at 10,000 products: took_ms measured inside the gateway', async () => {
  const t = await createTenantWithKeys('cat-10k');
  const words = ['jacket', 'boot', 'hoodie', 'parka', 'tee', 'sock', 'cap', 'scarf', 'glove', 'vest'];
  const colours = ['black', 'blue', 'red', 'green', 'grey'];
  const rows = [];
  for (let i = 0; i < 10_000; i += 1) {
    const noun = words[i % words.length];
    rows.push({ id: `p${i}`, title: `${colours[i % 5]} ${noun} model ${i}`, price: `${20 + (i % 300)}.00`, currency: 'EUR',
      description: i % 3 === 0 ? `waterproof ${noun}` : `everyday ${noun}`, category: noun, option1_name: 'Size', option1_value: ['S', 'M', 'L'][i % 3] });
  }
  const up = await admin(t, 'POST', `${cat(t)}/upload`, rows);
  assert.equal(up.status, 200, up.text.slice(0, 300));
  assert.equal(up.json.products_upserted, 10_000);
  const queries = ['waterproof jacket under 200 in size M', 'red boot', 'hoodie under 50', 'black scarf in size L', 'glove'];
  const took = [];
  for (let i = 0; i < 60; i += 1) {
    const r = await admin(t, 'POST', `${cat(t)}/search`, { query: queries[i % queries.length] });
    assert.equal(r.status, 200);
    took.push(r.json.took_ms);
  }
  took.sort((a, b) => a - b);
  const p50 = took[Math.floor(took.length * 0.5)];
  const p99 = took[Math.floor(took.length * 0.99)];
  console.log(`catalog search at 10,000 products: took_ms p50 ${p50}, p99 ${p99}`);
  assert.ok(p50 <= 50, `p50 ${p50} ms`);
});

test('the hourly cron starts a due scheduled sync', async () => {
  const t = await createTenantWithKeys('cat-cron');
  const shop = newShop();
  await saveSource(t, { kind: 'woocommerce', url: urlOf(shop, '/woo'), schedule: 'daily' });
  assert.equal((await admin(t, 'GET', cat(t))).json.last_sync, null);
  const fired = await fetch(`${GATEWAY}/__scheduled?cron=41+*+*+*+*`);
  assert.equal(fired.status, 200);
  const until = Date.now() + 45_000;
  for (;;) {
    const r = await admin(t, 'GET', cat(t));
    if (r.json.last_sync?.status === 'done') {
      assert.equal(r.json.products, 5);
      assert.equal(r.json.last_sync.full, true, 'never synced: a full sync');
      break;
    }
    if (Date.now() > until) throw new Error(`no scheduled sync: ${JSON.stringify(r.json)}`);
    await new Promise((r2) => setTimeout(r2, 250));
  }
});

test('an incremental sync writes only products changed since the last sync and deletes nothing', async () => {
  const t = await createTenantWithKeys('cat-incr');
  const shop = newShop();
  await saveSource(t, { kind: 'shopify', url: urlOf(shop, '/shopify'), schedule: 'off' });
  assert.equal((await syncAndWait(t)).products, 5);
  shop.products[0].title = 'Summit Jacket II';
  shop.products[0].updated = '2099-01-01T00:00:00Z';
  shop.products = shop.products.filter((p) => p.handle !== 'harbour-hoodie');
  const incremental = await syncAndWait(t, false);
  assert.equal(incremental.last_sync.status, 'done', JSON.stringify(incremental.last_sync));
  assert.equal(incremental.last_sync.full, false);
  assert.equal(incremental.last_sync.products_seen, 4);
  assert.equal(incremental.last_sync.products_upserted, 1, 'only the changed product is written');
  assert.equal(incremental.last_sync.products_deleted, 0, 'an incremental sync deletes nothing');
  assert.equal(incremental.products, 5);
  assert.deepEqual((await search(t, { query: 'summit' })).map((c) => c.title), ['Summit Jacket II']);
});

test('a Merchant feed streams: the save reads only its head, a body past the cap is refused while reading', async () => {
  const t = await createTenantWithKeys('cat-feed-stream');
  const shop = newShop();
  const started = Date.now();
  await saveSource(t, { kind: 'merchant_feed', url: urlOf(shop, '/merchant/endless.xml'), schedule: 'off' });
  const probeMs = Date.now() - started;
  await new Promise((r) => setTimeout(r, 300));
  assert.ok(shop.written < 8 * 1024 * 1024, `the probe read the head only, the shop wrote ${shop.written} B in ${probeMs} ms`);
  const status = await syncAndWait(t, true, 120_000);
  assert.equal(status.last_sync.status, 'failed', JSON.stringify(status.last_sync));
  assert.match(JSON.stringify(status.last_sync), /page 1: a page is larger than 32 MB/);
  assert.ok(shop.written < 40 * 1024 * 1024, `reading stopped at the cap: ${shop.written} B written`);
});

test('the whole 2,400-product Merchant feed of the fake shop (22 MB): saved and synced in seconds', async () => {
  const SHOP = process.env.SHOPKEEP_FAKE_SHOP_URL;
  assert.ok(SHOP, 'SHOPKEEP_FAKE_SHOP_URL is set by cargo xtask test');
  const t = await createTenantWithKeys('cat-feed-2400');
  const saveStarted = Date.now();
  await saveSource(t, { kind: 'merchant_feed', url: `${SHOP}/merchant/feed.xml`, schedule: 'off', max_products: 50_000 });
  const saveMs = Date.now() - saveStarted;
  const syncStarted = Date.now();
  const status = await syncAndWait(t, true, 180_000);
  const syncMs = Date.now() - syncStarted;
  assert.equal(status.last_sync.status, 'done', JSON.stringify(status.last_sync));
  assert.equal(status.products, 2400);
  assert.deepEqual(status.last_sync.problems, []);
  console.log(`# merchant feed 2,400 products: save (probe) ${saveMs} ms, sync ${syncMs} ms`);
  assert.ok(saveMs < 10_000, `the save probe reads the head only: ${saveMs} ms`);
});

test('misspelled words find the catalog\'s products: the vocabulary is built when a sync finishes and goes with the catalog', async () => {
  const t = await createTenantWithKeys('cat-typos');
  const shop = newShop();
  await saveSource(t, { kind: 'shopify', url: urlOf(shop, '/shopify'), schedule: 'off' });
  await syncAndWait(t);
  const [vocab] = await d1(`SELECT words FROM catalog_vocab WHERE tenant_id = '${t.id}'`);
  assert.match(vocab.words, /^summit 1$/m, 'the catalog\'s words with their product counts');
  const typed = async (args) => {
    const r = await admin(t, 'POST', `${cat(t)}/search`, args);
    assert.equal(r.status, 200, r.text);
    return r.json;
  };
  const exact = await typed({ query: 'summit jacket' });
  assert.equal(exact.round_trips, 1, 'a query found as typed reads nothing more');
  const fixed = await typed({ query: 'sumit jaket' });
  assert.deepEqual(fixed.products.map((c) => c.title), ['Summit Jacket']);
  assert.deepEqual(fixed.products, exact.products, 'the same cards as the query spelled right');
  assert.ok(fixed.round_trips >= 2, JSON.stringify(fixed.round_trips));
  assert.deepEqual((await typed({ query: 'trial boot' })).products.map((c) => c.title), ['Trail Boot'], 'two letters swapped');
  assert.deepEqual((await typed({ query: 'zzzzzz' })).products, [], 'nothing close: nothing found');
  const del = await admin(t, 'DELETE', `${cat(t)}/source`);
  assert.equal(del.status, 204, del.text);
  assert.deepEqual(await d1(`SELECT tenant_id FROM catalog_vocab WHERE tenant_id = '${t.id}'`), []);
});
