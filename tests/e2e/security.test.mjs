// Proves the gateway refuses hostile requests in workerd (SPEC §3, §7): a table of forged,
// expired, cross-tenant and cross-origin session tokens, `alg: none` and other bad identity
// tokens, replayed, stale and wrong admin signatures, bad origins, and oversized, truncated,
// non-UTF-8 and mistyped bodies — each answered with its expected status and error code in the
// one JSON error shape — and that the tenant's stored rows are byte-for-byte unchanged after
// all of them. Then the positive paths: identity links a user across devices, key rotation
// keeps the old key working through its grace period, consent gates chat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GATEWAY } from './helpers.mjs';
import { chat, createTenantWithKeys, d1, session, PLATFORM_SECRET } from './gateway.mjs';
import { adminSignature, b64url, identityToken, sessionToken } from './signing.mjs';

const MASTER = process.env.SHOPKEEP_MASTER_SECRET;
const EVIL = 'https://evil.example';
const now = () => Math.floor(Date.now() / 1000);

const a = await createTenantWithKeys('sec-a');
const b = await createTenantWithKeys('sec-b');
const good = await session(a.id);
const goodB = await session(b.id);
// One real answer, so there is stored data to protect.
const seeded = await chat(good.token, 'How long does shipping take?');
const answerId = seeded.events.at(-1).message_id;

async function send({ method = 'POST', path, headers = {}, body, origin = GATEWAY, json = true }) {
  const h = { ...headers };
  if (origin) h.origin = origin;
  if (json && body !== undefined && !('content-type' in h)) h['content-type'] = 'application/json';
  const response = await fetch(`${GATEWAY}${path}`, { method, headers: h, body });
  const text = await response.text();
  let parsed = null;
  try { parsed = JSON.parse(text); } catch { /* asserted below */ }
  return { status: response.status, body: parsed, text };
}

const chatBody = (message = 'hi', id = 'm_hostile001') => JSON.stringify({ message, client_message_id: id });
const bearer = (token) => ({ authorization: `Bearer ${token}` });
const payloadOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url'));
const withPayload = (token, change) => {
  const [v, , sig] = token.split('.');
  return `${v}.${b64url(JSON.stringify({ ...payloadOf(token), ...change }))}.${sig}`;
};
const flip = (token, index) => token.slice(0, index) + (token[index] === 'A' ? 'B' : 'A') + token.slice(index + 1);
const claims = payloadOf(good.token);
const expired = sessionToken(MASTER, {
  tenant_id: a.id, session_id: claims.s, conversation_id: claims.c, origin: claims.o,
  issued_at_ms: Date.now() - 2 * 86_400_000, expires_at_ms: Date.now() - 1000,
});
const idToken = (over = {}, opts = {}) => identityToken(a.identity.secret_hex, { sub: 'cust_1', exp: now() + 600, ...over }, opts);
const sessionWith = (identity, resume) =>
  send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: a.id, identity_token: identity, resume_token: resume }) });
const adminPath = `/v1/admin/tenants/${a.id}/config`;
const admin = (sig, { method = 'GET', path = adminPath, body } = {}) =>
  send({ method, path, body, origin: null, headers: sig === null ? {} : { 'shopkeep-signature': sig } });
const sign = (opts) => adminSignature(a.admin.secret_hex, { method: 'GET', pathAndQuery: adminPath, ...opts });
const replayed = sign({});

const CASES = [
  // Sessions
  ['session without Origin', () => send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: a.id }), origin: null }), 403, 'origin_not_allowed'],
  ['session from a foreign origin', () => send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: a.id }), origin: EVIL }), 403, 'origin_not_allowed'],
  ['session from the null origin', () => send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: a.id }), origin: 'null' }), 403, 'origin_not_allowed'],
  ['session for an unknown tenant', () => send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: 'no-such-shop' }) }), 404, 'tenant_not_found'],
  ['session for a malformed tenant id', () => send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: '../etc' }) }), 404, 'tenant_not_found'],
  ['session with a body that is not JSON', () => send({ path: '/v1/sessions', body: 'tenant=demo' }), 400, 'bad_request'],
  ['session with truncated JSON', () => send({ path: '/v1/sessions', body: '{"tenant_id": "de' }), 400, 'bad_request'],
  ['session with a non-UTF-8 body', () => send({ path: '/v1/sessions', body: Buffer.from([0x7b, 0xff, 0xfe, 0x7d]) }), 400, 'bad_request'],
  ['session with a text/plain body', () => send({ path: '/v1/sessions', body: '{}', headers: { 'content-type': 'text/plain' } }), 415, 'unsupported_media_type'],
  ['session with a 20 KB body', () => send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: a.id, pad: 'x'.repeat(20_000) }) }), 413, 'payload_too_large'],
  ['session with an unknown field type', () => send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: 42 }) }), 400, 'bad_request'],
  // Identity tokens
  ['identity token with alg none', () => sessionWith(idToken({}, { alg: 'none' })), 401, 'invalid_identity'],
  ['identity token with alg HS512', () => sessionWith(idToken({}, { alg: 'HS512' })), 401, 'invalid_identity'],
  ['identity token with alg hs256 (case)', () => sessionWith(idToken({}, { alg: 'hs256' })), 401, 'invalid_identity'],
  ['expired identity token', () => sessionWith(idToken({ exp: now() - 3600 })), 401, 'invalid_identity'],
  ['identity token not valid yet', () => sessionWith(idToken({ nbf: now() + 3600 })), 401, 'invalid_identity'],
  ['identity token with an unknown kid', () => sessionWith(idToken({}, { kid: 'i9' })), 401, 'invalid_identity'],
  ['identity token signed with another tenant\'s key', () => sessionWith(identityToken(b.identity.secret_hex, { sub: 'x', exp: now() + 600 })), 401, 'invalid_identity'],
  ['identity token that is garbage', () => sessionWith('not.a.jwt'), 401, 'invalid_identity'],
  ['identity token with a tampered payload', () => {
    const [h, , s] = idToken().split('.');
    return sessionWith(`${h}.${b64url(JSON.stringify({ sub: 'admin', exp: now() + 600 }))}.${s}`);
  }, 401, 'invalid_identity'],
  // Session tokens on chat
  ['chat without a token', () => send({ path: '/v1/chat', body: chatBody() }), 401, 'unauthorized'],
  ['chat with Basic auth', () => send({ path: '/v1/chat', body: chatBody(), headers: { authorization: 'Basic YTpi' } }), 401, 'unauthorized'],
  ['chat with a random token', () => send({ path: '/v1/chat', body: chatBody(), headers: bearer('v1.AAAA.BBBB') }), 401, 'unauthorized'],
  ['chat with one payload character changed', () => send({ path: '/v1/chat', body: chatBody(), headers: bearer(flip(good.token, 10)) }), 401, 'unauthorized'],
  ['chat with one signature character changed', () => send({ path: '/v1/chat', body: chatBody(), headers: bearer(flip(good.token, good.token.length - 5)) }), 401, 'unauthorized'],
  ['chat with a token moved to another tenant', () => send({ path: '/v1/chat', body: chatBody(), headers: bearer(withPayload(good.token, { t: b.id })) }), 401, 'unauthorized'],
  ['chat with a token whose origin was rewritten', () => send({ path: '/v1/chat', body: chatBody(), headers: bearer(withPayload(good.token, { o: EVIL })), origin: EVIL }), 401, 'unauthorized'],
  ['chat with a good token from a foreign origin', () => send({ path: '/v1/chat', body: chatBody(), headers: bearer(good.token), origin: EVIL }), 401, 'unauthorized'],
  ['chat with a good token and no Origin', () => send({ path: '/v1/chat', body: chatBody(), headers: bearer(good.token), origin: null }), 401, 'unauthorized'],
  ['chat with an expired token', () => send({ path: '/v1/chat', body: chatBody(), headers: bearer(expired) }), 401, 'session_expired'],
  ['chat with a truncated token', () => send({ path: '/v1/chat', body: chatBody(), headers: bearer(good.token.slice(0, 40)) }), 401, 'unauthorized'],
  ['chat with a 5 KB token', () => send({ path: '/v1/chat', body: chatBody(), headers: bearer('v1.' + 'A'.repeat(5000) + '.B') }), 401, 'unauthorized'],
  // Chat bodies
  ['chat without client_message_id', () => send({ path: '/v1/chat', body: JSON.stringify({ message: 'hi' }), headers: bearer(good.token) }), 400, 'bad_request'],
  ['chat with an empty message', () => send({ path: '/v1/chat', body: chatBody('   '), headers: bearer(good.token) }), 400, 'invalid_field'],
  ['chat with a 4001-character message', () => send({ path: '/v1/chat', body: chatBody('x'.repeat(4001)), headers: bearer(good.token) }), 400, 'invalid_field'],
  ['chat with control characters', () => send({ path: '/v1/chat', body: chatBody('a\u0000b\u001b[31m'), headers: bearer(good.token) }), 400, 'invalid_field'],
  ['chat with a bad client_message_id', () => send({ path: '/v1/chat', body: chatBody('hi', 'no spaces!'), headers: bearer(good.token) }), 400, 'invalid_field'],
  ['chat with a non-UTF-8 body', () => send({ path: '/v1/chat', body: Buffer.from([0x22, 0xc3, 0x28, 0x22]), headers: bearer(good.token) }), 400, 'bad_request'],
  ['chat with truncated JSON', () => send({ path: '/v1/chat', body: '{"message":"hi","client_mess', headers: bearer(good.token) }), 400, 'bad_request'],
  ['chat with a 17 KB body', () => send({ path: '/v1/chat', body: chatBody('x'.repeat(17_000)), headers: bearer(good.token) }), 413, 'payload_too_large'],
  ['chat with a form body', () => send({ path: '/v1/chat', body: 'message=hi', headers: { ...bearer(good.token), 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'unsupported_media_type'],
  // Other widget routes
  ['history with another tenant\'s token moved over', () => send({ method: 'GET', path: '/v1/conversation', headers: bearer(withPayload(goodB.token, { t: a.id })) }), 401, 'unauthorized'],
  ['feedback on a message of another conversation', () => send({ path: `/v1/messages/${answerId}/feedback`, body: JSON.stringify({ rating: 'up' }), headers: bearer(goodB.token) }), 404, 'not_found'],
  ['feedback with an unknown rating', () => send({ path: `/v1/messages/${answerId}/feedback`, body: JSON.stringify({ rating: 'meh' }), headers: bearer(good.token) }), 400, 'bad_request'],
  ['config from a foreign origin', () => send({ method: 'GET', path: `/v1/tenants/${a.id}/config`, origin: EVIL }), 403, 'origin_not_allowed'],
  ['config of an unknown tenant', () => send({ method: 'GET', path: '/v1/tenants/no-such-shop/config' }), 404, 'tenant_not_found'],
  ['an unknown route', () => send({ method: 'GET', path: '/v1/tenants/a/b/c/d' }), 404, 'not_found'],
  ['a wrong method', () => send({ method: 'DELETE', path: '/v1/chat' }), 405, 'method_not_allowed'],
  // Admin signatures
  ['admin request without a signature', () => admin(null), 401, 'invalid_signature'],
  ['admin request with a malformed header', () => admin('kid=a1;ts=1;sig=x'), 401, 'invalid_signature'],
  ['admin request 301 s in the past', () => admin(sign({ ts: now() - 301 })), 401, 'invalid_signature'],
  // 30 s past the window: a loaded machine may take seconds to deliver the request, which
  // brings a timestamp just past the window back inside it (seen in a fresh-clone run).
  ['admin request 330 s in the future', () => admin(sign({ ts: now() + 330 })), 401, 'invalid_signature'],
  ['admin request signed with another tenant\'s key', () => admin(adminSignature(b.admin.secret_hex, { method: 'GET', pathAndQuery: adminPath })), 401, 'invalid_signature'],
  ['admin request with an unknown kid', () => admin(sign({ kid: 'a9' })), 401, 'invalid_signature'],
  ['admin signature for another path', () => admin(sign({ pathAndQuery: `/v1/admin/tenants/${b.id}/config` })), 401, 'invalid_signature'],
  ['admin signature for another method', () => admin(sign({ method: 'PUT' })), 401, 'invalid_signature'],
  ['admin PUT with a tampered body', () => admin(sign({ method: 'PUT', body: JSON.stringify(a.config) }),
    { method: 'PUT', body: JSON.stringify({ ...a.config, name: 'Owned' }) }), 401, 'invalid_signature'],
  ['admin PUT of an invalid config', () => {
    const bad = JSON.stringify({ ...a.config, public: { ...a.config.public, theme: { ...a.config.public.theme, primary_color: 'red;background:url(//evil)' } } });
    return admin(sign({ method: 'PUT', body: bad }), { method: 'PUT', body: bad });
  }, 400, 'invalid_field'],
  ['a replayed admin signature', async () => {
    const first = await admin(replayed);
    assert.equal(first.status, 200, 'the first use is accepted');
    return admin(replayed);
  }, 401, 'invalid_signature'],
  // Platform
  ['platform call with a wrong secret', () => send({ method: 'PUT', path: `/v1/platform/tenants/${a.id}`, body: JSON.stringify(a.config), origin: null, headers: bearer('wrong-secret-wrong-secret') }), 401, 'unauthorized'],
  ['platform call without a secret', () => send({ method: 'PUT', path: `/v1/platform/tenants/${a.id}`, body: JSON.stringify(a.config), origin: null }), 401, 'unauthorized'],
];

const TABLES = ['tenants', 'tenant_config_versions', 'conversations', 'messages', 'usage_events', 'feedback', 'audit_log'];
async function snapshot(tenant) {
  const out = {};
  for (const table of TABLES) {
    const column = table === 'tenants' ? 'id' : 'tenant_id';
    out[table] = await d1(`SELECT * FROM ${table} WHERE ${column} = '${tenant}' ORDER BY rowid`);
  }
  return JSON.stringify(out);
}

test(`${CASES.length} hostile requests are refused with the right status and code, and change nothing`, async (t) => {
  assert.ok(CASES.length >= 40);
  const before = await snapshot(a.id);
  for (const [name, run, status, code] of CASES) {
    await t.test(name, async () => {
      const r = await run();
      assert.equal(r.status, status, `${name}: ${r.text}`);
      assert.equal(r.body?.error?.code, code, `${name}: ${r.text}`);
      assert.equal(typeof r.body.error.message, 'string');
      assert.equal(typeof r.body.error.retryable, 'boolean');
      assert.ok(!r.text.includes(MASTER) && !r.text.includes(PLATFORM_SECRET) && !r.text.includes(a.admin.secret_hex));
    });
  }
  assert.equal(await snapshot(a.id), before, 'storage is unchanged');
});

test('an identity token links the conversation to the user on any device', async () => {
  const first = await sessionWith(idToken({ sub: 'cust_42', name: 'Ana' }));
  assert.equal(first.status, 201, first.text);
  assert.equal(first.body.user_id, 'cust_42');
  await chat(first.body.token, 'remember me');
  // Another device: no resume token, same user.
  const second = await sessionWith(idToken({ sub: 'cust_42' }));
  assert.equal(second.body.conversation_id, first.body.conversation_id);
  // An anonymous session never resumes the user's conversation, even with its token.
  const anon = await send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: a.id, resume_token: first.body.token }) });
  assert.notEqual(anon.body.conversation_id, first.body.conversation_id);
  // Nor does another user.
  const other = await sessionWith(idToken({ sub: 'cust_43' }), first.body.token);
  assert.notEqual(other.body.conversation_id, first.body.conversation_id);
});

test('a tenant that requires identity refuses anonymous sessions', async () => {
  const strict = await createTenantWithKeys('sec-id', { privacy: { identity_required: true } });
  const r = await send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: strict.id }) });
  assert.equal(r.status, 401);
  assert.equal(r.body.error.code, 'identity_required');
  const token = identityToken(strict.identity.secret_hex, { sub: 'u1', exp: now() + 60 });
  const ok = await send({ path: '/v1/sessions', body: JSON.stringify({ tenant_id: strict.id, identity_token: token }) });
  assert.equal(ok.status, 201);
});

test('rotating the admin key keeps the old key working through the grace period', async () => {
  const t = await createTenantWithKeys('sec-rot');
  const path = `/v1/admin/tenants/${t.id}/keys/rotate`;
  const body = JSON.stringify({ purpose: 'admin', grace_seconds: 3600 });
  const sig = adminSignature(t.admin.secret_hex, { method: 'POST', pathAndQuery: path, body });
  const r = await send({ path, body, origin: null, headers: { 'shopkeep-signature': sig } });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.body.new_kid, 'a2');
  const fresh = r.body.keys.find((k) => k.kid === 'a2');
  const old = r.body.keys.find((k) => k.kid === 'a1');
  assert.ok(old.retires_at_ms > Date.now());
  const get = (secret, kid) => send({ method: 'GET', path: `/v1/admin/tenants/${t.id}/config`, origin: null,
    headers: { 'shopkeep-signature': adminSignature(secret, { kid, method: 'GET', pathAndQuery: `/v1/admin/tenants/${t.id}/config` }) } });
  assert.equal((await get(fresh.secret_hex, 'a2')).status, 200);
  assert.equal((await get(old.secret_hex, 'a1')).status, 200, 'the old key still works in its grace period');
  // Retire the old key now: a second rotation with no grace.
  const body2 = JSON.stringify({ purpose: 'admin', grace_seconds: 0 });
  const r2 = await send({ path, body: body2, origin: null, headers: { 'shopkeep-signature': adminSignature(fresh.secret_hex, { kid: 'a2', method: 'POST', pathAndQuery: path, body: body2 }) } });
  assert.equal(r2.status, 200, r2.text);
  assert.equal((await get(old.secret_hex, 'a1')).status, 401, 'a retired key no longer verifies');
  const audit = await d1(`SELECT action FROM audit_log WHERE tenant_id = '${t.id}' AND action = 'keys.rotate'`);
  assert.equal(audit.length, 2);
});

test('a tenant that requires consent refuses chat until the session records it', async () => {
  const t = await createTenantWithKeys('sec-consent', { privacy: { consent_required: true }, texts: { consent_text: 'We store this chat for 30 days.' } });
  const s = await session(t.id);
  const refused = await chat(s.token, 'hello');
  assert.equal(refused.status, 403);
  assert.equal(refused.body.error.code, 'consent_required');
  assert.equal((await d1(`SELECT COUNT(*) AS n FROM messages WHERE tenant_id = '${t.id}'`))[0].n, 0);
  const accepted = await send({ path: '/v1/consent', body: JSON.stringify({ accepted: true }), headers: bearer(s.token) });
  assert.equal(accepted.status, 200, accepted.text);
  assert.equal(accepted.body.consent, true);
  assert.equal(accepted.body.conversation_id, s.conversation_id);
  const answered = await chat(accepted.body.token, 'hello');
  assert.equal(answered.status, 200);
  const declined = await send({ path: '/v1/consent', body: JSON.stringify({ accepted: false }), headers: bearer(s.token) });
  assert.equal((await chat(declined.body.token, 'again')).status, 403);
  const audit = await d1(`SELECT action FROM audit_log WHERE tenant_id = '${t.id}' AND action LIKE 'consent.%' ORDER BY id`);
  assert.deepEqual(audit.map((r) => r.action), ['consent.accepted', 'consent.declined']);
});
