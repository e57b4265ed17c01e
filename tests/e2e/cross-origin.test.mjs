// Proves the journey works as real shops embed Shopkeep: from a storefront on another origin
// (a page this test serves on SHOPKEEP_CROSS_ORIGIN_PORT) with the one-line snippet pointing at
// the gateway. CORS must be right for the widget module, its wasm and every API call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  GATEWAY, CROSS_ORIGIN_PORT, FAKE_ANSWER_TAIL, launchBrowser, openPage, openPanel, sendAndWait,
  uniqueQuestion, isWidgetAsset,
} from './helpers.mjs';

const ORIGIN = `http://127.0.0.1:${CROSS_ORIGIN_PORT}`;
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Another shop</title></head>
<body>
  <h1>Another shop on another origin</h1>
  <p>This page embeds Shopkeep from ${GATEWAY}.</p>
  <script async src="${GATEWAY}/embed.js" data-tenant="e2e"></script>
</body>
</html>`;

let browser;
let server;
before(async () => {
  server = createServer((request, response) => {
    if (request.url === '/' || request.url.startsWith('/?')) {
      response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      response.end(PAGE);
    } else {
      response.writeHead(404, { 'content-type': 'text/plain' });
      response.end('not found');
    }
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(CROSS_ORIGIN_PORT, '127.0.0.1', resolve);
  });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => (server ? server.close(resolve) : resolve()));
});

test('a storefront on another origin loads the widget and streams a reply', async () => {
  const { context, page, responses, problems } = await openPage(browser, `${ORIGIN}/`);
  try {
    await openPanel(page);
    const question = uniqueQuestion('What is your return policy?');
    const { status, text } = await sendAndWait(page, question);
    assert.equal(status, 'complete', `the reply ends complete (text: ${text})`);
    assert.ok(text.includes(FAKE_ANSWER_TAIL), `the reply is the fake runtime's answer: ${text}`);

    const assets = responses.filter((r) => isWidgetAsset(r.url()));
    assert.ok(assets.some((r) => r.url().endsWith('.js')), 'the module came from the gateway');
    assert.ok(assets.some((r) => r.url().endsWith('.wasm')), 'the wasm came from the gateway');
    for (const response of assets) {
      const allow = response.headers()['access-control-allow-origin'];
      assert.ok(allow === '*' || allow === ORIGIN, `${response.url()} allows ${ORIGIN} (got ${allow})`);
    }

    const api = responses.filter((r) => new URL(r.url()).pathname.startsWith('/v1/'));
    const paths = api.map((r) => new URL(r.url()).pathname);
    for (const expected of ['/v1/tenants/e2e/config', '/v1/sessions', '/v1/chat']) {
      assert.ok(paths.includes(expected), `${expected} was called (calls: ${paths.join(', ')})`);
    }
    for (const response of api) {
      assert.equal(
        response.headers()['access-control-allow-origin'], ORIGIN,
        `${response.url()} answers with Access-Control-Allow-Origin: ${ORIGIN}`,
      );
    }
    assert.deepEqual(problems, [], 'no CORS or other errors in the page');
  } finally {
    await context.close();
  }
});
