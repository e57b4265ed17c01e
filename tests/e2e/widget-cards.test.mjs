// Product cards, the carousel, "Add to cart" and the Sources row in a real browser (issues 12
// and 15, widget side). The gateway does not emit blocks on this branch yet, so `POST /v1/chat`
// is answered by a scripted stream (playwright `page.route`) carrying a `blocks` event exactly
// as protocol::StreamEvent::Blocks serialises; config and session come from the real gateway.
// The shop's own cart endpoints (`/cart/add.js`, `?add-to-cart=`) are intercepted the same way.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY, launchBrowser, openPanel, widget } from './helpers.mjs';
import { routePage, pageFor, shopkeep } from './widget-helpers.mjs';

let browser;
before(async () => { browser = await launchBrowser(); });
after(async () => { await browser?.close(); });

const eur = (amount_minor) => ({ amount_minor, currency: 'EUR', exponent: 2 });
const variant = (id, size, colour, price, available) =>
  ({ id, values: [size, colour], price: eur(price), available });

const JACKET = {
  id: 'p-jacket',
  title: 'Summit jacket',
  url: 'https://shop.example/products/summit',
  image: 'https://img.shop.example/summit.png',
  price: eur(12999),
  compare_at: eur(15999),
  available: true,
  options: ['Size', 'Colour'],
  variants: [
    variant('40001', 'S', 'Blue', 12999, false),
    variant('40002', 'M', 'Blue', 12999, true),
    variant('40003', 'L', 'Red', 14999, true),
  ],
  selected_variant: '40002',
  platform: 'shopify',
};
// Markup in a title is text; a non-https image and a javascript: link are dropped.
const BOOTS = {
  id: 'p-boots',
  title: 'Trail boots <img src=x onerror="window.__xss=1">',
  url: 'javascript:window.__xss=2',
  image: 'http://img.shop.example/boots.png',
  price: eur(8900),
  available: true,
  platform: 'woocommerce',
};
const SOCKS = {
  id: 'p-socks', title: 'Wool socks', price: eur(1500), available: true, platform: 'other',
};
const BLOCKS = [
  { kind: 'products', products: [JACKET, BOOTS, SOCKS] },
  { kind: 'order_summary', order: '#1001' }, // a later kind: ignored
  { kind: 'sources', sources: [
    { title: 'Sizing guide', url: 'https://shop.example/pages/sizing' },
    { title: 'Old page', url: 'javascript:alert(1)' },
    // Linked only because this test's gateway is plain http (local development).
    { title: 'Local page', url: 'http://shop.example/local' },
  ] },
];

function sse(blocks) {
  const events = [
    { type: 'start', user_message_id: 'u-cards', message_id: 'a-cards' },
    { type: 'blocks', blocks },
    { type: 'delta', text: 'Here are three ideas.' },
    { type: 'done', message_id: 'a-cards', finish: 'complete',
      usage: { prompt_tokens: 1, completion_tokens: 1 } },
  ];
  return events.map((e) => `event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`).join('');
}

const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64');

/** A storefront page with the widget whose chat answers with `blocks`; records cart calls. */
async function cardsPage({ locale = 'de-DE', blocks = BLOCKS } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' && !m.location()?.url?.endsWith('/favicon.ico')) {
      problems.push(`console error: ${m.text()}`);
    }
  });
  const cart = [];
  await routePage(page, '/cards-shop', pageFor('demo'));
  await page.route(`${GATEWAY}/v1/chat`, (route) => route.fulfill({
    status: 200, contentType: 'text/event-stream', body: sse(blocks),
  }));
  await page.route('https://img.shop.example/**', (route) =>
    route.fulfill({ status: 200, contentType: 'image/png', body: PNG }));
  await page.route(`${GATEWAY}/cart/add.js`, (route) => {
    cart.push({ url: route.request().url(), method: route.request().method(),
      body: route.request().postData() });
    route.fulfill({ status: 200, contentType: 'application/json', body: '{"items":[]}' });
  });
  await page.route((url) => url.searchParams.has('add-to-cart'), (route) => {
    cart.push({ url: route.request().url(), method: route.request().method() });
    route.fulfill({ status: 200, contentType: 'text/html', body: '<p>added</p>' });
  });
  await page.goto(`${GATEWAY}/cards-shop`);
  await page.evaluate(() => {
    window.__events = [];
    for (const name of ['shopkeep:add_to_cart', 'shopkeep:cart_updated']) {
      window.addEventListener(name, (e) => window.__events.push([name, e.detail, e.cancelable]));
    }
  });
  const w = await openPanel(page);
  await w.input.fill('Jackets please');
  await w.send.click();
  const reply = w.assistantMessages.last();
  await page.waitForFunction(() => {
    const root = document.querySelector('#shopkeep-host').shadowRoot;
    const m = root.querySelector('[data-sk=message][data-role=assistant]');
    return m && m.getAttribute('data-status') === 'complete';
  }, null, { timeout: 30_000 });
  const card = (i) => reply.locator('[data-sk=card]').nth(i);
  return { context, page, w, reply, card, cart, problems };
}

/** What the shadow root's active element is (its data-sk and data-k). */
const focused = (page) => page.evaluate(() => {
  const a = document.querySelector('#shopkeep-host').shadowRoot.activeElement;
  return a && { sk: a.getAttribute('data-sk'), k: a.getAttribute('data-k'), text: a.textContent };
});

test('cards render from the stream: title, price in the shopper locale, stock, links only https', async () => {
  const { context, page, reply, card, problems } = await cardsPage();
  try {
    assert.equal(await reply.locator('[data-sk=card]').count(), 3);
    const money = (n) => page.evaluate((v) =>
      new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(v), n);
    const jacket = card(0);
    assert.equal(await jacket.locator('[data-sk=card-title]').textContent(), 'Summit jacket');
    assert.equal(await jacket.locator('[data-sk=price]').textContent(), await money(129.99));
    assert.equal(await jacket.locator('[data-sk=compare-at]').textContent(), await money(159.99));
    assert.equal(await jacket.locator('s[data-sk=compare-at]').count(), 1, 'struck through');
    assert.equal(await jacket.locator('[data-sk=availability]').textContent(), 'In stock');
    const img = jacket.locator('img');
    assert.equal(await img.getAttribute('loading'), 'lazy');
    assert.equal(await img.getAttribute('src'), JACKET.image);
    const view = jacket.locator('[data-sk=view]');
    assert.equal(await view.getAttribute('href'), JACKET.url);
    assert.equal(await view.getAttribute('target'), '_blank');
    assert.match(await view.getAttribute('rel'), /noopener/);

    const boots = card(1);
    assert.equal(await boots.locator('[data-sk=card-title]').textContent(), BOOTS.title);
    assert.equal(await boots.locator('img').count(), 0, 'http image dropped');
    assert.equal(await boots.locator('[data-sk=view]').count(), 0, 'javascript: link dropped');
    assert.equal(await reply.evaluate((m) => m.querySelectorAll('img:not([src^="https://"])').length), 0);
    assert.equal(await page.evaluate(() => window.__xss ?? null), null);
    // List semantics and labels for assistive technology.
    const carousel = reply.locator('[data-sk=products]');
    assert.equal(await carousel.getAttribute('role'), 'group');
    assert.equal(await carousel.getAttribute('aria-label'), 'Products');
    assert.equal(await reply.locator('[role=list] > [role=listitem]').count(), 3);
    assert.equal(await reply.locator('[data-sk=prev]').getAttribute('aria-label'), 'Previous');
    assert.equal(await reply.locator('[data-sk=next]').getAttribute('aria-label'), 'Next');
    // The answer's text is still there, before the cards.
    assert.ok((await reply.textContent()).startsWith('Here are three ideas.'));
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});

test('the Sources row links web pages in a new tab (http only with a plain-http gateway); others stay text', async () => {
  const { context, reply } = await cardsPage();
  try {
    const row = reply.locator('[data-sk=sources]');
    assert.equal(await row.count(), 1);
    assert.equal(await row.getAttribute('aria-label'), 'Sources');
    const links = await row.locator('a').evaluateAll((as) =>
      as.map((a) => [a.textContent, a.getAttribute('href'), a.target, a.rel]));
    assert.deepEqual(links, [
      ['Sizing guide', 'https://shop.example/pages/sizing', '_blank', 'noopener noreferrer'],
      ['Local page', 'http://shop.example/local', '_blank', 'noopener noreferrer'],
    ]);
    assert.match(await row.textContent(), /Old page/);
  } finally {
    await context.close();
  }
});

test('an option chip picks a variant: price and stock follow, sold-out values are disabled', async () => {
  const { context, page, card } = await cardsPage();
  try {
    const jacket = card(0);
    const chip = (text) => jacket.locator('[data-sk=chip]', { hasText: new RegExp(`^${text}$`) });
    assert.equal(await chip('M').getAttribute('aria-pressed'), 'true');
    assert.equal(await chip('S').isDisabled(), true, 'S exists only sold out');
    assert.equal(await jacket.locator('[role=group][aria-label=Size]').count(), 1);
    await chip('L').click();
    const price = await page.evaluate(() =>
      new Intl.NumberFormat('de-DE', { style: 'currency', currency: 'EUR' }).format(149.99));
    assert.equal(await jacket.locator('[data-sk=price]').textContent(), price);
    assert.equal(await chip('L').getAttribute('aria-pressed'), 'true');
    assert.equal(await chip('Red').getAttribute('aria-pressed'), 'true', 'L comes only in Red');
    // The redraw keeps focus on the chip the shopper pressed.
    assert.deepEqual(await focused(page), { sk: 'chip', k: null, text: 'L' });
  } finally {
    await context.close();
  }
});

test('Add to cart fires shopkeep:add_to_cart and POSTs /cart/add.js on the shop origin', async () => {
  const { context, page, card, cart } = await cardsPage();
  try {
    const jacket = card(0);
    await jacket.locator('[data-sk=chip]', { hasText: /^L$/ }).click();
    await jacket.locator('[data-sk=add-to-cart]').click();
    await jacket.locator('[data-sk=cart-status]').waitFor({ timeout: 10_000 });
    assert.equal(await jacket.locator('[data-sk=cart-status]').textContent(), 'Added to cart');
    assert.equal(cart.length, 1);
    assert.equal(cart[0].url, `${GATEWAY}/cart/add.js`);
    assert.equal(cart[0].method, 'POST');
    assert.deepEqual(JSON.parse(cart[0].body), { items: [{ id: '40003', quantity: 1 }] });
    const events = await page.evaluate(() => window.__events);
    const detail = {
      product_id: 'p-jacket', variant_id: '40003', quantity: 1, platform: 'shopify',
      title: 'Summit jacket', price: eur(14999),
    };
    assert.deepEqual(events, [
      ['shopkeep:add_to_cart', detail, true],
      ['shopkeep:cart_updated', detail, false],
    ]);

    // WooCommerce: `?add-to-cart=<id>&quantity=1` on the page's own origin.
    await card(1).locator('[data-sk=add-to-cart]').click();
    await card(1).locator('[data-sk=cart-status]').waitFor({ timeout: 10_000 });
    const woo = new URL(cart[1].url);
    assert.equal(woo.origin, GATEWAY);
    assert.equal(woo.searchParams.get('add-to-cart'), 'p-boots');
    assert.equal(woo.searchParams.get('quantity'), '1');

    // Another platform: only the event; the card shows no outcome of its own.
    await card(2).locator('[data-sk=add-to-cart]').click();
    await page.waitForFunction(() => window.__events.length === 5);
    assert.equal(cart.length, 2);
    assert.equal(await card(2).locator('[data-sk=cart-status]').count(), 0);
  } finally {
    await context.close();
  }
});

test('preventDefault on shopkeep:add_to_cart leaves the cart to the page', async () => {
  const { context, page, card, cart } = await cardsPage();
  try {
    await page.evaluate(() => window.addEventListener('shopkeep:add_to_cart', (e) => {
      window.__handled = e.detail.variant_id;
      e.preventDefault();
    }));
    await card(0).locator('[data-sk=add-to-cart]').click();
    await page.waitForFunction(() => window.__handled === '40002');
    // Let any default request start, then check none did.
    await page.waitForTimeout(300);
    assert.deepEqual(cart, []);
    assert.equal(await card(0).locator('[data-sk=cart-status]').count(), 0);
    const names = await page.evaluate(() => window.__events.map(([n]) => n));
    assert.deepEqual(names, ['shopkeep:add_to_cart']);
  } finally {
    await context.close();
  }
});

test('the carousel: arrow keys move between cards, prev/next scroll, all of it mirrored in RTL', async () => {
  const { context, page, reply, card } = await cardsPage();
  try {
    const track = reply.locator('[role=list]');
    const snap = await track.evaluate((t) => getComputedStyle(t).scrollSnapType);
    assert.match(snap, /x mandatory/);
    await card(0).focus();
    await page.keyboard.press('ArrowRight');
    assert.equal((await focused(page)).k, '1');
    await page.keyboard.press('End');
    assert.equal((await focused(page)).k, '2');
    await page.keyboard.press('ArrowLeft');
    assert.equal((await focused(page)).k, '1');
    // Tab goes into the card's controls.
    await card(0).focus();
    await page.keyboard.press('Tab');
    assert.equal((await focused(page)).sk, 'chip');
    await track.evaluate((t) => { t.scrollLeft = 0; });
    await reply.locator('[data-sk=next]').click();
    await page.waitForFunction(() => {
      const t = document.querySelector('#shopkeep-host').shadowRoot.querySelector('[role=list]');
      return t.scrollLeft > 0;
    }, null, { timeout: 5_000 });
    const x = (i) => card(i).evaluate((c) => c.getBoundingClientRect().x);
    assert.ok((await x(1)) > (await x(0)), 'left to right');

    // RTL: the first card is on the right, ArrowLeft is "next", next scrolls leftwards.
    await shopkeep(page, 'update', { locale: 'ar' });
    await page.waitForFunction(() => document.querySelector('#shopkeep-host').shadowRoot
      .querySelector('[data-sk=panel]').getAttribute('dir') === 'rtl');
    await track.evaluate((t) => { t.scrollLeft = 0; });
    assert.ok((await x(1)) < (await x(0)), 'right to left');
    await card(0).focus();
    await page.keyboard.press('ArrowLeft');
    assert.equal((await focused(page)).k, '1');
    await track.evaluate((t) => { t.scrollLeft = 0; });
    await reply.locator('[data-sk=next]').click();
    await page.waitForFunction(() => {
      const t = document.querySelector('#shopkeep-host').shadowRoot.querySelector('[role=list]');
      return t.scrollLeft < 0;
    }, null, { timeout: 5_000 });
    const sides = await reply.locator('[data-sk=products]').evaluate((p) => {
      const box = p.getBoundingClientRect();
      const at = (sk) => p.querySelector(`[data-sk=${sk}]`).getBoundingClientRect().x - box.x;
      return { prev: at('prev'), next: at('next') };
    });
    assert.ok(sides.prev > sides.next, `prev on the right in RTL: ${JSON.stringify(sides)}`);
  } finally {
    await context.close();
  }
});

test('a single product is one card, without carousel buttons', async () => {
  const { context, reply } = await cardsPage({
    locale: 'en-US', blocks: [{ kind: 'products', products: [SOCKS] }],
  });
  try {
    assert.equal(await reply.locator('[data-sk=card]').count(), 1);
    assert.equal(await reply.locator('[data-sk=prev], [data-sk=next]').count(), 0);
    assert.equal(await reply.locator('[data-sk=price]').textContent(), '€15.00');
  } finally {
    await context.close();
  }
});

// Issue 13, widget side: an `order` block exactly as protocol::Block::Order serialises.
const ORDER = {
  number: '#1002',
  placed_at: '2026-11-20T09:30:00Z',
  status: 'partially_shipped',
  items: [{ title: 'Summit jacket — M <b>bold</b>', quantity: 1 }, { title: 'Wool socks', quantity: 3 }],
  parcels: [
    { carrier: 'DHL', tracking_number: 'JD0001', tracking_url: 'https://track.example/JD0001', delivered: true },
    { carrier: 'UPS', tracking_number: '1Z999', tracking_url: 'javascript:window.__xss=3', delivered: false },
    { carrier: 'GLS', delivered: false },
  ],
  eta: '2026-12-02',
};

test('an order card: number, status badge, items, one line per parcel with its tracking link (https only), ETA', async () => {
  const { context, page, reply, problems } = await cardsPage({
    locale: 'en-US', blocks: [{ kind: 'order', order: ORDER }],
  });
  try {
    const order = reply.locator('[data-sk=order]');
    assert.equal(await order.count(), 1);
    assert.equal(await order.locator('[data-sk=order-number]').textContent(), '#1002');
    const status = order.locator('[data-sk=order-status]');
    assert.equal(await status.textContent(), 'Partly shipped');
    assert.equal(await status.getAttribute('data-status'), 'partially_shipped');
    assert.match(await order.textContent(), /2026-11-20/);
    assert.deepEqual(await order.locator('li').allTextContents(),
      ['1 × Summit jacket — M <b>bold</b>', '3 × Wool socks']);
    assert.equal(await order.locator('b').count(), 0, 'titles are text, never markup');
    const parcels = order.locator('[data-sk=parcel]');
    assert.equal(await parcels.count(), 3);
    assert.match(await parcels.nth(0).textContent(), /DHL JD0001/);
    assert.match(await parcels.nth(1).textContent(), /UPS 1Z999/);
    assert.match(await parcels.nth(2).textContent(), /GLS/);
    const links = order.locator('a[data-sk=tracking]');
    assert.equal(await links.count(), 1, 'a javascript: tracking link is dropped');
    assert.equal(await links.getAttribute('href'), 'https://track.example/JD0001');
    assert.equal(await parcels.nth(0).locator('a[data-sk=tracking]').count(), 1);
    assert.equal(await links.getAttribute('target'), '_blank');
    assert.equal(await order.locator('[data-sk=eta]').textContent(), 'Expected: 2026-12-02');
    assert.equal(await page.evaluate(() => window.__xss), undefined);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
  }
});
