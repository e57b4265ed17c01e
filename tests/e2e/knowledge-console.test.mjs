// The console journey of issue 15 in Chromium: a tenant signs in, opens Knowledge, adds the
// fixture shop's sitemap, presses Sync now, and sees the learned pages and a page's snippets
// (the console polls while the sync runs); the last sync lists what it skipped and why.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, launchBrowser, screenshot } from './helpers.mjs';
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
