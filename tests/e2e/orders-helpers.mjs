// Plumbing for the order tests (issue 13): tenants connected to the fake shop's order APIs
// (tests/fake-shop: Shopify Admin and WooCommerce REST v3 with fixture orders), identity
// tokens for its fixture customers, chat calls from a chosen client IP, and the strings of an
// order that must never reach someone who may not see it.
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { GATEWAY, UPSTREAM } from './helpers.mjs';
import { createTenantWithKeys, messageId, parseEvents } from './gateway.mjs';
import { admin } from './handoff-helpers.mjs';

export const SHOP = process.env.SHOPKEEP_FAKE_SHOP_URL;
export const SHOPIFY_TOKEN = 'shpat_fakeshop_0123456789abcdef';
export const WOO_KEY = 'ck_fakeshop_0123456789abcdef';
export const WOO_SECRET = 'cs_fakeshop_0123456789abcdef';
/** core::orders::lookup::NOT_FOUND, the one answer to every lookup that may show nothing. */
export const NOT_FOUND = "I couldn't find an order with those details.";

/** The two order API shapes, with the fixture's ids in each. */
export const SHAPES = [
  {
    name: 'shopify',
    source: () => ({ kind: 'shopify_admin', base_url: `${SHOP}/shopify`, access_token: SHOPIFY_TOKEN }),
    faultPrefix: '/shopify/admin',
    number: (n) => `#${n}`,
    numberQuery: (n) => `name=${n}`,
    partial: 'partially_shipped',
    ada: '7001',
    ben: '7002',
    first: 1001,
  },
  {
    name: 'woo',
    source: () => ({ kind: 'woocommerce', base_url: `${SHOP}/woo`, consumer_key: WOO_KEY, consumer_secret: WOO_SECRET }),
    faultPrefix: '/woo/wp-json/wc/v3',
    number: (n) => `#${n}`,
    numberQuery: (n) => `search=${n}`,
    partial: 'shipped', // Woo has no partial state: `processing` with tracking is shipped
    ada: '11',
    ben: '12',
    first: 2001,
  },
];

/** The fake shop's guest checkouts (no customer account): Ada's and Ben's, by shape. */
export const guestNumber = (shape, who) => shape.first + (who === 'ada' ? 100 : 101);

export const EMAILS = {
  ada: 'ada@example.com',
  ben: 'ben.okafor@example.net',
  chloe: 'chloe.martin@example.org',
  dan: 'dan.guest@example.com',
};

/** A tenant whose model is the fake's `order-lookup` scenario, connected to `shape`'s API. */
export async function orderTenant(prefix, shape, overrides = {}) {
  const t = await createTenantWithKeys(prefix, { assistant: { model: 'fake-order-lookup' }, ...overrides });
  if (shape) {
    const saved = await admin(t, 'PUT', `/v1/admin/tenants/${t.id}/orders/source`, shape.source());
    assert.equal(saved.status, 200, JSON.stringify(saved.json));
  }
  return t;
}

const b64url = (value) => Buffer.from(value).toString('base64url');

/**
 * An HS256 identity token of tenant `t` for `sub` (SPEC §3), as the shop's server signs;
 * `emailVerified` is written as given (`true`, `false`, `"true"`, …) when not undefined.
 */
export function identityToken(t, sub, { exp = Math.floor(Date.now() / 1000) + 3600, key = t.identity, email, emailVerified } = {}) {
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid: key.kid }));
  const payload = b64url(JSON.stringify({
    sub, exp, ...(email ? { email } : {}), ...(emailVerified !== undefined ? { email_verified: emailVerified } : {}),
  }));
  const mac = createHmac('sha256', Buffer.from(key.secret_hex, 'hex')).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${mac}`;
}

/** POST /v1/sessions, optionally verified and from a client IP; { status, json }. */
export async function newSession(t, { identity, ip } = {}) {
  const response = await fetch(`${GATEWAY}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: GATEWAY, ...(ip ? { 'cf-connecting-ip': ip } : {}) },
    body: JSON.stringify({ tenant_id: t.id, ...(identity ? { identity_token: identity } : {}) }),
  });
  const text = await response.text();
  let json = null;
  try { json = JSON.parse(text); } catch { /* empty */ }
  return { status: response.status, json };
}

/** POST /v1/chat from `ip`, read to the end: { status, events, raw }. */
export async function chatFrom(token, message, ip) {
  const response = await fetch(`${GATEWAY}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: GATEWAY, authorization: `Bearer ${token}`, ...(ip ? { 'cf-connecting-ip': ip } : {}) },
    body: JSON.stringify({ message, client_message_id: messageId() }),
  });
  const raw = await response.text();
  const stream = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  return { status: response.status, events: stream ? parseEvents(raw) : [], raw };
}

export const textOf = (events) => events.filter((e) => e.type === 'delta').map((e) => e.text).join('');
export const ordersOf = (events) => events.filter((e) => e.type === 'blocks')
  .flatMap((e) => e.blocks).filter((b) => b.kind === 'order').map((b) => b.order);

/** The fixture order as the shop serves it (read directly with the test credentials). */
export async function shopOrder(shape, number) {
  const url = shape.name === 'shopify'
    ? `${SHOP}/shopify/admin/api/2024-10/orders.json?name=${number}`
    : `${SHOP}/woo/wp-json/wc/v3/orders?search=${number}`;
  const headers = shape.name === 'shopify'
    ? { 'x-shopify-access-token': SHOPIFY_TOKEN }
    : { authorization: `Basic ${Buffer.from(`${WOO_KEY}:${WOO_SECRET}`).toString('base64')}` };
  const r = await fetch(url, { headers });
  assert.equal(r.status, 200);
  const body = await r.json();
  const list = shape.name === 'shopify' ? body.orders : body;
  const order = list.find((o) => String(o.name ?? o.number).replace('#', '') === String(number));
  assert.ok(order, `fixture order ${number}`);
  return order;
}

/**
 * Strings of an order that must not reach a shopper who may not see it: its number, tracking
 * numbers, item titles, and (never shown to anyone) address, phone.
 */
export async function secretsOf(shape, number) {
  const order = await shopOrder(shape, number);
  const keys = new Set(['tracking_number', 'tracking_numbers', 'title', 'name', 'address1', 'address_1', 'phone', 'city', 'tracking_url', 'custom_tracking_link']);
  const out = new Set([String(number)]);
  const walk = (value, key) => {
    if (Array.isArray(value)) value.forEach((v) => walk(v, key));
    else if (value && typeof value === 'object') Object.entries(value).forEach(([k, v]) => walk(v, k));
    else if (typeof value === 'string' && keys.has(key) && value.trim().length >= 4) out.add(value.trim());
  };
  walk(order, '');
  return [...out];
}

/** Arms a fault of the fake shop (only requests whose path?query contains `match`). */
export async function fault(spec) {
  const r = await fetch(`${SHOP}/__control`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ faults: [spec] }),
  });
  assert.equal(r.status, 200, await r.text());
}

/** Bodies of every upstream request whose messages (any of them) contain `needle`. */
export async function upstreamRequestsWith(needle) {
  const all = await (await fetch(`${UPSTREAM}/__requests`)).json();
  return all.map((entry) => entry.body).filter((body) => JSON.stringify(body?.messages ?? '').includes(needle));
}
