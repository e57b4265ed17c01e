// Proves the harness starts the fake shop (tests/fake-shop) and hands its URL to the tests, the
// demo storefront's "Best sellers" come from it, and the fake shop's own Shopify-shaped
// storefront loads in Chromium with the widget embedded from the gateway and a cart count that
// follows `shopkeep:add_to_cart`. The catalog journeys themselves live with the catalog tests.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, launchBrowser, openPage, widget } from './helpers.mjs';

const SHOP = process.env.SHOPKEEP_FAKE_SHOP_URL;

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

test('the harness started the fake shop and passes its URL', async () => {
  assert.match(SHOP ?? '', /^http:\/\/127\.0\.0\.1:\d+$/, 'SHOPKEEP_FAKE_SHOP_URL is set by cargo xtask test');
  const health = await fetch(`${SHOP}/healthz`);
  assert.equal(health.status, 200);
  const shopify = await (await fetch(`${SHOP}/shopify/products.json?limit=250&page=1`)).json();
  assert.equal(shopify.products.length, 250);
  assert.equal(shopify.products[0].handle, 'summit-waterproof-jacket');
  const woo = await fetch(`${SHOP}/woo/wp-json/wc/store/v1/products?per_page=100&page=1`);
  assert.equal(woo.headers.get('x-wp-total'), '2400', 'the default 2,400-product catalog');
});

test('the demo storefront shows best sellers from the fake shop', async () => {
  const { context, page, problems } = await openPage(browser, `${GATEWAY}/?shop=${encodeURIComponent(SHOP)}`);
  try {
    await page.waitForSelector('#jackets .grid[data-source="fake-shop"]', { timeout: 15_000 });
    const titles = await page.locator('#jackets .grid .card h3').allTextContents();
    assert.equal(titles.length, 8);
    assert.equal(titles[0], 'Summit Waterproof Jacket');
    const price = await page.locator('#jackets .grid .card .price').first().textContent();
    assert.match(price, /189/);
    await widget(page).launcher.waitFor({ state: 'visible', timeout: 15_000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('without ?shop= the storefront keeps its own cards', async () => {
  const { context, page, problems } = await openPage(browser, `${GATEWAY}/`);
  try {
    await widget(page).launcher.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await page.locator('#jackets .grid').getAttribute('data-source'), null);
    assert.equal(await page.locator('#jackets .grid .card').count(), 4);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the fake shop's Shopify storefront embeds the widget and counts the cart", async () => {
  const url = `${SHOP}/shopify/?gateway=${encodeURIComponent(GATEWAY)}&tenant=e2e`;
  const { context, page, problems } = await openPage(browser, url);
  try {
    await widget(page).launcher.waitFor({ state: 'visible', timeout: 15_000 });
    const count = page.locator('[data-cart-count]');
    assert.equal(await count.textContent(), '0');
    assert.equal(await page.locator('.grid .card').count(), 8);
    // What the widget's "Add to cart" does by default: the event, then Shopify's add.js.
    const variant = (await (await fetch(`${SHOP}/shopify/products/summit-waterproof-jacket.js`)).json()).variants[0].id;
    await page.evaluate(async (id) => {
      window.dispatchEvent(new CustomEvent('shopkeep:add_to_cart', { detail: { variant_id: id, quantity: 1 } }));
      await fetch('/cart/add.js', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ id, quantity: 1 }) });
    }, variant);
    await page.waitForFunction(() => document.querySelector('[data-cart-count]').textContent === '1', null, { timeout: 10_000 });
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test("the fake shop's WooCommerce storefront embeds the widget and takes ?add-to-cart=", async () => {
  const url = `${SHOP}/woo/?gateway=${encodeURIComponent(GATEWAY)}&tenant=e2e`;
  const { context, page, problems } = await openPage(browser, url);
  try {
    await widget(page).launcher.waitFor({ state: 'visible', timeout: 15_000 });
    assert.equal(await page.locator('[data-cart-count]').textContent(), '0');
    const product = (await (await fetch(`${SHOP}/woo/wp-json/wc/store/v1/products?per_page=1`)).json())[0];
    const variation = product.variations.find((v) => v.attributes.length > 0).id;
    // Woo's default add: a same-origin request to ?add-to-cart=, then the count refreshes.
    await page.evaluate(async (id) => {
      window.dispatchEvent(new CustomEvent('shopkeep:add_to_cart', { detail: { variant_id: id, quantity: 2 } }));
      await fetch(`/woo/?add-to-cart=${id}&quantity=2`, { credentials: 'same-origin' });
    }, variation);
    await page.waitForFunction(() => document.querySelector('[data-cart-count]').textContent === '2', null, { timeout: 10_000 });
    assert.deepEqual(await page.evaluate(() => window.shopkeepCartEvents.length), 1);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
