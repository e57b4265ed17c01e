// Helpers for the widget's end-to-end tests (tests/e2e/widget-*.test.mjs): identity tokens
// signed like a shop's server would, tenants seeded through the platform API, and reads of the
// widget's shadow DOM.
import { createHmac } from 'node:crypto';
import { GATEWAY } from './helpers.mjs';

const PLATFORM_SECRET = process.env.SHOPKEEP_PLATFORM_SECRET;

const b64url = (value) => Buffer.from(value).toString('base64url');

/** The demo tenant's live identity key (`kid`, 32-byte secret). */
export async function identityKey(tenant = 'demo') {
  const response = await fetch(`${GATEWAY}/v1/platform/tenants/${tenant}/keys`, {
    headers: { Authorization: `Bearer ${PLATFORM_SECRET}` },
  });
  if (!response.ok) throw new Error(`keys of ${tenant}: ${response.status}`);
  const { keys } = await response.json();
  const key = keys.find((k) => k.purpose === 'identity');
  return { kid: key.kid, secret: Buffer.from(key.secret_hex, 'hex') };
}

/** An HS256 identity token for `sub`, valid for an hour (what the shop's server signs). */
export async function identityToken(sub, tenant = 'demo') {
  const { kid, secret } = await identityKey(tenant);
  const header = b64url(JSON.stringify({ alg: 'HS256', typ: 'JWT', kid }));
  const payload = b64url(JSON.stringify({ sub, exp: Math.floor(Date.now() / 1000) + 3600 }));
  const mac = createHmac('sha256', secret).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${mac}`;
}

/** Creates or replaces a tenant: demo-site/tenants/demo.json changed by `edit`. */
export async function seedTenant(id, edit) {
  const { readFileSync } = await import('node:fs');
  const base = JSON.parse(readFileSync(new URL('../../demo-site/tenants/demo.json', import.meta.url)));
  base.tenant_id = id;
  base.allowed_origins = [GATEWAY];
  edit(base);
  const response = await fetch(`${GATEWAY}/v1/platform/tenants/${id}`, {
    method: 'PUT',
    headers: { Authorization: `Bearer ${PLATFORM_SECRET}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(base),
  });
  if (![200, 201].includes(response.status)) {
    throw new Error(`seeding ${id}: ${response.status} ${await response.text()}`);
  }
}

/** Serves `html` at `path` on the gateway's origin (same origin as the widget's API). */
export async function routePage(page, path, html) {
  await page.route(`${GATEWAY}${path}`, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html', body: html }));
}

/** A storefront page embedding the widget for `tenant`. */
export function pageFor(tenant) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${tenant}</title></head>
<body><main><h1>Shop</h1></main><script async src="/embed.js" data-tenant="${tenant}"></script></body></html>`;
}

/** Texts of the messages in the panel, as `{ role, text }`. */
export async function messages(page) {
  return page.evaluate(() => {
    const root = document.querySelector('#shopkeep-host').shadowRoot;
    return [...root.querySelectorAll('[data-sk=message]')].map((m) => ({
      role: m.getAttribute('data-role'),
      text: m.textContent,
    }));
  });
}

/** Calls the host-page API, `window.Shopkeep(...args)`. */
export async function shopkeep(page, ...args) {
  return page.evaluate((a) => window.Shopkeep(...a), args);
}
