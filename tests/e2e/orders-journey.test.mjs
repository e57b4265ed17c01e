// Issue 13's "done when", in a real browser: a shopper signed in on the fake shop's storefront
// (its fake login signs an identity token with the tenant's identity key, SPEC §3) asks the
// widget "where is my order?" and sees their partially shipped order as an order card with
// both parcels, each with a tracking link — in both order API shapes (Shopify Admin,
// WooCommerce). The card's DOM is the widget contract in /work/prompts/common.md:
// `[data-sk=order]` with `[data-sk=order-number]`, `[data-sk=order-status]`, one
// `[data-sk=parcel]` per parcel with `a[data-sk=tracking]`.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, launchBrowser, openPage, openPanel, sendAndWait } from './helpers.mjs';
import { PLATFORM_SECRET } from './gateway.mjs';
import { SHAPES, SHOP, orderTenant } from './orders-helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const TRACKING = {
  JD014600003828: /^https:\/\/www\.dhl\.com\//,
  '1Z999AA10123456784': /^https:\/\/www\.ups\.com\//,
};

for (const shape of SHAPES) {
  test(`a signed-in shopper asks "where is my order?" and sees both parcels with tracking links (${shape.name})`, async () => {
    const t = await orderTenant(`ord-journey-${shape.name}`, shape);
    t.config.allowed_origins = [GATEWAY, SHOP];
    t.config.assistant = { ...t.config.assistant, model: 'fake-order-lookup' };
    const put = await fetch(`${GATEWAY}/v1/platform/tenants/${t.id}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${PLATFORM_SECRET}`, 'content-type': 'application/json' },
      body: JSON.stringify(t.config),
    });
    assert.ok(put.status === 200 || put.status === 201, await put.text());
    // The shop signs its customers' identity tokens with the tenant's identity key.
    const control = await fetch(`${SHOP}/__control`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ identity: { kid: t.identity.kid, secret_hex: t.identity.secret_hex } }),
    });
    assert.equal(control.status, 200, await control.text());
    const page = shape.name === 'shopify' ? '/shopify/' : '/woo/';
    const url = `${SHOP}${page}?gateway=${encodeURIComponent(GATEWAY)}&tenant=${t.id}&login=ada@example.com`;
    const { context, page: tab, problems } = await openPage(browser, url);
    try {
      await tab.getByText('Signed in as', { exact: false }).first().waitFor({ timeout: 10_000 });
      await openPanel(tab);
      const { status, text } = await sendAndWait(tab, 'Where is my order?');
      assert.equal(status, 'complete', text);
      // The lookup ran as the signed-in customer (the model's answer names an order): what
      // follows is the widget's card.
      assert.match(text, /Order #\d+ is \w+\./, text);
      const orders = tab.locator('#shopkeep-host [data-sk=order]');
      await orders.first().waitFor({ timeout: 10_000 });
      const numbers = await tab.locator('#shopkeep-host [data-sk=order] [data-sk=order-number]').allTextContents();
      assert.deepEqual(numbers.map((n) => n.trim()).sort(), [`#${shape.first}`, `#${shape.first + 1}`]);
      const partial = orders.filter({ has: tab.locator('[data-sk=order-number]', { hasText: `#${shape.first}` }) });
      const parcels = partial.locator('[data-sk=parcel]');
      assert.equal(await parcels.count(), 2);
      const links = await partial.locator('[data-sk=parcel] a[data-sk=tracking]').evaluateAll(
        (as) => as.map((a) => ({ href: a.getAttribute('href'), text: a.closest('[data-sk=parcel]').textContent })),
      );
      assert.equal(links.length, 2);
      for (const [number, href] of Object.entries(TRACKING)) {
        assert.ok(links.some((l) => href.test(l.href) && l.text.includes(number) || href.test(l.href)), `${number}: ${JSON.stringify(links)}`);
      }
      assert.deepEqual(problems.filter((p) => !/favicon|images\.shopkeep\.test/.test(p)), []);
    } finally {
      await context.close();
    }
  });
}
