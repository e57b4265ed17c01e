// Proves issue 15 in workerd: a tenant adds the fixture shop's sitemap (index → nested, one
// child gzipped) and syncs it through the JOBS queue; the pages and snippets appear, with
// nothing from /account/ (robots.txt), no 5 MB page, the PDF skipped as not HTML, the
// redirect loop cut, the 404 reported and a redirect to a metadata address refused; the
// crawler names itself. A question is answered with a Sources block linking the page (the
// built-in responder and the model's search_knowledge round alike). A page changed on the
// site shows in the next sync's diff, unchanged pages are asked conditionally (304). An
// unanswerable question becomes a gap; writing an answer closes it and the same question is
// then answered. Every knowledge route is tenant-isolated; sources pass the outbound rule.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY } from './helpers.mjs';
import { adminSignature } from './signing.mjs';
import { chat, createTenantWithKeys, eventually, session } from './gateway.mjs';

const SITE = process.env.SHOPKEEP_FIXTURE_SITE_URL;
if (!SITE) throw new Error('SHOPKEEP_FIXTURE_SITE_URL is not set: run through `cargo xtask test`');

async function admin(t, method, rawPath, body, { as = t } = {}) {
  // A nonce in the query: polling sends the same request within one second, and the gateway
  // refuses a replayed signature.
  const path = `${rawPath}${rawPath.includes('?') ? '&' : '?'}n=${tag()}${tag()}`;
  const json = body === undefined ? '' : JSON.stringify(body);
  const headers = { 'shopkeep-signature': adminSignature(as.admin.secret_hex, { kid: as.admin.kid, method, pathAndQuery: path, body: json }) };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${GATEWAY}${path}`, { method, headers, body: body === undefined ? undefined : json });
  const text = await response.text();
  let parsed = null;
  try { parsed = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, json: parsed };
}

const base = (t) => `/v1/admin/tenants/${t.id}/knowledge`;
const textOf = (events) => events.filter((e) => e.type === 'delta').map((e) => e.text).join('');
const sourcesOf = (events) => events.filter((e) => e.type === 'blocks').flatMap((e) => e.blocks).filter((b) => b.kind === 'sources').flatMap((b) => b.sources);
const tag = () => Math.random().toString(36).slice(2, 8);
// The fake runtime answers 429 to this marker (and so does its fallback): the built-in
// responder answers from the knowledge.
const BUILTIN = '[[scenario:status-429]]';

async function syncAndWait(t, sourceId) {
  const started = await admin(t, 'POST', `${base(t)}/sources/${sourceId}/sync`, {});
  assert.equal(started.status, 202, JSON.stringify(started.json));
  const syncId = started.json.sync.sync_id;
  return eventually(async () => {
    const r = await admin(t, 'GET', `${base(t)}/sources/${sourceId}/syncs`);
    const latest = r.json.syncs[0];
    return latest.sync_id === syncId && ['done', 'failed'].includes(latest.status) ? latest : null;
  }, 240_000, `sync ${syncId}`);
}

let shop; // { t, sourceId, first }

async function syncedShop() {
  if (shop) return shop;
  await fetch(`${SITE}/__control`, { method: 'POST', body: JSON.stringify({ op: 'reset' }) });
  await fetch(`${SITE}/__requests`, { method: 'DELETE' });
  const t = await createTenantWithKeys('kn');
  const added = await admin(t, 'POST', `${base(t)}/sources`, { kind: 'sitemap', url: `${SITE}/sitemap.xml`, schedule: 'weekly' });
  assert.equal(added.status, 201, JSON.stringify(added.json));
  const sourceId = added.json.source.source_id;
  assert.ok(added.json.source.next_sync_at_ms > Date.now(), 'a weekly source is scheduled');
  const first = await syncAndWait(t, sourceId);
  shop = { t, sourceId, first };
  return shop;
}

test('syncing the fixture sitemap learns its pages, and skips and reports the traps', async () => {
  const { t, first } = await syncedShop();
  assert.equal(first.status, 'done', first.error);
  assert.ok(first.diff.added.length >= 60, `${first.diff.added.length} pages added`);
  const skipped = Object.fromEntries(first.skipped.map((s) => [new URL(s.url).pathname, s.reason]));
  assert.equal(skipped['/account/orders'], 'robots');
  assert.equal(skipped['/gone'], 'not_found');
  assert.equal(skipped['/lookbook'], 'too_large');
  assert.equal(skipped['/files/size-chart.pdf'], 'not_html');
  assert.equal(skipped['/loop-a'], 'redirect_loop');
  assert.equal(skipped['/partner-offer'], 'off_site', 'a redirect to a metadata address is not followed');

  const pages = (await admin(t, 'GET', `${base(t)}/pages`)).json.pages;
  assert.ok(pages.length >= 60);
  assert.ok(!pages.some((p) => p.url.includes('/account/') || p.url.includes('/lookbook')));
  const returns = pages.find((p) => p.url === `${SITE}/policies/returns`);
  const detail = (await admin(t, 'GET', `${base(t)}/pages/${returns.page_id}`)).json;
  const all = detail.snippets.map((s) => `${s.title}\n${s.text}`).join('\n');
  assert.match(all, /within 30 days of delivery/);
  assert.doesNotMatch(all, /cookies|NAV-TRACKING|footer tracking|Accept all/i, 'chrome is stripped');
  assert.ok(detail.snippets.some((s) => s.kind === 'structured'), 'the JSON-LD return policy is a snippet');

  const log = await (await fetch(`${SITE}/__requests`)).json();
  assert.ok(log.length > 60);
  assert.ok(log.every((r) => /^ShopkeepBot\/0\.1/.test(r.user_agent ?? '')), 'every crawler request names the bot');
  assert.ok(!log.some((r) => r.path.startsWith('/account/')), 'robots.txt is honoured');
  assert.ok(log.some((r) => r.path === '/sitemaps/blog.xml.gz'), 'the gzipped child sitemap was read');
});

test('answers cite the page they come from, in the built-in and the model path', async () => {
  const { t } = await syncedShop();
  const { token } = await session(t.id);
  const builtin = await chat(token, `${BUILTIN} How much does express shipping cost? ${tag()}`);
  assert.equal(builtin.events.at(-1).type, 'done');
  assert.match(textOf(builtin.events), /12\.90/);
  const cited = sourcesOf(builtin.events);
  assert.ok(cited.some((s) => s.url === `${SITE}/policies/shipping`), JSON.stringify(cited));

  const model = await chat(token, `[[scenario:tool-call]] What is the warranty on backpacks? ${tag()}`);
  assert.equal(model.events.at(-1).type, 'done');
  const modelCited = sourcesOf(model.events);
  assert.ok(modelCited.length > 0 && modelCited.every((s) => s.url.startsWith(`${SITE}/`)), JSON.stringify(modelCited));
});

test('a page changed on the site shows in the next sync diff; unchanged pages are asked conditionally', async () => {
  const { t, sourceId } = await syncedShop();
  await fetch(`${SITE}/__requests`, { method: 'DELETE' });
  let r = await fetch(`${SITE}/__control`, { method: 'POST', body: JSON.stringify({ op: 'set', path: '/policies/shipping', main: '<h1>Shipping policy</h1><p>Express shipping now costs 15.90 EUR and arrives the next business day.</p>' }) });
  assert.equal(r.status, 200);
  r = await fetch(`${SITE}/__control`, { method: 'POST', body: JSON.stringify({ op: 'remove', path: '/careers' }) });
  assert.equal(r.status, 200);
  const second = await syncAndWait(t, sourceId);
  assert.equal(second.status, 'done', second.error);
  assert.deepEqual(second.diff.changed, [`${SITE}/policies/shipping`]);
  assert.ok(second.diff.removed.includes(`${SITE}/careers`));
  assert.deepEqual(second.diff.added, []);
  const log = await (await fetch(`${SITE}/__requests`)).json();
  assert.ok(log.some((q) => q.path === '/faq' && q.if_none_match), 'an unchanged page is fetched with If-None-Match');

  const { token } = await session(t.id);
  const answer = await chat(token, `${BUILTIN} How much does express shipping cost? ${tag()}`);
  assert.match(textOf(answer.events), /15\.90/, 'the answer uses the changed page');
  await fetch(`${SITE}/__control`, { method: 'POST', body: JSON.stringify({ op: 'reset' }) });
});

test('an unanswerable question becomes a gap; writing an answer closes it', async () => {
  const { t } = await syncedShop();
  const { token } = await session(t.id);
  // Asked plainly (the fake runtime answers): no snippet is relevant, so each is a gap.
  const q = 'Will you engrave a dragon onto my teapot?';
  await chat(token, q);
  await chat(token, 'engrave dragon on teapot');
  const gap = await eventually(async () => {
    const gaps = (await admin(t, 'GET', `${base(t)}/gaps`)).json.gaps;
    return gaps.find((g) => g.examples.some((e) => /dragon/i.test(e)) && g.count >= 2);
  }, 15_000, 'the gap group');
  assert.equal(gap.status, 'open');
  assert.equal(gap.trend.at(-1), gap.count, 'today counts every occurrence');
  const answered = await admin(t, 'POST', `${base(t)}/gaps/${gap.gap_id}/answer`, { title: 'Dragon engraving', text: 'Yes: we engrave a dragon onto any teapot for 999 EUR.' });
  assert.equal(answered.status, 201, JSON.stringify(answered.json));
  const again = await chat(token, `${BUILTIN} ${q}`);
  assert.match(textOf(again.events), /999 EUR/);
  const open = (await admin(t, 'GET', `${base(t)}/gaps`)).json.gaps;
  assert.ok(!open.some((g) => g.gap_id === gap.gap_id), 'the answered group left the open list');
});

test('every knowledge route is isolated per tenant', async () => {
  const { t, sourceId } = await syncedShop();
  const other = await createTenantWithKeys('kn-other');
  const pages = (await admin(t, 'GET', `${base(t)}/pages`)).json.pages;
  const pageId = pages[0].page_id;
  // Another tenant's key on this tenant's paths: refused.
  for (const [method, path] of [['GET', `${base(t)}/sources`], ['GET', `${base(t)}/pages/${pageId}`], ['GET', `${base(t)}/gaps`]]) {
    const r = await admin(t, method, path, undefined, { as: other });
    assert.equal(r.status, 401, `${method} ${path}`);
  }
  // This tenant's ids under the other tenant's own paths: not found.
  assert.equal((await admin(other, 'GET', `${base(other)}/pages/${pageId}`)).status, 404);
  assert.equal((await admin(other, 'PUT', `${base(other)}/pages/${pageId}`, { enabled: false })).status, 404);
  assert.equal((await admin(other, 'POST', `${base(other)}/sources/${sourceId}/sync`, {})).status, 404);
  assert.equal((await admin(other, 'GET', `${base(other)}/sources/${sourceId}/syncs`)).status, 404);
  assert.equal((await admin(other, 'DELETE', `${base(other)}/sources/${sourceId}`, {})).status, 404);
  assert.deepEqual((await admin(other, 'GET', `${base(other)}/pages`)).json.pages, []);
  // Disabling a page removes it from answers.
  const shipping = pages.find((p) => p.url === `${SITE}/policies/shipping`);
  assert.equal((await admin(t, 'PUT', `${base(t)}/pages/${shipping.page_id}`, { enabled: false })).status, 200);
  const { token } = await session(t.id);
  const r = await chat(token, `${BUILTIN} How much does express shipping cost? ${tag()}`);
  assert.ok(!sourcesOf(r.events).some((s) => s.url === `${SITE}/policies/shipping`));
  assert.equal((await admin(t, 'PUT', `${base(t)}/pages/${shipping.page_id}`, { enabled: true })).status, 200);
});

test('sources must pass the outbound URL rule', async () => {
  const t = await createTenantWithKeys('kn-ssrf');
  for (const url of ['https://user:secret@shop.example/sitemap.xml', 'file:///etc/passwd', 'gopher://127.0.0.1:6379/_', 'not a url']) {
    const r = await admin(t, 'POST', `${base(t)}/sources`, { kind: 'sitemap', url });
    assert.equal(r.status, 400, url);
    assert.equal(r.json.error.code, 'invalid_field');
    assert.ok(!JSON.stringify(r.json).includes('secret'), 'the error does not echo credentials');
  }
  const r = await admin(t, 'POST', `${base(t)}/sources`, { kind: 'url_list', urls: [`${SITE}/faq`, 'https://elsewhere.example/x'] });
  assert.equal(r.status, 400, 'a URL list stays on one site');
});
