// The journey of issue 15 in Chromium: a tenant signs in, opens Knowledge, adds the fixture
// shop's sitemap, presses Sync now, and sees the learned pages and a page's snippets (the
// console polls while the sync runs); the last sync lists what it skipped and why. Then, with
// a shopper's page beside the console: a question is answered with a source link under the
// message; a page changed on the site shows in the next sync's diff; a question nothing
// answers appears under Unanswered questions, the tenant writes an answer there, and the same
// question is then answered from it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, launchBrowser, openPanel, screenshot, sendAndWait } from './helpers.mjs';
import { pageFor, routePage } from './widget-helpers.mjs';
import { createTenantWithKeys } from './gateway.mjs';

const SITE = process.env.SHOPKEEP_FIXTURE_SITE_URL;

let browser;
let context;
let page;
let tenant;
const problems = [];

before(async () => {
  browser = await launchBrowser();
  tenant = await createTenantWithKeys('kn-console');
  context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await context.newPage();
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
});

after(async () => {
  await context?.close();
  await browser?.close();
});

test('add the sitemap, sync, see pages and snippets', async () => {
  await fetch(`${SITE}/__control`, { method: 'POST', body: JSON.stringify({ op: 'reset' }) });
  await page.goto(`${GATEWAY}/admin/`, { waitUntil: 'domcontentloaded' });
  await page.getByLabel('Tenant id').fill(tenant.id);
  await page.getByLabel('Admin key id').fill(tenant.admin.kid);
  await page.getByLabel('Admin secret (64 hex characters)').fill(tenant.admin.secret_hex);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#view-settings').waitFor({ state: 'visible' });

  await page.getByRole('link', { name: 'Knowledge' }).click();
  await page.locator('#view-knowledge').waitFor({ state: 'visible' });
  await page.locator('#kn-kind').selectOption('sitemap');
  await page.getByLabel('URL (for a list: one per line)').fill(`${SITE}/sitemap.xml`);
  await page.getByRole('button', { name: 'Add source' }).click();
  const source = page.locator('.kn-source').first();
  await source.waitFor({ state: 'visible' });
  await source.getByRole('button', { name: 'Sync now' }).click();

  // The console re-reads while the sync runs; the pages appear when it commits.
  await page.waitForFunction(() => document.querySelectorAll('#kn-pages tr').length >= 60, null, { timeout: 240_000 });
  assert.match(await source.locator('.kn-sync-status').textContent(), /^done/);
  const rows = await page.locator('#kn-pages tr').allTextContents();
  assert.ok(!rows.some((r) => r.includes('/account/')), 'no page behind robots.txt');
  assert.ok(rows.some((r) => r.includes('/policies/returns')));

  const returns = page.locator('#kn-pages tr', { hasText: '/policies/returns' });
  await returns.getByRole('button').first().click();
  const snippets = page.locator('.kn-page-snippets');
  await snippets.waitFor({ state: 'visible' });
  assert.match(await snippets.textContent(), /within 30 days of delivery/);

  await source.getByRole('button', { name: 'Last sync' }).click();
  await page.locator('.kn-skipped').waitFor({ state: 'visible' });
  const skipped = await page.locator('.kn-skipped').textContent();
  assert.match(skipped, /size-chart\.pdf — not an HTML page/);
  assert.match(skipped, /account\/orders — blocked by robots\.txt/);
  await screenshot(page, 'knowledge-console.png');
  assert.deepEqual(problems, []);
});

// The fake AI runtime answers 429 to a message carrying this marker: the built-in responder
// answers from the knowledge (what a shop without a model gets).
const BUILTIN = '[[scenario:status-429]]';

async function shopperPage() {
  const shopper = await context.newPage();
  shopper.on('pageerror', (error) => problems.push(`shopper page error: ${error.message}`));
  await routePage(shopper, '/kn-shop.html', pageFor(tenant.id));
  await shopper.goto(`${GATEWAY}/kn-shop.html`, { waitUntil: 'domcontentloaded' });
  await openPanel(shopper);
  return shopper;
}

test('a shopper sees the source link; a changed page shows in the diff; a gap is answered from the console', async () => {
  const shopper = await shopperPage();
  const { reply, text } = await sendAndWait(shopper, `${BUILTIN} How much does express shipping cost?`);
  assert.match(text, /12\.90/);
  const links = await reply.locator('[data-sk=sources] a').evaluateAll((as) => as.map((a) => a.href));
  assert.ok(links.includes(`${SITE}/policies/shipping`), `a source link to the page: ${JSON.stringify(links)}`);

  // The site changes; the next sync's diff names the page.
  await fetch(`${SITE}/__control`, { method: 'POST', body: JSON.stringify({ op: 'set', path: '/policies/shipping', main: '<h1>Shipping policy</h1><p>Express shipping now costs 15.90 EUR.</p>' }) });
  const source = page.locator('.kn-source').first();
  await source.getByRole('button', { name: 'Sync now' }).click();
  await page.waitForFunction(() => /Changed: 1/.test(document.querySelector('#kn-diff')?.textContent ?? ''), null, { timeout: 120_000 });
  assert.match(await page.locator('#kn-diff').textContent(), /policies\/shipping/);

  // Nothing answers this: it becomes an unanswered question in the console.
  const question = 'Will you engrave a dragon onto my teapot?';
  await sendAndWait(shopper, question);
  await sendAndWait(shopper, 'engrave dragon on teapot');
  const gap = page.locator('.kn-gap', { hasText: /dragon/i });
  const until = Date.now() + 30_000;
  while (!(await gap.count())) {
    assert.ok(Date.now() < until, 'the question reached Unanswered questions');
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('link', { name: 'Knowledge' }).click();
    await page.waitForTimeout(500);
  }
  await gap.getByLabel('Your answer').fill('Yes: we engrave a dragon onto any teapot for 999 EUR.');
  await gap.getByRole('button', { name: 'Write an answer' }).click();
  await page.waitForFunction(() => ![...document.querySelectorAll('.kn-gap')].some((g) => /dragon/i.test(g.textContent)), null, { timeout: 15_000 });

  const answered = await sendAndWait(shopper, `${BUILTIN} ${question}`);
  assert.match(answered.text, /999 EUR/);
  await fetch(`${SITE}/__control`, { method: 'POST', body: JSON.stringify({ op: 'reset' }) });
  await shopper.close();
  assert.deepEqual(problems, []);
});

test('the Analytics tab shows each question group\'s trend; a transcript shows the sources its answer showed', async () => {
  await page.getByRole('link', { name: 'Analytics' }).click();
  const trend = page.locator('#an-gaps [data-gap-trend]', { hasText: /dragon/i });
  await trend.waitFor({ state: 'visible', timeout: 15_000 });
  assert.equal(await trend.getAttribute('data-status'), 'answered', 'the gap closed when the answer was written');
  const bars = trend.locator('svg[role=img] rect');
  assert.equal(await bars.count(), 14, 'one bar a day for 14 days');
  assert.ok(Number(await bars.last().getAttribute('height')) > 0, 'today\'s bar shows the questions');
  assert.match(await trend.locator('svg').getAttribute('aria-label'), /[1-9]\d* in the last 14 days, [1-9]\d* today$/);
  assert.equal(await page.locator('[data-stat="price-checked"]').count(), 1);
  await screenshot(page, 'analytics-gap-trends.png');

  await page.getByRole('link', { name: 'Conversations' }).click();
  const item = page.locator('.conv-item', { hasText: /express shipping/i }).first();
  await item.waitFor({ state: 'visible', timeout: 15_000 });
  await item.click();
  const sources = page.locator('#transcript [data-block=sources] a');
  await sources.first().waitFor({ state: 'visible' });
  const hrefs = await sources.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.ok(hrefs.includes(`${SITE}/policies/shipping`), JSON.stringify(hrefs));
  assert.deepEqual(problems, []);
});
