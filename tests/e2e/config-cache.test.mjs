// Proves SPEC §1 step 3's caching: the widget revalidates the tenant config with the ETag it
// kept (If-None-Match, cache: no-store), so after a reload the gateway answers 304.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, launchBrowser, openPage, openPanel } from './helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const isConfig = (response) => new URL(response.url()).pathname === '/v1/tenants/demo/config';

test('the second config fetch gets 304 Not Modified', async () => {
  const { context, page, responses, problems } = await openPage(browser, `${GATEWAY}/`);
  try {
    await openPanel(page);
    await page.waitForResponse(isConfig, { timeout: 15_000 }).catch(() => {});
    const first = responses.filter(isConfig);
    assert.ok(first.length >= 1, 'the widget fetched its config');
    assert.equal(first[0].status(), 200, 'the first fetch has a body');
    assert.ok(first[0].headers().etag, 'the config carries an ETag');

    const seen = responses.length;
    const revalidated = page.waitForResponse(isConfig, { timeout: 30_000 });
    await page.reload({ waitUntil: 'domcontentloaded' });
    await openPanel(page);
    await revalidated;
    const after = responses.slice(seen).filter(isConfig);
    const statuses = after.map((response) => response.status());
    assert.ok(statuses.includes(304), `a config fetch after reload was 304 (statuses: ${statuses.join(', ')})`);
    assert.ok(!statuses.includes(200), `no config was downloaded again (statuses: ${statuses.join(', ')})`);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
