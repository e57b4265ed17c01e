// Proves the gateway refuses abusive volume before it costs anything (issue 10, items 4 and 5):
// an oversized body is refused with 413 after reading only limit + 1 bytes, even when it is
// sent chunked without a Content-Length; every widget route besides chat is admitted by the
// tenant's limiter under its own per-client-network budget (defaults from docs/API.md), so
// floods of session creation, consent records and privacy exports get the usual 429 shape;
// and IPv6 clients are counted per /64, not per address. One case per defect, named after it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { GATEWAY } from './helpers.mjs';
import { messageId, session } from './gateway.mjs';
import { seedTenant } from './widget-helpers.mjs';

const MiB = 1024 * 1024;

/** A tenant as demo.json makes it (default route budgets), changed by `edit`. */
async function defaultTenant(prefix, edit = () => {}) {
  const id = `${prefix}-${Math.random().toString(36).slice(2, 8)}`;
  await seedTenant(id, edit);
  return id;
}

/**
 * POSTs a body that never ends on its own: 8 KiB chunks of JSON whitespace with short pauses,
 * up to 50 MiB, chunked (no Content-Length). Resolves with the response and how much the
 * client had produced when it arrived; writing stops then.
 *
 * node:http rather than fetch: the gateway answers and closes while the client is still
 * sending, and undici's fetch then fails the response body with the upload's EPIPE
 * ("terminated"), while node:http delivers the response it already received.
 */
function endlessUpload(path, headers) {
  return new Promise((resolve, reject) => {
    const chunk = Buffer.alloc(8 * 1024, 0x20);
    let produced = 0;
    let answered = null;
    const req = http.request(new URL(path, GATEWAY), {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: GATEWAY, ...headers },
    });
    req.on('response', (res) => {
      answered = { status: res.statusCode, produced, exhausted: produced >= 50 * MiB };
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { text += d; });
      res.on('end', () => resolve({ ...answered, body: JSON.parse(text) }));
      res.on('error', reject);
    });
    // Writing into a connection the gateway closed after answering fails; that is expected.
    req.on('error', (e) => { if (!answered) reject(e); });
    const pump = () => {
      if (answered || req.destroyed) return;
      if (produced >= 50 * MiB) {
        req.end();
        return;
      }
      produced += chunk.length;
      req.write(chunk);
      setTimeout(pump, 1);
    };
    pump();
  });
}

test('oversized bodies were buffered whole before the 413', async () => {
  const { token } = await session('demo');
  for (const [path, headers] of [
    ['/v1/sessions', {}],
    ['/v1/chat', { authorization: `Bearer ${token}` }],
  ]) {
    const r = await endlessUpload(path, headers);
    assert.equal(r.status, 413, `${path}: ${JSON.stringify(r.body)}`);
    assert.equal(r.body.error.code, 'payload_too_large');
    assert.equal(r.exhausted, false, `${path}: the gateway read all 50 MiB before answering`);
    // The limit is 16 KiB; what the client produced beyond it sat in socket buffers.
    assert.ok(r.produced < 2 * MiB, `${path}: ${r.produced} bytes were pulled before the 413`);
  }
});

/** Sends `n` requests at once; returns the responses with the time it took. */
async function burst(n, send) {
  const started = Date.now();
  const responses = await Promise.all(Array.from({ length: n }, (_, i) => send(i)));
  return { responses, seconds: (Date.now() - started) / 1000 };
}

/**
 * Exactly `limit` admitted, give or take what the bucket refilled while the burst ran (one
 * request per 60/limit seconds), and every refusal in the 429 shape.
 */
function assertMetered({ responses, seconds }, limit, okStatus, what) {
  const statuses = responses.map((r) => r.status);
  const admitted = statuses.filter((s) => s === okStatus).length;
  const refilled = Math.ceil(seconds / (60 / limit));
  assert.ok(admitted >= limit && admitted <= limit + refilled, `${what}: ${admitted} admitted (limit ${limit}); statuses ${statuses}`);
  const refused = responses.filter((r) => r.status === 429);
  assert.ok(refused.length > 0, `${what}: nothing was refused; statuses ${statuses}`);
  assert.equal(admitted + refused.length, responses.length, `${what}: statuses ${statuses}`);
  for (const r of refused) {
    assert.equal(r.body.error.code, 'rate_limited');
    assert.equal(r.body.error.retryable, true);
    assert.ok(Number(r.headers.get('retry-after')) >= 1, 'Retry-After in seconds');
    assert.equal(r.headers.get('ratelimit-limit'), String(limit));
    assert.equal(r.headers.get('ratelimit-remaining'), '0');
    assert.ok(Number(r.headers.get('ratelimit-reset')) >= 1);
  }
}

const call = (method, path, { token, ip, body } = {}) => fetch(`${GATEWAY}${path}`, {
  method,
  headers: {
    origin: GATEWAY,
    ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    ...(token ? { authorization: `Bearer ${token}` } : {}),
    ...(ip ? { 'cf-connecting-ip': ip } : {}),
  },
  body: body === undefined ? undefined : JSON.stringify(body),
}).then(async (r) => ({ status: r.status, headers: r.headers, body: await r.json().catch(() => null) }));

/** POST /v1/chat from `ip`, read to the end. */
const chatFrom = (token, ip) => fetch(`${GATEWAY}/v1/chat`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', origin: GATEWAY, authorization: `Bearer ${token}`, 'cf-connecting-ip': ip },
  body: JSON.stringify({ message: 'Do you ship to Norway?', client_message_id: messageId() }),
}).then(async (r) => {
  const text = await r.text();
  return { status: r.status, body: r.headers.get('content-type')?.startsWith('application/json') ? JSON.parse(text) : null };
});

const newSession = (tenant, ip) => call('POST', '/v1/sessions', { ip, body: { tenant_id: tenant } });

test('a session flood from one IP was never refused', async () => {
  const tenant = await defaultTenant('adm-sessions');
  // Default: 20 new sessions a minute per client network.
  assertMetered(await burst(30, () => newSession(tenant, '198.51.100.7')), 20, 201, 'sessions');
  // Another client is not affected.
  assert.equal((await newSession(tenant, '198.51.100.8')).status, 201);
});

test('consent, export and erase floods were never refused', async () => {
  const tenant = await defaultTenant('adm-writes');
  const { token } = (await newSession(tenant, '198.51.100.20')).body;
  const ip = '198.51.100.21';
  // Defaults: consent 20 a minute per client network; export and erase share privacy's 10.
  assertMetered(await burst(30, () => call('POST', '/v1/consent', { token, ip, body: { accepted: true } })), 20, 200, 'consent');
  const privacy = await burst(16, (i) => call('POST', `/v1/privacy/${i % 2 ? 'erase' : 'export'}`, { token, ip, body: {} }));
  assertMetered(privacy, 10, 200, 'export and erase');
});

test('two IPv6 addresses of one /64 got separate buckets', async () => {
  const tenant = await defaultTenant('adm-ipv6', (t) => { t.limits.ip_requests_per_minute = 2; });
  const net = '2001:db8:77:1';
  const { token } = (await newSession(tenant, '198.51.100.99')).body;
  // Chat allows 2 requests a minute per client network here; two addresses of the /64 spend it…
  assert.equal((await chatFrom(token, `${net}::1`)).status, 200);
  assert.equal((await chatFrom(token, `${net}::2`)).status, 200);
  // …so a third address of the same /64 is refused, and a neighbouring /64 is not.
  const third = await chatFrom(token, `${net}:ffff:eeee:dddd:cccc`);
  assert.equal(third.status, 429, 'a new address of the same /64 got a fresh chat bucket');
  assert.equal(third.body.error.code, 'rate_limited');
  assert.equal((await chatFrom(token, '2001:db8:77:2::1')).status, 200, 'neighbouring /64');
  // The metered routes group the same way: sessions from 25 addresses of the /64 share its 20.
  assertMetered(await burst(25, (i) => newSession(tenant, `${net}::${(i + 1).toString(16)}`)), 20, 201, 'sessions from one /64');
  assert.equal((await newSession(tenant, `${net}:aaaa::1`)).status, 429, 'same /64');
  assert.equal((await newSession(tenant, '2001:db8:77:2::1')).status, 201, 'neighbouring /64');
});
