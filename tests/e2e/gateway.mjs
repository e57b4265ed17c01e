// Plumbing for the gateway's API-level end-to-end tests (no browser): tenants created through
// the platform API, sessions, and a chat call that reads the whole event stream.
import { readFileSync } from 'node:fs';
import { GATEWAY, UPSTREAM } from './helpers.mjs';

export const PLATFORM_SECRET = process.env.SHOPKEEP_PLATFORM_SECRET;
const DEMO = JSON.parse(readFileSync(new URL('../../demo-site/tenants/demo.json', import.meta.url)));

/** The metered widget route classes (`limits.routes` in a tenant's config). */
export const ROUTE_CLASSES = ['session', 'consent', 'privacy', 'feedback', 'history', 'config'];

const random = (n = 8) => Array.from({ length: n }, () => 'abcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(Math.random() * 36)]).join('');

/** Creates a fresh tenant (a copy of the demo one) with overrides; returns its id. */
export async function createTenant(prefix, overrides = {}) {
  return (await createTenantWithKeys(prefix, overrides)).id;
}

/** Like createTenant; returns { id, config, admin: {kid, secret_hex}, identity: {kid, secret_hex} }. */
export async function createTenantWithKeys(prefix, { limits = {}, privacy = {}, assistant = {}, texts = {} } = {}) {
  const id = `${prefix}-${random(6)}`;
  const config = structuredClone(DEMO);
  config.tenant_id = id;
  config.allowed_origins = [GATEWAY];
  // Tests share one client IP: keep IP and tenant limits (chat's and every metered route's)
  // out of the way unless a test sets them; `limits.routes.<class>` merges per class.
  const generous = { ip_per_minute: 100000, tenant_per_minute: 100000 };
  const routes = Object.fromEntries(ROUTE_CLASSES.map((c) => [c, { ...generous, ...limits.routes?.[c] }]));
  config.limits = { ...config.limits, ip_requests_per_minute: 100000, tenant_requests_per_minute: 100000, ...limits, routes };
  config.privacy = { ...config.privacy, ...privacy };
  config.assistant = { ...config.assistant, ...assistant };
  config.public.texts = { ...config.public.texts, ...texts };
  const response = await fetch(`${GATEWAY}/v1/platform/tenants/${id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${PLATFORM_SECRET}`, 'content-type': 'application/json' },
    body: JSON.stringify(config),
  });
  if (response.status !== 201) throw new Error(`creating ${id}: ${response.status} ${await response.text()}`);
  const body = await response.json();
  const key = (purpose) => body.keys.find((k) => k.purpose === purpose);
  return { id, config, admin: key('admin'), identity: key('identity') };
}

/** A new session of `tenant` from the gateway's own origin. */
export async function session(tenant, extra = {}) {
  const response = await fetch(`${GATEWAY}/v1/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: GATEWAY },
    body: JSON.stringify({ tenant_id: tenant, ...extra }),
  });
  if (response.status !== 201) throw new Error(`session: ${response.status} ${await response.text()}`);
  return response.json();
}

/** A client message id. */
export const messageId = () => `m_${random(12)}`;

/** Parses a complete Shopkeep event stream into its JSON events. */
export function parseEvents(text) {
  return text
    .split('\n\n')
    .map((frame) => frame.split('\n').filter((l) => l.startsWith('data:')).map((l) => l.slice(5).trim()).join('\n'))
    .filter(Boolean)
    .map((data) => JSON.parse(data));
}

/**
 * POST /v1/chat. Returns { status, headers, events, body }: events when the answer was a
 * stream (read to the end), body when it was a JSON error.
 */
export async function chat(token, message, { clientMessageId = messageId(), signal } = {}) {
  const response = await fetch(`${GATEWAY}/v1/chat`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: GATEWAY, authorization: `Bearer ${token}` },
    body: JSON.stringify({ message, client_message_id: clientMessageId }),
    signal,
  });
  const text = await response.text();
  const isStream = (response.headers.get('content-type') ?? '').startsWith('text/event-stream');
  return {
    status: response.status,
    headers: response.headers,
    events: isStream ? parseEvents(text) : [],
    body: isStream ? null : JSON.parse(text),
  };
}

/** GET /v1/conversation. */
export async function conversation(token) {
  const response = await fetch(`${GATEWAY}/v1/conversation`, { headers: { authorization: `Bearer ${token}` } });
  if (response.status !== 200) throw new Error(`conversation: ${response.status} ${await response.text()}`);
  return response.json();
}

/** Polls `check` until it returns a truthy value or `ms` pass. */
export async function eventually(check, ms = 10_000, what = 'condition') {
  const until = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Bodies of the requests the fake upstream received whose last message contains `needle`. */
export async function upstreamRequestsFor(needle) {
  const all = await (await fetch(`${UPSTREAM}/__requests`)).json();
  return all.map((entry) => entry.body).filter((body) => JSON.stringify(body?.messages?.at(-1) ?? '').includes(needle));
}

/**
 * Runs SQL against the gateway's local D1 (the harness's state directory) with wrangler, the
 * way an operator would; returns the rows of the last statement.
 */
export async function d1(sql) {
  // Asynchronous on purpose: a synchronous child process blocks the event loop for seconds on
  // a busy machine, the gateway closes the idle keep-alive connection meanwhile, and the next
  // fetch goes out on the dead socket ("fetch failed").
  const { execFile } = await import('node:child_process');
  const { promisify } = await import('node:util');
  const stateDir = process.env.SHOPKEEP_STATE_DIR;
  if (!stateDir) throw new Error('SHOPKEEP_STATE_DIR is not set: run through `cargo xtask test`');
  const wrangler = new URL('../../node_modules/.bin/wrangler', import.meta.url).pathname;
  const root = new URL('../../', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(
    wrangler,
    ['d1', 'execute', 'DB', '--local', '--persist-to', stateDir, '--json', '--command', sql],
    { cwd: root, env: { ...process.env, WRANGLER_SEND_METRICS: 'false' }, maxBuffer: 64 * 1024 * 1024 },
  );
  const out = stdout.toString();
  const parsed = JSON.parse(out.slice(out.indexOf('[')));
  return parsed.at(-1)?.results ?? [];
}
